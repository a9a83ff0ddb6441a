/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sesame — the client: knock, spa, keygen, rules, status.
 * A static table of subcommands, one file each (cmd_*.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd.h"
#include "netns.h"
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

int cmd_version(void)
{
	printf("sesame %s\n", SESAME_VERSION);
	return fflush(stdout) == 0 ? 0 : 1;
}

void cmd_quote(const char *s, char *buf, size_t len)
{
	if (len == 0)
		return;
	size_t n = 0;
	for (; s[n] && n + 1 < len; n++) {
		unsigned char c = (unsigned char)s[n];
		buf[n] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	buf[n] = '\0';
}

void cmd_bad_option(const char *cmd, int c, char **argv)
{
	char tok[64];
	if (c == '?' && optopt > 0 && optopt < 0x7f)
		snprintf(tok, sizeof tok, "-%c", optopt);
	else
		cmd_quote(optind > 0 ? argv[optind - 1] : "?", tok, sizeof tok);
	fprintf(stderr, "sesame %s: %s '%s' (see 'sesame %s -h')\n", cmd,
		c == ':' ? "missing value after" : "unknown option", tok, cmd);
}

bool cmd_family(int *family, int c, const char *cmd)
{
	int f = c == '4' ? AF_INET : AF_INET6;
	if (*family != AF_UNSPEC && *family != f) {
		fprintf(stderr, "sesame %s: -4 and -6 exclude each other\n", cmd);
		return false;
	}
	*family = f;
	return true;
}

bool cmd_sandbox_ok(const char *cmd)
{
	const char *req = getenv("SESAME_REQUIRE_NETNS");
	if (!req || strcmp(req, "1") != 0)
		return true;
	char why[160];
	if (netns_check_sandboxed(why, sizeof why))
		return true;
	fprintf(stderr, "sesame %s: refusing to send: %s (SESAME_REQUIRE_NETNS=1)\n", cmd, why);
	return false;
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
