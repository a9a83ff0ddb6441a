/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `sesame spa --fwknop HOST ...` — one fwknop-format SPA packet (Rijndael
 * + HMAC, what fwknopd 2.6 accepts by default), sent as one UDP datagram.
 * It never waits for an answer: fwknopd sends none. */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "base64.h"
#include "cmd.h"
#include "fwknop.h"
#include "numparse.h"
#include "portspec.h"
#include "spa_keys.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sesame spa --fwknop HOST --key-file F --hmac-key-file F\n"
		"                  --open PROTO/PORT[,...] [--allow ADDR | --source]\n"
		"                  [--hmac-digest sha256] [--port N] [-4|-6] [-v] [--test]\n"
		"Sends one fwknop-format SPA packet (for fwknopd, or a sesamed door with\n"
		"SPA_Format = fwknop).  --source (the default) asks the server to open for\n"
		"the packet's source address; --allow names another one.\n"
		"  --key-file F          file holding the Rijndael key in base64 (fwknop's\n"
		"                        KEY_BASE64); '-': read it from stdin\n"
		"  --hmac-key-file F     file holding the HMAC key in base64\n"
		"                        (HMAC_KEY_BASE64); '-': the next line of stdin\n"
		"  --key-base64 K, --hmac-key-base64 H   the same keys on the command line:\n"
		"                        for scripts only; any local user sees them in ps\n"
		"  --hmac-digest D       md5 sha1 sha256 sha384 sha512 sha3_256 sha3_512\n"
		"  --port N              UDP port (default %d)\n"
		"  --test                print what would be sent, send nothing\n",
		FWKNOP_DEFAULT_PORT);
}

/* Base64 key from the command line into BUF (1..CAP bytes). */
static bool key_arg(const char *opt, const char *s, uint8_t *buf, size_t cap, size_t *len)
{
	long n = base64_decode(s, strlen(s), buf, cap);
	if (n <= 0) {
		fprintf(stderr, "sesame spa: %s: not base64, or longer than %zu bytes\n", opt, cap);
		return false;
	}
	*len = (size_t)n;
	return true;
}

/* The first line of stdin, for '-': keys piped in stay off the command
 * line.  Each '-' reads one more line (the key, then the HMAC key). */
static bool stdin_line(char *buf, size_t cap)
{
	size_t n = 0;
	int c;
	while ((c = getchar()) != EOF && c != '\n') {
		if (n + 1 >= cap)
			return false;
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return n > 0;
}

static void key_file_diag(void *ctx, int level, const char *msg)
{
	(void)ctx;
	(void)level;
	fprintf(stderr, "sesame spa: %s\n", msg);
}

/* --key-file / --hmac-key-file: one base64 line, file readable by its
 * owner only, or '-' for stdin. */
static bool key_file_arg(const char *opt, const char *path, uint8_t *buf, size_t cap,
			 size_t *len)
{
	char line[512];
	bool ok;
	if (strcmp(path, "-") == 0) {
		if (!stdin_line(line, sizeof line)) {
			fprintf(stderr, "sesame spa: %s -: no key on stdin\n", opt);
			return false;
		}
	} else {
		char *text = NULL;
		size_t n = 0;
		if (secret_file_read(path, S_IRWXG | S_IRWXO, "group or others", key_file_diag,
				     NULL, &text, &n) < 0)
			return false;
		/* One line: the key, then at most its line ending. */
		size_t end = 0, rest;
		while (end < n && text[end] != '\n' && text[end] != '\r' && text[end] != '\0')
			end++;
		for (rest = end; rest < n && (text[rest] == '\n' || text[rest] == '\r'); rest++)
			;
		ok = end > 0 && end < sizeof line && rest == n;
		if (ok)
			snprintf(line, sizeof line, "%.*s", (int)end, text);
		secret_file_free(text, n);
		if (!ok) {
			fprintf(stderr, "sesame spa: %s %s: expected one line holding a base64 key\n",
				opt, path);
			return false;
		}
	}
	long n = base64_decode(line, strlen(line), buf, cap);
	OPENSSL_cleanse(line, sizeof line);
	if (n <= 0) {
		fprintf(stderr, "sesame spa: %s %s: not base64, or longer than %zu bytes\n", opt,
			path, cap);
		return false;
	}
	*len = (size_t)n;
	return true;
}

/* The login name fwknop would send; servers may check it (fwknopd's
 * REQUIRE_USERNAME).  Falls back to "sesame". */
static void user_name(char *out, size_t cap)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *name = pw && pw->pw_name ? pw->pw_name : "sesame";
	size_t n = strlen(name);
	bool ok = n > 0 && n < cap && n <= FWKNOP_USER_MAX;
	for (size_t i = 0; ok && i < n; i++)
		ok = (unsigned char)name[i] > 0x20 && (unsigned char)name[i] < 0x7f;
	snprintf(out, cap, "%s", ok ? name : "sesame");
}

static int send_packet(const char *host, unsigned port, int family, const char *pkt, size_t len,
		       bool verbose)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM,
				  .ai_protocol = IPPROTO_UDP };
	struct addrinfo *res = NULL;
	char service[8];
	snprintf(service, sizeof service, "%u", port);
	int rc = getaddrinfo(host, service, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "sesame spa: %s: %s\n", host, gai_strerror(rc));
		return 1;
	}
	int status = 1;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		ssize_t n = sendto(fd, pkt, len, 0, ai->ai_addr, ai->ai_addrlen);
		int err = errno;
		close(fd);
		if (n == (ssize_t)len) {
			if (verbose) {
				char h[NI_MAXHOST];
				if (getnameinfo(ai->ai_addr, ai->ai_addrlen, h, sizeof h, NULL, 0,
						NI_NUMERICHOST) != 0)
					snprintf(h, sizeof h, "?");
				fprintf(stderr, "sesame spa: sent %zu bytes to %s port %u/udp\n", len, h, port);
			}
			status = 0;
			break;
		}
		fprintf(stderr, "sesame spa: sending to %s: %s\n", host, n < 0 ? strerror(err) : "short write");
	}
	freeaddrinfo(res);
	return status;
}

int cmd_spa_fwknop(int argc, char **argv)
{
	enum { O_FWKNOP = 256, O_KEY, O_HKEY, O_DIGEST, O_OPEN, O_ALLOW, O_SOURCE, O_PORT,
	       O_KEYFILE, O_HKEYFILE, O_TEST };
	static const struct option opts[] = {
		{ "fwknop", no_argument, NULL, O_FWKNOP },
		{ "key-base64", required_argument, NULL, O_KEY },
		{ "hmac-key-base64", required_argument, NULL, O_HKEY },
		{ "hmac-digest", required_argument, NULL, O_DIGEST },
		{ "open", required_argument, NULL, O_OPEN },
		{ "allow", required_argument, NULL, O_ALLOW },
		{ "source", no_argument, NULL, O_SOURCE },
		{ "port", required_argument, NULL, O_PORT },
		{ "key-file", required_argument, NULL, O_KEYFILE },
		{ "hmac-key-file", required_argument, NULL, O_HKEYFILE },
		{ "test", no_argument, NULL, O_TEST },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t key[CONFIG_KEY_MAX], hkey[2 * CONFIG_KEY_MAX];
	struct fwknop_keys k = { key, 0, hkey, 0, HMAC_SHA256 };
	struct port_proto ports[FWKNOP_PORTS_MAX];
	int nports = 0, family = AF_UNSPEC, c;
	const char *allow = NULL;
	bool source = false, verbose = false, test = false;
	unsigned port = FWKNOP_DEFAULT_PORT;
	char err[128];
	int status = 1;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":46vhV", opts, NULL)) != -1) {
		switch (c) {
		case O_FWKNOP:
			break;
		case O_TEST:
			test = true;
			break;
		case O_KEYFILE:
			if (!key_file_arg("--key-file", optarg, key, sizeof key, &k.key_len))
				goto out;
			break;
		case O_HKEYFILE:
			if (!key_file_arg("--hmac-key-file", optarg, hkey, sizeof hkey,
					  &k.hmac_key_len))
				goto out;
			break;
		case O_KEY:
			if (!key_arg("--key-base64", optarg, key, sizeof key, &k.key_len))
				goto out;
			break;
		case O_HKEY:
			if (!key_arg("--hmac-key-base64", optarg, hkey, sizeof hkey, &k.hmac_key_len))
				goto out;
			break;
		case O_DIGEST:
			if (!fwknop_digest_parse(optarg, &k.hmac_digest)) {
				fprintf(stderr, "sesame spa: --hmac-digest: unknown digest '%s'\n", optarg);
				goto out;
			}
			break;
		case O_OPEN:
			nports = portspec_parse_list(optarg, true, PROTO_TCP, ports, FWKNOP_PORTS_MAX,
						     err, sizeof err);
			if (nports <= 0) {
				fprintf(stderr, "sesame spa: --open: %s\n", err);
				goto out;
			}
			break;
		case O_ALLOW: {
			struct addr a;
			if (!addr_parse(optarg, &a)) {
				fprintf(stderr, "sesame spa: --allow: '%s' is not a numeric address\n", optarg);
				goto out;
			}
			allow = optarg;
			break;
		}
		case O_SOURCE:
			source = true;
			break;
		case O_PORT:
			if (!parse_port(optarg, &port)) {
				fprintf(stderr, "sesame spa: --port: '%s' is not a port 1..65535\n", optarg);
				goto out;
			}
			break;
		case '4':
		case '6':
			if (!cmd_family(&family, c, "spa"))
				goto out;
			break;
		case 'v': verbose = true; break;
		case 'h':
			usage(stdout);
			status = 0;
			goto out;
		case 'V':
			status = cmd_version();
			goto out;
		default:
			cmd_bad_option("spa", c, argv);
			goto out;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "sesame spa: %s (see 'sesame spa --fwknop -h')\n",
			optind == argc ? "HOST is missing" : "one HOST only");
		goto out;
	}
	const char *host = argv[optind];
	if (k.key_len == 0 || k.hmac_key_len == 0 || nports == 0) {
		fprintf(stderr, "sesame spa: --fwknop needs a key (--key-file), an HMAC key "
			"(--hmac-key-file) and --open\n");
		goto out;
	}
	if (allow && source) {
		fprintf(stderr, "sesame spa: --allow and --source exclude each other\n");
		goto out;
	}
	if (!test && !cmd_sandbox_ok("spa"))
		goto out;

	char user[FWKNOP_USER_MAX + 1];
	user_name(user, sizeof user);
	struct fwknop_msg m;
	int rc = fwknop_msg_access(&m, user, (uint64_t)time(NULL), allow, ports, (size_t)nports, 0);
	if (rc != FWKNOP_OK) {
		fprintf(stderr, "sesame spa: %s\n", fwknop_strerror(rc));
		goto out;
	}
	uint8_t salt[FWKNOP_SALT_LEN];
	char pkt[FWKNOP_WIRE_MAX + 1];
	long n = -1;
	if (RAND_bytes(salt, sizeof salt) == 1)
		n = fwknop_encode(&m, &k, salt, pkt, sizeof pkt);
	if (n < 0) {
		fprintf(stderr, "sesame spa: cannot build the packet: %s\n",
			fwknop_strerror(n < 0 ? (int)n : FWKNOP_ERR_CRYPTO));
		goto out;
	}
	if (test) {
		char q[64];
		cmd_quote(host, q, sizeof q);
		printf("sesame spa: test: would send one %ld-byte UDP datagram to %s port %u%s; "
		       "nothing sent\n  format    fwknop (Rijndael + HMAC %s)\n  user      %s\n"
		       "  time      %llu\n  message   %s\n", n, q, port,
		       family == AF_INET ? " (IPv4)" : family == AF_INET6 ? " (IPv6)" : "",
		       fwknop_digest_name(k.hmac_digest), m.username,
		       (unsigned long long)m.timestamp, m.message);
		status = fflush(stdout) == 0 ? 0 : 1;
		goto out;
	}
	if (verbose)
		fprintf(stderr, "sesame spa: fwknop packet: user %s, time %llu, message '%s', "
			"HMAC %s, %ld bytes\nsesame spa: packet: %s\n", m.username,
			(unsigned long long)m.timestamp, m.message,
			fwknop_digest_name(k.hmac_digest), n, pkt);
	status = send_packet(host, port, family, pkt, (size_t)n, verbose);
out:
	OPENSSL_cleanse(key, sizeof key);
	OPENSSL_cleanse(hkey, sizeof hkey);
	return status;
}
