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

/* True when this process runs in a namespace listed in /run/netns.  On
 * false, writes the reason to WHY (may be NULL). */
bool netns_check_sandboxed(char *why, size_t whylen);

#endif
