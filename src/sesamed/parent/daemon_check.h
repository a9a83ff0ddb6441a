/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon_check — what sesamed refuses before it starts, besides the
 * parse itself, and `sesamed -t`, which says OK only when the start
 * would get past the same checks.  Also the config diagnostics on the
 * terminal or in the log, counted.
 */
#ifndef SESAME_DAEMON_CHECK_H
#define SESAME_DAEMON_CHECK_H

#include <stdbool.h>

#include "config.h"
#include "sandbox.h"

/* A config_diag_fn for messages on the terminal: "sesamed: " and the
 * message (which starts with "file:line: ") on stderr.  CTX is NULL or
 * unused. */
void daemon_diag_stderr(void *ctx, int level, const char *msg);

/* `sesamed -t`: parses and lints the config, prints every error and
 * warning with file:line on stderr (a LogFile, or -g's LOGFILE when not
 * NULL, that cannot be opened is a warning: the daemon runs without it).
 * Returns the exit status (0 or 1). */
int daemon_check(const char *config_path, const char *logfile);

/* The messages of one config_load(), counted.  The config_diag_fn
 * daemon_diag_count_stderr() prints them like daemon_diag_stderr(),
 * daemon_diag_count_log() logs them; CTX is a struct daemon_diag_count. */
struct daemon_diag_count { unsigned errors, warnings; };
void daemon_diag_count_stderr(void *ctx, int level, const char *msg);
void daemon_diag_count_log(void *ctx, int level, const char *msg);

/* Everything the daemon refuses at start besides the parse: an unusable
 * NftTable, an unknown User (*USER filled in otherwise), ReplayCache's
 * directory, key and one-time files, the fleet's files.  DRY (for -t):
 * nothing created, no lock taken, nothing loaded into the kernel.  Every
 * problem is logged; returns the number of them. */
unsigned daemon_refusals(const struct config *cfg, bool dry, struct sandbox_user *user);

/* DIR (WHAT names it in the message: "StateDir") must be a directory of
 * ours no one else may write to; it is created if missing.  DRY: a
 * missing one is left for the start to create or report.  0 or -errno
 * (logged). */
int daemon_private_dir_ok(const char *what, const char *dir, bool dry);

#endif
