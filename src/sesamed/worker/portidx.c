/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portidx — see portidx.h.
 *
 * Sealing is a counting sort by key, in three passes over the entries in
 * the order they were added (ascending doors): count each key's doors
 * (a door adding a key it already added is the key's last door, so one
 * compare drops the repeat), turn the counts into the start of each
 * key's run, then copy each door into its run.  Each run is then
 * ascending because the entries were. */
#include "portidx.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define NO_SLOT UINT32_MAX
#define KEYS    (2u * 65536u)           /* (protocol, port) pairs there are */

struct slot {
	uint32_t key1;                  /* key + 1; 0: empty */
	uint32_t start, count;          /* the key's run in ->run */
	uint32_t last;                  /* the last door counted (sealing) */
};

struct portidx {
	size_t cap, n;
	uint32_t *key;                  /* per entry: its key, then its slot */
	uint32_t *door;                 /* per entry: its door */
	uint32_t *run;                  /* sealed: doors grouped by key */
	struct slot *slot;
	unsigned bits;                  /* the table has 1 << bits slots */
};

static int key_of(uint8_t proto, uint16_t port)
{
	int p = proto == PROTO_TCP ? 0 : proto == PROTO_UDP ? 1 : -1;
	return p < 0 ? -1 : p << 16 | port;
}

static size_t slot_first(const struct portidx *x, uint32_t key)
{
	return (uint32_t)(key * 0x9e3779b1u) >> (32 - x->bits);
}

int portidx_new(size_t cap, struct portidx **out)
{
	*out = NULL;
	if (cap > PORTIDX_MAX)
		return -E2BIG;
	struct portidx *x = calloc(1, sizeof *x);
	if (!x)
		return -ENOMEM;
	/* Load factor at most 1/2: twice the distinct keys there can be. */
	size_t keys = cap < KEYS ? cap : KEYS;
	x->bits = 3;
	while ((1u << x->bits) < 2 * keys)
		x->bits++;
	x->cap = cap;
	x->key = calloc(cap ? cap : 1, sizeof *x->key);
	x->door = calloc(cap ? cap : 1, sizeof *x->door);
	x->run = calloc(cap ? cap : 1, sizeof *x->run);
	x->slot = calloc((size_t)1 << x->bits, sizeof *x->slot);
	if (!x->key || !x->door || !x->run || !x->slot) {
		portidx_free(x);
		return -ENOMEM;
	}
	*out = x;
	return 0;
}

void portidx_free(struct portidx *x)
{
	if (!x)
		return;
	free(x->key);
	free(x->door);
	free(x->run);
	free(x->slot);
	free(x);
}

void portidx_reset(struct portidx *x)
{
	x->n = 0;
	memset(x->slot, 0, ((size_t)1 << x->bits) * sizeof *x->slot);
}

int portidx_add(struct portidx *x, uint8_t proto, uint16_t port, uint32_t door)
{
	int k = key_of(proto, port);
	if (k < 0)
		return 0;
	if (x->n && door < x->door[x->n - 1])
		return -EINVAL;
	if (x->n == x->cap)
		return -ENOSPC;
	x->key[x->n] = (uint32_t)k;
	x->door[x->n] = door;
	x->n++;
	return 0;
}

/* KEY's slot, claimed if it is not there yet. */
static struct slot *slot_claim(struct portidx *x, uint32_t key)
{
	size_t mask = ((size_t)1 << x->bits) - 1;
	for (size_t i = slot_first(x, key);; i = (i + 1) & mask) {
		struct slot *s = &x->slot[i];
		if (s->key1 == key + 1)
			return s;
		if (s->key1 == 0) {
			s->key1 = key + 1;
			return s;
		}
	}
}

void portidx_seal(struct portidx *x)
{
	size_t nslots = (size_t)1 << x->bits;
	for (size_t i = 0; i < x->n; i++) {
		struct slot *s = slot_claim(x, x->key[i]);
		if (s->count && s->last == x->door[i]) {
			x->key[i] = NO_SLOT;            /* the same door again */
			continue;
		}
		s->count++;
		s->last = x->door[i];
		x->key[i] = (uint32_t)(s - x->slot);
	}
	uint32_t at = 0;
	for (size_t i = 0; i < nslots; i++) {
		x->slot[i].start = at;
		at += x->slot[i].count;
		x->slot[i].count = 0;
	}
	for (size_t i = 0; i < x->n; i++) {
		if (x->key[i] == NO_SLOT)
			continue;
		struct slot *s = &x->slot[x->key[i]];
		x->run[s->start + s->count++] = x->door[i];
	}
}

const uint32_t *portidx_find(const struct portidx *x, uint8_t proto, uint16_t port,
			     size_t *n)
{
	*n = 0;
	int k = key_of(proto, port);
	if (k < 0)
		return NULL;
	size_t mask = ((size_t)1 << x->bits) - 1;
	for (size_t i = slot_first(x, (uint32_t)k);; i = (i + 1) & mask) {
		const struct slot *s = &x->slot[i];
		if (s->key1 == 0)
			return NULL;
		if (s->key1 == (uint32_t)k + 1) {
			*n = s->count;
			return s->count ? &x->run[s->start] : NULL;
		}
	}
}
