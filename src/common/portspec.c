/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portspec — see portspec.h. */
#include "portspec.h"

#include <string.h>
#include <strings.h>

#include "numparse.h"
#include "strbuf.h"             /* utf8_prefix_len */

static bool proto_parse(const char *s, uint8_t *out)
{
	if (strcasecmp(s, "tcp") == 0)
		*out = PROTO_TCP;
	else if (strcasecmp(s, "udp") == 0)
		*out = PROTO_UDP;
	else
		return false;
	return true;
}

/* Splits S at the first SEP into two bounded copies. */
static bool split(const char *s, char sep, char *a, char *b, size_t len)
{
	const char *p = strchr(s, sep);
	size_t alen = p ? (size_t)(p - s) : strlen(s);
	if (alen >= len || (p && strlen(p + 1) >= len))
		return false;
	memcpy(a, s, alen);
	a[alen] = '\0';
	if (p)
		strcpy(b, p + 1);
	else
		b[0] = '\0';
	return true;
}

bool portspec_parse_knock(const char *s, uint8_t default_proto, struct port_proto *out)
{
	char port[16], proto[16];
	unsigned p;
	if (!split(s, ':', port, proto, sizeof port) || !parse_port(port, &p))
		return false;
	out->port = (uint16_t)p;
	out->proto = default_proto;
	if (strchr(s, ':'))
		return proto_parse(proto, &out->proto);
	return true;
}

bool portspec_parse_open(const char *s, uint8_t default_proto, struct port_proto *out)
{
	char a[16], b[16];
	unsigned p;
	if (!split(s, '/', a, b, sizeof a))
		return false;
	out->proto = default_proto;
	if (!strchr(s, '/'))
		return parse_port(a, &p) && (out->port = (uint16_t)p, true);
	/* Both orders are common: "22/tcp" (services) and "tcp/22" (fwknop). */
	if (parse_port(a, &p) && proto_parse(b, &out->proto)) {
		out->port = (uint16_t)p;
		return true;
	}
	if (proto_parse(a, &out->proto) && parse_port(b, &p)) {
		out->port = (uint16_t)p;
		return true;
	}
	return false;
}

int portspec_parse_list(const char *s, bool open_style, uint8_t default_proto,
			struct port_proto *out, size_t max, char *err, size_t errlen)
{
	size_t n = 0;
	const char *p = s;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		char item[32];
		if (len == 0 || len >= sizeof item) {
			/* Shortened to 20 bytes, never inside a UTF-8 character. */
			size_t shown = len > 20 ? utf8_prefix_len(p, 20) : len;
			snprintf_safe(err, errlen, "bad port '%.*s'", (int)shown, p);
			return -1;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (n == max) {
			snprintf_safe(err, errlen, "too many ports (at most %zu)", max);
			return -1;
		}
		bool ok = open_style ? portspec_parse_open(item, default_proto, &out[n])
				     : portspec_parse_knock(item, default_proto, &out[n]);
		if (!ok) {
			snprintf_safe(err, errlen, "bad port '%s'", item);
			return -1;
		}
		n++;
		if (!end)
			return (int)n;
		p = end + 1;
	}
}
