/* SPDX-License-Identifier: GPL-2.0-or-later */
/* attempts — see attempts.h.
 *
 * Layout: one array of slots (the pool), one array of bucket heads (a
 * power of two at least as large as the pool, so chains stay short), and
 * list heads per stage and per door.  Links are 32-bit slot indices, NIL
 * at the ends; freed slots are chained through hnext.
 *
 * The pool and the buckets are mapped, not written, at start: slots
 * below `fresh` have been handed out at least once, the rest are still
 * untouched zero pages; a bucket holds its head's index plus one, so the
 * zero page reads as empty.  A table sized for a flood (StateLimit) thus
 * costs memory only once a flood has used it.
 */
#include "attempts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hashseed.h"
#include "pages.h"

#define NIL UINT32_MAX
/* Keeps every index below NIL and bucket counts a sane size. */
#define LIMIT_MAX (1u << 26)
_Static_assert(sizeof(struct attempt) == 64, "one slot, one cache line");

struct list {
	uint32_t head, tail;
};

struct attempts {
	struct attempt *slot;
	uint32_t *bucket;               /* head + 1, 0 for none (see head()) */
	uint32_t nbuckets;              /* power of two */
	uint32_t limit, used;
	uint32_t free_head;             /* freed slots */
	uint32_t fresh;                 /* slots [fresh, limit) never used */
	uint64_t seed;
	uint32_t stage_mask;            /* bit s: stage list s non-empty */
	struct list stage[ATTEMPT_STAGES];
	size_t ndoors;
	struct list *door;
	uint32_t *door_count;
	size_t memory;
};

int attempts_new(size_t limit, size_t ndoors, struct attempts **out)
{
	if (limit == 0 || limit > LIMIT_MAX || ndoors > LIMIT_MAX)
		return -EINVAL;
	struct attempts *t = calloc(1, sizeof *t);
	if (!t)
		return -ENOMEM;
	uint32_t nb = 1;
	while (nb < limit)
		nb <<= 1;
	t->nbuckets = nb;
	t->limit = (uint32_t)limit;
	t->ndoors = ndoors;
	/* Slots are one cache line each (64 bytes), page-aligned by mmap: a
	 * lookup or an eviction touches one line per entry, not two. */
	t->slot = pages_alloc(limit * sizeof *t->slot);
	t->bucket = pages_alloc(nb * sizeof *t->bucket);
	t->door = malloc((ndoors ? ndoors : 1) * sizeof *t->door);
	t->door_count = calloc(ndoors ? ndoors : 1, sizeof *t->door_count);
	if (!t->slot || !t->bucket || !t->door || !t->door_count) {
		attempts_free(t);
		return -ENOMEM;
	}
	t->memory = sizeof *t + limit * sizeof *t->slot + nb * sizeof *t->bucket +
		    (ndoors ? ndoors : 1) * (sizeof *t->door + sizeof *t->door_count);
	t->free_head = NIL;
	t->fresh = 0;
	for (size_t s = 0; s < ATTEMPT_STAGES; s++)
		t->stage[s] = (struct list){ NIL, NIL };
	for (size_t i = 0; i < ndoors; i++)
		t->door[i] = (struct list){ NIL, NIL };
	t->seed = hashseed_new();
	*out = t;
	return 0;
}

void attempts_free(struct attempts *t)
{
	if (!t)
		return;
	pages_free(t->slot, t->limit * sizeof *t->slot);
	pages_free(t->bucket, t->nbuckets * sizeof *t->bucket);
	free(t->door);
	free(t->door_count);
	free(t);
}

static uint32_t bucket_of(const struct attempts *t, const struct addr *addr, uint32_t door)
{
	/* The door goes into the seed so one source's attempts on several
	 * doors spread over several buckets. */
	uint64_t h = addr_hash(addr, t->seed ^ ((uint64_t)door * 0xd6e8feb86659fd93ull));
	return (uint32_t)(h & (t->nbuckets - 1));
}

static uint32_t idx(const struct attempts *t, const struct attempt *a)
{
	return (uint32_t)(a - t->slot);
}

/* Doubly linked lists through a pair of link fields, selected by offset
 * so the same two helpers serve the stage and the door lists. */
#define PREV(t, i, off) (*(uint32_t *)((char *)&(t)->slot[i] + (off)))
#define NEXT(t, i, off) (*(uint32_t *)((char *)&(t)->slot[i] + (off) + sizeof(uint32_t)))
_Static_assert(offsetof(struct attempt, snext) == offsetof(struct attempt, sprev) + sizeof(uint32_t),
	       "stage links must be adjacent");
_Static_assert(offsetof(struct attempt, dnext) == offsetof(struct attempt, dprev) + sizeof(uint32_t),
	       "door links must be adjacent");

static void list_append(struct attempts *t, struct list *l, uint32_t i, size_t off)
{
	PREV(t, i, off) = l->tail;
	NEXT(t, i, off) = NIL;
	if (l->tail != NIL)
		NEXT(t, l->tail, off) = i;
	else
		l->head = i;
	l->tail = i;
}

static void list_unlink(struct attempts *t, struct list *l, uint32_t i, size_t off)
{
	uint32_t p = PREV(t, i, off), n = NEXT(t, i, off);
	if (p != NIL)
		NEXT(t, p, off) = n;
	else
		l->head = n;
	if (n != NIL)
		PREV(t, n, off) = p;
	else
		l->tail = p;
}

#define SLINKS offsetof(struct attempt, sprev)
#define DLINKS offsetof(struct attempt, dprev)

static void stage_link(struct attempts *t, uint32_t i)
{
	uint8_t s = t->slot[i].stage;
	list_append(t, &t->stage[s], i, SLINKS);
	t->stage_mask |= 1u << s;
}

static void stage_unlink(struct attempts *t, uint32_t i)
{
	uint8_t s = t->slot[i].stage;
	list_unlink(t, &t->stage[s], i, SLINKS);
	if (t->stage[s].head == NIL)
		t->stage_mask &= ~(1u << s);
}

/* The first slot of bucket B, or NIL (0 - 1 in unsigned arithmetic). */
static uint32_t head(const struct attempts *t, uint32_t b)
{
	return t->bucket[b] - 1;
}

struct attempt *attempts_find(struct attempts *t, const struct addr *addr, uint32_t door)
{
	for (uint32_t i = head(t, bucket_of(t, addr, door)); i != NIL; i = t->slot[i].hnext) {
		struct attempt *a = &t->slot[i];
		if (a->door == door && addr_equal(&a->addr, addr))
			return a;
	}
	return NULL;
}

void attempts_remove(struct attempts *t, struct attempt *a)
{
	uint32_t i = idx(t, a);
	if (head(t, a->bucket) == i) {
		t->bucket[a->bucket] = a->hnext + 1;   /* NIL + 1 is 0: none */
	} else {
		uint32_t *link = &t->slot[head(t, a->bucket)].hnext;
		while (*link != i)
			link = &t->slot[*link].hnext;
		*link = a->hnext;
	}
	stage_unlink(t, i);
	list_unlink(t, &t->door[a->door], i, DLINKS);
	t->door_count[a->door]--;
	t->used--;
	a->hnext = t->free_head;
	t->free_head = i;
}

struct attempt *attempts_add(struct attempts *t, const struct addr *addr, uint32_t door,
			     uint16_t sport, uint64_t now_ms,
			     struct attempt *evicted, bool *did_evict)
{
	if (did_evict)
		*did_evict = false;
	if (t->free_head == NIL && t->fresh == t->limit) {
		/* Full: the head of the lowest non-empty stage list is the
		 * least advanced and, within its stage, the oldest. */
		unsigned s = (unsigned)__builtin_ctz(t->stage_mask);
		struct attempt *victim = &t->slot[t->stage[s].head];
		if (evicted)
			*evicted = *victim;
		if (did_evict)
			*did_evict = true;
		attempts_remove(t, victim);
	}
	uint32_t i;
	if (t->free_head != NIL) {
		i = t->free_head;
		t->free_head = t->slot[i].hnext;
	} else {
		i = t->fresh++;
	}
	struct attempt *a = &t->slot[i];
	memset(a, 0, sizeof *a);
	a->addr = *addr;
	a->door = door;
	a->stage = 1;
	a->sport = sport;
	a->start_ms = now_ms;
	a->bucket = bucket_of(t, addr, door);
	a->hnext = head(t, a->bucket);
	t->bucket[a->bucket] = i + 1;
	stage_link(t, i);
	list_append(t, &t->door[door], i, DLINKS);
	t->door_count[door]++;
	t->used++;
	return a;
}

void attempts_advance(struct attempts *t, struct attempt *a, uint16_t sport)
{
	uint32_t i = idx(t, a);
	stage_unlink(t, i);
	if (a->stage + 1 < ATTEMPT_STAGES)
		a->stage++;
	a->sport = sport;
	stage_link(t, i);
}

void attempts_restart(struct attempts *t, struct attempt *a, uint16_t sport, uint64_t now_ms)
{
	uint32_t i = idx(t, a);
	stage_unlink(t, i);
	list_unlink(t, &t->door[a->door], i, DLINKS);
	a->stage = 1;
	a->sport = sport;
	a->start_ms = now_ms;
	stage_link(t, i);
	list_append(t, &t->door[a->door], i, DLINKS);
}

struct attempt *attempts_oldest(struct attempts *t, uint32_t door)
{
	if (door >= t->ndoors || t->door[door].head == NIL)
		return NULL;
	return &t->slot[t->door[door].head];
}

struct attempt *attempts_next(struct attempts *t, const struct attempt *a)
{
	return a->dnext == NIL ? NULL : &t->slot[a->dnext];
}

size_t attempts_count(const struct attempts *t, uint32_t door)
{
	return door < t->ndoors ? t->door_count[door] : 0;
}

size_t attempts_used(const struct attempts *t) { return t->used; }
size_t attempts_limit(const struct attempts *t) { return t->limit; }
size_t attempts_ndoors(const struct attempts *t) { return t->ndoors; }
size_t attempts_memory(const struct attempts *t) { return t->memory; }
