/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of packet_decode on hand-built frames. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "config.h"
#include "packet.h"

enum { DLT_NULL_ = 0, DLT_EN10MB_ = 1, DLT_RAW_ = 12, DLT_LOOP_ = 108,
       DLT_SLL_ = 113, DLT_SLL2_ = 276 };

/* A growing frame.  Builders write headers front to back. */
struct fb {
	uint8_t b[1024];
	size_t n;
};

static void put(struct fb *f, const void *p, size_t n)
{
	assert_true(f->n + n <= sizeof f->b);
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put8(struct fb *f, unsigned v)
{
	uint8_t b = (uint8_t)v;
	put(f, &b, 1);
}

static void put16(struct fb *f, unsigned v)
{
	put8(f, v >> 8);
	put8(f, v);
}

static void put32(struct fb *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static void zeros(struct fb *f, size_t n)
{
	while (n--)
		put8(f, 0);
}

static const uint8_t V4_SRC[4] = { 198, 18, 0, 2 };
static const uint8_t V4_DST[4] = { 198, 18, 0, 1 };
static uint8_t V6_SRC[16], V6_DST[16];

static void setup_v6(void)
{
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:5e5::2", V6_SRC), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:5e5::1", V6_DST), 1);
}

/* L4 segments. */
static void tcp(struct fb *f, unsigned sport, unsigned dport, unsigned flags,
		unsigned doff, const char *payload)
{
	put16(f, sport);
	put16(f, dport);
	put32(f, 0x11223344);
	put32(f, 0);
	put8(f, doff << 4);
	put8(f, flags);
	put16(f, 64240);
	put16(f, 0);
	put16(f, 0);
	for (unsigned i = 5; i < doff; i++)
		put32(f, 0x01010101);   /* NOPs */
	if (payload)
		put(f, payload, strlen(payload));
}

static void udp(struct fb *f, unsigned sport, unsigned dport, int ulen,
		const char *payload)
{
	size_t plen = payload ? strlen(payload) : 0;
	put16(f, sport);
	put16(f, dport);
	put16(f, ulen >= 0 ? (unsigned)ulen : 8 + plen);
	put16(f, 0);
	if (payload)
		put(f, payload, plen);
}

/* IPv4 header for the segment L4; TOTAL < 0 computes it. */
static void ipv4(struct fb *f, unsigned proto, unsigned ihl, unsigned frag,
		 int total, const struct fb *l4)
{
	put8(f, 0x40 | ihl);
	put8(f, 0);
	put16(f, total >= 0 ? (unsigned)total : ihl * 4 + l4->n);
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put(f, V4_SRC, 4);
	put(f, V4_DST, 4);
	for (unsigned i = 5; i < ihl; i++)
		put32(f, 0x01010101);   /* NOP options */
	put(f, l4->b, l4->n);
}

/* IPv6 header; EXT is an already chained run of extension headers. */
static void ipv6(struct fb *f, unsigned nh, int plen, const struct fb *ext,
		 const struct fb *l4)
{
	size_t n = (ext ? ext->n : 0) + l4->n;
	put32(f, 0x60000000);
	put16(f, plen >= 0 ? (unsigned)plen : n);
	put8(f, nh);
	put8(f, 64);
	put(f, V6_SRC, 16);
	put(f, V6_DST, 16);
	if (ext)
		put(f, ext->b, ext->n);
	put(f, l4->b, l4->n);
}

static void eth(struct fb *f, const unsigned *tags, size_t ntags,
		unsigned type, const struct fb *ip)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	put(f, mac, 12);
	for (size_t i = 0; i < ntags; i++) {
		put16(f, tags[i]);
		put16(f, 100 + i);      /* TCI: VLAN id */
	}
	put16(f, type);
	put(f, ip->b, ip->n);
}

static void sll(struct fb *f, unsigned pkttype, unsigned type,
		const struct fb *ip)
{
	put16(f, pkttype);
	put16(f, 1);            /* ARPHRD_ETHER */
	put16(f, 6);
	put32(f, 0x02000000);
	put32(f, 0x00020000);
	put16(f, type);
	put(f, ip->b, ip->n);
}

static void sll2(struct fb *f, unsigned pkttype, unsigned type,
		 const struct fb *ip)
{
	put16(f, type);
	put16(f, 0);
	put32(f, 3);            /* ifindex */
	put16(f, 1);
	put8(f, pkttype);
	put8(f, 6);
	put32(f, 0x02000000);
	put32(f, 0x00020000);
	put(f, ip->b, ip->n);
}

/* Decodes from an exact-size heap copy, so ASan sees any overread. */
static int decode(int lt, const struct fb *f, size_t n, struct knock_event *ev)
{
	uint8_t *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, f->b, n);
	int r = packet_decode(lt, copy, n, ev);
	if (r == 0 && ev->payload_len) {
		/* rebase the payload on the test's frame for comparisons */
		assert_true(ev->payload >= copy && ev->payload + ev->payload_len <= copy + n);
		ev->payload = f->b + (ev->payload - copy);
	} else if (r == 0) {
		ev->payload = NULL;
	}
	free(copy);
	return r;
}

static void expect_v4(const struct knock_event *ev)
{
	assert_int_equal(ev->saddr.family, AF_INET);
	assert_int_equal(ev->daddr.family, AF_INET);
	assert_memory_equal(&ev->saddr.v4, V4_SRC, 4);
	assert_memory_equal(&ev->daddr.v4, V4_DST, 4);
}

static void expect_v6(const struct knock_event *ev)
{
	assert_int_equal(ev->saddr.family, AF_INET6);
	assert_int_equal(ev->daddr.family, AF_INET6);
	assert_memory_equal(&ev->saddr.v6, V6_SRC, 16);
	assert_memory_equal(&ev->daddr.v6, V6_DST, 16);
}

static void expect_payload(const struct knock_event *ev, const char *s)
{
	assert_int_equal(ev->payload_len, strlen(s));
	if (*s)
		assert_memory_equal(ev->payload, s, strlen(s));
}

/* Every strict prefix of F must be refused, and F itself must decode to
 * exactly WANT. */
static void prefixes_refused(int lt, const struct fb *f,
			     const struct knock_event *want)
{
	struct knock_event ev;
	for (size_t k = 0; k < f->n; k++) {
		memset(&ev, 0xa5, sizeof ev);
		struct knock_event before = ev;
		assert_int_not_equal(decode(lt, f, k, &ev), 0);
		/* a refusal leaves the event untouched */
		assert_memory_equal(&ev, &before, sizeof ev);
	}
	assert_int_equal(decode(lt, f, f->n, &ev), 0);
	assert_memory_equal(&ev.saddr, &want->saddr, sizeof ev.saddr);
	assert_memory_equal(&ev.daddr, &want->daddr, sizeof ev.daddr);
	assert_int_equal(ev.proto, want->proto);
	assert_int_equal(ev.sport, want->sport);
	assert_int_equal(ev.dport, want->dport);
	assert_int_equal(ev.tcpflags, want->tcpflags);
	assert_int_equal(ev.payload_len, want->payload_len);
	assert_ptr_equal(ev.payload, want->payload);
}

static void ethernet_ipv4_tcp(void **state)
{
	(void)state;
	struct fb l4 = { 0 }, ip = { 0 }, f = { 0 };
	struct knock_event ev;
	tcp(&l4, 40000, 8881, 0x02, 5, NULL);
	ipv4(&ip, 6, 5, 0x4000, -1, &l4);       /* DF */
	eth(&f, NULL, 0, 0x0800, &ip);
	assert_int_equal(decode(DLT_EN10MB_, &f, f.n, &ev), 0);
	expect_v4(&ev);
	assert_int_equal(ev.proto, PROTO_TCP);
	assert_int_equal(ev.sport, 40000);
	assert_int_equal(ev.dport, 8881);
	assert_int_equal(ev.tcpflags, TCPF_SYN);
	assert_int_equal(ev.payload_len, 0);
	assert_int_equal(ev.time_us, 0);
	prefixes_refused(DLT_EN10MB_, &f, &ev);

	/* Ethernet padding after the datagram is not payload. */
	zeros(&f, 6);
	assert_int_equal(decode(DLT_EN10MB_, &f, f.n, &ev), 0);
	assert_int_equal(ev.payload_len, 0);

	/* Neither ARP nor an 802.3 length field is IP. */
	struct fb g = { 0 };
	eth(&g, NULL, 0, 0x0806, &ip);
	assert_int_not_equal(decode(DLT_EN10MB_, &g, g.n, &ev), 0);
	g.n = 0;
	eth(&g, NULL, 0, ip.n, &ip);
	assert_int_not_equal(decode(DLT_EN10MB_, &g, g.n, &ev), 0);
	/* IPv6 ethertype with an IPv4 datagram behind it */
	g.n = 0;
	eth(&g, NULL, 0, 0x86dd, &ip);
	assert_int_not_equal(decode(DLT_EN10MB_, &g, g.n, &ev), 0);
}

static void ipv4_options_and_udp_payload(void **state)
{
	(void)state;
	struct fb l4 = { 0 }, ip = { 0 }, f = { 0 };
	struct knock_event ev;
	udp(&l4, 5353, 62201, -1, "spa-bytes");
	ipv4(&ip, 17, 8, 0, -1, &l4);           /* 12 bytes of options */
	eth(&f, NULL, 0, 0x0800, &ip);
	assert_int_equal(decode(DLT_EN10MB_, &f, f.n, &ev), 0);
	expect_v4(&ev);
	assert_int_equal(ev.proto, PROTO_UDP);
	assert_int_equal(ev.sport, 5353);
	assert_int_equal(ev.dport, 62201);
	assert_int_equal(ev.tcpflags, 0);
	expect_payload(&ev, "spa-bytes");
	prefixes_refused(DLT_EN10MB_, &f, &ev);

	/* max IHL: 40 bytes of options */
	ip.n = f.n = 0;
	ipv4(&ip, 17, 15, 0, -1, &l4);
	eth(&f, NULL, 0, 0x0800, &ip);
	assert_int_equal(decode(DLT_EN10MB_, &f, f.n, &ev), 0);
	expect_payload(&ev, "spa-bytes");
}

static void vlan_tags(void **state)
{
	(void)state;
	struct fb l4 = { 0 }, ip = { 0 }, f = { 0 };
	struct knock_event ev;
	static const unsigned one[] = { 0x8100 };
	static const unsigned qinq[] = { 0x88a8, 0x8100 };
	static const unsigned old[] = { 0x9100, 0x8100 };
	static const unsigned many[] = { 0x8100, 0x8100, 0x8100, 0x8100, 0x8100 };

	setup_v6();
	tcp(&l4, 1234, 7777, 0x02, 5, NULL);
	ipv4(&ip, 6, 5, 0, -1, &l4);
	eth(&f, one, 1, 0x0800, &ip);
	assert_int_equal(decode(DLT_EN10MB_, &f, f.n, &ev), 0);
	expect_v4(&ev);
	assert_int_equal(ev.dport, 7777);
	prefixes_refused(DLT_EN10MB_, &f, &ev);

	f.n = 0;
	eth(&f, qinq, 2, 0x0800, &ip);
	assert_int_equal(decode(DLT_EN10MB_, &f, f.n, &ev), 0);
	assert_int_equal(ev.dport, 7777);
	prefixes_refused(DLT_EN10MB_, &f, &ev);

	f.n = 0;
	eth(&f, old, 2, 0x0800, &ip);
	assert_int_equal(decode(DLT_EN10MB_, &f, f.n, &ev), 0);

	f.n = 0;
	eth(&f, many, 5, 0x0800, &ip);
	assert_int_not_equal(decode(DLT_EN10MB_, &f, f.n, &ev), 0);

	/* IPv6 behind a tag */
	ip.n = f.n = 0;
	ipv6(&ip, 6, -1, NULL, &l4);
	eth(&f, qinq, 2, 0x86dd, &ip);
	assert_int_equal(decode(DLT_EN10MB_, &f, f.n, &ev), 0);
	expect_v6(&ev);
	assert_int_equal(ev.dport, 7777);
}

static void cooked_headers(void **state)
{
	(void)state;
	struct fb l4 = { 0 }, ip4 = { 0 }, ip6 = { 0 }, f = { 0 };
	struct knock_event ev;

	setup_v6();
	udp(&l4, 999, 9991, -1, "x");
	ipv4(&ip4, 17, 5, 0, -1, &l4);
	ipv6(&ip6, 17, -1, NULL, &l4);

	sll(&f, 0, 0x0800, &ip4);               /* PACKET_HOST */
	assert_int_equal(decode(DLT_SLL_, &f, f.n, &ev), 0);
	expect_v4(&ev);
	assert_int_equal(ev.dport, 9991);
	expect_payload(&ev, "x");
	prefixes_refused(DLT_SLL_, &f, &ev);

	f.n = 0;
	sll(&f, 1, 0x86dd, &ip6);               /* PACKET_BROADCAST */
	assert_int_equal(decode(DLT_SLL_, &f, f.n, &ev), 0);
	expect_v6(&ev);
	prefixes_refused(DLT_SLL_, &f, &ev);

	f.n = 0;
	sll(&f, 4, 0x0800, &ip4);               /* PACKET_OUTGOING: ours */
	assert_int_not_equal(decode(DLT_SLL_, &f, f.n, &ev), 0);

	f.n = 0;
	sll2(&f, 0, 0x0800, &ip4);
	assert_int_equal(decode(DLT_SLL2_, &f, f.n, &ev), 0);
	expect_v4(&ev);
	assert_int_equal(ev.proto, PROTO_UDP);
	prefixes_refused(DLT_SLL2_, &f, &ev);

	f.n = 0;
	sll2(&f, 0, 0x86dd, &ip6);
	assert_int_equal(decode(DLT_SLL2_, &f, f.n, &ev), 0);
	expect_v6(&ev);
	prefixes_refused(DLT_SLL2_, &f, &ev);

	f.n = 0;
	sll2(&f, 4, 0x86dd, &ip6);
	assert_int_not_equal(decode(DLT_SLL2_, &f, f.n, &ev), 0);

	/* a v1 frame read as v2 is garbage */
	f.n = 0;
	sll(&f, 0, 0x0800, &ip4);
	assert_int_not_equal(decode(DLT_SLL2_, &f, f.n, &ev), 0);
}

static void raw_and_loopback(void **state)
{
	(void)state;
	struct fb l4 = { 0 }, ip4 = { 0 }, ip6 = { 0 }, f = { 0 };
	struct knock_event ev;

	setup_v6();
	tcp(&l4, 1, 2, 0x12, 6, "data");
	ipv4(&ip4, 6, 5, 0, -1, &l4);
	ipv6(&ip6, 6, -1, NULL, &l4);

	assert_int_equal(decode(DLT_RAW_, &ip4, ip4.n, &ev), 0);
	expect_v4(&ev);
	assert_int_equal(ev.tcpflags, TCPF_SYN | TCPF_ACK);
	expect_payload(&ev, "data");
	prefixes_refused(DLT_RAW_, &ip4, &ev);
	assert_int_equal(decode(DLT_RAW_, &ip6, ip6.n, &ev), 0);
	expect_v6(&ev);
	expect_payload(&ev, "data");
	prefixes_refused(DLT_RAW_, &ip6, &ev);
	assert_int_equal(decode(101, &ip6, ip6.n, &ev), 0);     /* LINKTYPE_RAW */
	assert_int_equal(decode(228, &ip4, ip4.n, &ev), 0);     /* DLT_IPV4 */
	assert_int_not_equal(decode(228, &ip6, ip6.n, &ev), 0);
	assert_int_equal(decode(229, &ip6, ip6.n, &ev), 0);     /* DLT_IPV6 */

	/* DLT_NULL: the writer's byte order */
	put(&f, (uint8_t[]){ 2, 0, 0, 0 }, 4);
	put(&f, ip4.b, ip4.n);
	assert_int_equal(decode(DLT_NULL_, &f, f.n, &ev), 0);
	expect_v4(&ev);
	prefixes_refused(DLT_NULL_, &f, &ev);
	f.n = 0;
	put(&f, (uint8_t[]){ 0, 0, 0, 2 }, 4);
	put(&f, ip4.b, ip4.n);
	assert_int_equal(decode(DLT_NULL_, &f, f.n, &ev), 0);
	assert_int_equal(decode(DLT_LOOP_, &f, f.n, &ev), 0);
	f.n = 0;
	put(&f, (uint8_t[]){ 30, 0, 0, 0 }, 4);        /* Darwin AF_INET6 */
	put(&f, ip6.b, ip6.n);
	assert_int_equal(decode(DLT_NULL_, &f, f.n, &ev), 0);
	expect_v6(&ev);
	prefixes_refused(DLT_NULL_, &f, &ev);
	assert_int_not_equal(decode(DLT_LOOP_, &f, f.n, &ev), 0);
	f.n = 0;
	put(&f, (uint8_t[]){ 0, 0, 0, 24 }, 4);        /* BSD AF_INET6 */
	put(&f, ip6.b, ip6.n);
	assert_int_equal(decode(DLT_LOOP_, &f, f.n, &ev), 0);
	/* family and version disagree */
	f.n = 0;
	put(&f, (uint8_t[]){ 2, 0, 0, 0 }, 4);
	put(&f, ip6.b, ip6.n);
	assert_int_not_equal(decode(DLT_NULL_, &f, f.n, &ev), 0);
	f.n = 0;
	put(&f, (uint8_t[]){ 7, 0, 0, 0 }, 4);
	put(&f, ip4.b, ip4.n);
	assert_int_not_equal(decode(DLT_NULL_, &f, f.n, &ev), 0);

	/* unknown link type, NULL frame */
	assert_int_not_equal(decode(105, &ip4, ip4.n, &ev), 0);
	assert_int_not_equal(packet_decode(DLT_RAW_, NULL, 0, &ev), 0);
	assert_int_not_equal(packet_decode(DLT_RAW_, NULL, 40, &ev), 0);
}

/* Extension header helpers: NH is the header after this one. */
static void ext_opts(struct fb *f, unsigned nh, unsigned len8)
{
	put8(f, nh);
	put8(f, len8);
	put16(f, 0x0104);       /* PadN, 4 bytes */
	put32(f, 0);
	for (unsigned i = 0; i < len8; i++) {
		put32(f, 0x01060000);
		put32(f, 0);
	}
}

static void ext_frag(struct fb *f, unsigned nh, unsigned offset, bool more)
{
	put8(f, nh);
	put8(f, 0);
	put16(f, offset << 3 | (more ? 1 : 0));
	put32(f, 0xcafe);
}

static void ext_ah(struct fb *f, unsigned nh)
{
	put8(f, nh);
	put8(f, 4);             /* (4 + 2) * 4 = 24 bytes */
	put16(f, 0);
	put32(f, 0x100);        /* SPI */
	put32(f, 1);            /* sequence */
	zeros(f, 12);           /* ICV */
}

static void ipv6_extension_chain(void **state)
{
	(void)state;
	struct fb l4 = { 0 }, ext = { 0 }, ip = { 0 }, f = { 0 };
	struct knock_event ev;

	setup_v6();
	udp(&l4, 4444, 62201, -1, "payload");
	/* hop-by-hop, destination options, routing, fragment, AH, UDP */
	ext_opts(&ext, 60, 1);
	ext_opts(&ext, 43, 0);
	put8(&ext, 44);                 /* routing: type 0 segments left 0 */
	put8(&ext, 2);
	put16(&ext, 0);
	put32(&ext, 0);
	zeros(&ext, 16);
	ext_frag(&ext, 51, 0, false);   /* atomic fragment */
	ext_ah(&ext, 17);
	ipv6(&ip, 0, -1, &ext, &l4);
	eth(&f, NULL, 0, 0x86dd, &ip);
	assert_int_equal(decode(DLT_EN10MB_, &f, f.n, &ev), 0);
	expect_v6(&ev);
	assert_int_equal(ev.proto, PROTO_UDP);
	assert_int_equal(ev.sport, 4444);
	assert_int_equal(ev.dport, 62201);
	expect_payload(&ev, "payload");
	prefixes_refused(DLT_EN10MB_, &f, &ev);

	/* hop-by-hop anywhere but first is refused */
	ext.n = ip.n = 0;
	ext_opts(&ext, 0, 0);
	ext_opts(&ext, 17, 0);
	ipv6(&ip, 60, -1, &ext, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);

	/* ESP and no-next-header stop the walk */
	ext.n = ip.n = 0;
	ext_opts(&ext, 50, 0);
	ipv6(&ip, 60, -1, &ext, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	ext.n = ip.n = 0;
	ext_opts(&ext, 59, 0);
	ipv6(&ip, 60, -1, &ext, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	ip.n = 0;
	ipv6(&ip, 50, -1, NULL, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);

	/* eight extension headers pass, nine are too many */
	ext.n = ip.n = 0;
	for (int i = 0; i < 7; i++)
		ext_opts(&ext, 60, 0);
	ext_opts(&ext, 17, 0);
	ipv6(&ip, 60, -1, &ext, &l4);
	assert_int_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	expect_payload(&ev, "payload");
	ext.n = ip.n = 0;
	for (int i = 0; i < 8; i++)
		ext_opts(&ext, 60, 0);
	ext_opts(&ext, 17, 0);
	ipv6(&ip, 60, -1, &ext, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);

	/* an extension header longer than the payload length */
	ext.n = ip.n = 0;
	ext_opts(&ext, 17, 0);
	ext.b[1] = 200;
	ipv6(&ip, 60, -1, &ext, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
}

static void ipv6_lengths(void **state)
{
	(void)state;
	struct fb l4 = { 0 }, ip = { 0 };
	struct knock_event ev;

	setup_v6();
	tcp(&l4, 5, 6, 0x02, 5, "abc");
	/* payload length beyond the data */
	ipv6(&ip, 6, l4.n + 1, NULL, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	/* jumbogram marker */
	ip.n = 0;
	ipv6(&ip, 6, 0, NULL, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	/* shorter: the TCP payload is cut at the payload length */
	ip.n = 0;
	ipv6(&ip, 6, l4.n - 2, NULL, &l4);
	assert_int_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	expect_payload(&ev, "a");
	/* version */
	ip.n = 0;
	ipv6(&ip, 6, -1, NULL, &l4);
	ip.b[0] = 0x40;
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	ip.b[0] = 0x50;
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
}

static void fragments(void **state)
{
	(void)state;
	struct fb l4 = { 0 }, ip = { 0 }, ext = { 0 };
	struct knock_event ev;

	setup_v6();
	tcp(&l4, 1000, 8881, 0x02, 5, NULL);
	/* IPv4 first fragment (MF, offset 0) with the whole TCP header */
	ipv4(&ip, 6, 5, 0x2000, -1, &l4);
	assert_int_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	assert_int_equal(ev.dport, 8881);
	/* ... but not when the TCP header is cut by the fragment */
	ip.n = 0;
	ipv4(&ip, 6, 5, 0x2000, 20 + 12, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	/* non-first fragments never */
	ip.n = 0;
	ipv4(&ip, 6, 5, 0x2000 | 185, -1, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	ip.n = 0;
	ipv4(&ip, 6, 5, 1, -1, &l4);            /* last fragment, offset 8 */
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);

	/* UDP first fragment: the length covers the whole datagram */
	struct fb u = { 0 };
	udp(&u, 7, 62201, 8 + 1400, "first-part");
	ip.n = 0;
	ipv4(&ip, 17, 5, 0x2000, -1, &u);
	assert_int_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	expect_payload(&ev, "first-part");
	/* the same without MF is a length mismatch */
	ip.n = 0;
	ipv4(&ip, 17, 5, 0, -1, &u);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);

	/* IPv6 fragment header: first fragment ok, others refused */
	ext_frag(&ext, 6, 0, true);
	ip.n = 0;
	ipv6(&ip, 44, -1, &ext, &l4);
	assert_int_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	assert_int_equal(ev.dport, 8881);
	ext.n = ip.n = 0;
	ext_frag(&ext, 6, 1, true);
	ipv6(&ip, 44, -1, &ext, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	ext.n = ip.n = 0;
	ext_frag(&ext, 6, 100, false);
	ipv6(&ip, 44, -1, &ext, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	ext.n = ip.n = 0;
	ext_frag(&ext, 17, 0, true);
	ipv6(&ip, 44, -1, &ext, &u);
	assert_int_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	expect_payload(&ev, "first-part");
}

static void bad_ipv4_headers(void **state)
{
	(void)state;
	struct fb l4 = { 0 }, ip = { 0 };
	struct knock_event ev;

	tcp(&l4, 1, 2, 0x02, 5, NULL);
	for (unsigned ihl = 0; ihl < 5; ihl++) {
		ip.n = 0;
		ipv4(&ip, 6, 5, 0, -1, &l4);
		ip.b[0] = 0x40 | ihl;
		assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	}
	/* IHL larger than the total length, and than the frame */
	ip.n = 0;
	ipv4(&ip, 6, 5, 0, -1, &l4);
	ip.b[0] = 0x4f;
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	ip.n = 0;
	ipv4(&ip, 6, 5, 0, 60, &l4);
	ip.b[0] = 0x4f;
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	/* total length below IHL, beyond the frame */
	ip.n = 0;
	ipv4(&ip, 6, 5, 0, 19, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	ip.n = 0;
	ipv4(&ip, 6, 5, 0, 20 + l4.n + 1, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	/* total length cuts the TCP header */
	ip.n = 0;
	ipv4(&ip, 6, 5, 0, 20 + 19, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	/* wrong version, other protocols */
	ip.n = 0;
	ipv4(&ip, 6, 5, 0, -1, &l4);
	ip.b[0] = 0x65;
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	ip.n = 0;
	ipv4(&ip, 1, 5, 0, -1, &l4);            /* ICMP */
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	ip.n = 0;
	ipv4(&ip, 132, 5, 0, -1, &l4);          /* SCTP */
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
}

static void bad_tcp_data_offset(void **state)
{
	(void)state;
	struct fb l4 = { 0 }, ip = { 0 };
	struct knock_event ev;

	for (unsigned doff = 0; doff < 5; doff++) {
		l4.n = ip.n = 0;
		tcp(&l4, 1, 2, 0x02, 5, "xyz");
		l4.b[12] = doff << 4;
		ipv4(&ip, 6, 5, 0, -1, &l4);
		assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	}
	/* data offset beyond the segment */
	l4.n = ip.n = 0;
	tcp(&l4, 1, 2, 0x02, 5, "xyz");
	l4.b[12] = 6 << 4;
	ipv4(&ip, 6, 5, 0, -1, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	/* exactly to the end: options eat the "payload", nothing left */
	l4.n = ip.n = 0;
	tcp(&l4, 1, 2, 0x02, 5, "wxyz");
	l4.b[12] = 6 << 4;
	ipv4(&ip, 6, 5, 0, -1, &l4);
	assert_int_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	assert_int_equal(ev.payload_len, 0);
	/* max data offset, with options */
	l4.n = ip.n = 0;
	tcp(&l4, 1, 2, 0xc2, 15, "p");          /* SYN with ECE|CWR */
	ipv4(&ip, 6, 5, 0, -1, &l4);
	assert_int_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	assert_int_equal(ev.tcpflags, 0xc2);
	expect_payload(&ev, "p");
	prefixes_refused(DLT_RAW_, &ip, &ev);
}

static void udp_length(void **state)
{
	(void)state;
	struct fb l4 = { 0 }, ip = { 0 };
	struct knock_event ev;

	udp(&l4, 1, 2, 8 + 6, "abcdef");
	ipv4(&ip, 17, 5, 0, -1, &l4);
	assert_int_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	expect_payload(&ev, "abcdef");
	/* longer than the data */
	l4.n = ip.n = 0;
	udp(&l4, 1, 2, 8 + 7, "abcdef");
	ipv4(&ip, 17, 5, 0, -1, &l4);
	assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	/* shorter than a header */
	for (int ulen = 0; ulen < 8; ulen++) {
		l4.n = ip.n = 0;
		udp(&l4, 1, 2, ulen, "abcdef");
		ipv4(&ip, 17, 5, 0, -1, &l4);
		assert_int_not_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	}
	/* shorter than the data: the payload ends where UDP says */
	l4.n = ip.n = 0;
	udp(&l4, 1, 2, 8 + 3, "abcdef");
	ipv4(&ip, 17, 5, 0, -1, &l4);
	assert_int_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	expect_payload(&ev, "abc");
	/* empty datagram */
	l4.n = ip.n = 0;
	udp(&l4, 1, 2, -1, NULL);
	ipv4(&ip, 17, 5, 0, -1, &l4);
	assert_int_equal(decode(DLT_RAW_, &ip, ip.n, &ev), 0);
	assert_int_equal(ev.payload_len, 0);
	assert_null(ev.payload);
	prefixes_refused(DLT_RAW_, &ip, &ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ethernet_ipv4_tcp),
		cmocka_unit_test(ipv4_options_and_udp_payload),
		cmocka_unit_test(vlan_tags),
		cmocka_unit_test(cooked_headers),
		cmocka_unit_test(raw_and_loopback),
		cmocka_unit_test(ipv6_extension_chain),
		cmocka_unit_test(ipv6_lengths),
		cmocka_unit_test(fragments),
		cmocka_unit_test(bad_ipv4_headers),
		cmocka_unit_test(bad_tcp_data_offset),
		cmocka_unit_test(udp_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
