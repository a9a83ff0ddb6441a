/* SPDX-License-Identifier: GPL-2.0-or-later */
/* addr — see addr.h. */
#include "addr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "numparse.h"

const char *addr_format(const struct addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
		snprintf_safe(buf, len, "?");
	return buf;
}

bool addr_parse(const char *s, struct addr *out)
{
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, s, &out->v4) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, &out->v6) == 1) {
		out->family = AF_INET6;
		return true;
	}
	return false;
}

size_t addr_len(const struct addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

static bool prefix_match(const struct addr *net, const struct addr *a, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;
	if (memcmp(net->bytes, a->bytes, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (net->bytes[full] & mask) == (a->bytes[full] & mask);
}

bool cidr_parse(const char *s, struct cidr *out)
{
	char text[ADDR_STRLEN + 8];
	if (strlen(s) >= sizeof text)
		return false;
	strcpy(text, s);
	char *slash = strchr(text, '/');
	unsigned long prefix = 0;
	if (slash) {
		*slash = '\0';
		if (!parse_ulong(slash + 1, 0, 128, &prefix))
			return false;
	}
	if (!addr_parse(text, &out->addr))
		return false;
	unsigned max = out->addr.family == AF_INET ? 32 : 128;
	if (!slash)
		prefix = max;
	if (prefix > max)
		return false;
	out->prefix = (uint8_t)prefix;
	/* Host bits set beyond the prefix are almost always a typo. */
	struct addr masked = out->addr;
	for (unsigned i = 0; i < addr_len(&masked) * 8; i++)
		if (i >= prefix)
			masked.bytes[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	return addr_equal(&masked, &out->addr);
}

bool addr_port_parse(const char *v, struct addr *a, uint16_t *port)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon;
	size_t hlen;
	bool bracket = v[0] == '[';
	if (bracket) {
		const char *end = strchr(v, ']');
		if (!end || (end[1] != '\0' && end[1] != ':'))
			return false;
		hlen = (size_t)(end - v - 1);
		colon = end[1] == ':' ? end + 1 : NULL;
		v++;
	} else {
		const char *c = strchr(v, ':');
		colon = c && !strchr(c + 1, ':') ? c : NULL;
		hlen = colon ? (size_t)(colon - v) : strlen(v);
	}
	if (hlen == 0 || hlen >= sizeof host)
		return false;
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	if (!addr_parse(host, a) || (bracket && a->family != AF_INET6))
		return false;
	*port = 0;
	if (!colon)
		return true;
	unsigned n;
	if (!parse_port(colon + 1, &n))
		return false;
	*port = (uint16_t)n;
	return true;
}

bool cidr_contains(const struct cidr *net, const struct addr *a)
{
	return net->addr.family == a->family && prefix_match(&net->addr, a, net->prefix);
}

bool addr_equal(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, addr_len(a)) == 0;
}

uint64_t addr_hash(const struct addr *a, uint64_t seed)
{
	/* SipHash would be stronger; a seeded 64-bit mix with a per-process
	 * random seed is enough to keep a flood from choosing its bucket. */
	uint64_t h = seed ^ (0x9e3779b97f4a7c15ull * (a->family + 1));
	for (size_t i = 0; i < addr_len(a); i += 4) {
		uint32_t w;
		memcpy(&w, a->bytes + i, 4);
		h ^= w;
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 33;
	}
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	return h;
}
