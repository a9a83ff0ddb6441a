/* SPDX-License-Identifier: GPL-2.0-or-later */
/* status — the answer to `sesame status`: the doors, attempts in progress
 * per door, and every granted address with the time it has left, read
 * back from the kernel's sets at the moment of asking (the truth, not a
 * cache).  Text for people, or one JSON object for scripts; the format is
 * documented in docs/gate.md.
 */
#ifndef SESAME_STATUS_H
#define SESAME_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "gate_nft.h"
#include "strbuf.h"

struct status_src {
	const struct config *cfg;
	struct gate_nft *nft;           /* NULL: no native gate */
	/* Attempts in progress on door I; NULL when not known. */
	size_t (*attempts)(void *ctx, size_t door);
	void *attempts_ctx;
	const char *interface;          /* may be NULL */
	bool capturing;                 /* false: waiting for the interface */
	uint64_t uptime_s;
	/* Fleet mode: this gateway's node name (NULL: no fleet), whether
	 * Redis is connected, and which node made a grant (NULL: this one,
	 * or not known). */
	const char *fleet_node;
	bool fleet_up;
	const char *(*origin)(void *ctx, const char *door, const struct addr *a);
	void *origin_ctx;
};

void status_render(const struct status_src *s, bool json, struct strbuf *out);

#endif
