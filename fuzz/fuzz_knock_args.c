/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness of knock_args: the input, split at NUL bytes, is the
 * argument list after `sesame knock`.  Checks the parser's promises: a
 * result within bounds, or a terminated one-line message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz_argv.h"
#include "knock_args.h"

#define MAX_ARGS 300

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	char *argv[MAX_ARGS + 2];
	int argc;
	char *buf = fuzz_argv(data, size, argv, MAX_ARGS, &argc);
	if (!buf)
		return 0;

	static struct knock_args args;
	char err[160];
	memset(err, 'X', sizeof err);
	if (knock_args_parse(argc, argv, &args, err, sizeof err)) {
		if (args.action == KNOCK_SEND) {
			if (!args.host || !args.host[0] || args.nhits == 0 ||
			    args.nhits > KNOCK_MAX_HITS || args.delay_ms > KNOCK_MAX_DELAY_MS)
				abort();
			if (args.family != AF_UNSPEC && args.family != AF_INET &&
			    args.family != AF_INET6)
				abort();
			for (size_t i = 0; i < args.nhits; i++)
				if (args.hits[i].port == 0 ||
				    (args.hits[i].proto != PROTO_TCP && args.hits[i].proto != PROTO_UDP))
					abort();
		}
	} else {
		const char *nul = memchr(err, '\0', sizeof err);
		if (!nul || nul == err || memchr(err, '\n', (size_t)(nul - err)))
			abort();
	}
	free(buf);
	return 0;
}
