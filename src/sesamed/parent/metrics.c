/* SPDX-License-Identifier: GPL-2.0-or-later */
/* metrics — see metrics.h. */
#include "metrics.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "pages.h"

struct name_entry {
	char name[CONFIG_NAME_MAX];
	uint64_t grants, expired, revoked;
	struct ps_door_counts base;     /* workers that ended */
	struct ps_door_counts last;     /* the running worker's last report */
};

struct live {
	uint32_t slot;
	struct addr addr;
	uint64_t end_ms;
};

struct metrics {
	struct name_entry *names;       /* METRICS_NAMES_MAX */
	size_t nnames;
	struct live *live;              /* METRICS_LIVE_MAX */
	size_t nlive;
	struct ps_counters wbase, wlast;
	uint64_t restarts, reloads;
	struct loop *loop;
	struct loop_timer *timer;       /* the next end of a live grant */
};

static void sweep(struct metrics *m, uint64_t now);

static void on_end(struct loop *l, struct loop_timer *t, void *ctx)
{
	(void)l; (void)t;
	sweep(ctx, loop_now_ms());
}

int metrics_new(struct loop *l, struct metrics **out)
{
	struct metrics *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	m->loop = l;
	/* Sized for the most doors and grants; only what is used gets
	 * resident. */
	m->names = pages_alloc(METRICS_NAMES_MAX * sizeof *m->names);
	m->live = pages_alloc(METRICS_LIVE_MAX * sizeof *m->live);
	m->timer = l ? loop_timer_new(l, on_end, m) : NULL;
	if (!m->names || !m->live || (l && !m->timer)) {
		metrics_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	if (m->timer)
		loop_timer_free(m->loop, m->timer);
	pages_free(m->names, METRICS_NAMES_MAX * sizeof *m->names);
	pages_free(m->live, METRICS_LIVE_MAX * sizeof *m->live);
	free(m);
}

/* The timer to the earliest end, or off. */
static void arm(struct metrics *m)
{
	if (!m->timer)
		return;
	uint64_t first = 0;
	for (size_t i = 0; i < m->nlive; i++)
		if (!first || m->live[i].end_ms < first)
			first = m->live[i].end_ms;
	if (first)
		loop_timer_set(m->loop, m->timer, first);
	else
		loop_timer_cancel(m->loop, m->timer);
}

/* The entry of door NAME, made if need be; NULL when the table is full. */
static struct name_entry *entry(struct metrics *m, const char *name, bool make)
{
	for (size_t i = 0; i < m->nnames; i++)
		if (strcmp(m->names[i].name, name) == 0)
			return &m->names[i];
	if (!make || m->nnames == METRICS_NAMES_MAX)
		return NULL;
	struct name_entry *e = &m->names[m->nnames++];
	memset(e, 0, sizeof *e);
	snprintf(e->name, sizeof e->name, "%s", name);
	return e;
}

static uint32_t slot_of(const struct metrics *m, const struct name_entry *e)
{
	return (uint32_t)(e - m->names);
}

static struct live *live_find(struct metrics *m, uint32_t slot, const struct addr *a)
{
	for (size_t i = 0; i < m->nlive; i++)
		if (m->live[i].slot == slot && addr_equal(&m->live[i].addr, a))
			return &m->live[i];
	return NULL;
}

static void live_remove(struct metrics *m, struct live *l)
{
	*l = m->live[--m->nlive];
}

/* Grants whose time is up count as expired. */
static void sweep(struct metrics *m, uint64_t now)
{
	bool any = false;
	for (size_t i = 0; i < m->nlive; ) {
		if (m->live[i].end_ms <= now) {
			char a[ADDR_STRLEN];
			log_notice("door %s: %s: closed: Open_Timeout over",
				   m->names[m->live[i].slot].name,
				   addr_format(&m->live[i].addr, a, sizeof a));
			m->names[m->live[i].slot].expired++;
			live_remove(m, &m->live[i]);
			any = true;
		} else {
			i++;
		}
	}
	if (any)
		arm(m);
}

void metrics_granted(struct metrics *m, const char *name, const struct addr *a,
		     uint64_t end_ms)
{
	struct name_entry *e = entry(m, name, true);
	if (!e)
		return;
	e->grants++;
	if (!end_ms)
		return;
	sweep(m, loop_now_ms());
	struct live *l = live_find(m, slot_of(m, e), a);
	if (l) {
		if (end_ms > l->end_ms)
			l->end_ms = end_ms;     /* renewed: still one grant */
		arm(m);
		return;
	}
	if (m->nlive == METRICS_LIVE_MAX)
		return;                         /* not followed: never counted expired */
	m->live[m->nlive++] = (struct live){ slot_of(m, e), *a, end_ms };
	arm(m);
}

void metrics_expired(struct metrics *m, const char *name)
{
	struct name_entry *e = entry(m, name, true);
	if (e)
		e->expired++;
}

void metrics_revoked(struct metrics *m, const char *name, const struct addr *a)
{
	struct name_entry *e = entry(m, name, true);
	if (!e)
		return;
	e->revoked++;
	struct live *l = live_find(m, slot_of(m, e), a);
	if (l) {
		live_remove(m, l);
		arm(m);
	}
}

void metrics_worker_restarted(struct metrics *m) { m->restarts++; }
void metrics_reloaded(struct metrics *m) { m->reloads++; }

void metrics_worker_knocks(struct metrics *m, const struct config *cfg,
			   const struct ps_msg *k)
{
	for (size_t i = 0; i < PS_KNOCK_DOORS; i++) {
		size_t door = (size_t)k->knock_door + i;
		if (door >= cfg->ndoors)
			break;
		struct name_entry *e = entry(m, cfg->doors[door].name, true);
		if (e)
			e->last = k->knocks[i];
	}
}

void metrics_worker_status(struct metrics *m, const struct ps_msg *status)
{
	m->wlast = status->counters;
}

static void add_door(struct ps_door_counts *to, const struct ps_door_counts *c)
{
	for (size_t s = 0; s < CONFIG_SEQ_MAX; s++)
		to->stage[s] += c->stage[s];
	to->wrong += c->wrong;
	to->timeouts += c->timeouts;
}

static void add_worker(struct ps_counters *to, const struct ps_counters *c)
{
	to->frames += c->frames;
	to->undecodable += c->undecodable;
	to->kernel_drops += c->kernel_drops;
	to->if_drops += c->if_drops;
	to->spa_seen += c->spa_seen;
	to->spa_accepted += c->spa_accepted;
	for (size_t r = 0; r < SPA_R_COUNT; r++)
		to->spa_refused[r] += c->spa_refused[r];
}

void metrics_worker_ended(struct metrics *m)
{
	for (size_t i = 0; i < m->nnames; i++) {
		add_door(&m->names[i].base, &m->names[i].last);
		memset(&m->names[i].last, 0, sizeof m->names[i].last);
	}
	add_worker(&m->wbase, &m->wlast);
	memset(&m->wlast, 0, sizeof m->wlast);
}

/* --- Prometheus text format ------------------------------------------ */

static void family(struct strbuf *out, const char *name, const char *type, const char *help)
{
	strbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void label(struct strbuf *out, const char *v)
{
	for (const char *p = v; *p; p++) {
		if (*p == '\\' || *p == '"')
			strbuf_printf(out, "\\%c", *p);
		else if (*p == '\n')
			strbuf_puts(out, "\\n");
		else
			strbuf_add(out, p, 1);
	}
}

static void door_sample(struct strbuf *out, const char *metric, const char *door,
			const char *extra, uint64_t v)
{
	strbuf_printf(out, "%s{door=\"", metric);
	label(out, door);
	strbuf_printf(out, "\"%s} %llu\n", extra ? extra : "", (unsigned long long)v);
}

static void sample(struct strbuf *out, const char *metric, uint64_t v)
{
	strbuf_printf(out, "%s %llu\n", metric, (unsigned long long)v);
}

void metrics_render(struct metrics *m, const struct config *cfg, bool worker,
		    uint64_t uptime_s, struct strbuf *out)
{
	sweep(m, loop_now_ms());
	struct ps_counters w = m->wbase;
	add_worker(&w, &m->wlast);

	family(out, "sesame_uptime_seconds", "gauge", "Seconds since sesamed started.");
	sample(out, "sesame_uptime_seconds", uptime_s);
	family(out, "sesame_worker_report_ok", "gauge",
	       "1 when the packet worker answered this scrape, 0 when its counts are older.");
	sample(out, "sesame_worker_report_ok", worker ? 1 : 0);

	family(out, "sesame_packets_total", "counter", "Packets the capture handed to sesamed.");
	sample(out, "sesame_packets_total", w.frames);
	family(out, "sesame_packets_undecodable_total", "counter",
	       "Captured packets that were not IP with TCP or UDP.");
	sample(out, "sesame_packets_undecodable_total", w.undecodable);
	family(out, "sesame_packets_dropped_total", "counter",
	       "Packets dropped before sesamed saw them (libpcap statistics).");
	strbuf_printf(out, "sesame_packets_dropped_total{by=\"kernel\"} %llu\n",
		      (unsigned long long)w.kernel_drops);
	strbuf_printf(out, "sesame_packets_dropped_total{by=\"interface\"} %llu\n",
		      (unsigned long long)w.if_drops);

	family(out, "sesame_knocks_total", "counter",
	       "Knocks that brought an attempt to a stage of a door's sequence (the last stage: sequences complete).");
	for (size_t i = 0; i < cfg->ndoors; i++) {
		const struct door *d = &cfg->doors[i];
		if (!door_is_sequence(d))
			continue;
		struct name_entry *e = entry(m, d->name, false);
		struct ps_door_counts c = { 0 };
		if (e) {
			c = e->base;
			add_door(&c, &e->last);
		}
		size_t stages = d->one_time_file ? CONFIG_SEQ_MAX : d->seq_len;
		for (size_t s = 0; s < stages; s++) {
			if (d->one_time_file && !c.stage[s] && s > 0)
				continue;
			char extra[32];
			snprintf(extra, sizeof extra, ",stage=\"%zu\"", s + 1);
			door_sample(out, "sesame_knocks_total", d->name, extra, c.stage[s]);
		}
	}
	family(out, "sesame_knocks_wrong_total", "counter",
	       "Knocks on a door's port out of sequence.");
	for (size_t i = 0; i < cfg->ndoors; i++) {
		const struct door *d = &cfg->doors[i];
		if (!door_is_sequence(d))
			continue;
		struct name_entry *e = entry(m, d->name, false);
		door_sample(out, "sesame_knocks_wrong_total", d->name, NULL,
			    e ? e->base.wrong + e->last.wrong : 0);
	}
	family(out, "sesame_knock_timeouts_total", "counter",
	       "Knock attempts that ran out of Seq_Timeout.");
	for (size_t i = 0; i < cfg->ndoors; i++) {
		const struct door *d = &cfg->doors[i];
		if (!door_is_sequence(d))
			continue;
		struct name_entry *e = entry(m, d->name, false);
		door_sample(out, "sesame_knock_timeouts_total", d->name, NULL,
			    e ? e->base.timeouts + e->last.timeouts : 0);
	}

	static const struct { const char *name, *help; size_t off; } gf[] = {
		{ "sesame_grants_total", "Grants given (a renewal of a live grant too).",
		  offsetof(struct name_entry, grants) },
		{ "sesame_grants_expired_total", "Grants that ended when their time was up.",
		  offsetof(struct name_entry, expired) },
		{ "sesame_grants_revoked_total", "Grants ended early by sesame revoke.",
		  offsetof(struct name_entry, revoked) },
	};
	for (size_t f = 0; f < sizeof gf / sizeof gf[0]; f++) {
		family(out, gf[f].name, "counter", gf[f].help);
		for (size_t i = 0; i < cfg->ndoors; i++) {
			struct name_entry *e = entry(m, cfg->doors[i].name, false);
			uint64_t v = 0;
			if (e)
				memcpy(&v, (const char *)e + gf[f].off, sizeof v);
			door_sample(out, gf[f].name, cfg->doors[i].name, NULL, v);
		}
	}

	family(out, "sesame_spa_packets_total", "counter", "Datagrams to an SPA door's port.");
	sample(out, "sesame_spa_packets_total", w.spa_seen);
	family(out, "sesame_spa_accepted_total", "counter", "SPA packets that opened a door.");
	sample(out, "sesame_spa_accepted_total", w.spa_accepted);
	family(out, "sesame_spa_refused_total", "counter", "SPA packets refused, by reason.");
	for (size_t r = 0; r < SPA_R_COUNT; r++)
		strbuf_printf(out, "sesame_spa_refused_total{reason=\"%s\"} %llu\n",
			      spa_refusal_label[r], (unsigned long long)w.spa_refused[r]);

	family(out, "sesame_worker_restarts_total", "counter",
	       "Packet workers started again after one failed.");
	sample(out, "sesame_worker_restarts_total", m->restarts);
	family(out, "sesame_reloads_total", "counter", "Configurations reloaded (SIGHUP).");
	sample(out, "sesame_reloads_total", m->reloads);
}
