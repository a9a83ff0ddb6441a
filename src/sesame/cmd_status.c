/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sesame status [--socket PATH] [--json | --format text|json|prometheus]
 * — asks a running sesamed, over its control socket, for its doors,
 * attempts in progress and the addresses granted with the seconds they
 * have left; or for its counters in Prometheus text format.  Protocol:
 * the daemon's control.h. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "ctl.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sesame status [--socket PATH] [--json | --format FORMAT]\n"
		   "  -s, --socket PATH    sesamed's ControlSocket (default " CTL_DEFAULT_SOCKET ")\n"
		   "  -j, --json           one JSON object instead of text (--format json)\n"
		   "  -f, --format FORMAT  text (default), json, or prometheus: the counters\n"
		   "                       in Prometheus text format, for node_exporter's\n"
		   "                       textfile collector\n"
		   "  -h, --help;  -V, --version\n");
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json",   no_argument,       NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "help",   no_argument,       NULL, 'h' },
		{ "version", no_argument,      NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CTL_DEFAULT_SOCKET;
	const char *req = "status\n";
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:jf:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'j': req = "status json\n"; break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				req = "status\n";
			else if (strcmp(optarg, "json") == 0)
				req = "status json\n";
			else if (strcmp(optarg, "prometheus") == 0)
				req = "status prometheus\n";
			else {
				fprintf(stderr, "sesame status: unknown format '%s' "
					"(text, json or prometheus)\n", optarg);
				return 1;
			}
			break;
		case 'h': usage(stdout); return 0;
		case 'V': return cmd_version();
		default:
			cmd_bad_option("status", c, argv);
			return 1;
		}
	}
	if (optind != argc) {
		char q[64];
		cmd_quote(argv[optind], q, sizeof q);
		fprintf(stderr, "sesame status: unexpected argument '%s' (it takes only options; "
			"see 'sesame status -h')\n", q);
		return 1;
	}
	return ctl_request("status", path, req);
}
