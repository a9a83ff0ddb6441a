/* SPDX-License-Identifier: GPL-2.0-or-later */
/* status — see status.h. */
#include "status.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "version.h"

struct grants {
	struct gate_nft_entry *e;
	size_t n, cap;
	bool failed;
};

static void collect(void *ctx, const struct gate_nft_entry *e)
{
	struct grants *g = ctx;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		struct gate_nft_entry *p = realloc(g->e, cap * sizeof *p);
		if (!p) {
			g->failed = true;
			return;
		}
		g->e = p;
		g->cap = cap;
	}
	g->e[g->n++] = *e;
}

static unsigned secs_left(uint32_t ms)
{
	return (unsigned)((ms + 999u) / 1000u);
}

/* Doors with per-source attempts: the sequence doors, fixed or rotating. */
static bool door_is_counted(const struct door *d)
{
	return d->seq_len || d->one_time_file || door_is_rotating(d);
}

static const char *kind(const struct door *d)
{
	if (d->spa_format != SPA_FORMAT_NONE)
		return "spa";
	if (d->seq_len || d->one_time_file)
		return "sequence";
	if (door_is_rotating(d))
		return "rotating";
	return "none";
}

static void ports_text(struct strbuf *out, const struct port_proto *p, size_t n,
		       char sep, const char *between)
{
	for (size_t i = 0; i < n; i++)
		strbuf_printf(out, "%s%u%c%s", i ? between : "", (unsigned)p[i].port, sep,
			      port_proto_name(p[i].proto));
}

static void ports_json(struct strbuf *out, const struct port_proto *p, size_t n, char sep)
{
	strbuf_puts(out, "[");
	for (size_t i = 0; i < n; i++)
		strbuf_printf(out, "%s\"%u%c%s\"", i ? "," : "", (unsigned)p[i].port, sep,
			      port_proto_name(p[i].proto));
	strbuf_puts(out, "]");
}

/* "198.19.1.2:22", "[2001:db8::2]:22" or the bare address (any port). */
static void forward_to_text(struct strbuf *out, const struct door *d)
{
	char a[ADDR_STRLEN];
	addr_format(&d->forward_to, a, sizeof a);
	bool v6 = d->forward_to.family == AF_INET6;
	if (!d->forward_to_port)
		strbuf_puts(out, a);
	else
		strbuf_printf(out, v6 ? "[%s]:%u" : "%s:%u", a, (unsigned)d->forward_to_port);
}

static const char *origin_of(const struct status_src *s, const struct door *d,
			     const struct addr *a)
{
	return s->origin ? s->origin(s->origin_ctx, d->name, a) : NULL;
}

static void render_text(const struct status_src *s, const struct grants *g, int list_rc,
			struct strbuf *out)
{
	const struct config *cfg = s->cfg;
	strbuf_printf(out, "sesamed %s, pid %ld, up %llu s", SESAME_VERSION, (long)getpid(),
		      (unsigned long long)s->uptime_s);
	if (s->interface)
		strbuf_printf(out, ", %s %s", s->capturing ? "capturing on" :
			      "waiting for interface", s->interface);
	if (s->nft)
		strbuf_printf(out, ", gate: table inet %s", cfg->nft_table);
	if (s->fleet_node)
		strbuf_printf(out, ", fleet: node %s, redis %s", s->fleet_node,
			      s->fleet_up ? "connected" : "unreachable");
	strbuf_puts(out, "\n");
	for (size_t i = 0; i < cfg->ndoors; i++) {
		const struct door *d = &cfg->doors[i];
		strbuf_printf(out, "door %s: ", d->name);
		if (d->spa_format != SPA_FORMAT_NONE)
			strbuf_printf(out, "spa on %u/udp", (unsigned)d->spa_port);
		else if (d->one_time_file)
			strbuf_puts(out, "one-time sequences");
		else if (door_is_rotating(d))
			strbuf_printf(out, "rotating sequences of %u knocks, every %u s",
				      d->rot_length, d->rot_period_s);
		else
			ports_text(out, d->seq, d->seq_len, ':', ",");
		if (d->open_len) {
			strbuf_puts(out, "; opens ");
			ports_text(out, d->open, d->open_len, '/', ",");
			strbuf_printf(out, " for %u s", d->open_timeout_s);
		}
		if (d->open_len && d->forward) {
			strbuf_puts(out, "; forwarded to ");
			if (d->forward_to.family)
				forward_to_text(out, d);
			else
				strbuf_puts(out, "any DNAT destination");
		}
		if (d->start_command)
			strbuf_puts(out, "; runs commands");
		if (s->attempts && door_is_counted(d)) {
			size_t n = s->attempts(s->attempts_ctx, i);
			strbuf_printf(out, "; %zu attempt%s in progress", n, n == 1 ? "" : "s");
		}
		strbuf_puts(out, "\n");
		if (!d->open_len || !s->nft)
			continue;
		if (list_rc < 0) {
			strbuf_puts(out, "  grants: cannot read them from the kernel\n");
			continue;
		}
		size_t shown = 0;
		for (size_t k = 0; k < g->n; k++) {
			const struct gate_nft_entry *e = &g->e[k];
			if (e->door != i)
				continue;
			char a[ADDR_STRLEN];
			const char *from = origin_of(s, d, &e->addr);
			strbuf_printf(out, "  %s %u/%s %u s left%s%s\n",
				      addr_format(&e->addr, a, sizeof a),
				      (unsigned)e->port.port, port_proto_name(e->port.proto),
				      secs_left(e->expires_ms), from ? ", granted by node " : "",
				      from ? from : "");
			shown++;
		}
		if (!shown)
			strbuf_puts(out, "  no grants\n");
	}
}

static void render_json(const struct status_src *s, const struct grants *g, int list_rc,
			struct strbuf *out)
{
	const struct config *cfg = s->cfg;
	strbuf_printf(out, "{\"version\":\"%s\",\"pid\":%ld,\"uptime_s\":%llu,", SESAME_VERSION,
		      (long)getpid(), (unsigned long long)s->uptime_s);
	strbuf_puts(out, "\"interface\":");
	if (s->interface)
		strbuf_json_str(out, s->interface);
	else
		strbuf_puts(out, "null");
	strbuf_printf(out, ",\"capturing\":%s", s->capturing ? "true" : "false");
	strbuf_puts(out, ",\"gate\":");
	if (s->nft) {
		strbuf_puts(out, "{\"kind\":\"nft\",\"table\":");
		strbuf_json_str(out, cfg->nft_table);
		strbuf_printf(out, ",\"readable\":%s}", list_rc < 0 ? "false" : "true");
	} else {
		strbuf_puts(out, "null");
	}
	strbuf_puts(out, ",\"fleet\":");
	if (s->fleet_node) {
		strbuf_puts(out, "{\"node\":");
		strbuf_json_str(out, s->fleet_node);
		strbuf_printf(out, ",\"connected\":%s}", s->fleet_up ? "true" : "false");
	} else {
		strbuf_puts(out, "null");
	}
	strbuf_puts(out, ",\"doors\":[");
	for (size_t i = 0; i < cfg->ndoors; i++) {
		const struct door *d = &cfg->doors[i];
		strbuf_puts(out, i ? ",{\"name\":" : "{\"name\":");
		strbuf_json_str(out, d->name);
		strbuf_printf(out, ",\"kind\":\"%s\",\"sequence\":", kind(d));
		ports_json(out, d->seq, d->seq_len, ':');
		if (d->spa_format != SPA_FORMAT_NONE)
			strbuf_printf(out, ",\"spa_port\":%u", (unsigned)d->spa_port);
		strbuf_puts(out, ",\"open\":");
		ports_json(out, d->open, d->open_len, '/');
		strbuf_printf(out, ",\"open_timeout_s\":%u,\"commands\":%s", d->open_timeout_s,
			      d->start_command ? "true" : "false");
		strbuf_puts(out, ",\"forward\":");
		if (!d->open_len || !d->forward) {
			strbuf_puts(out, "null");
		} else if (!d->forward_to.family) {
			strbuf_puts(out, "{\"to\":null,\"port\":null}");
		} else {
			char a[ADDR_STRLEN];
			strbuf_printf(out, "{\"to\":\"%s\",\"port\":",
				      addr_format(&d->forward_to, a, sizeof a));
			if (d->forward_to_port)
				strbuf_printf(out, "%u}", (unsigned)d->forward_to_port);
			else
				strbuf_puts(out, "null}");
		}
		strbuf_puts(out, ",\"attempts\":");
		if (s->attempts && door_is_counted(d))
			strbuf_printf(out, "%zu", s->attempts(s->attempts_ctx, i));
		else
			strbuf_puts(out, "null");
		strbuf_puts(out, ",\"grants\":[");
		bool first = true;
		for (size_t k = 0; k < g->n && list_rc >= 0; k++) {
			const struct gate_nft_entry *e = &g->e[k];
			if (e->door != i)
				continue;
			char a[ADDR_STRLEN];
			strbuf_printf(out, "%s{\"address\":\"%s\",\"family\":%d,\"port\":%u,\"proto\":\"%s\","
				      "\"expires_ms\":%u,\"seconds_left\":%u,\"node\":",
				      first ? "" : ",", addr_format(&e->addr, a, sizeof a),
				      e->addr.family == AF_INET ? 4 : 6, (unsigned)e->port.port,
				      port_proto_name(e->port.proto), (unsigned)e->expires_ms,
				      secs_left(e->expires_ms));
			const char *from = origin_of(s, d, &e->addr);
			if (from)
				strbuf_json_str(out, from);
			else
				strbuf_puts(out, "null");
			strbuf_puts(out, "}");
			first = false;
		}
		strbuf_puts(out, "]}");
	}
	strbuf_puts(out, "]}\n");
}

void status_render(const struct status_src *s, bool json, struct strbuf *out)
{
	struct grants g = { 0 };
	int rc = s->nft ? gate_nft_list(s->nft, s->cfg, collect, &g) : 0;
	if (g.failed)
		rc = -1;
	if (json)
		render_json(s, &g, rc, out);
	else
		render_text(s, &g, rc, out);
	free(g.e);
}
