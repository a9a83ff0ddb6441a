/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rules_ipt — `sesame rules --format iptables`: the xt_recent scheme
 * popularised by the ArchWiki, compiled per door, for iptables-restore
 * (--family 4) or ip6tables-restore (--family 6).  See rules.h. */
#include "rules.h"

#include <string.h>

#include "addr.h"

/* Chain names are limited to 28 characters: "SK<index>_<name, cut>". */
static void chain(char *buf, size_t len, const struct rules_door *rd, const char *suffix)
{
	char name[13];
	size_t o = 0;
	for (const char *p = rd->door->name; *p && o + 1 < sizeof name; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_';
		name[o++] = ok ? c : '_';
	}
	name[o] = '\0';
	snprintf(buf, len, "SK%u_%s%s", rd->index, name, suffix);
}

/* xt_recent list names, per family so v4 and v6 never share one. */
static void list(char *buf, size_t len, const struct rules_door *rd, const char *what,
		 const struct rules_opts *o)
{
	char c[32];
	chain(c, sizeof c, rd, "");
	snprintf(buf, len, "%s_%s_%d", c, what, o->family);
}

static void flags(FILE *out, const struct door *d)
{
	static const struct { uint8_t bit; const char *name; } names[] = {
		{ TCPF_FIN, "FIN" }, { TCPF_SYN, "SYN" }, { TCPF_RST, "RST" },
		{ TCPF_PSH, "PSH" }, { TCPF_ACK, "ACK" }, { TCPF_URG, "URG" },
	};
	uint8_t mask = d->tcpflags_set | d->tcpflags_clear;
	fprintf(out, " --tcp-flags ");
	const char *sep = "";
	for (size_t i = 0; i < 6; i++)
		if (mask & names[i].bit) {
			fprintf(out, "%s%s", sep, names[i].name);
			sep = ",";
		}
	fprintf(out, " ");
	sep = "";
	if (!d->tcpflags_set)
		fprintf(out, "NONE");
	for (size_t i = 0; i < 6; i++)
		if (d->tcpflags_set & names[i].bit) {
			fprintf(out, "%s%s", sep, names[i].name);
			sep = ",";
		}
}

static void match(FILE *out, const char *ch, const struct rules_door *rd, size_t k)
{
	const struct door *d = rd->door;
	const struct port_proto *pp = &d->seq[k];
	const char *proto = port_proto_name(pp->proto);
	fprintf(out, "-A %s", ch);
	if (d->target.family) {
		char t[ADDR_STRLEN];
		fprintf(out, " -d %s", addr_format(&d->target, t, sizeof t));
	}
	fprintf(out, " -p %s -m %s --dport %u", proto, proto, pp->port);
	if (pp->proto == PROTO_TCP && d->has_tcpflags)
		flags(out, d);
}

static void door(FILE *out, const struct rules_door *rd, const struct rules_opts *o)
{
	const struct door *d = rd->door;
	size_t n = d->seq_len;
	unsigned t = (d->seq_timeout_ms + 999) / 1000;
	char main_ch[32], rst[32], step[32], l[64], l2[64], start[64], open[64];
	chain(main_ch, sizeof main_ch, rd, "");
	chain(rst, sizeof rst, rd, "_RST");
	list(start, sizeof start, rd, "start", o);
	list(open, sizeof open, rd, "open", o);

	fprintf(out, "\n# door %s: guarded ports, for sources on %s (Open_Timeout %us)\n",
		d->name, open, rd->open_timeout_s);
	for (size_t j = 0; j < rd->open_len; j++) {
		const char *proto = port_proto_name(rd->open[j].proto);
		fprintf(out, "-A %s -p %s -m %s --dport %u -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN\n",
			main_ch, proto, proto, rd->open[j].port);
		fprintf(out, "-A %s -p %s -m %s --dport %u -m recent --rcheck --seconds %u --name %s -j RETURN\n",
			main_ch, proto, proto, rd->open[j].port, rd->open_timeout_s, open);
		fprintf(out, "-A %s -p %s -m %s --dport %u -j DROP\n",
			main_ch, proto, proto, rd->open[j].port);
	}

	fprintf(out, "# step 1 starts (or restarts) an attempt\n");
	chain(step, sizeof step, rd, "_S1");
	match(out, main_ch, rd, 0);
	fprintf(out, " -j %s\n", step);
	for (size_t k = 1; k < n; k++) {
		char sname[24];
		snprintf(sname, sizeof sname, "_S%zu", k + 1);
		chain(step, sizeof step, rd, sname);
		snprintf(sname, sizeof sname, "S%zu", k);
		list(l, sizeof l, rd, sname, o);
		fprintf(out, "# step %zu: only from step %zu, within Seq_Timeout (%us) of step 1\n",
			k + 1, k, t);
		match(out, main_ch, rd, k);
		fprintf(out, " -m recent --rcheck --seconds %u --name %s -m recent --rcheck --name %s -j %s\n",
			t, start, l, step);
		fprintf(out, "# step %zu out of order: the attempt is over\n", k + 1);
		match(out, main_ch, rd, k);
		fprintf(out, " -j %s\n", rst);
	}

	/* The step chains: forget the previous position, record the new. */
	for (size_t k = 0; k < n; k++) {
		char sname[24];
		snprintf(sname, sizeof sname, "_S%zu", k + 1);
		chain(step, sizeof step, rd, sname);
		if (k == 0) {
			for (size_t j = 2; j < n; j++) {
				snprintf(sname, sizeof sname, "S%zu", j);
				list(l, sizeof l, rd, sname, o);
				fprintf(out, "-A %s -m recent --name %s --remove\n", step, l);
			}
		} else {
			snprintf(sname, sizeof sname, "S%zu", k);
			list(l, sizeof l, rd, sname, o);
			fprintf(out, "-A %s -m recent --name %s --remove\n", step, l);
		}
		if (k + 1 == n) {
			if (n > 1)
				fprintf(out, "-A %s -m recent --name %s --remove\n", step, start);
			fprintf(out, "-A %s -m recent --name %s --set -j DROP\n", step, open);
		} else {
			if (k == 0)
				fprintf(out, "-A %s -m recent --name %s --set\n", step, start);
			snprintf(sname, sizeof sname, "S%zu", k + 1);
			list(l2, sizeof l2, rd, sname, o);
			fprintf(out, "-A %s -m recent --name %s --set -j DROP\n", step, l2);
		}
	}
	if (n > 1) {
		fprintf(out, "-A %s -m recent --name %s --remove\n", rst, start);
		for (size_t j = 1; j < n; j++) {
			char sname[24];
			snprintf(sname, sizeof sname, "S%zu", j);
			list(l, sizeof l, rd, sname, o);
			fprintf(out, "-A %s -m recent --name %s --remove\n", rst, l);
		}
		fprintf(out, "-A %s -j DROP\n", rst);
	}
}

void rules_print_iptables(FILE *out, const struct rules_door *doors, size_t n,
			  const struct rules_opts *o)
{
	const char *cmd = o->family == 6 ? "ip6tables-restore" : "iptables-restore";
	fprintf(out,
		"# Generated by `sesame rules --format iptables%s`: port knocking with\n"
		"# the xt_recent module, no daemon.  Load with `%s FILE`\n"
		"# (this replaces the filter table; with --noflush your rules stay and\n"
		"# these chains are put first in INPUT).  It only restricts: knocks and\n"
		"# guarded ports are dropped for everyone not granted; everything else\n"
		"# goes on to INPUT's other rules%s.\n"
		"# Note: xt_recent keeps at most 100 addresses per list unless the module\n"
		"# is loaded with a larger ip_list_tot (modprobe xt_recent ip_list_tot=N);\n"
		"# past that the oldest entries are forgotten.\n"
		"# Unlike sesamed, a retransmitted knock counts as out of order.\n"
		"*filter\n",
		o->family == 6 ? " --family 6" : "", cmd,
		o->family == 6 ? " (ICMPv6 neighbour discovery is untouched)" : "");
	for (size_t i = 0; i < n; i++) {
		char c[32];
		chain(c, sizeof c, &doors[i], "");
		fprintf(out, ":%s - [0:0]\n", c);
		chain(c, sizeof c, &doors[i], "_RST");
		if (doors[i].door->seq_len > 1)
			fprintf(out, ":%s - [0:0]\n", c);
		for (size_t k = 0; k < doors[i].door->seq_len; k++) {
			char sname[24];
			snprintf(sname, sizeof sname, "_S%zu", k + 1);
			chain(c, sizeof c, &doors[i], sname);
			fprintf(out, ":%s - [0:0]\n", c);
		}
	}
	for (size_t i = n; i-- > 0;) {
		char c[32];
		chain(c, sizeof c, &doors[i], "");
		fprintf(out, "-I INPUT 1 -j %s\n", c);
	}
	for (size_t i = 0; i < n; i++)
		door(out, &doors[i], o);
	fprintf(out, "COMMIT\n");
}
