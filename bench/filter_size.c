/* SPDX-License-Identifier: GPL-2.0-or-later */
/* filter_size — how large the capture's BPF filter gets with the doors.
 *
 * Builds a config of N knock doors in memory (nothing is read, nothing
 * goes on the network), writes its filter with capture_filter_build() and
 * compiles it as the capture does on Ethernet (with its VLAN copy, the
 * optimizer on), then prints one line per N:
 *
 *   LAYOUT DOORS TEXT_BYTES BPF_INSNS COMPILE_MS
 *
 * (TEXT_BYTES above CAPTURE_FILTER_MAX means the daemon would refuse it.)
 *
 * Layouts (-l), every door TCPFlags=syn as in bench/scale.sh:
 *   scale      door 0 knocks 7000,8000,9000, door i 10000+3i..10002+3i
 *              (bench/scale.sh's config: adjacent doors, adjacent ports)
 *   shared     every door knocks 7000,8000,9000 (doors differ elsewhere)
 *   scattered  door i knocks 3 ports 7 apart from the others', so no two
 *              ports of the config are adjacent (the worst case for ranges)
 *
 * -i IFNAME compiles on a live handle on IFNAME instead (root; nothing
 * is read or sent), as the daemon does, attaches the filter and adds a
 * sixth column: the instructions the kernel holds (0: it refused the
 * program, over its 4,096-instruction limit, and libpcap filters in user
 * space after copying every frame).  Run it inside a namespace:
 *   ip netns exec NS build/bench/filter_size -i lo 1 100 256
 *
 *   build/bench/filter_size [-l scale|shared|scattered] [-i IFNAME] N...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <linux/filter.h>

#include "capture.h"
#include "capture_filter.h"
#include "config.h"
#include "numparse.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint16_t port_of(const char *layout, size_t door, int step)
{
	if (door == 0 || !strcmp(layout, "shared"))
		return (uint16_t)(7000 + 1000 * step);
	if (!strcmp(layout, "scattered"))
		return (uint16_t)(10000 + 7 * (3 * door + step));
	return (uint16_t)(10000 + 3 * door + step);
}

static const char *ifname;

static int measure(const char *layout, size_t n)
{
	/* Larger than the daemon's CAPTURE_FILTER_MAX, to measure what a
	 * filter would be beyond it. */
	static char text[1 << 20], vlan[2 * (1 << 20) + 32];
	struct door *doors = calloc(n, sizeof *doors);
	struct config cfg = { .doors = doors, .ndoors = n };
	struct bpf_program prog;
	pcap_t *p;
	double t0;
	int len;

	if (!doors)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		snprintf(doors[i].name, sizeof doors[i].name, "d%zu", i);
		doors[i].has_tcpflags = true;
		doors[i].tcpflags_set = TCPF_SYN;
		for (int s = 0; s < 3; s++) {
			doors[i].seq[s].port = port_of(layout, i, s);
			doors[i].seq[s].proto = PROTO_TCP;
		}
		doors[i].seq_len = 3;
	}
	len = capture_filter_build(&cfg, text, sizeof text);
	free(doors);
	if (len < 0) {
		fprintf(stderr, "filter_size: %zu doors: %s\n", n, strerror(-len));
		return len;
	}
	/* As capture.c attaches it on Ethernet. */
	snprintf(vlan, sizeof vlan, "(%s) or (vlan and (%s))", text, text);
	if (ifname) {
		char err[PCAP_ERRBUF_SIZE];

		p = pcap_create(ifname, err);
		if (!p || pcap_set_snaplen(p, CAPTURE_SNAPLEN_HEADERS) ||
		    pcap_activate(p) < 0) {
			fprintf(stderr, "filter_size: %s: %s\n", ifname,
				p ? pcap_geterr(p) : err);
			if (p)
				pcap_close(p);
			return -ENODEV;
		}
	} else {
		p = pcap_open_dead(DLT_EN10MB, CAPTURE_SNAPLEN);
	}
	if (!p)
		return -ENOMEM;
	t0 = now_ms();
	if (pcap_compile(p, &prog, vlan, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		fprintf(stderr, "filter_size: %s\n", pcap_geterr(p));
		pcap_close(p);
		return -EINVAL;
	}
	printf("%s %zu %d %u %.1f", layout, n, len, prog.bf_len, now_ms() - t0);
	if (ifname) {
		socklen_t held = 0;

		/* SO_GET_FILTER with no buffer: the length in instructions. */
		if (pcap_setfilter(p, &prog) < 0 ||
		    getsockopt(pcap_fileno(p), SOL_SOCKET, SO_GET_FILTER, NULL, &held) < 0)
			held = 0;
		printf(" %u", (unsigned)held);
	}
	printf("\n");
	fflush(stdout);
	pcap_freecode(&prog);
	pcap_close(p);
	return 0;
}

int main(int argc, char **argv)
{
	const char *layout = "scale";
	int i = 1, rc = 0;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "-l"))
			layout = argv[i + 1];
		else if (!strcmp(argv[i], "-i"))
			ifname = argv[i + 1];
		else
			break;
	}
	if (strcmp(layout, "scale") && strcmp(layout, "shared") &&
	    strcmp(layout, "scattered")) {
		fprintf(stderr, "filter_size: unknown layout %s\n", layout);
		return 2;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: filter_size [-l scale|shared|scattered] [-i IFNAME] N...\n");
		return 2;
	}
	for (; i < argc; i++) {
		unsigned long n;

		if (!parse_ulong(argv[i], 1, 3000, &n)) {
			fprintf(stderr, "filter_size: bad door count %s\n", argv[i]);
			return 2;
		}
		if (measure(layout, n) < 0)
			rc = 1;
	}
	return rc;
}
