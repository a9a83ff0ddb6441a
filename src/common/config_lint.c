/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_lint — `sesamed -t`'s extra checks, and the checks of files a
 * config names.  Warnings only: everything here is legal, and knockd
 * would run it, but it is almost surely not what the author meant. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config_internal.h"
#include "onetime.h"
#include "rotseq.h"

/* Ports that ordinary traffic hits all day: as a knock port, a scan or a
 * real client disturbs the knock, and the knock port gives the service
 * away.  Protocol-agnostic on purpose. */
static const struct {
	uint16_t port;
	const char *name;
} services[] = {
	{ 20, "ftp-data" }, { 21, "ftp" }, { 22, "ssh" }, { 23, "telnet" },
	{ 25, "smtp" }, { 53, "domain" }, { 67, "dhcp" }, { 68, "dhcp" },
	{ 80, "http" }, { 110, "pop3" }, { 123, "ntp" }, { 137, "netbios" },
	{ 138, "netbios" }, { 139, "netbios" }, { 143, "imap" },
	{ 161, "snmp" }, { 389, "ldap" }, { 443, "https" }, { 445, "smb" },
	{ 465, "smtps" }, { 500, "isakmp" }, { 514, "syslog" },
	{ 587, "submission" }, { 631, "ipp" }, { 853, "dns-over-tls" },
	{ 993, "imaps" }, { 995, "pop3s" }, { 1194, "openvpn" },
	{ 1433, "mssql" }, { 1900, "ssdp" }, { 3306, "mysql" },
	{ 3389, "rdp" }, { 4500, "ipsec-nat-t" }, { 5060, "sip" },
	{ 5353, "mdns" }, { 5432, "postgresql" }, { 5900, "vnc" },
	{ 6379, "redis" }, { 8080, "http-alt" }, { 8443, "https-alt" },
	{ 51820, "wireguard" },
};

static const char *service_name(uint16_t port)
{
	for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
		if (services[i].port == port)
			return services[i].name;
	return NULL;
}

static bool same_pp(const struct port_proto *a, const struct port_proto *b)
{
	return a->port == b->port && a->proto == b->proto;
}

struct lint {
	const struct config *cfg;
	config_diag_fn diag;
	void *ctx;
	unsigned n;
};

static void __attribute__((format(printf, 3, 4)))
warn(struct lint *l, unsigned line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	config_report(l->diag, l->ctx, LOG_WARNING, l->cfg->path, line, "%s", msg);
	l->n++;
}

static void lint_sequence(struct lint *l, const struct door *d)
{
	const unsigned line = d->lines.sequence ? d->lines.sequence : d->line;
	if (d->seq_len == 1)
		warn(l, line, "door %s: a sequence of one port is found by any port "
		     "scan; use three or more", d->name);
	for (size_t i = 1; i < d->seq_len; i++)
		if (same_pp(&d->seq[i], &d->seq[i - 1]))
			warn(l, line, "door %s: port %u/%s repeated back to back: a "
			     "retransmitted SYN counts once, so this step is easily lost",
			     d->name, d->seq[i].port, port_proto_name(d->seq[i].proto));
	for (size_t i = 0; i < d->seq_len; i++) {
		const struct port_proto *k = &d->seq[i];
		bool dup = false;
		for (size_t j = 0; j < i; j++)
			dup |= same_pp(&d->seq[j], k);
		if (dup)
			continue;       /* one warning per port is enough */
		for (size_t j = 0; j < l->cfg->ndoors; j++) {
			const struct door *o = &l->cfg->doors[j];
			for (size_t m = 0; m < o->open_len; m++) {
				if (!same_pp(&o->open[m], k))
					continue;
				if (o == d)
					warn(l, line, "door %s: knock port %u/%s is also a port "
					     "this door opens (Open)", d->name, k->port,
					     port_proto_name(k->proto));
				else
					warn(l, line, "door %s: knock port %u/%s is a port door "
					     "%s opens (Open)", d->name, k->port,
					     port_proto_name(k->proto), o->name);
			}
			if (door_is_spa(o) && k->proto == PROTO_UDP && k->port == o->spa_port)
				warn(l, line, "door %s: knock port %u/udp is door %s's "
				     "SPA_Port", d->name, k->port, o->name);
		}
		const char *svc = service_name(k->port);
		if (svc)
			warn(l, line, "door %s: knock port %u/%s is a well-known service "
			     "port (%s): its ordinary traffic disturbs knocks and the "
			     "knock gives the port away", d->name, k->port,
			     port_proto_name(k->proto), svc);
	}
}

static void lint_door(struct lint *l, const struct door *d)
{
	if (d->has_tcpflags && (d->tcpflags_set & (TCPF_SYN | TCPF_ACK)) ==
	    (TCPF_SYN | TCPF_ACK))
		warn(l, d->lines.tcpflags, "door %s: TCPFlags requires both syn and "
		     "ack: an ordinary connect (knock, nmap, nc) sends a bare SYN, so "
		     "no knock will match; did you mean 'syn'?", d->name);
	else if (d->has_tcpflags && (d->tcpflags_set & TCPF_ACK))
		warn(l, d->lines.tcpflags, "door %s: TCPFlags requires ack: a knock "
		     "is a bare SYN (knock, nmap, nc), which has no ACK, so no knock "
		     "will match; did you mean 'syn' or 'syn,!ack'?", d->name);
	if (d->has_tcpflags && d->seq_len > 0) {
		bool any_tcp = false;
		for (size_t i = 0; i < d->seq_len; i++)
			any_tcp |= d->seq[i].proto == PROTO_TCP;
		if (!any_tcp)
			warn(l, d->lines.tcpflags, "door %s: TCPFlags has no effect on a "
			     "sequence of UDP ports only", d->name);
	}
	lint_sequence(l, d);

	if (d->stop_command && !d->has_cmd_timeout)
		warn(l, d->lines.stop_command, "door %s: Stop_Command without "
		     "Cmd_Timeout: it runs 10 s after Start_Command (knockd's "
		     "default); say Cmd_Timeout to make that explicit", d->name);
	if (d->stop_command6 && !d->has_cmd_timeout && !d->stop_command)
		warn(l, d->lines.stop_command6, "door %s: Stop_Command_6 without "
		     "Cmd_Timeout: it runs 10 s after Start_Command_6 (knockd's "
		     "default)", d->name);
	if (d->has_cmd_timeout && !d->stop_command && !d->stop_command6)
		warn(l, d->lines.cmd_timeout, "door %s: Cmd_Timeout without "
		     "Stop_Command has no effect", d->name);
	if ((d->stop_command || d->stop_command6) && !d->start_command &&
	    !d->start_command6)
		warn(l, d->lines.stop_command ? d->lines.stop_command :
		     d->lines.stop_command6, "door %s: Stop_Command without "
		     "Start_Command", d->name);
	if (d->lines.open_timeout && d->open_len == 0)
		warn(l, d->lines.open_timeout, "door %s: Open_Timeout without Open "
		     "has no effect", d->name);
	if (d->forward && d->forward_to.family && d->target.family &&
	    d->forward_to.family != d->target.family)
		warn(l, d->lines.forward_to, "door %s: Forward_To is an IPv%d address but "
		     "Target is IPv%d: a knocker is granted for its own address family, so "
		     "the forward path never opens", d->name,
		     d->forward_to.family == AF_INET6 ? 6 : 4, d->target.family == AF_INET6 ? 6 : 4);
	if ((door_is_sequence(d) || door_is_rotating(d)) && d->open_len == 0 &&
	    (!d->start_command || !*d->start_command) &&
	    (!d->start_command6 || !*d->start_command6))
		warn(l, d->line, "door %s: neither Open nor Start_Command: a "
		     "successful knock does nothing", d->name);
	if (door_is_spa(d)) {
		if (d->lines.seq_timeout)
			warn(l, d->lines.seq_timeout, "door %s: Seq_Timeout has no "
			     "effect on an SPA door", d->name);
		if (d->lines.tcpflags)
			warn(l, d->lines.tcpflags, "door %s: TCPFlags has no effect on "
			     "an SPA door", d->name);
		if (d->lines.target)
			warn(l, d->lines.target, "door %s: Target has no effect on an "
			     "SPA door", d->name);
		if (d->spa_format == SPA_FORMAT_FWKNOP && d->fwknop_hmac_digest == HMAC_MD5)
			warn(l, d->line, "door %s: Fwknop_HMAC_Digest md5 is weak; "
			     "prefer sha256", d->name);
		if (d->spa_accept_v1)
			warn(l, d->line, "door %s: SPA_Accept_V1: version 1 packets name no "
			     "port, so a copy sent to another door's port that holds the "
			     "same key opens that door; turn it off once clients are "
			     "updated", d->name);
	}
	for (size_t i = 0; i < l->cfg->ndoors; i++) {
		const struct door *o = &l->cfg->doors[i];
		if (o >= d)
			break;
		if (o->seq_len && o->seq_len == d->seq_len) {
			bool same = true;
			for (size_t j = 0; same && j < d->seq_len; j++)
				same = same_pp(&o->seq[j], &d->seq[j]);
			if (same)
				warn(l, d->lines.sequence, "door %s: same sequence as door %s "
				     "(line %u): one knock opens both", d->name, o->name,
				     o->lines.sequence);
		} else if (o->seq_len && d->seq_len) {
			const struct door *s = o->seq_len < d->seq_len ? o : d;
			const struct door *g = s == o ? d : o;
			bool prefix = true;
			for (size_t j = 0; prefix && j < s->seq_len; j++)
				prefix = same_pp(&s->seq[j], &g->seq[j]);
			if (prefix)
				warn(l, s->lines.sequence, "door %s: its sequence is the start "
				     "of door %s's (line %u): knocking %s also opens %s on "
				     "the way", s->name, g->name, g->lines.sequence, g->name,
				     s->name);
		}
		/* fwknop packets name neither door nor port. */
		if (o->spa_format == SPA_FORMAT_FWKNOP && d->spa_format == SPA_FORMAT_FWKNOP &&
		    o->fwknop_key_len == d->fwknop_key_len &&
		    memcmp(o->fwknop_key, d->fwknop_key, d->fwknop_key_len) == 0 &&
		    o->fwknop_hmac_key_len == d->fwknop_hmac_key_len &&
		    memcmp(o->fwknop_hmac_key, d->fwknop_hmac_key, d->fwknop_hmac_key_len) == 0)
			warn(l, d->line, "door %s: same fwknop keys as door %s (line %u): "
			     "fwknop packets name no door, so each accepts the other's",
			     d->name, o->name, o->line);
	}
}

unsigned config_lint(const struct config *cfg, config_diag_fn diag, void *ctx)
{
	struct lint l = { .cfg = cfg, .diag = diag, .ctx = ctx };
	if (cfg->ndoors == 0)
		warn(&l, 0, "no doors: sesamed would do nothing");
	for (size_t i = 0; i < cfg->ndoors; i++)
		lint_door(&l, &cfg->doors[i]);
	return l.n;
}

/* The secrets a rotating door names, and the ports left to draw from. */
static int rotating_check(const struct config *cfg, const struct door *d,
			  config_diag_fn diag, void *ctx)
{
	struct rotseq_secret *sec = NULL;
	int n = rotseq_secrets_load(d->rot_secrets, diag, ctx, &sec);
	rotseq_secrets_free(sec, n > 0 ? (size_t)n : 0);
	if (n < 0) {
		config_report(diag, ctx, LOG_ERR, cfg->path, d->lines.rot_secrets,
			      "door %s: Sequence_Secrets: cannot use '%s' (see above)",
			      d->name, d->rot_secrets);
		return -EINVAL;
	}
	if (n == 0)
		config_report(diag, ctx, LOG_WARNING, cfg->path, d->lines.rot_secrets,
			      "door %s: no client in '%s': the door stays shut", d->name,
			      d->rot_secrets);
	struct rotseq_set set = { 0 };
	int rc = rotseq_door_set(cfg, d, ROTSEQ_SERVICES, &set);
	if (rc == 0 && set.n < 2 * (size_t)d->rot_length) {
		config_report(diag, ctx, LOG_ERR, cfg->path, d->line,
			      "door %s: only %zu ports of Sequence_Ports %u-%u are left once "
			      "guarded, SPA and /etc/services ports are taken out; need at "
			      "least %u (twice Sequence_Length)", d->name, set.n, d->rot_low,
			      d->rot_high, 2 * d->rot_length);
		rc = -EINVAL;
	} else if (rc < 0) {
		config_report(diag, ctx, LOG_ERR, cfg->path, d->line, "door %s: %s", d->name,
			      strerror(-rc));
	}
	rotseq_set_fini(&set);
	return rc;
}

int config_check_files(const struct config *cfg, config_diag_fn diag, void *ctx)
{
	int ret = 0;
	for (size_t i = 0; i < cfg->ndoors; i++) {
		const struct door *d = &cfg->doors[i];
		if (door_is_rotating(d) && rotating_check(cfg, d, diag, ctx) < 0)
			ret = -EINVAL;
		if (!d->one_time_file)
			continue;
		int fd = open(d->one_time_file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			config_report(diag, ctx, LOG_ERR, cfg->path, d->lines.one_time,
				      "door %s: One_Time_Sequences: cannot read '%s': %s",
				      d->name, d->one_time_file, strerror(errno));
			ret = -EINVAL;
			continue;
		}
		close(fd);
		struct onetime_seq first;
		int r = onetime_next(d->one_time_file, diag, ctx, &first);
		if (r == -ENOENT)
			config_report(diag, ctx, LOG_WARNING, cfg->path, d->lines.one_time,
				      "door %s: every sequence in '%s' is used up: the "
				      "door stays shut", d->name, d->one_time_file);
		else if (r < 0) {
			config_report(diag, ctx, LOG_ERR, cfg->path, d->lines.one_time,
				      "door %s: One_Time_Sequences: malformed file '%s' "
				      "(errors above)", d->name, d->one_time_file);
			ret = -EINVAL;
		}
	}
	return ret;
}
