/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon — sesamed's privileged parent: start-up, the worker, the gates,
 * reload and shutdown.  sesamed.c parses the command line and calls
 * daemon_run().
 *
 * The parent's state: daemon_parent.h; its side of the worker:
 * daemon_worker.h.
 *
 * Event flow (docs/layout.md, docs/sesamed.md "Privilege separation"):
 *   worker (worker.h, unprivileged): capture ──▶ SPA doors / sequence
 *        doors ──▶ PS_GRANT over the socketpair (privsep.h)
 *   parent: socketpair ──▶ privsep_check() ──▶ gates_dispatch() (gate.h)
 *           timerfd ──▶ Cmd_Timeout stops, capture re-open / new worker
 *           signalfd ─▶ SIGHUP reload (new worker), SIGTERM/SIGINT stop,
 *                       SIGCHLD reap
 *           control socket ──▶ `sesame status` (attempts asked of the worker)
 */
#ifndef SESAME_DAEMON_H
#define SESAME_DAEMON_H

#include <stdbool.h>

#define SESAMED_DEFAULT_CONFIG  "/etc/sesame/sesamed.conf"
#define SESAMED_DEFAULT_PIDFILE "/run/sesamed.pid"
/* How long SIGTERM waits for the last stop commands to finish. */
#define SESAMED_STOP_WAIT_MS    5000

struct daemon_opts {
	const char *config_path;
	const char *interface;          /* -i, overrides Interface */
	const char *pidfile;            /* -p, overrides PidFile */
	const char *logfile;            /* -g, overrides LogFile */
	bool daemonize;                 /* -d */
	bool debug;                     /* -D */
	bool verbose;                   /* -v */
	bool lookup;                    /* -l (accepted; see docs/sesamed.md) */
	bool only_v4;                   /* -4 */
};

/* A config_diag_fn for messages on the terminal: "sesamed: " and the
 * message (which starts with "file:line: ") on stderr.  CTX is NULL or
 * unused. */
void daemon_diag_stderr(void *ctx, int level, const char *msg);

/* `sesamed -t`: parses and lints the config, prints every error and
 * warning with file:line on stderr (a LogFile, or -g's LOGFILE when not
 * NULL, that cannot be opened is a warning: the daemon runs without it).
 * Returns the exit status (0 or 1). */
int daemon_check(const char *config_path, const char *logfile);

/* Runs the daemon until SIGTERM/SIGINT.  Returns the exit status; a
 * failure to start is reported as one line on stderr (or the log). */
int daemon_run(const struct daemon_opts *o);

#endif
