/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_options — the setters of the [options] keys, and the fleet keys
 * checked together once the whole file is read.  Value syntax, ranges
 * and messages live here; the key table and the shared value helpers in
 * config_keys.c, structure in config.c. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "config_internal.h"
#include "nft_render.h"
#include "numparse.h"

#define STATE_LIMIT_MIN   16ul
#define STATE_LIMIT_MAX   (1ul << 24)

/* redis://HOST[:PORT][/DB], HOST a numeric address ([v6] in brackets).
 * No names: resolving one would block the daemon's single loop, which
 * is what -l refuses too.  No rediss://: Debian's hiredis (0.14) has no
 * TLS. */
static void set_fleet_url(struct parser *p, const struct keyword *k, const char *v)
{
	struct config *c = p->cfg;
	if (strncasecmp(v, "rediss://", 9) == 0) {
		config_perr(p, p->line, "%s: rediss:// (TLS) is not supported: this build's "
			    "hiredis has no TLS; use redis:// over a private network or a "
			    "tunnel", k->name);
		return;
	}
	if (strncasecmp(v, "redis://", 8) != 0) {
		config_perr(p, p->line, "%s: bad value '%.*s%s' (expected redis://HOST[:PORT][/DB])",
			    k->name, VAL(v));
		return;
	}
	const char *h = v + 8, *end;
	char host[CONFIG_FLEET_HOST_MAX];
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end || (size_t)(end - h - 1) >= sizeof host)
			goto bad;
		memcpy(host, h + 1, (size_t)(end - h - 1));
		host[end - h - 1] = '\0';
		end++;
	} else {
		end = h + strcspn(h, ":/");
		if ((size_t)(end - h) >= sizeof host)
			goto bad;
		memcpy(host, h, (size_t)(end - h));
		host[end - h] = '\0';
	}
	struct addr a;
	if (!addr_parse(host, &a) || (*h != '[' && a.family == AF_INET6)) {
		config_perr(p, p->line, "%s: host '%s' is not a numeric address (names are not "
			    "looked up; IPv6 goes in brackets)", k->name, host);
		return;
	}
	unsigned long port = 6379, db = 0;
	char num_buf[16];
	if (*end == ':') {
		size_t n = strcspn(end + 1, "/");
		if (n == 0 || n >= sizeof num_buf)
			goto bad;
		memcpy(num_buf, end + 1, n);
		num_buf[n] = '\0';
		if (!parse_ulong(num_buf, 1, 65535, &port))
			goto bad;
		end += 1 + n;
	}
	if (*end == '/') {
		if (end[1] && !parse_ulong(end + 1, 0, 1023, &db))
			goto bad;
		end += strlen(end);
	}
	if (*end)
		goto bad;
	snprintf(c->fleet_host, sizeof c->fleet_host, "%s", host);
	c->fleet_port = (uint16_t)port;
	c->fleet_db = (unsigned)db;
	return;
bad:
	config_perr(p, p->line, "%s: bad value '%.*s%s' (expected redis://HOST[:PORT][/DB])",
		    k->name, VAL(v));
}

/* Fleet_Name and Fleet_Node: WHAT names the value in the message. */
static void set_fleet_word(struct parser *p, const struct keyword *k, const char *v,
			   const char *what, char *dst, size_t size)
{
	if (!config_fleet_node_valid(v)) {
		config_perr(p, p->line, "%s: bad %s '%.*s%s' (letters, digits, '.', '_' "
			    "and '-', at most %d)", k->name, what, VAL(v), CONFIG_FLEET_NODE_MAX - 1);
		return;
	}
	snprintf(dst, size, "%s", v);
}

static void set_interface(struct parser *p, const struct keyword *k, const char *v)
{
	/* IFNAMSIZ is 16 with the NUL; '/' and blanks never occur. */
	if (strlen(v) > 15 || strpbrk(v, "/ \t")) {
		config_perr(p, p->line, "%s: bad interface name '%.*s%s'", k->name, VAL(v));
		return;
	}
	config_set_str(p, &p->cfg->interface, v, false);
}

static void set_user(struct parser *p, const struct keyword *k, const char *v)
{
	if (strlen(v) > 32 || strspn(v, "abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(v)
	    || v[0] == '-') {
		config_perr(p, p->line, "%s: bad user name '%.*s%s'", k->name, VAL(v));
		return;
	}
	config_set_str(p, &p->cfg->user, v, false);
}

static void set_firewall(struct parser *p, const struct keyword *k, const char *v)
{
	if (strcasecmp(v, "nft") == 0)
		p->cfg->firewall = FIREWALL_NFT;
	else if (strcasecmp(v, "none") == 0)
		p->cfg->firewall = FIREWALL_NONE;
	else
		config_perr(p, p->line, "%s: bad value '%.*s%s' (expected nft or none)",
			    k->name, VAL(v));
}

static void set_nft_table(struct parser *p, const struct keyword *k, const char *v)
{
	if (!nft_table_name_ok(v)) {
		config_perr(p, p->line, "%s: bad table name '%.*s%s' (%s)", k->name, VAL(v),
			    NFT_TABLE_NAME_RULE);
		return;
	}
	snprintf(p->cfg->nft_table, sizeof p->cfg->nft_table, "%s", v);
}

static void set_control_socket(struct parser *p, const struct keyword *k, const char *v)
{
	struct config *c = p->cfg;
	config_set_str(p, &c->control_socket, v, true);
	/* sun_path is 108 bytes with the NUL; check the joined path. */
	if (c->control_socket && strlen(c->control_socket) >= 108)
		config_perr(p, p->line, "%s: path too long for a unix socket '%.*s%s'",
			    k->name, VAL(c->control_socket));
}

void config_set_option(struct parser *p, const struct keyword *k, const char *v)
{
	struct config *c = p->cfg;
	unsigned long n;

	switch (k->id) {
	case K_USESYSLOG:
		if (!config_parse_bool(v, &c->use_syslog))
			config_perr(p, p->line, "%s: bad value '%.*s%s' (expected no value, or yes/no)",
				    k->name, VAL(v));
		return;
	case K_LOGFILE:
		config_set_str(p, &c->log_file, v, true);
		c->log_file_line = p->line;
		return;
	case K_PIDFILE:
		config_set_str(p, &c->pid_file, v, true);
		return;
	case K_INTERFACE:
		set_interface(p, k, v);
		return;
	case K_FIREWALL:
		set_firewall(p, k, v);
		return;
	case K_NFTTABLE:
		set_nft_table(p, k, v);
		return;
	case K_STATELIMIT:
		if (config_num(p, k, v, STATE_LIMIT_MIN, STATE_LIMIT_MAX, "a count", &n))
			c->state_limit = (unsigned)n;
		return;
	case K_STATEDIR:
		config_set_str(p, &c->state_dir, v, true);
		return;
	case K_REPLAYCACHE:
		config_set_str(p, &c->replay_cache, v, true);
		return;
	case K_CONTROLSOCKET:
		set_control_socket(p, k, v);
		return;
	case K_USER:
		set_user(p, k, v);
		return;
	case K_FLEET:
		set_fleet_url(p, k, v);
		return;
	case K_FLEET_PASSWORD:
		config_set_str(p, &c->fleet_password_file, v, true);
		return;
	case K_FLEET_KEY:
		config_set_str(p, &c->fleet_key_file, v, true);
		return;
	case K_FLEET_NAME:
		set_fleet_word(p, k, v, "name", c->fleet_name, sizeof c->fleet_name);
		return;
	case K_FLEET_NODE:
		set_fleet_word(p, k, v, "node name", c->fleet_node, sizeof c->fleet_node);
		return;
	case K_FLEET_REQUIRED:
		config_set_bool(p, k, v, &c->fleet_required);
		return;
	default:
		return;
	}
}

bool config_fleet_node_valid(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n < CONFIG_FLEET_NODE_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789._-") == n;
}

void config_fleet_finish(struct parser *p)
{
	struct config *c = p->cfg;
	bool on = config_fleet_on(c);
	for (size_t i = 0; i < c->ndoors; i++) {
		struct door *d = &c->doors[i];
		if (!d->lines.fleet)
			d->fleet = on;
		else if (d->fleet && !on)
			config_perr(p, d->lines.fleet, "door %s: Fleet = yes needs Fleet = "
				    "redis://... in [options]", d->name);
	}
	if (!on) {
		static const enum key_id only[] = { K_FLEET_PASSWORD, K_FLEET_NAME,
			K_FLEET_NODE, K_FLEET_KEY, K_FLEET_REQUIRED };
		for (size_t i = 0; i < sizeof only / sizeof only[0]; i++)
			if (p->opt_seen[only[i]])
				config_pwarn(p, p->opt_seen[only[i]], "fleet key without Fleet = "
					     "redis://... in [options]: ignored");
		return;
	}
	if (!c->fleet_key_file)
		config_perr(p, p->opt_seen[K_FLEET], "Fleet needs Fleet_Key_File (the key "
			    "every gateway signs its fleet grants with)");
}
