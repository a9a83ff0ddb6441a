/* SPDX-License-Identifier: GPL-2.0-or-later */
/* door — see door.h; the rules are spelled out in docs/knocking.md.
 *
 * Per packet: a bitmap answers "is this port/proto a step of any door" in
 * one load, so noise costs almost nothing; then the port index (portidx.h)
 * names the doors whose current sequence holds the port, and each of them
 * looks up the source's attempt (one hash probe) and decides.  A knock
 * costs O(doors using its port), not O(doors).  Nothing is allocated here
 * after doors_new().
 *
 * Why the index changes nothing but the cost: a door is concerned by a
 * packet only if its current sequence holds the packet's (port,
 * protocol) (door_accepts() says so, and still checks it).  A packet to
 * any other port is not a mistake for that door: it neither ends nor
 * counts the source's attempt there (docs/knocking.md), so the doors the
 * index leaves out are exactly the doors a scan of all of them would
 * have skipped.  A wrong port for door D is a port of D's own sequence
 * out of turn, and is therefore indexed under D.  The doors come out
 * ascending and each once, as the scan met them, so grants, the attempt
 * table's evictions (shared by all doors) and the log lines keep their
 * order.  Only a one-time door completing changes a sequence between
 * builds; the index is then rebuilt after the packet, not during it: the
 * doors after it on the packet's list are unchanged, and the door itself
 * has had its turn.
 */
#include "door.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "attempts.h"
#include "log.h"
#include "onetime.h"
#include "portidx.h"

struct door_state {
	const struct door *cfg;
	bool sequence;                  /* a sequence door at all */
	bool disabled;                  /* nothing left to knock */
	struct port_proto seq[CONFIG_SEQ_MAX];  /* the current sequence */
	size_t seq_len;
	struct onetime_seq ot;          /* where seq came from, one-time doors */
	struct ps_door_counts counts;
	int ot_fd;                      /* its file, open read-write; else -1 */
	struct onetime_seq spent;       /* the last one used (doors_spent_id) */
	bool has_spent;
};

struct doors {
	const struct config *cfg;
	struct door_state *door;
	size_t ndoors;
	struct attempts *att;
	/* Bit per port, [0] TCP, [1] UDP: set when some door's current
	 * sequence holds that port. */
	uint8_t portmap[2][65536 / 8];
	/* (protocol, port) -> the doors whose current sequence holds it. */
	struct portidx *idx;
	bool idx_stale;                 /* a sequence changed: rebuild */
	/* Flood mode: lines about stage-1 attempts ("stage 1", and their
	 * timeouts and mistakes: one or two per spoofed packet, ~2 us each
	 * to write) are written up to STAGE1_LINES a window; past that, or
	 * while the table evicts, they are counted instead, and summed up
	 * once per FLOOD_WINDOW_MS. */
	uint64_t flood_until;
	uint64_t flood_evicted, flood_quiet;
	uint64_t flood_quiet_other;     /* timeouts, mistakes at stage 1 */
	uint64_t s1_window;             /* start of the current window */
	unsigned s1_lines;              /* stage-1 lines written in it */
	/* The same budget for the other progress and mistake lines (stage N,
	 * wrong port and timeout past stage 1), so that a busy gate writes
	 * a bounded number of lines a second whatever the knocks are. */
	uint64_t dl_window;
	unsigned dl_lines;
	uint64_t dl_quiet;              /* not written, for the summary */
};

#define FLOOD_WINDOW_MS 1000
#define STAGE1_LINES    200
#define DECISION_LINES  200

/* May a line about a stage-1 attempt be written at NOW?  If not, it is
 * counted for the flood summary: FIRST for "stage 1" lines (one per
 * first knock), else a timeout or mistake at stage 1. */
static bool stage1_line_ok(struct doors *d, uint64_t now, bool first)
{
	if (now >= d->s1_window + FLOOD_WINDOW_MS) {
		d->s1_window = now;
		d->s1_lines = 0;
	}
	if (now >= d->flood_until && d->s1_lines < STAGE1_LINES) {
		d->s1_lines++;
		return true;
	}
	if (now >= d->flood_until)
		d->flood_until = now + FLOOD_WINDOW_MS;
	if (first)
		d->flood_quiet++;
	else
		d->flood_quiet_other++;
	return false;
}

/* May a progress or mistake line past stage 1 be written at NOW?  If not,
 * it is counted for the summary (decision_report). */
static bool decision_line_ok(struct doors *d, uint64_t now)
{
	if (now >= d->dl_window + FLOOD_WINDOW_MS) {
		d->dl_window = now;
		d->dl_lines = 0;
	}
	if (d->dl_lines < DECISION_LINES) {
		d->dl_lines++;
		return true;
	}
	d->dl_quiet++;
	return false;
}

/* Once the window that left lines out is over: how many. */
static void decision_report(struct doors *d, uint64_t now)
{
	if (d->dl_quiet == 0 || now < d->dl_window + FLOOD_WINDOW_MS)
		return;
	log_notice("knock log: %" PRIu64 " progress and mistake lines not written in the last "
		   "second (at most %d a second)", d->dl_quiet, DECISION_LINES);
	d->dl_quiet = 0;
}

static bool same_step(const struct port_proto *p, const struct knock_event *ev)
{
	return p->port == ev->dport && p->proto == ev->proto;
}

/* Field by field: struct port_proto has a padding byte. */
static bool seq_equal(const struct port_proto *a, const struct port_proto *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].port != b[i].port || a[i].proto != b[i].proto)
			return false;
	return true;
}

static bool seq_holds(const struct door_state *ds, const struct knock_event *ev)
{
	for (size_t i = 0; i < ds->seq_len; i++)
		if (same_step(&ds->seq[i], ev))
			return true;
	return false;
}

static int proto_slot(uint8_t proto)
{
	return proto == PROTO_TCP ? 0 : proto == PROTO_UDP ? 1 : -1;
}

/* The bitmap and the index, from every door's current sequence.  The
 * index was sized by doors_build() for the longest sequence each door
 * can have, so this cannot run out of room. */
static void index_build(struct doors *d)
{
	memset(d->portmap, 0, sizeof d->portmap);
	portidx_reset(d->idx);
	for (size_t i = 0; i < d->ndoors; i++) {
		const struct door_state *ds = &d->door[i];
		if (!ds->sequence || ds->disabled)
			continue;
		for (size_t k = 0; k < ds->seq_len; k++) {
			int p = proto_slot(ds->seq[k].proto);
			if (p >= 0)
				d->portmap[p][ds->seq[k].port / 8] |= (uint8_t)(1u << (ds->seq[k].port % 8));
			(void)portidx_add(d->idx, ds->seq[k].proto, ds->seq[k].port, (uint32_t)i);
		}
	}
	portidx_seal(d->idx);
	d->idx_stale = false;
}

/* Room in the index for every step every door may have: a one-time
 * door's later sequences may be longer than its current one. */
static size_t index_cap(const struct doors *d)
{
	size_t cap = 0;
	for (size_t i = 0; i < d->ndoors; i++) {
		const struct door_state *ds = &d->door[i];
		if (ds->sequence)
			cap += ds->cfg->one_time_file ? CONFIG_SEQ_MAX : ds->seq_len;
	}
	return cap;
}

static bool portmap_has(const struct doors *d, const struct knock_event *ev)
{
	int p = proto_slot(ev->proto);
	return p >= 0 && (d->portmap[p][ev->dport / 8] >> (ev->dport % 8)) & 1;
}

/* Decisions (a sequence complete, a wrong knock) are NOTICE, logged by
 * default; progress (stage N, timeouts) is INFO, with -v.  Formatting the address is skipped when they
 * would be dropped anyway (a flood at debug-off costs no formatting). */
#define door_log(lvl, ds, addr, fmt, ...) do {                                  \
	if (log_get_level() >= (lvl)) {                                         \
		char ab_[ADDR_STRLEN];                                          \
		log_msg((lvl), "door %s: %s: " fmt, (ds)->cfg->name,            \
			addr_format((addr), ab_, sizeof ab_), ##__VA_ARGS__);   \
	}                                                                       \
} while (0)

static void diag_to_log(void *ctx, int level, const char *msg)
{
	(void)ctx;
	log_msg(level, "%s", msg);
}

/* Opens a one-time door's file for good: the worker reads it and marks
 * lines through this descriptor after it has lost the right to open
 * files, and the uid that could. */
static int onetime_open(struct door_state *ds)
{
	const char *file = ds->cfg->one_time_file;
	ds->ot_fd = open(file, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (ds->ot_fd < 0) {
		int e = -errno;
		log_err("%s: cannot open one-time sequences: %s", file, strerror(-e));
		return e;
	}
	return 0;
}

/* Loads the first unused sequence of a one-time door.  Used up is not an
 * error: the door is disabled (knockd dies there).  Returns 0 or -errno
 * for an unreadable or malformed file (already reported). */
static int onetime_load(struct door_state *ds)
{
	const char *file = ds->cfg->one_time_file;
	int r = onetime_next_fd(ds->ot_fd, file, diag_to_log, NULL, &ds->ot);
	if (r == -ENOENT) {
		ds->disabled = true;
		ds->seq_len = 0;
		log_warn("door %s: every one-time sequence in %s is used; door disabled",
			 ds->cfg->name, file);
		return 0;
	}
	if (r < 0)
		return r;
	memcpy(ds->seq, ds->ot.seq, ds->ot.len * sizeof ds->ot.seq[0]);
	ds->seq_len = ds->ot.len;
	ds->disabled = ds->seq_len == 0;
	log_info("door %s: one-time sequence from %s:%u", ds->cfg->name, file, ds->ot.line);
	return 0;
}

/* Fills the per-door state of CFG into a fresh struct doors (no attempts
 * yet).  Returns 0 or -errno, logged. */
static int doors_build(const struct config *cfg, struct doors **out)
{
	if (cfg->state_limit == 0) {
		log_err("StateLimit must be at least 1");
		return -EINVAL;
	}
	struct doors *d = calloc(1, sizeof *d);
	if (!d)
		return -ENOMEM;
	d->cfg = cfg;
	d->door = calloc(cfg->ndoors ? cfg->ndoors : 1, sizeof *d->door);
	d->ndoors = d->door ? cfg->ndoors : 0;
	for (size_t i = 0; i < d->ndoors; i++)
		d->door[i].ot_fd = -1;
	int err = d->door ? 0 : -ENOMEM;
	bool any_sequence = false;
	for (size_t i = 0; !err && i < cfg->ndoors; i++) {
		const struct door *dc = &cfg->doors[i];
		struct door_state *ds = &d->door[i];
		ds->cfg = dc;
		ds->sequence = dc->seq_len > 0 || dc->one_time_file;
		if (!ds->sequence)
			continue;
		any_sequence = true;
		if (dc->one_time_file) {
			/* One_Time_Sequences wins over Sequence, as in knockd. */
			err = onetime_open(ds);
			if (!err)
				err = onetime_load(ds);
		} else if (dc->seq_len > CONFIG_SEQ_MAX) {
			log_err("door %s: sequence longer than %d steps", dc->name, CONFIG_SEQ_MAX);
			err = -EINVAL;
		} else {
			memcpy(ds->seq, dc->seq, dc->seq_len * sizeof dc->seq[0]);
			ds->seq_len = dc->seq_len;
		}
	}
	/* An SPA-only config needs no attempt table worth the name. */
	if (!err) {
		err = attempts_new(any_sequence ? cfg->state_limit : 1, cfg->ndoors, &d->att);
		if (err)
			log_err("attempt table of %u entries: %s", cfg->state_limit, strerror(-err));
	} else if (err == -ENOMEM) {
		log_err("door state: %s", strerror(-err));
	}
	if (!err) {
		/* At most CONFIG_DOORS_MAX doors of CONFIG_SEQ_MAX steps from
		 * a file; anything past PORTIDX_MAX is refused, not wrapped. */
		err = portidx_new(index_cap(d), &d->idx);
		if (err)
			log_err("door index of %zu steps: %s", index_cap(d), strerror(-err));
	}
	if (err) {
		doors_free(d);
		return err;
	}
	index_build(d);
	*out = d;
	return 0;
}

int doors_new(const struct config *cfg, struct doors **out)
{
	return doors_build(cfg, out);
}

size_t doors_files(const struct doors *d, int *fds, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < d->ndoors && n < max; i++)
		if (d->door[i].ot_fd >= 0)
			fds[n++] = d->door[i].ot_fd;
	return n;
}

void doors_free(struct doors *d)
{
	if (!d)
		return;
	attempts_free(d->att);
	portidx_free(d->idx);
	for (size_t i = 0; i < d->ndoors; i++)
		if (d->door[i].ot_fd >= 0)
			close(d->door[i].ot_fd);
	free(d->door);
	free(d);
}

static uint64_t deadline(const struct door_state *ds, const struct attempt *a)
{
	return a->start_ms + ds->cfg->seq_timeout_ms;
}

/* Is an attempt with deadline DL over at NOW?  SESAME_MUTANT_SEQ_TIMEOUT
 * is a planted bug that only tests/e2e/test_fuzz_mutants_door.sh builds
 * (fuzz_door must catch it): a late step then counts as long as the timer
 * has not fired. */
#ifdef SESAME_MUTANT_SEQ_TIMEOUT
#define over(now, dl) ((void)(now), (void)(dl), false)
#else
#define over(now, dl) ((now) >= (dl))
#endif

static bool door_accepts(const struct door_state *ds, const struct knock_event *ev)
{
	const struct door *c = ds->cfg;
	if (!ds->sequence || ds->disabled)
		return false;
	if (c->target.family ? !addr_equal(&c->target, &ev->daddr) : ev->forwarded)
		return false;
	/* Packets failing TCPFlags are not knocks at all: a stray ACK of an
	 * open session must not break an attempt.  UDP has no flags. */
	if (ev->proto == PROTO_TCP && c->has_tcpflags &&
	    ((ev->tcpflags & c->tcpflags_set) != c->tcpflags_set ||
	     (ev->tcpflags & c->tcpflags_clear) != 0))
		return false;
	return seq_holds(ds, ev);
}

/* A one-time sequence was just used: mark it, move on to the next one for
 * every source (v4 and v6 alike), disable the door after the last. */
static void onetime_advance(struct doors *d, uint32_t i)
{
	struct door_state *ds = &d->door[i];
	const char *file = ds->cfg->one_time_file;
	int r = onetime_mark_used_fd(ds->ot_fd, &ds->ot);
	if (r < 0)
		log_err("door %s: %s:%u: cannot mark the sequence used: %s", ds->cfg->name,
			file, ds->ot.line, r == -ESTALE ? "the line has changed" : strerror(-r));
	/* Everyone else was knocking the sequence that is now spent. */
	struct attempt *a;
	while ((a = attempts_oldest(d->att, i))) {
		door_log(LOG_INFO, ds, &a->addr, "dropped at stage %u (one-time sequence used)",
			 a->stage);
		attempts_remove(d->att, a);
	}
	struct onetime_seq used = ds->ot;
	ds->spent = used;
	ds->has_spent = true;
	r = onetime_load(ds);
	if (r < 0) {
		ds->disabled = true;
		log_err("door %s: cannot read %s; door disabled", ds->cfg->name, file);
	} else if (!ds->disabled && ds->ot.offset == used.offset && ds->ot.len == used.len &&
		   seq_equal(ds->ot.seq, used.seq, used.len)) {
		/* Not marked: accepting it again would make it a two-time
		 * sequence. */
		ds->disabled = true;
		log_err("door %s: the used sequence is still unmarked in %s; door disabled",
			ds->cfg->name, file);
	}
	/* Not now: doors_feed() is walking the index (see the top). */
	d->idx_stale = true;
}

/* Completion: one grant (if there is room) and the attempt ends. */
static size_t complete(struct doors *d, uint32_t i, const struct knock_event *ev,
		       struct grant *out, size_t room)
{
	struct door_state *ds = &d->door[i];
	if (room == 0) {
		door_log(LOG_WARNING, ds, &ev->saddr, "sequence complete but no room for the grant");
		return 0;
	}
	door_log(LOG_NOTICE, ds, &ev->saddr, "sequence complete");
	if (ds->seq_len)
		ds->counts.stage[ds->seq_len - 1]++;
	memset(out, 0, sizeof *out);
	out->door = i;
	out->addr = ev->saddr;
	if (ds->cfg->one_time_file)
		onetime_advance(d, i);
	return 1;
}

static void start_attempt(struct doors *d, uint32_t i, const struct knock_event *ev, uint64_t now)
{
	struct door_state *ds = &d->door[i];
	struct attempt victim;
	bool evicted;
	attempts_add(d->att, &ev->saddr, i, ev->sport, now, &victim, &evicted);
	ds->counts.stage[0]++;
	if (evicted) {
		door_log(LOG_DEBUG, &d->door[victim.door], &victim.addr,
			 "dropped at stage %u (StateLimit reached)", victim.stage);
		if (d->flood_until <= now)
			d->flood_until = now + FLOOD_WINDOW_MS;
		d->flood_evicted++;
	}
	if (stage1_line_ok(d, now, true))
		door_log(LOG_INFO, ds, &ev->saddr, "stage 1");
}

/* Ends a flood window that is over with its summary line. */
static void flood_report(struct doors *d, uint64_t now)
{
	if (now < d->flood_until ||
	    (d->flood_evicted == 0 && d->flood_quiet == 0 && d->flood_quiet_other == 0))
		return;
	log_warn("knock flood: %" PRIu64 " attempts evicted (StateLimit %zu); not logged: "
		 "%" PRIu64 " \"stage 1\" lines, %" PRIu64 " other stage-1 lines",
		 d->flood_evicted, attempts_limit(d->att), d->flood_quiet,
		 d->flood_quiet_other);
	d->flood_evicted = d->flood_quiet = d->flood_quiet_other = 0;
}

/* One door's decision for EV.  Returns the number of grants written. */
static size_t feed_door(struct doors *d, uint32_t i, const struct knock_event *ev,
			uint64_t now, struct grant *out, size_t room)
{
	struct door_state *ds = &d->door[i];
	struct attempt *a = attempts_find(d->att, &ev->saddr, i);

	if (a && over(now, deadline(ds, a))) {
		/* The timer has not fired yet, but the attempt is over. */
		if (a->stage > 1 ? decision_line_ok(d, now) : stage1_line_ok(d, now, false))
			door_log(LOG_INFO, ds, &a->addr, "timeout at stage %u", a->stage);
		ds->counts.timeouts++;
		attempts_remove(d->att, a);
		a = NULL;
	}
	if (!a) {
		if (!same_step(&ds->seq[0], ev))
			return 0;
		if (ds->seq_len == 1)
			return complete(d, i, ev, out, room);
		start_attempt(d, i, ev, now);
		return 0;
	}
	if (ev->sport == a->sport && same_step(&ds->seq[a->stage - 1], ev)) {
		/* A retransmitted SYN (or a duplicated datagram): same source
		 * port, same step.  Neither progress nor a mistake. */
		door_log(LOG_DEBUG, ds, &ev->saddr, "repeat of stage %u ignored", a->stage);
		return 0;
	}
	if (same_step(&ds->seq[a->stage], ev)) {
		if ((size_t)a->stage + 1 == ds->seq_len) {
			attempts_remove(d->att, a);
			return complete(d, i, ev, out, room);
		}
		attempts_advance(d->att, a, ev->sport);
		ds->counts.stage[a->stage - 1]++;
		if (decision_line_ok(d, now))
			door_log(LOG_INFO, ds, &ev->saddr, "stage %u", a->stage);
		return 0;
	}
	if (a->stage > 1 ? decision_line_ok(d, now) : stage1_line_ok(d, now, false))
		door_log(LOG_NOTICE, ds, &ev->saddr, "wrong port %u:%s at stage %u",
			 ev->dport, port_proto_name(ev->proto), a->stage);
	ds->counts.wrong++;
	if (same_step(&ds->seq[0], ev)) {
		attempts_restart(d->att, a, ev->sport, now);
		ds->counts.stage[0]++;
		if (stage1_line_ok(d, now, true))
			door_log(LOG_INFO, ds, &ev->saddr, "stage 1");
	} else {
		attempts_remove(d->att, a);
	}
	return 0;
}

size_t doors_feed(struct doors *d, const struct knock_event *ev, uint64_t now_ms,
		  struct grant *out, size_t max)
{
	if (d->flood_until && now_ms >= d->flood_until)
		flood_report(d, now_ms);
	decision_report(d, now_ms);
	if (!portmap_has(d, ev))
		return 0;
	size_t n = 0, nd;
	const uint32_t *ids = portidx_find(d->idx, ev->proto, ev->dport, &nd);
	for (size_t k = 0; k < nd; k++) {
		uint32_t i = ids[k];
		if (door_accepts(&d->door[i], ev))
			n += feed_door(d, i, ev, now_ms, out + n, max - n);
	}
	if (d->idx_stale)
		index_build(d);
	return n;
}

int64_t doors_expire(struct doors *d, uint64_t now_ms)
{
	flood_report(d, now_ms);
	decision_report(d, now_ms);
	int64_t next = -1;
	for (uint32_t i = 0; i < d->ndoors; i++) {
		const struct door_state *ds = &d->door[i];
		struct attempt *a;
		while ((a = attempts_oldest(d->att, i)) && deadline(ds, a) <= now_ms) {
			if (a->stage > 1 ? decision_line_ok(d, now_ms) :
					   stage1_line_ok(d, now_ms, false))
				door_log(LOG_INFO, ds, &a->addr, "timeout at stage %u", a->stage);
			d->door[i].counts.timeouts++;
			attempts_remove(d->att, a);
		}
		if (a) {
			int64_t left = (int64_t)(deadline(ds, a) - now_ms);
			if (next < 0 || left < next)
				next = left;
		}
	}
	/* The flood summary is due at the window's end, even if the
	 * packets stopped. */
	if (d->flood_evicted + d->flood_quiet + d->flood_quiet_other) {
		int64_t left = (int64_t)(d->flood_until - now_ms);
		if (next < 0 || left < next)
			next = left;
	}
	if (d->dl_quiet) {
		int64_t left = (int64_t)(d->dl_window + FLOOD_WINDOW_MS - now_ms);
		if (left < 0)
			left = 0;
		if (next < 0 || left < next)
			next = left;
	}
	return next;
}

static bool same_name(const struct door *a, const struct door *b)
{
	return strcmp(a->name, b->name) == 0;
}

static bool same_file(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Attempts on OLD may carry over to NEW: same name, same sequence being
 * knocked right now, same one-time file. */
static bool door_survives(const struct door_state *old, const struct door_state *new)
{
	return old->sequence && new->sequence && !old->disabled && !new->disabled &&
	       same_name(old->cfg, new->cfg) &&
	       same_file(old->cfg->one_time_file, new->cfg->one_time_file) &&
	       old->seq_len == new->seq_len &&
	       seq_equal(old->seq, new->seq, old->seq_len);
}

int doors_reload(struct doors *d, const struct config *new_cfg)
{
	struct doors *n;
	int err = doors_build(new_cfg, &n);
	if (err)
		return err;
	size_t kept = 0, dropped = 0;
	for (uint32_t i = 0; i < d->ndoors; i++) {
		uint32_t j = 0;
		while (j < n->ndoors && !door_survives(&d->door[i], &n->door[j]))
			j++;
		size_t count = attempts_count(d->att, i);
		if (j == n->ndoors) {
			dropped += count;
			continue;
		}
		/* Oldest first keeps the new door list in start order. */
		for (const struct attempt *a = attempts_oldest(d->att, i); a;
		     a = attempts_next(d->att, a)) {
			struct attempt *c = attempts_add(n->att, &a->addr, j, a->sport,
							 a->start_ms, NULL, NULL);
			while (c->stage < a->stage)
				attempts_advance(n->att, c, a->sport);
		}
		kept += count;
	}
	if (kept + dropped)
		log_info("reload: %zu attempts kept, %zu dropped", kept, dropped);
	n->flood_until = d->flood_until;
	n->flood_evicted = d->flood_evicted;
	n->flood_quiet = d->flood_quiet;
	n->flood_quiet_other = d->flood_quiet_other;
	n->s1_window = d->s1_window;
	n->s1_lines = d->s1_lines;
	/* Swap the innards so the caller's handle stays valid. */
	struct doors tmp = *d;
	*d = *n;
	*n = tmp;
	doors_free(n);
	return 0;
}

size_t doors_attempts(const struct doors *d, size_t door)
{
	return door < d->ndoors ? attempts_count(d->att, (uint32_t)door) : 0;
}

void doors_counts(const struct doors *d, size_t door, struct ps_door_counts *out)
{
	if (door < d->ndoors)
		*out = d->door[door].counts;
	else
		memset(out, 0, sizeof *out);
}

void doors_reset_counts(struct doors *d)
{
	for (size_t i = 0; i < d->ndoors; i++)
		memset(&d->door[i].counts, 0, sizeof d->door[i].counts);
}

bool doors_spent_id(const struct doors *d, size_t door, uint8_t id[32])
{
	if (door >= d->ndoors || !d->door[door].cfg->one_time_file || !d->door[door].has_spent)
		return false;
	const struct door_state *ds = &d->door[door];
	/* Name and sequence: the same line in two doors' files is two ids. */
	uint8_t buf[sizeof "sesame one-time" + CONFIG_NAME_MAX + 3 * CONFIG_SEQ_MAX];
	size_t n = 0, name = strnlen(ds->cfg->name, CONFIG_NAME_MAX - 1);
	memcpy(buf, "sesame one-time", sizeof "sesame one-time");
	n += sizeof "sesame one-time";
	memcpy(buf + n, ds->cfg->name, name);
	n += name;
	buf[n++] = 0;
	for (size_t i = 0; i < ds->spent.len && i < CONFIG_SEQ_MAX; i++) {
		buf[n++] = (uint8_t)(ds->spent.seq[i].port >> 8);
		buf[n++] = (uint8_t)ds->spent.seq[i].port;
		buf[n++] = ds->spent.seq[i].proto;
	}
	SHA256(buf, n, id);
	return true;
}
