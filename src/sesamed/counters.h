/* SPDX-License-Identifier: GPL-2.0-or-later */
/* counters — what the worker counts (packets, knocks per door and stage,
 * SPA packets by outcome), in the form it crosses to the parent
 * (privsep.h: PS_STATUS, PS_KNOCKS) and with the names `sesame status
 * --format prometheus` gives it.  The counts start at zero with each
 * worker; the parent adds up those of the workers it has run (metrics.h).
 */
#ifndef SESAME_COUNTERS_H
#define SESAME_COUNTERS_H

#include <stdint.h>

#include "config.h"

/* Why an SPA packet was refused.  The order is the wire's. */
enum spa_refusal {
	SPA_R_SIZE, SPA_R_VERSION, SPA_R_UNKNOWN_KEY, SPA_R_RATE, SPA_R_STALE,
	SPA_R_FUTURE, SPA_R_AUTH, SPA_R_MALFORMED, SPA_R_REPLAY, SPA_R_CACHE,
	SPA_R_PORT, SPA_R_ADDRESS, SPA_R_FWKNOP, SPA_R_LEGACY, SPA_R_WRONG_PORT,
	SPA_R_WRONG_DOOR, SPA_R_NO_ADDRESS,
	SPA_R_COUNT
};

/* "authentication failed": the words of the log line. */
extern const char *const spa_refusal_text[SPA_R_COUNT];
/* "bad_mac": the reason label of sesame_spa_refused_total. */
extern const char *const spa_refusal_label[SPA_R_COUNT];

/* The worker's totals. */
struct ps_counters {
	uint64_t frames;                /* handed to us by the capture */
	uint64_t undecodable;           /* of those, not an IP/TCP/UDP packet */
	uint64_t kernel_drops;          /* pcap_stats ps_drop: the ring was full */
	uint64_t if_drops;              /* pcap_stats ps_ifdrop */
	uint64_t spa_seen;              /* datagrams to an SPA_Port */
	uint64_t spa_accepted;
	uint64_t spa_refused[SPA_R_COUNT];
};

/* One sequence door's knocks. */
struct ps_door_counts {
	uint64_t stage[CONFIG_SEQ_MAX]; /* [k]: knocks that reached stage k + 1
					 * (the last stage: sequences complete) */
	uint64_t wrong;                 /* a door's port out of sequence */
	uint64_t timeouts;              /* attempts that ran out of Seq_Timeout */
};

#endif
