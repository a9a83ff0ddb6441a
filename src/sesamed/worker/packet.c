/* SPDX-License-Identifier: GPL-2.0-or-later */
/* packet — link, network and transport headers of one captured frame.
 *
 * Every byte of the frame is hostile.  It is read only through the cursor
 * below, which fails instead of reading past its end; a cursor can be
 * narrowed to a header-declared length (IPv4 total length, IPv6 payload
 * length) so trailing link padding never looks like payload.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "packet.h"

/* DLT_* values as libpcap assigns them on Linux; defined here so this
 * module does not depend on pcap headers. */
enum {
	LT_NULL = 0,            /* DLT_NULL: 4-byte AF_ in the writer's order */
	LT_EN10MB = 1,          /* DLT_EN10MB */
	LT_RAW = 12,            /* DLT_RAW on Linux */
	LT_RAW_LINKTYPE = 101,  /* LINKTYPE_RAW, as some savefiles carry it */
	LT_LOOP = 108,          /* DLT_LOOP: like NULL, network order */
	LT_LINUX_SLL = 113,     /* DLT_LINUX_SLL: cooked v1 ("any") */
	LT_IPV4 = 228,          /* DLT_IPV4 */
	LT_IPV6 = 229,          /* DLT_IPV6 */
	LT_LINUX_SLL2 = 276,    /* DLT_LINUX_SLL2: cooked v2 */
};

enum {
	ETH_IPV4 = 0x0800, ETH_IPV6 = 0x86dd,
	ETH_VLAN = 0x8100, ETH_QINQ = 0x88a8, ETH_QINQ_OLD = 0x9100,
};

/* Linux sll_pkttype of frames this host sent; they are not knocks. */
#define SLL_OUTGOING 4

/* VLAN tags accepted in a row (802.1ad allows two; be lenient). */
#define VLAN_MAX 4
/* IPv6 extension headers walked before giving up. */
#define IPV6_EXT_MAX 8

enum {
	NH_HOPOPTS = 0, NH_TCP = 6, NH_UDP = 17, NH_ROUTING = 43,
	NH_FRAGMENT = 44, NH_ESP = 50, NH_AH = 51, NH_NONE = 59,
	NH_DSTOPTS = 60,
};

struct cursor {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static void cur_init(struct cursor *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = p ? len : 0;
	c->off = 0;
}

static size_t cur_left(const struct cursor *c)
{
	return c->len - c->off;
}

static bool cur_u8(struct cursor *c, uint8_t *v)
{
	if (cur_left(c) < 1)
		return false;
	*v = c->p[c->off++];
	return true;
}

static bool cur_u16(struct cursor *c, uint16_t *v)
{
	if (cur_left(c) < 2)
		return false;
	*v = (uint16_t)(c->p[c->off] << 8 | c->p[c->off + 1]);
	c->off += 2;
	return true;
}

static bool cur_skip(struct cursor *c, size_t n)
{
	if (cur_left(c) < n)
		return false;
	c->off += n;
	return true;
}

static bool cur_copy(struct cursor *c, void *dst, size_t n)
{
	if (cur_left(c) < n)
		return false;
	memcpy(dst, c->p + c->off, n);
	c->off += n;
	return true;
}

/* Forgets everything beyond N more bytes from here. */
static bool cur_limit(struct cursor *c, size_t n)
{
	if (cur_left(c) < n)
		return false;
	c->len = c->off + n;
	return true;
}

/* The unread rest, for the payload pointer of the event. */
static const uint8_t *cur_rest(const struct cursor *c, size_t *n)
{
	*n = cur_left(c);
	return *n ? c->p + c->off : NULL;
}

/* What the network layer leaves to the transport layer. */
struct l4_info {
	uint8_t proto;
	bool fragment;          /* first fragment: more data follows elsewhere */
};

static int decode_tcp(struct cursor *c, struct knock_event *ev)
{
	uint8_t doff, flags;

	if (!cur_u16(c, &ev->sport) || !cur_u16(c, &ev->dport) ||
	    !cur_skip(c, 8) ||          /* sequence and ack numbers */
	    !cur_u8(c, &doff) || !cur_u8(c, &flags))
		return -EINVAL;
	doff >>= 4;
	if (doff < 5)
		return -EINVAL;
	/* window, checksum, urgent pointer, then the options */
	if (!cur_skip(c, 6 + (size_t)(doff - 5) * 4))
		return -EINVAL;
	ev->proto = PROTO_TCP;
	ev->tcpflags = flags;
	ev->payload = cur_rest(c, &ev->payload_len);
	return 0;
}

static int decode_udp(struct cursor *c, const struct l4_info *l4,
		      struct knock_event *ev)
{
	uint16_t ulen;
	size_t avail;

	if (!cur_u16(c, &ev->sport) || !cur_u16(c, &ev->dport) ||
	    !cur_u16(c, &ulen) || !cur_skip(c, 2))
		return -EINVAL;
	if (ulen < 8)
		return -EINVAL;
	avail = cur_left(c);
	/* As the kernel does: a length beyond the data is refused, a shorter
	 * one trims it.  A first fragment carries only part of the datagram
	 * the length describes. */
	if ((size_t)ulen - 8 > avail) {
		if (!l4->fragment)
			return -EINVAL;
	} else if (!cur_limit(c, (size_t)ulen - 8)) {
		return -EINVAL;
	}
	ev->proto = PROTO_UDP;
	ev->tcpflags = 0;
	ev->payload = cur_rest(c, &ev->payload_len);
	return 0;
}

static int decode_l4(struct cursor *c, const struct l4_info *l4,
		     struct knock_event *ev)
{
	switch (l4->proto) {
	case NH_TCP:
		return decode_tcp(c, ev);
	case NH_UDP:
		return decode_udp(c, l4, ev);
	default:
		return -EINVAL;
	}
}

static int decode_ipv4(struct cursor *c, struct knock_event *ev)
{
	struct l4_info l4 = { 0 };
	uint8_t vihl, ihl;
	uint16_t total, frag;

	if (!cur_u8(c, &vihl) || vihl >> 4 != 4)
		return -EINVAL;
	ihl = vihl & 0x0f;
	if (ihl < 5)
		return -EINVAL;
	if (!cur_skip(c, 1) || !cur_u16(c, &total))
		return -EINVAL;
	if (total < ihl * 4u)
		return -EINVAL;
	/* 4 bytes of the header are behind us; the datagram ends at TOTAL. */
	if (!cur_limit(c, (size_t)total - 4))
		return -EINVAL;
	if (!cur_skip(c, 2) || !cur_u16(c, &frag))      /* id, flags+offset */
		return -EINVAL;
	if (frag & 0x1fff)                              /* not the first */
		return -EINVAL;
	l4.fragment = frag & 0x2000;                    /* more fragments */
	if (!cur_skip(c, 1) || !cur_u8(c, &l4.proto) || !cur_skip(c, 2))
		return -EINVAL;
	memset(&ev->saddr, 0, sizeof ev->saddr);
	memset(&ev->daddr, 0, sizeof ev->daddr);
	ev->saddr.family = ev->daddr.family = AF_INET;
	if (!cur_copy(c, &ev->saddr.v4, 4) || !cur_copy(c, &ev->daddr.v4, 4))
		return -EINVAL;
	if (!cur_skip(c, (size_t)(ihl - 5) * 4))        /* options */
		return -EINVAL;
	return decode_l4(c, &l4, ev);
}

/* Walks the extension headers up to TCP or UDP. */
static int walk_ipv6_ext(struct cursor *c, uint8_t nh, struct l4_info *l4)
{
	for (int i = 0; i <= IPV6_EXT_MAX; i++) {
		uint8_t next, hlen;
		uint16_t frag;

		switch (nh) {
		case NH_TCP:
		case NH_UDP:
			l4->proto = nh;
			return 0;
		case NH_HOPOPTS:
			if (i != 0)     /* only right after the fixed header */
				return -EINVAL;
			/* fall through */
		case NH_ROUTING:
		case NH_DSTOPTS:
			if (!cur_u8(c, &next) || !cur_u8(c, &hlen) ||
			    !cur_skip(c, 6 + (size_t)hlen * 8))
				return -EINVAL;
			break;
		case NH_FRAGMENT:
			if (!cur_u8(c, &next) || !cur_skip(c, 1) ||
			    !cur_u16(c, &frag) || !cur_skip(c, 4))
				return -EINVAL;
			if (frag & 0xfff8)      /* offset: not the first */
				return -EINVAL;
			if (frag & 1)
				l4->fragment = true;
			break;
		case NH_AH:
			/* Length in 4-byte units, minus 2. */
			if (!cur_u8(c, &next) || !cur_u8(c, &hlen) ||
			    !cur_skip(c, ((size_t)hlen + 2) * 4 - 2))
				return -EINVAL;
			break;
		default:        /* ESP, no next header, anything else */
			return -EINVAL;
		}
		nh = next;
	}
	return -EINVAL;
}

static int decode_ipv6(struct cursor *c, struct knock_event *ev)
{
	struct l4_info l4 = { 0 };
	uint8_t v, nh;
	uint16_t plen;
	int err;

	if (!cur_u8(c, &v) || v >> 4 != 6)
		return -EINVAL;
	if (!cur_skip(c, 3) || !cur_u16(c, &plen) || !cur_u8(c, &nh) ||
	    !cur_skip(c, 1))
		return -EINVAL;
	memset(&ev->saddr, 0, sizeof ev->saddr);
	memset(&ev->daddr, 0, sizeof ev->daddr);
	ev->saddr.family = ev->daddr.family = AF_INET6;
	if (!cur_copy(c, &ev->saddr.v6, 16) || !cur_copy(c, &ev->daddr.v6, 16))
		return -EINVAL;
	/* A zero payload length means a jumbogram: never a knock. */
	if (plen == 0 || !cur_limit(c, plen))
		return -EINVAL;
	err = walk_ipv6_ext(c, nh, &l4);
	if (err)
		return err;
	return decode_l4(c, &l4, ev);
}

static int decode_ethertype(struct cursor *c, uint16_t type,
			    struct knock_event *ev)
{
	for (int tags = 0; type == ETH_VLAN || type == ETH_QINQ ||
			   type == ETH_QINQ_OLD; tags++) {
		if (tags == VLAN_MAX)
			return -EINVAL;
		if (!cur_skip(c, 2) || !cur_u16(c, &type))      /* TCI, type */
			return -EINVAL;
	}
	switch (type) {
	case ETH_IPV4:
		return decode_ipv4(c, ev);
	case ETH_IPV6:
		return decode_ipv6(c, ev);
	default:
		return -EINVAL;
	}
}

/* The IP version decides, whatever the link layer claims. */
static int decode_ip(struct cursor *c, int want, struct knock_event *ev)
{
	struct cursor peek = *c;
	uint8_t v;

	if (!cur_u8(&peek, &v))
		return -EINVAL;
	v >>= 4;
	if (want && v != want)
		return -EINVAL;
	if (v == 4)
		return decode_ipv4(c, ev);
	if (v == 6)
		return decode_ipv6(c, ev);
	return -EINVAL;
}

/* BSD-style loopback header: the writer's AF_ value, whose byte order and
 * AF_INET6 number depend on the system that wrote it. */
static int decode_null(struct cursor *c, bool net_order,
		       struct knock_event *ev)
{
	uint8_t b[4];
	uint32_t af;

	if (!cur_copy(c, b, 4))
		return -EINVAL;
	af = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	     (uint32_t)b[2] << 8 | b[3];
	if (!net_order && af > 0xffff)
		af = (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
		     (uint32_t)b[1] << 8 | b[0];
	switch (af) {
	case 2:                 /* AF_INET everywhere */
		return decode_ip(c, 4, ev);
	case 10: case 24: case 28: case 30:     /* Linux, *BSD, Darwin */
		return decode_ip(c, 6, ev);
	default:
		return -EINVAL;
	}
}

int packet_decode(int linktype, const uint8_t *frame, size_t len,
		  struct knock_event *ev)
{
	struct cursor c;
	struct knock_event out;
	uint16_t type, pkttype;
	uint8_t pkttype8;
	int err;

	if (!ev)
		return -EINVAL;
	cur_init(&c, frame, len);
	memset(&out, 0, sizeof out);

	switch (linktype) {
	case LT_EN10MB:
		if (!cur_skip(&c, 12) || !cur_u16(&c, &type))
			return -EINVAL;
		err = decode_ethertype(&c, type, &out);
		break;
	case LT_LINUX_SLL:
		/* pkttype, ARPHRD, address length, 8 address bytes, protocol */
		if (!cur_u16(&c, &pkttype) || !cur_skip(&c, 12) ||
		    !cur_u16(&c, &type))
			return -EINVAL;
		if (pkttype == SLL_OUTGOING)
			return -EINVAL;
		err = decode_ethertype(&c, type, &out);
		break;
	case LT_LINUX_SLL2:
		/* protocol, reserved, ifindex, ARPHRD, pkttype, address
		 * length, 8 address bytes */
		if (!cur_u16(&c, &type) || !cur_skip(&c, 8) ||
		    !cur_u8(&c, &pkttype8) || !cur_skip(&c, 9))
			return -EINVAL;
		if (pkttype8 == SLL_OUTGOING)
			return -EINVAL;
		err = decode_ethertype(&c, type, &out);
		break;
	case LT_RAW:
	case LT_RAW_LINKTYPE:
		err = decode_ip(&c, 0, &out);
		break;
	case LT_IPV4:
		err = decode_ip(&c, 4, &out);
		break;
	case LT_IPV6:
		err = decode_ip(&c, 6, &out);
		break;
	case LT_NULL:
		err = decode_null(&c, false, &out);
		break;
	case LT_LOOP:
		err = decode_null(&c, true, &out);
		break;
	default:
		return -EINVAL;
	}
	if (err)
		return err;
	*ev = out;
	return 0;
}
