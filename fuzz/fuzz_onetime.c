/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_onetime — onetime_parse() on arbitrary bytes (the buffer entry
 * point: the same code onetime_next() runs on a file's contents). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "onetime.h"

static void drop(void *ctx, int level, const char *msg)
{
	(void)level;
	*(size_t *)ctx += strlen(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sink = 0;
	struct onetime_seq first;
	int n = onetime_parse("fuzz", (const char *)data, size, drop, &sink, &first);
	if (n > 0) {
		/* The first sequence must be sane and point inside the input. */
		if (first.len == 0 || first.len > CONFIG_SEQ_MAX ||
		    first.offset < 0 || (size_t)first.offset >= size || first.line == 0)
			__builtin_trap();
		for (size_t i = 0; i < first.len; i++)
			if (first.seq[i].port == 0 ||
			    (first.seq[i].proto != PROTO_TCP && first.seq[i].proto != PROTO_UDP))
				__builtin_trap();
	}
	return 0;
}
