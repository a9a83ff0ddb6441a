/* SPDX-License-Identifier: GPL-2.0-or-later */
/* grant — the one check every grant passes before a gate acts on it. */
#include "grant.h"

#include <sys/socket.h>

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
	return gr->timeout_s <= grant_max_timeout_s(d);
}

uint32_t grant_max_timeout_s(const struct door *d)
{
	uint32_t max = d->cmd_timeout_s;
	if (d->open_len && d->open_timeout_s > max)
		max = d->open_timeout_s;
	return max;
}
