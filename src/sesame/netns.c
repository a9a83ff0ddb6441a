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

bool netns_target_allowed(const struct addr *a)
{
	struct cidr v4, v6;
	if (!cidr_parse("198.18.0.0/15", &v4) || !cidr_parse("2001:db8::/32", &v6))
		return false;
	return cidr_contains(a->family == AF_INET ? &v4 : &v6, a);
}

bool netns_sender_target(const char *tool, const char *host, const char *port,
			 struct sockaddr_storage *ss, socklen_t *len)
{
	struct addr a;
	unsigned p;
	if (!addr_parse(host, &a) || !parse_port(port, &p)) {
		fprintf(stderr, "%s: bad HOST or PORT\n", tool);
		return false;
	}
	if (!netns_target_allowed(&a)) {
		fprintf(stderr, "%s: refusing %s: outside 198.18.0.0/15 and 2001:db8::/32\n",
			tool, host);
		return false;
	}
	char why[256];
	if (!netns_check_sandboxed(why, sizeof why)) {
		fprintf(stderr, "%s: refusing to run: %s\n", tool, why);
		return false;
	}
	memset(ss, 0, sizeof *ss);
	if (a.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		sin->sin_addr = a.v4;
		*len = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		sin6->sin6_addr = a.v6;
		*len = sizeof *sin6;
	}
	return true;
}
