/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portidx — which doors use a (protocol, port), in door order.
 *
 * The sequence doors and the SPA doors are offered a packet only if it
 * goes to one of their ports.  Asking every door costs O(doors) per
 * packet; this index answers with the doors concerned only, so a packet
 * costs O(doors that use its port) plus one hash probe.
 *
 * Built whole, then read-only: portidx_reset(), portidx_add() of every
 * (protocol, port, door) in ascending door order, portidx_seal().  A
 * lookup returns that key's doors ascending, each once however many
 * times its sequence holds the port: the order and multiplicity of a
 * scan of every door.  TCP and UDP only; other protocols are never keys.
 *
 * Memory is fixed by portidx_new(CAP): CAP entries (12 bytes each) and a
 * table of at most twice the distinct keys (16 bytes a slot, and there
 * are at most 2 x 65,536 keys), whatever the config says; nothing is
 * allocated afterwards, so a rebuild (a one-time door moving on to its
 * next sequence) costs O(CAP) and no allocation.
 */
#ifndef SESAME_PORTIDX_H
#define SESAME_PORTIDX_H

#include <stddef.h>
#include <stdint.h>

/* Most entries one index takes: far above 256 doors x 32 steps, far
 * below what would overflow a size computation. */
#define PORTIDX_MAX (1u << 22)

struct portidx;

/* An empty index for at most CAP entries (0 is allowed: it finds
 * nothing).  Returns 0, -E2BIG for CAP > PORTIDX_MAX, or -ENOMEM. */
int portidx_new(size_t cap, struct portidx **out);
void portidx_free(struct portidx *x);

/* Empties X, for a rebuild. */
void portidx_reset(struct portidx *x);
/* DOOR uses PORT over PROTO.  Doors come in ascending order (a door may
 * add several keys, and the same key again).  Returns 0 (also for a
 * protocol other than TCP and UDP, which is not indexed), -ENOSPC past
 * the capacity, or -EINVAL for a door below the last one added; on an
 * error X stays as it was before the call. */
int portidx_add(struct portidx *x, uint8_t proto, uint16_t port, uint32_t door);
/* Makes what was added since the reset visible to portidx_find(). */
void portidx_seal(struct portidx *x);

/* The doors using PORT over PROTO, ascending, each once: *N of them
 * (NULL and 0 for none).  The array stays valid until the next reset. */
const uint32_t *portidx_find(const struct portidx *x, uint8_t proto, uint16_t port,
			     size_t *n);

#endif
