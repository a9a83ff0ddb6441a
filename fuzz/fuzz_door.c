/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_door — the sequence-door logic (door.c, attempts.c) against a
 * reference model, differentially.
 *
 * The harness describes its doors in its own table (below); the config
 * text the daemon parses is generated from that table, and the model
 * reads only the table.  The model is the rules of docs/knocking.md
 * written as plainly as possible: a flat list of attempts searched
 * linearly, "the full sequence, in order, within Seq_Timeout, with
 * TCPFlags, Target and one-time lines spent once".  After every operation
 * the door logic and the model must agree exactly: the same grants (same
 * doors, in door order, for the knocking source) and the same number of
 * attempts on every door.  So every grant the door logic makes is one
 * the model makes, and every grant the model makes is made.
 *
 * Input: byte 0 picks the mode, the rest is 5-byte operations.
 *   mode bit 0  0: StateLimit 256 (never full: NSRC x doors < 256);
 *               1: StateLimit 16, so the table fills and evicts; the
 *               model then evicts by the documented rule (the least
 *               advanced attempt, the oldest to reach its stage).
 *   b0  0xff: doors_expire() now; 0xfe: doors_reload() to the other
 *       config; else the source address (b0 % NSRC: 28 IPv4 and IPv6
 *       knockers)
 *   b1  destination port: one of the configs' sequence ports or noise
 *   b2  bit 0 flips the port's protocol, bit 1 sends to a second server
 *       address (a Target door ignores it), bit 2 uses TCP flags b2 >> 3
 *       (FIN SYN RST PSH ACK) instead of a SYN
 *   b3  source port (8 values, so exact repeats happen)
 *   b4  time step: < 200 ms as is, else (b4 - 200) * 250 ms
 * Reloads switch between two configs that keep some doors, change the
 * sequence of one, drop one, add one, and change the Seq_Timeout,
 * TCPFlags and Target of doors whose sequence stays: attempts survive
 * exactly on doors with the same name and the same current sequence.
 * Both configs share a one-time door whose file (in a scratch directory)
 * is rewritten before each input.  ASan/LSan see every access and leak.
 * Any disagreement aborts. */
#include <stdarg.h>
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

#define NSRC 28
#define MAXSTEPS 8
#define MAXDOORS 8

/* A broken property: say which, at which operation, remove the scratch
 * directory (abort skips atexit), then abort. */
static size_t op_index;
static void ot_cleanup(void);
#define require(cond) do {                                                      \
	if (!(cond)) {                                                          \
		fprintf(stderr, "fuzz_door: operation %zu: %s\n", op_index, #cond); \
		ot_cleanup();                                                   \
		abort();                                                        \
	}                                                                       \
} while (0)

/* ---- the harness's own description of the doors -------------------- */

enum { M_TCP = 6, M_UDP = 17 };                  /* IP protocol numbers */
enum { M_FIN = 0x01, M_SYN = 0x02, M_ACK = 0x10 }; /* TCP header bits */

struct mstep {
	uint16_t port;
	uint8_t proto;
};

struct mdoor {
	const char *name;
	struct mstep seq[MAXSTEPS];
	unsigned len;           /* 0: the one-time door */
	unsigned timeout_s;
	const char *tcpflags;   /* TCPFlags text, or NULL */
	uint8_t must_set, must_clear;   /* what that text means */
	bool target;            /* Target = 198.18.0.1 */
};

#define T(p) { p, M_TCP }
#define U(p) { p, M_UDP }

static const struct mdoor doors_a[] = {
	{ "a", { T(7000), U(8000), T(9000) }, 3, 2, "syn,!ack", M_SYN, M_ACK, false },
	{ "rep", { T(7000), T(7000), U(7001) }, 3, 1, NULL, 0, 0, false },
	{ "overlap", { T(9000), U(8000), T(7000), T(9000) }, 4, 3, NULL, 0, 0, false },
	{ "target", { T(6001), T(6002) }, 2, 2, NULL, 0, 0, true },
	{ "one", { U(6500) }, 1, 2, NULL, 0, 0, false },
	{ "ot", { { 0, 0 } }, 0, 2, NULL, 0, 0, false },
	{ "fin", { T(6002), U(7001), T(22) }, 3, 2, "fin", M_FIN, 0, false },
};

/* [a], [target], [one], [ot] keep their sequence (with a longer timeout,
 * other flags, no Target); [rep] changes its sequence, [overlap] and [fin]
 * go, [long] comes. */
static const struct mdoor doors_b[] = {
	{ "target", { T(6001), T(6002) }, 2, 1, NULL, 0, 0, false },
	{ "a", { T(7000), U(8000), T(9000) }, 3, 3, "syn", M_SYN, 0, false },
	{ "rep", { T(7000), U(7001), T(7000) }, 3, 1, NULL, 0, 0, false },
	{ "long", { T(6001), T(6002), T(7000), T(7000), U(8000), T(9000), T(6001), U(6500) },
	  8, 4, "!rst", 0, 0x04, false },
	{ "ot", { { 0, 0 } }, 0, 3, "syn,ack", M_SYN | M_ACK, 0, true },
	{ "one", { U(6500) }, 1, 2, NULL, 0, 0, false },
};

/* The one-time file and the model's reading of it. */
static const char ot_text[] =
	"7000,8000:udp\n# used lines start with #\n6001,6500:udp\n9000\n7001:udp,7000\n";
static const struct { struct mstep seq[2]; unsigned len; } ot_lines[] = {
	{ { T(7000), U(8000) }, 2 },
	{ { T(6001), U(6500) }, 2 },
	{ { T(9000) }, 1 },
	{ { U(7001), T(7000) }, 2 },
};
#define NOT (sizeof ot_lines / sizeof ot_lines[0])

static const struct mstep ports[] = {
	T(7000), U(8000), T(9000), U(7001), T(6001), T(6002), U(6500), T(22), T(7002),
};
#define NPORTS (sizeof ports / sizeof ports[0])

static const struct { const struct mdoor *d; size_t n; } specs[2] = {
	{ doors_a, sizeof doors_a / sizeof doors_a[0] },
	{ doors_b, sizeof doors_b / sizeof doors_b[0] },
};
static const unsigned limits[2] = { 256, 16 };

static char ot_dir[64], ot_path[96];
static struct config *cfgs[2][2];       /* [mode][which] */
static struct addr srcs[NSRC], dst_main, dst_other;
static unsigned max_timeout_ms;

/* ---- the model ----------------------------------------------------- */

struct matt {
	bool live;
	unsigned stage;
	uint16_t sport;
	uint64_t start;
	uint64_t reached;       /* when it reached its stage (eviction order) */
	uint64_t started;       /* when it (re)started (the door's order) */
};

/* The model's code is not instrumented: its branches are not what the
 * fuzzer should be steering by, and they would cost most of the time. */
#define MODEL __attribute__((no_sanitize("coverage")))

static struct model {
	const struct mdoor *d;
	size_t nd;
	unsigned limit, total;
	struct matt a[NSRC][MAXDOORS];  /* [source][door] */
	uint64_t tick;
	bool ot_used[NOT];
} m;

/* The one-time door's current line, or -1 when every line is used. */
MODEL static int ot_current(void)
{
	for (size_t i = 0; i < NOT; i++)
		if (!m.ot_used[i])
			return (int)i;
	return -1;
}

MODEL static const struct mstep *door_seq(const struct mdoor *d, unsigned *len)
{
	if (d->len) {
		*len = d->len;
		return d->seq;
	}
	int l = ot_current();
	*len = l < 0 ? 0 : ot_lines[l].len;
	return l < 0 ? NULL : ot_lines[l].seq;
}

MODEL static bool step_is(const struct mstep *s, const struct knock_event *e)
{
	return s->port == e->dport && s->proto == e->proto;
}

MODEL static bool concerns(const struct mdoor *d, const struct knock_event *e, bool to_main)
{
	unsigned len;
	const struct mstep *seq = door_seq(d, &len);
	if (len == 0)
		return false;                           /* disabled */
	if (d->target && (e->daddr.family != AF_INET || !to_main))
		return false;
	if (e->proto == M_TCP && d->tcpflags &&
	    ((e->tcpflags & d->must_set) != d->must_set || (e->tcpflags & d->must_clear)))
		return false;
	for (unsigned k = 0; k < len; k++)
		if (step_is(&seq[k], e))
			return true;
	return false;
}

MODEL static void m_end(struct matt *a)
{
	if (a->live)
		m.total--;
	a->live = false;
}

MODEL static size_t m_count(size_t door)
{
	size_t n = 0;
	for (size_t s = 0; s < NSRC; s++)
		n += m.a[s][door].live;
	return n;
}

MODEL static void m_start(unsigned src, unsigned door, uint16_t sport, uint64_t now)
{
	if (m.total == m.limit) {
		/* Full: the least advanced attempt, the oldest to reach its
		 * stage, makes room. */
		struct matt *v = NULL;
		for (size_t s = 0; s < NSRC; s++)
			for (size_t i = 0; i < m.nd; i++) {
				struct matt *a = &m.a[s][i];
				if (a->live && (!v || a->stage < v->stage ||
						(a->stage == v->stage && a->reached < v->reached)))
					v = a;
			}
		m_end(v);
	}
	m.tick++;
	m.a[src][door] = (struct matt){ true, 1, sport, now, m.tick, m.tick };
	m.total++;
}

/* One packet; writes the doors it completes, in door order. */
MODEL static size_t m_feed(unsigned src, const struct knock_event *e, bool to_main,
			   uint64_t now, uint32_t *done)
{
	size_t n = 0;
	for (unsigned i = 0; i < m.nd; i++) {
		const struct mdoor *d = &m.d[i];
		if (!concerns(d, e, to_main))
			continue;
		unsigned len;
		const struct mstep *seq = door_seq(d, &len);
		bool complete = false;
		struct matt *a = &m.a[src][i];
		if (a->live && now >= a->start + d->timeout_s * 1000ull)
			m_end(a);                       /* over, timer or not */
		if (!a->live) {
			if (!step_is(&seq[0], e))
				continue;
			if (len == 1)
				complete = true;
			else
				m_start(src, i, e->sport, now);
		} else if (e->sport == a->sport && step_is(&seq[a->stage - 1], e)) {
			continue;                       /* a retransmission */
		} else if (step_is(&seq[a->stage], e)) {
			a->sport = e->sport;
			a->stage++;
			a->reached = ++m.tick;
			if (a->stage == len) {
				m_end(a);
				complete = true;
			}
		} else if (step_is(&seq[0], e)) {
			a->stage = 1;
			a->sport = e->sport;
			a->start = now;
			a->reached = a->started = ++m.tick;
		} else {
			m_end(a);
		}
		if (!complete)
			continue;
		done[n++] = i;
		if (d->len == 0) {
			/* A one-time line is spent: the door moves on, and
			 * whoever was knocking it starts over. */
			m.ot_used[ot_current()] = true;
			for (size_t s = 0; s < NSRC; s++)
				m_end(&m.a[s][i]);
		}
	}
	return n;
}

MODEL static void m_expire(uint64_t now)
{
	for (size_t s = 0; s < NSRC; s++)
		for (size_t i = 0; i < m.nd; i++)
			if (m.a[s][i].live && now >= m.a[s][i].start + m.d[i].timeout_s * 1000ull)
				m_end(&m.a[s][i]);
}

/* Milliseconds to the earliest deadline, or -1. */
MODEL static int64_t m_next(uint64_t now)
{
	int64_t next = -1;
	for (size_t s = 0; s < NSRC; s++)
		for (size_t i = 0; i < m.nd; i++) {
			if (!m.a[s][i].live)
				continue;
			int64_t left = (int64_t)(m.a[s][i].start + m.d[i].timeout_s * 1000ull - now);
			if (next < 0 || left < next)
				next = left;
		}
	return next;
}

MODEL static bool same_seq(const struct mstep *x, unsigned xl, const struct mstep *y,
			   unsigned yl)
{
	if (xl != yl)
		return false;
	for (unsigned k = 0; k < xl; k++)
		if (x[k].port != y[k].port || x[k].proto != y[k].proto)
			return false;
	return true;
}

/* SIGHUP: an attempt survives when its door keeps its name and its
 * current sequence; the door may move.  Survivors re-enter door by door
 * (old order), oldest first, which is also their new eviction order. */
MODEL static void m_reload(const struct mdoor *nd, size_t nn)
{
	static struct matt old[NSRC][MAXDOORS];
	memcpy(old, m.a, sizeof old);
	memset(m.a, 0, sizeof m.a);
	m.total = 0;
	for (unsigned i = 0; i < m.nd; i++) {
		unsigned ol, nl;
		const struct mstep *os = door_seq(&m.d[i], &ol);
		unsigned j = 0;
		for (; j < nn; j++) {
			const struct mstep *ns = door_seq(&nd[j], &nl);
			if (strcmp(m.d[i].name, nd[j].name) == 0 && ol && nl &&
			    (m.d[i].len == 0) == (nd[j].len == 0) && same_seq(os, ol, ns, nl))
				break;
		}
		if (j == nn)
			continue;
		for (;;) {
			size_t first = NSRC;
			for (size_t s = 0; s < NSRC; s++)
				if (old[s][i].live &&
				    (first == NSRC || old[s][i].started < old[first][i].started))
					first = s;
			if (first == NSRC)
				break;
			m.a[first][j] = old[first][i];
			m.a[first][j].reached = m.a[first][j].started = ++m.tick;
			m.total++;
			old[first][i].live = false;
		}
	}
	m.d = nd;
	m.nd = nn;
}

/* ---- set-up -------------------------------------------------------- */

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

static void quiet(void *ctx, int level, const char *msg)
{
	(void)ctx; (void)level; (void)msg;
}

static size_t put(char *buf, size_t size, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t put(char *buf, size_t size, size_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = at < size ? vsnprintf(buf + at, size - at, fmt, ap) : -1;
	va_end(ap);
	if (n < 0 || at + (size_t)n >= size)
		abort();
	return at + (size_t)n;
}

/* The config text for a door table. */
static struct config *parse(const struct mdoor *d, size_t nd, unsigned limit)
{
	char text[4096];
	size_t n = put(text, sizeof text, 0, "[options]\n\tStateLimit = %u\n", limit);
	for (size_t i = 0; i < nd; i++) {
		n = put(text, sizeof text, n, "[%s]\n", d[i].name);
		if (d[i].len == 0) {
			n = put(text, sizeof text, n, "\tOne_Time_Sequences = %s\n", ot_path);
		} else {
			n = put(text, sizeof text, n, "\tSequence = ");
			for (unsigned k = 0; k < d[i].len; k++)
				n = put(text, sizeof text, n, "%s%u:%s", k ? "," : "", d[i].seq[k].port,
					d[i].seq[k].proto == M_UDP ? "udp" : "tcp");
			n = put(text, sizeof text, n, "\n");
		}
		n = put(text, sizeof text, n, "\tSeq_Timeout = %u\n", d[i].timeout_s);
		if (d[i].tcpflags)
			n = put(text, sizeof text, n, "\tTCPFlags = %s\n", d[i].tcpflags);
		if (d[i].target)
			n = put(text, sizeof text, n, "\tTarget = 198.18.0.1\n");
		n = put(text, sizeof text, n, "\tStart_Command = /bin/true %%IP%%\n");
		if (d[i].timeout_s * 1000u > max_timeout_ms)
			max_timeout_ms = d[i].timeout_s * 1000u;
	}
	struct config *c = NULL;
	if (config_parse("/fuzz/door.conf", text, n, quiet, NULL, &c) != 0 ||
	    c->state_limit != limit || c->ndoors != nd)
		abort();
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
	/* Completing a one-time line fsyncs the file: on tmpfs that is free. */
	snprintf(ot_dir, sizeof ot_dir, "%s/fuzz_door.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(ot_dir))
		abort();
	snprintf(ot_path, sizeof ot_path, "%s/seqs", ot_dir);
	atexit(ot_cleanup);
	ot_reset();
	for (int mode = 0; mode < 2; mode++)
		for (int w = 0; w < 2; w++)
			cfgs[mode][w] = parse(specs[w].d, specs[w].n, limits[mode]);
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

/* The door logic and the model hold the same attempts per door. */
static void agree_on_attempts(const struct doors *d)
{
	for (size_t i = 0; i < m.nd; i++) {
		if (doors_attempts(d, i) != m_count(i))
			fprintf(stderr, "fuzz_door: door %s: %zu attempts, model %zu\n",
				m.d[i].name, doors_attempts(d, i), m_count(i));
		require(doors_attempts(d, i) == m_count(i));
	}
	require(doors_attempts(d, m.nd) == 0);
	require(m.total <= m.limit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 1 + 5 * 4096)
		return 0;
	int mode = data[0] & 1, which = 0;
	const struct config *cfg = cfgs[mode][which];
	struct doors *d = NULL;
	ot_reset();
	memset(&m, 0, sizeof m);
	m.d = specs[0].d;
	m.nd = specs[0].n;
	m.limit = limits[mode];
	require(doors_new(cfg, &d) == 0);
	uint64_t now = 1000;
	struct grant gr[MAXDOORS];
	uint32_t want[MAXDOORS];

	for (size_t off = 1; off + 5 <= size; off += 5) {
		const uint8_t *r = data + off;
		op_index = off / 5;
		now += r[4] < 200 ? r[4] : (uint64_t)(r[4] - 200) * 250;
		if (r[0] == 0xff) {
			int64_t next = doors_expire(d, now);
			m_expire(now);
			/* The next deadline, or earlier for a flood summary. */
			int64_t mn = m_next(now);
			require(next >= -1 && next <= (int64_t)max_timeout_ms);
			require(mn < 0 || (next >= 0 && next <= mn));
		} else if (r[0] == 0xfe) {
			which ^= 1;
			require(doors_reload(d, cfgs[mode][which]) == 0);
			cfg = cfgs[mode][which];
			m_reload(specs[which].d, specs[which].n);
		} else {
			unsigned si = r[0] % NSRC;
			bool to_main = !(r[2] & 2);
			struct knock_event ev;
			memset(&ev, 0, sizeof ev);
			ev.saddr = srcs[si];
			ev.daddr = to_main ? dst_main : dst_other;
			if (ev.saddr.family != ev.daddr.family) {
				/* IPv6 knockers talk to an IPv6 server. */
				ev.daddr = ev.saddr;
				ev.daddr.bytes[15] = to_main ? 1 : 9;
			}
			const struct mstep *p = &ports[r[1] % NPORTS];
			ev.dport = p->port;
			ev.proto = p->proto;
			if (r[2] & 1)
				ev.proto = ev.proto == M_TCP ? M_UDP : M_TCP;
			if (ev.proto == M_TCP)
				ev.tcpflags = (r[2] & 4) ? (uint8_t)(r[2] >> 3) : M_SYN;
			ev.sport = (uint16_t)(40000 + (r[3] & 7));
			ev.time_us = now * 1000;

			size_t n = doors_feed(d, &ev, now, gr, MAXDOORS);
			size_t nw = m_feed(si, &ev, to_main, now, want);
			require(n == nw);
			for (size_t i = 0; i < n; i++) {
				require(gr[i].door == want[i]);
				require(addr_equal(&gr[i].addr, &ev.saddr));
				require(grant_validate(&gr[i], cfg));
			}
		}
		agree_on_attempts(d);
	}
	/* Once every Seq_Timeout has passed, nothing is left. */
	require(doors_expire(d, now + max_timeout_ms) <= 1000);
	m_expire(now + max_timeout_ms);
	agree_on_attempts(d);
	require(m.total == 0);
	doors_free(d);
	return 0;
}
