/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nft_render — see nft_render.h. */
#include "nft_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "numparse.h"

bool nft_table_name_ok(const char *name)
{
	size_t n = strnlen(name, CONFIG_NAME_MAX);
	if (n == 0 || n >= CONFIG_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
		bool digit = c >= '0' && c <= '9';
		if (!alpha && !(digit && i > 0))
			return false;
	}
	return true;
}

bool nft_door_gated(const struct door *d)
{
	return d->open_len > 0;
}

bool nft_door_forwarded(const struct door *d)
{
	return nft_door_gated(d) && d->forward;
}

bool nft_door_input(const struct door *d)
{
	return nft_door_gated(d) && !(d->forward && d->forward_to.family);
}

bool nft_wants_forward(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->ndoors; i++)
		if (nft_door_forwarded(&cfg->doors[i]))
			return true;
	return false;
}

size_t nft_ident(const char *name, char *buf, size_t len)
{
	size_t n = strnlen(name, CONFIG_NAME_MAX - 1), o = 0;
	if (len < n + 2) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	if (n == 0 || (name[0] >= '0' && name[0] <= '9'))
		buf[o++] = '_';
	for (size_t k = 0; k < n; k++) {
		char c = name[k];
		bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '_';
		buf[o++] = keep ? c : '_';
	}
	buf[o] = '\0';
	return o;
}

const char *nft_set_name(const struct config *cfg, size_t i, int family,
			 char *buf, size_t len)
{
	const char *name = cfg->doors[i].name;
	/* Room for '_' prefix, the name, "_v4" and NUL. */
	if (len < strnlen(name, CONFIG_NAME_MAX - 1) + 5) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	size_t o = nft_ident(name, buf, len);
	memcpy(buf + o, family == AF_INET6 ? "_v6" : "_v4", 4);
	return buf;
}

bool nft_config_ok(const struct config *cfg, char *err, size_t errlen)
{
	if (!nft_table_name_ok(cfg->nft_table)) {
		snprintf_safe(err, errlen, "NftTable '%.*s': " NFT_TABLE_NAME_RULE,
			      CONFIG_NAME_MAX, cfg->nft_table);
		return false;
	}
	char a[NFT_SETNAME_MAX], b[NFT_SETNAME_MAX];
	for (size_t i = 0; i < cfg->ndoors; i++) {
		if (!nft_door_gated(&cfg->doors[i]))
			continue;
		nft_set_name(cfg, i, AF_INET, a, sizeof a);
		for (size_t j = 0; j < i; j++) {
			if (!nft_door_gated(&cfg->doors[j]))
				continue;
			if (strcmp(a, nft_set_name(cfg, j, AF_INET, b, sizeof b)) == 0) {
				snprintf_safe(err, errlen,
					      "doors '%s' and '%s' map to the same nftables set %s; rename one",
					      cfg->doors[j].name, cfg->doors[i].name, a);
				return false;
			}
		}
	}
	return true;
}

/* Appends "{ tcp . 22, udp . 53 }" for the N ports at P. */
static void port_list(struct strbuf *out, const struct port_proto *p, size_t n)
{
	strbuf_puts(out, "{ ");
	for (size_t i = 0; i < n; i++)
		strbuf_printf(out, "%s%s . %u", i ? ", " : "", port_proto_name(p[i].proto),
			      (unsigned)p[i].port);
	strbuf_puts(out, " }");
}

/* Port sets are small (a few dozen at most), so linear de-duplication. */
struct port_set {
	struct port_proto *p;
	size_t n, cap;
};

static bool port_set_add(struct port_set *s, struct port_proto pp)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->p[i].port == pp.port && s->p[i].proto == pp.proto)
			return true;
	if (s->n == s->cap)
		return false;
	s->p[s->n++] = pp;
	return true;
}

/* Every port the chain drops for strangers: guarded ports of gated doors,
 * sequence ports of every door, SPA ports.  One-time sequences (ports in
 * a file that changes) are not known here and are not dropped. */
static size_t silent_ports(const struct config *cfg, struct port_proto *buf, size_t cap)
{
	struct port_set s = { buf, 0, cap };
	for (size_t i = 0; i < cfg->ndoors; i++) {
		const struct door *d = &cfg->doors[i];
		for (size_t k = 0; nft_door_input(d) && k < d->open_len; k++)
			port_set_add(&s, d->open[k]);
		for (size_t k = 0; k < d->seq_len && k < CONFIG_SEQ_MAX; k++)
			port_set_add(&s, d->seq[k]);
		if (d->spa_format != SPA_FORMAT_NONE && d->spa_port)
			port_set_add(&s, (struct port_proto){ d->spa_port, PROTO_UDP });
	}
	return s.n;
}

static size_t silent_cap(const struct config *cfg)
{
	return cfg->ndoors * (CONFIG_OPEN_MAX + CONFIG_SEQ_MAX + 1);
}

size_t nft_render_rule_count(const struct config *cfg)
{
	size_t n = 1;                           /* ct state */
	for (size_t i = 0; i < cfg->ndoors; i++)
		if (nft_door_input(&cfg->doors[i]))
			n += 2;
	bool any = false;
	for (size_t i = 0; i < cfg->ndoors && !any; i++) {
		const struct door *d = &cfg->doors[i];
		any = (nft_door_input(d) && d->open_len) || d->seq_len ||
		      (d->spa_format != SPA_FORMAT_NONE && d->spa_port);
	}
	return n + any;
}

/* Address families a forwarded door's accept rules cover: its Forward_To's
 * only, or both. */
static size_t forward_families(const struct door *d)
{
	return d->forward_to.family ? 1 : 2;
}

static size_t forward_ports(const struct door *d)
{
	return d->open_len < CONFIG_OPEN_MAX ? d->open_len : CONFIG_OPEN_MAX;
}

size_t nft_render_forward_rule_count(const struct config *cfg)
{
	if (!nft_wants_forward(cfg))
		return 0;
	size_t n = 1;                           /* ct state */
	for (size_t i = 0; i < cfg->ndoors; i++) {
		const struct door *d = &cfg->doors[i];
		if (nft_door_forwarded(d))
			n += forward_ports(d) * (forward_families(d) + 1);     /* accepts, drop */
	}
	return n;
}

/* Which forwarded connections door D guards for its port PP: "meta
 * l4proto tcp", then either "ct status dnat" (any port forward) or its
 * Forward_To destination as the packet now has it (after any DNAT), then
 * the port as the client sent it, "ct original proto-dst 2222".  nft types
 * proto-dst only after the protocol, and prints a set of such ports in a
 * form it cannot read back, hence one rule per port. */
static void forward_match(struct strbuf *out, const struct door *d, const struct port_proto *pp)
{
	strbuf_printf(out, "meta l4proto %s", port_proto_name(pp->proto));
	if (d->forward_to.family) {
		char a[ADDR_STRLEN];
		strbuf_printf(out, " %s %s", d->forward_to.family == AF_INET6 ? "ip6 daddr" : "ip daddr",
			      addr_format(&d->forward_to, a, sizeof a));
		if (d->forward_to_port)
			strbuf_printf(out, " th dport %u", (unsigned)d->forward_to_port);
	} else {
		strbuf_puts(out, " ct status dnat");
	}
	strbuf_printf(out, " ct original proto-dst %u", (unsigned)pp->port);
}

static void forward_rules(const struct config *cfg, struct strbuf *out)
{
	const char *t = cfg->nft_table;
	char set[NFT_SETNAME_MAX];
	static const struct { int family; const char *match; } fam[] = {
		{ AF_INET, "ip saddr" }, { AF_INET6, "ip6 saddr" },
	};
	strbuf_printf(out, "add rule inet %s %s ct state established,related accept\n",
		      t, NFT_FORWARD_CHAIN);
	/* Every door's accepts before any door's drop, as on the input path:
	 * a grant of either of two doors guarding one port opens it. */
	for (int drop = 0; drop < 2; drop++) {
		for (size_t i = 0; i < cfg->ndoors; i++) {
			const struct door *d = &cfg->doors[i];
			if (!nft_door_forwarded(d))
				continue;
			for (size_t k = 0; k < forward_ports(d); k++) {
				if (drop) {
					strbuf_printf(out, "add rule inet %s %s ", t, NFT_FORWARD_CHAIN);
					forward_match(out, d, &d->open[k]);
					strbuf_puts(out, " drop\n");
					continue;
				}
				for (size_t f = 0; f < 2; f++) {
					if (d->forward_to.family && d->forward_to.family != fam[f].family)
						continue;
					strbuf_printf(out, "add rule inet %s %s ", t, NFT_FORWARD_CHAIN);
					forward_match(out, d, &d->open[k]);
					strbuf_printf(out, " %s . meta l4proto . ct original proto-dst @%s accept\n",
						      fam[f].match,
						      nft_set_name(cfg, i, fam[f].family, set, sizeof set));
				}
			}
		}
	}
}

void nft_render_load(const struct config *cfg, const char *const *drop_sets,
		     size_t ndrop, bool drop_forward, struct strbuf *out)
{
	const char *t = cfg->nft_table;
	char set[NFT_SETNAME_MAX];

	strbuf_printf(out, "add table inet %s\n", t);
	strbuf_printf(out, "add chain inet %s %s { type filter hook input priority filter - 10; policy accept; }\n",
		      t, NFT_CHAIN);
	/* Rules go first so that the sets they reference can be deleted. */
	strbuf_printf(out, "flush chain inet %s %s\n", t, NFT_CHAIN);
	bool forward = nft_wants_forward(cfg);
	if (forward || drop_forward) {
		strbuf_printf(out, "add chain inet %s %s { type filter hook forward priority %s; policy accept; }\n",
			      t, NFT_FORWARD_CHAIN, NFT_FORWARD_PRIORITY);
		strbuf_printf(out, "flush chain inet %s %s\n", t, NFT_FORWARD_CHAIN);
	}
	if (!forward && drop_forward)
		strbuf_printf(out, "delete chain inet %s %s\n", t, NFT_FORWARD_CHAIN);
	for (size_t i = 0; i < ndrop; i++)
		strbuf_printf(out, "delete set inet %s %s\n", t, drop_sets[i]);
	for (size_t i = 0; i < cfg->ndoors; i++) {
		if (!nft_door_gated(&cfg->doors[i]))
			continue;
		strbuf_printf(out, "add set inet %s %s { type ipv4_addr . inet_proto . inet_service; flags timeout; }\n",
			      t, nft_set_name(cfg, i, AF_INET, set, sizeof set));
		strbuf_printf(out, "add set inet %s %s { type ipv6_addr . inet_proto . inet_service; flags timeout; }\n",
			      t, nft_set_name(cfg, i, AF_INET6, set, sizeof set));
	}
	strbuf_printf(out, "add rule inet %s %s ct state established,related accept\n", t, NFT_CHAIN);
	for (size_t i = 0; i < cfg->ndoors; i++) {
		const struct door *d = &cfg->doors[i];
		if (!nft_door_input(d))
			continue;
		static const struct { int family; const char *match; } fam[] = {
			{ AF_INET, "ip saddr" }, { AF_INET6, "ip6 saddr" },
		};
		for (size_t f = 0; f < 2; f++) {
			strbuf_printf(out, "add rule inet %s %s meta l4proto . th dport ", t, NFT_CHAIN);
			port_list(out, d->open, d->open_len < CONFIG_OPEN_MAX ? d->open_len : CONFIG_OPEN_MAX);
			strbuf_printf(out, " %s . meta l4proto . th dport @%s accept\n", fam[f].match,
				      nft_set_name(cfg, i, fam[f].family, set, sizeof set));
		}
	}
	if (forward)
		forward_rules(cfg, out);
	size_t cap = silent_cap(cfg);
	if (cap == 0)
		return;
	struct port_proto *silent = calloc(cap, sizeof *silent);
	if (!silent) {
		out->failed = true;
		return;
	}
	size_t n = silent_ports(cfg, silent, cap);
	if (n) {
		strbuf_printf(out, "add rule inet %s %s meta l4proto . th dport ", t, NFT_CHAIN);
		port_list(out, silent, n);
		strbuf_puts(out, " drop\n");
	}
	free(silent);
}

/* With EXPIRES, "timeout Ns expires Ns": the kernel renews an existing
 * element's expiry on add only when told the expiry (a repeated add with
 * the same timeout alone leaves it running down). */

void nft_render_revoke(const struct config *cfg, size_t door, const struct addr *a,
		       const struct port_proto *pp, struct strbuf *out)
{
	char set[NFT_SETNAME_MAX], ab[ADDR_STRLEN];
	nft_set_name(cfg, door, a->family, set, sizeof set);
	strbuf_printf(out, "delete element inet %s %s { %s . %s . %u }\n", cfg->nft_table, set,
		      addr_format(a, ab, sizeof ab), port_proto_name(pp->proto), (unsigned)pp->port);
}

void nft_render_remove(const char *table, struct strbuf *out)
{
	strbuf_printf(out, "delete table inet %s\n", table);
}

void nft_render_probe(const char *table, int step, struct strbuf *out)
{
	switch (step) {
	case 0:
		strbuf_printf(out, "add set inet %s %s { type inet_service; flags timeout; }\n"
			      "add element inet %s %s { 1 timeout 1000s expires 500s }\n",
			      table, NFT_PROBE_SET, table, NFT_PROBE_SET);
		break;
	case 1:
		strbuf_printf(out, "add element inet %s %s { 1 timeout 1000s expires 1000s }\n",
			      table, NFT_PROBE_SET);
		break;
	default:
		strbuf_printf(out, "delete set inet %s %s\n", table, NFT_PROBE_SET);
		break;
	}
}
