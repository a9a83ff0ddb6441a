/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netns_sender — the safety catch of every packet-sending tool used by
 * the tests and benchmarks (flood generators, probes): only the two test
 * address ranges, and only from inside an `ip netns add` namespace, so a
 * mistake cannot put packets on a real network.  Not part of the product.
 */
#ifndef SESAME_BENCH_NETNS_SENDER_H
#define SESAME_BENCH_NETNS_SENDER_H

#include <stdbool.h>
#include <sys/socket.h>

#include "addr.h"
#include "netns.h"   /* netns_check_sandboxed() */

/* True when A lies in the ranges our test and benchmark senders may put in
 * a packet: 198.18.0.0/15 and 2001:db8::/32. */
bool netns_target_allowed(const struct addr *a);

/* The whole safety catch of a sending tool called TOOL: HOST (a numeric
 * literal) and PORT parse, HOST is allowed (netns_target_allowed), and
 * this process runs in an `ip netns add` namespace.  Fills SS and LEN and
 * returns true; else prints one line "TOOL: ..." on stderr ("refusing
 * HOST: ...", "refusing to run: ...") and returns false.  Call it before
 * opening any socket. */
bool netns_sender_target(const char *tool, const char *host, const char *port,
			 struct sockaddr_storage *ss, socklen_t *len);

#endif
