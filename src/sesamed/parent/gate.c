/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gate — the dispatcher: every grant, validated, to its door's gate. */
#include "gate.h"

#include <errno.h>

#include "log.h"
#include "loop.h"

static void cmd_ended(void *ctx, const char *door, const struct addr *a, bool revoked)
{
	struct gates *g = ctx;
	if (revoked)
		g->revoking++;
	if (!g->metrics)
		return;
	if (revoked)
		metrics_revoked(g->metrics, door, a);
	else
		metrics_expired(g->metrics, door);
}

void gates_watch_ends(struct gates *g)
{
	gate_cmd_on_end(g->cmd, cmd_ended, g);
}

struct nft_revoked_ctx {
	struct gates *g;
	const struct config *cfg;
};

static void nft_revoked(void *ctx, uint32_t door, const struct addr *a)
{
	struct nft_revoked_ctx *c = ctx;
	if (c->g->metrics && door < c->cfg->ndoors)
		metrics_revoked(c->g->metrics, c->cfg->doors[door].name, a);
}

int gates_revoke(struct gates *g, const struct config *cfg, const char *door,
		 const struct addr *a)
{
	int index = -1;
	if (door) {
		const struct door *d = config_find_door(cfg, door);
		if (!d)
			return -ENOENT;
		index = (int)(d - cfg->doors);
	}
	int n = 0;
	if (g->nft) {
		struct nft_revoked_ctx c = { g, cfg };
		n = gate_nft_revoke(g->nft, cfg, index, a, nft_revoked, &c);
		if (n < 0)
			return n;
	}
	/* Stops of doors with Open ran too, but those grants were counted
	 * with their elements above. */
	g->revoking = 0;
	gate_cmd_revoke(g->cmd, door, a);
	n += (int)g->revoking;
	g->revoking = 0;
	return n;
}

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
	if (rc == 0 && g->metrics) {
		uint64_t end = 0;
		if (d->open_len && g->nft) {
			uint32_t t = gr->timeout_s ? gr->timeout_s : d->open_timeout_s;
			end = loop_now_ms() + (uint64_t)t * 1000u;
		}
		metrics_granted(g->metrics, d->name, &gr->addr, end);
	}
	return rc;
}
