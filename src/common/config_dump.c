/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_dump — see config_dump.h. */
#include "config_dump.h"

#include <string.h>
#include <sys/socket.h>

#include "rotseq.h"
#include "version.h"

#define COL 20          /* "KEY = " padded to this width */

static void kv_start(FILE *out, const char *key)
{
	fprintf(out, "\t%-*s = ", COL - 3, key);
}

/* KEY = VALUE, after a comment line "# KEY: NOTE" when NOTE is not NULL:
 * never a comment after the value, where it would be part of a path or
 * a command if the dump is loaded again. */
static void note(FILE *out, const char *key, const char *note)
{
	if (note)
		fprintf(out, "\t# %s: %s\n", key, note);
}

static void kv(FILE *out, const char *key, const char *value, const char *nt)
{
	note(out, key, nt);
	kv_start(out, key);
	fputs(value, out);
	fputc('\n', out);
}

static void kv_num(FILE *out, const char *key, unsigned long v, unsigned long def)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lu", v);
	kv(out, key, buf, v == def ? "default" : NULL);
}

static void unset(FILE *out, const char *key, const char *meaning)
{
	fprintf(out, "\t# %s: not set (%s)\n", key, meaning);
}

static void str_or_default(FILE *out, const char *key, const char *v, const char *def)
{
	kv(out, key, v, def && strcmp(v, def) == 0 ? "default" : NULL);
}

static void ports(FILE *out, const struct port_proto *p, size_t n, char sep)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%u%c%s", i ? "," : "", (unsigned)p[i].port, sep,
			port_proto_name(p[i].proto));
}

static void flags(FILE *out, uint8_t set, uint8_t clear)
{
	static const struct { uint8_t bit; const char *name; } names[] = {
		{ TCPF_FIN, "fin" }, { TCPF_SYN, "syn" }, { TCPF_RST, "rst" },
		{ TCPF_PSH, "psh" }, { TCPF_ACK, "ack" }, { TCPF_URG, "urg" },
	};
	const char *sep = "";
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (set & names[i].bit) {
			fprintf(out, "%s%s", sep, names[i].name);
			sep = ",";
		}
		if (clear & names[i].bit) {
			fprintf(out, "%s!%s", sep, names[i].name);
			sep = ",";
		}
	}
}

static void command(FILE *out, const char *key, const char *cmd, const char *meaning)
{
	if (!cmd)
		unset(out, key, meaning);
	else if (!*cmd)
		fprintf(out, "\t%-*s =\n", COL - 3, key);      /* given empty: runs nothing */
	else
		kv(out, key, cmd, NULL);
}

static void options(const struct config *cfg, const struct config_overrides *o, FILE *out)
{
	fputs("[options]\n", out);
	kv(out, "UseSyslog", cfg->use_syslog ? "yes" : "no", cfg->use_syslog ? NULL : "default");
	if (o && o->log_file)
		kv(out, "LogFile", o->log_file, "from -g");
	else if (cfg->log_file)
		kv(out, "LogFile", cfg->log_file, NULL);
	else
		unset(out, "LogFile", "no log file; stderr, the journal under systemd");
	if (o && o->pid_file)
		kv(out, "PidFile", o->pid_file, "from -p");
	else if (cfg->pid_file)
		kv(out, "PidFile", cfg->pid_file, NULL);
	else
		unset(out, "PidFile", "none in the foreground; /run/sesamed.pid with -d");
	if (o && o->interface)
		kv(out, "Interface", o->interface, "from -i");
	else if (cfg->interface)
		kv(out, "Interface", cfg->interface, NULL);
	else
		unset(out, "Interface", "the interface of the default route");
	const char *fw = config_wants_nft(cfg) ? "nft" : "none";
	if (cfg->firewall == FIREWALL_AUTO)
		kv(out, "Firewall", fw, config_wants_nft(cfg) ? "default: a door has Open" :
		   "default: no door has Open");
	else
		kv(out, "Firewall", fw, NULL);
	str_or_default(out, "NftTable", cfg->nft_table, "sesame");
	kv_num(out, "StateLimit", cfg->state_limit, 65536);
	str_or_default(out, "StateDir", cfg->state_dir, "/var/lib/sesame");
	str_or_default(out, "ReplayCache", cfg->replay_cache, "/var/lib/sesame/replay");
	str_or_default(out, "ControlSocket", cfg->control_socket, "/run/sesame/control");
	str_or_default(out, "User", cfg->user, "sesame");
}

static void rotating_keys(const struct door *d, FILE *out)
{
	kv(out, "Sequence_Secrets", d->rot_secrets, NULL);
	kv_num(out, "Sequence_Length", d->rot_length, 4);
	kv_num(out, "Sequence_Period", d->rot_period_s, 30);
	kv(out, "Sequence_Protocols", rotseq_protos_name((enum rotseq_protos)d->rot_protos),
	   d->rot_protos == ROTSEQ_TCP ? "default" : NULL);
	char range[16];
	snprintf(range, sizeof range, "%u-%u", (unsigned)d->rot_low, (unsigned)d->rot_high);
	kv(out, "Sequence_Ports", range,
	   d->rot_low == 1024 && d->rot_high == 65535 ? "default" : NULL);
	kv(out, "Sequence_Bind_Address", d->rot_bind ? "yes" : "no", d->rot_bind ? NULL : "default");
}

static void sequence_door(const struct door *d, FILE *out)
{
	if (door_is_rotating(d)) {
		rotating_keys(d, out);
	} else if (d->one_time_file) {
		kv(out, "One_Time_Sequences", d->one_time_file, NULL);
	} else {
		kv_start(out, "Sequence");
		ports(out, d->seq, d->seq_len, ':');
		fputc('\n', out);
	}
	kv_num(out, "Seq_Timeout", d->seq_timeout_ms / 1000, 25);
	if (d->has_tcpflags) {
		kv_start(out, "TCPFlags");
		flags(out, d->tcpflags_set, d->tcpflags_clear);
		fputc('\n', out);
	} else {
		unset(out, "TCPFlags", "any flags");
	}
	if (d->target.family) {
		char a[ADDR_STRLEN];
		kv(out, "Target", addr_format(&d->target, a, sizeof a), NULL);
	} else {
		unset(out, "Target", "knocks to any local address");
	}
}

static void spa_door(const struct door *d, FILE *out)
{
	kv_num(out, "SPA_Port", d->spa_port, 62201);
	bool fwknop = d->spa_format == SPA_FORMAT_FWKNOP;
	kv(out, "SPA_Format", fwknop ? "fwknop" : "sesame", fwknop ? NULL : "default");
	if (!fwknop)
		kv(out, "SPA_Keys", d->spa_keys ? d->spa_keys : "", NULL);
	kv_num(out, "SPA_Window", d->spa_window_s, fwknop ? 120 : 30);
	if (d->allow == ALLOW_CIDR) {
		kv_start(out, "SPA_Allow_Address");
		for (size_t i = 0; i < d->allow_len; i++) {
			char a[ADDR_STRLEN];
			fprintf(out, "%s%s/%u", i ? "," : "",
				addr_format(&d->allow_nets[i].addr, a, sizeof a),
				(unsigned)d->allow_nets[i].prefix);
		}
		fputc('\n', out);
	} else {
		kv(out, "SPA_Allow_Address", d->allow == ALLOW_YES ? "yes" : "no",
		   d->allow == ALLOW_YES ? NULL : "default");
	}
	if (fwknop) {
		char buf[48];
		snprintf(buf, sizeof buf, "(%zu bytes, not shown)", d->fwknop_key_len);
		fprintf(out, "\t# %-*s %s\n", COL - 3, "Fwknop_Key", buf);
		snprintf(buf, sizeof buf, "(%zu bytes, not shown)", d->fwknop_hmac_key_len);
		fprintf(out, "\t# %-*s %s\n", COL - 3, "Fwknop_HMAC_Key", buf);
		const char *dg = hmac_digest_name(d->fwknop_hmac_digest);
		kv(out, "Fwknop_HMAC_Digest", dg ? dg : "none",
		   d->fwknop_hmac_digest == HMAC_SHA256 ? "default" : NULL);
	}
}

/* Always as a key: the dump must load back as the same config. */
static void cmd_timeout(const struct door *d, FILE *out)
{
	if (d->stop_command || d->stop_command6) {
		kv_num(out, "Cmd_Timeout", d->cmd_timeout_s, 10);
		return;
	}
	char buf[32];
	snprintf(buf, sizeof buf, "%u", d->cmd_timeout_s);
	kv(out, "Cmd_Timeout", buf, "unused (no Stop_Command)");
}

static void door(const struct door *d, FILE *out)
{
	fprintf(out, "\n[%s]\n", d->name);
	if (door_is_spa(d))
		spa_door(d, out);
	else
		sequence_door(d, out);
	if (d->open_len) {
		kv_start(out, "Open");
		ports(out, d->open, d->open_len, '/');
		fputc('\n', out);
		kv_num(out, "Open_Timeout", d->open_timeout_s, 30);
		if (d->forward)
			kv(out, "Forward", "yes", NULL);
		if (d->forward_to.family) {
			char a[ADDR_STRLEN], buf[ADDR_STRLEN + 10];
			addr_format(&d->forward_to, a, sizeof a);
			if (!d->forward_to_port)
				snprintf(buf, sizeof buf, "%s", a);
			else if (d->forward_to.family == AF_INET6)
				snprintf(buf, sizeof buf, "[%s]:%u", a, (unsigned)d->forward_to_port);
			else
				snprintf(buf, sizeof buf, "%s:%u", a, (unsigned)d->forward_to_port);
			kv(out, "Forward_To", buf, NULL);
		}
	} else {
		unset(out, "Open", "no nft gate for this door");
	}
	if (door_is_spa(d) && !d->start_command && !d->stop_command &&
	    !d->start_command6 && !d->stop_command6) {
		cmd_timeout(d, out);    /* commands are rare on SPA doors */
		return;
	}
	command(out, "Start_Command", d->start_command, "nothing runs");
	command(out, "Start_Command_6", d->start_command6,
		d->start_command ? "Start_Command for IPv6 too" : "nothing runs");
	command(out, "Stop_Command", d->stop_command, "nothing runs");
	command(out, "Stop_Command_6", d->stop_command6,
		d->stop_command ? "Stop_Command for IPv6 too" : "nothing runs");
	cmd_timeout(d, out);
}

void config_dump(const struct config *cfg, const struct config_overrides *o, FILE *out)
{
	fprintf(out, "# sesamed %s: effective configuration of %s\n", SESAME_VERSION, cfg->path);
	fputs("# \"KEY: default\": the value sesamed uses when KEY is not given.\n\n", out);
	options(cfg, o, out);
	for (size_t i = 0; i < cfg->ndoors; i++)
		door(&cfg->doors[i], out);
}
