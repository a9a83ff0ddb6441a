/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netns_sender — see netns_sender.h. */
#include "netns_sender.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "netns.h"
#include "numparse.h"

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
