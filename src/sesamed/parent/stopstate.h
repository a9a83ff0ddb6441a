/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stopstate — pending Stop_Commands recorded on disk (StateDir).
 *
 * A command door's stop is a promise: "in Cmd_Timeout seconds, run this".
 * gate_cmd records the promise here before it runs the start command, so
 * that after a crash or SIGKILL the next sesamed still keeps it: overdue
 * stops run at once, the others when their time comes.
 *
 * One file per (door, address): "stop-<16 hex digits>" (HMAC-SHA256 of
 * both under a random key made once and kept in DIR/hash-key, 0600),
 * written to a temporary name, fsync'd and renamed, so a record is either
 * the old one or the new one, never half.  The text:
 *
 *   sesame-stop 1
 *   <deadline, Unix time in milliseconds>
 *   <door name>
 *   <address, numeric>
 *   <the expanded stop command>
 *
 * The command is the one promised at grant time (already expanded), run
 * as it is by the next start: the directory is the daemon's own, and a
 * directory that others may write to is refused (stopstate_dir_ok).
 */
#ifndef SESAME_STOPSTATE_H
#define SESAME_STOPSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"

/* Longest record read back; bigger files are refused. */
#define STOPSTATE_MAX 65536

struct stop_record {
	uint64_t deadline_ms;           /* Unix time */
	char door[CONFIG_NAME_MAX];
	struct addr addr;
	char *cmd;                      /* malloc'd by stopstate_parse */
};

/* Creates DIR (mode 0700) if it does not exist, then checks that it is a
 * directory owned by us and not writable by group or others.  Returns 0
 * or -errno (-EPERM for the ownership/mode check). */
int stopstate_dir_ok(const char *dir);

/* Records (or replaces) the stop for DOOR and A.  Returns 0 or -errno. */
int stopstate_write(const char *dir, const char *door, const struct addr *a,
		    uint64_t deadline_ms, const char *cmd);

/* Removes the record for DOOR and A (a missing one is fine). */
int stopstate_remove(const char *dir, const char *door, const struct addr *a);

/* Parses a record's text (LEN bytes).  Returns 0 and fills OUT (free
 * out->cmd), or -EINVAL. */
int stopstate_parse(const char *buf, size_t len, struct stop_record *out);

/* Calls FN for every valid record in DIR.  Malformed records are logged
 * and removed; leftover temporary files are removed.  Returns the number
 * of records passed to FN, or -errno when DIR cannot be read. */
typedef void (*stopstate_fn)(void *ctx, const struct stop_record *r);
int stopstate_scan(const char *dir, stopstate_fn fn, void *ctx);

/* Unix time now, in milliseconds. */
uint64_t stopstate_now_ms(void);

#endif
