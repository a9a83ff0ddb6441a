/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_knock — `sesame knock`: knockd's `knock`, one packet per hit.
 * How the hits are sent is knock_send.c's business. */
#include <stdio.h>

#include "cmd.h"
#include "knock_args.h"
#include "knock_rotating.h"
#include "knock_send.h"
#include "version.h"

int cmd_knock(int argc, char **argv)
{
	if (knock_rotating_wanted(argc, argv))
		return cmd_knock_rotating(argc, argv);
	static struct knock_args args;
	char err[160];
	if (!knock_args_parse(argc, argv, &args, err, sizeof err)) {
		fprintf(stderr, "sesame knock: %s\n", err);
		return 1;
	}
	if (args.action == KNOCK_HELP) {
		fputs(knock_usage, stdout);
		return 0;
	}
	if (args.action == KNOCK_VERSION) {
		printf("sesame %s\n", SESAME_VERSION);
		return 0;
	}
	if (args.test)
		return knock_print_test(args.host, args.family, args.hits, args.nhits,
					args.delay_ms);
	return knock_send(args.host, args.family, args.hits, args.nhits, args.delay_ms,
			  args.verbose);
}
