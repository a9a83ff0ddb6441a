/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gate_cmd — the knockd-style command gate.
 *
 * A grant runs the door's Start_Command (Start_Command_6 for an IPv6
 * address, falling back to the v4 command; an empty value runs nothing)
 * through /bin/sh -c in a child, never waiting for it: children are reaped
 * from SIGCHLD (gate_cmd_reap) and a non-zero exit is logged with door and
 * address.  When the door has a Stop_Command, a loop timer runs it
 * Cmd_Timeout seconds later; a second grant for the same door and address
 * while that timer is pending only pushes the timer back (start does not
 * run twice).
 *
 * %IP% in a command becomes the grant's address as inet_ntop writes it:
 * only digits, hex letters, '.' and ':' ever reach the shell.
 *
 * With a StateDir (gate_cmd_set_state_dir), every pending stop is also on
 * disk, so a crash does not leave a door open for good.
 *
 * Pending stops own copies of their door name and expanded command, so a
 * config reload never changes or drops a stop already promised.
 */
#ifndef SESAME_GATE_CMD_H
#define SESAME_GATE_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "grant.h"
#include "loop.h"

struct gate_cmd;

int gate_cmd_new(struct loop *l, struct gate_cmd **out);
/* Frees everything; pending stops are forgotten (see gate_cmd_shutdown). */
void gate_cmd_free(struct gate_cmd *g);

/* True when door D has any start or stop command to run. */
bool gate_cmd_door_has_commands(const struct door *d);

/* Acts on a validated grant for a command door.  Returns 0 or -errno
 * (logged). */
int gate_cmd_grant(struct gate_cmd *g, const struct config *cfg,
		   const struct grant *gr);

/* Reaps every finished child (call on SIGCHLD). */
void gate_cmd_reap(struct gate_cmd *g);

/* At exit: runs every pending stop command now, then waits at most
 * WAIT_MS for all children to end. */
void gate_cmd_shutdown(struct gate_cmd *g, unsigned wait_ms);

/* At most N start commands may run at once (default
 * GATE_CMD_MAX_CHILDREN): past that a grant is refused and logged, so a
 * knocker who knows the sequence cannot make us fork without bound.
 * Stop commands always run. */
#define GATE_CMD_MAX_CHILDREN 256
void gate_cmd_set_max_children(struct gate_cmd *g, size_t n);

/* Pending stops are recorded in DIR (stopstate.h) from now on: each one
 * before its start command runs, removed once the stop has run.  DIR is
 * created if missing and refused (-EPERM, logged) when others may write
 * to it.  Returns 0 or -errno (logged). */
int gate_cmd_set_state_dir(struct gate_cmd *g, const char *dir);

/* At start: the stops recorded by an earlier run that did not get to run
 * them (crash, SIGKILL): overdue ones run now, the others are pending
 * again with their remaining time.  Returns how many were found, or
 * -errno (logged). */
int gate_cmd_recover(struct gate_cmd *g);

/* Ends the grants of DOOR (NULL: every door) to A (NULL: every address)
 * now: their stop commands run at once, as at Cmd_Timeout.  Returns how
 * many (a door without Stop_Command has nothing to end). */
size_t gate_cmd_revoke(struct gate_cmd *g, const char *door, const struct addr *a);

/* Called when a grant of a door without Open ends: its stop command runs
 * at Cmd_Timeout (REVOKED false) or by gate_cmd_revoke (true).  Grants
 * of a door with Open end in the kernel and are not reported here. */
typedef void (*gate_cmd_end_fn)(void *ctx, const char *door, const struct addr *a,
				bool revoked);
void gate_cmd_on_end(struct gate_cmd *g, gate_cmd_end_fn fn, void *ctx);

size_t gate_cmd_pending(const struct gate_cmd *g);
size_t gate_cmd_running(const struct gate_cmd *g);

/* TMPL with every %IP% replaced by A's text.  Returns a malloc'd string
 * or NULL (ENOMEM). */
char *gate_cmd_expand(const char *tmpl, const struct addr *a);

#endif
