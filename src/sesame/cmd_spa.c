/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sesame spa HOST [--key FILE] [--port N] [--door NAME] [--door-port N]
 *                 [--open PROTO/PORT[,...]] [--allow ADDR] [--protocol 1]
 *                 [-4|-6] [-v] [--test] [--time-offset S]
 *
 * Sends one native SPA datagram (spa.h) from an unconnected UDP socket and
 * exits; it never waits for an answer (there is none: the server listens
 * on no socket).  The packet names the port it is sent to (--door-port
 * when a NAT in front of the server changes it) and, with --door, the
 * door.  With --fwknop anywhere among the arguments, fwknop's format is
 * spoken instead (cmd_spa_fwknop.c).
 *
 * --protocol 1 makes a legacy packet, for servers that predate version 2.
 *
 * --time-offset SECONDS (signed) shifts the timestamp: for a client whose
 * clock is known to be off, and for tests that make stale and future
 * packets without faking the clock.
 *
 * --write FILE writes the datagram to FILE instead of sending it, for
 * tests that replay or redirect it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cmd.h"
#include "spa_paths.h"
#include "fwknop.h"
#include "numparse.h"
#include "portspec.h"
#include "spa.h"
#include "spa_keys.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sesame spa HOST [--key FILE] [--port N] [--door NAME] [--door-port N]\n"
		"                  [--open PROTO/PORT[,...]] [--allow ADDR] [--protocol 1]\n"
		"                  [-4|-6] [-v] [--test] [--time-offset SECONDS]\n"
		"       sesame spa --fwknop HOST ... (fwknop's format; see docs/fwknop.md)\n"
		"  Sends one single-packet-authorization datagram to HOST (UDP port 62201).\n"
		"  -k, --key FILE      client key from 'sesame keygen' (default\n"
		"                      ~/.config/sesame/USER@HOST.key, USER and HOST being\n"
		"                      this machine's: the local login and host name)\n"
		"  -p, --port N        the server's SPA_Port (default 62201)\n"
		"  --door NAME         the door it is for: no other door accepts it (default:\n"
		"                      any door on that port that holds the key)\n"
		"  --door-port N       the door's SPA_Port when a NAT on the way changes the\n"
		"                      port (default: --port)\n"
		"  --open LIST         ports to open, e.g. tcp/22,udp/53 (default: the door's Open)\n"
		"  --allow ADDR        open for ADDR instead of this packet's source (door must\n"
		"                      allow it)\n"
		"  --protocol 1        the legacy format, for servers older than protocol\n"
		"                      version 2\n"
		"  -4, -6              resolve HOST to an IPv4 (IPv6) address only\n"
		"  --time-offset S     add S seconds (may be negative) to the packet's time, for\n"
		"                      a clock known to be off\n"
		"  --test              print what would be sent, send nothing\n"
		"  -v, --verbose       say what was sent;  -V, --version;  -h, --help\n");
}

static void diag_stderr(void *ctx, int level, const char *msg)
{
	(void)ctx;
	(void)level;
	fprintf(stderr, "sesame spa: %s\n", msg);
}

static bool has_fwknop(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "--fwknop") == 0)
			return true;
	}
	return false;
}

/* Hidden --time-offset: a signed number of seconds, |n| < 10 years. */
static bool parse_offset(const char *s, long *out)
{
	bool neg = *s == '-';
	unsigned long v;
	if (!parse_ulong(s + neg, 0, 10ul * 366 * 86400, &v))
		return false;
	*out = neg ? -(long)v : (long)v;
	return true;
}

static int resolve(const char *host, unsigned port, int family, struct sockaddr_storage *ss,
		   socklen_t *sslen)
{
	char ps[8];
	snprintf(ps, sizeof ps, "%u", port);
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM,
				  .ai_protocol = IPPROTO_UDP };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(host, ps, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "sesame spa: cannot resolve %s: %s\n", host, gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* --test: the packet's fields, as they would go out. */
static int print_test(const char *host, unsigned port, int family, const char *name,
		      const uint8_t id[SPA_KEYID_LEN], const char *door,
		      const struct spa_request *req)
{
	char q[64];
	cmd_quote(host, q, sizeof q);
	printf("sesame spa: test: would send one %d-byte UDP datagram to %s port %u%s; "
	       "nothing sent\n", SPA_PACKET_LEN, q, port,
	       family == AF_INET ? " (IPv4)" : family == AF_INET6 ? " (IPv6)" : "");
	printf("  format    sesame %d (ChaCha20-Poly1305)\n", req->version ? req->version : SPA_VERSION);
	if (req->dport)
		printf("  for port  %u%s\n", req->dport, door ? "" : " (any door there)");
	if (door)
		printf("  door      %s\n", door);
	printf("  key       %s (id ", name);
	for (size_t i = 0; i < SPA_KEYID_LEN; i++)
		printf("%02x", id[i]);
	printf(")\n  time      %llu\n  open      ", (unsigned long long)req->timestamp);
	if (req->nports == 0)
		printf("the door's Open");
	for (size_t i = 0; i < req->nports; i++)
		printf("%s%s/%u", i ? "," : "", port_proto_name(req->ports[i].proto),
		       req->ports[i].port);
	char al[ADDR_STRLEN];
	printf("\n  for       %s\n", req->addr.family ?
	       addr_format(&req->addr, al, sizeof al) : "the packet's source address");
	return fflush(stdout) == 0 ? 0 : 1;
}

/* --write: the datagram into a new file (0600), for tests that replay
 * or redirect it. */
static int write_packet(const char *path, const uint8_t *pkt, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		fprintf(stderr, "sesame spa: %s: %s\n", path, strerror(errno));
		return 1;
	}
	ssize_t n = write(fd, pkt, len);
	int e = errno;
	if (close(fd) < 0 && n == (ssize_t)len) {
		n = -1;
		e = errno;
	}
	if (n != (ssize_t)len) {
		fprintf(stderr, "sesame spa: %s: %s\n", path, n < 0 ? strerror(e) : "short write");
		return 1;
	}
	return 0;
}

int cmd_spa(int argc, char **argv)
{
	if (has_fwknop(argc, argv))
		return cmd_spa_fwknop(argc, argv);      /* cmd_spa_fwknop.c */

	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "port", required_argument, NULL, 'p' },
		{ "open", required_argument, NULL, 'O' },
		{ "allow", required_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "time-offset", required_argument, NULL, 'T' },
		{ "test", no_argument, NULL, 't' },
		{ "door", required_argument, NULL, 'D' },
		{ "door-port", required_argument, NULL, 'P' },
		{ "protocol", required_argument, NULL, 'R' },
		{ "write", required_argument, NULL, 'W' },
		{ 0 },
	};
	const char *keyfile = NULL, *door = NULL, *write_to = NULL;
	unsigned port = SPA_DEFAULT_PORT, door_port = 0;
	int family = AF_UNSPEC;
	bool verbose = false, test = false;
	long offset = 0;
	struct spa_request req = { 0 };
	char err[128];
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":46vhVk:p:", opts, NULL)) != -1) {
		switch (c) {
		case '4':
		case '6':
			if (!cmd_family(&family, c, "spa"))
				return 1;
			break;
		case 'v': verbose = true; break;
		case 't': test = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': return cmd_version();
		case 'k': keyfile = optarg; break;
		case 'p':
			if (!parse_port(optarg, &port)) {
				fprintf(stderr, "sesame spa: bad port '%s' (1-65535)\n", optarg);
				return 1;
			}
			break;
		case 'O': {
			int n = portspec_parse_list(optarg, true, PROTO_TCP, req.ports,
						    SPA_PORTS_MAX, err, sizeof err);
			if (n <= 0) {
				fprintf(stderr, "sesame spa: --open %s: %s\n", optarg,
					n < 0 ? err : "no port");
				return 1;
			}
			req.nports = (size_t)n;
			break;
		}
		case 'a':
			if (!addr_parse(optarg, &req.addr)) {
				fprintf(stderr, "sesame spa: --allow needs a numeric IPv4 or IPv6 address, "
					"not '%s'\n", optarg);
				return 1;
			}
			break;
		case 'D':
			if (!*optarg || strlen(optarg) > CONFIG_DOOR_NAME_LEN) {
				fprintf(stderr, "sesame spa: --door needs a door name (1 to %d "
					"characters)\n", CONFIG_DOOR_NAME_LEN);
				return 1;
			}
			door = optarg;
			break;
		case 'P':
			if (!parse_port(optarg, &door_port)) {
				fprintf(stderr, "sesame spa: bad --door-port '%s' (1-65535)\n", optarg);
				return 1;
			}
			break;
		case 'R':
			if (strcmp(optarg, "1") == 0)
				req.version = SPA_VERSION_LEGACY;
			else if (strcmp(optarg, "2") == 0)
				req.version = SPA_VERSION;
			else {
				fprintf(stderr, "sesame spa: bad --protocol '%s' (1 or 2)\n", optarg);
				return 1;
			}
			break;
		case 'W':
			write_to = optarg;
			break;
		case 'T':
			if (!parse_offset(optarg, &offset)) {
				fprintf(stderr, "sesame spa: bad --time-offset '%s'\n", optarg);
				return 1;
			}
			break;
		default:
			cmd_bad_option("spa", c, argv);
			return 1;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "sesame spa: %s (see 'sesame spa -h')\n",
			argc == optind ? "HOST is missing" : "one HOST only");
		return 1;
	}
	const char *host = argv[optind];
	if (req.version == SPA_VERSION_LEGACY && (door || door_port)) {
		fprintf(stderr, "sesame spa: --protocol 1 packets name no door and no port\n");
		return 1;
	}
	if (req.version != SPA_VERSION_LEGACY) {
		req.dport = (uint16_t)(door_port ? door_port : port);
		if (door)
			spa_door_tag(door, req.door_tag);
	}
	if (!test && !write_to && !cmd_sandbox_ok("spa"))
		return 1;

	char defpath[PATH_MAX];
	if (!keyfile) {
		char name[SPA_KEY_NAME_MAX];
		spa_default_key_name(name, sizeof name);
		if (spa_default_key_path(name, defpath, sizeof defpath) < 0) {
			fprintf(stderr, "sesame spa: no home directory; use --key FILE\n");
			return 1;
		}
		keyfile = defpath;
	}
	struct spa_key key;
	if (spa_key_load_client(keyfile, diag_stderr, NULL, &key) < 0)
		return 1;       /* reported with the file name */

	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	if (!test && resolve(host, port, family, &ss, &sslen) < 0) {
		spa_key_wipe(&key);
		return 1;
	}
	time_t now = time(NULL);
	if (offset < 0 && (uint64_t)-offset > (uint64_t)now)
		req.timestamp = 0;
	else
		req.timestamp = (uint64_t)now + (uint64_t)offset;
	uint8_t nonce[SPA_NONCE_LEN], pkt[SPA_PACKET_LEN];
	int rc = RAND_bytes(nonce, sizeof nonce) == 1 ? 0 : -EIO;
	if (rc == 0)
		rc = spa_encode(NULL, key.key, nonce, &req, pkt);
	char name[SPA_KEY_NAME_MAX];
	memcpy(name, key.name, sizeof name);
	uint8_t id[SPA_KEYID_LEN];
	memcpy(id, key.id, sizeof id);
	spa_key_wipe(&key);
	if (rc < 0) {
		fprintf(stderr, "sesame spa: cannot build the packet: %s\n", strerror(-rc));
		return 1;
	}
	if (test)
		return print_test(host, port, family, name, id, door, &req);
	if (write_to)
		return write_packet(write_to, pkt, sizeof pkt);
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0) {
		fprintf(stderr, "sesame spa: socket: %s\n", strerror(errno));
		return 1;
	}
	ssize_t n = sendto(fd, pkt, sizeof pkt, 0, (struct sockaddr *)&ss, sslen);
	int e = errno;
	close(fd);
	if (n != (ssize_t)sizeof pkt) {
		fprintf(stderr, "sesame spa: sending to %s: %s\n", host,
			n < 0 ? strerror(e) : "short send");
		return 1;
	}
	if (verbose) {
		char a[NI_MAXHOST] = "?";
		getnameinfo((struct sockaddr *)&ss, sslen, a, sizeof a, NULL, 0, NI_NUMERICHOST);
		fprintf(stderr, "sesame spa: sent %zu bytes to %s port %u (key %s, ", sizeof pkt,
			a, port, name);
		if (req.nports == 0)
			fprintf(stderr, "the door's ports");
		for (size_t i = 0; i < req.nports; i++)
			fprintf(stderr, "%s%s/%u", i ? "," : "", port_proto_name(req.ports[i].proto),
				req.ports[i].port);
		char al[ADDR_STRLEN];
		fprintf(stderr, ", for %s)\n", req.addr.family ?
			addr_format(&req.addr, al, sizeof al) : "this host's address");
	}
	return 0;
}
