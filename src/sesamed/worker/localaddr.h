/* SPDX-License-Identifier: GPL-2.0-or-later */
/* localaddr — which addresses are the host's own, for the worker.
 *
 * A knock counts only when it comes from an address that can be a
 * knocker and goes to this host: a source that is unspecified, loopback,
 * multicast, a broadcast address or one of the host's own addresses is
 * spoofed (or an echo) and refused; a packet whose destination is not one
 * of the host's addresses was only forwarded through it (a router) and
 * counts only for a door whose `Target` names that destination.
 *
 * The addresses come from the kernel over a NETLINK_ROUTE socket opened
 * (and dumped once) before the worker's sandbox; address changes arrive
 * on it as notifications, and a lost notification (ENOBUFS) asks for a
 * new dump.  At most LOCALADDR_MAX addresses are kept; past that the
 * check errs on the side of counting (an address not known as local is
 * treated as local once the table is full).
 */
#ifndef SESAME_LOCALADDR_H
#define SESAME_LOCALADDR_H

#include <stdbool.h>

#include "addr.h"

#define LOCALADDR_MAX 512

struct localaddr;

/* Opens the socket and reads the current addresses.  Returns 0 or
 * -errno (logged). */
int localaddr_new(struct localaddr **out);
void localaddr_free(struct localaddr *l);
/* The socket: watch it for reading, then call localaddr_update(). */
int localaddr_fd(const struct localaddr *l);
/* Reads every pending message (never blocks). */
void localaddr_update(struct localaddr *l);

/* Is A one of the host's addresses? */
bool localaddr_is_local(const struct localaddr *l, const struct addr *a);
/* May A be the source of a knock?  False for unspecified, loopback,
 * multicast, 255.255.255.255, an interface's broadcast address, and the
 * host's own addresses.  L may be NULL (then the fixed ranges only). */
bool localaddr_source_ok(const struct localaddr *l, const struct addr *a);

#endif
