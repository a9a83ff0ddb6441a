/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sesame — the client: knock, spa, keygen, rules, status, revoke, open,
 * connect, sequence.
 * A static table of subcommands, one file each (cmd_*.c). */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "version.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "knock",  cmd_knock,  "send a knock sequence (knockd's knock)" },
	{ "spa",    cmd_spa,    "send one single-packet-authorization packet" },
	{ "keygen", cmd_keygen, "make a new SPA client key" },
	{ "rules",  cmd_rules,  "print a firewall-only ruleset (nft or iptables)" },
	{ "status", cmd_status, "ask a running sesamed for doors and grants" },
	{ "revoke", cmd_revoke, "end a running sesamed's grants now" },
	{ "open",   cmd_open,   "knock or send SPA to a server named in client.conf" },
	{ "connect", cmd_connect, "open, then relay stdin/stdout to a port (ssh ProxyCommand)" },
	{ "sequence", cmd_sequence, "print a random knock sequence for a new door" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sesame COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'sesame COMMAND -h' describes one command.  sesame %s\n", SESAME_VERSION);
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 1 : 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
		return cmd_version();
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	char q[64];
	cmd_quote(argv[1], q, sizeof q);
	fprintf(stderr, "sesame: unknown command '%s' (one of", q);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(stderr, " %s", commands[i].name);
	fprintf(stderr, "; see 'sesame -h')\n");
	return 1;
}
