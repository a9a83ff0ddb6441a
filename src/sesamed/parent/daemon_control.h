/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon_control — the parent's answers on the control socket: `sesame
 * status` (text, JSON, Prometheus) from the gates, the fleet and the
 * worker's counts, and `sesame revoke`.  For the daemon_*.c files only;
 * the socket itself is control.h.
 */
#ifndef SESAME_DAEMON_CONTROL_H
#define SESAME_DAEMON_CONTROL_H

#include "daemon_parent.h"

/* Opens ControlSocket (when set) into dm->control and watches it on
 * dm->loop.  Without it sesamed still guards and opens, so a failure is
 * a warning, not a reason to stop: dm->control stays NULL. */
void daemon_control_start(struct daemon *dm);

#endif
