/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness for packet_decode: the first byte picks the link type,
 * the rest is the frame.  A decoded event must point inside the frame. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "packet.h"

static const int linktypes[] = {
	0,      /* DLT_NULL */
	1,      /* DLT_EN10MB */
	12,     /* DLT_RAW */
	101,    /* LINKTYPE_RAW */
	108,    /* DLT_LOOP */
	113,    /* DLT_LINUX_SLL */
	228,    /* DLT_IPV4 */
	229,    /* DLT_IPV6 */
	276,    /* DLT_LINUX_SLL2 */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct knock_event ev;
	int lt;

	if (size < 1)
		return 0;
	lt = linktypes[data[0] % (sizeof linktypes / sizeof linktypes[0])];
	if (packet_decode(lt, data + 1, size - 1, &ev) == 0) {
		if (ev.proto != 6 && ev.proto != 17)
			abort();
		if (ev.payload_len &&
		    (ev.payload < data + 1 ||
		     ev.payload + ev.payload_len > data + size))
			abort();
		if (ev.saddr.family != ev.daddr.family)
			abort();
	}
	return 0;
}
