/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_keys — the key table of config.c and one setter per key: value
 * syntax, ranges and per-key messages live here, structure in config.c. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "base64.h"
#include "config_internal.h"
#include "ini.h"
#include "nft_render.h"
#include "numparse.h"
#include "portspec.h"
#include "rotseq.h"

static const struct keyword keywords[] = {
	{ "UseSyslog", K_USESYSLOG, IN_OPTIONS },
	{ "LogFile", K_LOGFILE, IN_OPTIONS },
	{ "PidFile", K_PIDFILE, IN_OPTIONS },
	{ "Interface", K_INTERFACE, IN_OPTIONS },
	{ "Firewall", K_FIREWALL, IN_OPTIONS },
	{ "NftTable", K_NFTTABLE, IN_OPTIONS },
	{ "StateLimit", K_STATELIMIT, IN_OPTIONS },
	{ "StateDir", K_STATEDIR, IN_OPTIONS },
	{ "ReplayCache", K_REPLAYCACHE, IN_OPTIONS },
	{ "ControlSocket", K_CONTROLSOCKET, IN_OPTIONS },
	{ "User", K_USER, IN_OPTIONS },
	{ "Fleet", K_FLEET, IN_BOTH },
	{ "Fleet_Password_File", K_FLEET_PASSWORD, IN_OPTIONS },
	{ "Fleet_Name", K_FLEET_NAME, IN_OPTIONS },
	{ "Fleet_Node", K_FLEET_NODE, IN_OPTIONS },
	{ "Fleet_Key_File", K_FLEET_KEY, IN_OPTIONS },
	{ "Fleet_Required", K_FLEET_REQUIRED, IN_OPTIONS },
	{ "Sequence", K_SEQUENCE, IN_DOOR },
	{ "One_Time_Sequences", K_ONETIME, IN_DOOR },
	{ "Seq_Timeout", K_SEQ_TIMEOUT, IN_DOOR },
	{ "Timeout", K_SEQ_TIMEOUT, IN_DOOR },          /* knockd's alias */
	{ "TCPFlags", K_TCPFLAGS, IN_DOOR },
	{ "Start_Command", K_START, IN_DOOR },
	{ "Command", K_START, IN_DOOR },
	{ "Start_Command_6", K_START6, IN_DOOR },
	{ "Command_6", K_START6, IN_DOOR },
	{ "Cmd_Timeout", K_CMD_TIMEOUT, IN_DOOR },
	{ "Stop_Command", K_STOP, IN_DOOR },
	{ "Stop_Command_6", K_STOP6, IN_DOOR },
	{ "Target", K_TARGET, IN_DOOR },
	{ "Open", K_OPEN, IN_DOOR },
	{ "Open_Timeout", K_OPEN_TIMEOUT, IN_DOOR },
	{ "Forward", K_FORWARD, IN_DOOR },
	{ "Forward_To", K_FORWARD_TO, IN_DOOR },
	{ "SPA_Port", K_SPA_PORT, IN_DOOR },
	{ "SPA_Format", K_SPA_FORMAT, IN_DOOR },
	{ "SPA_Keys", K_SPA_KEYS, IN_DOOR },
	{ "SPA_Window", K_SPA_WINDOW, IN_DOOR },
	{ "SPA_Allow_Address", K_SPA_ALLOW, IN_DOOR },
	{ "SPA_Require_Address", K_SPA_REQUIRE_ADDR, IN_DOOR },
	{ "SPA_Accept_V1", K_SPA_ACCEPT_V1, IN_DOOR },
	{ "Fwknop_Key_Base64", K_FWK_KEY_B64, IN_DOOR },
	{ "Fwknop_Key", K_FWK_KEY, IN_DOOR },
	{ "Fwknop_HMAC_Key_Base64", K_FWK_HMAC_B64, IN_DOOR },
	{ "Fwknop_HMAC_Key", K_FWK_HMAC, IN_DOOR },
	{ "Fwknop_HMAC_Digest", K_FWK_DIGEST, IN_DOOR },
	{ "Sequence_Secrets", K_SEQ_SECRETS, IN_DOOR },
	{ "Sequence_Length", K_SEQ_LENGTH, IN_DOOR },
	{ "Sequence_Period", K_SEQ_PERIOD, IN_DOOR },
	{ "Sequence_Protocols", K_SEQ_PROTOS, IN_DOOR },
	{ "Sequence_Ports", K_SEQ_PORTS, IN_DOOR },
	{ "Sequence_Bind_Address", K_SEQ_BIND, IN_DOOR },
};

/* Bounds of the numeric keys. */
#define SEQ_TIMEOUT_MAX   86400ul       /* a day; stored in ms */
#define CMD_TIMEOUT_MAX   604800ul      /* a week */
#define OPEN_TIMEOUT_MAX  604800ul
#define SPA_WINDOW_MAX    86400ul
#define SEQ_PERIOD_MAX    ((unsigned long)ROTSEQ_PERIOD_MAX)
#define STATE_LIMIT_MIN   16ul
#define STATE_LIMIT_MAX   (1ul << 24)

const struct keyword *config_find_keyword(const char *key)
{
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
		if (strcasecmp(key, keywords[i].name) == 0)
			return &keywords[i];
	return NULL;
}
static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

#define NEAR_MAX 32     /* longer than any keyword plus the distance */

/* Damerau-Levenshtein distance (optimal string alignment: insertions,
 * deletions, substitutions and swaps of neighbours), ignoring case.
 * Both strings are at most NEAR_MAX bytes. */
static unsigned edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	unsigned d[NEAR_MAX + 1][NEAR_MAX + 1];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = lower(a[i - 1]) != lower(b[j - 1]);
			unsigned v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]) && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const struct keyword *config_near_keyword(const char *key)
{
	size_t lk = strnlen(key, NEAR_MAX + 1);
	if (lk == 0 || lk > NEAR_MAX)
		return NULL;
	const struct keyword *best = NULL;
	unsigned best_d = 3;
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
		size_t ln = strlen(keywords[i].name);
		unsigned max = ln <= 4 ? 1 : 2;
		if (ln > NEAR_MAX || (lk > ln ? lk - ln : ln - lk) > max)
			continue;
		unsigned dist = edit_distance(key, lk, keywords[i].name, ln);
		if (dist <= max && dist < best_d) {
			best = &keywords[i];
			best_d = dist;
		}
	}
	return best;
}

/* --- small helpers ----------------------------------------------------- */

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Trims blanks on both ends, in place: the same blanks as a line's. */
char *config_trim(char *s)
{
	return ini_trim(s);
}

bool config_name_valid(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	if (!is_alpha(s[0]) && s[0] != '_')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

bool config_door_name_valid(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == ':' || c == '"' || c == '\\')
			return false;
	}
	return true;
}

char *config_strdup(struct parser *p, const char *s)
{
	char *d = strdup(s);
	if (!d)
		p->oom = true;
	return d;
}

/* A relative path is taken relative to the config file's directory, so a
 * config and the files it names can move together (knockd used the
 * process's working directory, which daemon mode sets to "/"). */
static char *path_dup(struct parser *p, const char *v)
{
	if (v[0] == '/' || !p->dir)
		return config_strdup(p, v);
	size_t n = strlen(p->dir) + 1 + strlen(v) + 1;
	char *d = malloc(n);
	if (!d) {
		p->oom = true;
		return NULL;
	}
	bool root = strcmp(p->dir, "/") == 0;
	snprintf(d, n, "%s%s%s", p->dir, root ? "" : "/", v);
	return d;
}

static void set_str(struct parser *p, char **dst, const char *v, bool path)
{
	free(*dst);
	*dst = path ? path_dup(p, v) : config_strdup(p, v);
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool num(struct parser *p, const struct keyword *k, const char *v,
		unsigned long min, unsigned long max, const char *unit,
		unsigned long *out)
{
	if (parse_ulong(v, min, max, out))
		return true;
	config_perr(p, p->line, "%s: bad value '%.*s%s' (expected %s, %lu..%lu)",
		    k->name, VAL(v), unit, min, max);
	return false;
}

/* --- [options] --------------------------------------------------------- */

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

void config_set_option(struct parser *p, const struct keyword *k, const char *v)
{
	struct config *c = p->cfg;
	unsigned long n;

	switch (k->id) {
	case K_USESYSLOG:
		if (!parse_bool(v, &c->use_syslog))
			config_perr(p, p->line, "%s: bad value '%.*s%s' (expected no value, or yes/no)",
				    k->name, VAL(v));
		return;
	case K_LOGFILE:
		set_str(p, &c->log_file, v, true);
		c->log_file_line = p->line;
		return;
	case K_PIDFILE:
		set_str(p, &c->pid_file, v, true);
		return;
	case K_INTERFACE:
		/* IFNAMSIZ is 16 with the NUL; '/' and blanks never occur. */
		if (strlen(v) > 15 || strpbrk(v, "/ \t")) {
			config_perr(p, p->line, "%s: bad interface name '%.*s%s'", k->name, VAL(v));
			return;
		}
		set_str(p, &c->interface, v, false);
		return;
	case K_FIREWALL:
		if (strcasecmp(v, "nft") == 0)
			c->firewall = FIREWALL_NFT;
		else if (strcasecmp(v, "none") == 0)
			c->firewall = FIREWALL_NONE;
		else
			config_perr(p, p->line, "%s: bad value '%.*s%s' (expected nft or none)",
				    k->name, VAL(v));
		return;
	case K_NFTTABLE:
		if (!nft_table_name_ok(v)) {
			config_perr(p, p->line, "%s: bad table name '%.*s%s' (%s)", k->name, VAL(v),
				    NFT_TABLE_NAME_RULE);
			return;
		}
		snprintf(c->nft_table, sizeof c->nft_table, "%s", v);
		return;
	case K_STATELIMIT:
		if (num(p, k, v, STATE_LIMIT_MIN, STATE_LIMIT_MAX, "a count", &n))
			c->state_limit = (unsigned)n;
		return;
	case K_STATEDIR:
		set_str(p, &c->state_dir, v, true);
		return;
	case K_REPLAYCACHE:
		set_str(p, &c->replay_cache, v, true);
		return;
	case K_CONTROLSOCKET:
		set_str(p, &c->control_socket, v, true);
		/* sun_path is 108 bytes with the NUL; check the joined path. */
		if (c->control_socket && strlen(c->control_socket) >= 108)
			config_perr(p, p->line, "%s: path too long for a unix socket '%.*s%s'",
				    k->name, VAL(c->control_socket));
		return;
	case K_USER:
		if (strlen(v) > 32 || strspn(v, "abcdefghijklmnopqrstuvwxyz"
					     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(v)
		    || v[0] == '-') {
			config_perr(p, p->line, "%s: bad user name '%.*s%s'", k->name, VAL(v));
			return;
		}
		set_str(p, &c->user, v, false);
		return;
	case K_FLEET:
		set_fleet_url(p, k, v);
		return;
	case K_FLEET_PASSWORD:
		set_str(p, &c->fleet_password_file, v, true);
		return;
	case K_FLEET_KEY:
		set_str(p, &c->fleet_key_file, v, true);
		return;
	case K_FLEET_NAME:
		if (!config_fleet_node_valid(v)) {
			config_perr(p, p->line, "%s: bad name '%.*s%s' (letters, digits, '.', '_' "
				    "and '-', at most %d)", k->name, VAL(v), CONFIG_FLEET_NODE_MAX - 1);
			return;
		}
		snprintf(c->fleet_name, sizeof c->fleet_name, "%s", v);
		return;
	case K_FLEET_NODE:
		if (!config_fleet_node_valid(v)) {
			config_perr(p, p->line, "%s: bad node name '%.*s%s' (letters, digits, '.', "
				    "'_' and '-', at most %d)", k->name, VAL(v),
				    CONFIG_FLEET_NODE_MAX - 1);
			return;
		}
		snprintf(c->fleet_node, sizeof c->fleet_node, "%s", v);
		return;
	case K_FLEET_REQUIRED:
		if (!parse_bool(v, &c->fleet_required))
			config_perr(p, p->line, "%s: bad value '%.*s%s' (expected yes or no)",
				    k->name, VAL(v));
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

/* --- door keys --------------------------------------------------------- */

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

static void set_key(struct parser *p, const struct keyword *k, const char *v,
		    bool b64, uint8_t *dst, size_t *dstlen, size_t max)
{
	size_t len = strlen(v);
	if (b64) {
		uint8_t tmp[CONFIG_LINE_MAX];
		long n = base64_decode(v, len, tmp, sizeof tmp);
		if (n <= 0) {
			/* Never echo key material, even broken. */
			config_perr(p, p->line, "%s: not valid base64", k->name);
		} else if ((size_t)n > max) {
			config_perr(p, p->line, "%s: key too long (%ld bytes, at most %zu)",
				    k->name, n, max);
		} else {
			memcpy(dst, tmp, (size_t)n);
			*dstlen = (size_t)n;
		}
		explicit_bzero(tmp, sizeof tmp);
		return;
	}
	if (len > max) {
		config_perr(p, p->line, "%s: key too long (%zu bytes, at most %zu)", k->name, len, max);
		return;
	}
	memcpy(dst, v, len);
	*dstlen = len;
}

static const char *const digest_names[] = {
	[HMAC_MD5] = "md5", [HMAC_SHA1] = "sha1", [HMAC_SHA256] = "sha256",
	[HMAC_SHA384] = "sha384", [HMAC_SHA512] = "sha512",
	[HMAC_SHA3_256] = "sha3_256", [HMAC_SHA3_512] = "sha3_512",
};

const char *hmac_digest_name(enum hmac_digest d)
{
	if ((size_t)d >= sizeof digest_names / sizeof digest_names[0])
		return NULL;
	return digest_names[d];
}

bool hmac_digest_parse(const char *s, enum hmac_digest *out)
{
	char buf[16];
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n >= sizeof buf)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		buf[i] = c == '-' ? '_' : c;
	}
	for (size_t i = HMAC_MD5; i < sizeof digest_names / sizeof digest_names[0]; i++) {
		if (strcmp(buf, digest_names[i]) == 0) {
			*out = (enum hmac_digest)i;
			return true;
		}
	}
	return false;
}

/* V is never empty here except for the command keys: parse_line() refused
 * empty values already. */
void config_set_door_key(struct parser *p, const struct keyword *k, char *v)
{
	struct door *d = config_cur_door(p);
	unsigned long n;
	char err[128];
	int cnt;

	switch (k->id) {
	case K_SEQUENCE:
		cnt = portspec_parse_list(v, false, PROTO_TCP, d->seq, CONFIG_SEQ_MAX,
					  err, sizeof err);
		if (cnt < 0) {
			d->seq_len = 0;
			config_perr(p, p->line, "%s: %s in '%.*s%s' (expected port[:tcp|:udp],...)",
				    k->name, err, VAL(v));
			return;
		}
		d->seq_len = (size_t)cnt;
		d->lines.sequence = p->line;
		return;
	case K_ONETIME:
		set_str(p, &d->one_time_file, v, true);
		d->lines.one_time = p->line;
		return;
	case K_SEQ_TIMEOUT:
		if (num(p, k, v, 1, SEQ_TIMEOUT_MAX, "seconds", &n)) {
			d->seq_timeout_ms = (unsigned)(n * 1000);
			d->lines.seq_timeout = p->line;
		}
		return;
	case K_TCPFLAGS:
		if (set_tcpflags(p, k, v))
			d->lines.tcpflags = p->line;
		return;
	case K_START:
		set_str(p, &d->start_command, v, false);
		d->lines.start_command = p->line;
		return;
	case K_START6:
		set_str(p, &d->start_command6, v, false);
		d->lines.start_command6 = p->line;
		return;
	case K_STOP:
		set_str(p, &d->stop_command, v, false);
		d->lines.stop_command = p->line;
		return;
	case K_STOP6:
		set_str(p, &d->stop_command6, v, false);
		d->lines.stop_command6 = p->line;
		return;
	case K_CMD_TIMEOUT:
		if (num(p, k, v, 0, CMD_TIMEOUT_MAX, "seconds", &n)) {
			d->cmd_timeout_s = (unsigned)n;
			d->has_cmd_timeout = true;
			d->lines.cmd_timeout = p->line;
		}
		return;
	case K_TARGET:
		if (!addr_parse(v, &d->target)) {
			memset(&d->target, 0, sizeof d->target);
			config_perr(p, p->line, "%s: bad address '%.*s%s' (expected a numeric IPv4 "
				    "or IPv6 address)", k->name, VAL(v));
			return;
		}
		d->lines.target = p->line;
		return;
	case K_OPEN:
		cnt = portspec_parse_list(v, true, PROTO_TCP, d->open, CONFIG_OPEN_MAX,
					  err, sizeof err);
		if (cnt < 0) {
			d->open_len = 0;
			config_perr(p, p->line, "%s: %s in '%.*s%s' (expected port/proto,...)",
				    k->name, err, VAL(v));
			return;
		}
		/* A port twice would render a duplicate set element in nft. */
		for (int i = 1; i < cnt; i++) {
			for (int j = 0; j < i; j++) {
				if (d->open[i].port == d->open[j].port &&
				    d->open[i].proto == d->open[j].proto) {
					config_perr(p, p->line, "%s: port %u/%s given twice in "
						    "'%.*s%s'", k->name, d->open[i].port,
						    port_proto_name(d->open[i].proto), VAL(v));
					d->open_len = 0;
					return;
				}
			}
		}
		d->open_len = (size_t)cnt;
		d->lines.open = p->line;
		return;
	case K_OPEN_TIMEOUT:
		if (num(p, k, v, 1, OPEN_TIMEOUT_MAX, "seconds", &n)) {
			d->open_timeout_s = (unsigned)n;
			d->lines.open_timeout = p->line;
		}
		return;
	case K_FORWARD:
		if (!parse_bool(v, &d->forward)) {
			config_perr(p, p->line, "%s: bad value '%.*s%s' (expected yes or no)",
				    k->name, VAL(v));
			return;
		}
		d->lines.forward = p->line;
		return;
	case K_FORWARD_TO:
		if (!addr_port_parse(v, &d->forward_to, &d->forward_to_port)) {
			memset(&d->forward_to, 0, sizeof d->forward_to);
			d->forward_to_port = 0;
			config_perr(p, p->line, "%s: bad value '%.*s%s' (expected ADDR, ADDR:PORT "
				    "or [IPV6]:PORT, numeric)", k->name, VAL(v));
			return;
		}
		d->lines.forward_to = p->line;
		return;
	case K_SPA_PORT:
		if (num(p, k, v, 1, 65535, "a port", &n)) {
			d->spa_port = (uint16_t)n;
			d->lines.spa_port = p->line;
		}
		return;
	case K_SPA_FORMAT:
		if (strcasecmp(v, "sesame") == 0)
			d->spa_format = SPA_FORMAT_SESAME;
		else if (strcasecmp(v, "fwknop") == 0)
			d->spa_format = SPA_FORMAT_FWKNOP;
		else {
			config_perr(p, p->line, "%s: bad value '%.*s%s' (expected sesame or fwknop)",
				    k->name, VAL(v));
			return;
		}
		d->lines.spa_format = p->line;
		return;
	case K_SPA_KEYS:
		set_str(p, &d->spa_keys, v, true);
		return;
	case K_SPA_WINDOW:
		if (num(p, k, v, 1, SPA_WINDOW_MAX, "seconds", &n))
			d->spa_window_s = (unsigned)n;
		return;
	case K_SPA_ALLOW:
		d->allow_len = 0;
		if (strcasecmp(v, "no") == 0) {
			d->allow = ALLOW_NO;
			return;
		}
		if (strcasecmp(v, "yes") == 0) {
			d->allow = ALLOW_YES;
			return;
		}
		d->allow = ALLOW_NO;    /* until the whole list parsed */
		{
			char copy[CONFIG_LINE_MAX + 1], *save = NULL;
			snprintf(copy, sizeof copy, "%s", v);
			size_t commas = 0, items = 0;
			for (const char *c = v; *c; c++)
				commas += *c == ',';
			for (char *t = strtok_r(copy, ",", &save); t;
			     t = strtok_r(NULL, ",", &save)) {
				t = config_trim(t);
				items++;
				if (d->allow_len == CONFIG_ALLOW_MAX) {
					config_perr(p, p->line, "%s: too many networks (at most %d)",
						    k->name, CONFIG_ALLOW_MAX);
					d->allow_len = 0;
					return;
				}
				if (!cidr_parse(t, &d->allow_nets[d->allow_len])) {
					config_perr(p, p->line, "%s: bad value '%.*s%s' (expected no, yes, "
						    "or ADDR[/PREFIX],... without host bits)", k->name, VAL(t));
					d->allow_len = 0;
					return;
				}
				d->allow_len++;
			}
			if (items == 0 || commas + 1 != items) {
				config_perr(p, p->line, "%s: bad value '%.*s%s' (empty item)",
					    k->name, VAL(v));
				d->allow_len = 0;
				return;
			}
			d->allow = ALLOW_CIDR;
		}
		return;
	case K_SPA_REQUIRE_ADDR:
	case K_SPA_ACCEPT_V1:
		if (!parse_bool(v, k->id == K_SPA_REQUIRE_ADDR ? &d->spa_require_address
							       : &d->spa_accept_v1))
			config_perr(p, p->line, "%s: bad value '%.*s%s' (expected yes or no)",
				    k->name, VAL(v));
		return;
	case K_FWK_KEY_B64:
	case K_FWK_KEY:
		set_key(p, k, v, k->id == K_FWK_KEY_B64, d->fwknop_key,
			&d->fwknop_key_len, sizeof d->fwknop_key);
		return;
	case K_FWK_HMAC_B64:
	case K_FWK_HMAC:
		set_key(p, k, v, k->id == K_FWK_HMAC_B64, d->fwknop_hmac_key,
			&d->fwknop_hmac_key_len, sizeof d->fwknop_hmac_key);
		return;
	case K_FWK_DIGEST:
		if (hmac_digest_parse(v, &d->fwknop_hmac_digest))
			return;
		config_perr(p, p->line, "%s: bad value '%.*s%s' (expected md5, sha1, sha256, "
			    "sha384, sha512, sha3_256 or sha3_512)", k->name, VAL(v));
		return;
	case K_SEQ_SECRETS:
		set_str(p, &d->rot_secrets, v, true);
		d->lines.rot_secrets = p->line;
		return;
	case K_FLEET:
		if (!parse_bool(v, &d->fleet))
			config_perr(p, p->line, "%s: bad value '%.*s%s' (expected yes or no)",
				    k->name, VAL(v));
		else
			d->lines.fleet = p->line;
		return;
	case K_SEQ_LENGTH:
		if (num(p, k, v, ROTSEQ_LEN_MIN, ROTSEQ_LEN_MAX, "steps", &n))
			d->rot_length = (unsigned)n;
		return;
	case K_SEQ_PERIOD:
		if (num(p, k, v, 1, SEQ_PERIOD_MAX, "seconds", &n))
			d->rot_period_s = (unsigned)n;
		return;
	case K_SEQ_PROTOS: {
		enum rotseq_protos pr;
		if (rotseq_parse_protos(v, &pr))
			d->rot_protos = (uint8_t)pr;
		else
			config_perr(p, p->line, "%s: bad value '%.*s%s' (expected tcp, udp or mixed)",
				    k->name, VAL(v));
		return;
	}
	case K_SEQ_PORTS:
		if (!rotseq_parse_range(v, &d->rot_low, &d->rot_high))
			config_perr(p, p->line, "%s: bad value '%.*s%s' (expected LOW-HIGH, "
				    "1..65535, LOW <= HIGH)", k->name, VAL(v));
		return;
	case K_SEQ_BIND:
		if (!parse_bool(v, &d->rot_bind))
			config_perr(p, p->line, "%s: bad value '%.*s%s' (expected yes or no)",
				    k->name, VAL(v));
		return;
	default:
		return;
	}
}

/* Keys whose value may be empty: knockd's "empty command: do nothing". */
bool config_key_empty_ok(enum key_id id)
{
	return id == K_START || id == K_START6 || id == K_STOP || id == K_STOP6;
}

bool config_key_comment_ok(enum key_id id)
{
	switch (id) {
	case K_SEQUENCE: case K_SEQ_TIMEOUT: case K_CMD_TIMEOUT: case K_TCPFLAGS:
	case K_OPEN: case K_OPEN_TIMEOUT: case K_SPA_PORT: case K_SPA_WINDOW:
	case K_SPA_FORMAT: case K_STATELIMIT: case K_FIREWALL: case K_USESYSLOG:
	case K_SEQ_LENGTH: case K_SEQ_PERIOD: case K_TARGET: case K_SPA_ALLOW:
	case K_FWK_DIGEST:
		return true;
	default:
		return false;
	}
}

bool config_key_is_spa(enum key_id id)
{
	return id == K_SPA_KEYS || id == K_SPA_WINDOW || id == K_SPA_ALLOW ||
	       id == K_SPA_REQUIRE_ADDR || id == K_SPA_ACCEPT_V1 ||
	       id == K_FWK_KEY_B64 || id == K_FWK_KEY || id == K_FWK_HMAC_B64 ||
	       id == K_FWK_HMAC || id == K_FWK_DIGEST;
}

bool config_key_is_rotating(enum key_id id)
{
	return id == K_SEQ_LENGTH || id == K_SEQ_PERIOD || id == K_SEQ_PROTOS ||
	       id == K_SEQ_PORTS || id == K_SEQ_BIND;
}
