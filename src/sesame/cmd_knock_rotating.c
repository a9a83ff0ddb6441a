/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_knock_rotating — `sesame knock --secret-file` (a rotating door's
 * sequence of the current time step, derived by rotseq.c exactly as the
 * daemon does) and `sesame knock --one-time` (the first unused line of a
 * knockd One_Time_Sequences file, marked used afterwards as knockd marks
 * it on its side, so both files stay in step). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "knock_args.h"
#include "knock_send.h"
#include "numparse.h"
#include "onetime.h"
#include "rotseq.h"
#include "version.h"

static const char usage[] =
	"usage: sesame knock --secret-file FILE --door NAME [OPTIONS] HOST\n"
	"       sesame knock --one-time FILE [-d MS] [-4|-6] [-v] HOST\n"
	"\n"
	"The first form knocks a rotating door (Sequence_Secrets): the sequence of\n"
	"the current time step, derived from the secret in FILE (one line NAME\n"
	"BASE64SECRET, as `sesame keygen --sequence NAME` writes it).  The door's\n"
	"settings must match the server's:\n"
	"\n"
	"  --door NAME          the door's [section] name (part of the derivation)\n"
	"  --length N           Sequence_Length (2-32, default 4)\n"
	"  --period S           Sequence_Period in seconds (default 30)\n"
	"  --protocols P        Sequence_Protocols: tcp, udp or mixed (default tcp)\n"
	"  --ports LOW-HIGH     Sequence_Ports (default 1024-65535)\n"
	"  --exclude PORT,...   ports the server also leaves out: the Open ports and\n"
	"                       SPA_Port of its doors (/etc/services is read anyway)\n"
	"  --services FILE      the services(5) file to leave out (default\n"
	"                       /etc/services; 'none': none)\n"
	"  --bind-address ADDR  Sequence_Bind_Address: the address the server sees\n"
	"                       this client come from\n"
	"  --time-offset S      add S seconds (may be negative) to the clock\n"
	"\n"
	"The second form sends the first unused sequence of a knockd\n"
	"One_Time_Sequences file and marks that line used ('#' over its first\n"
	"byte), as knockd does on the server.\n"
	"\n"
	"  -d, --delay MS       wait MS milliseconds between two hits (0-600000)\n"
	"  -4, --ipv4 / -6, --ipv6, -v, --verbose, -h, --help, -V, --version\n";

struct rot_args {
	const char *secret_file, *one_time, *door, *host;
	const char *services;
	unsigned length, period;
	enum rotseq_protos protos;
	uint16_t low, high;
	uint8_t *exclude;               /* bitmap */
	struct addr bind;
	bool has_bind;
	long long offset;
	unsigned delay_ms;
	int family;
	bool verbose;
};

bool knock_rotating_wanted(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strncmp(argv[i], "--secret-file", 13) == 0 ||
		    strncmp(argv[i], "--one-time", 10) == 0)
			return true;
	}
	return false;
}

static bool parse_excludes(const char *v, uint8_t *bm)
{
	char buf[1024];
	if (strlen(v) >= sizeof buf)
		return false;
	snprintf(buf, sizeof buf, "%s", v);
	char *save = NULL;
	size_t items = 0, commas = 0;
	for (const char *c = v; *c; c++)
		commas += *c == ',';
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		uint16_t lo, hi;
		if (!rotseq_parse_range(t, &lo, &hi))
			return false;
		for (uint32_t p = lo; p <= hi; p++)
			rotseq_bit_set(bm, (uint16_t)p);
		items++;
	}
	return items > 0 && items == commas + 1;
}

/* Returns -1 to go on, else the exit status. */
static int parse(int argc, char **argv, struct rot_args *a)
{
	enum { O_SECRET = 256, O_ONETIME, O_DOOR, O_LENGTH, O_PERIOD, O_PROTOS, O_PORTS,
	       O_EXCLUDE, O_SERVICES, O_BIND, O_OFFSET };
	static const struct option opts[] = {
		{ "secret-file", required_argument, NULL, O_SECRET },
		{ "one-time", required_argument, NULL, O_ONETIME },
		{ "door", required_argument, NULL, O_DOOR },
		{ "length", required_argument, NULL, O_LENGTH },
		{ "period", required_argument, NULL, O_PERIOD },
		{ "protocols", required_argument, NULL, O_PROTOS },
		{ "ports", required_argument, NULL, O_PORTS },
		{ "exclude", required_argument, NULL, O_EXCLUDE },
		{ "services", required_argument, NULL, O_SERVICES },
		{ "bind-address", required_argument, NULL, O_BIND },
		{ "time-offset", required_argument, NULL, O_OFFSET },
		{ "delay", required_argument, NULL, 'd' },
		{ "ipv4", no_argument, NULL, '4' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long n;
	char q[KNOCK_QUOTE_MAX + 1];
	optind = 0;
	opterr = 0;
	int c, idx = -1;
	while ((c = getopt_long(argc, argv, "d:46vhV", opts, &idx)) != -1) {
		const char *v = optarg;
		char optname[32];
		if (idx >= 0)
			snprintf(optname, sizeof optname, "--%s", opts[idx].name);
		else
			snprintf(optname, sizeof optname, "-%c", c > 0 && c < 128 ? c : '?');
		idx = -1;
		if (v)
			knock_quote(v, q, sizeof q);
		switch (c) {
		case O_SECRET: a->secret_file = v; break;
		case O_ONETIME: a->one_time = v; break;
		case O_DOOR: a->door = v; break;
		case O_LENGTH:
			if (!parse_ulong(v, ROTSEQ_LEN_MIN, ROTSEQ_LEN_MAX, &n))
				goto bad;
			a->length = (unsigned)n;
			break;
		case O_PERIOD:
			if (!parse_ulong(v, 1, 86400, &n))
				goto bad;
			a->period = (unsigned)n;
			break;
		case O_PROTOS:
			if (!rotseq_parse_protos(v, &a->protos))
				goto bad;
			break;
		case O_PORTS:
			if (!rotseq_parse_range(v, &a->low, &a->high))
				goto bad;
			break;
		case O_EXCLUDE:
			if (!parse_excludes(v, a->exclude))
				goto bad;
			break;
		case O_SERVICES:
			a->services = strcmp(v, "none") == 0 ? NULL : v;
			break;
		case O_BIND:
			if (!addr_parse(v, &a->bind))
				goto bad;
			a->has_bind = true;
			break;
		case O_OFFSET: {
			char *end;
			errno = 0;
			a->offset = strtoll(v, &end, 10);
			if (errno || end == v || *end || a->offset > 315360000LL ||
			    a->offset < -315360000LL)
				goto bad;
			break;
		}
		case 'd':
			if (!parse_ulong(v, 0, KNOCK_MAX_DELAY_MS, &n))
				goto bad;
			a->delay_ms = (unsigned)n;
			break;
		case '4': a->family = AF_INET; break;
		case '6': a->family = AF_INET6; break;
		case 'v': a->verbose = true; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': printf("sesame %s\n", SESAME_VERSION); return 0;
		default:
			knock_quote(argv[optind - 1], q, sizeof q);
			fprintf(stderr, "sesame knock: unknown option or missing value '%s'\n", q);
			return 1;
		}
		continue;
bad:
		fprintf(stderr, "sesame knock: bad value for %s: '%s'\n", optname, q);
		return 1;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "sesame knock: expected exactly one HOST (see -h)\n");
		return 1;
	}
	a->host = argv[optind];
	if (!!a->secret_file == !!a->one_time) {
		fprintf(stderr, "sesame knock: give --secret-file or --one-time, not both\n");
		return 1;
	}
	if (a->secret_file && !a->door) {
		fprintf(stderr, "sesame knock: --secret-file needs --door NAME\n");
		return 1;
	}
	if (a->one_time && (a->door || a->has_bind)) {
		fprintf(stderr, "sesame knock: --door and --bind-address are for --secret-file\n");
		return 1;
	}
	return -1;
}

static void diag_stderr(void *ctx, int level, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "sesame knock: %s%s\n", level == LOG_WARNING ? "warning: " : "", msg);
}

static int knock_rotating(const struct rot_args *a)
{
	struct rotseq_secret sec;
	if (rotseq_secret_load_client(a->secret_file, diag_stderr, NULL, &sec) < 0)
		return 1;
	if (a->services) {
		int rc = rotseq_services_exclude(a->services, a->exclude);
		if (rc < 0 && !(rc == -ENOENT && strcmp(a->services, ROTSEQ_SERVICES) == 0)) {
			fprintf(stderr, "sesame knock: %s: %s\n", a->services, strerror(-rc));
			explicit_bzero(&sec, sizeof sec);
			return 1;
		}
	}
	struct rotseq_set set;
	int rc = rotseq_set_build(a->low, a->high, a->exclude, &set);
	struct port_proto seq[CONFIG_SEQ_MAX];
	uint64_t c = 0;
	if (rc == 0) {
		long long now = (long long)time(NULL) + a->offset;
		c = rotseq_counter(now, a->period);
		rc = rotseq_derive(sec.key, sec.len, a->door, c, a->has_bind ? &a->bind : NULL,
				   &set, a->protos, a->length, seq);
	}
	explicit_bzero(&sec, sizeof sec);
	rotseq_set_fini(&set);
	if (rc < 0) {
		fprintf(stderr, "sesame knock: cannot derive the sequence: %s\n",
			rc == -EINVAL ? "bad door name, or too few ports left in --ports"
				      : strerror(-rc));
		return 1;
	}
	if (a->verbose)
		printf("door %s, time step %llu\n", a->door, (unsigned long long)c);
	return knock_send(a->host, a->family, seq, a->length, a->delay_ms, a->verbose);
}

static int knock_one_time(const struct rot_args *a)
{
	struct onetime_seq s;
	int rc = onetime_next(a->one_time, diag_stderr, NULL, &s);
	if (rc == -ENOENT) {
		fprintf(stderr, "sesame knock: %s: every sequence is used (or the file is "
			"missing)\n", a->one_time);
		return 1;
	}
	if (rc < 0)
		return 1;
	if (a->verbose)
		printf("%s:%u: one-time sequence\n", a->one_time, s.line);
	/* Marked first: a line the server may have seen is never sent twice,
	 * even if sending fails half-way (knockd too spends it on use). */
	rc = onetime_mark_used(a->one_time, &s);
	if (rc < 0) {
		fprintf(stderr, "sesame knock: %s:%u: cannot mark the sequence used: %s\n",
			a->one_time, s.line, rc == -ESTALE ? "the line has changed" : strerror(-rc));
		return 1;
	}
	return knock_send(a->host, a->family, s.seq, s.len, a->delay_ms, a->verbose);
}

int cmd_knock_rotating(int argc, char **argv)
{
	static uint8_t exclude[ROTSEQ_BITMAP_BYTES];
	struct rot_args a = {
		.services = ROTSEQ_SERVICES, .length = 4, .period = 30, .protos = ROTSEQ_TCP,
		.low = 1024, .high = 65535, .exclude = exclude, .family = AF_UNSPEC,
	};
	int rc = parse(argc, argv, &a);
	if (rc >= 0)
		return rc;
	return a.secret_file ? knock_rotating(&a) : knock_one_time(&a);
}
