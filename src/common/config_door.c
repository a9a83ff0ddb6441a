/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_door — the setters of a door's keys: the sequence, its timing
 * and TCP flags, the commands, Open and forwarding, and a rotating
 * door's keys; an SPA door's keys are config_spa.c's.  Value syntax,
 * ranges and messages live here, structure in config.c. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "config_internal.h"
#include "portspec.h"
#include "rotseq.h"

#define SEQ_TIMEOUT_MAX   86400ul       /* a day; stored in ms */
#define CMD_TIMEOUT_MAX   604800ul      /* a week */
#define OPEN_TIMEOUT_MAX  604800ul
#define SEQ_PERIOD_MAX    ((unsigned long)ROTSEQ_PERIOD_MAX)

static const struct {
	const char *name;
	uint8_t bit;
} tcp_flags[] = {
	{ "fin", TCPF_FIN }, { "syn", TCPF_SYN }, { "rst", TCPF_RST },
	{ "psh", TCPF_PSH }, { "ack", TCPF_ACK }, { "urg", TCPF_URG },
};

static bool set_tcpflags(struct parser *p, const struct keyword *k, char *v)
{
	struct door *d = config_cur_door(p);
	uint8_t set = 0, clear = 0;
	bool bad = false;
	char *save = NULL;
	/* Walk a copy: strtok_r writes NULs and V is shown in messages. */
	char copy[CONFIG_LINE_MAX + 1];
	snprintf(copy, sizeof copy, "%s", v);
	size_t items = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		t = config_trim(t);
		items++;
		bool neg = false;
		if (*t == '!') {
			neg = true;
			t = config_trim(t + 1);
		}
		uint8_t bit = 0;
		for (size_t i = 0; i < sizeof tcp_flags / sizeof tcp_flags[0]; i++)
			if (strcasecmp(t, tcp_flags[i].name) == 0)
				bit = tcp_flags[i].bit;
		if (!bit) {
			config_perr(p, p->line, "%s: unknown flag '%.*s%s' (expected fin, syn, rst, "
				    "psh, ack, urg, each optionally with '!')", k->name, VAL(t));
			bad = true;
			continue;
		}
		if ((neg ? set : clear) & bit) {
			config_perr(p, p->line, "%s: flag '%s' both required and excluded in '%.*s%s'",
				    k->name, t, VAL(v));
			bad = true;
		}
		if (neg)
			clear |= bit;
		else
			set |= bit;
	}
	/* strtok_r skips empty items: "syn,,ack" or a trailing comma. */
	size_t commas = 0;
	for (const char *c = v; *c; c++)
		commas += *c == ',';
	if (!bad && (items == 0 || commas + 1 != items)) {
		config_perr(p, p->line, "%s: bad value '%.*s%s' (empty flag)", k->name, VAL(v));
		bad = true;
	}
	if (bad)
		return false;
	d->has_tcpflags = true;
	d->tcpflags_set = set;
	d->tcpflags_clear = clear;
	return true;
}

/* A port list of V into DST (at most MAX; OPEN_STYLE: Open's port/proto
 * items).  The count, or -1 after the error "KEY: why in 'V' (expected
 * EXPECT)". */
static int port_list(struct parser *p, const struct keyword *k, char *v, bool open_style,
		     struct port_proto *dst, size_t max, const char *expect)
{
	char err[128];
	int cnt = portspec_parse_list(v, open_style, PROTO_TCP, dst, max, err, sizeof err);
	if (cnt < 0)
		config_perr(p, p->line, "%s: %s in '%.*s%s' (expected %s)", k->name, err, VAL(v),
			    expect);
	return cnt;
}

static void set_sequence(struct parser *p, const struct keyword *k, char *v)
{
	struct door *d = config_cur_door(p);
	int cnt = port_list(p, k, v, false, d->seq, CONFIG_SEQ_MAX, "port[:tcp|:udp],...");
	d->seq_len = cnt < 0 ? 0 : (size_t)cnt;
	if (cnt >= 0)
		d->lines.sequence = p->line;
}

static void set_open(struct parser *p, const struct keyword *k, char *v)
{
	struct door *d = config_cur_door(p);
	int cnt = port_list(p, k, v, true, d->open, CONFIG_OPEN_MAX, "port/proto,...");
	d->open_len = 0;
	if (cnt < 0)
		return;
	/* A port twice would render a duplicate set element in nft. */
	for (int i = 1; i < cnt; i++) {
		for (int j = 0; j < i; j++) {
			if (d->open[i].port == d->open[j].port &&
			    d->open[i].proto == d->open[j].proto) {
				config_perr(p, p->line, "%s: port %u/%s given twice in "
					    "'%.*s%s'", k->name, d->open[i].port,
					    port_proto_name(d->open[i].proto), VAL(v));
				return;
			}
		}
	}
	d->open_len = (size_t)cnt;
	d->lines.open = p->line;
}

static void set_target(struct parser *p, const struct keyword *k, const char *v)
{
	struct door *d = config_cur_door(p);
	if (!addr_parse(v, &d->target)) {
		memset(&d->target, 0, sizeof d->target);
		config_perr(p, p->line, "%s: bad address '%.*s%s' (expected a numeric IPv4 "
			    "or IPv6 address)", k->name, VAL(v));
		return;
	}
	d->lines.target = p->line;
}

static void set_forward_to(struct parser *p, const struct keyword *k, const char *v)
{
	struct door *d = config_cur_door(p);
	if (!addr_port_parse(v, &d->forward_to, &d->forward_to_port)) {
		memset(&d->forward_to, 0, sizeof d->forward_to);
		d->forward_to_port = 0;
		config_perr(p, p->line, "%s: bad value '%.*s%s' (expected ADDR, ADDR:PORT "
			    "or [IPV6]:PORT, numeric)", k->name, VAL(v));
		return;
	}
	d->lines.forward_to = p->line;
}

/* A string key of the door: its value in *DST, its line in *LINE. */
static void set_door_str(struct parser *p, char **dst, const char *v, bool path,
			 unsigned *line)
{
	config_set_str(p, dst, v, path);
	*line = p->line;
}

/* Sequence_Secrets and the Sequence_* keys of a rotating door. */
static void set_rotating_key(struct parser *p, const struct keyword *k, const char *v)
{
	struct door *d = config_cur_door(p);
	unsigned long n;
	enum rotseq_protos pr;

	switch (k->id) {
	case K_SEQ_SECRETS:
		set_door_str(p, &d->rot_secrets, v, true, &d->lines.rot_secrets);
		return;
	case K_SEQ_LENGTH:
		if (config_num(p, k, v, ROTSEQ_LEN_MIN, ROTSEQ_LEN_MAX, "steps", &n))
			d->rot_length = (unsigned)n;
		return;
	case K_SEQ_PERIOD:
		if (config_num(p, k, v, 1, SEQ_PERIOD_MAX, "seconds", &n))
			d->rot_period_s = (unsigned)n;
		return;
	case K_SEQ_PROTOS:
		if (rotseq_parse_protos(v, &pr))
			d->rot_protos = (uint8_t)pr;
		else
			config_perr(p, p->line, "%s: bad value '%.*s%s' (expected tcp, udp or mixed)",
				    k->name, VAL(v));
		return;
	case K_SEQ_PORTS:
		if (!rotseq_parse_range(v, &d->rot_low, &d->rot_high))
			config_perr(p, p->line, "%s: bad value '%.*s%s' (expected LOW-HIGH, "
				    "1..65535, LOW <= HIGH)", k->name, VAL(v));
		return;
	case K_SEQ_BIND:
		config_set_bool(p, k, v, &d->rot_bind);
		return;
	default:
		return;
	}
}

/* V is never empty here except for the command keys: parse_line() refused
 * empty values already. */
void config_set_door_key(struct parser *p, const struct keyword *k, char *v)
{
	struct door *d = config_cur_door(p);
	unsigned long n;

	switch (k->id) {
	case K_SPA_PORT: case K_SPA_FORMAT: case K_SPA_KEYS: case K_SPA_WINDOW:
	case K_SPA_ALLOW: case K_SPA_REQUIRE_ADDR: case K_SPA_ACCEPT_V1:
	case K_FWK_KEY_B64: case K_FWK_KEY: case K_FWK_HMAC_B64: case K_FWK_HMAC:
	case K_FWK_DIGEST:
		config_set_spa_key(p, k, v);
		return;
	case K_SEQ_SECRETS: case K_SEQ_LENGTH: case K_SEQ_PERIOD: case K_SEQ_PROTOS:
	case K_SEQ_PORTS: case K_SEQ_BIND:
		set_rotating_key(p, k, v);
		return;
	case K_SEQUENCE:
		set_sequence(p, k, v);
		return;
	case K_ONETIME:
		set_door_str(p, &d->one_time_file, v, true, &d->lines.one_time);
		return;
	case K_SEQ_TIMEOUT:
		if (config_num(p, k, v, 1, SEQ_TIMEOUT_MAX, "seconds", &n)) {
			d->seq_timeout_ms = (unsigned)(n * 1000);
			d->lines.seq_timeout = p->line;
		}
		return;
	case K_TCPFLAGS:
		if (set_tcpflags(p, k, v))
			d->lines.tcpflags = p->line;
		return;
	case K_START:
		set_door_str(p, &d->start_command, v, false, &d->lines.start_command);
		return;
	case K_START6:
		set_door_str(p, &d->start_command6, v, false, &d->lines.start_command6);
		return;
	case K_STOP:
		set_door_str(p, &d->stop_command, v, false, &d->lines.stop_command);
		return;
	case K_STOP6:
		set_door_str(p, &d->stop_command6, v, false, &d->lines.stop_command6);
		return;
	case K_CMD_TIMEOUT:
		if (config_num(p, k, v, 0, CMD_TIMEOUT_MAX, "seconds", &n)) {
			d->cmd_timeout_s = (unsigned)n;
			d->has_cmd_timeout = true;
			d->lines.cmd_timeout = p->line;
		}
		return;
	case K_TARGET:
		set_target(p, k, v);
		return;
	case K_OPEN:
		set_open(p, k, v);
		return;
	case K_OPEN_TIMEOUT:
		if (config_num(p, k, v, 1, OPEN_TIMEOUT_MAX, "seconds", &n)) {
			d->open_timeout_s = (unsigned)n;
			d->lines.open_timeout = p->line;
		}
		return;
	case K_FORWARD:
		if (config_set_bool(p, k, v, &d->forward))
			d->lines.forward = p->line;
		return;
	case K_FORWARD_TO:
		set_forward_to(p, k, v);
		return;
	case K_FLEET:
		if (config_set_bool(p, k, v, &d->fleet))
			d->lines.fleet = p->line;
		return;
	default:
		return;
	}
}
