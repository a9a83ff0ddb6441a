/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness of `sesame knock --secret-file/--one-time` argument
 * parsing: the input, split at NUL bytes, is the argument list after
 * `sesame knock`.  Checks: an accepted command line has a host, exactly
 * one of the two modes, a door for --secret-file, and settings within
 * their ranges. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz_argv.h"
#include "knock_args.h"
#include "knock_rotating.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *argv[MAX_ARGS + 2];
	int argc;
	char *buf = fuzz_argv(data, size, argv, MAX_ARGS, &argc);
	if (!buf)
		return 0;
	static uint8_t exclude[ROTSEQ_BITMAP_BYTES];
	struct rot_args a;
	knock_rotating_defaults(&a, exclude);
	int rc = knock_rotating_parse(argc, argv, &a);
	if (rc == -1) {
		if (!a.host || (!a.secret_file == !a.one_time) || (a.secret_file && !a.door))
			abort();
		if (a.length < ROTSEQ_LEN_MIN || a.length > ROTSEQ_LEN_MAX || a.period < 1 ||
		    a.period > 86400 || a.low == 0 || a.low > a.high ||
		    a.delay_ms > KNOCK_MAX_DELAY_MS || (unsigned)a.protos > ROTSEQ_MIXED)
			abort();
		if (a.family != AF_UNSPEC && a.family != AF_INET && a.family != AF_INET6)
			abort();
		if (a.has_bind && a.bind.family != AF_INET && a.bind.family != AF_INET6)
			abort();
	} else if (rc != 0 && rc != 1) {
		abort();
	}
	free(buf);
	return 0;
}
