/* SPDX-License-Identifier: GPL-2.0-or-later */
/* capture_filter — the BPF filter text admitting what the doors can use.
 *
 * The parent builds it from the config and opens the capture with it
 * (capture_open_len()), which locks it into the socket: the worker reads
 * what the filter lets through and can never widen it.  A new filter
 * (SIGHUP with other ports) means a new capture.
 */
#ifndef SESAME_CAPTURE_FILTER_H
#define SESAME_CAPTURE_FILTER_H

#include <stddef.h>

#include "config.h"

/* A filter buffer size that fits any config of CONFIG_DOORS_MAX doors of
 * distinct ports; capture_filter_build() says -ENOSPC rather than
 * truncate. */
#define CAPTURE_FILTER_MAX 65536

/* Writes into BUF the BPF filter text admitting what the doors of CFG
 * can use:
 *   - per sequence door, "tcp dst port N" / "udp dst port N" for each of
 *     its ports; with TCPFlags, IPv4 TCP is pre-filtered on the flags
 *     (exact: a packet failing a door's TCPFlags is ignored by that door);
 *   - a One_Time_Sequences door's ports change as lines are used and the
 *     filter is locked, so such a door admits all TCP/UDP to its target;
 *   - per rotating door, its Sequence_Ports range (TCP: SYNs without ACK
 *     unless TCPFlags says otherwise);
 *   - per SPA door, "udp dst port SPA_Port";
 *   - a door with Target matches only packets to that address;
 *   - IPv6 packets whose first next header is an extension header (hop-by-
 *     hop, routing, fragment, destination options, AH), because BPF cannot
 *     walk the chain; packet_decode does.
 * The ports of all doors are pooled per condition (Target, TCP flags,
 * protocol), each once, adjacent ones as a range: the text grows with the
 * distinct ports, not with the doors.  It may admit more than the doors
 * use, never less.
 * Returns the text length, -ENOSPC if LEN is too small, -ENOMEM, or
 * -EINVAL when no door needs any packet. */
int capture_filter_build(const struct config *cfg, char *buf, size_t len);

#endif
