/* SPDX-License-Identifier: GPL-2.0-or-later */
/* attempts — the bounded table of knock attempts in progress.
 *
 * One entry per (source address, door) pair that has accepted at least one
 * step.  Every entry lives in a pool of LIMIT slots allocated by
 * attempts_new(); nothing is allocated afterwards, so memory is flat
 * whatever the traffic.  Every operation is O(1) (expected, for lookups:
 * chained hashing with a per-process random seed, so a flood of spoofed
 * sources cannot pick its bucket).
 *
 * Besides the hash chains, each entry sits on two lists:
 *  - its stage's list (one per stage, oldest first): when the pool is
 *    full, the victim is the head of the lowest non-empty stage, so
 *    first-step noise only ever evicts first-step noise while there is
 *    any, and never an attempt that has made more progress;
 *  - its door's list, in order of start time.  A door's Seq_Timeout is
 *    the same for all its attempts, so that list is also ordered by
 *    deadline: expiry only ever looks at list heads.
 *
 * Pointers returned stay valid until the entry is removed or evicted.
 */
#ifndef SESAME_ATTEMPTS_H
#define SESAME_ATTEMPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"

/* Stages run 1 .. CONFIG_SEQ_MAX - 1: the last step completes the
 * sequence and ends the attempt instead of being stored. */
#define ATTEMPT_STAGES CONFIG_SEQ_MAX

struct attempt {
	struct addr addr;               /* the knocker */
	uint8_t stage;                  /* steps accepted so far, >= 1 */
	uint16_t sport;                 /* source port of the last accepted step */
	uint32_t door;                  /* door index */
	uint64_t start_ms;              /* time of the first step */
	/* Owned by attempts.c: links (slot indices) and the hash bucket, kept
	 * so removal need not hash again. */
	uint32_t hnext, sprev, snext, dprev, dnext;
	uint32_t bucket;
};

struct attempts;

/* A table of LIMIT (>= 1) slots for NDOORS doors.  Returns 0 or -errno
 * (-EINVAL for a zero limit or too large a table, -ENOMEM). */
int attempts_new(size_t limit, size_t ndoors, struct attempts **out);
void attempts_free(struct attempts *t);

/* The attempt of ADDR on DOOR, or NULL. */
struct attempt *attempts_find(struct attempts *t, const struct addr *addr, uint32_t door);

/* Starts an attempt of ADDR on DOOR at stage 1 (which must not exist
 * yet).  When the table is full, first evicts the least advanced, oldest
 * attempt; a copy of it goes to *EVICTED (if not NULL) and *DID_EVICT is
 * set.  Never fails. */
struct attempt *attempts_add(struct attempts *t, const struct addr *addr, uint32_t door,
			     uint16_t sport, uint64_t now_ms,
			     struct attempt *evicted, bool *did_evict);

/* Accepts one more step from SPORT.  The stage must stay below
 * ATTEMPT_STAGES. */
void attempts_advance(struct attempts *t, struct attempt *a, uint16_t sport);

/* Back to stage 1, started at NOW_MS (a wrong knock that was also the
 * door's first step). */
void attempts_restart(struct attempts *t, struct attempt *a, uint16_t sport, uint64_t now_ms);

void attempts_remove(struct attempts *t, struct attempt *a);

/* The oldest attempt on DOOR (earliest start), or NULL; attempts_next()
 * walks on in start order. */
struct attempt *attempts_oldest(struct attempts *t, uint32_t door);
struct attempt *attempts_next(struct attempts *t, const struct attempt *a);

size_t attempts_count(const struct attempts *t, uint32_t door);
size_t attempts_used(const struct attempts *t);
size_t attempts_limit(const struct attempts *t);
size_t attempts_ndoors(const struct attempts *t);
/* Bytes allocated by attempts_new(), for tests and `status`. */
size_t attempts_memory(const struct attempts *t);

#endif
