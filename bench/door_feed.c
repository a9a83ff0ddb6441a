/* SPDX-License-Identifier: GPL-2.0-or-later */
/* door_feed — how long doors_feed() takes per packet.
 *
 * Feeds synthetic knock_events (nothing goes on the network) through the
 * sequence doors, with fake time advancing 1 ms per 1000 packets and
 * doors_expire() called every millisecond, as the daemon's timer would.
 * Four workloads, each N packets:
 *   noise   ports no door uses (what a BPF filter would mostly drop)
 *   flood   first knocks from ever new spoofed sources: the table fills,
 *           then every packet evicts an attempt
 *   mixed   50% noise, 45% flood, 5% real knockers completing sequences
 *   knock   real knockers only: 64 sources walking the doors' sequences
 * -d NDOORS sets the number of doors (default 4; every door has its own
 * three ports).  -a N first starts N attempts (first knocks from N
 * sources, spread over the doors) that stay in progress while the
 * workload is timed: Seq_Timeout is then an hour and StateLimit at least
 * N + 1024, so none of them expires or is evicted (except by the flood).
 * Logging is off (errors only) to measure the state machine alone; `-v`
 * logs at INFO to /dev/null, to show what the decision lines cost (under
 * a flood, "stage 1" lines are summed up, not written one by one).
 *
 *   build/bench/door_feed [-n MILLION_PACKETS] [-s STATE_LIMIT] [-d NDOORS] [-a ATTEMPTS]
 *                         [-w noise|flood|mixed|knock] [-v]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "door.h"
#include "log.h"
#include "numparse.h"

/* Doors' ports are 10000 and up, three per door, below the noise's
 * 20000-59999: at most 3333 doors. */
enum { SEQ = 3, NDOORS_MAX = (20000 - 10000) / SEQ };
static unsigned ndoors = 4;

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static inline uint64_t next_rand(void) { return xorshift64(&rng); }

static uint16_t step_port(int door, int step)
{
	return (uint16_t)(10000 + door * SEQ + step);
}

struct result {
	double ns_per_packet;
	size_t grants, real_done, real_started, real_unfinished;
	size_t attempts_end;
};

enum workload { NOISE, FLOOD, MIXED, KNOCK };

static struct result run(const struct config *cfg, enum workload w, uint64_t n, uint64_t held)
{
	struct doors *d;
	if (doors_new(cfg, &d) < 0)
		exit(1);
	struct grant *gr = calloc(ndoors, sizeof *gr);
	if (!gr)
		exit(1);
	struct knock_event ev;
	memset(&ev, 0, sizeof ev);
	ev.daddr.family = AF_INET;
	ev.daddr.bytes[0] = 198; ev.daddr.bytes[1] = 18; ev.daddr.bytes[3] = 1;
	ev.saddr.family = AF_INET;
	ev.tcpflags = TCPF_SYN;
	ev.proto = PROTO_TCP;
	struct result r = { 0 };
	/* 64 real knockers in 10.255.0.x, each walking one door's sequence. */
	int real_step[64] = { 0 };
	unsigned real_door[64];
	for (unsigned k = 0; k < 64; k++)
		real_door[k] = (k + ndoors - 64 % ndoors) % ndoors;
	uint32_t real_next = 0;
	uint32_t spoof = 0;
	uint64_t now = 1;

	/* Attempts held in progress: first knocks from HELD sources in
	 * 101.0.0.0/8, untimed. */
	for (uint64_t i = 0; i < held; i++) {
		if ((i & 1023) == 0)
			doors_expire(d, ++now);
		ev.saddr.bytes[0] = 101;
		ev.saddr.bytes[1] = (uint8_t)(i >> 16);
		ev.saddr.bytes[2] = (uint8_t)(i >> 8);
		ev.saddr.bytes[3] = (uint8_t)i;
		ev.dport = step_port((int)(i % ndoors), 0);
		ev.sport = 33000;
		doors_feed(d, &ev, now, gr, ndoors);
	}

	double t0 = now_s();
	for (uint64_t i = 0; i < n; i++) {
		if ((i & 1023) == 0) {
			now++;
			doors_expire(d, now);
		}
		uint64_t x = next_rand();
		unsigned pick = (unsigned)(x % 100);
		int kind = w == NOISE ? 0 : w == FLOOD ? 1 : w == KNOCK ? 2 :
			   pick < 50 ? 0 : pick < 95 ? 1 : 2;
		if (kind == 0) {
			/* Noise: a random source, a port no door uses. */
			memcpy(ev.saddr.bytes, &x, 4);
			ev.saddr.bytes[0] = 10;
			ev.dport = (uint16_t)(20000 + (x >> 32) % 40000);
			ev.sport = (uint16_t)(x >> 16);
		} else if (kind == 1) {
			/* Flood: a new spoofed source knocks some door's first step. */
			spoof++;
			ev.saddr.bytes[0] = 100;
			ev.saddr.bytes[1] = (uint8_t)(spoof >> 16);
			ev.saddr.bytes[2] = (uint8_t)(spoof >> 8);
			ev.saddr.bytes[3] = (uint8_t)spoof;
			ev.dport = step_port((int)((x >> 40) % ndoors), 0);
			ev.sport = (uint16_t)(x >> 16);
		} else {
			uint32_t k = real_next++ % 64;
			ev.saddr.bytes[0] = 10;
			ev.saddr.bytes[1] = 255;
			ev.saddr.bytes[2] = 0;
			ev.saddr.bytes[3] = (uint8_t)k;
			if (real_step[k] == 0)
				r.real_started++;
			/* Each new sequence of knocker k takes the door 64
			 * further on, so that many doors all get knocked. */
			if (real_step[k] == 0)
				real_door[k] = (real_door[k] + 64) % ndoors;
			ev.dport = step_port((int)real_door[k], real_step[k]);
			ev.sport = (uint16_t)(40000 + real_step[k] + (x & 0xff) * 4);
			real_step[k] = (real_step[k] + 1) % SEQ;
		}
		size_t g = doors_feed(d, &ev, now, gr, ndoors);
		r.grants += g;
		if (kind == 2 && g)
			r.real_done++;
	}
	double t1 = now_s();
	r.ns_per_packet = (t1 - t0) * 1e9 / (double)n;
	for (size_t k = 0; k < 64; k++)
		r.real_unfinished += real_step[k] != 0;
	for (size_t i = 0; i < ndoors; i++)
		r.attempts_end += doors_attempts(d, i);
	doors_free(d);
	free(gr);
	return r;
}

int main(int argc, char **argv)
{
	unsigned long millions = 10, limit = 65536, nd = 4, held = 0;
	bool verbose = false;
	const char *only = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "a:d:n:s:vw:")) != -1) {
		switch (opt) {
		case 'n':
			if (!parse_ulong(optarg, 1, 1000, &millions)) {
				fprintf(stderr, "door_feed: -n: 1..1000 (million packets)\n");
				return 2;
			}
			break;
		case 's':
			if (!parse_ulong(optarg, 1, 1ul << 24, &limit)) {
				fprintf(stderr, "door_feed: -s: 1..16777216\n");
				return 2;
			}
			break;
		case 'd':
			if (!parse_ulong(optarg, 1, NDOORS_MAX, &nd)) {
				fprintf(stderr, "door_feed: -d: 1..%d doors\n", NDOORS_MAX);
				return 2;
			}
			break;
		case 'a':
			if (!parse_ulong(optarg, 0, 1ul << 24, &held)) {
				fprintf(stderr, "door_feed: -a: 0..16777216 attempts\n");
				return 2;
			}
			break;
		case 'v':
			verbose = true;
			break;
		case 'w':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: door_feed [-n MILLION_PACKETS] [-s STATE_LIMIT] [-d NDOORS] "
				"[-a ATTEMPTS] [-w noise|flood|mixed|knock] [-v]\n");
			return 2;
		}
	}
	if (verbose) {
		log_to_stderr(false);
		if (log_to_file("/dev/null") < 0)
			return 1;
		log_set_level(LOG_INFO);
	} else {
		log_set_level(LOG_ERR);
	}

	struct config cfg;
	memset(&cfg, 0, sizeof cfg);
	ndoors = (unsigned)nd;
	if (held && limit < held + 1024)
		limit = held + 1024;
	struct door *doors = calloc(ndoors, sizeof *doors);
	if (!doors)
		return 1;
	for (int i = 0; i < (int)ndoors; i++) {
		snprintf(doors[i].name, sizeof doors[i].name, "door%d", i);
		/* Held attempts must outlive the timed run. */
		doors[i].seq_timeout_ms = held ? 3600000 : 5000;
		doors[i].seq_len = SEQ;
		for (int s = 0; s < SEQ; s++)
			doors[i].seq[s] = (struct port_proto){ step_port(i, s), PROTO_TCP };
	}
	cfg.doors = doors;
	cfg.ndoors = ndoors;
	cfg.state_limit = (unsigned)limit;

	uint64_t n = (uint64_t)millions * 1000000;
	const char *names[] = { "noise", "flood", "mixed", "knock" };
	printf("door_feed: %lu M packets per workload, %u doors of %d steps, StateLimit %lu, "
	       "%lu attempts held, logging %s\n",
	       millions, ndoors, SEQ, limit, held, verbose ? "info to /dev/null" : "off");
	fflush(stdout);
	for (int w = NOISE; w <= KNOCK; w++) {
		if (only && strcmp(only, names[w]) != 0)
			continue;
		struct result r = run(&cfg, (enum workload)w, n, held);
		printf("%-6s %7.1f ns/packet  grants %zu  attempts left %zu",
		       names[w], r.ns_per_packet, r.grants, r.attempts_end);
		if (w == MIXED || w == KNOCK)
			printf("  real sequences %zu/%zu completed", r.real_done,
			       r.real_started - r.real_unfinished);
		printf("\n");
	}
	free(doors);
	return 0;
}
