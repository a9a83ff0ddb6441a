/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gate — the dispatcher: every grant, validated, to its door's gate. */
#include "gate.h"

#include <errno.h>

#include "log.h"

int gates_dispatch(struct gates *g, const struct config *cfg,
		   const struct grant *gr)
{
	if (!grant_validate(gr, cfg)) {
		log_err("refusing a malformed grant (door index %u)", gr ? gr->door : 0);
		return -EINVAL;
	}
	const struct door *d = &cfg->doors[gr->door];
	int rc = 0;
	if (d->open_len && g->nft)
		rc = gate_nft_grant(g->nft, cfg, gr);
	if (gate_cmd_door_has_commands(d)) {
		int r = gate_cmd_grant(g->cmd, cfg, gr);
		if (r < 0 && rc == 0)
			rc = r;
	}
	return rc;
}
