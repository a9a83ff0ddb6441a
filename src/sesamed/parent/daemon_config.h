/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon_config — what a loaded config asks of the parent, shared by the
 * start (daemon_start.c) and every reload (daemon_reload.c): logging, the
 * capture filter, the fleet connection and StateDir.  For the daemon_*.c
 * files only.
 */
#ifndef SESAME_DAEMON_CONFIG_H
#define SESAME_DAEMON_CONFIG_H

#include <stdbool.h>

#include "daemon_parent.h"

/* Log level and destinations from the flags O and CFG's LogFile and
 * UseSyslog.  A log file that cannot be opened is a warning: the daemon
 * runs on (a file already open before a reload stays in use). */
void daemon_log_setup(const struct daemon_opts *o, const struct config *cfg);

/* The BPF text for CFG, malloc'd; NULL (logged) on failure. */
char *daemon_filter_for(const struct config *cfg);

/* Logs why the capture on dm->ifname could not be opened (RC, -errno
 * from capture_open_len()). */
void daemon_capture_failed(const struct daemon *dm, int rc);

/* The fleet for CFG (none without [options] Fleet), its grants given
 * through dm->gates.  0 or -errno. */
int daemon_fleet_for(struct daemon *dm, const struct config *cfg, struct fleet **out);

/* StateDir is used (created if need be) when a door has a Stop_Command,
 * and read when it exists (stops recorded by an earlier run).  Otherwise
 * it is left alone: nothing to promise, nothing to create. */
bool daemon_wants_state_dir(const struct config *cfg);

#endif
