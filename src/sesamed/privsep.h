/* SPDX-License-Identifier: GPL-2.0-or-later */
/* privsep — the messages between sesamed's two processes.
 *
 * The privileged parent (daemon.c) holds the firewall, the commands, the
 * control socket and the config; the unprivileged worker (worker.c) reads
 * packets and decides.  They talk over one SOCK_SEQPACKET socketpair in
 * fixed-size messages: every message is exactly sizeof(struct ps_msg)
 * bytes, one per datagram, so a short, long or truncated one is visible
 * as such.
 *
 *   worker -> parent   PS_READY    set up and sandboxed; capturing
 *                      PS_GRANT    "open door D to address A for T s"
 *                      PS_KNOCKS   knock counts of PS_KNOCK_DOORS doors, as many
 *                                  as the doors need, first door 0, then
 *                      PS_STATUS   attempts per door and the worker's counters
 *                                  (counters.h): the end of the answer to a
 *                                  status request
 *                      PS_HISTORY  at SIGTERM: recent knocks (below)
 *   parent -> worker   PS_STATUS_REQ
 *                      PS_HISTORY, then PS_HISTORY_END: for a new worker,
 *                      before it says it is ready
 *
 * Knock history: attempts in progress live in the worker, and a reload
 * replaces the worker (it cannot read the new config itself).  So the old
 * worker hands over the knocks of the last Seq_Timeout (at most
 * PS_HISTORY_MAX, the newest), and the new one replays them through its
 * doors, grants discarded, before it reads the capture: an attempt in
 * progress on a door that stays carries on.  The parent only relays them;
 * to the new worker they are packets like any other.
 *
 * The parent trusts nothing in a message: privsep_check() validates every
 * field against the running config, and anything it refuses is fatal for
 * the worker (the parent kills it, logs why, and starts a new one).
 */
#ifndef SESAME_PRIVSEP_H
#define SESAME_PRIVSEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "counters.h"
#include "grant.h"

enum ps_type {
	PS_READY = 1,
	PS_GRANT = 2,
	PS_STATUS_REQ = 3,
	PS_STATUS = 4,
	PS_HISTORY = 5,
	PS_HISTORY_END = 6,
	PS_KNOCKS = 7,
};

#define PS_KNOCK_DOORS 8                /* doors per PS_KNOCKS message */

#define PS_EVENTS 32                    /* knocks per PS_HISTORY message */
#define PS_HISTORY_MAX 1024             /* knocks handed over at a reload */

/* A knock as the doors see it (struct knock_event without payload). */
struct ps_event {
	struct addr saddr, daddr;
	uint64_t mono_ms;               /* loop_now_ms() at capture */
	uint16_t sport, dport;
	uint8_t proto, tcpflags;
};

/* What a grant used up, for the fleet-wide "once" check: the SPA packet
 * (its replay id), the one-time sequence, or the rotating sequence (a
 * client's sequence of one time step).  kind 0: nothing (a static knock
 * sequence); every field zero then.  A rotating sequence is a kind of its
 * own, not PS_ONCE_SEQUENCE: it is spent only while its step is live, so
 * its claim expires, where a one-time sequence's is for good. */
#define PS_REPLAY_ID_LEN 32
enum ps_once {
	PS_ONCE_NONE = 0,
	PS_ONCE_PACKET = 1,
	PS_ONCE_SEQUENCE = 2,
	PS_ONCE_ROTATING = 3,
};
struct ps_replay {
	uint64_t expire_s;              /* wall clock: until when it is live
					 * (rotating: a multiple of the door's
					 * Sequence_Period); 0 for a one-time
					 * sequence: for good */
	uint32_t kind;                  /* enum ps_once */
	uint32_t zero;                  /* no padding: the check compares bytes */
	uint8_t id[PS_REPLAY_ID_LEN];   /* packet: the replay cache's id;
					 * sequence: doors_spent_id();
					 * rotating: struct rotdoor_spent's */
};

struct ps_msg {
	uint32_t type;                  /* enum ps_type */
	uint32_t ndoors;                /* PS_STATUS: entries of attempts[] */
	struct grant grant;             /* PS_GRANT */
	/* PS_GRANT: when the packet that completed it was captured and when
	 * the worker sent it (CLOCK_REALTIME us).  Read only for the timing
	 * lines of the latency benchmark; nothing is decided on them. */
	uint64_t captured_us, sent_us;
	struct ps_replay replay;        /* PS_GRANT of an SPA door */
	uint32_t attempts[CONFIG_DOORS_MAX];    /* PS_STATUS */
	uint32_t nevents;               /* PS_HISTORY: entries of events[] */
	struct ps_event events[PS_EVENTS];
	struct ps_counters counters;    /* PS_STATUS */
	uint32_t knock_door;            /* PS_KNOCKS: door of knocks[0] */
	struct ps_door_counts knocks[PS_KNOCK_DOORS];   /* PS_KNOCKS */
};

/* Sends M (one datagram).  Returns 0 or -errno. */
int privsep_send(int fd, const struct ps_msg *m);

/* Receives one message without blocking.  Returns the number of bytes
 * received (sizeof *m for a well-formed length; anything else is for
 * privsep_check to refuse), 0 at end of file, -EAGAIN when nothing is
 * pending, or -errno. */
ssize_t privsep_recv(int fd, struct ps_msg *m);

/* What the parent is ready to take besides PS_GRANT. */
enum ps_expect {
	PS_EXPECT_NONE,
	PS_EXPECT_READY,                /* a new worker's first message */
	PS_EXPECT_STATUS,               /* a status request is outstanding:
					 * PS_KNOCKS, then PS_STATUS */
	PS_EXPECT_HISTORY,              /* the worker was told to stop */
};

/* The parent's check of a message of LEN bytes from the worker against
 * CFG.  Returns NULL when M is acceptable, else what is wrong with it
 * (for the log). */
const char *privsep_check(const struct ps_msg *m, size_t len, const struct config *cfg,
			  enum ps_expect expect);

#endif
