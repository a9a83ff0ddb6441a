/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon_reload — SIGHUP: the config read again and put in place all or
 * nothing.  For the daemon_*.c files only.
 */
#ifndef SESAME_DAEMON_RELOAD_H
#define SESAME_DAEMON_RELOAD_H

#include "daemon_parent.h"

/* Loads dm->cfg's file again; its filter (and capture, when the filter
 * changed), its table and its fleet connection are made first, then the
 * worker is replaced by one for the new config.  If any step fails (a
 * key file the new worker cannot load, say), everything goes back and
 * the running config stays, with a worker of its own.  Attempts in
 * progress start over: they live in the worker, which cannot read the
 * new config itself.  Every failure is logged. */
void daemon_reload(struct daemon *dm);

#endif
