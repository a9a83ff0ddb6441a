/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rules_nft — `sesame rules --format nft`: one `table inet` for every
 * door, both address families, loadable with `nft -f`.  See rules.h for
 * the model; the comments printed in the output explain each rule to the
 * person who loads it. */
#include "rules.h"

#include <arpa/inet.h>
#include <string.h>

#include "addr.h"
#include "nft_render.h"

/* The door's nft identifier, as the gate names its sets. */
static void ident(char *buf, size_t len, const struct rules_door *rd)
{
	nft_ident(rd->door->name, buf, len);
}

struct fam {
	const char *suffix;     /* set name suffix */
	const char *type;       /* set element type */
	const char *saddr;      /* source address expression */
	const char *daddr;
	const char *nfproto;
	int af;
};
static const struct fam fams[2] = {
	{ "v4", "ipv4_addr", "ip saddr", "ip daddr", "ipv4", AF_INET },
	{ "v6", "ipv6_addr", "ip6 saddr", "ip6 daddr", "ipv6", AF_INET6 },
};

static void flags_expr(FILE *out, const struct door *d)
{
	static const struct { uint8_t bit; const char *name; } names[] = {
		{ TCPF_FIN, "fin" }, { TCPF_SYN, "syn" }, { TCPF_RST, "rst" },
		{ TCPF_PSH, "psh" }, { TCPF_ACK, "ack" }, { TCPF_URG, "urg" },
	};
	uint8_t mask = d->tcpflags_set | d->tcpflags_clear;
	const char *sep = "";
	fprintf(out, " tcp flags & (");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (mask & names[i].bit) {
			fprintf(out, "%s%s", sep, names[i].name);
			sep = " | ";
		}
	fprintf(out, ") == ");
	if (!d->tcpflags_set) {
		fprintf(out, "0x0");
		return;
	}
	sep = "";
	fprintf(out, "%s", (d->tcpflags_set & (d->tcpflags_set - 1)) ? "(" : "");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (d->tcpflags_set & names[i].bit) {
			fprintf(out, "%s%s", sep, names[i].name);
			sep = " | ";
		}
	fprintf(out, "%s", (d->tcpflags_set & (d->tcpflags_set - 1)) ? ")" : "");
}

/* "meta nfproto ipv4 [ip daddr T] tcp dport P [tcp flags ...]" */
static void step_match(FILE *out, const struct rules_door *rd, const struct fam *f, size_t k)
{
	const struct door *d = rd->door;
	const struct port_proto *pp = &d->seq[k];
	fprintf(out, "\t\tmeta nfproto %s", f->nfproto);
	if (d->target.family) {
		char t[ADDR_STRLEN];
		fprintf(out, " %s %s", f->daddr, addr_format(&d->target, t, sizeof t));
	}
	fprintf(out, " %s dport %u", port_proto_name(pp->proto), pp->port);
	if (pp->proto == PROTO_TCP && d->has_tcpflags)
		flags_expr(out, d);
}

static void forget(FILE *out, const char *id, const struct fam *f, size_t from, size_t to)
{
	for (size_t j = from; j <= to; j++)
		fprintf(out, " delete @%s_at%zu_%s { %s }", id, j, f->suffix, f->saddr);
}

static void door_steps(FILE *out, const struct rules_door *rd, const struct fam *f)
{
	const struct door *d = rd->door;
	char id[CONFIG_NAME_MAX];
	ident(id, sizeof id, rd);
	size_t n = d->seq_len;
	unsigned t = (d->seq_timeout_ms + 999) / 1000;

	fprintf(out, "\n\t\t# door %s (%s): step 1 starts (or restarts) an attempt\n",
		d->name, f->suffix);
	step_match(out, rd, f, 0);
	if (n == 1) {
		fprintf(out, " update @%s_open_%s { %s timeout %us } drop\n",
			id, f->suffix, f->saddr, rd->open_timeout_s);
		return;
	}
	fprintf(out, " update @%s_start_%s { %s timeout %us }", id, f->suffix, f->saddr, t);
	forget(out, id, f, 2, n - 1);
	fprintf(out, " update @%s_at1_%s { %s timeout %us } drop\n", id, f->suffix, f->saddr, t);

	for (size_t k = 1; k < n; k++) {
		fprintf(out, "\t\t# step %zu: only from step %zu, within Seq_Timeout of step 1\n",
			k + 1, k);
		step_match(out, rd, f, k);
		fprintf(out, " %s @%s_start_%s %s @%s_at%zu_%s delete @%s_at%zu_%s { %s }",
			f->saddr, id, f->suffix, f->saddr, id, k, f->suffix,
			id, k, f->suffix, f->saddr);
		if (k + 1 == n)
			fprintf(out, " delete @%s_start_%s { %s } update @%s_open_%s { %s timeout %us } drop\n",
				id, f->suffix, f->saddr, id, f->suffix, f->saddr, rd->open_timeout_s);
		else
			fprintf(out, " update @%s_at%zu_%s { %s timeout %us } drop\n",
				id, k + 1, f->suffix, f->saddr, t);
		fprintf(out, "\t\t# step %zu out of order: the attempt is over\n", k + 1);
		step_match(out, rd, f, k);
		fprintf(out, " delete @%s_start_%s { %s }", id, f->suffix, f->saddr);
		forget(out, id, f, 1, n - 1);
		fprintf(out, " drop\n");
	}
}

static void door_sets(FILE *out, const struct rules_door *rd, const struct rules_opts *o)
{
	const struct door *d = rd->door;
	char id[CONFIG_NAME_MAX];
	ident(id, sizeof id, rd);
	for (size_t fi = 0; fi < 2; fi++) {
		const struct fam *f = &fams[fi];
		if (d->target.family && d->target.family != f->af)
			continue;
		fprintf(out, "\n\t# door %s, %s: sources granted, for Open_Timeout = %us\n",
			d->name, f->suffix, rd->open_timeout_s);
		fprintf(out, "\tset %s_open_%s { type %s; flags dynamic, timeout; size %u; }\n",
			id, f->suffix, f->type, o->set_size);
		if (d->seq_len < 2)
			continue;
		fprintf(out, "\t# attempts in progress; an element expires Seq_Timeout after step 1\n");
		fprintf(out, "\tset %s_start_%s { type %s; flags dynamic, timeout; size %u; }\n",
			id, f->suffix, f->type, o->set_size);
		for (size_t k = 1; k < d->seq_len; k++)
			fprintf(out, "\tset %s_at%zu_%s { type %s; flags dynamic, timeout; size %u; }\n",
				id, k, f->suffix, f->type, o->set_size);
	}
}

/* A door with Forward_To guards that inner destination only, not the
 * host's own ports (as sesamed's gate). */
static bool guards_input(const struct rules_door *rd)
{
	return !(rd->forward && rd->forward_to->family);
}

/* "meta l4proto tcp ct status dnat ct original proto-dst 2222", or with
 * Forward_To "meta l4proto tcp ip daddr A [th dport P] ct original
 * proto-dst 2222": the same match as sesamed's gate (nft_render.c). */
static void forward_match(FILE *out, const struct rules_door *rd, const struct port_proto *pp)
{
	fprintf(out, "\t\tmeta l4proto %s", port_proto_name(pp->proto));
	if (rd->forward_to->family) {
		char a[ADDR_STRLEN];
		fprintf(out, " %s %s", rd->forward_to->family == AF_INET6 ? "ip6 daddr" : "ip daddr",
			addr_format(rd->forward_to, a, sizeof a));
		if (rd->forward_to_port)
			fprintf(out, " th dport %u", rd->forward_to_port);
	} else {
		fprintf(out, " ct status dnat");
	}
	fprintf(out, " ct original proto-dst %u", pp->port);
}

static bool family_used(const struct rules_door *rd, const struct fam *f)
{
	const struct door *d = rd->door;
	return !(d->target.family && d->target.family != f->af) &&
	       !(rd->forward_to->family && rd->forward_to->family != f->af);
}

/* The head of the chain on HOOK: it runs before the usual filter chains
 * and lets established sessions through, so a grant that ends cuts no
 * session it let open.  NOTE, when not NULL, is a comment line. */
static void base_chain(FILE *out, const char *hook, const char *note)
{
	fprintf(out, "\tchain %s {\n"
		"\t\ttype filter hook %s priority filter - 10; policy accept;\n", hook, hook);
	if (note)
		fprintf(out, "\t\t# %s\n", note);
	fprintf(out, "\t\tct state established,related accept\n");
}

static void forward_chain(FILE *out, const struct rules_door *doors, size_t n)
{
	bool any = false;
	for (size_t i = 0; i < n; i++)
		any = any || doors[i].forward;
	if (!any)
		return;
	fprintf(out,
		"\n\t# Forwarded connections (port forwards, published container ports):\n"
		"\t# the ports as the client sent them, before any DNAT rewrote them.\n"
		"\t# Runs before Docker's, libvirt's and firewalld's forward chains.\n");
	base_chain(out, "forward", NULL);
	for (size_t i = 0; i < n; i++) {
		const struct rules_door *rd = &doors[i];
		if (!rd->forward)
			continue;
		char id[CONFIG_NAME_MAX];
		ident(id, sizeof id, rd);
		fprintf(out, "\n\t\t# door %s: forwarded to ", rd->door->name);
		if (rd->forward_to->family) {
			char a[ADDR_STRLEN];
			addr_format(rd->forward_to, a, sizeof a);
			if (rd->forward_to_port)
				fprintf(out, rd->forward_to->family == AF_INET6 ? "[%s]:%u" : "%s:%u",
					a, rd->forward_to_port);
			else
				fprintf(out, "%s", a);
		} else {
			fprintf(out, "any DNAT destination");
		}
		fprintf(out, ": granted sources only\n");
		for (size_t j = 0; j < rd->open_len; j++)
			for (size_t fi = 0; fi < 2; fi++) {
				if (!family_used(rd, &fams[fi]))
					continue;
				forward_match(out, rd, &rd->open[j]);
				fprintf(out, " %s @%s_open_%s accept\n", fams[fi].saddr, id, fams[fi].suffix);
			}
	}
	fprintf(out, "\n\t\t# ... and nobody else.\n");
	for (size_t i = 0; i < n; i++) {
		if (!doors[i].forward)
			continue;
		for (size_t j = 0; j < doors[i].open_len; j++) {
			forward_match(out, &doors[i], &doors[i].open[j]);
			fprintf(out, " drop\n");
		}
	}
	fprintf(out, "\t}\n");
}

void rules_print_nft(FILE *out, const struct rules_door *doors, size_t n,
		     const struct rules_opts *o)
{
	fprintf(out,
		"#!/usr/sbin/nft -f\n"
		"# Generated by `sesame rules --format nft`: port knocking in the kernel\n"
		"# alone, no daemon.  Load with `nft -f FILE`; remove with\n"
		"# `nft delete table inet %s`.  It only restricts: it drops knocks and\n"
		"# guarded ports for everyone not granted; your own ruleset must still\n"
		"# accept the guarded ports.  Sets hold at most %u addresses each.\n"
		"# Unlike sesamed, a retransmitted knock counts as out of order.\n\n"
		"table inet %s\n"
		"# Re-loading starts from scratch (attempts and grants are forgotten).\n"
		"delete table inet %s\n"
		"table inet %s {",
		o->table, o->set_size, o->table, o->table, o->table);
	for (size_t i = 0; i < n; i++)
		door_sets(out, &doors[i], o);
	fprintf(out, "\n\n");
	base_chain(out, "input", "Sessions opened during a grant outlive it.");
	for (size_t i = 0; i < n; i++) {
		const struct rules_door *rd = &doors[i];
		if (!guards_input(rd))
			continue;
		char id[CONFIG_NAME_MAX];
		ident(id, sizeof id, rd);
		fprintf(out, "\n\t\t# door %s: guarded ports accept granted sources\n", rd->door->name);
		for (size_t j = 0; j < rd->open_len; j++)
			for (size_t fi = 0; fi < 2; fi++) {
				const struct fam *f = &fams[fi];
				if (rd->door->target.family && rd->door->target.family != f->af)
					continue;
				fprintf(out, "\t\t%s dport %u %s @%s_open_%s accept\n",
					port_proto_name(rd->open[j].proto), rd->open[j].port,
					f->saddr, id, f->suffix);
			}
	}
	fprintf(out, "\n\t\t# ... and nobody else.\n");
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; guards_input(&doors[i]) && j < doors[i].open_len; j++) {
			const struct port_proto *pp = &doors[i].open[j];
			bool seen = false;
			for (size_t a = 0; a <= i && !seen; a++)
				for (size_t b = 0; guards_input(&doors[a]) && b < doors[a].open_len && !seen; b++) {
					if (a == i && b == j)
						break;
					seen = doors[a].open[b].port == pp->port &&
					       doors[a].open[b].proto == pp->proto;
				}
			if (!seen)
				fprintf(out, "\t\t%s dport %u drop\n", port_proto_name(pp->proto), pp->port);
		}
	for (size_t i = 0; i < n; i++)
		for (size_t fi = 0; fi < 2; fi++) {
			const struct door *d = doors[i].door;
			if (d->target.family && d->target.family != fams[fi].af)
				continue;
			door_steps(out, &doors[i], &fams[fi]);
		}
	fprintf(out, "\t}\n");
	forward_chain(out, doors, n);
	fprintf(out, "}\n");
}
