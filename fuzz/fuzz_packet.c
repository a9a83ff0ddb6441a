/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_packet — packet_decode() on arbitrary frames, checked against the
 * harness's own reading of the headers.
 *
 * Input: byte 0 picks the link type (index into linktypes[]), the rest is
 * the frame.  Properties (abort with a message on violation):
 *  - a decoded event is TCP or UDP, both addresses of one family, and its
 *    payload lies inside the frame;
 *  - the link layer: the harness finds the IP packet in the frame itself
 *    (Ethernet, cooked v1/v2 with up to 4 VLAN/QinQ tags, null/loop, raw);
 *    a frame whose link header names no IP (other ethertype, outgoing
 *    cooked packet, an AF or DLT that disagrees with the IP version)
 *    never decodes;
 *  - the same IP packet decodes identically under every link type: it is
 *    wrapped in Ethernet, Ethernet + VLAN, Ethernet + QinQ, SLL, SLL2,
 *    null (both byte orders), loop, raw and DLT_IPV4/IPV6, each in a
 *    buffer of exactly its size (ASan sees any read past it), and every
 *    decode must give the same result as the raw one and as the frame;
 *  - against the harness's reading of the IP packet: addresses are the
 *    header's; the payload lies inside the IPv4 total length / the IPv6
 *    payload length; the L4 header sits where the harness's walk of the
 *    IPv4 IHL / the IPv6 extension headers puts it, with its ports; the
 *    TCP payload starts at the data offset; the UDP payload length is the
 *    UDP length - 8 (less only for a first fragment, whose datagram goes
 *    on elsewhere, and never more); nothing is decoded from a fragment
 *    other than the first (IPv4 offset, IPv6 fragment header). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "packet.h"

#define require(cond) do {                                              \
	if (!(cond)) {                                                  \
		fprintf(stderr, "fuzz_packet: %s\n", #cond);            \
		abort();                                                \
	}                                                               \
} while (0)

enum {
	DLT_NULL_ = 0, DLT_EN10MB_ = 1, DLT_RAW_ = 12, LINKTYPE_RAW_ = 101,
	DLT_LOOP_ = 108, DLT_SLL_ = 113, DLT_IPV4_ = 228, DLT_IPV6_ = 229,
	DLT_SLL2_ = 276,
};

static const int linktypes[] = {
	DLT_NULL_, DLT_EN10MB_, DLT_RAW_, LINKTYPE_RAW_, DLT_LOOP_, DLT_SLL_,
	DLT_IPV4_, DLT_IPV6_, DLT_SLL2_,
};
#define NLT (sizeof linktypes / sizeof linktypes[0])

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Where the IP packet starts in FRAME under link type LT, and which IP
 * version the link header announces (0: either).  False when the link
 * header is short or names something else than IP. */
static bool find_ip(int lt, const uint8_t *f, size_t len, size_t *off, int *want)
{
	unsigned type;
	*want = 0;
	switch (lt) {
	case DLT_EN10MB_:
		if (len < 14)
			return false;
		type = be16(f + 12);
		*off = 14;
		break;
	case DLT_SLL_:
		if (len < 16 || be16(f) == 4)   /* 4: sent by this host */
			return false;
		type = be16(f + 14);
		*off = 16;
		break;
	case DLT_SLL2_:
		if (len < 20 || f[10] == 4)
			return false;
		type = be16(f);
		*off = 20;
		break;
	case DLT_NULL_:
	case DLT_LOOP_: {
		if (len < 4)
			return false;
		uint32_t af = (uint32_t)f[0] << 24 | (uint32_t)f[1] << 16 | (uint32_t)f[2] << 8 | f[3];
		if (lt == DLT_NULL_ && af > 0xffff)     /* written little-endian */
			af = (uint32_t)f[3] << 24 | (uint32_t)f[2] << 16 | (uint32_t)f[1] << 8 | f[0];
		*off = 4;
		if (af == 2)
			*want = 4;
		else if (af == 10 || af == 24 || af == 28 || af == 30)
			*want = 6;
		else
			return false;
		return true;
	}
	case DLT_IPV4_:
		*off = 0;
		*want = 4;
		return true;
	case DLT_IPV6_:
		*off = 0;
		*want = 6;
		return true;
	default:
		*off = 0;
		return true;
	}
	/* Up to 4 VLAN tags (802.1Q, 802.1ad, the old QinQ), whatever the
	 * link layer that carries the ethertype. */
	for (int tags = 0; type == 0x8100 || type == 0x88a8 || type == 0x9100; tags++) {
		if (tags == 4 || len < *off + 4)
			return false;
		type = be16(f + *off + 2);
		*off += 4;
	}
	if (type == 0x0800)
		*want = 4;
	else if (type == 0x86dd)
		*want = 6;
	else
		return false;
	return true;
}

/* Wraps IP (LEN bytes, version V) for link type LT in a fresh buffer of
 * exactly the right size; K picks a variant (VLAN tags, byte order). */
static uint8_t *wrap(int lt, int k, int v, const uint8_t *ip, size_t len, size_t *out_len)
{
	uint8_t h[32];
	size_t hl = 0;
	unsigned type = v == 6 ? 0x86dd : 0x0800;
	memset(h, 0, sizeof h);
	switch (lt) {
	case DLT_EN10MB_:
		hl = 12;
		memset(h, 0x02, 12);
		for (int t = 0; t < k; t++) {   /* k tags: QinQ outside */
			unsigned tpid = t == 0 && k == 2 ? 0x88a8 : 0x8100;
			h[hl] = (uint8_t)(tpid >> 8);
			h[hl + 1] = (uint8_t)tpid;
			h[hl + 2] = 0x00;
			h[hl + 3] = (uint8_t)(10 + t);
			hl += 4;
		}
		h[hl] = (uint8_t)(type >> 8);
		h[hl + 1] = (uint8_t)type;
		hl += 2;
		break;
	case DLT_SLL_:
		hl = 16;
		h[3] = 1;                       /* ARPHRD_ETHER */
		h[5] = 6;
		h[14] = (uint8_t)(type >> 8);
		h[15] = (uint8_t)type;
		break;
	case DLT_SLL2_:
		hl = 20;
		h[0] = (uint8_t)(type >> 8);
		h[1] = (uint8_t)type;
		h[7] = 2;                       /* ifindex */
		h[9] = 1;
		h[11] = 6;
		break;
	case DLT_NULL_:
	case DLT_LOOP_: {
		uint32_t af = v == 6 ? (k ? 24 : 10) : 2;
		hl = 4;
		if (lt == DLT_NULL_ && k == 0) {        /* little-endian writer */
			h[0] = (uint8_t)af;
		} else {
			h[3] = (uint8_t)af;
		}
		break;
	}
	default:
		break;
	}
	uint8_t *buf = malloc(hl + len ? hl + len : 1);
	require(buf);
	memcpy(buf, h, hl);
	if (len)
		memcpy(buf + hl, ip, len);
	*out_len = hl + len;
	return buf;
}

struct result {
	int rc;
	struct knock_event ev;
	size_t payload_off;     /* from the start of the IP packet */
};

static void decode(int lt, const uint8_t *frame, size_t len, size_t ip_off, struct result *r)
{
	memset(r, 0, sizeof *r);
	r->rc = packet_decode(lt, frame, len, &r->ev);
	if (r->rc != 0)
		return;
	require(r->ev.proto == 6 || r->ev.proto == 17);
	require(r->ev.saddr.family == r->ev.daddr.family);
	require(r->ev.saddr.family == AF_INET || r->ev.saddr.family == AF_INET6);
	if (r->ev.payload_len == 0)
		return;                 /* no payload: no pointer to check */
	require(r->ev.payload >= frame + ip_off);
	require(r->ev.payload_len <= len);
	require(r->ev.payload + r->ev.payload_len <= frame + len);
	r->payload_off = (size_t)(r->ev.payload - (frame + ip_off));
}

static bool same(const struct result *a, const struct result *b)
{
	if (a->rc != b->rc)
		return false;
	if (a->rc != 0)
		return true;
	const struct knock_event *x = &a->ev, *y = &b->ev;
	return x->saddr.family == y->saddr.family &&
	       memcmp(&x->saddr, &y->saddr, sizeof x->saddr) == 0 &&
	       memcmp(&x->daddr, &y->daddr, sizeof x->daddr) == 0 &&
	       x->proto == y->proto && x->sport == y->sport && x->dport == y->dport &&
	       x->tcpflags == y->tcpflags && x->payload_len == y->payload_len &&
	       a->payload_off == b->payload_off;
}

/* The harness's reading of an IP packet that decoded to R. */
static void check_ip(const uint8_t *ip, size_t len, const struct result *r)
{
	size_t l4, end;
	bool first_fragment;
	const struct knock_event *ev = &r->ev;
	if (ip[0] >> 4 == 4) {
		require(ev->saddr.family == AF_INET);
		size_t ihl = (size_t)(ip[0] & 15) * 4;
		end = be16(ip + 2);
		require(ihl >= 20 && ihl <= end && end <= len);
		require((be16(ip + 6) & 0x1fff) == 0);          /* first fragment */
		first_fragment = be16(ip + 6) & 0x2000;
		require(ev->proto == ip[9]);
		require(memcmp(&ev->saddr.v4, ip + 12, 4) == 0);
		require(memcmp(&ev->daddr.v4, ip + 16, 4) == 0);
		l4 = ihl;
	} else {
		require(ip[0] >> 4 == 6);
		require(ev->saddr.family == AF_INET6);
		require(len >= 40);
		end = 40 + (size_t)be16(ip + 4);
		require(end > 40 && end <= len);
		require(memcmp(&ev->saddr.v6, ip + 8, 16) == 0);
		require(memcmp(&ev->daddr.v6, ip + 24, 16) == 0);
		unsigned nh = ip[6];
		first_fragment = false;
		l4 = 40;
		while (nh != 6 && nh != 17) {
			require(l4 + 8 <= end);
			unsigned next = ip[l4];
			switch (nh) {
			case 0: case 43: case 60:       /* hop-by-hop, routing, dest */
				l4 += ((size_t)ip[l4 + 1] + 1) * 8;
				break;
			case 44:                        /* fragment */
				require((be16(ip + l4 + 2) & 0xfff8) == 0);
				if (ip[l4 + 3] & 1)
					first_fragment = true;
				l4 += 8;
				break;
			case 51:                        /* AH */
				l4 += ((size_t)ip[l4 + 1] + 2) * 4;
				break;
			default:
				require(!"an extension header the decoder cannot walk");
			}
			nh = next;
		}
		require(ev->proto == nh);
	}
	/* The payload lies inside the IP packet's own length. */
	bool some = ev->payload_len > 0;
	require(!some || r->payload_off + ev->payload_len <= end);
	require(l4 + 8 <= end);
	require(ev->sport == be16(ip + l4) && ev->dport == be16(ip + l4 + 2));
	if (ev->proto == 6) {
		size_t doff = (size_t)(ip[l4 + 12] >> 4) * 4;
		require(ev->tcpflags == ip[l4 + 13]);
		require(!some || r->payload_off == l4 + doff);
		require(ev->payload_len == end - (l4 + doff));
	} else {
		size_t ulen = be16(ip + l4 + 4);
		require(ulen >= 8);
		require(!some || r->payload_off == l4 + 8);
		if (ulen - 8 <= end - l4 - 8)
			require(ev->payload_len == ulen - 8);
		else    /* the datagram goes on in later fragments */
			require(first_fragment && ev->payload_len == end - l4 - 8);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int lt = linktypes[data[0] % NLT];
	const uint8_t *frame = data + 1;
	size_t len = size - 1, ip_off;
	int want;
	struct result got, raw, w;

	bool link_ok = find_ip(lt, frame, len, &ip_off, &want);
	decode(lt, frame, len, link_ok ? ip_off : 0, &got);
	if (!link_ok) {
		require(got.rc != 0);
		return 0;
	}
	const uint8_t *ip = frame + ip_off;
	size_t iplen = len - ip_off;
	int v = iplen ? ip[0] >> 4 : 0;
	if (want && v != want) {
		require(got.rc != 0);
		return 0;
	}

	/* The reference: the IP packet alone, as DLT_RAW, in its own buffer. */
	size_t n;
	uint8_t *buf = wrap(DLT_RAW_, 0, v, ip, iplen, &n);
	decode(DLT_RAW_, buf, n, 0, &raw);
	free(buf);
	require(same(&got, &raw));
	if (raw.rc == 0)
		check_ip(ip, iplen, &raw);
	if (v != 4 && v != 6)
		return 0;

	static const struct { int lt, k; } wrappers[] = {
		{ DLT_EN10MB_, 0 }, { DLT_EN10MB_, 1 }, { DLT_EN10MB_, 2 },
		{ DLT_SLL_, 0 }, { DLT_SLL2_, 0 }, { DLT_NULL_, 0 }, { DLT_NULL_, 1 },
		{ DLT_LOOP_, 0 }, { LINKTYPE_RAW_, 0 }, { DLT_IPV4_, 0 }, { DLT_IPV6_, 0 },
	};
	for (size_t i = 0; i < sizeof wrappers / sizeof wrappers[0]; i++) {
		int wlt = wrappers[i].lt;
		if ((wlt == DLT_IPV4_ && v != 4) || (wlt == DLT_IPV6_ && v != 6))
			continue;
		buf = wrap(wlt, wrappers[i].k, v, ip, iplen, &n);
		decode(wlt, buf, n, n - iplen, &w);
		free(buf);
		if (!same(&w, &raw))
			fprintf(stderr, "fuzz_packet: link type %d variant %d differs\n", wlt,
				wrappers[i].k);
		require(same(&w, &raw));
	}
	return 0;
}
