/* gate — grant_validate() (gate.h) and the dispatcher (gates.h). */
#include "gate.h"
#include "gates.h"

#include <errno.h>
#include <sys/socket.h>

#include "log.h"

static bool door_opens(const struct door *d, const struct port_proto *pp)
{
	for (size_t i = 0; i < d->open_len; i++)
		if (d->open[i].port == pp->port && d->open[i].proto == pp->proto)
			return true;
	return false;
}

bool grant_validate(const struct grant *gr, const struct config *cfg)
{
	if (!gr || !cfg || gr->door >= cfg->ndoors)
		return false;
	if (gr->addr.family != AF_INET && gr->addr.family != AF_INET6)
		return false;
	const struct door *d = &cfg->doors[gr->door];
	if (gr->nports > CONFIG_OPEN_MAX || gr->nports > d->open_len)
		return false;
	for (uint32_t i = 0; i < gr->nports; i++)
		if (!door_opens(d, &gr->ports[i]))
			return false;
	/* The longest this door may ever grant. */
	uint32_t max = d->cmd_timeout_s;
	if (d->open_len && d->open_timeout_s > max)
		max = d->open_timeout_s;
	return gr->timeout_s <= max;
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
	return rc;
}
