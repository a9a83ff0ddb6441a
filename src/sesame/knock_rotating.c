/* SPDX-License-Identifier: GPL-2.0-or-later */
/* knock_rotating — see knock_rotating.h. */
#include "knock_rotating.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "knock_args.h"
#include "knock_send.h"
#include "numparse.h"
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

int knock_rotating_parse(int argc, char **argv, struct rot_args *a)
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

void knock_rotating_defaults(struct rot_args *a, uint8_t *exclude)
{
	*a = (struct rot_args){
		.services = ROTSEQ_SERVICES, .length = 4, .period = 30, .protos = ROTSEQ_TCP,
		.low = 1024, .high = 65535, .exclude = exclude, .family = AF_UNSPEC,
	};
	memset(exclude, 0, ROTSEQ_BITMAP_BYTES);
}

