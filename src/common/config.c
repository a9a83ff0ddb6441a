/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config — the knockd.conf parser; see config.h and docs/config.md.
 *
 * Lines come from ini.c (bounded, one at a time).  Every problem is reported and the
 * parse goes on, so one run shows all of a file's errors.  Door-level
 * checks run when the door's section ends.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>

#include "config_internal.h"
#include "ini.h"
#include "log.h"
#include "nft_render.h"

/* --- diagnostics ------------------------------------------------------- */

void config_diagf(config_diag_fn diag, void *ctx, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (diag)
		diag(ctx, level, msg);
	else
		log_msg(level, "%s", msg);
}

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
	d->rot_length = 4;
	d->rot_period_s = 30;
	d->rot_low = 1024;
	d->rot_high = 65535;
}

/* Door-level checks, run when the door's section ends. */
static void finish_door(struct parser *p)
{
	if (p->section != SEC_DOOR)
		return;
	struct door *d = config_cur_door(p);
	/* A key given but refused counts as given here: its own error said
	 * what was wrong, and "needs a Sequence" after "Sequence: empty
	 * value" would only confuse. */
	const unsigned *refused = p->door_refused;
	unsigned seen[K__COUNT];
	for (size_t i = 0; i < K__COUNT; i++)
		seen[i] = p->door_seen[i] ? p->door_seen[i] : refused[i];
	bool seq = d->seq_len > 0 || seen[K_SEQUENCE];
	bool onetime = seen[K_ONETIME] != 0;
	bool spa = seen[K_SPA_PORT] || seen[K_SPA_FORMAT];
	bool rot = seen[K_SEQ_SECRETS] != 0;

	if (rot && (seq || onetime))
		config_perr(p, seen[K_SEQ_SECRETS], "door %s: Sequence_Secrets and %s both given "
			    "(line %u); a rotating door derives its sequence, it has no fixed one",
			    d->name, seq ? "Sequence" : "One_Time_Sequences",
			    seq ? seen[K_SEQUENCE] : seen[K_ONETIME]);
	if (rot && spa)
		config_perr(p, d->line, "door %s: a door is either a rotating knock door "
			    "(Sequence_Secrets) or an SPA door (SPA_Port, SPA_Format), not both",
			    d->name);
	if (!rot) {
		for (size_t i = 0; i < K__COUNT; i++)
			if (seen[i] && config_key_is_rotating((enum key_id)i))
				config_perr(p, seen[i], "door %s: %s needs Sequence_Secrets "
					    "(this is not a rotating door)", d->name,
					    p->door_seen_name[i]);
	} else if ((unsigned)d->rot_high - d->rot_low + 1 < d->rot_length) {
		config_perr(p, seen[K_SEQ_PORTS] ? seen[K_SEQ_PORTS] : d->line,
			    "door %s: Sequence_Ports %u-%u holds fewer ports than "
			    "Sequence_Length %u", d->name, d->rot_low, d->rot_high, d->rot_length);
	}
	if (seq && onetime)
		config_perr(p, seen[K_ONETIME], "door %s: Sequence and One_Time_Sequences both "
			    "given (line %u); a door has one or the other", d->name, seen[K_SEQUENCE]);
	if ((seq || onetime) && spa)
		config_perr(p, d->line, "door %s: a door is either a knock door (Sequence, "
			    "One_Time_Sequences) or an SPA door (SPA_Port, SPA_Format), not both",
			    d->name);
	if (!seq && !onetime && !spa && !rot)
		config_perr(p, d->line, "door %s: needs a Sequence, One_Time_Sequences, "
			    "Sequence_Secrets or SPA_Port", d->name);

	if (d->forward && !seen[K_OPEN])
		config_perr(p, seen[K_FORWARD], "door %s: Forward needs Open (the ports to "
			    "guard on the forward path)", d->name);
	if (seen[K_FORWARD_TO] && !d->forward && !refused[K_FORWARD])
		config_perr(p, seen[K_FORWARD_TO], "door %s: Forward_To needs Forward = yes",
			    d->name);

	if (!spa) {
		for (size_t i = 0; i < K__COUNT; i++)
			if (p->door_seen[i] && config_key_is_spa((enum key_id)i))
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
		if (refused[K_SPA_FORMAT]) {
			/* Which keys the door needs depends on the format refused. */
		} else if (d->spa_format == SPA_FORMAT_SESAME) {
			if (!seen[K_SPA_KEYS])
				config_perr(p, d->line, "door %s: SPA_Format sesame needs SPA_Keys",
					    d->name);
			static const enum key_id fw[] = { K_FWK_KEY_B64, K_FWK_KEY,
				K_FWK_HMAC_B64, K_FWK_HMAC, K_FWK_DIGEST };
			for (size_t i = 0; i < sizeof fw / sizeof fw[0]; i++)
				if (p->door_seen[fw[i]])
					config_perr(p, seen[fw[i]], "door %s: %s needs SPA_Format = fwknop",
						    d->name, p->door_seen_name[fw[i]]);
		} else {
			if (seen[K_SPA_KEYS])
				config_perr(p, seen[K_SPA_KEYS], "door %s: SPA_Keys is for SPA_Format "
					    "sesame; fwknop doors use Fwknop_Key_Base64", d->name);
			if (seen[K_SPA_ACCEPT_V1])
				config_perr(p, seen[K_SPA_ACCEPT_V1], "door %s: SPA_Accept_V1 is for "
					    "SPA_Format sesame (fwknop has its own format)", d->name);
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

static void start_section(struct parser *p, const struct ini_item *it)
{
	finish_door(p);
	memset(p->door_seen, 0, sizeof p->door_seen);
	memset(p->door_refused, 0, sizeof p->door_refused);

	if (!it->name) {
		config_perr(p, p->line, "%s", it->error);
		p->section = SEC_SKIP;
		return;
	}
	const char *name = it->name;
	if (strcasecmp(name, "options") == 0) {
		p->section = SEC_OPTIONS;
		return;
	}
	if (!config_door_name_valid(name, CONFIG_DOOR_NAME_LEN)) {
		config_perr(p, p->line, "bad door name '%.*s%s' (1 to %d printable ASCII "
			    "characters, none of ':', '\"' and '\\': the name is a field of "
			    "the log lines)", VAL(name), CONFIG_DOOR_NAME_LEN);
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

/* Unicode spaces an editor or a web page may put where a blank was
 * meant (an U+3000 indent, a no-break space): not blanks to knockd or
 * to us, so the key is unknown; the error says which one it is. */
static const struct {
	const char *utf8;
	unsigned cp;
	const char *name;
} uspaces[] = {
	{ "\xc2\xa0", 0x00a0, "NO-BREAK SPACE" },
	{ "\xe1\x9a\x80", 0x1680, "OGHAM SPACE MARK" },
	{ "\xe2\x80\x80", 0x2000, "EN QUAD" },
	{ "\xe2\x80\x81", 0x2001, "EM QUAD" },
	{ "\xe2\x80\x82", 0x2002, "EN SPACE" },
	{ "\xe2\x80\x83", 0x2003, "EM SPACE" },
	{ "\xe2\x80\x84", 0x2004, "THREE-PER-EM SPACE" },
	{ "\xe2\x80\x85", 0x2005, "FOUR-PER-EM SPACE" },
	{ "\xe2\x80\x86", 0x2006, "SIX-PER-EM SPACE" },
	{ "\xe2\x80\x87", 0x2007, "FIGURE SPACE" },
	{ "\xe2\x80\x88", 0x2008, "PUNCTUATION SPACE" },
	{ "\xe2\x80\x89", 0x2009, "THIN SPACE" },
	{ "\xe2\x80\x8a", 0x200a, "HAIR SPACE" },
	{ "\xe2\x80\x8b", 0x200b, "ZERO WIDTH SPACE" },
	{ "\xe2\x80\xaf", 0x202f, "NARROW NO-BREAK SPACE" },
	{ "\xe2\x81\x9f", 0x205f, "MEDIUM MATHEMATICAL SPACE" },
	{ "\xe3\x80\x80", 0x3000, "IDEOGRAPHIC SPACE" },
	{ "\xef\xbb\xbf", 0xfeff, "ZERO WIDTH NO-BREAK SPACE" },
};

static void unknown_key(struct parser *p, const char *key)
{
	for (const char *s = key; *s; s++) {
		if ((unsigned char)*s < 0x80)
			continue;
		for (size_t i = 0; i < sizeof uspaces / sizeof uspaces[0]; i++) {
			size_t n = strlen(uspaces[i].utf8);
			if (strncmp(s, uspaces[i].utf8, n) == 0) {
				config_perr(p, p->line, "unknown key '%.*s%s': it holds U+%04X %s "
					    "(byte %zu), which is not a blank; use spaces or tabs",
					    VAL(key), uspaces[i].cp, uspaces[i].name,
					    (size_t)(s - key) + 1);
				return;
			}
		}
	}
	const struct keyword *near = config_near_keyword(key);
	if (!near) {
		config_perr(p, p->line, "unknown key '%.*s%s'", VAL(key));
		return;
	}
	config_perr(p, p->line, "unknown key '%.*s%s' (did you mean '%s'?)", VAL(key), near->name);
	if (p->section == SEC_DOOR && near->where == IN_DOOR)
		p->door_refused[near->id] = p->line;
}

/* knockd reads a number or a port list up to what does not fit, so
 * "Cmd_Timeout = 3600  # an hour" works there: a blank then '#' ends the
 * value of such keys, with a warning. */
static void cut_comment(struct parser *p, const struct keyword *k, char *value)
{
	if (!config_key_comment_ok(k->id))
		return;
	for (char *s = value; *s; s++) {
		if (*s == '#' && s > value && (s[-1] == ' ' || s[-1] == '\t')) {
			config_pwarn(p, p->line, "%s: trailing comment '%.*s%s' ignored; put "
				     "comments on lines of their own", k->name, VAL(s));
			*s = '\0';
			config_trim(value);
			return;
		}
	}
}

static void parse_key(struct parser *p, const char *key, char *value)
{
	const struct keyword *k = config_find_keyword(key);
	if (!k) {
		unknown_key(p, key);
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
	if (value)
		cut_comment(p, k, value);
	if (!value) {
		if (k->id != K_USESYSLOG) {
			config_perr(p, p->line, "%s needs a value (%s = ...)", k->name, k->name);
			if (!in_options)
				p->door_refused[k->id] = p->line;
			return;
		}
		value = "yes";          /* knockd's bare flag */
	} else if (*value == '\0' && !config_key_empty_ok(k->id)) {
		config_perr(p, p->line, "%s: empty value", k->name);
		if (!in_options)
			p->door_refused[k->id] = p->line;
		return;
	}

	unsigned *seen = in_options ? p->opt_seen : p->door_seen;
	if (seen[k->id])
		config_pwarn(p, p->line, "%s given again (line %u); this one wins, as in knockd",
			     k->name, seen[k->id]);
	seen[k->id] = p->line;
	if (!in_options)
		p->door_seen_name[k->id] = k->name;

	if (in_options) {
		config_set_option(p, k, value);
		return;
	}
	unsigned errors = p->errors;
	config_set_door_key(p, k, value);
	if (p->errors != errors)
		p->door_refused[k->id] = p->line;
}

/* Doors with Open own nft sets named after them, with every character
 * outside [A-Za-z0-9_] made '_' ("Open rtorrent" -> Open_rtorrent_v4):
 * two such doors must not end up with one name.  (Command doors have no
 * sets: their names may collide freely.) */
static void check_nft_names(struct parser *p)
{
	const struct config *c = p->cfg;
	char a[NFT_SETNAME_MAX], b[NFT_SETNAME_MAX];
	for (size_t i = 0; i < c->ndoors; i++) {
		if (!c->doors[i].open_len)
			continue;
		nft_ident(c->doors[i].name, a, sizeof a);
		for (size_t j = 0; j < i; j++) {
			if (!c->doors[j].open_len)
				continue;
			nft_ident(c->doors[j].name, b, sizeof b);
			if (strcmp(a, b) == 0)
				config_perr(p, c->doors[i].line, "door %s: its nft sets would be "
					    "named %s_v4/_v6 like those of door %s (line %u); nft "
					    "names keep only letters, digits and '_', so rename one",
					    c->doors[i].name, a, c->doors[j].name, c->doors[j].line);
		}
	}
}

/* --- reading --------------------------------------------------------- */

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

static int parse_src(const char *name, struct ini_reader *src,
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

	if (!src->text)
		p.oom = true;
	struct ini_item it;
	while (!p.oom && !p.too_many_errors && ini_next(src, &it)) {
		p.line = it.line;
		if (it.kind == INI_ERROR)
			config_perr(&p, p.line, "%s", it.error);
		else if (it.kind == INI_SECTION)
			start_section(&p, &it);
		else
			parse_key(&p, it.name, it.value);
	}
	if (src->f && ferror(src->f)) {
		config_report(diag, ctx, LOG_ERR, name, 0, "read error: %s", strerror(errno));
		p.errors++;
	}
	if (!p.oom && !p.too_many_errors) {
		finish_door(&p);
		check_nft_names(&p);
		config_fleet_finish(&p);
		/* [options] may come after the doors: check once all is read. */
		for (size_t i = 0; c->firewall == FIREWALL_NONE && i < c->ndoors; i++)
			if (c->doors[i].open_len)
				config_perr(&p, c->doors[i].lines.open, "door %s: Open needs the "
					    "nft gate, but Firewall = none (line %u)",
					    c->doors[i].name, p.opt_seen[K_FIREWALL]);
	}
	ini_fini(src);
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
	struct ini_reader src;
	(void)ini_init_buf(&src, text, len);
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
	/* A directory opens fine and fails at the first read: say what it is. */
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		config_report(diag, ctx, LOG_ERR, path, 0, "cannot read: a directory, not a config file");
		fclose(f);
		return -EISDIR;
	}
	struct ini_reader src;
	(void)ini_init_file(&src, f);
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
	free(d->rot_secrets);
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

bool door_is_rotating(const struct door *d)
{
	return d->rot_secrets != NULL;
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
