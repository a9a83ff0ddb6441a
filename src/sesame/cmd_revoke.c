/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sesame revoke ADDR [--door NAME] | --all [--door NAME] — ends live
 * grants of a running sesamed now, over its control socket (root only,
 * as the socket is): the nft gate's set elements are deleted, a command
 * door's Stop_Command runs at once.  Protocol: the daemon's control.h. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "cmd.h"
#include "config.h"
#include "ctl.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sesame revoke [--socket PATH] [--door NAME] ADDR\n"
		   "       sesame revoke [--socket PATH] [--door NAME] --all\n"
		   "  -a, --all          every address\n"
		   "  -d, --door NAME    only the grants of door NAME (default: every door)\n"
		   "  -s, --socket PATH  sesamed's ControlSocket (default " CTL_DEFAULT_SOCKET ")\n");
}

int cmd_revoke(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all",    no_argument,       NULL, 'a' },
		{ "door",   required_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 's' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CTL_DEFAULT_SOCKET, *door = NULL;
	bool all = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ad:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'd': door = optarg; break;
		case 's': path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (all == (optind < argc) || argc - optind > 1) {
		fprintf(stderr, "sesame revoke: give one address, or --all\n");
		usage(stderr);
		return 1;
	}
	const char *who = all ? "all" : argv[optind];
	struct addr a;
	if (!all && !addr_parse(who, &a)) {
		fprintf(stderr, "sesame revoke: not an IPv4 or IPv6 address: %s\n", who);
		return 1;
	}
	if (door && (!*door || strlen(door) >= CONFIG_NAME_MAX || strpbrk(door, "\n\r"))) {
		fprintf(stderr, "sesame revoke: bad door name\n");
		return 1;
	}
	char req[CONFIG_NAME_MAX + ADDR_STRLEN + 16];
	snprintf(req, sizeof req, "revoke %s%s%s\n", who, door ? " " : "", door ? door : "");
	return ctl_request("revoke", path, req);
}
