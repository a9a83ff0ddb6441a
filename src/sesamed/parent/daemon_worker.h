/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon_worker — the parent's side of the worker: forking it on the
 * capture, handing it the knocks of the one before, taking its messages
 * (grants, counts, status), stopping it and starting another after a
 * failure or a lost interface.  For the daemon_*.c files only.
 */
#ifndef SESAME_DAEMON_WORKER_H
#define SESAME_DAEMON_WORKER_H

#include "daemon_parent.h"

/* Forks a worker for CFG on dm->cap (a capture no worker has read) and
 * waits until it is ready, first handing it dm->history.  Returns 0,
 * -ENETDOWN when the interface went away meanwhile, or -errno (logged). */
int worker_spawn(struct daemon *dm, const struct config *cfg);

/* SIGTERM to the worker; the grants it still sends are checked under CFG
 * and given under TO (the new config, when a reload has loaded its table
 * already: a door it removed opens nothing), its knock history is kept in
 * dm->history, then it is reaped. */
void worker_stop(struct daemon *dm, const struct config *cfg, const struct config *to);

/* Asks the worker for its attempts per door (dm->attempts,
 * dm->attempts_known), taking the grants that arrive meanwhile. */
void worker_ask_status(struct daemon *dm);
/* The same while a reload is under way: grants the worker sends meanwhile
 * are given under TO, the config being loaded (grant_carry). */
void worker_ask_status_to(struct daemon *dm, const struct config *to);

/* The reopen timer: reopens a lost capture, or starts a worker after a
 * failure, on a new capture. */
void worker_on_reopen(struct loop *l, struct loop_timer *t, void *ctx);

#endif
