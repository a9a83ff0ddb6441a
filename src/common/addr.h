/* SPDX-License-Identifier: GPL-2.0-or-later */
/* addr — an IPv4 or IPv6 host address, the unit every door, gate and
 * attempt table is keyed by.  Plain value type: copy it freely. */
#ifndef SESAME_ADDR_H
#define SESAME_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct addr {
	uint8_t family;                 /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];      /* v4 uses the first 4 */
	};
};

/* A network: address plus prefix length (0..32 or 0..128). */
struct cidr {
	struct addr addr;
	uint8_t prefix;
};

/* Longest text addr_format() writes, with its NUL. */
#define ADDR_STRLEN INET6_ADDRSTRLEN

/* inet_ntop text into BUF (at least ADDR_STRLEN bytes); returns BUF. */
const char *addr_format(const struct addr *a, char *buf, size_t len);
/* Parses a numeric IPv4 or IPv6 literal, nothing else.  Returns bool. */
bool addr_parse(const char *s, struct addr *out);
/* "ADDR", "IPV4:PORT", "[IPV6]" or "[IPV6]:PORT", numeric; *PORT is 0
 * when none is given.  A bare IPv6 address has no port (its colons would
 * be ambiguous). */
bool addr_port_parse(const char *s, struct addr *out, uint16_t *port);
/* "ADDR" or "ADDR/PREFIX"; host bits beyond the prefix are refused. */
bool cidr_parse(const char *s, struct cidr *out);
bool cidr_contains(const struct cidr *net, const struct addr *a);

bool addr_equal(const struct addr *a, const struct addr *b);
size_t addr_len(const struct addr *a);          /* 4 or 16 */
/* Keyed hash for hash tables; SEED should be random per process so a
 * flood cannot aim at one bucket. */
uint64_t addr_hash(const struct addr *a, uint64_t seed);

#endif
