/* SPDX-License-Identifier: GPL-2.0-or-later */
/* door — the sequence doors: per-source knock attempts and their rules.
 *
 * Pure decision logic: it is fed decoded packets (knock_event) and the
 * current time, and answers with grants.  It runs no command, touches no
 * firewall and allocates nothing per packet: every attempt lives in one
 * table of cfg->state_limit slots, allocated by doors_new().
 *
 * Semantics (knockd's, with its bugs fixed; see docs/knocking.md):
 *  - a packet to one of a door's sequence ports that is not the expected
 *    next step ends that source's attempt on that door; if it is the
 *    door's first step, it starts a new attempt;
 *  - packets failing TCPFlags are ignored (neither step nor error);
 *  - an exact repeat of the step just accepted (same source port) is
 *    ignored;
 *  - each (source, door) attempt is independent of every other;
 *  - Seq_Timeout runs from the first knock, in milliseconds, enforced by
 *    doors_expire() from a timer, not lazily.
 * Decisions are logged here, one line each, with source and door
 * ("door NAME: ADDR: stage N", "... wrong port P:proto at stage N",
 * "... timeout at stage N", "... sequence complete"; the full list is in
 * docs/knocking.md).  "opened" is the gate's line.
 */
#ifndef SESAME_DOOR_H
#define SESAME_DOOR_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "counters.h"
#include "grant.h"
#include "packet.h"

struct doors;

/* State for every sequence door of CFG (which must outlive it, until
 * doors_reload() hands over a new one).  One-time sequence files are read
 * here (a file with every line used gives a disabled door, not an error;
 * a missing or malformed one is an error).  Returns 0 or -errno (logged). */
int doors_new(const struct config *cfg, struct doors **out);
void doors_free(struct doors *d);
/* The descriptors of the one-time files D writes to (at most MAX into
 * FDS; for the sandbox's list).  Returns their count. */
size_t doors_files(const struct doors *d, int *fds, size_t max);

/* Feeds one packet at NOW_MS (monotonic milliseconds).  Writes at most
 * MAX grants (one per door the packet completes) and returns how many;
 * with MAX >= cfg->ndoors none is ever lost (a completion without room is
 * logged and dropped).  Completing a one-time door marks its line used in
 * the file, through the descriptor doors_new() opened. */
size_t doors_feed(struct doors *d, const struct knock_event *ev, uint64_t now_ms,
		  struct grant *out, size_t max);

/* Ends attempts whose Seq_Timeout has passed (logged as timeouts).
 * Returns the milliseconds until the next deadline, or -1 if none. */
int64_t doors_expire(struct doors *d, uint64_t now_ms);

/* Switches to NEW_CFG (SIGHUP).  Attempts of doors whose name and
 * sequence are unchanged survive (door indices may change); the rest are
 * dropped.  On failure (-errno, logged) the old doors stay in force and
 * the caller keeps the old config. */
int doors_reload(struct doors *d, const struct config *new_cfg);

/* Attempts in progress on door index I, for `sesame status`. */
size_t doors_attempts(const struct doors *d, size_t door);
/* Knocks per stage, wrong knocks and timeouts of door DOOR since the
 * doors were made (or last reset). */
void doors_counts(const struct doors *d, size_t door, struct ps_door_counts *out);
/* Back to zero: after a new worker replays the knocks its predecessor
 * counted already. */
void doors_reset_counts(struct doors *d);

/* Door DOOR's last completion used up a one-time sequence: its id (the
 * SHA-256 of the door's name and the sequence), for the fleet-wide spent
 * mark the parent keeps.  false for any other door. */
bool doors_spent_id(const struct doors *d, size_t door, uint8_t id[32]);

#endif
