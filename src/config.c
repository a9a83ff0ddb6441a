/* config — the knockd.conf parser; see config.h and docs/config.md.
 *
 * Lines are read one at a time into a fixed buffer (a file is streamed, a
 * buffer is walked), so no line length can overflow anything: a line over
 * CONFIG_LINE_MAX bytes is an error.  Every problem is reported and the
 * parse goes on, so one run shows all of a file's errors.  Door-level
 * checks run when the door's section ends.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "config_internal.h"
#include "numparse.h"
#include "onetime.h"
#include "portspec.h"

#define ERRORS_MAX 100          /* then stop: a binary file is not a config */

enum key_id {
	K_USESYSLOG, K_LOGFILE, K_PIDFILE, K_INTERFACE, K_FIREWALL,
	K_NFTTABLE, K_STATELIMIT, K_STATEDIR, K_REPLAYCACHE,
	K_CONTROLSOCKET, K_USER,
	K_SEQUENCE, K_ONETIME, K_SEQ_TIMEOUT, K_TCPFLAGS, K_START, K_START6,
	K_CMD_TIMEOUT, K_STOP, K_STOP6, K_TARGET, K_OPEN, K_OPEN_TIMEOUT,
	K_SPA_PORT, K_SPA_FORMAT, K_SPA_KEYS, K_SPA_WINDOW, K_SPA_ALLOW,
	K_FWK_KEY_B64, K_FWK_KEY, K_FWK_HMAC_B64, K_FWK_HMAC, K_FWK_DIGEST,
	K_SEQ_SECRET, K_SEQ_LENGTH, K_SEQ_PERIOD,
	K__COUNT
};

enum key_where { IN_OPTIONS, IN_DOOR };

static const struct keyword {
	const char *name;       /* canonical spelling, used in messages */
	enum key_id id;
	enum key_where where;
} keywords[] = {
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
	{ "Sequence", K_SEQUENCE, IN_DOOR },
	{ "One_Time_Sequences", K_ONETIME, IN_DOOR },
	{ "Seq_Timeout", K_SEQ_TIMEOUT, IN_DOOR },
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
	{ "SPA_Port", K_SPA_PORT, IN_DOOR },
	{ "SPA_Format", K_SPA_FORMAT, IN_DOOR },
	{ "SPA_Keys", K_SPA_KEYS, IN_DOOR },
	{ "SPA_Window", K_SPA_WINDOW, IN_DOOR },
	{ "SPA_Allow_Address", K_SPA_ALLOW, IN_DOOR },
	{ "Fwknop_Key_Base64", K_FWK_KEY_B64, IN_DOOR },
	{ "Fwknop_Key", K_FWK_KEY, IN_DOOR },
	{ "Fwknop_HMAC_Key_Base64", K_FWK_HMAC_B64, IN_DOOR },
	{ "Fwknop_HMAC_Key", K_FWK_HMAC, IN_DOOR },
	{ "Fwknop_HMAC_Digest", K_FWK_DIGEST, IN_DOOR },
	{ "Sequence_Secret", K_SEQ_SECRET, IN_DOOR },
	{ "Sequence_Length", K_SEQ_LENGTH, IN_DOOR },
	{ "Sequence_Period", K_SEQ_PERIOD, IN_DOOR },
};

/* Bounds of the numeric keys. */
#define SEQ_TIMEOUT_MAX   86400ul       /* a day; stored in ms */
#define CMD_TIMEOUT_MAX   604800ul      /* a week */
#define OPEN_TIMEOUT_MAX  604800ul
#define SPA_WINDOW_MAX    86400ul
#define STATE_LIMIT_MIN   16ul
#define STATE_LIMIT_MAX   (1ul << 24)

enum section { SEC_NONE, SEC_OPTIONS, SEC_DOOR, SEC_SKIP };

struct parser {
	struct config *cfg;
	const char *name;
	char *dir;                      /* for relative paths, or NULL */
	config_diag_fn diag;
	void *ctx;
	unsigned errors;
	unsigned line;
	enum section section;
	size_t cap;                     /* doors allocated */
	bool too_many_errors;
	unsigned opt_seen[K__COUNT];    /* line each [options] key was set */
	unsigned door_seen[K__COUNT];   /* same, for the current door */
	const char *door_seen_name[K__COUNT];
	bool oom;
};

/* --- diagnostics ------------------------------------------------------- */

void config_report(config_diag_fn diag, void *ctx, int level,
		   const char *name, unsigned line, const char *fmt, ...)
{
	char msg[CONFIG_LINE_MAX + 512];
	int n;
	if (line)
		n = snprintf(msg, sizeof msg, "%s:%u: %s", name, line,
			     level == LOG_WARNING ? "warning: " : "");
	else
		n = snprintf(msg, sizeof msg, "%s: %s", name,
			     level == LOG_WARNING ? "warning: " : "");
	if (n < 0 || (size_t)n >= sizeof msg)
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
	va_end(ap);
	if (diag)
		diag(ctx, level, msg);
	else
		fprintf(stderr, "%s\n", msg);
}

static void __attribute__((format(printf, 3, 4)))
perr(struct parser *p, unsigned line, const char *fmt, ...)
{
	p->errors++;
	if (p->too_many_errors)
		return;
	if (p->errors > ERRORS_MAX) {
		p->too_many_errors = true;
		config_report(p->diag, p->ctx, LOG_ERR, p->name, 0,
			      "too many errors, giving up");
		return;
	}
	char msg[CONFIG_LINE_MAX + 256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	config_report(p->diag, p->ctx, LOG_ERR, p->name, line, "%s", msg);
}

static void __attribute__((format(printf, 3, 4)))
pwarn(struct parser *p, unsigned line, const char *fmt, ...)
{
	char msg[CONFIG_LINE_MAX + 256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	config_report(p->diag, p->ctx, LOG_WARNING, p->name, line, "%s", msg);
}

/* Values in messages: cut long ones (keys and commands can be long). */
#define SHOWN 80
#define VAL(v) (int)(strlen(v) > SHOWN ? SHOWN : strlen(v)), (v), \
	(strlen(v) > SHOWN ? "..." : "")

/* --- small helpers ----------------------------------------------------- */

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Trims blanks on both ends, in place. */
static char *trim(char *s)
{
	while (is_blank(*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
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

static char *xstrdup(struct parser *p, const char *s)
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
		return xstrdup(p, v);
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
	*dst = path ? path_dup(p, v) : xstrdup(p, v);
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
	perr(p, p->line, "%s: bad value '%.*s%s' (expected %s, %lu..%lu)",
	     k->name, VAL(v), unit, min, max);
	return false;
}

/* --- [options] --------------------------------------------------------- */

static void set_option(struct parser *p, const struct keyword *k, const char *v)
{
	struct config *c = p->cfg;
	unsigned long n;

	switch (k->id) {
	case K_USESYSLOG:
		if (!parse_bool(v, &c->use_syslog))
			perr(p, p->line, "%s: bad value '%.*s%s' (expected no value, or yes/no)",
			     k->name, VAL(v));
		return;
	case K_LOGFILE:
		set_str(p, &c->log_file, v, true);
		return;
	case K_PIDFILE:
		set_str(p, &c->pid_file, v, true);
		return;
	case K_INTERFACE:
		/* IFNAMSIZ is 16 with the NUL; '/' and blanks never occur. */
		if (strlen(v) > 15 || strpbrk(v, "/ \t")) {
			perr(p, p->line, "%s: bad interface name '%.*s%s'", k->name, VAL(v));
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
			perr(p, p->line, "%s: bad value '%.*s%s' (expected nft or none)",
			     k->name, VAL(v));
		return;
	case K_NFTTABLE:
		if (!config_name_valid(v, CONFIG_NAME_MAX - 1)) {
			perr(p, p->line, "%s: bad table name '%.*s%s' (letters, digits, '_' "
			     "and '-', starting with a letter or '_', at most %d)",
			     k->name, VAL(v), CONFIG_NAME_MAX - 1);
			return;
		}
		snprintf(c->nft_table, sizeof c->nft_table, "%s", v);
		return;
	case K_STATELIMIT:
		if (num(p, k, v, STATE_LIMIT_MIN, STATE_LIMIT_MAX, "attempts", &n))
			c->state_limit = (unsigned)n;
		return;
	case K_STATEDIR:
		set_str(p, &c->state_dir, v, true);
		return;
	case K_REPLAYCACHE:
		set_str(p, &c->replay_cache, v, true);
		return;
	case K_CONTROLSOCKET:
		if (strlen(v) >= 108) {         /* sun_path */
			perr(p, p->line, "%s: path too long for a unix socket '%.*s%s'",
			     k->name, VAL(v));
			return;
		}
		set_str(p, &c->control_socket, v, true);
		return;
	case K_USER:
		if (strlen(v) > 32 || strspn(v, "abcdefghijklmnopqrstuvwxyz"
					     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(v)
		    || v[0] == '-') {
			perr(p, p->line, "%s: bad user name '%.*s%s'", k->name, VAL(v));
			return;
		}
		set_str(p, &c->user, v, false);
		return;
	default:
		return;
	}
}

/* --- door keys --------------------------------------------------------- */

static struct door *cur(struct parser *p)
{
	return &p->cfg->doors[p->cfg->ndoors - 1];
}

static const struct {
	const char *name;
	uint8_t bit;
} tcp_flags[] = {
	{ "fin", TCPF_FIN }, { "syn", TCPF_SYN }, { "rst", TCPF_RST },
	{ "psh", TCPF_PSH }, { "ack", TCPF_ACK }, { "urg", TCPF_URG },
};

static bool set_tcpflags(struct parser *p, const struct keyword *k, char *v)
{
	struct door *d = cur(p);
	uint8_t set = 0, clear = 0;
	bool bad = false;
	char *save = NULL;
	/* Walk a copy: strtok_r writes NULs and V is shown in messages. */
	char copy[CONFIG_LINE_MAX + 1];
	snprintf(copy, sizeof copy, "%s", v);
	size_t items = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		t = trim(t);
		items++;
		bool neg = false;
		if (*t == '!') {
			neg = true;
			t = trim(t + 1);
		}
		uint8_t bit = 0;
		for (size_t i = 0; i < sizeof tcp_flags / sizeof tcp_flags[0]; i++)
			if (strcasecmp(t, tcp_flags[i].name) == 0)
				bit = tcp_flags[i].bit;
		if (!bit) {
			perr(p, p->line, "%s: unknown flag '%.*s%s' (expected fin, syn, rst, "
			     "psh, ack, urg, each optionally with '!')", k->name, VAL(t));
			bad = true;
			continue;
		}
		if ((neg ? set : clear) & bit) {
			perr(p, p->line, "%s: flag '%s' both required and excluded in '%.*s%s'",
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
		perr(p, p->line, "%s: bad value '%.*s%s' (empty flag)", k->name, VAL(v));
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
			perr(p, p->line, "%s: not valid base64", k->name);
		} else if ((size_t)n > max) {
			perr(p, p->line, "%s: key too long (%ld bytes, at most %zu)",
			     k->name, n, max);
		} else {
			memcpy(dst, tmp, (size_t)n);
			*dstlen = (size_t)n;
		}
		explicit_bzero(tmp, sizeof tmp);
		return;
	}
	if (len > max) {
		perr(p, p->line, "%s: key too long (%zu bytes, at most %zu)", k->name, len, max);
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

static void set_door_key(struct parser *p, const struct keyword *k, char *v)
{
	struct door *d = cur(p);
	unsigned long n;
	char err[128];
	int cnt;

	switch (k->id) {
	case K_SEQUENCE:
		if (*v == '\0') {
			perr(p, p->line, "%s: empty value", k->name);
			return;
		}
		cnt = portspec_parse_list(v, false, PROTO_TCP, d->seq, CONFIG_SEQ_MAX,
					  err, sizeof err);
		if (cnt < 0) {
			d->seq_len = 0;
			perr(p, p->line, "%s: %s in '%.*s%s' (expected port[:tcp|:udp],...)",
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
		if (num(p, k, v, 1, SEQ_TIMEOUT_MAX, " seconds", &n)) {
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
		if (num(p, k, v, 0, CMD_TIMEOUT_MAX, " seconds", &n)) {
			d->cmd_timeout_s = (unsigned)n;
			d->has_cmd_timeout = true;
			d->lines.cmd_timeout = p->line;
		}
		return;
	case K_TARGET:
		if (!addr_parse(v, &d->target)) {
			memset(&d->target, 0, sizeof d->target);
			perr(p, p->line, "%s: bad address '%.*s%s' (expected a numeric IPv4 "
			     "or IPv6 address)", k->name, VAL(v));
			return;
		}
		d->lines.target = p->line;
		return;
	case K_OPEN:
		if (*v == '\0') {
			perr(p, p->line, "%s: empty value", k->name);
			return;
		}
		cnt = portspec_parse_list(v, true, PROTO_TCP, d->open, CONFIG_OPEN_MAX,
					  err, sizeof err);
		if (cnt < 0) {
			d->open_len = 0;
			perr(p, p->line, "%s: %s in '%.*s%s' (expected port/proto,...)",
			     k->name, err, VAL(v));
			return;
		}
		d->open_len = (size_t)cnt;
		d->lines.open = p->line;
		return;
	case K_OPEN_TIMEOUT:
		if (num(p, k, v, 1, OPEN_TIMEOUT_MAX, " seconds", &n)) {
			d->open_timeout_s = (unsigned)n;
			d->lines.open_timeout = p->line;
		}
		return;
	case K_SPA_PORT:
		if (num(p, k, v, 1, 65535, " port", &n)) {
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
			perr(p, p->line, "%s: bad value '%.*s%s' (expected sesame or fwknop)",
			     k->name, VAL(v));
			return;
		}
		d->lines.spa_format = p->line;
		return;
	case K_SPA_KEYS:
		set_str(p, &d->spa_keys, v, true);
		return;
	case K_SPA_WINDOW:
		if (num(p, k, v, 1, SPA_WINDOW_MAX, " seconds", &n))
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
				t = trim(t);
				items++;
				if (d->allow_len == CONFIG_ALLOW_MAX) {
					perr(p, p->line, "%s: too many networks (at most %d)",
					     k->name, CONFIG_ALLOW_MAX);
					d->allow_len = 0;
					return;
				}
				if (!cidr_parse(t, &d->allow_nets[d->allow_len])) {
					perr(p, p->line, "%s: bad value '%.*s%s' (expected no, yes, "
					     "or ADDR[/PREFIX],... without host bits)", k->name, VAL(t));
					d->allow_len = 0;
					return;
				}
				d->allow_len++;
			}
			if (items == 0 || commas + 1 != items) {
				perr(p, p->line, "%s: bad value '%.*s%s' (empty item)",
				     k->name, VAL(v));
				d->allow_len = 0;
				return;
			}
			d->allow = ALLOW_CIDR;
		}
		return;
	case K_FWK_KEY_B64:
	case K_FWK_KEY:
		if (*v == '\0') {
			perr(p, p->line, "%s: empty value", k->name);
			return;
		}
		set_key(p, k, v, k->id == K_FWK_KEY_B64, d->fwknop_key,
			&d->fwknop_key_len, sizeof d->fwknop_key);
		return;
	case K_FWK_HMAC_B64:
	case K_FWK_HMAC:
		if (*v == '\0') {
			perr(p, p->line, "%s: empty value", k->name);
			return;
		}
		set_key(p, k, v, k->id == K_FWK_HMAC_B64, d->fwknop_hmac_key,
			&d->fwknop_hmac_key_len, sizeof d->fwknop_hmac_key);
		return;
	case K_FWK_DIGEST:
		for (size_t i = 1; i < sizeof digest_names / sizeof digest_names[0]; i++) {
			if (strcasecmp(v, digest_names[i]) == 0) {
				d->fwknop_hmac_digest = (enum hmac_digest)i;
				return;
			}
		}
		perr(p, p->line, "%s: bad value '%.*s%s' (expected md5, sha1, sha256, "
		     "sha384, sha512, sha3_256 or sha3_512)", k->name, VAL(v));
		return;
	case K_SEQ_SECRET:
	case K_SEQ_LENGTH:
	case K_SEQ_PERIOD:
		perr(p, p->line, "%s: rotating sequences are not supported yet", k->name);
		return;
	default:
		return;
	}
}

/* Keys whose value may be empty: knockd's "empty command: do nothing". */
static bool empty_ok(enum key_id id)
{
	return id == K_START || id == K_START6 || id == K_STOP || id == K_STOP6;
}

static bool is_spa_key(enum key_id id)
{
	return id == K_SPA_KEYS || id == K_SPA_WINDOW || id == K_SPA_ALLOW ||
	       id == K_FWK_KEY_B64 || id == K_FWK_KEY || id == K_FWK_HMAC_B64 ||
	       id == K_FWK_HMAC || id == K_FWK_DIGEST;
}

/* --- sections ---------------------------------------------------------- */

static void door_defaults(struct door *d)
{
	d->seq_timeout_ms = 25000;
	d->cmd_timeout_s = 10;
	d->open_timeout_s = 30;
	d->fwknop_hmac_digest = HMAC_SHA256;
}

/* Door-level checks, run when the door's section ends. */
static void finish_door(struct parser *p)
{
	if (p->section != SEC_DOOR)
		return;
	struct door *d = cur(p);
	const unsigned *seen = p->door_seen;
	bool seq = d->seq_len > 0 || seen[K_SEQUENCE];
	bool onetime = seen[K_ONETIME] != 0;
	bool spa = seen[K_SPA_PORT] || seen[K_SPA_FORMAT];

	if (seq && onetime)
		perr(p, seen[K_ONETIME], "door %s: Sequence and One_Time_Sequences both "
		     "given (line %u); a door has one or the other", d->name, seen[K_SEQUENCE]);
	if ((seq || onetime) && spa)
		perr(p, d->line, "door %s: a door is either a knock door (Sequence, "
		     "One_Time_Sequences) or an SPA door (SPA_Port, SPA_Format), not both",
		     d->name);
	if (!seq && !onetime && !spa)
		perr(p, d->line, "door %s: needs a Sequence, One_Time_Sequences or "
		     "SPA_Port", d->name);

	if (!spa) {
		for (size_t i = 0; i < K__COUNT; i++)
			if (seen[i] && is_spa_key((enum key_id)i))
				perr(p, seen[i], "door %s: %s needs SPA_Port or SPA_Format "
				     "(this is not an SPA door)", d->name, p->door_seen_name[i]);
	} else {
		if (d->spa_format == SPA_FORMAT_NONE)
			d->spa_format = SPA_FORMAT_SESAME;
		if (!d->spa_port)
			d->spa_port = 62201;
		if (!seen[K_SPA_WINDOW])
			d->spa_window_s = d->spa_format == SPA_FORMAT_FWKNOP ? 120 : 30;
		if (!seen[K_OPEN])
			perr(p, d->line, "door %s: an SPA door needs Open (the ports a "
			     "packet may open)", d->name);
		if (d->spa_format == SPA_FORMAT_SESAME) {
			if (!seen[K_SPA_KEYS])
				perr(p, d->line, "door %s: SPA_Format sesame needs SPA_Keys",
				     d->name);
			static const enum key_id fw[] = { K_FWK_KEY_B64, K_FWK_KEY,
				K_FWK_HMAC_B64, K_FWK_HMAC, K_FWK_DIGEST };
			for (size_t i = 0; i < sizeof fw / sizeof fw[0]; i++)
				if (seen[fw[i]])
					perr(p, seen[fw[i]], "door %s: %s needs SPA_Format = fwknop",
					     d->name, p->door_seen_name[fw[i]]);
		} else {
			if (seen[K_SPA_KEYS])
				perr(p, seen[K_SPA_KEYS], "door %s: SPA_Keys is for SPA_Format "
				     "sesame; fwknop doors use Fwknop_Key_Base64", d->name);
			if (seen[K_FWK_KEY] && seen[K_FWK_KEY_B64])
				perr(p, seen[K_FWK_KEY], "door %s: Fwknop_Key and "
				     "Fwknop_Key_Base64 both given", d->name);
			else if (!seen[K_FWK_KEY] && !seen[K_FWK_KEY_B64])
				perr(p, d->line, "door %s: SPA_Format fwknop needs "
				     "Fwknop_Key_Base64 or Fwknop_Key", d->name);
			if (seen[K_FWK_HMAC] && seen[K_FWK_HMAC_B64])
				perr(p, seen[K_FWK_HMAC], "door %s: Fwknop_HMAC_Key and "
				     "Fwknop_HMAC_Key_Base64 both given", d->name);
			else if (!seen[K_FWK_HMAC] && !seen[K_FWK_HMAC_B64])
				perr(p, d->line, "door %s: SPA_Format fwknop needs "
				     "Fwknop_HMAC_Key_Base64 or Fwknop_HMAC_Key (packets "
				     "without an HMAC are refused)", d->name);
		}
	}
}

static void start_section(struct parser *p, char *hdr)
{
	finish_door(p);
	memset(p->door_seen, 0, sizeof p->door_seen);

	size_t n = strlen(hdr);
	if (hdr[n - 1] != ']') {
		perr(p, p->line, "bad section header '%.*s%s' (expected [name])", VAL(hdr));
		p->section = SEC_SKIP;
		return;
	}
	hdr[n - 1] = '\0';
	char *name = trim(hdr + 1);
	if (strcasecmp(name, "options") == 0) {
		p->section = SEC_OPTIONS;
		return;
	}
	if (!config_name_valid(name, CONFIG_DOOR_NAME_LEN)) {
		perr(p, p->line, "bad door name '%.*s%s' (letters, digits, '_' and '-', "
		     "starting with a letter or '_', at most %d: it names nft sets)",
		     VAL(name), CONFIG_DOOR_NAME_LEN);
		/* Parse the section anyway, to report its other errors. */
	}
	struct config *c = p->cfg;
	for (size_t i = 0; i < c->ndoors; i++) {
		if (strcasecmp(c->doors[i].name, name) == 0) {
			perr(p, p->line, "door %s: name already used on line %u",
			     name, c->doors[i].line);
			break;
		}
	}
	if (c->ndoors == CONFIG_DOORS_MAX) {
		perr(p, p->line, "too many doors (at most %d)", CONFIG_DOORS_MAX);
		p->section = SEC_SKIP;
		return;
	}
	if (c->ndoors == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4;
		struct door *nd = realloc(c->doors, cap * sizeof *nd);
		if (!nd) {
			p->oom = true;
			p->section = SEC_SKIP;
			return;
		}
		c->doors = nd;
		p->cap = cap;
	}
	struct door *d = &c->doors[c->ndoors++];
	memset(d, 0, sizeof *d);
	door_defaults(d);
	snprintf(d->name, sizeof d->name, "%s", name);
	d->line = p->line;
	p->section = SEC_DOOR;
}

static const struct keyword *find_keyword(const char *key)
{
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
		if (strcasecmp(key, keywords[i].name) == 0)
			return &keywords[i];
	return NULL;
}

static void parse_line(struct parser *p, char *raw)
{
	char *line = trim(raw);
	if (*line == '\0' || *line == '#')
		return;
	if (*line == '[') {
		start_section(p, line);
		return;
	}

	char *eq = strchr(line, '=');
	char *value = NULL;
	if (eq) {
		*eq = '\0';
		value = trim(eq + 1);
	}
	char *key = trim(line);
	if (*key == '\0') {
		perr(p, p->line, "missing key before '='");
		return;
	}
	const struct keyword *k = find_keyword(key);
	if (!k) {
		perr(p, p->line, "unknown key '%.*s%s'", VAL(key));
		return;
	}
	if (p->section == SEC_NONE) {
		perr(p, p->line, "%s outside any section (put it under [options] or a "
		     "[door])", k->name);
		return;
	}
	if (p->section == SEC_SKIP)
		return;
	bool in_options = p->section == SEC_OPTIONS;
	if (in_options && k->where != IN_OPTIONS) {
		perr(p, p->line, "%s belongs in a door section, not [options]", k->name);
		return;
	}
	if (!in_options && k->where != IN_DOOR) {
		perr(p, p->line, "%s belongs in [options], not in door %s", k->name,
		     cur(p)->name);
		return;
	}
	if (!value) {
		if (k->id != K_USESYSLOG) {
			perr(p, p->line, "%s needs a value (%s = ...)", k->name, k->name);
			return;
		}
		value = "yes";          /* knockd's bare flag */
	} else if (*value == '\0' && !empty_ok(k->id)) {
		perr(p, p->line, "%s: empty value", k->name);
		return;
	}

	unsigned *seen = in_options ? p->opt_seen : p->door_seen;
	if (seen[k->id])
		pwarn(p, p->line, "%s given again (line %u); this one wins, as in knockd",
		      k->name, seen[k->id]);
	seen[k->id] = p->line;
	if (!in_options)
		p->door_seen_name[k->id] = k->name;

	if (in_options)
		set_option(p, k, value);
	else
		set_door_key(p, k, value);
}

/* --- line sources ------------------------------------------------------ */

struct line_src {
	FILE *f;                        /* either a stream ... */
	const char *buf;                /* ... or a buffer */
	size_t len, pos;
	bool done;
};

enum line_status { LINE_OK, LINE_LONG, LINE_NUL, LINE_CTRL };

static int src_getc(struct line_src *s)
{
	if (s->f)
		return getc(s->f);
	return s->pos < s->len ? (unsigned char)s->buf[s->pos++] : EOF;
}

/* Next line into OUT (CONFIG_LINE_MAX + 1 bytes), without its newline.
 * Returns false at the end.  Bytes past the limit are consumed and
 * dropped. */
static bool next_line(struct line_src *s, char *out, enum line_status *st)
{
	if (s->done)
		return false;
	size_t n = 0;
	int c;
	bool any = false;
	*st = LINE_OK;
	while ((c = src_getc(s)) != EOF) {
		any = true;
		if (c == '\n')
			break;
		if (c == '\0')
			*st = *st == LINE_OK ? LINE_NUL : *st;
		else if (c < 0x20 && c != '\t' && c != '\r' && c != '\v' && c != '\f')
			*st = *st == LINE_OK ? LINE_CTRL : *st;
		else if (c == 0x7f)
			*st = *st == LINE_OK ? LINE_CTRL : *st;
		if (n < CONFIG_LINE_MAX)
			out[n++] = (char)c;
		else
			*st = LINE_LONG;
	}
	out[n] = '\0';
	if (c == EOF) {
		s->done = true;
		if (!any)
			return false;
	}
	return true;
}

static void defaults(struct parser *p, struct config *c)
{
	snprintf(c->nft_table, sizeof c->nft_table, "sesame");
	c->state_limit = 65536;
	c->state_dir = xstrdup(p, "/var/lib/sesame");
	c->replay_cache = xstrdup(p, "/var/lib/sesame/replay");
	c->control_socket = xstrdup(p, "/run/sesame/control");
	c->user = xstrdup(p, "sesame");
}

static int parse_src(const char *name, struct line_src *src,
		     config_diag_fn diag, void *ctx, struct config **out)
{
	*out = NULL;
	struct config *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	struct parser p = { .cfg = c, .name = name, .diag = diag, .ctx = ctx };
	c->path = xstrdup(&p, name);
	const char *slash = strrchr(name, '/');
	if (slash) {
		p.dir = strndup(name, slash == name ? 1 : (size_t)(slash - name));
		if (!p.dir)
			p.oom = true;
	}
	defaults(&p, c);

	char *line = malloc(CONFIG_LINE_MAX + 1);
	if (!line)
		p.oom = true;
	enum line_status st;
	while (line && !p.oom && !p.too_many_errors && next_line(src, line, &st)) {
		p.line++;
		if (st == LINE_LONG)
			perr(&p, p.line, "line too long (more than %d bytes)", CONFIG_LINE_MAX);
		else if (st == LINE_NUL)
			perr(&p, p.line, "NUL byte in line");
		else if (st == LINE_CTRL)
			perr(&p, p.line, "control character in line");
		else
			parse_line(&p, line);
	}
	if (src->f && ferror(src->f)) {
		config_report(diag, ctx, LOG_ERR, name, 0, "read error: %s", strerror(errno));
		p.errors++;
	}
	if (!p.oom && !p.too_many_errors) {
		finish_door(&p);
		/* [options] may come after the doors: check once all is read. */
		for (size_t i = 0; c->firewall == FIREWALL_NONE && i < c->ndoors; i++)
			if (c->doors[i].open_len)
				perr(&p, c->doors[i].lines.open, "door %s: Open needs the "
				     "nft gate, but Firewall = none (line %u)",
				     c->doors[i].name, p.opt_seen[K_FIREWALL]);
	}
	if (line) {
		explicit_bzero(line, CONFIG_LINE_MAX + 1);     /* may hold keys */
		free(line);
	}
	free(p.dir);
	if (p.oom) {
		config_report(diag, ctx, LOG_ERR, name, 0, "out of memory");
		config_free(c);
		return -ENOMEM;
	}
	if (p.errors) {
		config_free(c);
		return -EINVAL;
	}
	*out = c;
	return 0;
}

int config_parse(const char *name, const char *text, size_t len,
		 config_diag_fn diag, void *ctx, struct config **out)
{
	struct line_src src = { .buf = text, .len = len };
	return parse_src(name, &src, diag, ctx, out);
}

int config_load(const char *path, config_diag_fn diag, void *ctx,
		struct config **out)
{
	*out = NULL;
	FILE *f = fopen(path, "re");
	if (!f) {
		int e = errno;
		config_report(diag, ctx, LOG_ERR, path, 0, "cannot read: %s", strerror(e));
		return -e;
	}
	struct line_src src = { .f = f };
	int r = parse_src(path, &src, diag, ctx, out);
	fclose(f);
	if (r < 0)
		return r;
	r = config_check_files(*out, diag, ctx);
	if (r < 0) {
		config_free(*out);
		*out = NULL;
	}
	return r;
}

static void free_door(struct door *d)
{
	free(d->one_time_file);
	free(d->start_command);
	free(d->start_command6);
	free(d->stop_command);
	free(d->stop_command6);
	free(d->spa_keys);
	explicit_bzero(d->fwknop_key, sizeof d->fwknop_key);
	explicit_bzero(d->fwknop_hmac_key, sizeof d->fwknop_hmac_key);
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->ndoors; i++)
		free_door(&cfg->doors[i]);
	free(cfg->doors);
	free(cfg->path);
	free(cfg->log_file);
	free(cfg->pid_file);
	free(cfg->interface);
	free(cfg->state_dir);
	free(cfg->replay_cache);
	free(cfg->control_socket);
	free(cfg->user);
	free(cfg);
}

/* --- queries ----------------------------------------------------------- */

bool config_wants_nft(const struct config *cfg)
{
	if (cfg->firewall == FIREWALL_NFT)
		return true;
	if (cfg->firewall == FIREWALL_NONE)
		return false;
	for (size_t i = 0; i < cfg->ndoors; i++)
		if (cfg->doors[i].open_len > 0)
			return true;
	return false;
}

bool door_is_sequence(const struct door *d)
{
	return d->seq_len > 0 || d->one_time_file != NULL;
}

bool door_is_spa(const struct door *d)
{
	return d->spa_format != SPA_FORMAT_NONE;
}

const struct door *config_find_door(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->ndoors; i++)
		if (strcmp(cfg->doors[i].name, name) == 0)
			return &cfg->doors[i];
	return NULL;
}

const char *port_proto_name(uint8_t proto)
{
	return proto == PROTO_TCP ? "tcp" : proto == PROTO_UDP ? "udp" : "?";
}
