/* SPDX-License-Identifier: GPL-2.0-or-later */
/* metrics — sesamed's counters since it started, for `sesame status
 * --format prometheus` (Prometheus text exposition format, for
 * node_exporter's textfile collector; docs/operations.md).
 *
 * Two sources.  The parent counts what it does: grants given, grants
 * that ended (expired, revoked), workers restarted, reloads.  The worker
 * counts what it sees (counters.h) and reports it when asked (privsep.h,
 * PS_KNOCKS and PS_STATUS); each worker starts from zero, so the parent
 * adds the last report of every worker that ended to the reports of the
 * one running.  Knocks a worker saw after its last report are lost when
 * it dies (a crash); a reload asks first.
 *
 * Per door counts are kept by door name, so they carry across reloads
 * for doors that keep their name.
 *
 * Expiry: a grant of a door with Open ends in the kernel (the set
 * element's timeout), unseen by sesamed; so the parent notes each such
 * grant's end (door, address, time: at most METRICS_LIVE_MAX at once)
 * and counts it expired once that time has passed, with a notice line
 * "door D: A: closed: Open_Timeout over" at that time (a timer on LOOP).
 * A door with commands only ends its grants with its Stop_Command
 * (gate_cmd tells us, and logs it).
 */
#ifndef SESAME_METRICS_H
#define SESAME_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"
#include "counters.h"
#include "privsep.h"
#include "strbuf.h"

#define METRICS_LIVE_MAX   4096         /* grants of nft doors followed */
#define METRICS_NAMES_MAX  1024         /* door names remembered */

struct metrics;

struct loop;
int metrics_new(struct loop *l, struct metrics **out);
void metrics_free(struct metrics *m);

/* A grant given on door NAME to A.  END_MS (loop_now_ms time): when the
 * kernel ends it, for a door with Open; 0 when the door has no Open
 * (its end, if any, is reported with metrics_expired). */
void metrics_granted(struct metrics *m, const char *name, const struct addr *a,
		     uint64_t end_ms);
/* A command door's grant ended by its Stop_Command after Cmd_Timeout. */
void metrics_expired(struct metrics *m, const char *name);
/* A grant of door NAME to A was revoked (`sesame revoke`). */
void metrics_revoked(struct metrics *m, const char *name, const struct addr *a);
void metrics_worker_restarted(struct metrics *m);
void metrics_reloaded(struct metrics *m);

/* The worker's report: PS_KNOCKS pages, then PS_STATUS, validated
 * against CFG (the config the worker runs). */
void metrics_worker_knocks(struct metrics *m, const struct config *cfg,
			   const struct ps_msg *knocks);
void metrics_worker_status(struct metrics *m, const struct ps_msg *status);
/* The worker ended: its last report is added for good. */
void metrics_worker_ended(struct metrics *m);

/* Everything, for the doors of CFG, in Prometheus text format.  WORKER
 * says whether the worker's report is fresh (it answered just now);
 * UPTIME_S is the daemon's. */
void metrics_render(struct metrics *m, const struct config *cfg, bool worker,
		    uint64_t uptime_s, struct strbuf *out);

#endif
