/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gate_probe — the client half of bench/gate_latency.sh: knocks, then asks
 * "is the guarded port reachable yet?" every INTERVAL microseconds until
 * it is.  It sends packets, so it refuses to run outside a namespace made
 * by `ip netns add`.
 *
 *   gate_probe -s SRC -d DST -k PORT[,PORT...] -p GUARDED [-i US] [-t MS]
 *
 * Knocks: one TCP SYN per knock port from SRC (a non-blocking connect,
 * closed at once: no retransmission, no RST), as `sesame knock` does.
 * Probes: a hand-made SYN from SRC to DST:GUARDED (a new source port
 * each) through a raw socket every INTERVAL (default 50) us, sleeping in
 * between, until a SYN-ACK comes back (exit 0; prints the microseconds
 * since the last knock as the client saw them; the client's kernel resets
 * the half-open connection).  Cheap on purpose: a prober that spins would
 * steal the CPU from the daemon it measures.  Nothing after TIMEOUT
 * (default 2000) ms: exit 1.  The benchmark itself times the server side
 * from a capture: last knock in, first SYN-ACK of the guarded port out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netns_sender.h"
#include "numparse.h"

static struct sockaddr_in src, dst;

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A non-blocking connect from SRC to DST:PORT; the fd, or -1. */
static int syn(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) {
		close(fd);
		return -1;
	}
	struct sockaddr_in to = dst;
	to.sin_port = htons(port);
	if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint16_t tcp_csum(const struct tcphdr *th)
{
	uint32_t sum = 0;
	const uint16_t *w = (const uint16_t *)&src.sin_addr;
	sum += w[0] + w[1];
	w = (const uint16_t *)&dst.sin_addr;
	sum += w[0] + w[1];
	sum += htons(IPPROTO_TCP) + htons(sizeof *th);
	uint16_t words[sizeof *th / 2];
	memcpy(words, th, sizeof words);
	for (size_t i = 0; i < sizeof words / 2; i++)
		sum += words[i];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* True when the datagram in BUF (IP header included) is DST:GUARDED
 * answering one of our probes (port range from BASE) with SYN-ACK. */
static bool is_synack(const uint8_t *buf, ssize_t n, uint16_t guarded)
{
	if (n < (ssize_t)sizeof(struct iphdr))
		return false;
	struct iphdr ip;
	memcpy(&ip, buf, sizeof ip);
	size_t ihl = (size_t)ip.ihl * 4;
	if (ip.saddr != dst.sin_addr.s_addr || ihl < 20 || (size_t)n < ihl + sizeof(struct tcphdr))
		return false;
	struct tcphdr th;
	memcpy(&th, buf + ihl, sizeof th);
	return ntohs(th.source) == guarded && th.syn && th.ack;
}

static void usage(void)
{
	fprintf(stderr, "usage: gate_probe -s SRC -d DST -k PORT[,PORT...] -p GUARDED [-i US] [-t MS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char why[200];
	if (!netns_check_sandboxed(why, sizeof why)) {
		fprintf(stderr, "gate_probe: refusing to send: %s\n", why);
		return 2;
	}
	uint16_t knocks[32];
	size_t nknocks = 0;
	unsigned long guarded = 0, interval = 50, timeout = 2000, v;
	src.sin_family = dst.sin_family = AF_INET;
	int opt;
	bool have_src = false, have_dst = false;
	while ((opt = getopt(argc, argv, "s:d:k:p:i:t:")) != -1) {
		switch (opt) {
		case 's': have_src = inet_pton(AF_INET, optarg, &src.sin_addr) == 1; break;
		case 'd': have_dst = inet_pton(AF_INET, optarg, &dst.sin_addr) == 1; break;
		case 'k':
			for (char *tok = strtok(optarg, ","); tok; tok = strtok(NULL, ",")) {
				if (nknocks == 32 || !parse_ulong(tok, 1, 65535, &v))
					usage();
				knocks[nknocks++] = (uint16_t)v;
			}
			break;
		case 'p': if (!parse_ulong(optarg, 1, 65535, &guarded)) usage(); break;
		case 'i': if (!parse_ulong(optarg, 10, 1000000, &interval)) usage(); break;
		case 't': if (!parse_ulong(optarg, 1, 60000, &timeout)) usage(); break;
		default: usage();
		}
	}
	if (!have_src || !have_dst || !nknocks || !guarded)
		usage();
	for (size_t i = 0; i < nknocks; i++) {
		int fd = syn(knocks[i]);
		if (fd < 0) {
			perror("gate_probe: knock");
			return 2;
		}
		close(fd);
	}
	/* The default 50 us timer slack would double the probe interval. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	uint64_t t0 = now_us(), end = t0 + timeout * 1000;
	int tx = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);
	int rx = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP);
	if (tx < 0 || rx < 0 || bind(tx, (struct sockaddr *)&src, sizeof src) < 0) {
		perror("gate_probe: raw socket");
		return 2;
	}
	uint16_t sport = (uint16_t)(20000 + (getpid() % 20000));
	struct timespec wait = { .tv_sec = 0, .tv_nsec = (long)interval * 1000 };
	uint8_t buf[1500];
	while (now_us() < end) {
		struct tcphdr th = { 0 };
		th.source = htons(sport++);
		th.dest = htons((uint16_t)guarded);
		th.seq = htonl((uint32_t)now_us());
		th.doff = 5;
		th.syn = 1;
		th.window = htons(64240);
		th.check = tcp_csum(&th);
		if (sendto(tx, &th, sizeof th, 0, (struct sockaddr *)&dst, sizeof dst) < 0) {
			perror("gate_probe: probe");
			return 2;
		}
		struct pollfd p = { .fd = rx, .events = POLLIN };
		if (ppoll(&p, 1, &wait, NULL) != 1)
			continue;
		ssize_t n;
		while ((n = recv(rx, buf, sizeof buf, 0)) > 0) {
			if (is_synack(buf, n, (uint16_t)guarded)) {
				printf("%llu\n", (unsigned long long)(now_us() - t0));
				return 0;
			}
		}
	}
	return 1;
}
