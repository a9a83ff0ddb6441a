/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netns — is this process inside a namespace made by `ip netns add`?
 * The client's sending commands ask it when the test suite sets
 * SESAME_REQUIRE_NETNS=1; the benchmark senders always ask it
 * (bench/lib/netns_sender.h).
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

#endif
