/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_internal — shared by config.c (structure), config_keys.c (the
 * key table and value helpers), config_options.c, config_door.c and
 * config_spa.c (the setters), config_lint.c and onetime.c only; not an
 * interface for other modules. */
#ifndef SESAME_CONFIG_INTERNAL_H
#define SESAME_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

#include "config.h"
#include "strbuf.h"             /* utf8_prefix_len */

#define CONFIG_ERRORS_MAX 100   /* then stop: a binary file is not a config */

enum key_id {
	K_USESYSLOG, K_LOGFILE, K_PIDFILE, K_INTERFACE, K_FIREWALL,
	K_NFTTABLE, K_STATELIMIT, K_STATEDIR, K_REPLAYCACHE,
	K_CONTROLSOCKET, K_USER,
	K_FLEET, K_FLEET_PASSWORD, K_FLEET_NAME, K_FLEET_NODE, K_FLEET_KEY,
	K_FLEET_REQUIRED,
	K_SEQUENCE, K_ONETIME, K_SEQ_TIMEOUT, K_TCPFLAGS, K_START, K_START6,
	K_CMD_TIMEOUT, K_STOP, K_STOP6, K_TARGET, K_OPEN, K_OPEN_TIMEOUT,
	K_FORWARD, K_FORWARD_TO,
	K_SPA_PORT, K_SPA_FORMAT, K_SPA_KEYS, K_SPA_WINDOW, K_SPA_ALLOW,
	K_SPA_REQUIRE_ADDR, K_SPA_ACCEPT_V1,
	K_FWK_KEY_B64, K_FWK_KEY, K_FWK_HMAC_B64, K_FWK_HMAC, K_FWK_DIGEST,
	K_SEQ_SECRETS, K_SEQ_LENGTH, K_SEQ_PERIOD, K_SEQ_PROTOS, K_SEQ_PORTS,
	K_SEQ_BIND,
	K__COUNT
};

enum key_where { IN_OPTIONS, IN_DOOR, IN_BOTH };

struct keyword {
	const char *name;       /* canonical spelling, used in messages */
	enum key_id id;
	enum key_where where;
};

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
	/* Line of each key of the current door that was meant but refused
	 * (bad or missing value, a near-miss spelling): the door's own
	 * checks take it as given, so that one mistake is one error. */
	unsigned door_refused[K__COUNT];
	bool oom;
};

/* Errors count against the parse; warnings never do.  "NAME:LINE: ". */
void config_perr(struct parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void config_pwarn(struct parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Values in messages: cut long ones (keys and commands can be long). */
#define SHOWN 80
#define VAL(v) (int)utf8_prefix_len((v), SHOWN), (v), (strlen(v) > SHOWN ? "..." : "")

/* The door being parsed (section is SEC_DOOR). */
static inline struct door *config_cur_door(struct parser *p)
{
	return &p->cfg->doors[p->cfg->ndoors - 1];
}

/* config_keys.c: the key table, what each key allows, and the value
 * helpers the setters share. */
const struct keyword *config_find_keyword(const char *key);
/* The keyword KEY most likely misspells (case-insensitive optimal string
 * alignment distance: at most 1 for names of up to 4 bytes, else 2; on a
 * tie, the first in the table), or NULL. */
const struct keyword *config_near_keyword(const char *key);
bool config_key_empty_ok(enum key_id id);
bool config_key_is_spa(enum key_id id);
/* Keys whose value is a number, a port list or a word: knockd reads them
 * up to a trailing " # comment", so we drop one (with a warning).  Never
 * commands, paths or keys, where '#' may be part of the value. */
bool config_key_comment_ok(enum key_id id);
bool config_key_is_rotating(enum key_id id);
char *config_trim(char *s);
char *config_strdup(struct parser *p, const char *s);
/* V into *DST (freed first), copied; PATH: relative to the config's
 * directory.  Out of memory sets p->oom. */
void config_set_str(struct parser *p, char **dst, const char *v, bool path);
/* yes/true/on/1 or no/false/off/0, any case.  False for anything else,
 * *OUT untouched. */
bool config_parse_bool(const char *v, bool *out);
/* config_parse_bool(), or the error "KEY: bad value ... (expected yes or
 * no)" at the current line. */
bool config_set_bool(struct parser *p, const struct keyword *k, const char *v, bool *out);
/* A number MIN..MAX in *OUT, or the error "KEY: bad value ... (expected
 * UNIT, MIN..MAX)" at the current line. */
bool config_num(struct parser *p, const struct keyword *k, const char *v,
		unsigned long min, unsigned long max, const char *unit, unsigned long *out);

/* The setters, one call a key line (V trimmed, not empty but for the
 * command keys); each reports its own errors at p->line.
 * config_options.c: the [options] keys. */
void config_set_option(struct parser *p, const struct keyword *k, const char *v);
/* config_options.c: once the whole file is read, the fleet keys together
 * (Fleet_Key_File needed, each door's Fleet default). */
void config_fleet_finish(struct parser *p);
/* config_door.c: a door's keys (an SPA door's go on to config_spa.c). */
void config_set_door_key(struct parser *p, const struct keyword *k, char *v);
/* config_spa.c: SPA_* and Fwknop_* keys. */
void config_set_spa_key(struct parser *p, const struct keyword *k, const char *v);

/* Formats "NAME:LINE: [warning: ]MSG" (or "NAME: ..." when LINE is 0) and
 * hands it to DIAG, or prints it to stderr when DIAG is NULL. */
void config_report(config_diag_fn diag, void *ctx, int level,
		   const char *name, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));


/* Checks the files a loaded config names that knockd reads at start
 * (One_Time_Sequences).  Returns 0 or -EINVAL (reported). */
int config_check_files(const struct config *cfg, config_diag_fn diag, void *ctx);

#endif
