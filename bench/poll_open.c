/* SPDX-License-Identifier: GPL-2.0-or-later */
/* poll_open — the "open" end of the latency benchmarks: when does a
 * guarded port first accept a connection, in CLOCK_REALTIME, so that it
 * can be set against the kernel capture timestamp (also CLOCK_REALTIME)
 * of the knock or SPA packet taken in the server's namespace.
 *
 * Starts the command given after `--` (the knock or SPA client) and, at
 * the same time, not after it exits (the port may open before the client
 * process is reaped), tries a TCP connect to HOST PORT every INTERVAL
 * microseconds: a fresh non-blocking socket each time, given at most the
 * interval to connect and then closed, so a dropped SYN is never
 * retransmitted and each attempt is a new connection for the firewall.
 * Prints one line
 *   start_rt=SEC.NSEC open_rt=SEC.NSEC prev_rt=SEC.NSEC tries=N cmd_ms=T
 * where start_rt is when the command was started, open_rt is when the first successful attempt was started and
 * prev_rt when the failed attempt before it was (the port opened between
 * the two: the figure is an upper bound, at most INTERVAL too late), or
 *   start_rt=SEC.NSEC open_rt=never tries=N cmd_ms=T
 * after TIMEOUT ms.  Exit 0 when opened, 1 if not, 2 on errors.
 *
 * Like every sender of the benchmarks it runs only inside a namespace made
 * by `ip netns add`, and only towards 198.18.0.0/15 or 2001:db8::/32.
 *
 *   poll_open [-i INTERVAL_US] [-t TIMEOUT_MS] HOST PORT [-- CMD ARG...]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
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

static uint64_t ns_of(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until_mono(uint64_t t)
{
	struct timespec ts = { (time_t)(t / 1000000000u), (long)(t % 1000000000u) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* One connect attempt, waiting until DEADLINE (CLOCK_MONOTONIC ns):
 * 1 connected, 0 not, -1 error. */
static int try_connect(const struct sockaddr_storage *ss, socklen_t len, uint64_t deadline)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int res = 0;
	if (connect(fd, (const struct sockaddr *)ss, len) == 0) {
		res = 1;
	} else if (errno == EINPROGRESS) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		for (;;) {
			uint64_t now = ns_of(CLOCK_MONOTONIC);
			if (now >= deadline)
				break;
			struct timespec wait = { 0, (long)(deadline - now) };
			int n = ppoll(&p, 1, &wait, NULL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 1) {
				int err = 0;
				socklen_t el = sizeof err;
				if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0)
					res = 1;
			}
			break;
		}
	}
	close(fd);
	return res;
}

static int usage(void)
{
	fprintf(stderr, "usage: poll_open [-i INTERVAL_US] [-t TIMEOUT_MS] HOST PORT "
		"[-- CMD ARG...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long timeout_ms = 3000, interval_us = 200;
	int c;
	while ((c = getopt(argc, argv, "+t:i:")) != -1) {
		if (c == 't' && parse_ulong(optarg, 1, 60000, &timeout_ms))
			continue;
		if (c == 'i' && parse_ulong(optarg, 50, 500, &interval_us))
			continue;
		return usage();
	}
	if (argc - optind < 2)
		return usage();
	struct sockaddr_storage ss;
	socklen_t len;
	if (!netns_sender_target("poll_open", argv[optind], argv[optind + 1], &ss, &len))
		return 2;
	char **cmd = NULL;
	if (argc - optind > 2) {
		if (strcmp(argv[optind + 2], "--") != 0 || argc - optind < 4)
			return usage();
		cmd = &argv[optind + 3];
	}


	uint64_t start_rt = ns_of(CLOCK_REALTIME);
	uint64_t t0 = ns_of(CLOCK_MONOTONIC), cmd_end = 0;
	pid_t pid = -1;
	if (cmd) {
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			perror("poll_open: fork");
			return 2;
		}
		if (pid == 0) {
			execvp(cmd[0], cmd);
			fprintf(stderr, "poll_open: %s: %s\n", cmd[0], strerror(errno));
			_exit(127);
		}
	}
	const uint64_t step = (uint64_t)interval_us * 1000u;
	const uint64_t end = t0 + (uint64_t)timeout_ms * 1000000u;
	uint64_t prev_rt = 0, open_rt = 0, slot = t0;
	unsigned tries = 0;
	int st = 0;
	while (slot < end) {
		uint64_t rt = ns_of(CLOCK_REALTIME);
		tries++;
		int r = try_connect(&ss, len, slot + step);
		if (r < 0) {
			perror("poll_open: socket");
			return 2;
		}
		if (r == 1) {
			open_rt = rt;
			break;
		}
		prev_rt = rt;
		if (pid > 0 && !cmd_end && waitpid(pid, &st, WNOHANG) == pid)
			cmd_end = ns_of(CLOCK_MONOTONIC);
		slot += step;
		/* Behind (a preempted poller): start again from now, not in a burst. */
		uint64_t now = ns_of(CLOCK_MONOTONIC);
		if (slot < now)
			slot = now;
		else
			sleep_until_mono(slot);
	}
	if (pid > 0 && !cmd_end) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		cmd_end = ns_of(CLOCK_MONOTONIC);
	}
	double cmd_ms = cmd ? (double)(cmd_end - t0) / 1e6 : 0;
	if (cmd && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
		fprintf(stderr, "poll_open: the client command failed\n");
	printf("start_rt=%llu.%09llu ", (unsigned long long)(start_rt / 1000000000u),
	       (unsigned long long)(start_rt % 1000000000u));
	if (!open_rt) {
		printf("open_rt=never tries=%u cmd_ms=%.2f\n", tries, cmd_ms);
		return 1;
	}
	printf("open_rt=%llu.%09llu prev_rt=%llu.%09llu tries=%u cmd_ms=%.2f\n",
	       (unsigned long long)(open_rt / 1000000000u),
	       (unsigned long long)(open_rt % 1000000000u),
	       (unsigned long long)(prev_rt / 1000000000u),
	       (unsigned long long)(prev_rt % 1000000000u), tries, cmd_ms);
	return 0;
}
