/* SPDX-License-Identifier: GPL-2.0-or-later */
/* worker — sesamed's unprivileged process: packets in, grants out.
 *
 * Forked by the parent (daemon.c) once the capture is open with its
 * filter locked.  Before it reads a packet the worker builds its doors
 * (sequence and SPA: keys loaded, replay cache and one-time files opened)
 * and then drops everything (sandbox.h).  From then on it decodes every
 * packet, keeps the attempt state, verifies SPA, logs its decisions, and
 * sends each grant to the parent as a PS_GRANT message (privsep.h); it
 * answers PS_STATUS_REQ with the attempts per door.
 *
 * Exit statuses tell the parent what happened:
 *   0                 SIGTERM (or the parent went away)
 *   WORKER_EXIT_LOST  the capture's interface went down or away: the
 *                     parent reopens it and starts a new worker
 *   anything else     a failure (logged): the parent starts a new worker
 */
#ifndef SESAME_WORKER_H
#define SESAME_WORKER_H

#include <stdbool.h>
#include <sys/types.h>

#include "capture.h"
#include "config.h"
#include "sandbox.h"

#define WORKER_EXIT_INIT 2
#define WORKER_EXIT_LOST 3

struct worker_args {
	const struct config *cfg;
	struct capture *cap;
	const char *ifname;
	int ipc;                        /* the worker's end of the socketpair */
	pid_t parent;
	bool only_v4;                   /* -4 */
	const struct sandbox_user *user;
};

/* Builds the doors CFG describes (key files, one-time files, the replay
 * cache) the way a new worker will, then frees them: run by the parent
 * before it detaches, so that a problem is reported on the terminal.
 * DRY (`sesamed -t`): the replay cache is left alone (not created, not
 * locked).  Returns 0 or -errno (logged). */
int worker_check_doors(const struct config *cfg, bool dry);

/* Runs the worker in the (already forked) child; never returns. */
_Noreturn void worker_run(const struct worker_args *a);

#endif
