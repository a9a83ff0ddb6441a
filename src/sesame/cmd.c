/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd — what the subcommands share; see cmd.h. */
#include "cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netns.h"
#include "version.h"

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
