/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_argv — for the harnesses of command lines: the input, split at NUL
 * bytes, as the arguments after `sesame knock`. */
#ifndef SESAME_FUZZ_ARGV_H
#define SESAME_FUZZ_ARGV_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A private NUL-terminated copy of DATA (so the last argument ends too),
 * split into ARGV[1..] after ARGV[0] = "knock", at most MAX arguments and
 * a NULL after them (ARGV holds MAX + 2).  Returns the copy, which the
 * arguments point into (the caller frees it), or NULL; *ARGC the count. */
static inline char *fuzz_argv(const uint8_t *data, size_t size, char **argv, size_t max,
			      int *argc)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return NULL;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "knock";
	*argc = 1;
	for (size_t i = 0; i <= size && (size_t)*argc <= max; ) {
		argv[(*argc)++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[*argc] = NULL;
	return buf;
}

#endif
