/* SPDX-License-Identifier: GPL-2.0-or-later */
/* knock_probe — how long after a knock does a guarded port open?
 *
 * Runs the knock client given after `--` (any program: `sesame knock`,
 * Debian's `knock`), then tries a TCP connect to HOST PORT every INTERVAL
 * ms (a fresh non-blocking socket each time, abandoned when the interval
 * is over, so a dropped SYN is never retransmitted) until one connects or
 * TIMEOUT ms have passed.  Prints, on one line,
 *   probe: open_ms=T sent_ms=S tries=N      (or open_ms=never)
 * where T counts from the moment the knock client was started (an upper
 * bound on the daemon's share) and S is how long the client took to send.
 * Without a command it only probes: exit 0 when the port opens, 1 if not.
 *
 * Like every sender of the benchmarks it runs only inside a namespace made
 * by `ip netns add`, and only towards 198.18.0.0/15 or 2001:db8::/32.
 *
 *   knock_probe [-t TIMEOUT_MS] [-i INTERVAL_MS] HOST PORT [-- CMD ARG...]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "netns_sender.h"
#include "numparse.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One connect attempt bounded by WAIT_MS: 1 connected, 0 not (yet), -1 error. */
static int try_connect(const struct sockaddr_storage *ss, socklen_t len, int wait_ms)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int rc = connect(fd, (const struct sockaddr *)ss, len);
	int res = 0;
	if (rc == 0) {
		res = 1;
	} else if (errno == EINPROGRESS) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if (poll(&p, 1, wait_ms) == 1) {
			int err = 0;
			socklen_t el = sizeof err;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0)
				res = 1;
			else
				usleep((useconds_t)wait_ms * 1000u);    /* refused: keep the pace */
		}
	}
	close(fd);
	return res;
}

int main(int argc, char **argv)
{
	unsigned long timeout = 3000, interval = 5;
	int c;
	while ((c = getopt(argc, argv, "+t:i:")) != -1) {
		if (c == 't' && parse_ulong(optarg, 1, 60000, &timeout))
			continue;
		if (c == 'i' && parse_ulong(optarg, 1, 1000, &interval))
			continue;
		fprintf(stderr, "usage: knock_probe [-t TIMEOUT_MS] [-i INTERVAL_MS] HOST PORT "
			"[-- CMD ARG...]\n");
		return 2;
	}
	if (argc - optind < 2) {
		fprintf(stderr, "knock_probe: HOST and PORT needed\n");
		return 2;
	}
	struct sockaddr_storage ss;
	socklen_t len;
	if (!netns_sender_target("knock_probe", argv[optind], argv[optind + 1], &ss, &len))
		return 2;
	char **cmd = NULL;
	if (argc - optind > 2) {
		if (strcmp(argv[optind + 2], "--") != 0 || argc - optind < 4) {
			fprintf(stderr, "knock_probe: the knock command goes after --\n");
			return 2;
		}
		cmd = &argv[optind + 3];
	}


	double t0 = now_ms(), sent = t0;
	if (cmd) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			perror("knock_probe: fork");
			return 2;
		}
		if (pid == 0) {
			execvp(cmd[0], cmd);
			fprintf(stderr, "knock_probe: %s: %s\n", cmd[0], strerror(errno));
			_exit(127);
		}
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		sent = now_ms();
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "knock_probe: the knock command failed\n");
			printf("probe: open_ms=never sent_ms=%.1f tries=0\n", sent - t0);
			return 1;
		}
	}
	unsigned tries = 0;
	for (;;) {
		double t = now_ms();
		if (t - t0 >= (double)timeout)
			break;
		tries++;
		int r = try_connect(&ss, len, (int)interval);
		if (r < 0) {
			perror("knock_probe: socket");
			return 2;
		}
		if (r == 1) {
			printf("probe: open_ms=%.1f sent_ms=%.1f tries=%u\n", now_ms() - t0,
			       sent - t0, tries);
			return 0;
		}
	}
	printf("probe: open_ms=never sent_ms=%.1f tries=%u\n", sent - t0, tries);
	return 1;
}
