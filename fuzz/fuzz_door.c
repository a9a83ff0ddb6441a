/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_door — the sequence-door logic (door.c, attempts.c) driven by a
 * stream of synthetic knock_events decoded from the input, with time
 * advancing, timer expiry and SIGHUP reloads between two configs.  Both
 * configs have a one-time door whose file (in a scratch directory) is
 * rewritten before each input, since completing a line marks it used.
 *
 * Each 5-byte record is one operation:
 *   b0  0xff: doors_expire() now; 0xfe: doors_reload() to the other
 *       config; else the source address (b0 % NSRC: 28 IPv4 and IPv6
 *       knockers, more than StateLimit 16 so the table fills and evicts)
 *   b1  destination port: one of the configs' sequence ports or noise
 *   b2  bit 0 flips the port's protocol, bit 1 sends to a second server
 *       address (the Target door ignores it), bit 2 uses flags b2 >> 3
 *       instead of a SYN
 *   b3  source port (a few values, so exact repeats happen)
 *   b4  time step: < 200 ms as is, else (b4 - 200) * 250 ms
 * Invariants checked (abort on violation): at most StateLimit attempts
 * in all, none after every Seq_Timeout has passed; every grant valid for
 * its config (grant_validate), for the knocking source, on a door whose
 * last step is the packet just fed (for the one-time door: a packet to
 * one of its file's ports); expiry deadlines within the longest
 * Seq_Timeout.  ASan/LSan see every access and leak. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "door.h"
#include "grant.h"
#include "log.h"

#define STATE_LIMIT 16
#define NSRC 28

static const char conf_a[] =
	"[options]\n"
	"\tStateLimit = 16\n"
	"[a]\n"
	"\tSequence = 7000,8000:udp,9000\n"
	"\tSeq_Timeout = 2\n"
	"\tTCPFlags = syn,!ack\n"
	"\tStart_Command = /bin/true %IP%\n"
	"[rep]\n"
	"\tSequence = 7000,7000,7001:udp\n"
	"\tSeq_Timeout = 1\n"
	"\tStart_Command = /bin/true %IP%\n"
	"[overlap]\n"
	"\tSequence = 9000,8000:udp,7000,9000\n"
	"\tSeq_Timeout = 3\n"
	"\tStart_Command = /bin/true %IP%\n"
	"[target]\n"
	"\tSequence = 6001,6002\n"
	"\tTarget = 198.18.0.1\n"
	"\tSeq_Timeout = 2\n"
	"\tStart_Command = /bin/true %IP%\n"
	"[one]\n"
	"\tSequence = 6500:udp\n"
	"\tStart_Command = /bin/true %IP%\n"
	"[ot]\n"
	"\tOne_Time_Sequences = ";

/* A changed [rep], [overlap] gone, a new [long]: reload keeps [a],
 * [target] and [one] attempts and drops the rest. */
static const char conf_b[] =
	"[options]\n"
	"\tStateLimit = 16\n"
	"[target]\n"
	"\tSequence = 6001,6002\n"
	"\tTarget = 198.18.0.1\n"
	"\tSeq_Timeout = 2\n"
	"\tStart_Command = /bin/true %IP%\n"
	"[a]\n"
	"\tSequence = 7000,8000:udp,9000\n"
	"\tSeq_Timeout = 2\n"
	"\tTCPFlags = syn,!ack\n"
	"\tStart_Command = /bin/true %IP%\n"
	"[rep]\n"
	"\tSequence = 7000,7001:udp,7000\n"
	"\tSeq_Timeout = 1\n"
	"\tStart_Command = /bin/true %IP%\n"
	"[long]\n"
	"\tSequence = 6001,6002,7000,7000,8000:udp,9000,6001,6500:udp\n"
	"\tSeq_Timeout = 4\n"
	"\tStart_Command = /bin/true %IP%\n"
	"[one]\n"
	"\tSequence = 6500:udp\n"
	"\tStart_Command = /bin/true %IP%\n"
	"[ot]\n"
	"\tOne_Time_Sequences = ";

/* The one-time door's lines (ports of the table below). */
static const char ot_text[] =
	"7000,8000:udp\n# used lines start with #\n6001,6500:udp\n9000\n7001:udp,7000\n";
static char ot_dir[] = "/tmp/fuzz_door.XXXXXX", ot_path[64];

/* True when EV is the last step of one of ot_text's lines. */
static bool ot_last_step(const struct knock_event *ev)
{
	static const struct port_proto last[] = {
		{ 8000, PROTO_UDP }, { 6500, PROTO_UDP }, { 9000, PROTO_TCP }, { 7000, PROTO_TCP },
	};
	for (size_t i = 0; i < sizeof last / sizeof last[0]; i++)
		if (ev->dport == last[i].port && ev->proto == last[i].proto)
			return true;
	return false;
}

static const struct port_proto ports[] = {
	{ 7000, PROTO_TCP }, { 8000, PROTO_UDP }, { 9000, PROTO_TCP },
	{ 7001, PROTO_UDP }, { 6001, PROTO_TCP }, { 6002, PROTO_TCP },
	{ 6500, PROTO_UDP }, { 22, PROTO_TCP },   { 7002, PROTO_TCP },
};
#define NPORTS (sizeof ports / sizeof ports[0])

static struct config *cfgs[2];
static struct addr srcs[NSRC], dst_main, dst_other;
static unsigned max_timeout_ms;

static void quiet(void *ctx, int level, const char *msg)
{
	(void)ctx; (void)level; (void)msg;
}

static void ot_reset(void)
{
	FILE *f = fopen(ot_path, "w");
	if (!f || fputs(ot_text, f) < 0 || fclose(f) != 0)
		abort();
}

static void ot_cleanup(void)
{
	unlink(ot_path);
	rmdir(ot_dir);
}

static struct config *parse(const char *head)
{
	char text[2048];
	int n = snprintf(text, sizeof text, "%s%s\n\tStart_Command = /bin/true %%IP%%\n",
			 head, ot_path);
	if (n < 0 || (size_t)n >= sizeof text)
		abort();
	struct config *c = NULL;
	if (config_parse("/fuzz/door.conf", text, (size_t)n, quiet, NULL, &c) != 0 ||
	    c->state_limit != STATE_LIMIT)
		abort();
	for (size_t i = 0; i < c->ndoors; i++)
		if (c->doors[i].seq_timeout_ms > max_timeout_ms)
			max_timeout_ms = c->doors[i].seq_timeout_ms;
	return c;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	/* Every decision is formatted (the log paths run) into /dev/null, or
	 * into $DOORLOG to see what an input does. */
	log_to_stderr(false);
	log_set_level(LOG_DEBUG);
	if (log_to_file(getenv("DOORLOG") ? getenv("DOORLOG") : "/dev/null") != 0)
		abort();
	if (!mkdtemp(ot_dir))
		abort();
	snprintf(ot_path, sizeof ot_path, "%s/seqs", ot_dir);
	atexit(ot_cleanup);
	ot_reset();
	cfgs[0] = parse(conf_a);
	cfgs[1] = parse(conf_b);
	for (int i = 0; i < NSRC; i++) {
		char s[64];
		if (i < 20)
			snprintf(s, sizeof s, "198.18.1.%d", i + 1);
		else
			snprintf(s, sizeof s, "2001:db8:1::%x", i);
		if (!addr_parse(s, &srcs[i]))
			abort();
	}
	if (!addr_parse("198.18.0.1", &dst_main) || !addr_parse("198.18.0.9", &dst_other))
		abort();
	return 0;
}

static size_t total_attempts(const struct doors *d, const struct config *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->ndoors; i++)
		n += doors_attempts(d, i);
	if (doors_attempts(d, c->ndoors) != 0 || doors_attempts(d, SIZE_MAX) != 0)
		abort();
	return n;
}

static void check_deadline(int64_t next)
{
	if (next < -1 || next > (int64_t)max_timeout_ms)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 5 * 4096)
		return 0;
	int which = 0;
	const struct config *cfg = cfgs[which];
	struct doors *d = NULL;
	ot_reset();
	if (doors_new(cfg, &d) != 0)
		abort();
	uint64_t now = 1000;
	struct grant gr[8];

	for (size_t off = 0; off + 5 <= size; off += 5) {
		const uint8_t *r = data + off;
		now += r[4] < 200 ? r[4] : (uint64_t)(r[4] - 200) * 250;
		if (r[0] == 0xff) {
			check_deadline(doors_expire(d, now));
		} else if (r[0] == 0xfe) {
			which ^= 1;
			if (doors_reload(d, cfgs[which]) != 0)
				abort();
			cfg = cfgs[which];
		} else {
			struct knock_event ev;
			memset(&ev, 0, sizeof ev);
			ev.saddr = srcs[r[0] % NSRC];
			ev.daddr = (r[2] & 2) ? dst_other : dst_main;
			if (ev.saddr.family != ev.daddr.family) {
				/* IPv6 knockers talk to an IPv6 server. */
				ev.daddr = ev.saddr;
				ev.daddr.bytes[15] = (r[2] & 2) ? 9 : 1;
			}
			const struct port_proto *p = &ports[r[1] % NPORTS];
			ev.dport = p->port;
			ev.proto = p->proto;
			if (r[2] & 1)
				ev.proto = ev.proto == PROTO_TCP ? PROTO_UDP : PROTO_TCP;
			if (ev.proto == PROTO_TCP)
				ev.tcpflags = (r[2] & 4) ? (uint8_t)(r[2] >> 3) : TCPF_SYN;
			ev.sport = (uint16_t)(40000 + (r[3] & 7));
			ev.time_us = now * 1000;

			size_t max = cfg->ndoors < 8 ? cfg->ndoors : 8;
			size_t n = doors_feed(d, &ev, now, gr, max);
			if (n > max)
				abort();
			for (size_t i = 0; i < n; i++) {
				if (!grant_validate(&gr[i], cfg) || !addr_equal(&gr[i].addr, &ev.saddr))
					abort();
				const struct door *door = &cfg->doors[gr[i].door];
				if (door->one_time_file) {
					if (!ot_last_step(&ev))
						abort();
					continue;
				}
				if (door->seq_len == 0)
					abort();
				const struct port_proto *last = &door->seq[door->seq_len - 1];
				if (last->port != ev.dport || last->proto != ev.proto)
					abort();
			}
		}
		if (total_attempts(d, cfg) > STATE_LIMIT)
			abort();
	}
	/* Once every Seq_Timeout has passed, nothing is left. */
	check_deadline(doors_expire(d, now + max_timeout_ms + 1));
	if (total_attempts(d, cfg) != 0)
		abort();
	doors_free(d);
	return 0;
}
