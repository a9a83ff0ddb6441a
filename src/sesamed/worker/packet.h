/* SPDX-License-Identifier: GPL-2.0-or-later */
/* packet — decodes one captured frame into a knock_event.
 *
 * Knows nothing of libpcap: it takes bytes and a DLT_* link type
 * (DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_NULL), so it is
 * unit-tested and fuzzed on raw bytes.  Every read goes through a
 * bounds-checked cursor; IPv4 IHL and IPv6 extension headers are honoured;
 * fragments other than the first are not knocks.
 */
#ifndef SESAME_PACKET_H
#define SESAME_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct knock_event {
	struct addr saddr, daddr;
	uint8_t proto;                  /* PROTO_TCP or PROTO_UDP */
	uint16_t sport, dport;
	uint8_t tcpflags;               /* TCP only; TCPF_* bits */
	const uint8_t *payload;         /* L4 payload, points into the frame */
	size_t payload_len;
	uint64_t time_us;               /* capture time, CLOCK_REALTIME µs */
	/* Set by the worker (localaddr.h): the destination is not one of
	 * the host's addresses.  Counts only for a door whose Target it is. */
	bool forwarded;
};

/* Returns 0 and fills EV (time_us left to the caller), or -EINVAL for
 * anything that is not a well-formed TCP or UDP packet over IPv4/IPv6. */
int packet_decode(int linktype, const uint8_t *frame, size_t len,
		  struct knock_event *ev);

#endif
