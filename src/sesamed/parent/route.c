/* SPDX-License-Identifier: GPL-2.0-or-later */
/* route — the interface of the default route, from /proc.  See route.h. */
#include "route.h"

#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A whole field of hex digits, no sign, no 0x. */
static bool parse_hex(const char *s, unsigned long *out)
{
	char *end;

	if (!*s)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
		      (*p >= 'A' && *p <= 'F')))
			return false;
	errno = 0;
	*out = strtoul(s, &end, 16);
	return errno == 0 && *end == '\0';
}

static bool all_zero(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s != '0')
			return false;
	return true;
}

/* Splits LINE in place into at most MAX whitespace-separated fields. */
static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *tok = strtok_r(line, " \t\n", &save); tok && n < max;
	     tok = strtok_r(NULL, " \t\n", &save))
		f[n++] = tok;
	return n;
}

#define RTF_UP_ 0x0001
#define RTF_REJECT_ 0x0200

/* Lowest-metric default route of one /proc table.  V6 selects the
 * ipv6_route layout.  Returns 0, -ENOENT, -ENOSPC or -errno. */
static int default_from(const char *path, bool v6, char *buf, size_t len)
{
	char line[512], best[IF_NAMESIZE] = "";
	unsigned long best_metric = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof line, f)) {
		char *fl[12];
		unsigned long flags, metric, plen;
		const char *ifn;
		size_t n = split(line, fl, 12);

		if (!v6) {
			/* Iface Destination Gateway Flags RefCnt Use Metric
			 * Mask ... (the header line fails parse_hex) */
			if (n < 8 || !parse_hex(fl[1], &plen) || plen != 0 ||
			    !parse_hex(fl[3], &flags) ||
			    !parse_hex(fl[7], &plen) || plen != 0)
				continue;
			if (strspn(fl[6], "0123456789") != strlen(fl[6]) ||
			    !*fl[6])
				continue;
			metric = strtoul(fl[6], NULL, 10);
			ifn = fl[0];
		} else {
			/* dst dst_len src src_len nexthop metric refcnt use
			 * flags iface */
			if (n < 10 || !all_zero(fl[0]) ||
			    !parse_hex(fl[1], &plen) || plen != 0 ||
			    !parse_hex(fl[5], &metric) ||
			    !parse_hex(fl[8], &flags))
				continue;
			ifn = fl[9];
		}
		if (!(flags & RTF_UP_) || (flags & RTF_REJECT_) ||
		    strcmp(ifn, "lo") == 0 || strlen(ifn) >= sizeof best)
			continue;
		if (!best[0] || metric < best_metric) {
			snprintf(best, sizeof best, "%s", ifn);
			best_metric = metric;
		}
	}
	fclose(f);
	if (!best[0])
		return -ENOENT;
	if (strlen(best) >= len)
		return -ENOSPC;
	snprintf(buf, len, "%s", best);
	return 0;
}

int route_default_interface(char *buf, size_t len)
{
	int err;

	if (!buf || !len)
		return -EINVAL;
	err = default_from("/proc/net/route", false, buf, len);
	if (err && err != -ENOSPC)
		err = default_from("/proc/net/ipv6_route", true, buf, len);
	return err;
}
