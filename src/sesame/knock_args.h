/* SPDX-License-Identifier: GPL-2.0-or-later */
/* knock_args — the command line of `sesame knock`, parsed without side
 * effects so it can be unit-tested and fuzzed:
 *
 *   sesame knock [-u] [-d MS] [-4|-6] [-v] [--test] [-V] [-h] HOST PORT[:tcp|:udp]...
 *
 * The flags are knockd's `knock` ones, long forms included (--udp,
 * --delay, --ipv4, --ipv6, --verbose, --version, --help), plus --test
 * (print what would be sent, send nothing).  As with GNU
 * getopt, options may come after HOST and "--" ends them.  Unlike knock,
 * every bad item is refused: port 0, a port above 65535, "abc",
 * "22:sctp", a missing host or port, an unknown option. */
#ifndef SESAME_KNOCK_ARGS_H
#define SESAME_KNOCK_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define KNOCK_MAX_HITS     256          /* ports on one command line */
#define KNOCK_MAX_DELAY_MS 600000u      /* -d: ten minutes at most */

enum knock_action { KNOCK_SEND = 0, KNOCK_HELP, KNOCK_VERSION };

struct knock_args {
	enum knock_action action;       /* HELP/VERSION: nothing else is set */
	const char *host;               /* points into argv */
	int family;                     /* AF_UNSPEC, or AF_INET/AF_INET6 (-4/-6) */
	unsigned delay_ms;              /* -d, between two hits */
	bool verbose;                   /* -v */
	bool test;                      /* --test: print, send nothing */
	size_t nhits;
	struct port_proto hits[KNOCK_MAX_HITS];
};

/* Parses ARGV[1..ARGC-1] (ARGV[0] is the command name and is skipped).
 * Returns true, or false with a one-line reason in ERR naming the bad
 * token.  ARGV is not modified. */
bool knock_args_parse(int argc, char *const *argv, struct knock_args *out,
		      char *err, size_t errlen);

/* Copies at most KNOCK_QUOTE_MAX bytes of the hostile token S into BUF
 * for a message, control bytes replaced by '?', always terminated. */
#define KNOCK_QUOTE_MAX 40
void knock_quote(const char *s, char *buf, size_t len);

/* The usage text of `sesame knock -h`. */
extern const char knock_usage[];

#endif
