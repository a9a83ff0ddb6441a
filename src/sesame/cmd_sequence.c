/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sesame sequence [-n N] [--udp]
 *
 * Prints a random knock sequence for a new door: N distinct ports from
 * 1024-65535, none of them listed in /etc/services (a knock on a port a
 * scanner or a real client uses would be noise, or would be seen), as a
 * "Sequence = ..." line that goes unchanged into sesamed.conf and into
 * the profile of client.conf. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cmd.h"
#include "config.h"
#include "numparse.h"
#include "rotseq.h"

#define SEQUENCE_DEFAULT_N 4
#define SEQUENCE_LOW       1024         /* below: privileged, well known */
#define SERVICES_FILE      ROTSEQ_SERVICES

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sesame sequence [-n N] [--udp]\n"
		"Prints a random knock sequence: N distinct ports (default %d, at most %d)\n"
		"from %d-65535, none listed in " SERVICES_FILE ", as a 'Sequence = ...'\n"
		"line for both sesamed.conf and client.conf.\n"
		"  -n, --count N   how many ports\n"
		"  -u, --udp       UDP knocks (port:udp) instead of TCP\n"
		"  -h, --help;  -V, --version\n", SEQUENCE_DEFAULT_N, CONFIG_SEQ_MAX, SEQUENCE_LOW);
}

/* A uniform random number below N (N > 0), or -1 without randomness. */
static long random_below(uint32_t n)
{
	uint32_t limit = UINT32_MAX - UINT32_MAX % n, r;
	do {
		if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
			return -1;
	} while (r >= limit);
	return (long)(r % n);
}

int cmd_sequence(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "udp", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long n = SEQUENCE_DEFAULT_N;
	bool udp = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:uhV", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!parse_ulong(optarg, 1, CONFIG_SEQ_MAX, &n)) {
				fprintf(stderr, "sesame sequence: -n: a count 1-%d\n", CONFIG_SEQ_MAX);
				return 1;
			}
			break;
		case 'u': udp = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': return cmd_version();
		default:
			cmd_bad_option("sequence", c, argv);
			return 1;
		}
	}
	if (optind != argc) {
		char q[64];
		cmd_quote(argv[optind], q, sizeof q);
		fprintf(stderr, "sesame sequence: unexpected argument '%s' (see 'sesame sequence "
			"-h')\n", q);
		return 1;
	}
	/* Every protocol's ports: a knock is better away from all of them. */
	static uint8_t listed[ROTSEQ_BITMAP_BYTES];
	int rc = rotseq_services_exclude(SERVICES_FILE, true, listed);
	if (rc < 0) {
		fprintf(stderr, "sesame sequence: cannot read " SERVICES_FILE ": %s\n",
			strerror(-rc));
		return 1;
	}
	/* The candidates, then a partial Fisher-Yates shuffle: distinct by
	 * construction. */
	static uint16_t cand[65536];
	uint32_t ncand = 0;
	for (unsigned p = SEQUENCE_LOW; p <= 65535; p++)
		if (!rotseq_bit(listed, (uint16_t)p))
			cand[ncand++] = (uint16_t)p;
	if (ncand < n) {
		fprintf(stderr, "sesame sequence: only %u ports are free of " SERVICES_FILE "\n",
			ncand);
		return 1;
	}
	printf("Sequence = ");
	for (uint32_t i = 0; i < n; i++) {
		long j = random_below(ncand - i);
		if (j < 0) {
			fprintf(stderr, "\nsesame sequence: no randomness: %s\n", strerror(errno));
			return 1;
		}
		uint16_t t = cand[i];
		cand[i] = cand[i + (uint32_t)j];
		cand[i + (uint32_t)j] = t;
		printf("%s%u%s", i ? "," : "", cand[i], udp ? ":udp" : "");
	}
	printf("\n");
	return fflush(stdout) == 0 ? 0 : 1;
}
