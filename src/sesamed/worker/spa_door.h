/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spa_door — the SPA doors: verify one captured datagram and answer with
 * a grant.  Native format (spa.h) and fwknop format (fwknop.h) alike.
 *
 * Order of work (cheap first; state changes only after authentication):
 * size/version, key lookup, time window, AEAD/HMAC verify, the port and
 * door a v2 packet names, replay check and record (fsync'd before the
 * grant leaves), the key's rate limit, policy (ports within Open, each
 * once; address rule).  Every rejection is logged with its reason, at
 * most once per reason per source per second.
 */
#ifndef SESAME_SPA_DOOR_H
#define SESAME_SPA_DOOR_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "counters.h"
#include "grant.h"
#include "packet.h"

struct spa_doors;

/* Loads keys for every SPA door of CFG and opens cfg->replay_cache.
 * Returns 0 or -errno (logged with file:line for key files). */
int spa_doors_new(const struct config *cfg, struct spa_doors **out);
void spa_doors_free(struct spa_doors *s);
/* The replay cache's descriptors (at most MAX into FDS; for the
 * sandbox's list).  Returns their count. */
size_t spa_doors_files(const struct spa_doors *s, int *fds, size_t max);

/* EV is a UDP packet to some door's SPA_Port.  Returns true and fills GR
 * when it authorizes a grant.  NOW_S is wall-clock seconds (timestamps
 * inside SPA packets are wall-clock); MONO_MS a monotonic clock in ms,
 * for the rate limits, so that a wall-clock step cannot lock anyone out. */
bool spa_doors_check(struct spa_doors *s, const struct knock_event *ev,
		     uint64_t now_s, uint64_t mono_ms, struct grant *gr);

/* The replay id of the packet behind the last grant spa_doors_check()
 * made, and until when (wall-clock s) it is live: for the fleet-wide
 * replay check, which the parent does. */
void spa_doors_last_packet(const struct spa_doors *s, uint8_t id[32], uint64_t *expire_s);

/* SIGHUP, in two steps so that the daemon switches all or nothing:
 * spa_doors_prepare() reads the key files of NEW_CFG (S keeps working on
 * the old config; 0 or -errno, logged), spa_doors_commit() switches S to
 * it, spa_doors_abort() drops it.  The replay cache (its file stays the
 * one opened at start) and the counters carry over; the per-key rate
 * limits start afresh. */
int spa_doors_prepare(struct spa_doors *s, const struct config *new_cfg);
void spa_doors_commit(struct spa_doors *s);
void spa_doors_abort(struct spa_doors *s);

/* Counters for benchmarks and `sesame status`. */
struct spa_stats {
	uint64_t seen, granted, replayed, rejected;
	uint64_t refused[SPA_R_COUNT];  /* rejected, by reason (counters.h) */
};
void spa_doors_stats(const struct spa_doors *s, struct spa_stats *out);

#endif
