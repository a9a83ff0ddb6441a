/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gate_nft — the native gate: one nftables table owned by sesamed,
 * driven in-process through libnftables (no fork, no nft CLI).
 *
 * Model (docs/gate.md): table inet <NftTable>; base chain on hook
 * input at priority filter - 10, policy accept; ct state
 * established,related accept; per door sets <door>_v4 / <door>_v6 with
 * flags timeout; guarded ports accepted from members and dropped for the
 * rest; every knock and SPA port dropped silently.  Doors with Forward
 * also get rules in a base chain on hook forward (same priority), which
 * exists only while such a door does (nft_render.h has the rules).  The
 * kernel expires grants, so a dead sesamed never leaves a port open.
 */
#ifndef SESAME_GATE_NFT_H
#define SESAME_GATE_NFT_H

#include <stdint.h>

#include "config.h"
#include "grant.h"

struct gate_nft;

/* Loads or updates the table for CFG in one transaction, keeping the
 * elements of sets that already exist (a restart keeps live grants).
 * Returns 0 or -errno, having logged one line naming the cause. */
int gate_nft_new(const struct config *cfg, struct gate_nft **out);
/* Re-renders the table for a new config (SIGHUP), in one transaction. */
int gate_nft_reload(struct gate_nft *g, const struct config *cfg);
/* Adds or refreshes GR's element; restores the table if someone removed
 * it.  Idempotent. */
int gate_nft_grant(struct gate_nft *g, const struct config *cfg, const struct grant *gr);
/* GR[0..N) as few transactions as fit (usually one; a transaction
 * costs about as much as its elements): for grants that arrive together,
 * such as another gateway's (fleet.h).  A grant gate_nft_grant_ok()
 * refuses is logged and left out (RES[i] -EINVAL); if a transaction
 * fails, its grants are retried one by one with gate_nft_grant() (one
 * log line).  RES[i]: 0 or -errno for GR[i].  Returns 0 when every
 * grant went in, else the first error. */
int gate_nft_grant_many(struct gate_nft *g, const struct config *cfg, const struct grant *gr,
			size_t n, int *res);

/* The gate's own check of GR before it touches the kernel: a door it
 * guards, a known family, ports of the door's Open, a timeout that
 * neither exceeds Open_Timeout nor is zero.  It must agree with
 * grant_validate() on every door with Open (fuzz/fuzz_config.c). */
bool gate_nft_grant_ok(const struct config *cfg, const struct grant *gr);

/* Checks that the table is still as we loaded it and restores it (one
 * transaction, one log line) if someone deleted or changed it.  Cheap
 * when nothing was committed since our last change (one netlink round
 * trip).  Returns 0 (intact), 1 (restored) or -errno.  gate_nft_grant()
 * calls it first; the daemon may also call it from a timer. */
int gate_nft_verify(struct gate_nft *g, const struct config *cfg);

/* One live element, as read back from the kernel. */
struct gate_nft_entry {
	uint32_t door;
	struct addr addr;
	struct port_proto port;         /* one guarded port */
	uint32_t expires_ms;            /* left, from the kernel; 0: none */
};
typedef void (*gate_nft_entry_fn)(void *ctx, const struct gate_nft_entry *e);
int gate_nft_list(struct gate_nft *g, const struct config *cfg,
		  gate_nft_entry_fn fn, void *ctx);

/* Deletes the live elements of door DOOR (-1: every door) for address A
 * (NULL: every address), in one transaction, and calls FN once per
 * (door, address) removed.  Returns that count or -errno (logged). */
typedef void (*gate_nft_revoked_fn)(void *ctx, uint32_t door, const struct addr *a);
int gate_nft_revoke(struct gate_nft *g, const struct config *cfg, int door,
		    const struct addr *a, gate_nft_revoked_fn fn, void *ctx);

/* Frees the context; the table stays (fail closed). */
void gate_nft_free(struct gate_nft *g);
/* Deletes table NAME on purpose (`sesamed --remove-gate`). */
int gate_nft_remove(const char *table);

#endif
