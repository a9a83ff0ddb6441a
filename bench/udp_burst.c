/* SPDX-License-Identifier: GPL-2.0-or-later */
/* udp_burst — sends the same UDP payload many times: replayed or garbage
 * SPA packets for the SPA processing-rate benchmark.  An ordinary UDP
 * socket (the packets are real, with this namespace's source address) and
 * sendmmsg() in batches; the receiving daemon's own counters, not this
 * tool, give the figure.
 *
 * The payload is the first line of FILE (no newline), or -x HEX (binary
 * packets, e.g. from a capture), or with -g N random bytes of length N,
 * drawn once per batch slot (so 64 different packets).
 * Safety catches, checked before any socket is opened: it runs only
 * inside a namespace made by `ip netns add`, only towards 198.18.0.0/15 or
 * 2001:db8::/32, and every run is bounded (<= 5,000,000 packets,
 * <= 60 seconds).
 *
 *   udp_burst [-n COUNT] [-t SECONDS] [-r PPS] (-f FILE | -x HEX | -g LEN) HOST PORT
 * Prints "udp_burst: sent N in S s: R pps".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "addr.h"
#include "netns_sender.h"
#include "numparse.h"

#define MAX_COUNT   5000000ul
#define MAX_SECONDS 60ul
#define BATCH       64
#define MAX_PAYLOAD 1400

static int usage(void)
{
	fprintf(stderr, "usage: udp_burst [-n COUNT] [-t SECONDS] [-r PPS] "
		"(-f FILE | -x HEX | -g LEN) HOST PORT\n");
	return 2;
}

static ssize_t read_line(const char *path, uint8_t *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap);
	close(fd);
	if (n <= 0)
		return -1;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\n')
			return i;
	return n == (ssize_t)cap ? -1 : n;      /* no line end within the cap: too long */
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* HEX (an even number of hex digits, at most CAP bytes) into BUF. */
static ssize_t parse_hex(const char *hex, uint8_t *buf, size_t cap)
{
	size_t n = strlen(hex);
	if (n == 0 || n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	return (ssize_t)(n / 2);
}

int main(int argc, char **argv)
{
	unsigned long count = 100000, seconds = 10, rate = 0, glen = 0;
	const char *file = NULL, *hex = NULL;
	int c;
	while ((c = getopt(argc, argv, "n:t:r:f:x:g:")) != -1) {
		bool ok = true;
		switch (c) {
		case 'n': ok = parse_ulong(optarg, 1, MAX_COUNT, &count); break;
		case 't': ok = parse_ulong(optarg, 1, MAX_SECONDS, &seconds); break;
		case 'r': ok = parse_ulong(optarg, 0, 10000000ul, &rate); break;
		case 'f': file = optarg; break;
		case 'x': hex = optarg; break;
		case 'g': ok = parse_ulong(optarg, 1, MAX_PAYLOAD, &glen); break;
		default: ok = false;
		}
		if (!ok)
			return usage();
	}
	if (argc - optind != 2 || (file != NULL) + (hex != NULL) + (glen != 0) != 1)
		return usage();
	struct sockaddr_storage ss;
	socklen_t sl;
	if (!netns_sender_target("udp_burst", argv[optind], argv[optind + 1], &ss, &sl))
		return 2;

	static uint8_t pay[BATCH][MAX_PAYLOAD];
	size_t plen;
	if (file || hex) {
		ssize_t n = file ? read_line(file, pay[0], sizeof pay[0])
				 : parse_hex(hex, pay[0], sizeof pay[0]);
		if (n <= 0) {
			fprintf(stderr, "udp_burst: no payload of 1..%d bytes in %s\n",
				MAX_PAYLOAD - 1, file ? file : "-x");
			return 2;
		}
		plen = (size_t)n;
		for (int i = 1; i < BATCH; i++)
			memcpy(pay[i], pay[0], plen);
	} else {
		plen = glen;
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, pay, sizeof pay) != (ssize_t)sizeof pay) {
			perror("udp_burst: /dev/urandom");
			return 2;
		}
		close(fd);
	}

	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		perror("udp_burst: socket");
		return 2;
	}
	struct iovec iov[BATCH];
	struct mmsghdr msg[BATCH];
	memset(msg, 0, sizeof msg);
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ pay[i], plen };
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	double t0 = now_s(), t = t0;
	unsigned long sent = 0;
	while (sent < count && (t = now_s()) - t0 < (double)seconds) {
		if (rate && (double)sent > (t - t0) * (double)rate) {
			struct timespec ts = { 0, 50000 };
			nanosleep(&ts, NULL);
			continue;
		}
		unsigned n = count - sent < BATCH ? (unsigned)(count - sent) : BATCH;
		int r = sendmmsg(fd, msg, n, 0);
		if (r < 0) {
			if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN)
				continue;
			if (errno == ECONNREFUSED)      /* an ICMP from an earlier packet */
				continue;
			perror("udp_burst: sendmmsg");
			return 2;
		}
		sent += (unsigned long)r;
	}
	t = now_s() - t0;
	printf("udp_burst: sent %lu in %.3f s: %.0f pps\n", sent, t, t > 0 ? (double)sent / t : 0);
	return 0;
}
