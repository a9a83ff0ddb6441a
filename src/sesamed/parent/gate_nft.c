/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gate_nft — see gate_nft.h.  Text of the table and of grants: nft_render.c;
 * read-only kernel questions: nft_query.c.
 *
 * Tampering: after each transaction of ours we note the ruleset
 * generation.  Before a grant, a different generation means someone else
 * committed something (anywhere in the ruleset); we then check that our
 * table, its sets and its rule count are still there, and restore the
 * table in one transaction if not.  A grant that fails is checked the
 * same way and retried once after a restore.
 */
#include "gate_nft.h"

#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "nft_query.h"
#include "nft_render.h"
#include "nft_script.h"
#include "strbuf.h"

struct gate_nft {
	struct nftq q;
	char table[CONFIG_NAME_MAX];
	uint32_t gen;                   /* generation after our last commit */
	bool add_refreshes;             /* a plain add renews a timeout */
	struct strbuf sb;
	char err[256];                  /* first line of libnftables' last error */
};

/* One line naming why nf_tables cannot be used, for ERR from nftq_*. */
static const char *kernel_cause(int err)
{
	switch (-err) {
	case EPERM:
	case EACCES:
		return "permission denied: sesamed needs CAP_NET_ADMIN (run it as root)";
	case EPROTONOSUPPORT:
	case EOPNOTSUPP:
	case ENOENT:
	case EAFNOSUPPORT:
		return "the kernel has no nf_tables (CONFIG_NF_TABLES; try 'modprobe nf_tables')";
	default:
		return strerror(-err);
	}
}

/* Runs SCRIPT as one transaction (in a child: see nft_script.h).  0, or
 * -errno with g->err set. */
static int run(struct gate_nft *g, const char *script)
{
	if (!script)
		return -ENOMEM;
	return nft_script_run(script, g->err, sizeof g->err);
}

static void note_gen(struct gate_nft *g)
{
	uint32_t gen;
	if (nftq_genid(&g->q, &gen) == 0)
		g->gen = gen;
}

/* --- what is in the kernel ----------------------------------------- */

struct set_scan {
	const struct config *cfg;
	const char **drop;              /* sets to delete */
	char (*names)[NFT_SETNAME_MAX]; /* storage for DROP */
	size_t ndrop, cap;
	size_t found;                   /* expected sets present and right */
	bool overflow;
};

/* Index of NAME among CFG's expected sets (its key length in *KEYLEN), or -1. */
static int expected_set(const struct config *cfg, const char *name, uint32_t *keylen)
{
	char buf[NFT_SETNAME_MAX];
	for (size_t i = 0; i < cfg->ndoors; i++) {
		if (!nft_door_gated(&cfg->doors[i]))
			continue;
		if (strcmp(name, nft_set_name(cfg, i, AF_INET, buf, sizeof buf)) == 0) {
			*keylen = NFT_KEYLEN_V4;
			return (int)i;
		}
		if (strcmp(name, nft_set_name(cfg, i, AF_INET6, buf, sizeof buf)) == 0) {
			*keylen = NFT_KEYLEN_V6;
			return (int)i;
		}
	}
	return -1;
}

static void scan_set(void *ctx, const char *name, uint32_t key_len, uint32_t flags)
{
	struct set_scan *s = ctx;
	if (flags & NFT_SET_ANONYMOUS)
		return;                 /* a rule's own { ... }: goes with the rule */
	uint32_t want;
	bool ok = expected_set(s->cfg, name, &want) >= 0 && key_len == want &&
		  (flags & NFT_SET_TIMEOUT);
	if (ok) {
		s->found++;
		return;
	}
	/* A set of a door that went away, or one of an older shape: delete
	 * it in the load transaction (the add that follows recreates it). */
	if (s->ndrop == s->cap || strlen(name) >= NFT_SETNAME_MAX) {
		s->overflow = true;
		return;
	}
	strcpy(s->names[s->ndrop], name);
	s->drop[s->ndrop] = s->names[s->ndrop];
	s->ndrop++;
}

static size_t gated_doors(const struct config *cfg)
{
	size_t n = 0;
	for (size_t i = 0; i < cfg->ndoors; i++)
		n += nft_door_gated(&cfg->doors[i]);
	return n;
}

/* True when TABLE holds every set and rule CFG's rendering makes. */
static bool intact(struct gate_nft *g, const struct config *cfg)
{
	struct set_scan s = { .cfg = cfg };
	if (nftq_sets(&g->q, cfg->nft_table, scan_set, &s) < 0)
		return false;
	size_t rules, fwd = 0;
	if (s.found != 2 * gated_doors(cfg) ||
	    nftq_rules(&g->q, cfg->nft_table, NFT_CHAIN, &rules) < 0)
		return false;
	/* Input-only configs keep their one round trip. */
	if (nft_wants_forward(cfg) &&
	    nftq_rules(&g->q, cfg->nft_table, NFT_FORWARD_CHAIN, &fwd) < 0)
		return false;
	return rules == nft_render_rule_count(cfg) &&
	       fwd == nft_render_forward_rule_count(cfg);
}

/* --- loading -------------------------------------------------------- */

#define DROP_MAX 256

static int load(struct gate_nft *g, const struct config *cfg, const char *old_table)
{
	char (*names)[NFT_SETNAME_MAX] = calloc(DROP_MAX, sizeof *names);
	const char **drop = calloc(DROP_MAX, sizeof *drop);
	int rc = -ENOMEM;
	if (!names || !drop)
		goto out;
	struct set_scan s = { .cfg = cfg, .drop = drop, .names = names, .cap = DROP_MAX };
	rc = nftq_sets(&g->q, cfg->nft_table, scan_set, &s);
	if (rc < 0 && rc != -ENOENT) {
		log_err("gate: cannot read table inet %s: %s", cfg->nft_table, kernel_cause(rc));
		goto out;
	}
	if (s.overflow)
		log_warn("gate: table inet %s holds more than %d foreign sets; some stay",
			 cfg->nft_table, DROP_MAX);
	/* Our forward chain always holds a rule: none means there is none. */
	size_t fwd = 0;
	if (rc == 0 && nftq_rules(&g->q, cfg->nft_table, NFT_FORWARD_CHAIN, &fwd) < 0)
		fwd = 0;
	strbuf_reset(&g->sb);
	nft_render_load(cfg, drop, s.ndrop, fwd > 0, &g->sb);
	/* NftTable renamed by a reload: the old table goes in the same
	 * transaction, so there is never a moment with both or neither. */
	struct set_scan none = { .cfg = cfg };
	if (old_table && strcmp(old_table, cfg->nft_table) != 0 &&
	    nftq_sets(&g->q, old_table, scan_set, &none) == 0)
		nft_render_remove(old_table, &g->sb);
	rc = run(g, strbuf_str(&g->sb));
	if (rc < 0) {
		log_err("gate: cannot load table inet %s: %s", cfg->nft_table, g->err);
		goto out;
	}
	for (size_t i = 0; i < s.ndrop; i++)
		log_info("gate: deleted set %s (no such door any more)", drop[i]);
	snprintf(g->table, sizeof g->table, "%s", cfg->nft_table);
	note_gen(g);
out:
	free(names);
	free(drop);
	return rc;
}

static void probe_max(void *ctx, const uint8_t *key, size_t keylen, uint64_t expires_ms)
{
	(void)key; (void)keylen;
	uint64_t *max = ctx;
	if (expires_ms > *max)
		*max = expires_ms;
}

/* Does an "add element ... timeout T expires T" renew the expiry of an
 * existing element?  (Linux 6.x: yes; without "expires", an add with an
 * unchanged timeout does not.)  Asked once at start: an element added to
 * expire in 500 s, then again to expire in 1000 s; more than 750 s left
 * means yes.  On any doubt we use the slower add-delete-add, which is
 * right everywhere. */
static void probe_refresh(struct gate_nft *g, const char *table)
{
	uint64_t left = 0;
	g->add_refreshes = false;
	for (int step = 0; step < 2; step++) {
		strbuf_reset(&g->sb);
		nft_render_probe(table, step, &g->sb);
		if (run(g, strbuf_str(&g->sb)) < 0)
			goto out;
	}
	if (nftq_elems(&g->q, table, NFT_PROBE_SET, probe_max, &left) == 0)
		g->add_refreshes = left > 750 * 1000;
out:
	strbuf_reset(&g->sb);
	nft_render_probe(table, 2, &g->sb);
	run(g, strbuf_str(&g->sb));
	note_gen(g);
	log_debug("gate: a plain add %s an element's timeout",
		  g->add_refreshes ? "renews" : "does not renew");
}

int gate_nft_new(const struct config *cfg, struct gate_nft **out)
{
	char err[256];
	if (!nft_config_ok(cfg, err, sizeof err)) {
		log_err("gate: %s", err);
		return -EINVAL;
	}
	struct gate_nft *g = calloc(1, sizeof *g);
	if (!g)
		return -ENOMEM;
	int rc = nftq_open(&g->q);
	uint32_t gen;
	if (rc == 0)
		rc = nftq_genid(&g->q, &gen);
	if (rc < 0) {
		log_err("gate: nftables unavailable: %s", kernel_cause(rc));
		goto fail;
	}
	rc = load(g, cfg, NULL);
	if (rc < 0)
		goto fail;
	probe_refresh(g, cfg->nft_table);
	log_info("gate: table inet %s loaded (%zu gated door%s)", cfg->nft_table,
		 gated_doors(cfg), gated_doors(cfg) == 1 ? "" : "s");
	*out = g;
	return 0;
fail:
	gate_nft_free(g);
	return rc;
}

int gate_nft_reload(struct gate_nft *g, const struct config *cfg)
{
	char err[256];
	if (!nft_config_ok(cfg, err, sizeof err)) {
		log_err("gate: %s", err);
		return -EINVAL;
	}
	char old[CONFIG_NAME_MAX];
	snprintf(old, sizeof old, "%s", g->table);
	int rc = load(g, cfg, old);
	if (rc == 0)
		log_info("gate: table inet %s reloaded", cfg->nft_table);
	return rc;
}

int gate_nft_verify(struct gate_nft *g, const struct config *cfg)
{
	uint32_t gen;
	int rc = nftq_genid(&g->q, &gen);
	if (rc < 0) {
		/* Cannot tell; let the grant try (its failure is checked again). */
		log_warn("gate: cannot read the ruleset generation: %s", strerror(-rc));
		return 0;
	}
	if (gen == g->gen)
		return 0;               /* nobody committed anything since us */
	if (intact(g, cfg)) {
		g->gen = gen;
		return 0;
	}
	log_warn("gate: table inet %s was deleted or changed by someone else; restoring it",
		 cfg->nft_table);
	rc = load(g, cfg, NULL);
	return rc < 0 ? rc : 1;
}

/* --- grants --------------------------------------------------------- */

bool gate_nft_grant_ok(const struct config *cfg, const struct grant *gr)
{
	/* The parent's own check (ports, repeats, the door's bounds), then
	 * what only the gate needs: a door with sets, and a timeout, since
	 * none would be a grant the kernel never ends. */
	if (!grant_validate(gr, cfg) || !nft_door_gated(&cfg->doors[gr->door]))
		return false;
	const struct door *d = &cfg->doors[gr->door];
	return (gr->timeout_s ? gr->timeout_s : d->open_timeout_s) > 0;
}

/* The set key of (address, port) as the kernel keeps it: concatenated
 * fields padded to 4 bytes, the protocol in the first byte of its word,
 * the port in network order at the start of the next (list_elem reads
 * the same layout back). */
static size_t key_encode(const struct addr *a, const struct port_proto *p, uint8_t *key)
{
	size_t alen = a->family == AF_INET ? 4 : 16;
	memset(key, 0, alen + 8);
	memcpy(key, a->bytes, alen);
	key[alen] = p->proto;
	key[alen + 4] = (uint8_t)(p->port >> 8);
	key[alen + 5] = (uint8_t)p->port;
	return alen + 8;
}

/* One grant as one netlink batch: the set elements, straight to the
 * kernel.  libnftables would first read the whole ruleset back into its
 * cache, every time (about 100 us, most of a grant's cost). */
static int grant_elems(struct gate_nft *g, const struct config *cfg, const struct grant *gr)
{
	const struct door *d = &cfg->doors[gr->door];
	const struct port_proto *p = gr->nports ? gr->ports : d->open;
	size_t n = gr->nports ? gr->nports : d->open_len;
	uint8_t keys[CONFIG_OPEN_MAX * NFT_KEYLEN_V6];
	size_t keylen = 0;
	for (size_t i = 0; i < n && i < CONFIG_OPEN_MAX; i++)
		keylen = key_encode(&gr->addr, &p[i], keys + i * keylen);
	char set[NFT_SETNAME_MAX];
	nft_set_name(cfg, gr->door, gr->addr.family, set, sizeof set);
	uint32_t t = gr->timeout_s ? gr->timeout_s : d->open_timeout_s;
	int rc = nftq_add_elems(&g->q, cfg->nft_table, set, keys, n, keylen,
				(uint64_t)t * 1000, g->add_refreshes);
	if (rc < 0)
		snprintf(g->err, sizeof g->err, "%s", strerror(-rc));
	return rc;
}

static void log_opened(const struct config *cfg, const struct grant *gr)
{
	char a[ADDR_STRLEN];
	addr_format(&gr->addr, a, sizeof a);
	log_notice("door %s: %s: opened for %u s", cfg->doors[gr->door].name, a,
		  (unsigned)(gr->timeout_s ? gr->timeout_s : cfg->doors[gr->door].open_timeout_s));
}

int gate_nft_grant(struct gate_nft *g, const struct config *cfg, const struct grant *gr)
{
	if (!gate_nft_grant_ok(cfg, gr)) {
		log_err("gate: refusing a malformed grant (door %u)", (unsigned)gr->door);
		return -EINVAL;
	}
	int rc = gate_nft_verify(g, cfg);
	if (rc < 0)
		return rc;
	rc = grant_elems(g, cfg, gr);
	if (rc < 0) {
		/* Deleted between our check and the grant?  Restore and retry. */
		g->gen = 0;
		if (gate_nft_verify(g, cfg) == 1)
			rc = grant_elems(g, cfg, gr);
	}
	char a[ADDR_STRLEN];
	addr_format(&gr->addr, a, sizeof a);
	if (rc < 0) {
		log_err("gate: door %s: %s: cannot grant: %s", cfg->doors[gr->door].name, a, g->err);
		return rc;
	}
	note_gen(g);
	log_opened(cfg, gr);
	return 0;
}

/* Elements (ports) of one transaction of gate_nft_grant_many(): keeps
 * its netlink batch within nftq_add_elems_many()'s bound. */
#define MANY_ELEMS 256

/* GR[0..N) (each gate_nft_grant_ok) in one transaction.  0 or -errno. */
static int grant_elems_many(struct gate_nft *g, const struct config *cfg,
			    const struct grant *gr, size_t n, uint8_t *keys,
			    struct nftq_elems *e, char (*sets)[NFT_SETNAME_MAX])
{
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		const struct door *d = &cfg->doors[gr[i].door];
		const struct port_proto *p = gr[i].nports ? gr[i].ports : d->open;
		size_t np = gr[i].nports ? gr[i].nports : d->open_len;
		size_t keylen = 0;
		for (size_t k = 0; k < np; k++)
			keylen = key_encode(&gr[i].addr, &p[k], keys + at + k * keylen);
		uint32_t t = gr[i].timeout_s ? gr[i].timeout_s : d->open_timeout_s;
		nft_set_name(cfg, gr[i].door, gr[i].addr.family, sets[i], sizeof sets[i]);
		e[i] = (struct nftq_elems){ sets[i], keys + at, np, keylen, (uint64_t)t * 1000 };
		at += np * keylen;
	}
	int rc = nftq_add_elems_many(&g->q, cfg->nft_table, e, n, g->add_refreshes);
	if (rc < 0)
		snprintf(g->err, sizeof g->err, "%s", strerror(-rc));
	return rc;
}

/* One chunk of gate_nft_grant_many(): at most MANY_ELEMS elements. */
static void grant_chunk(struct gate_nft *g, const struct config *cfg, const struct grant *gr,
			size_t n, int *res)
{
	/* N grants hold at most MANY_ELEMS elements, and at least one each. */
	uint8_t *keys = malloc(MANY_ELEMS * NFT_KEYLEN_V6);
	struct nftq_elems *e = malloc(n * sizeof *e);
	char (*sets)[NFT_SETNAME_MAX] = malloc(n * sizeof *sets);
	int rc = keys && e && sets ? gate_nft_verify(g, cfg) : -ENOMEM;
	if (rc == -ENOMEM)
		snprintf(g->err, sizeof g->err, "%s", strerror(ENOMEM));
	if (rc >= 0) {          /* 1: restored, and ready for the grants */
		rc = grant_elems_many(g, cfg, gr, n, keys, e, sets);
		if (rc < 0) {
			g->gen = 0;
			if (gate_nft_verify(g, cfg) == 1)
				rc = grant_elems_many(g, cfg, gr, n, keys, e, sets);
		}
	}
	free(keys);
	free(e);
	free(sets);
	if (rc == 0) {
		note_gen(g);
		for (size_t i = 0; i < n; i++) {
			res[i] = 0;
			log_opened(cfg, &gr[i]);
		}
		return;
	}
	/* Nothing of the batch went in (a transaction is all or none):
	 * each grant on its own, so that one bad element costs only itself. */
	log_warn("gate: %zu grants in one transaction failed (%s): granting them one by one",
		 n, g->err);
	for (size_t i = 0; i < n; i++)
		res[i] = gate_nft_grant(g, cfg, &gr[i]);
}

int gate_nft_grant_many(struct gate_nft *g, const struct config *cfg, const struct grant *gr,
			size_t n, int *res)
{
	size_t from = 0, elems = 0;
	for (size_t i = 0; i <= n; i++) {
		size_t np = 0;
		if (i < n) {
			if (!gate_nft_grant_ok(cfg, &gr[i])) {
				log_err("gate: refusing a malformed grant (door %u)",
					(unsigned)gr[i].door);
				res[i] = -EINVAL;
			} else {
				const struct door *d = &cfg->doors[gr[i].door];
				np = gr[i].nports ? gr[i].nports : d->open_len;
			}
		}
		/* A chunk ends before a refused grant, at the end, or when full. */
		if (i == n || !np || elems + np > MANY_ELEMS) {
			if (i > from)
				grant_chunk(g, cfg, gr + from, i - from, res + from);
			from = np ? i : i + 1;
			elems = 0;
		}
		elems += np;
	}
	for (size_t i = 0; i < n; i++)
		if (res[i] < 0)
			return res[i];
	return 0;
}

/* --- reading back --------------------------------------------------- */

struct list_ctx {
	uint32_t door;
	int family;
	gate_nft_entry_fn fn;
	void *ctx;
};

static void list_elem(void *ctx, const uint8_t *key, size_t keylen, uint64_t expires_ms)
{
	struct list_ctx *c = ctx;
	size_t alen = c->family == AF_INET ? 4 : 16;
	if (keylen != (c->family == AF_INET ? NFT_KEYLEN_V4 : NFT_KEYLEN_V6))
		return;
	struct gate_nft_entry e = { .door = c->door };
	e.addr.family = (uint8_t)c->family;
	memcpy(e.addr.bytes, key, alen);
	/* Concatenated fields are padded to 4 bytes: proto in the first byte
	 * of its word, the port in network order at the start of the next. */
	e.port.proto = key[alen];
	e.port.port = (uint16_t)(key[alen + 4] << 8 | key[alen + 5]);
	e.expires_ms = expires_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)expires_ms;
	c->fn(c->ctx, &e);
}

int gate_nft_list(struct gate_nft *g, const struct config *cfg,
		  gate_nft_entry_fn fn, void *ctx)
{
	char set[NFT_SETNAME_MAX];
	for (size_t i = 0; i < cfg->ndoors; i++) {
		if (!nft_door_gated(&cfg->doors[i]))
			continue;
		static const int fam[] = { AF_INET, AF_INET6 };
		for (size_t f = 0; f < 2; f++) {
			struct list_ctx c = { (uint32_t)i, fam[f], fn, ctx };
			nft_set_name(cfg, i, fam[f], set, sizeof set);
			int rc = nftq_elems(&g->q, cfg->nft_table, set, list_elem, &c);
			if (rc == -ENOENT)
				continue;       /* restored on the next grant */
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

struct revoke_ctx {
	int door;
	const struct addr *addr;
	struct gate_nft_entry *e;
	size_t n, cap;
	bool failed;
};

static void revoke_collect(void *ctx, const struct gate_nft_entry *e)
{
	struct revoke_ctx *r = ctx;
	if ((r->door >= 0 && e->door != (uint32_t)r->door) ||
	    (r->addr && !addr_equal(r->addr, &e->addr)))
		return;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct gate_nft_entry *p = realloc(r->e, cap * sizeof *p);
		if (!p) {
			r->failed = true;
			return;
		}
		r->e = p;
		r->cap = cap;
	}
	r->e[r->n++] = *e;
}

/* Deletion of an element that expired since we listed it fails the
 * transaction: then list again (a few times: expiries are rare). */
int gate_nft_revoke(struct gate_nft *g, const struct config *cfg, int door,
		    const struct addr *a, gate_nft_revoked_fn fn, void *ctx)
{
	struct revoke_ctx r = { .door = door, .addr = a };
	int rc = 0;
	for (int attempt = 0; attempt < 3; attempt++) {
		r.n = 0;
		r.failed = false;
		rc = gate_nft_list(g, cfg, revoke_collect, &r);
		if (rc >= 0 && r.failed)
			rc = -ENOMEM;
		if (rc < 0 || r.n == 0)
			break;
		strbuf_reset(&g->sb);
		for (size_t i = 0; i < r.n; i++)
			nft_render_revoke(cfg, r.e[i].door, &r.e[i].addr, &r.e[i].port, &g->sb);
		rc = run(g, strbuf_str(&g->sb));
		if (rc == 0)
			break;
	}
	if (rc < 0) {
		log_err("gate: cannot revoke: %s", rc == -ENOMEM ? strerror(ENOMEM) : g->err);
		free(r.e);
		return rc;
	}
	note_gen(g);
	/* One call per (door, address), however many ports it had. */
	size_t grants = 0;
	for (size_t i = 0; i < r.n; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = r.e[j].door == r.e[i].door && addr_equal(&r.e[j].addr, &r.e[i].addr);
		if (seen)
			continue;
		char ab[ADDR_STRLEN];
		log_notice("door %s: %s: revoked", cfg->doors[r.e[i].door].name,
			   addr_format(&r.e[i].addr, ab, sizeof ab));
		if (fn)
			fn(ctx, r.e[i].door, &r.e[i].addr);
		grants++;
	}
	free(r.e);
	return (int)grants;
}

void gate_nft_free(struct gate_nft *g)
{
	if (!g)
		return;
	nftq_close(&g->q);
	strbuf_fini(&g->sb);
	free(g);
}

static void ignore_set(void *ctx, const char *name, uint32_t key_len, uint32_t flags)
{
	(void)ctx; (void)name; (void)key_len; (void)flags;
}

int gate_nft_remove(const char *table)
{
	if (!nft_table_name_ok(table)) {
		log_err("gate: bad table name '%s'", table);
		return -EINVAL;
	}
	struct gate_nft g = { .gen = 0 };
	int rc = nftq_open(&g.q);
	if (rc == 0)
		rc = nftq_sets(&g.q, table, ignore_set, NULL);
	if (rc == -ENOENT) {
		log_info("gate: no table inet %s: nothing to remove", table);
		rc = 0;
		goto out;
	}
	if (rc < 0) {
		log_err("gate: nftables unavailable: %s", kernel_cause(rc));
		goto out;
	}
	nft_render_remove(table, &g.sb);
	rc = run(&g, strbuf_str(&g.sb));
	if (rc < 0)
		log_err("gate: cannot delete table inet %s: %s", table, g.err);
	else
		log_info("gate: table inet %s deleted; guarded ports are no longer guarded", table);
out:
	nftq_close(&g.q);
	strbuf_fini(&g.sb);
	return rc;
}
