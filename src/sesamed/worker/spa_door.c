/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spa_door — see spa_door.h.
 *
 * Hot-path budget: a garbage packet costs a length compare; a packet with
 * a made-up key id costs one hash probe; a packet outside the time window
 * costs a compare; only the rest pay for an AEAD open (about 1 µs; or
 * the HMAC of each fwknop door on the port).  Nothing is allocated per
 * packet.  Which doors listen on a port is one probe of a port index
 * (portidx.h): a UDP packet costs nothing per door that does not listen
 * on its port.
 *
 * Nothing a forged packet does changes what happens to an authentic one:
 * no state before authentication is keyed on what a sender chooses
 * (source address, key id), so there is no budget that forgeries could
 * spend in a victim's name.  Authentication costs less than capturing the
 * packet did, so it is not rationed; the rate limit is per client key
 * and charged only by that key's authentic, fresh packets. */
#include "spa_door.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/crypto.h>

#include "hashseed.h"
#include "log.h"
#include "pages.h"
#include "portidx.h"
#include "replay.h"
#include "spa.h"
#include "spa_keys.h"
#include "fwknop.h"

/* Per client key (native) or per door (fwknop: one shared key), charged
 * by authentic fresh packets only (GCRA): RATE_PER_S sustained, bursts of
 * RATE_BURST.  Only a key holder can spend it. */
#define RATE_PER_S     5
#define RATE_BURST     10
#define RATE_T_MS      (1000ull / RATE_PER_S)
#define RATE_TAU_MS    ((RATE_BURST - 1) * RATE_T_MS)

/* Log limiter: once per (source, reason) per second, and a global cap. */
#define LOGLIM_SLOTS   4096
#define LOG_LINES_PER_S 50

/* Why a packet was refused: counters.h (shared with the parent, which
 * reports the counts by reason). */
enum reason {
	R_SIZE = SPA_R_SIZE, R_VERSION = SPA_R_VERSION, R_UNKNOWN_KEY = SPA_R_UNKNOWN_KEY,
	R_RATE = SPA_R_RATE, R_STALE = SPA_R_STALE, R_FUTURE = SPA_R_FUTURE,
	R_AUTH = SPA_R_AUTH, R_MALFORMED = SPA_R_MALFORMED, R_REPLAY = SPA_R_REPLAY,
	R_CACHE = SPA_R_CACHE, R_PORT = SPA_R_PORT, R_ADDRESS = SPA_R_ADDRESS,
	R_FWKNOP = SPA_R_FWKNOP, R_LEGACY = SPA_R_LEGACY, R_WRONG_PORT = SPA_R_WRONG_PORT,
	R_WRONG_DOOR = SPA_R_WRONG_DOOR, R_NO_ADDRESS = SPA_R_NO_ADDRESS,
	R_COUNT = SPA_R_COUNT
};
#define reason_text spa_refusal_text

struct keyent {
	bool used;
	uint8_t id[SPA_KEYID_LEN];
	uint32_t door;
	uint8_t key[SPA_KEY_LEN];
	char name[SPA_KEY_NAME_MAX];
	uint64_t tat;                   /* GCRA theoretical arrival, ms */
};

struct loglim_slot {
	struct addr addr;
	uint8_t reason;
	uint64_t sec;
};

/* The doors' keys, hashed by key id; built whole from one config. */
struct keytab {
	const struct config *cfg;
	struct keyent *keys;
	size_t kmask;
	/* Per door: the tag a v2 packet names it by, and the rate limiter
	 * of fwknop doors (one key for all their clients). */
	uint8_t (*door_tag)[SPA_DOOR_TAG_LEN];
	uint64_t *door_tat;
	/* (UDP, SPA_Port) -> the SPA doors of either format on it. */
	struct portidx *ports;
};

struct spa_doors {
	struct keytab kt;
	struct keytab pending;          /* spa_doors_prepare() .. commit/abort */
	struct replay *replay;
	struct spa_aead *aead;
	struct loglim_slot *loglim;
	uint64_t seed;
	uint64_t log_sec;
	unsigned log_lines;
	uint64_t log_dropped;
	struct spa_stats stats;
	uint8_t last_id[REPLAY_ID_LEN];         /* spa_doors_last_packet() */
	uint64_t last_expire_s;
};

static uint64_t keyid_hash(const uint8_t id[SPA_KEYID_LEN])
{
	/* Key ids are SHA-256 output: already uniform.  Packets may name any
	 * id, but they can only probe, never insert. */
	uint64_t h;
	memcpy(&h, id, sizeof h);
	return h;
}

static struct keyent *key_find(const struct keytab *t, const uint8_t id[SPA_KEYID_LEN],
			       uint16_t port)
{
	if (!t->keys)
		return NULL;
	for (size_t i = keyid_hash(id) & t->kmask; t->keys[i].used; i = (i + 1) & t->kmask) {
		struct keyent *k = &t->keys[i];
		if (CRYPTO_memcmp(k->id, id, SPA_KEYID_LEN) == 0 &&
		    t->cfg->doors[k->door].spa_port == port)
			return k;
	}
	return NULL;
}

static void keytab_free(struct keytab *t)
{
	if (t->keys) {
		OPENSSL_cleanse(t->keys, (t->kmask + 1) * sizeof *t->keys);
		free(t->keys);
	}
	free(t->door_tag);
	free(t->door_tat);
	portidx_free(t->ports);
	memset(t, 0, sizeof *t);
}

/* Reads every key file of CFG into T (left empty on failure, logged). */
static int keytab_build(struct keytab *t, const struct config *cfg)
{
	memset(t, 0, sizeof *t);
	t->cfg = cfg;
	struct spa_key **per = calloc(cfg->ndoors ? cfg->ndoors : 1, sizeof *per);
	int *nper = calloc(cfg->ndoors ? cfg->ndoors : 1, sizeof *nper);
	int rc = 0;
	size_t total = 0;
	if (!per || !nper) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t d = 0; d < cfg->ndoors; d++) {
		const struct door *door = &cfg->doors[d];
		if (door->spa_format != SPA_FORMAT_SESAME)
			continue;
		if (!door->spa_keys) {
			log_err("%s:%u: door %s: an SPA door needs SPA_Keys",
				cfg->path ? cfg->path : "config", door->line, door->name);
			rc = -EINVAL;
			continue;
		}
		int n = spa_keys_load(door->spa_keys, NULL, NULL, &per[d]);
		if (n < 0) {
			rc = n;
			continue;
		}
		nper[d] = n;
		total += (size_t)n;
		if (n == 0)
			log_warn("door %s: %s holds no key: nobody can open this door",
				 door->name, door->spa_keys);
	}
	for (size_t d = 0; d < cfg->ndoors; d++) {
		const struct door *door = &cfg->doors[d];
		if (door->spa_format == SPA_FORMAT_FWKNOP &&
		    (!door->fwknop_key_len || !door->fwknop_hmac_key_len)) {
			log_err("%s:%u: door %s: an fwknop door needs Fwknop_Key(_Base64) and "
				"Fwknop_HMAC_Key(_Base64)", cfg->path ? cfg->path : "config",
				door->line, door->name);
			rc = -EINVAL;
		}
	}
	if (rc < 0)
		goto out;
	size_t slots = 16;
	while (slots < 2 * total)
		slots *= 2;
	t->keys = calloc(slots, sizeof *t->keys);
	if (!t->keys) {
		rc = -ENOMEM;
		goto out;
	}
	t->kmask = slots - 1;
	t->door_tag = calloc(cfg->ndoors ? cfg->ndoors : 1, sizeof *t->door_tag);
	t->door_tat = calloc(cfg->ndoors ? cfg->ndoors : 1, sizeof *t->door_tat);
	if (!t->door_tag || !t->door_tat) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t d = 0; d < cfg->ndoors; d++)
		spa_door_tag(cfg->doors[d].name, t->door_tag[d]);
	size_t nspa = 0;
	for (size_t d = 0; d < cfg->ndoors; d++)
		nspa += cfg->doors[d].spa_format != SPA_FORMAT_NONE;
	rc = portidx_new(nspa, &t->ports);
	if (rc < 0) {
		log_err("SPA port index of %zu doors: %s", nspa, strerror(-rc));
		goto out;
	}
	for (size_t d = 0; d < cfg->ndoors; d++)
		if (cfg->doors[d].spa_format != SPA_FORMAT_NONE)
			(void)portidx_add(t->ports, PROTO_UDP, cfg->doors[d].spa_port, (uint32_t)d);
	portidx_seal(t->ports);
	for (size_t d = 0; d < cfg->ndoors; d++) {
		for (int j = 0; j < nper[d]; j++) {
			const struct spa_key *k = &per[d][j];
			const struct keyent *dup = key_find(t, k->id, cfg->doors[d].spa_port);
			if (dup) {
				log_err("%s:%u: key %s is also authorized on door %s with the same "
					"SPA_Port %u: give each door its own port or its own keys",
					cfg->doors[d].spa_keys, k->line, k->name,
					cfg->doors[dup->door].name, cfg->doors[d].spa_port);
				rc = -EINVAL;
				continue;
			}
			size_t i = keyid_hash(k->id) & t->kmask;
			while (t->keys[i].used)
				i = (i + 1) & t->kmask;
			struct keyent *e = &t->keys[i];
			e->used = true;
			e->door = (uint32_t)d;
			memcpy(e->id, k->id, SPA_KEYID_LEN);
			memcpy(e->key, k->key, SPA_KEY_LEN);
			memcpy(e->name, k->name, sizeof e->name);
		}
	}
out:
	if (per)
		for (size_t d = 0; d < cfg->ndoors; d++)
			spa_keys_free(per[d], (size_t)nper[d]);
	free(per);
	free(nper);
	if (rc < 0)
		keytab_free(t);
	return rc;
}

void spa_doors_free(struct spa_doors *s)
{
	if (!s)
		return;
	keytab_free(&s->kt);
	keytab_free(&s->pending);
	replay_close(s->replay);
	spa_aead_free(s->aead);
	pages_free(s->loglim, LOGLIM_SLOTS * sizeof *s->loglim);
	free(s);
}

size_t spa_doors_files(const struct spa_doors *s, int *fds, size_t max)
{
	return replay_files(s->replay, fds, max);
}

int spa_doors_new(const struct config *cfg, struct spa_doors **out)
{
	*out = NULL;
	struct spa_doors *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->aead = spa_aead_new();
	s->loglim = pages_alloc(LOGLIM_SLOTS * sizeof *s->loglim);
	s->seed = hashseed_new();
	if (!s->aead || !s->loglim) {
		spa_doors_free(s);
		return -ENOMEM;
	}
	int rc = keytab_build(&s->kt, cfg);
	if (rc == 0) {
		if (!cfg->replay_cache)
			log_warn("no ReplayCache: replayed SPA packets are refused only until a restart");
		rc = replay_open(cfg->replay_cache, REPLAY_CAP_DEFAULT, (uint64_t)time(NULL),
				 &s->replay);
	}
	if (rc < 0) {
		spa_doors_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int spa_doors_prepare(struct spa_doors *s, const struct config *new_cfg)
{
	keytab_free(&s->pending);
	if (s->kt.cfg && new_cfg->replay_cache && s->kt.cfg->replay_cache &&
	    strcmp(new_cfg->replay_cache, s->kt.cfg->replay_cache) != 0)
		log_warn("ReplayCache changed to %s: it takes effect at the next start",
			 new_cfg->replay_cache);
	return keytab_build(&s->pending, new_cfg);
}

void spa_doors_commit(struct spa_doors *s)
{
	if (!s->pending.cfg)
		return;
	keytab_free(&s->kt);
	s->kt = s->pending;
	memset(&s->pending, 0, sizeof s->pending);
}

void spa_doors_abort(struct spa_doors *s)
{
	keytab_free(&s->pending);
}

void spa_doors_stats(const struct spa_doors *s, struct spa_stats *out)
{
	*out = s->stats;
}

/* GCRA on the monotonic clock: one more authentic packet of the client
 * whose state is *TAT? */
static bool rate_ok(uint64_t *tat, uint64_t mono_ms)
{
	uint64_t t = *tat > mono_ms ? *tat : mono_ms;
	if (t - mono_ms > RATE_TAU_MS)
		return false;
	*tat = t + RATE_T_MS;
	return true;
}

/* A door of FORMAT on PORT, for refusals before the door is known: the
 * first such door names them, never a door of the other format. */
static const char *door_name_for_port(const struct spa_doors *s, uint16_t port,
				      enum spa_format format)
{
	size_t n;
	const uint32_t *ids = portidx_find(s->kt.ports, PROTO_UDP, port, &n);
	for (size_t k = 0; k < n; k++)
		if (s->kt.cfg->doors[ids[k]].spa_format == format)
			return s->kt.cfg->doors[ids[k]].name;
	return "?";
}

/* Logs a rejection unless this (source, reason) was logged this second or
 * the second's budget is spent.  DETAIL may be NULL. */
static void reject(struct spa_doors *s, const char *door, const struct addr *src,
		   enum reason r, const char *detail, uint64_t now_s)
{
	s->stats.rejected++;
	s->stats.refused[r]++;
	if (r == R_REPLAY)
		s->stats.replayed++;
	struct addr key = *src;
	size_t i = (addr_hash(&key, s->seed ^ (0x9e37ull * (r + 1))) & (LOGLIM_SLOTS - 1));
	struct loglim_slot *l = &s->loglim[i];
	if (l->sec == now_s && l->reason == r && addr_equal(&l->addr, src))
		return;
	if (s->log_sec != now_s) {
		if (s->log_dropped)
			log_warn("spa: %llu more rejections not logged (rate limit on logging)",
				 (unsigned long long)s->log_dropped);
		s->log_sec = now_s;
		s->log_lines = 0;
		s->log_dropped = 0;
	}
	if (s->log_lines >= LOG_LINES_PER_S) {
		s->log_dropped++;
		return;
	}
	s->log_lines++;
	l->addr = *src;
	l->reason = (uint8_t)r;
	l->sec = now_s;
	char a[ADDR_STRLEN];
	addr_format(src, a, sizeof a);
	log_notice("door %s: %s: SPA refused: %s%s%s", door, a, reason_text[r],
		 detail ? ": " : "", detail ? detail : "");
}

/* The door's SPA_Allow_Address rule for a named address other than the
 * packet's source. */
static bool address_allowed(const struct door *d, const struct addr *a)
{
	switch (d->allow) {
	case ALLOW_YES:
		return true;
	case ALLOW_CIDR:
		for (size_t i = 0; i < d->allow_len; i++)
			if (cidr_contains(&d->allow_nets[i], a))
				return true;
		return false;
	default:
		return false;
	}
}

static bool unspecified(const struct addr *a)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < addr_len(a); i++)
		acc |= a->bytes[i];
	return acc == 0;
}

/* What an authentic, fresh packet asks of door DI, whatever its format. */
struct ask {
	const char *who;                /* "key alice", "fwknop user bob" */
	const char *who_short;          /* "alice", "fwknop" (refusal details) */
	const struct addr *addr;        /* NULL: the packet's source */
	struct port_proto ports[CONFIG_OPEN_MAX > SPA_PORTS_MAX ? CONFIG_OPEN_MAX : SPA_PORTS_MAX];
	size_t nports;                  /* 0: the door's whole Open */
	uint32_t timeout_s;             /* 0: the door's */
};

/* The door's policy, the same for both formats: ports within Open (each
 * once), the address rules, then the grant (which the worker checks with
 * grant_validate() before it sends it, as the parent will). */
static bool grant_for(struct spa_doors *s, size_t di, const struct knock_event *ev,
		      struct ask *ask, uint64_t now_s, struct grant *gr)
{
	const struct door *d = &s->kt.cfg->doors[di];
	if (ask->nports && d->open_len == 0) {
		reject(s, d->name, &ev->saddr, R_PORT, "the door has no Open", now_s);
		return false;
	}
	for (size_t i = 0; i < ask->nports; i++) {
		if (!grant_door_opens(d, &ask->ports[i])) {
			char what[96];
			snprintf(what, sizeof what, "%s asked for %u/%s", ask->who_short,
				 ask->ports[i].port, port_proto_name(ask->ports[i].proto));
			reject(s, d->name, &ev->saddr, R_PORT, what, now_s);
			return false;
		}
	}
#ifndef SESAME_MUTANT_NO_PORT_DEDUP
	/* "22/tcp,22/tcp" is one port: a grant lists each port once. */
	ask->nports = grant_dedup_ports(ask->ports, ask->nports);
#endif
	if (!ask->addr && d->spa_require_address) {
		reject(s, d->name, &ev->saddr, R_NO_ADDRESS, ask->who_short, now_s);
		return false;
	}
	struct addr target = ev->saddr;
	if (ask->addr && !addr_equal(ask->addr, &ev->saddr)) {
		/* 0.0.0.0 or :: named as such opens nothing for anyone. */
		if (unspecified(ask->addr) || !address_allowed(d, ask->addr)) {
			char a[ADDR_STRLEN], what[SPA_KEY_NAME_MAX + ADDR_STRLEN + 16];
			addr_format(ask->addr, a, sizeof a);
			snprintf(what, sizeof what, "%s asked for %s", ask->who_short, a);
			reject(s, d->name, &ev->saddr, R_ADDRESS, what, now_s);
			return false;
		}
		target = *ask->addr;
	}
	memset(gr, 0, sizeof *gr);
	gr->door = (uint32_t)di;
	gr->addr = target;
	if (ask->timeout_s && ask->timeout_s < d->open_timeout_s)
		gr->timeout_s = ask->timeout_s;
	gr->nports = (uint32_t)ask->nports;
	memcpy(gr->ports, ask->ports, ask->nports * sizeof ask->ports[0]);
	s->stats.granted++;
	char a[ADDR_STRLEN], t[ADDR_STRLEN];
	addr_format(&ev->saddr, a, sizeof a);
	addr_format(&target, t, sizeof t);
	log_notice("door %s: %s: SPA accepted: %s, for %s", d->name, a, ask->who, t);
	return true;
}

static bool check_native(struct spa_doors *s, const struct knock_event *ev,
			 uint64_t now_s, uint64_t mono_ms, struct grant *gr)
{
	const char *pdoor = door_name_for_port(s, ev->dport, SPA_FORMAT_SESAME);
	struct spa_header h;
	int rc = spa_parse_header(ev->payload, ev->payload_len, &h);
	if (rc < 0) {
		reject(s, pdoor, &ev->saddr, rc == -EMSGSIZE ? R_SIZE : R_VERSION, NULL, now_s);
		return false;
	}
	struct keyent *k = key_find(&s->kt, h.key_id, ev->dport);
	if (!k) {
		reject(s, pdoor, &ev->saddr, R_UNKNOWN_KEY, NULL, now_s);
		return false;
	}
	const struct door *d = &s->kt.cfg->doors[k->door];
	if (h.version == SPA_VERSION_LEGACY && !d->spa_accept_v1) {
		reject(s, d->name, &ev->saddr, R_LEGACY, k->name, now_s);
		return false;
	}
	uint64_t win = d->spa_window_s;
	if (h.timestamp < now_s && now_s - h.timestamp > win) {
		reject(s, d->name, &ev->saddr, R_STALE, k->name, now_s);
		return false;
	}
	if (h.timestamp > now_s && h.timestamp - now_s > win) {
		reject(s, d->name, &ev->saddr, R_FUTURE, k->name, now_s);
		return false;
	}
	struct spa_request req;
	rc = spa_open(s->aead, k->key, ev->payload, ev->payload_len, &req);
	if (rc < 0) {
		reject(s, d->name, &ev->saddr, rc == -EINVAL ? R_MALFORMED : R_AUTH, k->name, now_s);
		return false;
	}
	/* Authentic from here on.  A v2 packet says where it was sent: a
	 * copy redirected to another door's port is not for this door. */
	bool ok = false;
	char what[SPA_KEY_NAME_MAX + 48];
	if (req.version == SPA_VERSION && req.dport != ev->dport) {
		snprintf(what, sizeof what, "%s sent it to port %u", k->name, req.dport);
		reject(s, d->name, &ev->saddr, R_WRONG_PORT, what, now_s);
		goto out;
	}
	static const uint8_t any_door[SPA_DOOR_TAG_LEN];
	if (req.version == SPA_VERSION && memcmp(req.door_tag, any_door, sizeof any_door) != 0 &&
	    memcmp(req.door_tag, s->kt.door_tag[k->door], SPA_DOOR_TAG_LEN) != 0) {
		reject(s, d->name, &ev->saddr, R_WRONG_DOOR, k->name, now_s);
		goto out;
	}
	/* Record it before anything can grant. */
	uint8_t id[REPLAY_ID_LEN] = { 0 };
	memcpy(id, h.key_id, SPA_KEYID_LEN);
	memcpy(id + SPA_KEYID_LEN, h.nonce, SPA_NONCE_LEN);
	uint64_t owner = 0;             /* the key: one key, one budget */
	memcpy(&owner, h.key_id, sizeof owner < SPA_KEYID_LEN ? sizeof owner : SPA_KEYID_LEN);
	rc = replay_check_add_owned(s->replay, id, owner | 1, h.timestamp + win + 1, now_s);
	if (rc < 0) {
		reject(s, d->name, &ev->saddr, rc == -EEXIST ? R_REPLAY : R_CACHE, k->name, now_s);
		goto out;
	}
	memcpy(s->last_id, id, sizeof s->last_id);
	s->last_expire_s = h.timestamp + win + 1;
	/* Only fresh, authentic packets of this key reach its limiter:
	 * nobody else can spend it, not even by replaying its packets. */
	if (!rate_ok(&k->tat, mono_ms)) {
		reject(s, d->name, &ev->saddr, R_RATE, k->name, now_s);
		goto out;
	}
	char who[SPA_KEY_NAME_MAX + 8];
	snprintf(who, sizeof who, "key %s", k->name);
	struct ask ask = { .who = who, .who_short = k->name,
			   .addr = req.addr.family ? &req.addr : NULL, .nports = req.nports };
	memcpy(ask.ports, req.ports, req.nports * sizeof req.ports[0]);
	ok = grant_for(s, k->door, ev, &ask, now_s, gr);
	OPENSSL_cleanse(&ask, sizeof ask);
out:
	OPENSSL_cleanse(&req, sizeof req);
	return ok;
}

/* fwknop's format: no key id, so each fwknop door on the port tries its
 * keys; fwknop_decode() checks the HMAC before it decrypts anything. */
static enum reason fwknop_reason(int err)
{
	switch (err) {
	case FWKNOP_ERR_SIZE: return R_SIZE;
	case FWKNOP_ERR_HMAC: case FWKNOP_ERR_NO_HMAC: return R_AUTH;
	default: return R_MALFORMED;
	}
}

static bool check_fwknop(struct spa_doors *s, const struct knock_event *ev,
			 uint64_t now_s, uint64_t mono_ms, struct grant *gr)
{
	const struct config *cfg = s->kt.cfg;
	const char *pdoor = door_name_for_port(s, ev->dport, SPA_FORMAT_FWKNOP);
	if (ev->payload_len == 0 || ev->payload_len > FWKNOP_WIRE_MAX) {
		reject(s, pdoor, &ev->saddr, R_SIZE, "fwknop", now_s);
		return false;
	}
	struct fwknop_msg msg;
	const struct door *d = NULL;
	size_t di = 0;
	int rc = FWKNOP_ERR_HMAC;
	size_t nd;
	const uint32_t *ids = portidx_find(s->kt.ports, PROTO_UDP, ev->dport, &nd);
	for (size_t k = 0; k < nd; k++) {
		size_t i = ids[k];
		const struct door *c = &cfg->doors[i];
		if (c->spa_format != SPA_FORMAT_FWKNOP)
			continue;
		struct fwknop_keys keys = {
			.key = c->fwknop_key, .key_len = c->fwknop_key_len,
			.hmac_key = c->fwknop_hmac_key, .hmac_key_len = c->fwknop_hmac_key_len,
			.hmac_digest = c->fwknop_hmac_digest,
		};
		rc = fwknop_decode(ev->payload, ev->payload_len, &keys, &msg);
		d = c;
		di = i;
		if (rc != FWKNOP_ERR_HMAC)
			break;          /* this door's keys: its verdict */
	}
	if (rc != FWKNOP_OK) {
		char what[96];
		snprintf(what, sizeof what, "fwknop: %s", fwknop_strerror(rc));
		reject(s, d ? d->name : pdoor, &ev->saddr, fwknop_reason(rc), what, now_s);
		return false;
	}
	bool ok = false;
	uint64_t win = d->spa_window_s;
	if (!fwknop_time_ok(&msg, now_s, (unsigned)win)) {
		reject(s, d->name, &ev->saddr, msg.timestamp < now_s ? R_STALE : R_FUTURE,
		       "fwknop", now_s);
		goto out;
	}
	uint8_t id[REPLAY_ID_LEN];
	fwknop_replay_key(ev->payload, ev->payload_len, id);
	/* An fwknop door has one key: the door is the owner. */
	rc = replay_check_add_owned(s->replay, id, (1ull << 63) | di, msg.timestamp + win + 1,
				    now_s);
	if (rc < 0) {
		reject(s, d->name, &ev->saddr, rc == -EEXIST ? R_REPLAY : R_CACHE, "fwknop", now_s);
		goto out;
	}
	if (!rate_ok(&s->kt.door_tat[di], mono_ms)) {
		reject(s, d->name, &ev->saddr, R_RATE, "fwknop", now_s);
		goto out;
	}
	memcpy(s->last_id, id, sizeof s->last_id);
	s->last_expire_s = msg.timestamp + win + 1;
	if (!fwknop_msg_is_access(&msg)) {
		char what[96];
		snprintf(what, sizeof what, "fwknop %s messages are not supported",
			 fwknop_msg_type_name(msg.type));
		reject(s, d->name, &ev->saddr, R_MALFORMED, what, now_s);
		goto out;
	}
	char who[FWKNOP_USER_MAX + 16];
	snprintf(who, sizeof who, "fwknop user %s", msg.username);
	struct ask ask = { .who = who, .who_short = "fwknop",
			   .addr = msg.addr_any ? NULL : &msg.addr, .nports = msg.nports,
			   .timeout_s = msg.client_timeout };
	memcpy(ask.ports, msg.ports, msg.nports * sizeof msg.ports[0]);
	ok = grant_for(s, di, ev, &ask, now_s, gr);
	OPENSSL_cleanse(&ask, sizeof ask);
out:
	OPENSSL_cleanse(&msg, sizeof msg);
	return ok;
}

void spa_doors_last_packet(const struct spa_doors *s, uint8_t id[32], uint64_t *expire_s)
{
	_Static_assert(REPLAY_ID_LEN == 32, "replay ids are 32 bytes");
	memcpy(id, s->last_id, REPLAY_ID_LEN);
	*expire_s = s->last_expire_s;
}

bool spa_doors_check(struct spa_doors *s, const struct knock_event *ev,
		     uint64_t now_s, uint64_t mono_ms, struct grant *gr)
{
	if (ev->proto != PROTO_UDP)
		return false;
	bool native = false, fwk = false;
	size_t nd;
	const uint32_t *ids = portidx_find(s->kt.ports, ev->proto, ev->dport, &nd);
	for (size_t k = 0; k < nd; k++) {
		native |= s->kt.cfg->doors[ids[k]].spa_format == SPA_FORMAT_SESAME;
		fwk |= s->kt.cfg->doors[ids[k]].spa_format == SPA_FORMAT_FWKNOP;
	}
	if (!native && !fwk)
		return false;           /* not an SPA port: not ours to count */
	s->stats.seen++;
	/* fwknop packets are base64 text: they never start with a byte 1 or 2. */
	if (native && (!fwk || (ev->payload_len == SPA_PACKET_LEN &&
				(ev->payload[0] == SPA_VERSION ||
				 ev->payload[0] == SPA_VERSION_LEGACY))))
		return check_native(s, ev, now_s, mono_ms, gr);
	return check_fwknop(s, ev, now_s, mono_ms, gr);
}
