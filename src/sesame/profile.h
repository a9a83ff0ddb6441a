/* SPDX-License-Identifier: GPL-2.0-or-later */
/* profile — the servers a user knocks on, by name.
 *
 * A profile comes from the client config (client.conf, the INI syntax of
 * sesamed.conf, one [NAME] section per server) or, when no profile has
 * that name, from a [NAME] stanza of fwknop's ~/.fwknoprc (fwknoprc.c).
 * Either way it ends up as one struct profile, and opening it is running
 * one of the existing subcommands (knock, spa) with the command line the
 * profile stands for: the packets are built in one place only.
 *
 * How a profile opens its server is its method, one entry of a table
 * (profile.c, `methods[]`): the keys that select it, the keys it accepts
 * and the command line it builds.  A new kind of knock is one more entry
 * there plus its keys in `keys[]`.
 */
#ifndef SESAME_PROFILE_H
#define SESAME_PROFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define PROFILE_NAME_MAX   64           /* with NUL; a key name's rules */
#define PROFILE_HOST_MAX   256
#define PROFILE_LIST_MAX   256          /* "tcp/22,udp/53", "8881,7777:udp" */
#define PROFILE_SECRET_MAX 256          /* a base64 key given inline */
#define PROFILE_ARGS_MAX   40

enum profile_method {
	PM_NONE = -1,
	PM_KNOCK,                       /* Sequence: sesame knock */
	PM_SPA,                         /* SPA_Key (or the default): sesame spa */
	PM_FWKNOP,                      /* fwknop's format: sesame spa --fwknop */
	PM__COUNT
};

struct profile {
	char name[PROFILE_NAME_MAX];
	char file[PATH_MAX];            /* where it was read, for messages */
	unsigned line;                  /* its [section] line */
	enum profile_method method;
	char host[PROFILE_HOST_MAX];
	int family;                     /* AF_UNSPEC, AF_INET, AF_INET6 */
	unsigned port;                  /* Port, what connect dials; 0: none */
	char allow[ADDR_STRLEN];        /* Allow; "": the packet's source */
	char open[PROFILE_LIST_MAX];    /* Open, canonical "tcp/22,udp/53" */
	unsigned spa_port;              /* SPA_Port; 0: the default */
	char sequence[PROFILE_LIST_MAX];/* Sequence, canonical "8881,7777:udp" */
	unsigned delay_ms;
	bool has_delay;
	char key_file[PATH_MAX];        /* SPA_Key, Fwknop_Key_File */
	char hmac_key_file[PATH_MAX];   /* Fwknop_HMAC_Key_File */
	char key_b64[PROFILE_SECRET_MAX];       /* .fwknoprc's keys, inline */
	char hmac_key_b64[PROFILE_SECRET_MAX];
	char digest[16];                /* Fwknop_HMAC_Digest; "": sha256 */
	unsigned key_line, hmac_key_line;       /* for file:line of key errors */
};

/* Where messages go: "sesame CMD: " then MSG (which names file:line). */
struct profile_diag {
	const char *cmd;                /* "open", "connect" */
	unsigned errors;
	bool quiet;                     /* count, format, print nothing (fuzzing) */
};
void profile_err(struct profile_diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* $XDG_CONFIG_HOME/sesame/client.conf, else ~/.config/sesame/client.conf.
 * Returns 0 or -ENAMETOOLONG/-ENOENT (no home). */
int profile_default_file(char *buf, size_t len);

/* ~/.config/sesame/keys/NAME.key. */
int profile_key_path(const char *name, char *buf, size_t len);

/* Parses the profiles of TEXT (NAME for messages and relative paths).
 * Every problem is reported (file:line) and counted in D->errors.  On
 * success, *OUT holds *N profiles (free with profile_free_all). */
int profile_parse(const char *name, const char *text, size_t len,
		  struct profile_diag *d, struct profile **out, size_t *n);

/* Reads PATH after checking it is a regular file that only its owner (the
 * user or root) may change.  MUST_EXIST false: a missing file is no
 * profiles.  Returns 0 or -errno (reported). */
int profile_load(const char *path, bool must_exist, struct profile_diag *d,
		 struct profile **out, size_t *n);

/* The profile named NAME (any case), else the one whose Host is NAME. */
const struct profile *profile_find(const struct profile *p, size_t n, const char *name);

/* Checks what the chosen profile's method needs beyond its syntax: that
 * its key files exist and may be read.  Reported as file:line. */
int profile_check_files(const struct profile *p, struct profile_diag *d);

/* The command line of the subcommand that opens P (argv[0] is "knock" or
 * "spa"), pointing into P and BUF.  VERBOSE and TEST add -v and --test.
 * Returns argc, or -ENOSPC. */
struct profile_argv {
	char *argv[PROFILE_ARGS_MAX + 1];
	char buf[4][16];                /* numbers */
	char list[PROFILE_LIST_MAX];    /* knock ports, split */
};
int profile_argv(const struct profile *p, bool verbose, bool test, struct profile_argv *a);

/* The subcommand that runs P's command line (cmd_knock, cmd_spa). */
int (*profile_runner(const struct profile *p))(int argc, char **argv);

/* The method's name ("knock", "spa", "fwknop"), for messages. */
const char *profile_method_name(enum profile_method m);

/* A Host value: 1-255 printable bytes, no blank, '/' or ',', not starting
 * with '-' (it would pass for an option). */
bool profile_host_valid(const char *s);

/* Wipes the inline secrets and frees. */
void profile_free_all(struct profile *p, size_t n);

/* ~/.fwknoprc (fwknoprc.c): the [NAME] stanza of PATH as a profile, over
 * the [default] stanza.  Returns 1 and fills *OUT, 0 when there is no such
 * stanza (or no file), -errno after reporting. */
int fwknoprc_load(const char *path, const char *name, struct profile_diag *d,
		  struct profile *out);
int fwknoprc_parse(const char *file, const char *text, size_t len, const char *name,
		   struct profile_diag *d, struct profile *out);
/* $HOME/.fwknoprc. */
int fwknoprc_default_file(char *buf, size_t len);

#endif
