/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the capture filter's size and reach: it grows with the
 * distinct ports the doors use, not with the doors, and it still admits
 * every port of every door (compiled by libpcap and run on hand-built
 * frames with pcap_offline_filter, as the kernel would run it). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "capture.h"
#include "capture_filter.h"
#include "filter_doors.h"
#include "config.h"
#include "rotseq.h"

static char filt[CAPTURE_FILTER_MAX];

/* Door "dI". */
static void door_numbered(struct door *d, size_t i)
{
	char name[32];
	snprintf(name, sizeof name, "d%zu", i);
	door_init(d, name);
}

static void door_syn(struct door *d)
{
	d->has_tcpflags = true;
	d->tcpflags_set = TCPF_SYN;
	d->tcpflags_clear = TCPF_ACK;
}

/* Compiles the filter of N doors as capture.c does on Ethernet (with its
 * VLAN copy); returns the instruction count. */
static unsigned insns(struct door *d, size_t n)
{
	static char vlan[2 * CAPTURE_FILTER_MAX + 32];
	struct config cfg = { .doors = d, .ndoors = n };
	struct bpf_program prog;
	pcap_t *p = pcap_open_dead(DLT_EN10MB, CAPTURE_SNAPLEN);
	unsigned len;

	assert_true(capture_filter_build(&cfg, filt, sizeof filt) > 0);
	snprintf(vlan, sizeof vlan, "(%s) or (vlan and (%s))", filt, filt);
	assert_non_null(p);
	if (pcap_compile(p, &prog, vlan, 1, PCAP_NETMASK_UNKNOWN) < 0)
		fail_msg("%s", pcap_geterr(p));
	len = prog.bf_len;
	pcap_freecode(&prog);
	pcap_close(p);
	return len;
}

/* N doors knocking the same ports (TCP with flags, UDP, an SPA port):
 * the filter of 256 doors is the filter of one. */
static void size_independent_of_shared_doors(void **state)
{
	(void)state;
	static struct door d[CONFIG_DOORS_MAX];
	char one[CAPTURE_FILTER_MAX];
	unsigned base = 0;

	for (size_t i = 0; i < CONFIG_DOORS_MAX; i++) {
		door_numbered(&d[i], i);
		door_seq(&d[i], 7000, PROTO_TCP);
		door_seq(&d[i], 8000, PROTO_UDP);
		door_seq(&d[i], 9000, PROTO_TCP);
		door_syn(&d[i]);
		d[i].spa_format = SPA_FORMAT_SESAME;
		d[i].spa_port = 62201;
	}
	base = insns(d, 1);
	snprintf(one, sizeof one, "%s", filt);
	for (size_t n = 2; n <= CONFIG_DOORS_MAX; n *= 2) {
		assert_int_equal(insns(d, n), base);
		assert_string_equal(filt, one);
	}
}

/* Doors on adjacent ports (one door's last port next to the next one's
 * first) become one port range: the size stops growing with them. */
static void size_independent_of_adjacent_doors(void **state)
{
	(void)state;
	static struct door d[CONFIG_DOORS_MAX];
	unsigned two;

	for (size_t i = 0; i < CONFIG_DOORS_MAX; i++) {
		door_numbered(&d[i], i);
		for (unsigned s = 0; s < 3; s++)
			door_seq(&d[i], (uint16_t)(10000 + 3 * i + s), PROTO_TCP);
		door_syn(&d[i]);
	}
	two = insns(d, 2);
	assert_int_equal(insns(d, CONFIG_DOORS_MAX), two);
	/* 10000..10767 as one range, whatever the door count */
	assert_non_null(strstr(filt, "tcp dst portrange 10000-10767"));
}

/* Distinct ports cost what they cost, but far below the kernel's 4,096
 * instructions for a config's most doors of three ports each. */
static void size_of_scattered_ports(void **state)
{
	(void)state;
	static struct door d[64];

	for (size_t i = 0; i < 64; i++) {
		door_numbered(&d[i], i);
		for (unsigned s = 0; s < 3; s++)
			door_seq(&d[i], (uint16_t)(10000 + 7 * (3 * i + s)), PROTO_TCP);
		door_syn(&d[i]);
	}
	/* 192 ports: a few instructions each (the list was ~28 a door) */
	assert_true(insns(d, 64) < 4 * 192);
}

/* ---- frames ------------------------------------------------------------ */

static size_t frame(uint8_t *b, bool v6, const char *dst, uint8_t proto,
		    uint16_t dport, uint8_t flags)
{
	size_t l4 = proto == PROTO_TCP ? 20 : 8, ip = v6 ? 40 : 20, n = 14;

	memset(b, 0, 14 + ip + l4);
	b[12] = v6 ? 0x86 : 0x08;
	b[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		b[n] = 0x60;
		b[n + 4] = (uint8_t)(l4 >> 8);
		b[n + 5] = (uint8_t)l4;
		b[n + 6] = proto;
		b[n + 7] = 64;
		assert_int_equal(inet_pton(AF_INET6, "2001:db8::2", b + n + 8), 1);
		assert_int_equal(inet_pton(AF_INET6, dst ? dst : "2001:db8::1", b + n + 24), 1);
	} else {
		b[n] = 0x45;
		b[n + 3] = (uint8_t)(ip + l4);
		b[n + 8] = 64;
		b[n + 9] = proto;
		assert_int_equal(inet_pton(AF_INET, "198.18.0.2", b + n + 12), 1);
		assert_int_equal(inet_pton(AF_INET, dst ? dst : "198.18.0.1", b + n + 16), 1);
	}
	n += ip;
	b[n] = 0xc3;                    /* source port 50000 */
	b[n + 1] = 0x50;
	b[n + 2] = (uint8_t)(dport >> 8);
	b[n + 3] = (uint8_t)dport;
	if (proto == PROTO_TCP) {
		b[n + 12] = 0x50;
		b[n + 13] = flags;
	} else {
		b[n + 5] = (uint8_t)l4;
	}
	return n + l4;
}

static bool admits(const struct bpf_program *prog, bool v6, const char *dst,
		   uint8_t proto, uint16_t dport, uint8_t flags)
{
	uint8_t b[128];
	struct pcap_pkthdr h = { 0 };

	h.caplen = h.len = (bpf_u_int32)frame(b, v6, dst, proto, dport, flags);
	return pcap_offline_filter(prog, &h, b) != 0;
}

/* Every port of every door passes, for both IP versions, with the flags
 * its door asks for; what no door uses does not. */
static void every_door_port_admitted(void **state)
{
	(void)state;
	static struct door d[40];
	struct config cfg = { .doors = d, .ndoors = 40 };
	struct bpf_program prog;
	pcap_t *p;
	size_t i;

	/* 32 sequence doors: scattered and adjacent ports, TCP and UDP,
	 * half with TCPFlags syn,!ack, a few sharing ports */
	for (i = 0; i < 32; i++) {
		door_numbered(&d[i], i);
		door_seq(&d[i], (uint16_t)(10000 + 3 * i), PROTO_TCP);
		door_seq(&d[i], (uint16_t)(20000 + 10 * i), PROTO_UDP);
		door_seq(&d[i], (uint16_t)(30000 + (i % 4)), PROTO_TCP);
		if (i % 2)
			door_syn(&d[i]);
	}
	/* with Target */
	door_numbered(&d[32], 32);
	door_seq(&d[32], 40000, PROTO_TCP);
	assert_true(addr_parse("198.18.0.9", &d[32].target));
	door_numbered(&d[33], 33);
	door_seq(&d[33], 40001, PROTO_UDP);
	assert_true(addr_parse("2001:db8::9", &d[33].target));
	/* SPA doors */
	for (i = 34; i < 37; i++) {
		door_numbered(&d[i], i);
		d[i].spa_format = SPA_FORMAT_SESAME;
		d[i].spa_port = (uint16_t)(62201 + 2 * (i - 34));
	}
	/* rotating doors: TCP SYNs without ACK, UDP */
	door_numbered(&d[37], 37);
	d[37].rot_secrets = "secrets";
	d[37].rot_protos = ROTSEQ_TCP;
	d[37].rot_low = 50000;
	d[37].rot_high = 50999;
	door_numbered(&d[38], 38);
	d[38].rot_secrets = "secrets";
	d[38].rot_protos = ROTSEQ_UDP;
	d[38].rot_low = 51000;
	d[38].rot_high = 51099;
	/* a door with TCPFlags fin only */
	door_numbered(&d[39], 39);
	door_seq(&d[39], 45000, PROTO_TCP);
	d[39].has_tcpflags = true;
	d[39].tcpflags_set = TCPF_FIN;
	assert_true(door_is_rotating(&d[37]) && door_is_rotating(&d[38]));

	assert_true(capture_filter_build(&cfg, filt, sizeof filt) > 0);
	p = pcap_open_dead(DLT_EN10MB, CAPTURE_SNAPLEN);
	assert_non_null(p);
	if (pcap_compile(p, &prog, filt, 1, PCAP_NETMASK_UNKNOWN) < 0)
		fail_msg("%s", pcap_geterr(p));

	for (i = 0; i < 34; i++) {
		const char *dst4 = NULL, *dst6 = NULL;
		uint8_t syn = TCPF_SYN;

		if (i == 32)
			dst4 = "198.18.0.9";
		if (i == 33)
			dst6 = "2001:db8::9";
		for (size_t s = 0; s < d[i].seq_len; s++) {
			uint8_t pr = d[i].seq[s].proto;
			uint16_t port = d[i].seq[s].port;

			if (i != 33 && !admits(&prog, false, dst4, pr, port, syn))
				fail_msg("door %zu: IPv4 %s %u refused", i,
					 port_proto_name(pr), port);
			if (i != 32 && !admits(&prog, true, dst6, pr, port, syn))
				fail_msg("door %zu: IPv6 %s %u refused", i,
					 port_proto_name(pr), port);
		}
	}
	for (i = 34; i < 37; i++) {
		assert_true(admits(&prog, false, NULL, PROTO_UDP, d[i].spa_port, 0));
		assert_true(admits(&prog, true, NULL, PROTO_UDP, d[i].spa_port, 0));
	}
	for (unsigned port = 50000; port <= 50999; port++)
		assert_true(admits(&prog, false, NULL, PROTO_TCP, (uint16_t)port, TCPF_SYN));
	for (unsigned port = 51000; port <= 51099; port++)
		assert_true(admits(&prog, true, NULL, PROTO_UDP, (uint16_t)port, 0));
	assert_true(admits(&prog, false, NULL, PROTO_TCP, 45000, TCPF_FIN | TCPF_ACK));

	/* what no door uses */
	assert_false(admits(&prog, false, NULL, PROTO_TCP, 10001, TCPF_SYN));
	assert_false(admits(&prog, false, NULL, PROTO_UDP, 20005, 0));
	assert_false(admits(&prog, true, NULL, PROTO_TCP, 30004, TCPF_SYN));
	assert_false(admits(&prog, false, NULL, PROTO_UDP, 62202, 0));
	assert_false(admits(&prog, false, NULL, PROTO_UDP, 50000, 0));
	assert_false(admits(&prog, false, NULL, PROTO_TCP, 51000, TCPF_SYN));
	assert_false(admits(&prog, false, NULL, PROTO_TCP, 49999, TCPF_SYN));
	assert_false(admits(&prog, false, NULL, PROTO_UDP, 51100, 0));
	/* a Target door's port to another address */
	assert_false(admits(&prog, false, "198.18.0.8", PROTO_TCP, 40000, TCPF_SYN));
	assert_false(admits(&prog, true, "2001:db8::8", PROTO_UDP, 40001, 0));
	/* IPv4 TCP failing the flags of every door on that port: a SYN-ACK
	 * to a flagged door's own port, a SYN-ACK into the rotating range;
	 * a port shared with an unflagged door stays admitted */
	assert_false(admits(&prog, false, NULL, PROTO_TCP, 10003, TCPF_SYN | TCPF_ACK));
	assert_true(admits(&prog, false, NULL, PROTO_TCP, 10000, TCPF_SYN | TCPF_ACK));
	assert_false(admits(&prog, false, NULL, PROTO_TCP, 50500, TCPF_SYN | TCPF_ACK));
	assert_false(admits(&prog, false, NULL, PROTO_TCP, 45000, TCPF_SYN));
	pcap_freecode(&prog);
	pcap_close(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(size_independent_of_shared_doors),
		cmocka_unit_test(size_independent_of_adjacent_doors),
		cmocka_unit_test(size_of_scattered_ports),
		cmocka_unit_test(every_door_port_admitted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
