/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spa_paths — see spa_paths.h. */
#include "spa_paths.h"

#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numparse.h"

void spa_default_key_name(char *buf, size_t len)
{
	const char *user = getenv("USER");
	struct passwd *pw = NULL;
	if (!user || !*user) {
		pw = getpwuid(getuid());
		user = pw ? pw->pw_name : NULL;
	}
	char host[256] = "";
	if (gethostname(host, sizeof host - 1) < 0)
		host[0] = '\0';
	char *dot = strchr(host, '.');
	if (dot)
		*dot = '\0';
	if (user && *host)
		snprintf(buf, len, "%s@%s", user, host);
	else
		snprintf(buf, len, "%s", user ? user : *host ? host : "sesame");
	for (char *p = buf; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
			  c == '@' || c == '+';
		if (!ok)
			*p = '-';
	}
	if (!*buf)
		snprintf(buf, len, "sesame");
}

int spa_default_key_path(const char *name, char *buf, size_t len)
{
	const char *home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		if (!pw || !pw->pw_dir)
			return -ENOENT;
		home = pw->pw_dir;
	}
	if (!snprintf_safe(buf, len, "%s/.config/sesame/%s.key", home, name))
		return -ENAMETOOLONG;
	return 0;
}
