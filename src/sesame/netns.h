/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netns — the safety catch of every packet-sending tool of ours used by
 * tests and benchmarks (flood generators, bench senders).
 *
 * Such a tool must only ever run inside a network namespace created with
 * `ip netns add`, so that a mistake cannot put packets on a real network.
 * netns_check_sandboxed() compares /proc/self/ns/net with every entry of
 * /run/netns (device and inode) and returns true only on a match.
 */
#ifndef SESAME_NETNS_H
#define SESAME_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "addr.h"

/* True when this process runs in a namespace listed in /run/netns.  On
 * false, writes the reason to WHY (may be NULL). */
bool netns_check_sandboxed(char *why, size_t whylen);

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
