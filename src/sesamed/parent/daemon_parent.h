/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon_parent — inside sesamed's privileged parent: its state, one
 * struct shared by the daemon_*.c files (life cycle, start, reload,
 * control socket, the worker's supervision).  Not an interface for
 * anything else.
 */
#ifndef SESAME_DAEMON_PARENT_H
#define SESAME_DAEMON_PARENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "worker/capture.h"
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "fleet.h"
#include "gate.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "privsep.h"
#include "sandbox.h"

/* How often a lost interface is looked for again. */
#define REOPEN_MS 1000

struct daemon {
	const struct daemon_opts *opts;
	struct config *cfg;
	char ifname[64];
	char *filter;                   /* text the capture was opened with */
	struct capture *cap;            /* NULL while the interface is gone */
	struct gates gates;
	struct fleet *fleet;            /* NULL unless [options] Fleet; for cfg */
	struct loop *loop;
	struct loop_timer *reopen;      /* capture lost or worker gone: try again */
	char *pidfile;                  /* written by us, removed at exit */
	int pidfd;                      /* its descriptor, locked; -1: none */
	char *config_path;              /* absolute */
	struct control *control;        /* NULL when it could not be opened */
	struct metrics *metrics;        /* counters for status --format prometheus */
	uint64_t started_ms;
	bool state_dir_set;             /* gate_cmd records stops in StateDir */
	/* The worker (worker.h) and our end of its socketpair. */
	struct sandbox_user user;
	pid_t worker;                   /* 0: none */
	int ipc;                        /* -1: none */
	bool lost;                      /* the capture's interface went away */
	bool waiting;                   /* ... or was not there at start */
	unsigned restarts;              /* worker failures in a row */
	uint64_t worker_since_ms;       /* when the running worker got ready */
	/* The worker's last answer to a status request. */
	uint32_t attempts[CONFIG_DOORS_MAX];
	bool attempts_known;
	/* Knocks from a stopped worker, for the next one (privsep.h): mapped
	 * when the first of them arrives and returned once handed over, so
	 * the 56 KiB cost nothing between reloads. */
	struct ps_event *history;
	size_t nhistory;
};

#endif
