/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netns — see netns.h. */
#include "netns.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "numparse.h"

#define NETNS_RUN_DIR "/run/netns"

bool netns_check_sandboxed(char *why, size_t whylen)
{
	char dummy[8];
	if (!why) {
		why = dummy;
		whylen = sizeof dummy;
	}
	struct stat self;
	if (stat("/proc/self/ns/net", &self) != 0) {
		snprintf_safe(why, whylen, "cannot stat /proc/self/ns/net: %s", strerror(errno));
		return false;
	}
	DIR *d = opendir(NETNS_RUN_DIR);
	if (!d) {
		snprintf_safe(why, whylen, "no %s: not inside a namespace made by 'ip netns add'",
			      NETNS_RUN_DIR);
		return false;
	}
	int dfd = dirfd(d);
	bool found = false;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		struct stat st;
		if (fstatat(dfd, e->d_name, &st, 0) == 0 &&
		    st.st_dev == self.st_dev && st.st_ino == self.st_ino)
			found = true;
	}
	closedir(d);
	if (!found)
		snprintf_safe(why, whylen,
			      "this network namespace is not one made by 'ip netns add'");
	return found;
}
