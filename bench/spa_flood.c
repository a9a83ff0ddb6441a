/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spa_flood — UDP flood for the SPA benchmark (bench/spa_rate.sh).
 *
 *   spa_flood HOST PORT SECONDS garbage|FILE
 *
 * Sends as fast as it can for SECONDS (at most 10) to HOST:PORT: random
 * 128-byte payloads starting with the version byte ("garbage": unknown key
 * ids), or the bytes of FILE again and again (a captured valid packet:
 * "valid but replayed").  Prints the number of datagrams sent.  Refuses to
 * run outside a network namespace made by `ip netns add` (netns.h): it is
 * a flood tool. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "netns_sender.h"
#include "numparse.h"

#define BATCH 64
#define MAX_SECONDS 10

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: spa_flood HOST PORT SECONDS garbage|FILE\n");
		return 1;
	}
	char why[160];
	if (!netns_check_sandboxed(why, sizeof why)) {
		fprintf(stderr, "spa_flood: refusing to run: %s\n", why);
		return 1;
	}
	unsigned long secs;
	unsigned port;
	if (!parse_port(argv[2], &port) || !parse_ulong(argv[3], 1, MAX_SECONDS, &secs)) {
		fprintf(stderr, "spa_flood: bad port or seconds (1-%d)\n", MAX_SECONDS);
		return 1;
	}
	static uint8_t payload[BATCH][1500];
	size_t len = 128;
	bool garbage = strcmp(argv[4], "garbage") == 0;
	if (garbage) {
		RAND_bytes(&payload[0][0], sizeof payload);
		for (int i = 0; i < BATCH; i++)
			payload[i][0] = 1;
	} else {
		int fd = open(argv[4], O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, payload[0], sizeof payload[0]) : -1;
		if (n <= 0) {
			fprintf(stderr, "spa_flood: cannot read %s\n", argv[4]);
			return 1;
		}
		close(fd);
		len = (size_t)n;
		for (int i = 1; i < BATCH; i++)
			memcpy(payload[i], payload[0], len);
	}
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST };
	struct addrinfo *ai;
	if (getaddrinfo(argv[1], argv[2], &hints, &ai) != 0) {
		fprintf(stderr, "spa_flood: HOST must be a numeric address\n");
		return 1;
	}
	int fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		fprintf(stderr, "spa_flood: socket: %s\n", strerror(errno));
		return 1;
	}
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	memset(msgs, 0, sizeof msgs);
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = payload[i];
		iov[i].iov_len = len;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	uint64_t sent = 0;
	double t0 = mono(), end = t0 + (double)secs;
	while (mono() < end) {
		for (int k = 0; k < 16; k++) {
			int n = sendmmsg(fd, msgs, BATCH, 0);
			if (n > 0)
				sent += (uint64_t)n;
			else if (n < 0 && errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED)
				break;
		}
		if (garbage)    /* vary the key ids a little without paying RAND per packet */
			for (int i = 0; i < BATCH; i++)
				payload[i][1 + (sent & 7)] ^= (uint8_t)(i + 1);
	}
	double took = mono() - t0;
	printf("%llu %.3f\n", (unsigned long long)sent, took);
	freeaddrinfo(ai);
	close(fd);
	return 0;
}
