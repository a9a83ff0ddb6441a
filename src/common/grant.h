/* SPDX-License-Identifier: GPL-2.0-or-later */
/* grant — what doors ask for, and nothing else.
 *
 * Doors decide, the gate acts.  The deciding side (packet decoding,
 * attempt state, SPA verification) only ever produces a `struct grant`:
 * "open door D for address A for T seconds (these ports)".  It is a
 * fixed-size plain value so that it can cross the privilege-separation
 * pipe as is and be validated field by field on the other side
 * (grant_validate).  The acting side (gate_nft, gate_cmd) never sees
 * packet bytes.
 */
#ifndef SESAME_GRANT_H
#define SESAME_GRANT_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"

struct grant {
	uint32_t door;                  /* index into config.doors */
	struct addr addr;               /* whom to let in */
	uint32_t timeout_s;             /* 0: the door's Open_Timeout / Cmd_Timeout */
	uint32_t nports;                /* 0: every port of the door's Open */
	struct port_proto ports[CONFIG_OPEN_MAX];
};

/* True when GR is well-formed for CFG: door index in range, family
 * AF_INET/AF_INET6, nports within bounds, each port one of the door's
 * Open ports and none listed twice, timeout not above the door's
 * (Open_Timeout for a door with Open, else Cmd_Timeout).  The privileged
 * side refuses (and treats as fatal) anything else; the worker runs the
 * same check before it sends, so that a request it did not foresee is
 * refused there, not turned into a protocol violation. */
bool grant_validate(const struct grant *gr, const struct config *cfg);

/* True when PP is one of door D's Open ports. */
bool grant_door_opens(const struct door *d, const struct port_proto *pp);

/* Drops the repeats from PORTS[0..N) (the first of each stays, the order
 * is kept) and returns the new count: "22/tcp,22/tcp" asks for one port. */
size_t grant_dedup_ports(struct port_proto *ports, size_t n);

/* The longest D may ever grant, in seconds: Open_Timeout for a door with
 * Open, else Cmd_Timeout. */
uint32_t grant_max_timeout_s(const struct door *d);

#endif
