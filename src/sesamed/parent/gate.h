/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gate — where every grant goes: validated once, then handed to the gate
 * of its door.
 *
 * The deciding side (sequence doors, SPA doors) produces struct grant
 * values and calls gates_dispatch(); nothing else in the daemon acts on a
 * grant.  A door with commands goes to gate_cmd; a door with Open goes to
 * the native nftables gate, gate_nft (both, when a door has both).  It runs in the privileged parent, on grants that crossed
 * from the worker and passed privsep_check() (privsep.h).
 */
#ifndef SESAME_GATE_GATES_H
#define SESAME_GATE_GATES_H

#include "config.h"
#include "grant.h"
#include "gate_cmd.h"
#include "gate_nft.h"
#include "metrics.h"

struct gates {
	struct gate_cmd *cmd;           /* always present */
	struct gate_nft *nft;           /* NULL unless config_wants_nft() */
	struct metrics *metrics;        /* NULL: nothing counted */
	size_t revoking;                /* gates_revoke's count in progress */
};

/* After g->cmd is made: grants that end are counted in g->metrics. */
void gates_watch_ends(struct gates *g);

/* `sesame revoke`: ends now the live grants of door DOOR (NULL: every
 * door) to address A (NULL: every address): nft elements are deleted,
 * pending stop commands run at once.  Returns how many grants (door,
 * address) ended, -ENOENT for an unknown door, or -errno (logged). */
int gates_revoke(struct gates *g, const struct config *cfg, const char *door,
		 const struct addr *a);

/* Validates GR against CFG (a malformed grant is a bug on the deciding
 * side: logged and refused with -EINVAL), then acts on it.  Returns 0 or
 * -errno (logged). */
int gates_dispatch(struct gates *g, const struct config *cfg,
		   const struct grant *gr);

/* The same for GR[0..N), which arrived together: their nft elements go
 * in as few transactions as fit (gate_nft_grant_many), their commands
 * one by one.  An invalid grant is refused alone; the others go ahead.
 * RES[i]: 0 or -errno for GR[i].  Returns 0 or the first error. */
int gates_dispatch_many(struct gates *g, const struct config *cfg,
			const struct grant *gr, size_t n, int *res);

#endif
