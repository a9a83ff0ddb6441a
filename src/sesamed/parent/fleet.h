/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fleet — several gateways sharing grants and SPA replay ids through
 * Redis (docs/fleet.md).
 *
 * Runs in the privileged parent, on its event loop: hiredis's async API
 * with its fd events mapped onto loop.h, so no Redis call ever blocks the
 * loop (nor the packet path behind it).  Two connections: one for
 * commands (the replay SET NX, grant keys, SCAN), one subscribed to the
 * fleet's channel.
 *
 * A grant from our worker for a door with Fleet = yes:
 *   - an SPA grant first claims its packet's replay id fleet-wide
 *     (SET ns:replay:ID node NX PX ttl): claimed, it is granted and
 *     published; already claimed by a gateway, it is refused; Redis
 *     unreachable: granted here only, or refused with Fleet_Required;
 *   - a one-time sequence's grant likewise claims the sequence, for good
 *     (SET ns:spent:DOOR:ID node NX): spent on one gateway, spent on all;
 *     a rotating sequence's, while its time step is live (the same, with
 *     PX);
 *   - a static knock sequence's grant is granted and published at once.
 * Publishing is a signed message (fleet_msg.h) on the channel, and the
 * same message kept as ns:grant:DOOR:ADDR for as long as the grant lasts,
 * so that a gateway that starts or reconnects installs the live grants
 * (SCAN) at once.  Every message received is checked against our own
 * config before the gate sees it.
 *
 * Redis down: every gateway works alone; one log line per change of
 * state; reconnection with backoff on a loop timer; a resync when it is
 * back.  A Redis that stops answering is given up after a second.
 */
#ifndef SESAME_FLEET_H
#define SESAME_FLEET_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "grant.h"
#include "loop.h"
#include "privsep.h"

struct fleet;

/* How grants reach the gates: GR[0..N), each valid for CFG; RES[i] 0 or
 * -errno for GR[i].  Our worker's grants come one at a time, at once;
 * grants received from the fleet come together, up to 256: those
 * received in one read of a Redis connection (a burst on the channel,
 * a resync's MGET), each checked on its own before.  Returns 0 or the
 * first error. */
typedef int (*fleet_dispatch_fn)(void *ctx, const struct config *cfg, const struct grant *gr,
				 size_t n, int *res);

/* A fleet for CFG (config_fleet_on) on loop L, starting to connect.
 * Returns 0 or -errno (reported through the log). */
int fleet_new(struct loop *l, const struct config *cfg, fleet_dispatch_fn fn, void *ctx,
	      struct fleet **out);
/* Closes the connections.  Grants waiting for Redis are decided as if
 * it were down (under the config they arrived with). */
void fleet_free(struct fleet *f);

/* A grant from our worker, valid for the fleet's config, and what it used
 * up (privsep.h): ONCE PS_ONCE_PACKET with the packet's replay ID (32
 * bytes) live until EXPIRE_S (wall clock), PS_ONCE_SEQUENCE with a
 * one-time sequence's ID (for good: EXPIRE_S 0), PS_ONCE_ROTATING with a
 * rotating sequence's ID, its step live until EXPIRE_S, or PS_ONCE_NONE.
 * Dispatches now, or once Redis has said the thing was not used yet. */
void fleet_grant(struct fleet *f, const struct grant *gr, enum ps_once once,
		 const uint8_t *id, uint64_t expire_s);

/* The node that made the live grant of DOOR to A that this gateway
 * applied from the fleet, or NULL (our own grant, or forgotten: a hint
 * for `sesame status`).  F may be NULL. */
const char *fleet_origin(const struct fleet *f, const char *door, const struct addr *a);

/* Connected and subscribed. */
bool fleet_up(const struct fleet *f);
/* This gateway's name in the fleet. */
const char *fleet_node(const struct fleet *f);

#endif
