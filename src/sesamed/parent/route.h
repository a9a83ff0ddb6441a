/* SPDX-License-Identifier: GPL-2.0-or-later */
/* route — which interface to capture on when none is configured.
 *
 * The parent asks once at start, before it opens the capture, when neither
 * -i nor Interface names one (knockd's "eth0" default is wrong on most
 * machines today).  The tables are read as text, every field checked.
 */
#ifndef SESAME_ROUTE_H
#define SESAME_ROUTE_H

#include <stddef.h>

/* The name of the interface holding the lowest-metric IPv4 default route
 * (from /proc/net/route), else the IPv6 one (/proc/net/ipv6_route); routes
 * on "lo" and reject routes do not count.  Returns 0, -ENOENT when there
 * is no default route, -ENOSPC if LEN is too small, or -errno when the
 * files cannot be read. */
int route_default_interface(char *buf, size_t len);

#endif
