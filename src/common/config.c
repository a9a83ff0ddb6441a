/* SPDX-License-Identifier: GPL-2.0-or-later */
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

#include "config_internal.h"

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

void config_perr(struct parser *p, unsigned line, const char *fmt, ...)
{
	p->errors++;
	if (p->too_many_errors)
		return;
	if (p->errors > CONFIG_ERRORS_MAX) {
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

void config_pwarn(struct parser *p, unsigned line, const char *fmt, ...)
{
	char msg[CONFIG_LINE_MAX + 256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	config_report(p->diag, p->ctx, LOG_WARNING, p->name, line, "%s", msg);
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
	struct door *d = config_cur_door(p);
	const unsigned *seen = p->door_seen;
	bool seq = d->seq_len > 0 || seen[K_SEQUENCE];
	bool onetime = seen[K_ONETIME] != 0;
	bool spa = seen[K_SPA_PORT] || seen[K_SPA_FORMAT];

	if (seq && onetime)
		config_perr(p, seen[K_ONETIME], "door %s: Sequence and One_Time_Sequences both "
			    "given (line %u); a door has one or the other", d->name, seen[K_SEQUENCE]);
	if ((seq || onetime) && spa)
		config_perr(p, d->line, "door %s: a door is either a knock door (Sequence, "
			    "One_Time_Sequences) or an SPA door (SPA_Port, SPA_Format), not both",
			    d->name);
	if (!seq && !onetime && !spa)
		config_perr(p, d->line, "door %s: needs a Sequence, One_Time_Sequences or "
			    "SPA_Port", d->name);

	if (!spa) {
		for (size_t i = 0; i < K__COUNT; i++)
			if (seen[i] && config_key_is_spa((enum key_id)i))
				config_perr(p, seen[i], "door %s: %s needs SPA_Port or SPA_Format "
					    "(this is not an SPA door)", d->name, p->door_seen_name[i]);
	} else {
		if (d->spa_format == SPA_FORMAT_NONE)
			d->spa_format = SPA_FORMAT_SESAME;
		if (!d->spa_port)
			d->spa_port = 62201;
		if (!seen[K_SPA_WINDOW])
			d->spa_window_s = d->spa_format == SPA_FORMAT_FWKNOP ? 120 : 30;
		if (!seen[K_OPEN])
			config_perr(p, d->line, "door %s: an SPA door needs Open (the ports a "
				    "packet may open)", d->name);
		if (d->spa_format == SPA_FORMAT_SESAME) {
			if (!seen[K_SPA_KEYS])
				config_perr(p, d->line, "door %s: SPA_Format sesame needs SPA_Keys",
					    d->name);
			static const enum key_id fw[] = { K_FWK_KEY_B64, K_FWK_KEY,
				K_FWK_HMAC_B64, K_FWK_HMAC, K_FWK_DIGEST };
			for (size_t i = 0; i < sizeof fw / sizeof fw[0]; i++)
				if (seen[fw[i]])
					config_perr(p, seen[fw[i]], "door %s: %s needs SPA_Format = fwknop",
						    d->name, p->door_seen_name[fw[i]]);
		} else {
			if (seen[K_SPA_KEYS])
				config_perr(p, seen[K_SPA_KEYS], "door %s: SPA_Keys is for SPA_Format "
					    "sesame; fwknop doors use Fwknop_Key_Base64", d->name);
			if (seen[K_FWK_KEY] && seen[K_FWK_KEY_B64])
				config_perr(p, seen[K_FWK_KEY], "door %s: Fwknop_Key and "
					    "Fwknop_Key_Base64 both given", d->name);
			else if (!seen[K_FWK_KEY] && !seen[K_FWK_KEY_B64])
				config_perr(p, d->line, "door %s: SPA_Format fwknop needs "
					    "Fwknop_Key_Base64 or Fwknop_Key", d->name);
			if (seen[K_FWK_HMAC] && seen[K_FWK_HMAC_B64])
				config_perr(p, seen[K_FWK_HMAC], "door %s: Fwknop_HMAC_Key and "
					    "Fwknop_HMAC_Key_Base64 both given", d->name);
			else if (!seen[K_FWK_HMAC] && !seen[K_FWK_HMAC_B64])
				config_perr(p, d->line, "door %s: SPA_Format fwknop needs "
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
		config_perr(p, p->line, "bad section header '%.*s%s' (expected [name])", VAL(hdr));
		p->section = SEC_SKIP;
		return;
	}
	hdr[n - 1] = '\0';
	char *name = config_trim(hdr + 1);
	if (strcasecmp(name, "options") == 0) {
		p->section = SEC_OPTIONS;
		return;
	}
	if (!config_name_valid(name, CONFIG_DOOR_NAME_LEN)) {
		config_perr(p, p->line, "bad door name '%.*s%s' (letters, digits, '_' and '-', "
			    "starting with a letter or '_', at most %d: it names nft sets)",
			    VAL(name), CONFIG_DOOR_NAME_LEN);
		/* Parse the section anyway, to report its other errors. */
	}
	struct config *c = p->cfg;
	for (size_t i = 0; i < c->ndoors; i++) {
		if (strcasecmp(c->doors[i].name, name) == 0) {
			config_perr(p, p->line, "door %s: name already used on line %u",
				    name, c->doors[i].line);
			break;
		}
	}
	if (c->ndoors == CONFIG_DOORS_MAX) {
		config_perr(p, p->line, "too many doors (at most %d)", CONFIG_DOORS_MAX);
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

static void parse_line(struct parser *p, char *raw)
{
	char *line = config_trim(raw);
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
		value = config_trim(eq + 1);
	}
	char *key = config_trim(line);
	if (*key == '\0') {
		config_perr(p, p->line, "missing key before '='");
		return;
	}
	const struct keyword *k = config_find_keyword(key);
	if (!k) {
		config_perr(p, p->line, "unknown key '%.*s%s'", VAL(key));
		return;
	}
	if (p->section == SEC_NONE) {
		config_perr(p, p->line, "%s outside any section (put it under [options] or a "
			    "[door])", k->name);
		return;
	}
	if (p->section == SEC_SKIP)
		return;
	bool in_options = p->section == SEC_OPTIONS;
	if (in_options && k->where == IN_DOOR) {
		config_perr(p, p->line, "%s belongs in a door section, not [options]", k->name);
		return;
	}
	if (!in_options && k->where == IN_OPTIONS) {
		config_perr(p, p->line, "%s belongs in [options], not in door %s", k->name,
			    config_cur_door(p)->name);
		return;
	}
	if (!value) {
		if (k->id != K_USESYSLOG) {
			config_perr(p, p->line, "%s needs a value (%s = ...)", k->name, k->name);
			return;
		}
		value = "yes";          /* knockd's bare flag */
	} else if (*value == '\0' && !config_key_empty_ok(k->id)) {
		config_perr(p, p->line, "%s: empty value", k->name);
		return;
	}

	unsigned *seen = in_options ? p->opt_seen : p->door_seen;
	if (seen[k->id])
		config_pwarn(p, p->line, "%s given again (line %u); this one wins, as in knockd",
			     k->name, seen[k->id]);
	seen[k->id] = p->line;
	if (!in_options)
		p->door_seen_name[k->id] = k->name;

	if (in_options)
		config_set_option(p, k, value);
	else
		config_set_door_key(p, k, value);
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
	c->state_dir = config_strdup(p, "/var/lib/sesame");
	c->replay_cache = config_strdup(p, "/var/lib/sesame/replay");
	c->control_socket = config_strdup(p, "/run/sesame/control");
	c->user = config_strdup(p, "sesame");
	snprintf(c->fleet_name, sizeof c->fleet_name, "sesame");
	c->fleet_port = 6379;
}

static int parse_src(const char *name, struct line_src *src,
		     config_diag_fn diag, void *ctx, struct config **out)
{
	*out = NULL;
	struct config *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	struct parser p = { .cfg = c, .name = name, .diag = diag, .ctx = ctx };
	c->path = config_strdup(&p, name);
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
			config_perr(&p, p.line, "line too long (more than %d bytes)", CONFIG_LINE_MAX);
		else if (st == LINE_NUL)
			config_perr(&p, p.line, "NUL byte in line");
		else if (st == LINE_CTRL)
			config_perr(&p, p.line, "control character in line");
		else if (p.line == 1 && strncmp(line, "\xef\xbb\xbf", 3) == 0)
			parse_line(&p, line + 3);      /* a UTF-8 byte order mark */
		else
			parse_line(&p, line);
	}
	if (src->f && ferror(src->f)) {
		config_report(diag, ctx, LOG_ERR, name, 0, "read error: %s", strerror(errno));
		p.errors++;
	}
	if (!p.oom && !p.too_many_errors) {
		finish_door(&p);
		config_fleet_finish(&p);
		/* [options] may come after the doors: check once all is read. */
		for (size_t i = 0; c->firewall == FIREWALL_NONE && i < c->ndoors; i++)
			if (c->doors[i].open_len)
				config_perr(&p, c->doors[i].lines.open, "door %s: Open needs the "
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
	free(cfg->fleet_password_file);
	free(cfg->fleet_key_file);
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

bool config_fleet_on(const struct config *cfg)
{
	return cfg->fleet_host[0] != '\0';
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
