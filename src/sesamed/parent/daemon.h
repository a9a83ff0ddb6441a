/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon — sesamed's privileged parent: start-up, the worker, the gates,
 * reload and shutdown.  sesamed.c parses the command line and calls
 * daemon_run() (or daemon_check() for -t, daemon_check.h).
 *
 * daemon.c runs the life cycle and the signals; the parent's state is
 * daemon_parent.h, and each step has a file: daemon_start.c (start-up),
 * daemon_config.c (what a config asks of the parent, at start and at
 * reload), daemon_reload.c (SIGHUP), daemon_worker.c (the worker's
 * supervision), daemon_control.c (the control socket's answers) and
 * daemon_check.c (what the start refuses, and -t).
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

/* Runs the daemon until SIGTERM/SIGINT.  Returns the exit status; a
 * failure to start is reported as one line on stderr (or the log). */
int daemon_run(const struct daemon_opts *o);

#endif
