/* SPDX-License-Identifier: GPL-2.0-or-later */
/* replay_mark — what lets the replay cache skip an fdatasync per packet
 * and still refuse, after a power loss, every packet it accepted before.
 *
 * The cache appends each accepted id with write() only.  That survives a
 * crash of the process (the page cache keeps it) but not of the machine.
 * For the machine, a small side file (the cache's path plus ".mark") holds
 * a durable promise: "no accepted packet expires after E".  The cache
 * raises E, with one fdatasync, only when a packet's expiry would pass it,
 * and then by a lease of REPLAY_MARK_LEASE_S more, so one packet in many
 * pays for the disk and the rest pay nothing.
 *
 * At open, a mark left by an unclean stop in an earlier boot (the kernel's
 * boot id differs) means records may be lost: every packet expiring at or
 * before E is then refused, which covers everything accepted before the
 * loss.  Legitimate packets expire later than that once E's time has
 * passed, so the cost of a power loss is a short blackout (at most the
 * SPA window plus the lease), never a replay.  A clean close syncs the
 * records and says so in the mark; a crash without a reboot needs nothing.
 * docs/spa-protocol.md has the argument, and what a disk cache that
 * ignores flushes does to it.
 */
#ifndef SESAME_REPLAY_MARK_H
#define SESAME_REPLAY_MARK_H

#include <stdbool.h>
#include <stdint.h>

#define REPLAY_MARK_LEASE_S 60

struct replay_mark {
	int fd;
	char boot[40];                  /* this boot's id, NUL-terminated */
	uint64_t expire_mark;           /* durable: no accepted packet expires later */
	uint64_t refuse_until;          /* packets expiring at or before: refused */
};

/* Opens (creates 0600) the mark of the cache at CACHE_PATH, decides what a
 * lost tail of records obliges us to refuse, and records durably that a
 * run has begun.  Returns 0 or -errno (not logged). */
int replay_mark_open(const char *cache_path, uint64_t now_s, struct replay_mark *m);

/* True when a packet expiring at EXPIRE_S may have been accepted before a
 * power loss: refuse it. */
bool replay_mark_refuses(const struct replay_mark *m, uint64_t expire_s);

/* Makes the promise cover EXPIRE_S before a packet expiring then is
 * accepted: nothing when it already does, else one durable write.
 * Returns 0 or -errno (then the packet must not be accepted). */
int replay_mark_cover(struct replay_mark *m, uint64_t expire_s);

/* Writes the final mark (CLEAN: the caller has synced every record) and
 * closes.  Safe on a mark that never opened (fd -1). */
void replay_mark_close(struct replay_mark *m, bool clean);

#endif
