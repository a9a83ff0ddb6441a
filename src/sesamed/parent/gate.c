/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gate — the dispatcher: every grant, validated, to its door's gate. */
#include "gate.h"

#include <errno.h>
#include <stdlib.h>

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

/* GR, which its gates took: counted. */
static void granted(struct gates *g, const struct config *cfg, const struct grant *gr)
{
	if (!g->metrics)
		return;
	const struct door *d = &cfg->doors[gr->door];
	uint64_t end = 0;
	if (d->open_len && g->nft) {
		uint32_t t = gr->timeout_s ? gr->timeout_s : d->open_timeout_s;
		end = loop_now_ms() + (uint64_t)t * 1000u;
	}
	metrics_granted(g->metrics, d->name, &gr->addr, end);
}

static bool valid(const struct config *cfg, const struct grant *gr)
{
	if (grant_validate(gr, cfg))
		return true;
	log_err("refusing a malformed grant (door index %u)", gr ? gr->door : 0);
	return false;
}

int gates_dispatch(struct gates *g, const struct config *cfg,
		   const struct grant *gr)
{
	if (!valid(cfg, gr))
		return -EINVAL;
	const struct door *d = &cfg->doors[gr->door];
	int rc = 0;
	if (d->open_len && g->nft)
		rc = gate_nft_grant(g->nft, cfg, gr);
	if (gate_cmd_door_has_commands(d)) {
		int r = gate_cmd_grant(g->cmd, cfg, gr);
		if (r < 0 && rc == 0)
			rc = r;
	}
	if (rc == 0)
		granted(g, cfg, gr);
	return rc;
}

int gates_dispatch_many(struct gates *g, const struct config *cfg,
			const struct grant *gr, size_t n, int *res)
{
	if (n == 1)
		return res[0] = gates_dispatch(g, cfg, gr);
	struct grant *nft = g->nft ? malloc(n * sizeof *nft) : NULL;
	size_t *at = nft ? malloc(n * sizeof *at) : NULL;
	int *nres = at ? malloc(n * sizeof *nres) : NULL;
	if (g->nft && !nres) {
		free(nft);
		free(at);
		int first = 0;
		for (size_t i = 0; i < n; i++)
			if ((res[i] = gates_dispatch(g, cfg, &gr[i])) < 0 && !first)
				first = res[i];
		return first;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		res[i] = valid(cfg, &gr[i]) ? 0 : -EINVAL;
		if (res[i] == 0 && g->nft && cfg->doors[gr[i].door].open_len) {
			nft[k] = gr[i];
			at[k++] = i;
		}
	}
	if (k) {
		gate_nft_grant_many(g->nft, cfg, nft, k, nres);
		for (size_t j = 0; j < k; j++)
			res[at[j]] = nres[j];
	}
	free(nft);
	free(at);
	free(nres);
	/* Commands are processes of their own: one by one, as always. */
	int first = 0;
	for (size_t i = 0; i < n; i++) {
		if (grant_validate(&gr[i], cfg) &&
		    gate_cmd_door_has_commands(&cfg->doors[gr[i].door])) {
			int r = gate_cmd_grant(g->cmd, cfg, &gr[i]);
			if (r < 0 && res[i] == 0)
				res[i] = r;
		}
		if (res[i] == 0)
			granted(g, cfg, &gr[i]);
		else if (!first)
			first = res[i];
	}
	return first;
}
