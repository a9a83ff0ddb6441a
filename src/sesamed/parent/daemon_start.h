/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon_start — sesamed's start, one step a function: the config, the
 * refusal of a second sesamed, the interface and its capture, what the
 * start refuses (daemon_check.h), the kernel's table and StateDir,
 * detaching (-d) and the pid file, the event loop with its timers and
 * signals, the control socket, and last the first worker.  For the
 * daemon_*.c files only.
 */
#ifndef SESAME_DAEMON_START_H
#define SESAME_DAEMON_START_H

#include "daemon_parent.h"

/* Starts the daemon DM (dm->opts set, everything else empty) up to a
 * running worker, or a timer waiting for an interface that is not there
 * yet; ON_SIGNAL gets the signals the daemon handles.  Whatever can be
 * refused is refused before detaching, as one line on the terminal.
 * Returns 0 or -errno (reported); the caller tears DM down either way
 * once done. */
int daemon_start(struct daemon *dm, loop_signal_fn on_signal);

#endif
