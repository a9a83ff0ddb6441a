/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rotdoor — see rotdoor.h; the derivation is rotseq.c's, the rules are in
 * docs/rotating.md.
 *
 * Per packet: one bitmap, the union of every door's, stops a packet to
 * no rotating door's port, whatever the number of doors; a packet that
 * passes is offered to each door, which tests its own bitmap (a bit per
 * door: its ports change every period, and a bound door's are its whole
 * allowed set, so a port -> doors index would be rebuilt at every step
 * and could hold doors x ports entries).  Every door is brought to the
 * packet's time step before, as when each door turned on its own: the
 * span of wall-clock seconds in which no door has a step to turn is
 * kept, and outside it every door turns. */
#include "rotdoor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "hashseed.h"
#include "log.h"
#include "numparse.h"
#include "pages.h"
#include "spent.h"
#include "rotseq.h"

#define LIVE       3                    /* steps accepted: c-1, c, c+1 */
#define WAYS       8                    /* entries per set of the attempt table */
#define CANDS      4                    /* client sequences one attempt follows */
#define NO_ENTRY   UINT32_MAX

struct rot_door {
	const struct door *cfg;
	uint32_t index;                 /* in cfg->doors */
	struct rotseq_secret *sec;
	size_t nsec;
	size_t spent_base;              /* entry of client 0 in the spent file */
	struct rotseq_set set;
	size_t len;
	bool built;
	uint64_t counter;               /* the step the table was built for */
	uint64_t from_s, until_s;       /* its wall-clock span [from, until) */
	/* Slot counter % LIVE holds that step's sequences, nsec * len. */
	struct port_proto *seq[LIVE];
	uint64_t slot_counter[LIVE];
	bool slot_valid[LIVE];
	/* First knocks: chained hash of candidate ids (slot * nsec + client). */
	uint32_t *head, *next;
	size_t mask;
	/* Ports of every live step (first knocks only when bound): [0] tcp,
	 * [1] udp. */
	uint8_t portmap[2][ROTSEQ_BITMAP_BYTES];
};

struct rot_attempt {
	struct addr addr;
	uint64_t start_ms;
	uint64_t counter[CANDS];
	uint32_t client[CANDS];
	uint32_t door;                  /* index into r->door */
	uint16_t sport;
	uint8_t stage, ncand;           /* stage 0: a free entry */
};

struct rotdoors {
	const struct config *cfg;
	struct rot_door *door;
	size_t ndoors;
	struct rot_attempt *att;
	size_t nsets;                   /* power of two */
	uint64_t seed;
	struct spent *spent;
	/* Every door's portmap ORed, and the seconds [from, until) in which
	 * it holds (every door's step is the same throughout). */
	uint8_t anymap[2][ROTSEQ_BITMAP_BYTES];
	uint64_t from_s, until_s;
	bool turned;
};

static int proto_slot(uint8_t proto)
{
	return proto == PROTO_TCP ? 0 : proto == PROTO_UDP ? 1 : -1;
}

static bool same_step(const struct port_proto *p, const struct knock_event *ev)
{
	return p->port == ev->dport && p->proto == ev->proto;
}

bool rotdoors_wanted(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->ndoors; i++)
		if (door_is_rotating(&cfg->doors[i]))
			return true;
	return false;
}

#define rot_log(lvl, rd, addr, fmt, ...) do {                                   \
	if (log_get_level() >= (lvl)) {                                         \
		char ab_[ADDR_STRLEN];                                          \
		log_msg((lvl), "door %s: %s: " fmt, (rd)->cfg->name,            \
			addr_format((addr), ab_, sizeof ab_), ##__VA_ARGS__);   \
	}                                                                       \
} while (0)

/* --- the table of live sequences -------------------------------------------- */

static uint32_t step_hash(uint16_t port, uint8_t proto, size_t mask)
{
	uint32_t k = (uint32_t)port << 1 | (proto == PROTO_UDP);
	k *= 0x9e3779b1u;
	return (k ^ (k >> 15)) & (uint32_t)mask;
}

static const struct port_proto *slot_seq(const struct rot_door *d, unsigned slot, size_t client)
{
	return d->seq[slot] + client * d->len;
}

/* Computes slot SLOT for step C.  A client whose sequence cannot be
 * derived (never, with a set checked at load) gets no candidate. */
static void fill_slot(struct rot_door *d, unsigned slot, uint64_t c)
{
	for (size_t k = 0; k < d->nsec; k++) {
		struct port_proto *out = d->seq[slot] + k * d->len;
		int rc = rotseq_derive(d->sec[k].key, d->sec[k].len, d->cfg->name, c, NULL,
				       &d->set, (enum rotseq_protos)d->cfg->rot_protos, d->len, out);
		if (rc < 0) {
			log_err("door %s: client %s: cannot derive the sequence: %s",
				d->cfg->name, d->sec[k].name, strerror(-rc));
			memset(out, 0, d->len * sizeof *out);
		}
	}
	d->slot_counter[slot] = c;
	d->slot_valid[slot] = true;
}

static void index_build(struct rot_door *d)
{
	memset(d->portmap, 0, sizeof d->portmap);
	for (size_t b = 0; b <= d->mask; b++)
		d->head[b] = NO_ENTRY;
	for (unsigned s = 0; s < LIVE; s++) {
		if (!d->slot_valid[s])
			continue;
		for (size_t k = 0; k < d->nsec; k++) {
			const struct port_proto *q = slot_seq(d, s, k);
			if (q[0].port == 0)
				continue;
			uint32_t id = (uint32_t)(s * d->nsec + k);
			uint32_t b = step_hash(q[0].port, q[0].proto, d->mask);
			d->next[id] = d->head[b];
			d->head[b] = id;
			size_t steps = d->cfg->rot_bind ? 1 : d->len;
			for (size_t i = 0; i < steps; i++) {
				int p = proto_slot(q[i].proto);
				if (p >= 0)
					rotseq_bit_set(d->portmap[p], q[i].port);
			}
		}
	}
	if (d->cfg->rot_bind) {
		/* Later knocks depend on the address: any allowed port may be
		 * one. */
		for (size_t i = 0; i < d->set.n; i++) {
			rotseq_bit_set(d->portmap[0], d->set.ports[i]);
			rotseq_bit_set(d->portmap[1], d->set.ports[i]);
		}
	}
}

/* Brings D to the step of UNIX_S: only the slots that changed are
 * computed again (one per period in steady state). */
static void door_turn(struct rot_door *d, uint64_t unix_s)
{
	if (d->built && unix_s >= d->from_s && unix_s < d->until_s)
		return;                 /* the common case: no division */
	uint64_t c = rotseq_counter((int64_t)unix_s, d->cfg->rot_period_s);
	d->from_s = c * d->cfg->rot_period_s;
	d->until_s = d->from_s + d->cfg->rot_period_s;
	if (d->built && c == d->counter)
		return;
	for (unsigned s = 0; s < LIVE; s++)
		d->slot_valid[s] = d->slot_valid[s] && d->slot_counter[s] + 1 >= c &&
				   d->slot_counter[s] <= c + 1;
	for (uint64_t k = c ? c - 1 : c; k <= c + 1; k++) {
		unsigned s = (unsigned)(k % LIVE);
		if (!d->slot_valid[s] || d->slot_counter[s] != k)
			fill_slot(d, s, k);
	}
	index_build(d);
	d->counter = c;
	d->built = true;
}

void rotdoors_turn(struct rotdoors *r, uint64_t unix_s)
{
	memset(r->anymap, 0, sizeof r->anymap);
	r->from_s = 0;
	r->until_s = UINT64_MAX;
	for (size_t i = 0; i < r->ndoors; i++) {
		struct rot_door *d = &r->door[i];
		door_turn(d, unix_s);
		for (int p = 0; p < 2; p++)
			for (size_t b = 0; b < ROTSEQ_BITMAP_BYTES; b++)
				r->anymap[p][b] |= d->portmap[p][b];
		if (d->from_s > r->from_s)
			r->from_s = d->from_s;
		if (d->until_s < r->until_s)
			r->until_s = d->until_s;
	}
	r->turned = true;
}

/* The sequence of candidate (CLIENT, C) for knocks from ADDR: from the
 * table, or derived into BUF on a bound door. */
static const struct port_proto *cand_seq(const struct rot_door *d, uint32_t client, uint64_t c,
					 const struct addr *addr, struct port_proto *buf)
{
	unsigned s = (unsigned)(c % LIVE);
	if (!d->slot_valid[s] || d->slot_counter[s] != c)
		return NULL;            /* the step left the window */
	if (!d->cfg->rot_bind)
		return slot_seq(d, s, client);
	const struct rotseq_secret *k = &d->sec[client];
	if (rotseq_derive(k->key, k->len, d->cfg->name, c, addr, &d->set,
			  (enum rotseq_protos)d->cfg->rot_protos, d->len, buf) < 0)
		return NULL;
	return buf;
}

/* --- attempts ------------------------------------------------------------- */

static struct rot_attempt *set_of(struct rotdoors *r, const struct addr *a, uint32_t door)
{
	uint64_t h = addr_hash(a, r->seed ^ ((uint64_t)door * 0x9e3779b97f4a7c15ull));
	return &r->att[(h & (r->nsets - 1)) * WAYS];
}

static struct rot_attempt *att_find(struct rotdoors *r, const struct addr *a, uint32_t door)
{
	struct rot_attempt *set = set_of(r, a, door);
	for (size_t i = 0; i < WAYS; i++)
		if (set[i].stage && set[i].door == door && addr_equal(&set[i].addr, a))
			return &set[i];
	return NULL;
}

/* A free entry of A's set, or its oldest (evicted: a flood of first
 * knocks only ever pushes out other attempts of its own set). */
static struct rot_attempt *att_add(struct rotdoors *r, const struct addr *a, uint32_t door)
{
	struct rot_attempt *set = set_of(r, a, door), *victim = &set[0];
	for (size_t i = 0; i < WAYS; i++) {
		if (set[i].stage == 0)
			return &set[i];
		if (set[i].start_ms < victim->start_ms)
			victim = &set[i];
	}
	return victim;
}

static void att_free(struct rot_attempt *a)
{
	a->stage = 0;
}

/* --- spent marks ------------------------------------------------------------ */

static const char *offset_name(int64_t off)
{
	return off < 0 ? "previous" : off > 0 ? "next" : "current";
}

/* What spending step C of CLIENT on D means to the fleet (rotdoor.h). */
static void spent_for_fleet(const struct rot_door *d, uint32_t client, uint64_t c,
			    struct rotdoor_spent *sp)
{
	static const char tag[] = "sesame rotating";     /* NUL included below */
	const struct rotseq_secret *k = &d->sec[client];
	uint8_t buf[sizeof tag + CONFIG_NAME_MAX + 1 + ROTSEQ_SECRET_MAX + 8];
	size_t n = 0, name = strnlen(d->cfg->name, CONFIG_NAME_MAX - 1);
	size_t klen = k->len < ROTSEQ_SECRET_MAX ? k->len : ROTSEQ_SECRET_MAX;
	memcpy(buf, tag, sizeof tag);
	n += sizeof tag;
	memcpy(buf + n, d->cfg->name, name);
	n += name;
	buf[n++] = 0;
	/* The length first: secrets of 16..64 bytes never run into the step. */
	buf[n++] = (uint8_t)klen;
	memcpy(buf + n, k->key, klen);
	n += klen;
	for (int i = 7; i >= 0; i--)
		buf[n++] = (uint8_t)(c >> (8 * i));
	SHA256(buf, n, sp->id);
	OPENSSL_cleanse(buf, sizeof buf);
	/* Step C is live while the current step is C-1, C or C+1. */
	sp->expire_s = (c + 2) * d->cfg->rot_period_s;
}

/* The last knock of an attempt: the first of its candidates not spent yet
 * gets the grant (and SP, when not NULL, what it spent). */
static size_t complete(struct rotdoors *r, struct rot_door *d,
		       const uint32_t *client, const uint64_t *ctr, size_t n,
		       const struct knock_event *ev, struct grant *out,
		       struct rotdoor_spent *sp, size_t room)
{
	uint64_t now_c = d->counter;
	for (size_t i = 0; i < n; i++) {
		size_t entry = d->spent_base + client[i];
		const char *who = d->sec[client[i]].name;
		const char *when = offset_name((int64_t)(ctr[i] - now_c));
		if (spent_test(r->spent, entry, ctr[i])) {
			rot_log(LOG_WARNING, d, &ev->saddr, "replay of client %s's sequence of the "
				"%s time step (%" PRIu64 "), already spent: ignored", who, when, ctr[i]);
			continue;
		}
		if (room == 0) {
			rot_log(LOG_WARNING, d, &ev->saddr, "sequence complete but no room for "
				"the grant");
			return 0;
		}
		int rc = spent_mark(r->spent, entry, ctr[i]);
		if (rc < 0) {
			rot_log(LOG_ERR, d, &ev->saddr, "client %s: cannot record the sequence "
				"as spent (%s): not opened", who, strerror(-rc));
			return 0;
		}
		rot_log(LOG_INFO, d, &ev->saddr, "sequence complete (client %s, %s time step "
			"%" PRIu64 ")", who, when, ctr[i]);
		memset(out, 0, sizeof *out);
		out->door = d->index;
		out->addr = ev->saddr;
		if (sp)
			spent_for_fleet(d, client[i], ctr[i], sp);
		return 1;
	}
	return 0;
}

static bool door_accepts(const struct rot_door *d, const struct knock_event *ev)
{
	const struct door *c = d->cfg;
	if (c->target.family && !addr_equal(&c->target, &ev->daddr))
		return false;
	/* Without TCPFlags, SYN and not ACK (see capture.c). */
	uint8_t set = c->has_tcpflags ? c->tcpflags_set : TCPF_SYN;
	uint8_t clear = c->has_tcpflags ? c->tcpflags_clear : TCPF_ACK;
	if (ev->proto == PROTO_TCP &&
	    ((ev->tcpflags & set) != set || (ev->tcpflags & clear) != 0))
		return false;
	int p = proto_slot(ev->proto);
	return p >= 0 && rotseq_bit(d->portmap[p], ev->dport);
}

static bool seq_holds(const struct port_proto *q, size_t len, const struct knock_event *ev)
{
	for (size_t i = 0; i < len; i++)
		if (same_step(&q[i], ev))
			return true;
	return false;
}

static bool is_first(const struct rot_door *d, const struct knock_event *ev)
{
	uint32_t b = step_hash(ev->dport, ev->proto, d->mask);
	for (uint32_t id = d->head[b]; id != NO_ENTRY; id = d->next[id])
		if (same_step(&slot_seq(d, id / (uint32_t)d->nsec, id % (uint32_t)d->nsec)[0], ev))
			return true;
	return false;
}

/* A first knock: an attempt following every live sequence it starts. */
static void start(struct rotdoors *r, struct rot_door *d, uint32_t di,
		  const struct knock_event *ev, uint64_t now)
{
	uint32_t b = step_hash(ev->dport, ev->proto, d->mask);
	struct rot_attempt *a = NULL;
	for (uint32_t id = d->head[b]; id != NO_ENTRY; id = d->next[id]) {
		unsigned s = id / (uint32_t)d->nsec;
		uint32_t k = id % (uint32_t)d->nsec;
		if (!same_step(&slot_seq(d, s, k)[0], ev))
			continue;
		if (!a) {
			a = att_add(r, &ev->saddr, di);
			*a = (struct rot_attempt){ .addr = ev->saddr, .start_ms = now, .door = di,
						   .sport = ev->sport, .stage = 1 };
		}
		if (a->ncand < CANDS) {
			a->client[a->ncand] = k;
			a->counter[a->ncand] = d->slot_counter[s];
			a->ncand++;
		}
	}
	if (a)
		rot_log(LOG_DEBUG, d, &ev->saddr, "stage 1 (%u candidate%s)", a->ncand,
			a->ncand == 1 ? "" : "s");
}

static size_t feed_door(struct rotdoors *r, uint32_t di, const struct knock_event *ev,
			uint64_t now, struct grant *out, struct rotdoor_spent *sp, size_t room)
{
	struct rot_door *d = &r->door[di];
	struct rot_attempt *a = att_find(r, &ev->saddr, di);
	if (a && now >= a->start_ms + d->cfg->seq_timeout_ms) {
		if (a->stage > 1)
			rot_log(LOG_INFO, d, &a->addr, "timeout at stage %u", a->stage);
		att_free(a);
		a = NULL;
	}
	if (a) {
		struct port_proto buf[CONFIG_SEQ_MAX];
		uint32_t keep_client[CANDS];
		uint64_t keep_ctr[CANDS];
		size_t kept = 0;
		bool repeat = false, wrong = false;
		for (size_t i = 0; i < a->ncand; i++) {
			const struct port_proto *q = cand_seq(d, a->client[i], a->counter[i],
							      &ev->saddr, buf);
			if (!q)
				continue;
			if (same_step(&q[a->stage], ev)) {
				keep_client[kept] = a->client[i];
				keep_ctr[kept] = a->counter[i];
				kept++;
			} else if (ev->sport == a->sport && same_step(&q[a->stage - 1], ev)) {
				repeat = true;
			} else if (seq_holds(q, d->len, ev)) {
				wrong = true;
			}
		}
		if (kept) {
			if ((size_t)a->stage + 1 == d->len) {
				size_t n = complete(r, d, keep_client, keep_ctr, kept, ev,
						    out, sp, room);
				att_free(a);
				return n;
			}
			memcpy(a->client, keep_client, kept * sizeof keep_client[0]);
			memcpy(a->counter, keep_ctr, kept * sizeof keep_ctr[0]);
			a->ncand = (uint8_t)kept;
			a->stage++;
			a->sport = ev->sport;
			rot_log(LOG_INFO, d, &ev->saddr, "stage %u", a->stage);
			return 0;
		}
		if (repeat) {
			rot_log(LOG_DEBUG, d, &ev->saddr, "repeat of stage %u ignored", a->stage);
			return 0;
		}
		/* Not a knock of the sequences followed, nor a new start:
		 * none of this door's business. */
		if (!wrong && !is_first(d, ev))
			return 0;
		if (wrong)
			rot_log(LOG_INFO, d, &ev->saddr, "wrong port %u:%s at stage %u", ev->dport,
				port_proto_name(ev->proto), a->stage);
		att_free(a);
	}
	start(r, d, di, ev, now);
	return 0;
}

size_t rotdoors_feed(struct rotdoors *r, const struct knock_event *ev, uint64_t now_ms,
		     uint64_t unix_s, struct grant *out, struct rotdoor_spent *spent,
		     size_t max)
{
	if (!r->turned || unix_s < r->from_s || unix_s >= r->until_s)
		rotdoors_turn(r, unix_s);
	int p = proto_slot(ev->proto);
	if (p < 0 || !rotseq_bit(r->anymap[p], ev->dport))
		return 0;
	size_t n = 0;
	for (uint32_t i = 0; i < r->ndoors; i++)
		if (door_accepts(&r->door[i], ev))
			n += feed_door(r, i, ev, now_ms, out + n, spent ? spent + n : NULL,
				       max - n);
	return n;
}

size_t rotdoors_files(const struct rotdoors *r, int *fds, size_t max)
{
	int fd = r ? spent_fd(r->spent) : -1;
	if (fd < 0 || max == 0)
		return 0;
	fds[0] = fd;
	return 1;
}

size_t rotdoors_attempts(const struct rotdoors *r, size_t door, uint64_t now_ms)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nsets * WAYS; i++) {
		const struct rot_attempt *a = &r->att[i];
		if (a->stage == 0 || r->door[a->door].index != door)
			continue;
		n += now_ms < a->start_ms + r->door[a->door].cfg->seq_timeout_ms;
	}
	return n;
}

/* --- setup ---------------------------------------------------------------- */

static int door_init(struct rot_door *d, const struct config *cfg, uint32_t index)
{
	const struct door *c = &cfg->doors[index];
	d->cfg = c;
	d->index = index;
	d->len = c->rot_length;
	int n = rotseq_secrets_load(c->rot_secrets, NULL, NULL, &d->sec);
	if (n < 0) {
		log_err("door %s: cannot use Sequence_Secrets %s", c->name, c->rot_secrets);
		return n;
	}
	d->nsec = (size_t)n;
	int rc = rotseq_door_set(cfg, c, ROTSEQ_SERVICES, &d->set);
	if (rc < 0)
		return rc;
	if (d->set.n < 2 * d->len) {
		log_err("door %s: only %zu ports left to draw from", c->name, d->set.n);
		return -EINVAL;
	}
	size_t cands = LIVE * (d->nsec ? d->nsec : 1);
	size_t buckets = 64;
	while (buckets < 2 * cands)
		buckets *= 2;
	d->mask = buckets - 1;
	d->head = malloc(buckets * sizeof *d->head);
	d->next = malloc(cands * sizeof *d->next);
	for (unsigned s = 0; s < LIVE; s++)
		d->seq[s] = calloc((d->nsec ? d->nsec : 1) * d->len, sizeof *d->seq[s]);
	if (!d->head || !d->next || !d->seq[0] || !d->seq[1] || !d->seq[2])
		return -ENOMEM;
	log_info("door %s: %zu client%s, %zu ports to draw from", c->name, d->nsec,
		 d->nsec == 1 ? "" : "s", d->set.n);
	return 0;
}

int rotdoors_spent_path(const struct config *cfg, char *buf, size_t len)
{
	if (!cfg->state_dir || !*cfg->state_dir)
		return -ENOENT;
	return snprintf_safe(buf, len, "%s/%s", cfg->state_dir, ROTDOOR_SPENT_FILE) ? 0
										  : -ENAMETOOLONG;
}

/* One entry per (door, client), in door order. */
static int open_spent(struct rotdoors *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->ndoors; i++) {
		r->door[i].spent_base = n;
		n += r->door[i].nsec;
	}
	uint8_t (*keys)[SPENT_KEY_LEN] = calloc(n ? n : 1, sizeof *keys);
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < r->ndoors; i++)
		for (size_t k = 0; k < r->door[i].nsec; k++)
			spent_key(r->door[i].cfg->name, r->door[i].sec[k].name,
				  keys[r->door[i].spent_base + k]);
	const struct config *cfg = r->cfg;
	char path[4096];
	int rc = rotdoors_spent_path(cfg, path, sizeof path);
	if (rc == -ENOENT) {
		rc = spent_open(NULL, (const uint8_t (*)[SPENT_KEY_LEN])keys, n, &r->spent);
	} else if (rc < 0) {
		log_err("StateDir %s: path too long", cfg->state_dir);
	} else if (mkdir(cfg->state_dir, 0700) < 0 && errno != EEXIST) {
		rc = -errno;
		log_err("StateDir %s: %s", cfg->state_dir, strerror(-rc));
	} else {
		rc = spent_open(path, (const uint8_t (*)[SPENT_KEY_LEN])keys, n, &r->spent);
	}
	free(keys);
	return rc;
}

int rotdoors_new(const struct config *cfg, uint64_t unix_s, struct rotdoors **out)
{
	*out = NULL;
	struct rotdoors *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	r->cfg = cfg;
	size_t n = 0;
	for (size_t i = 0; i < cfg->ndoors; i++)
		n += door_is_rotating(&cfg->doors[i]);
	r->door = calloc(n ? n : 1, sizeof *r->door);
	size_t sets = 1;
	while (sets * WAYS < (cfg->state_limit ? cfg->state_limit : 1))
		sets *= 2;
	r->nsets = sets;
	/* Sized for StateLimit attempts (88 bytes each, 5.5 MiB by default):
	 * mapped, and free while zero, so only the sets used are resident. */
	r->att = pages_alloc(sets * WAYS * sizeof *r->att);
	int rc = r->door && r->att ? 0 : -ENOMEM;
	r->seed = hashseed_new();
	for (size_t i = 0; rc == 0 && i < cfg->ndoors; i++) {
		if (!door_is_rotating(&cfg->doors[i]))
			continue;
		rc = door_init(&r->door[r->ndoors], cfg, (uint32_t)i);
		r->ndoors++;
	}
	if (rc == 0)
		rc = open_spent(r);
	if (rc < 0) {
		if (rc == -ENOMEM)
			log_err("rotating doors: %s", strerror(-rc));
		rotdoors_free(r);
		return rc;
	}
	rotdoors_turn(r, unix_s);
	*out = r;
	return 0;
}

void rotdoors_free(struct rotdoors *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ndoors; i++) {
		struct rot_door *d = &r->door[i];
		rotseq_secrets_free(d->sec, d->nsec);
		rotseq_set_fini(&d->set);
		free(d->head);
		free(d->next);
		for (unsigned s = 0; s < LIVE; s++)
			free(d->seq[s]);
	}
	spent_close(r->spent);
	free(r->door);
	pages_free(r->att, r->nsets * WAYS * sizeof *r->att);
	free(r);
}
