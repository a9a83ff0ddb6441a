/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_keys — the key table of config.c, what each key allows (an empty
 * value, a trailing comment), near-miss spellings, and the value helpers
 * every setter shares.  The setters: config_options.c ([options]),
 * config_door.c (a door's keys), config_spa.c (an SPA door's keys);
 * structure in config.c. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"
#include "ini.h"
#include "numparse.h"

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

void config_set_str(struct parser *p, char **dst, const char *v, bool path)
{
	free(*dst);
	*dst = path ? path_dup(p, v) : config_strdup(p, v);
}

bool config_parse_bool(const char *v, bool *out)
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

bool config_num(struct parser *p, const struct keyword *k, const char *v,
		unsigned long min, unsigned long max, const char *unit, unsigned long *out)
{
	if (parse_ulong(v, min, max, out))
		return true;
	config_perr(p, p->line, "%s: bad value '%.*s%s' (expected %s, %lu..%lu)",
		    k->name, VAL(v), unit, min, max);
	return false;
}

bool config_set_bool(struct parser *p, const struct keyword *k, const char *v, bool *out)
{
	if (config_parse_bool(v, out))
		return true;
	config_perr(p, p->line, "%s: bad value '%.*s%s' (expected yes or no)", k->name, VAL(v));
	return false;
}

/* --- what each key allows ---------------------------------------------- */

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
