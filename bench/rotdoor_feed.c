/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rotdoor_feed — what a rotating door costs: per packet, with 1 and with
 * 1,000 client secrets, against a plain Sequence door fed the same
 * packets; and per turn of the time step.
 *
 * Synthetic knock_events only (nothing goes on the network).  Packets:
 *   noise   random TCP ports 1024-65535 from random sources: the filter
 *           passes them all to a rotating door, which must reject them
 *   knocks  noise with, every 100 packets, a client's full sequence of the
 *           current step from a new source (each one opens: spent marks
 *           go to a file in a temporary StateDir, fdatasync'd)
 * Turns: rotdoors_turn() one period later (one step's sequences derived
 * for every client, the index rebuilt) and ten periods later (all three).
 * Logging is off (errors only).
 *
 *   build/bench/rotdoor_feed [-n MILLION_PACKETS] [-c CLIENTS]...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "base64.h"
#include "door.h"
#include "log.h"
#include "numparse.h"
#include "rotdoor.h"
#include "rotseq.h"

#define PERIOD 30
#define T0     1700000010ull

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static inline uint64_t next_rand(void) { return xorshift64(&rng); }

static char dir[64];

static void key_of(size_t i, uint8_t k[32])
{
	for (size_t j = 0; j < 32; j++)
		k[j] = (uint8_t)(i * 131 + j * 7 + 3);
}

static struct config *make_config(size_t clients, bool plain)
{
	char path[128], text[1024];
	snprintf(path, sizeof path, "%s/secrets", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		exit(1);
	for (size_t i = 0; i < clients; i++) {
		uint8_t k[32];
		char b64[64];
		key_of(i, k);
		base64_encode(k, sizeof k, b64, sizeof b64, true);
		fprintf(f, "client%zu %s\n", i, b64);
	}
	fclose(f);
	chmod(path, 0600);
	if (plain)
		snprintf(text, sizeof text, "[plain]\nsequence = 7000,8000,9000,10000\nopen = 22\n");
	else
		snprintf(text, sizeof text, "[options]\nStateDir = %s/state\n[r]\n"
			 "sequence_secrets = %s\nsequence_period = %d\nopen = 22\n",
			 dir, path, PERIOD);
	struct config *cfg = NULL;
	if (config_parse("bench.conf", text, strlen(text), NULL, NULL, &cfg) < 0)
		exit(1);
	return cfg;
}

static void random_event(struct knock_event *ev)
{
	uint64_t r = next_rand();
	ev->saddr.family = AF_INET;
	memcpy(ev->saddr.bytes, &r, 4);
	ev->dport = (uint16_t)(1024 + (r >> 32) % 64512);
	ev->sport = (uint16_t)(r >> 48);
}

/* ns per packet; *GRANTS counts the doors opened. */
static double feed(struct config *cfg, bool plain, uint64_t n, bool knocks, size_t clients,
		   size_t *grants)
{
	struct doors *d = NULL;
	struct rotdoors *r = NULL;
	if (plain ? doors_new(cfg, &d) < 0 : rotdoors_new(cfg, T0, &r) < 0)
		exit(1);
	struct rotseq_set set;
	if (!plain && rotseq_door_set(cfg, &cfg->doors[0], ROTSEQ_SERVICES, &set) < 0)
		exit(1);
	struct knock_event ev = { .proto = PROTO_TCP, .tcpflags = TCPF_SYN };
	ev.daddr.family = AF_INET;
	struct grant g[2];
	*grants = 0;
	uint64_t mono = 1;
	uint32_t src = 0;
	double t0 = now_s();
	for (uint64_t i = 0; i < n; i++) {
		if (knocks && i % 100 == 0) {
			struct port_proto s[CONFIG_SEQ_MAX];
			uint8_t k[32];
			key_of(next_rand() % clients, k);
			if (plain) {
				memcpy(s, cfg->doors[0].seq, 4 * sizeof s[0]);
			} else if (rotseq_derive(k, 32, "r", T0 / PERIOD, NULL, &set, ROTSEQ_TCP, 4,
						 s) < 0) {
				exit(1);
			}
			ev.saddr.family = AF_INET;
			ev.saddr.bytes[0] = 10;
			memcpy(ev.saddr.bytes + 1, &src, 3);
			src++;
			for (int j = 0; j < 4; j++) {
				ev.dport = s[j].port;
				ev.sport = (uint16_t)(40000 + j);
				*grants += plain ? doors_feed(d, &ev, mono, g, 2)
						 : rotdoors_feed(r, &ev, mono, T0, g, NULL, 2);
			}
			i += 3;
			continue;
		}
		random_event(&ev);
		if (i % 1000 == 0)
			mono++;
		*grants += plain ? doors_feed(d, &ev, mono, g, 2) : rotdoors_feed(r, &ev, mono, T0, g, NULL, 2);
	}
	double dt = now_s() - t0;
	if (!plain)
		rotseq_set_fini(&set);
	doors_free(d);
	rotdoors_free(r);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -f '%s/state/rotating-spent'", dir);
	if (system(cmd) != 0)
		exit(1);
	return dt * 1e9 / (double)n;
}

/* Mean microseconds of a turn by STEPS periods. */
static double turn_cost(struct config *cfg, unsigned steps, int rounds)
{
	struct rotdoors *r;
	if (rotdoors_new(cfg, T0, &r) < 0)
		exit(1);
	uint64_t t = T0;
	double t0 = now_s();
	for (int i = 0; i < rounds; i++) {
		t += (uint64_t)steps * PERIOD;
		rotdoors_turn(r, t);
	}
	double dt = now_s() - t0;
	rotdoors_free(r);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -f '%s/state/rotating-spent'", dir);
	if (system(cmd) != 0)
		exit(1);
	return dt * 1e6 / rounds;
}

int main(int argc, char **argv)
{
	unsigned long millions = 2;
	size_t counts[8] = { 1, 1000 };
	size_t ncounts = 2, given = 0;
	int c;
	while ((c = getopt(argc, argv, "n:c:")) != -1) {
		unsigned long v;
		if (c == 'n' && parse_ulong(optarg, 1, 1000, &millions))
			continue;
		if (c == 'c' && given < 8 && parse_ulong(optarg, 1, ROTSEQ_CLIENTS_MAX, &v)) {
			counts[given++] = v;
			ncounts = given;
			continue;
		}
		fprintf(stderr, "usage: rotdoor_feed [-n MILLION_PACKETS] [-c CLIENTS]...\n");
		return 2;
	}
	log_set_level(LOG_ERR);
	snprintf(dir, sizeof dir, "/tmp/sesame-bench-rot-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	uint64_t n = millions * 1000000ull;
	size_t grants;
	struct config *plain = make_config(1, true);
	double pn = feed(plain, true, n, false, 1, &grants);
	double pk = feed(plain, true, n, true, 1, &grants);
	printf("%-28s %10s %10s %10s %12s %12s\n", "door", "noise ns", "knocks ns", "grants",
	       "turn+1 us", "turn+10 us");
	printf("%-28s %10.1f %10.1f %10zu %12s %12s\n", "plain Sequence (4 ports)", pn, pk,
	       grants, "-", "-");
	config_free(plain);
	for (size_t i = 0; i < ncounts; i++) {
		struct config *cfg = make_config(counts[i], false);
		double rn = feed(cfg, false, n, false, counts[i], &grants);
		double rk = feed(cfg, false, n, true, counts[i], &grants);
		int rounds = counts[i] >= 1000 ? 50 : 2000;
		double t1 = turn_cost(cfg, 1, rounds), t10 = turn_cost(cfg, 10, rounds);
		char label[64];
		snprintf(label, sizeof label, "rotating, %zu secret%s", counts[i],
			 counts[i] == 1 ? "" : "s");
		printf("%-28s %10.1f %10.1f %10zu %12.1f %12.1f\n", label, rn, rk, grants, t1, t10);
		config_free(cfg);
	}
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
