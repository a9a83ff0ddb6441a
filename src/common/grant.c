/* SPDX-License-Identifier: GPL-2.0-or-later */
/* grant — the one check every grant passes before a gate acts on it. */
#include "grant.h"

#include <sys/socket.h>

static bool same_port(const struct port_proto *a, const struct port_proto *b)
{
	return a->port == b->port && a->proto == b->proto;
}

bool grant_door_opens(const struct door *d, const struct port_proto *pp)
{
	for (size_t i = 0; i < d->open_len; i++)
		if (same_port(&d->open[i], pp))
			return true;
	return false;
}

size_t grant_dedup_ports(struct port_proto *ports, size_t n)
{
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (size_t j = 0; j < out && !seen; j++)
			seen = same_port(&ports[j], &ports[i]);
		if (!seen)
			ports[out++] = ports[i];
	}
	return out;
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
	for (uint32_t i = 0; i < gr->nports; i++) {
		if (!grant_door_opens(d, &gr->ports[i]))
			return false;
		for (uint32_t j = 0; j < i; j++)
			if (same_port(&gr->ports[j], &gr->ports[i]))
				return false;
	}
	return gr->timeout_s <= grant_max_timeout_s(d);
}

uint32_t grant_max_timeout_s(const struct door *d)
{
	/* A door with Open is bounded by Open_Timeout (the nft gate refuses
	 * more, even when Cmd_Timeout is longer), a command door by
	 * Cmd_Timeout. */
	return d->open_len ? d->open_timeout_s : d->cmd_timeout_s;
}
