/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rotdoor — the rotating doors: sequences derived from each client's
 * secret and the time (rotseq.h), each spent once.
 *
 * Per door, when the time step turns, the sequences of every client for
 * the three live steps (c-1, c, c+1: clock skew) are computed once and
 * their first knocks indexed, so a packet costs a bitmap test, a hash
 * lookup of its port and, for a source with an attempt, one probe of the
 * attempt table, whatever the number of clients.  (With
 * Sequence_Bind_Address the steps after the first depend on the address
 * and are derived per attempt.)
 *
 * Attempts: one per (source, door), in a set-associative table of
 * cfg->state_limit entries (a full set evicts its oldest entry); an
 * attempt follows every client sequence its first knock matched.  A
 * packet to a port of one of those sequences out of turn ends it (and
 * may start another); packets to other ports are not this door's
 * business and are ignored, as are exact repeats of the last step.
 * Seq_Timeout runs from the first knock.
 *
 * Spent once: a completed (door, client, step) is recorded durably in
 * StateDir/rotating-spent before its grant leaves (spent.h: a file of
 * fixed size, opened before the sandbox and written in place after it);
 * completing it again, from any address, is logged as a replay and opens
 * nothing.  Each grant can come with what it spent (struct rotdoor_spent),
 * so that other gateways sharing the door's secrets refuse it too.
 */
#ifndef SESAME_ROTDOOR_H
#define SESAME_ROTDOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "grant.h"
#include "packet.h"

#define ROTDOOR_SPENT_FILE "rotating-spent"
#define ROTDOOR_SPENT_ID_LEN 32

/* The sequence a grant spent: its id is SHA-256 over "sesame rotating",
 * the door's name, the client's secret and the time step, so it is the
 * same on every gateway with that door and secret, and differs between
 * doors, clients and steps (and from a one-time sequence's id).  Redis
 * sees the id, not the secret.  EXPIRE_S: the wall-clock second at which
 * the step leaves this gateway's window of live steps. */
struct rotdoor_spent {
	uint8_t id[ROTDOOR_SPENT_ID_LEN];
	uint64_t expire_s;
};

struct rotdoors;

/* True when CFG has a rotating door. */
bool rotdoors_wanted(const struct config *cfg);

/* State for the rotating doors of CFG at UNIX_S: secrets loaded, tables
 * built, the spent file (StateDir/rotating-spent; StateDir is created if
 * missing; memory only when StateDir is empty) opened and locked.
 * Returns 0 or -errno (logged). */
int rotdoors_new(const struct config *cfg, uint64_t unix_s, struct rotdoors **out);
void rotdoors_free(struct rotdoors *r);

/* The spent file of CFG into BUF: 0, -ENOENT (no StateDir: marks are
 * kept in memory only) or -ENAMETOOLONG. */
int rotdoors_spent_path(const struct config *cfg, char *buf, size_t len);

/* Feeds one packet at NOW_MS (monotonic) and UNIX_S (wall clock, which
 * picks the live steps).  Writes at most MAX grants, returns how many;
 * SPENT (NULL: not wanted), of MAX entries too, gets what grant i spent
 * in SPENT[i]. */
size_t rotdoors_feed(struct rotdoors *r, const struct knock_event *ev, uint64_t now_ms,
		     uint64_t unix_s, struct grant *out, struct rotdoor_spent *spent,
		     size_t max);

/* Brings every door's table to the step of UNIX_S (rotdoors_feed does it
 * on its own; for benchmarks and timers). */
void rotdoors_turn(struct rotdoors *r, uint64_t unix_s);

/* Attempts in progress on door index DOOR (of the config), for status. */
/* The descriptors the doors write to (the spent marks), at most MAX, for
 * the sandbox's list.  Returns how many. */
size_t rotdoors_files(const struct rotdoors *r, int *fds, size_t max);
size_t rotdoors_attempts(const struct rotdoors *r, size_t door, uint64_t now_ms);

#endif
