/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log — one line per event, to stderr, a log file and/or syslog.
 *
 * Levels are syslog's (LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG).  Lines
 * are meant for people and for fail2ban alike: decision lines put the
 * source address right after a fixed keyword, e.g.
 *   "door openSSH: 198.18.0.2: stage 2"
 *   "door openSSH: 198.18.0.2: opened"
 * Call sites never log and return an error for the same failure twice:
 * whoever knows the context reports it.
 */
#ifndef SESAME_LOG_H
#define SESAME_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

/* When stderr is the journal (systemd sets JOURNAL_STREAM to the
 * "device:inode" of the stream it hands us, and stderr is still that
 * stream), stderr lines are "<N>MESSAGE": N is the syslog priority, which
 * journald takes as the entry's priority, and no time stamp (journald has
 * its own).  Otherwise stderr and file lines are
 *   "[YYYY-mm-dd HH:MM:SS.mmm] LEVEL: MESSAGE"
 * with LEVEL one of error, warning, notice, info, debug.
 *
 * Defaults: stderr on, level LOG_INFO, no file, no syslog. */
void log_set_level(int level);          /* messages above it are dropped */
int  log_get_level(void);
void log_to_stderr(bool on);
/* To syslog (/dev/log, facility daemon), connected at once. */
void log_to_syslog(bool on, const char *ident);
/* Appends to PATH (created 0640; a symlink is refused).  Returns 0 or
 * -errno; reopens on each call, so SIGHUP can rotate. */
int  log_to_file(const char *path);
/* The descriptors log lines are written to (stderr, the log file, the
 * syslog socket), at most MAX of them into FDS: a process that closes
 * everything else, or may write only to known descriptors, keeps these.
 * Returns their count. */
size_t log_fds(int *fds, size_t max);
void log_close(void);
/* Stops writing to the log file (if any); stderr and syslog stay. */
void log_close_file(void);
/* True when stderr is the journal (see above); looked at once, on first
 * use, since the daemon may later point stderr elsewhere. */
bool log_stderr_is_journal(void);
/* One-shot commands (`sesamed -t`, `--dump-config`, `--remove-gate`)
 * speak as the command line does: every line goes to stderr only, as
 * "PROG: MESSAGE" ("PROG: warning: MESSAGE" for warnings), with no time
 * stamp and never in the journal's form.  PROG must outlive the logging. */
void log_cli(const char *prog);

/* Between log_hold() and log_release(), lines are kept (with the time
 * they were made) and written at the release, in order: the worker holds
 * them while it decides a packet, so that its grant reaches the parent
 * before the writes to the log do.  More than a few lines at once are
 * written as they come; none is dropped. */
void log_hold(void);
void log_release(void);

void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
