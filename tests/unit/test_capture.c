/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of capture: the BPF filter built from a config, savefiles
 * through the dispatch path, and (as root, in a private network
 * namespace of this process) live capture, the locked filter, interface
 * loss and the default-route interface. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "capture.h"
#include "filter_doors.h"
#include "capture_filter.h"
#include "route.h"
#include "config.h"
#include "spa.h"

/* ---- configs ---------------------------------------------------------- */

static void door_target(struct door *d, const char *a)
{
	assert_true(addr_parse(a, &d->target));
}

static void door_spa(struct door *d, uint16_t port)
{
	d->spa_format = SPA_FORMAT_SESAME;
	d->spa_port = port;
}

#define EXT6 "(ip6 and (ip6[6] == 0 or ip6[6] == 43 or ip6[6] == 44" \
	" or ip6[6] == 51 or ip6[6] == 60)) or "

static char filt[CAPTURE_FILTER_MAX];

static const char *build(struct door *doors, size_t n)
{
	struct config cfg = { .doors = doors, .ndoors = n };
	int r = capture_filter_build(&cfg, filt, sizeof filt);
	assert_true(r > 0);
	assert_int_equal((size_t)r, strlen(filt));
	return filt;
}

/* The filter must compile for every link type we may capture on, and
 * the Ethernet VLAN form too. */
static void compiles(const char *f)
{
	static const int dlts[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2,
				    DLT_RAW, DLT_NULL };
	char vlan[2 * CAPTURE_FILTER_MAX + 64];

	for (size_t i = 0; i < sizeof dlts / sizeof dlts[0]; i++) {
		pcap_t *p = pcap_open_dead(dlts[i], CAPTURE_SNAPLEN);
		struct bpf_program prog;
		assert_non_null(p);
		if (pcap_compile(p, &prog, f, 1, PCAP_NETMASK_UNKNOWN) < 0)
			fail_msg("dlt %d: %s: %s", dlts[i], pcap_geterr(p), f);
		pcap_freecode(&prog);
		if (dlts[i] == DLT_EN10MB) {
			snprintf(vlan, sizeof vlan, "(%s) or (vlan and (%s))", f, f);
			if (pcap_compile(p, &prog, vlan, 1, PCAP_NETMASK_UNKNOWN) < 0)
				fail_msg("vlan: %s", pcap_geterr(p));
			pcap_freecode(&prog);
		}
		pcap_close(p);
	}
}

static void filter_sequence_doors(void **state)
{
	(void)state;
	struct door d[3];

	door_init(&d[0], "openSSH");
	door_seq(&d[0], 7000, PROTO_TCP);
	door_seq(&d[0], 8000, PROTO_TCP);
	door_seq(&d[0], 9000, PROTO_TCP);
	assert_string_equal(build(d, 1),
		EXT6 "((tcp dst port 7000 or tcp dst port 8000 or tcp dst port 9000))");
	compiles(filt);

	/* repeated ports appear once, sorted; UDP apart */
	door_init(&d[0], "mixed");
	door_seq(&d[0], 8881, PROTO_TCP);
	door_seq(&d[0], 7777, PROTO_UDP);
	door_seq(&d[0], 8881, PROTO_TCP);
	door_seq(&d[0], 9991, PROTO_UDP);
	door_seq(&d[0], 7777, PROTO_TCP);
	assert_string_equal(build(d, 1),
		EXT6 "((tcp dst port 7777 or tcp dst port 8881)) or "
		"((udp dst port 7777 or udp dst port 9991))");
	compiles(filt);

	/* TCPFlags syn,!ack: IPv4 pre-filtered on the flags byte */
	door_init(&d[1], "flags");
	door_seq(&d[1], 1000, PROTO_TCP);
	door_seq(&d[1], 2000, PROTO_UDP);
	d[1].has_tcpflags = true;
	d[1].tcpflags_set = TCPF_SYN;
	d[1].tcpflags_clear = TCPF_ACK;
	/* a door with Target */
	door_init(&d[2], "target6");
	door_seq(&d[2], 3000, PROTO_UDP);
	door_target(&d[2], "2001:db8:5e5::1");
	/* doors pooled by condition: the flagged TCP port apart, the UDP
	 * ports of both doors in one list, the Target door apart */
	assert_string_equal(build(d, 3),
		EXT6 "((tcp dst port 7777 or tcp dst port 8881)) or "
		"((udp dst port 2000 or udp dst port 7777 or udp dst port 9991)) or "
		"((ip6 or tcp[13] & 0x12 == 0x02) and (tcp dst port 1000)) or "
		"(dst host 2001:db8:5e5::1 and (udp dst port 3000))");
	compiles(filt);
}

static void filter_spa_and_one_time_doors(void **state)
{
	(void)state;
	struct door d[3];
	char onetime[] = "/etc/knockd/seqs";

	door_init(&d[0], "spa");
	door_spa(&d[0], 62201);
	door_target(&d[0], "198.18.0.1");
	door_init(&d[1], "once");
	d[1].one_time_file = onetime;
	d[1].has_tcpflags = true;
	d[1].tcpflags_set = TCPF_SYN;
	/* neither sequence nor SPA: no packets wanted */
	door_init(&d[2], "empty");
	assert_string_equal(build(d, 3),
		EXT6 "(dst host 198.18.0.1 and (udp dst port 62201)) or "
		"((ip6 or tcp[13] & 0x02 == 0x02) and tcp) or (udp)");
	compiles(filt);

	/* TCPFlags given with no flag at all filters nothing */
	d[1].tcpflags_set = 0;
	assert_string_equal(build(&d[1], 1), EXT6 "(tcp) or (udp)");
	compiles(filt);
}

/* The snap length follows the door set: headers for knocks, a few hundred
 * bytes for native SPA, the full length as soon as one door is fwknop. */
static void snaplen_by_doors(void **state)
{
	(void)state;
	static struct door doors[3];
	struct config cfg = { .doors = doors, .ndoors = 1 };
	door_init(&doors[0], "knock");
	door_seq(&doors[0], 7000, PROTO_TCP);
	assert_int_equal(capture_snaplen(&cfg), CAPTURE_SNAPLEN_HEADERS);
	door_init(&doors[1], "spa");
	door_spa(&doors[1], 62201);
	cfg.ndoors = 2;
	assert_int_equal(capture_snaplen(&cfg), CAPTURE_SNAPLEN_SPA);
	door_init(&doors[2], "fwk");
	door_spa(&doors[2], 62202);
	doors[2].spa_format = SPA_FORMAT_FWKNOP;
	cfg.ndoors = 3;
	assert_int_equal(capture_snaplen(&cfg), CAPTURE_SNAPLEN);
	/* A native datagram fits at the short length with two VLAN tags
	 * and a 40-byte IPv6 header plus 64 bytes of extension headers. */
	assert_true(14 + 8 + 40 + 64 + 8 + SPA_PACKET_LEN <= CAPTURE_SNAPLEN_SPA);
}

static void filter_errors(void **state)
{
	(void)state;
	struct door d[2];
	struct config cfg = { .doors = d, .ndoors = 0 };
	char small[64];

	assert_int_equal(capture_filter_build(&cfg, filt, sizeof filt), -EINVAL);
	door_init(&d[0], "nothing");
	cfg.ndoors = 1;
	assert_int_equal(capture_filter_build(&cfg, filt, sizeof filt), -EINVAL);
	assert_int_equal(capture_filter_build(NULL, filt, sizeof filt), -EINVAL);

	/* every buffer shorter than text + NUL is refused, never cut */
	door_init(&d[1], "big");
	for (int i = 0; i < CONFIG_SEQ_MAX; i++)
		door_seq(&d[1], 10000 + i, i % 2 ? PROTO_UDP : PROTO_TCP);
	door_spa(&d[1], 62201);
	cfg.ndoors = 2;
	int need = capture_filter_build(&cfg, filt, sizeof filt);
	assert_true(need > 0);
	compiles(filt);
	char *copy = strdup(filt);
	for (int len = 1; len <= need; len++) {
		char *b = malloc(len);
		assert_int_equal(capture_filter_build(&cfg, b, len), -ENOSPC);
		assert_int_equal(b[0], '\0');
		free(b);
	}
	char *b = malloc(need + 1);
	assert_int_equal(capture_filter_build(&cfg, b, need + 1), need);
	assert_string_equal(b, copy);
	free(b);
	free(copy);
	assert_int_equal(capture_filter_build(&cfg, small, 0), -EINVAL);
}

/* ---- frames ------------------------------------------------------------ */

struct fb {
	uint8_t b[256];
	size_t n;
};

static void put(struct fb *f, const void *p, size_t n)
{
	assert_true(f->n + n <= sizeof f->b);
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put8(struct fb *f, unsigned v) { uint8_t b = v; put(f, &b, 1); }
static void put16(struct fb *f, unsigned v) { put8(f, v >> 8); put8(f, v); }
static void put32(struct fb *f, uint32_t v) { put16(f, v >> 16); put16(f, v); }

static void l4_tcp(struct fb *f, unsigned dport, unsigned flags)
{
	put16(f, 40000);
	put16(f, dport);
	put32(f, 1);
	put32(f, 0);
	put8(f, 5 << 4);
	put8(f, flags);
	put16(f, 1024);
	put32(f, 0);
}

static void l4_udp(struct fb *f, unsigned dport, const char *payload)
{
	size_t n = strlen(payload);
	put16(f, 40001);
	put16(f, dport);
	put16(f, 8 + n);
	put16(f, 0);
	put(f, payload, n);
}

static void ip4(struct fb *f, const char *src, const char *dst, unsigned proto,
		const struct fb *l4)
{
	uint8_t a[4];
	put8(f, 0x45);
	put8(f, 0);
	put16(f, 20 + l4->n);
	put16(f, 1);
	put16(f, 0x4000);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	assert_int_equal(inet_pton(AF_INET, src, a), 1);
	put(f, a, 4);
	assert_int_equal(inet_pton(AF_INET, dst, a), 1);
	put(f, a, 4);
	put(f, l4->b, l4->n);
}

/* IPv6; with HBH, one hop-by-hop header goes first; FRAG_OFF > 0 makes
 * it a non-first fragment instead. */
static void ip6(struct fb *f, unsigned proto, bool hbh, unsigned frag_off,
		const struct fb *l4)
{
	uint8_t a[16];
	size_t ext = hbh || frag_off ? 8 : 0;
	put32(f, 0x60000000);
	put16(f, ext + l4->n);
	put8(f, hbh ? 0 : frag_off ? 44 : proto);
	put8(f, 64);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:5e5::2", a), 1);
	put(f, a, 16);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:5e5::1", a), 1);
	put(f, a, 16);
	if (hbh) {
		put8(f, proto);
		put8(f, 0);
		put16(f, 0x0104);
		put32(f, 0);
	} else if (frag_off) {
		put8(f, proto);
		put8(f, 0);
		put16(f, frag_off << 3);
		put32(f, 7);
	}
	put(f, l4->b, l4->n);
}

static void eth(struct fb *f, bool vlan, unsigned type, const struct fb *ip)
{
	static const uint8_t mac[12] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 2 };
	put(f, mac, 12);
	if (vlan) {
		put16(f, 0x8100);
		put16(f, 42);
	}
	put16(f, type);
	put(f, ip->b, ip->n);
}

static void sll(struct fb *f, unsigned type, const struct fb *ip)
{
	put16(f, 0);
	put16(f, 1);
	put16(f, 6);
	put32(f, 0x02000000);
	put32(f, 0x02000000);
	put16(f, type);
	put(f, ip->b, ip->n);
}

/* Frame kinds for the tests below. */
enum kind { V4_TCP, V4_UDP, V6_TCP, V6_UDP_HBH, V6_FRAG, VLAN_V4_TCP, ARP };

static void frame(struct fb *f, int dlt, enum kind k, const char *dst,
		  unsigned dport, unsigned flags, const char *payload)
{
	struct fb l4 = { 0 }, ip = { 0 };
	unsigned type = 0x0800;

	switch (k) {
	case V4_TCP: case VLAN_V4_TCP:
		l4_tcp(&l4, dport, flags);
		ip4(&ip, "198.18.0.2", dst, 6, &l4);
		break;
	case V4_UDP:
		l4_udp(&l4, dport, payload);
		ip4(&ip, "198.18.0.2", dst, 17, &l4);
		break;
	case V6_TCP:
		l4_tcp(&l4, dport, flags);
		ip6(&ip, 6, false, 0, &l4);
		type = 0x86dd;
		break;
	case V6_UDP_HBH:
		l4_udp(&l4, dport, payload);
		ip6(&ip, 17, true, 0, &l4);
		type = 0x86dd;
		break;
	case V6_FRAG:
		l4_udp(&l4, dport, payload);
		ip6(&ip, 17, false, 10, &l4);
		type = 0x86dd;
		break;
	case ARP:
		put32(&ip, 0x00010800);
		put32(&ip, 0x06040001);
		type = 0x0806;
		break;
	}
	f->n = 0;
	if (dlt == DLT_EN10MB)
		eth(f, k == VLAN_V4_TCP, type, &ip);
	else
		sll(f, type, &ip);
}

/* ---- savefiles --------------------------------------------------------- */

struct got {
	struct knock_event ev[32];
	char payload[32][32];
	size_t n;
};

static void collect(void *ctx, const struct knock_event *ev)
{
	struct got *g = ctx;
	assert_true(g->n < 32);
	g->ev[g->n] = *ev;
	/* the payload pointer is only valid during the callback */
	assert_true(ev->payload_len < sizeof g->payload[0]);
	if (ev->payload_len)
		memcpy(g->payload[g->n], ev->payload, ev->payload_len);
	g->payload[g->n][ev->payload_len] = '\0';
	g->ev[g->n].payload = NULL;
	g->n++;
}

struct pkt {
	enum kind kind;
	const char *dst;
	unsigned dport, flags;
	const char *payload;
	bool want;              /* an event is expected */
	bool undecodable;       /* passes the filter, refused by decode */
};

static const uint64_t T0 = 1700000000000000ull + 123456;

static void write_savefile(const char *path, int dlt, const struct pkt *p,
			   size_t n)
{
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(dlt, 65535,
				PCAP_TSTAMP_PRECISION_MICRO);
	assert_non_null(dead);
	pcap_dumper_t *dump = pcap_dump_open(dead, path);
	assert_non_null(dump);
	for (size_t i = 0; i < n; i++) {
		struct fb f;
		struct pcap_pkthdr h = { 0 };
		uint64_t t = T0 + i * 1001;
		frame(&f, dlt, p[i].kind, p[i].dst, p[i].dport, p[i].flags,
		      p[i].payload ? p[i].payload : "");
		h.ts.tv_sec = t / 1000000;
		h.ts.tv_usec = t % 1000000;
		h.caplen = h.len = f.n;
		pcap_dump((u_char *)dump, &h, f.b);
	}
	pcap_dump_close(dump);
	pcap_close(dead);
}

static void check_events(const struct got *g, const struct pkt *p, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!p[i].want)
			continue;
		assert_true(k < g->n);
		const struct knock_event *ev = &g->ev[k];
		assert_int_equal(ev->dport, p[i].dport);
		assert_int_equal(ev->time_us, T0 + i * 1001);
		bool tcp = p[i].kind == V4_TCP || p[i].kind == V6_TCP ||
			   p[i].kind == VLAN_V4_TCP;
		assert_int_equal(ev->proto, tcp ? PROTO_TCP : PROTO_UDP);
		if (tcp)
			assert_int_equal(ev->tcpflags, p[i].flags);
		bool v6 = p[i].kind == V6_TCP || p[i].kind == V6_UDP_HBH;
		assert_int_equal(ev->saddr.family, v6 ? AF_INET6 : AF_INET);
		if (!v6) {
			struct addr dst;
			assert_true(addr_parse(p[i].dst, &dst));
			assert_true(addr_equal(&ev->daddr, &dst));
		}
		assert_string_equal(g->payload[k], p[i].payload ? p[i].payload : "");
		k++;
	}
	assert_int_equal(k, g->n);
}

/* Door A: 8881/tcp (syn,!ack) and 9991/udp; door B: 7000/tcp to
 * 198.18.0.1 only; door C: SPA on 62201. */
static struct config *test_config(struct door *d)
{
	static struct config cfg;
	door_init(&d[0], "A");
	door_seq(&d[0], 8881, PROTO_TCP);
	door_seq(&d[0], 9991, PROTO_UDP);
	d[0].has_tcpflags = true;
	d[0].tcpflags_set = TCPF_SYN;
	d[0].tcpflags_clear = TCPF_ACK;
	door_init(&d[1], "B");
	door_seq(&d[1], 7000, PROTO_TCP);
	door_target(&d[1], "198.18.0.1");
	door_init(&d[2], "C");
	door_spa(&d[2], 62201);
	memset(&cfg, 0, sizeof cfg);
	cfg.doors = d;
	cfg.ndoors = 3;
	return &cfg;
}

static const char *D1 = "198.18.0.1", *D9 = "198.18.0.9";
#define SYN TCPF_SYN
#define ACK TCPF_ACK

static const struct pkt ether_pkts[] = {
	{ V4_TCP, "198.18.0.1", 8881, SYN, NULL, true, false },
	{ V4_TCP, "198.18.0.1", 8881, SYN | ACK, NULL, false, false },
	{ V4_TCP, "198.18.0.1", 8882, SYN, NULL, false, false },
	{ V4_UDP, "198.18.0.1", 8881, 0, "x", false, false },
	{ V4_UDP, "198.18.0.1", 9991, 0, "knock", true, false },
	/* IPv6 is not flag-filtered by BPF: the door ignores it */
	{ V6_TCP, NULL, 8881, ACK, NULL, true, false },
	{ VLAN_V4_TCP, "198.18.0.1", 8881, SYN, NULL, true, false },
	{ VLAN_V4_TCP, "198.18.0.1", 8881, SYN | ACK, NULL, false, false },
	{ V6_UDP_HBH, NULL, 9991, 0, "hbh", true, false },
	{ V6_FRAG, NULL, 9991, 0, "frag", false, true },
	{ V4_UDP, "198.18.0.1", 62201, 0, "spa-packet", true, false },
	{ V4_TCP, "198.18.0.9", 7000, SYN, NULL, false, false },
	{ V4_TCP, "198.18.0.1", 7000, SYN | ACK, NULL, true, false },
	{ ARP, "198.18.0.1", 0, 0, NULL, false, false },
	/* door C has no Target: any destination */
	{ V4_UDP, "198.18.0.9", 62201, 0, "elsewhere", true, false },
};
#define NPKTS (sizeof ether_pkts / sizeof ether_pkts[0])

static void savefile_path(char *buf, size_t len, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(buf, len, "%s/sesame-test-capture-%ld-%s.pcap",
		 tmp ? tmp : "/tmp", (long)getpid(), name);
}

static void savefile_ethernet(void **state)
{
	(void)state;
	struct door d[3];
	struct config *cfg = test_config(d);
	char path[256];
	struct capture *c;
	struct capture_stats st;
	struct got g = { 0 };
	size_t want = 0, bad = 0;

	(void)D1; (void)D9;
	assert_true(capture_filter_build(cfg, filt, sizeof filt) > 0);
	savefile_path(path, sizeof path, "eth");
	write_savefile(path, DLT_EN10MB, ether_pkts, NPKTS);

	assert_int_equal(capture_open_file(path, filt, &c), 0);
	assert_int_equal(capture_linktype(c), DLT_EN10MB);
	assert_int_equal(capture_fd(c), -1);
	for (size_t i = 0; i < NPKTS; i++) {
		want += ether_pkts[i].want;
		bad += ether_pkts[i].undecodable;
	}
	assert_int_equal(capture_dispatch(c, 0, collect, &g), want + bad);
	assert_int_equal(capture_dispatch(c, 0, collect, &g), 0);     /* EOF */
	check_events(&g, ether_pkts, NPKTS);
	assert_int_equal(capture_stats(c, &st), 0);
	assert_int_equal(st.seen, want + bad);
	assert_int_equal(st.decoded, want);
	assert_int_equal(st.undecodable, bad);
	assert_int_equal(st.kernel_drops, 0);
	capture_close(c);

	/* MAX bounds one call; successive calls continue in order */
	memset(&g, 0, sizeof g);
	assert_int_equal(capture_open_file(path, filt, &c), 0);
	int r, calls = 0;
	while ((r = capture_dispatch(c, 2, collect, &g)) > 0) {
		assert_true(r <= 2);
		calls++;
	}
	assert_int_equal(r, 0);
	assert_true(calls >= 4);
	check_events(&g, ether_pkts, NPKTS);
	capture_close(c);

	/* no filter: everything the decoder takes */
	memset(&g, 0, sizeof g);
	assert_int_equal(capture_open_file(path, NULL, &c), 0);
	assert_int_equal(capture_dispatch(c, 0, collect, &g), NPKTS);
	assert_int_equal(capture_stats(c, &st), 0);
	assert_int_equal(st.undecodable, 2);    /* fragment, ARP */
	assert_int_equal(g.n, NPKTS - 2);
	capture_close(c);

	/* a filter libpcap refuses */
	assert_int_equal(capture_open_file(path, "tcp dst port", &c), -EINVAL);
	assert_non_null(strstr(capture_last_error(), "filter"));
	unlink(path);
	assert_int_equal(capture_open_file(path, NULL, &c), -EIO);
	assert_non_null(strstr(capture_last_error(), path));
}

static void savefile_cooked(void **state)
{
	(void)state;
	static const struct pkt pkts[] = {
		{ V4_TCP, "198.18.0.1", 8881, SYN, NULL, true, false },
		{ V6_UDP_HBH, NULL, 9991, 0, "v6", true, false },
		{ V4_UDP, "198.18.0.1", 1, 0, "no", false, false },
		{ V6_TCP, NULL, 8881, SYN, NULL, true, false },
		{ V4_TCP, "198.18.0.1", 8881, SYN | ACK, NULL, false, false },
	};
	struct door d[3];
	struct config *cfg = test_config(d);
	char path[256];
	struct capture *c;
	struct got g = { 0 };

	assert_true(capture_filter_build(cfg, filt, sizeof filt) > 0);
	savefile_path(path, sizeof path, "sll");
	write_savefile(path, DLT_LINUX_SLL, pkts, 5);
	assert_int_equal(capture_open_file(path, filt, &c), 0);
	assert_int_equal(capture_linktype(c), DLT_LINUX_SLL);
	assert_int_equal(capture_dispatch(c, -1, collect, &g), 3);
	check_events(&g, pkts, 5);
	capture_close(c);
	unlink(path);
}

/* ---- live, in a private network namespace ----------------------------- */

static bool in_private_netns;

static int sh(const char *cmd)
{
	int r = system(cmd);
	return r == 0 ? 0 : -1;
}

/* Live tests need root (CAP_NET_ADMIN, CAP_NET_RAW) and a namespace of
 * their own: the veths and routes made here die with this process. */
static bool enter_netns(void)
{
	if (in_private_netns)
		return true;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0)
		return false;
	in_private_netns = true;
	assert_int_equal(sh("ip link set lo up"), 0);
	return true;
}

static int inject_fd = -1;

/* IPv6 is off on the pair: the kernel's own MLD reports and router
 * solicitations (behind a hop-by-hop header, so the filter lets them
 * through) would be counted by the capture. */
static void veth_up(void)
{
	assert_int_equal(sh("ip link add sesv0 type veth peer name sesv1 && "
			    "sysctl -qw net.ipv6.conf.sesv0.disable_ipv6=1 && "
			    "sysctl -qw net.ipv6.conf.sesv1.disable_ipv6=1 && "
			    "ip link set sesv0 up && ip link set sesv1 up"), 0);
}

/* Sends F out of IFNAME. */
static void inject_on(const char *ifname, const struct fb *f)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	sll.sll_ifindex = if_nametoindex(ifname);
	assert_true(sll.sll_ifindex > 0);
	if (inject_fd < 0)
		inject_fd = socket(AF_PACKET, SOCK_RAW, 0);
	assert_true(inject_fd >= 0);
	assert_int_equal(sendto(inject_fd, f->b, f->n, 0,
				(struct sockaddr *)&sll, sizeof sll), (ssize_t)f->n);
}

/* Sends F out of sesv1: it arrives on sesv0 as a received frame. */
static void inject(const struct fb *f)
{
	inject_on("sesv1", f);
}

/* Waits up to MS for events until G holds WANT of them. */
static int wait_events(struct capture *c, struct got *g, size_t want, int ms)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = capture_fd(c), .events = POLLIN };
		clock_gettime(CLOCK_MONOTONIC, &t);
		int left = ms - (int)((t.tv_sec - t0.tv_sec) * 1000 +
				      (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (g->n >= want || left <= 0)
			return 0;
		if (poll(&p, 1, left) > 0) {
			int r = capture_dispatch(c, 0, collect, g);
			if (r < 0)
				return r;
		}
	}
}

static void live_ethernet(void **state)
{
	(void)state;
	if (!enter_netns())
		skip();
	struct door d[3];
	struct config *cfg = test_config(d);
	struct capture *c;
	struct capture_stats st;
	struct got g = { 0 };
	struct fb f;
	size_t want = 0;

	assert_true(capture_filter_build(cfg, filt, sizeof filt) > 0);
	veth_up();
	assert_int_equal(capture_open("sesv0", filt, &c), 0);
	assert_int_equal(capture_linktype(c), DLT_EN10MB);
	int fd = capture_fd(c);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);

	/* The filter is locked: neither detached nor replaced. */
	int one = 1;
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &one, sizeof one), -1);
	assert_int_equal(errno, EPERM);
	struct sock_filter all = BPF_STMT(BPF_RET | BPF_K, 0xffff);
	struct sock_fprog prog = { .len = 1, .filter = &all };
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog), -1);
	assert_int_equal(errno, EPERM);

	/* Nothing pending: 0, not an error. */
	assert_int_equal(capture_dispatch(c, 0, collect, &g), 0);

	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t start_us = (uint64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
	/* what this host sends out of sesv0 is not a knock */
	frame(&f, DLT_EN10MB, V4_UDP, D1, 9991, 0, "outgoing");
	inject_on("sesv0", &f);
	for (size_t i = 0; i < NPKTS; i++) {
		frame(&f, DLT_EN10MB, ether_pkts[i].kind, ether_pkts[i].dst,
		      ether_pkts[i].dport, ether_pkts[i].flags,
		      ether_pkts[i].payload ? ether_pkts[i].payload : "");
		inject(&f);
		want += ether_pkts[i].want;
	}
	assert_int_equal(wait_events(c, &g, want, 3000), 0);
	/* and nothing more trickles in */
	assert_int_equal(wait_events(c, &g, want + 1, 200), 0);
	assert_int_equal(g.n, want);
	size_t k = 0;
	for (size_t i = 0; i < NPKTS; i++) {
		if (!ether_pkts[i].want)
			continue;
		assert_int_equal(g.ev[k].dport, ether_pkts[i].dport);
		assert_true(g.ev[k].time_us >= start_us - 1000000);
		assert_true(g.ev[k].time_us <= start_us + 10000000);
		k++;
	}
	assert_int_equal(capture_stats(c, &st), 0);
	assert_int_equal(st.decoded, want);
	assert_int_equal(st.seen, want + 1);    /* the fragment */
	assert_int_equal(st.kernel_drops, 0);

	/* The interface disappears: reported, and open says so too. */
	assert_int_equal(sh("ip link del sesv0"), 0);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_true(p.revents & POLLERR);
	assert_int_equal(capture_dispatch(c, 0, collect, &g), -ENODEV);
	capture_close(c);
	assert_int_equal(capture_open("sesv0", filt, &c), -ENODEV);

	/* It comes back: a new capture works. */
	veth_up();
	assert_int_equal(capture_open("sesv0", filt, &c), 0);
	memset(&g, 0, sizeof g);
	frame(&f, DLT_EN10MB, V4_UDP, D1, 9991, 0, "again");
	inject(&f);
	assert_int_equal(wait_events(c, &g, 1, 3000), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.payload[0], "again");

	/* Down, then up. */
	assert_int_equal(sh("ip link set sesv0 down"), 0);
	p.fd = capture_fd(c);
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(capture_dispatch(c, 0, collect, &g), -ENETDOWN);
	capture_close(c);
	assert_int_equal(capture_open("sesv0", filt, &c), -ENETDOWN);
	assert_int_equal(sh("ip link set sesv0 up"), 0);
	assert_int_equal(capture_open("sesv0", filt, &c), 0);
	memset(&g, 0, sizeof g);
	inject(&f);
	assert_int_equal(wait_events(c, &g, 1, 3000), 0);
	assert_int_equal(g.n, 1);
	capture_close(c);

	/* Re-created under the same name while open: the old socket is
	 * bound to a dead index. */
	assert_int_equal(capture_open("sesv0", filt, &c), 0);
	assert_int_equal(sh("ip link del sesv0"), 0);
	veth_up();
	p.fd = capture_fd(c);
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(capture_dispatch(c, 0, collect, &g), -ENODEV);
	capture_close(c);
	assert_int_equal(sh("ip link del sesv0"), 0);

	assert_int_equal(capture_open("sesame-none0", filt, &c), -ENODEV);
	assert_int_equal(capture_open("", filt, &c), -EINVAL);
	assert_int_equal(capture_open("a-name-too-long-for-linux", filt, &c), -EINVAL);
}

/* The "any" device (cooked headers) with real sockets over loopback: each
 * datagram is seen once, the host's own outgoing copy is not. */
static void live_any_loopback(void **state)
{
	(void)state;
	if (!enter_netns())
		skip();
	struct door d[3];
	struct config *cfg = test_config(d);
	struct capture *c;
	struct got g = { 0 };

	assert_true(capture_filter_build(cfg, filt, sizeof filt) > 0);
	assert_int_equal(capture_open("any", filt, &c), 0);
	int lt = capture_linktype(c);
	assert_true(lt == DLT_LINUX_SLL || lt == DLT_LINUX_SLL2);

	int s4 = socket(AF_INET, SOCK_DGRAM, 0), s6 = socket(AF_INET6, SOCK_DGRAM, 0);
	assert_true(s4 >= 0 && s6 >= 0);
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(9991) };
	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(62201) };
	a6.sin6_addr = in6addr_loopback;
	assert_int_equal(sendto(s4, "v4", 2, 0, (struct sockaddr *)&a4, sizeof a4), 2);
	a4.sin_port = htons(9992);      /* filtered out */
	assert_int_equal(sendto(s4, "no", 2, 0, (struct sockaddr *)&a4, sizeof a4), 2);
	assert_int_equal(sendto(s6, "v6", 2, 0, (struct sockaddr *)&a6, sizeof a6), 2);
	close(s4);
	close(s6);

	assert_int_equal(wait_events(c, &g, 2, 3000), 0);
	assert_int_equal(wait_events(c, &g, 3, 200), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.ev[0].saddr.family, AF_INET);
	assert_int_equal(g.ev[0].dport, 9991);
	assert_string_equal(g.payload[0], "v4");
	assert_int_equal(g.ev[1].saddr.family, AF_INET6);
	assert_int_equal(g.ev[1].dport, 62201);
	assert_string_equal(g.payload[1], "v6");
	capture_close(c);
}

static void default_interface(void **state)
{
	(void)state;
	if (!enter_netns())
		skip();
	char buf[IF_NAMESIZE];

	/* a fresh namespace has no default route */
	assert_int_equal(route_default_interface(buf, sizeof buf), -ENOENT);

	/* IPv6 only: found through ipv6_route */
	assert_int_equal(sh("ip link add sesd6 type veth peer name sesp6 && ip link set sesp6 up && ip link set sesd6 up && "
			    "ip -6 addr add 2001:db8:5e5::1/64 dev sesd6 nodad && "
			    "ip -6 route add default via 2001:db8:5e5::fe dev sesd6"), 0);
	assert_int_equal(route_default_interface(buf, sizeof buf), 0);
	assert_string_equal(buf, "sesd6");

	/* IPv4 wins, and the lowest metric among several */
	assert_int_equal(sh("ip link add sesd4 type veth peer name sesp4 && ip link set sesp4 up && ip link set sesd4 up && "
			    "ip link add sesd5 type veth peer name sesp5 && ip link set sesp5 up && ip link set sesd5 up && "
			    "ip addr add 198.18.0.1/24 dev sesd4 && "
			    "ip addr add 198.18.1.1/24 dev sesd5 && "
			    "ip route add default via 198.18.1.254 dev sesd5 metric 200 && "
			    "ip route add default via 198.18.0.254 dev sesd4 metric 100"), 0);
	assert_int_equal(route_default_interface(buf, sizeof buf), 0);
	assert_string_equal(buf, "sesd4");
	assert_int_equal(route_default_interface(buf, 5), -ENOSPC);
	assert_int_equal(sh("ip link del sesd4"), 0);
	assert_int_equal(route_default_interface(buf, sizeof buf), 0);
	assert_string_equal(buf, "sesd5");
	assert_int_equal(sh("ip link del sesd5 && ip link del sesd6"), 0);
	assert_int_equal(route_default_interface(buf, sizeof buf), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(filter_sequence_doors),
		cmocka_unit_test(filter_spa_and_one_time_doors),
		cmocka_unit_test(filter_errors),
		cmocka_unit_test(snaplen_by_doors),
		cmocka_unit_test(savefile_ethernet),
		cmocka_unit_test(savefile_cooked),
		cmocka_unit_test(live_ethernet),
		cmocka_unit_test(live_any_loopback),
		cmocka_unit_test(default_interface),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
