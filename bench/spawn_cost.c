/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spawn_cost N — the floor under any command gate: how long from just
 * before spawning `/bin/sh -c 'date +%s%N'` to the time that date prints,
 * spawned the way gate_cmd does it (posix_spawn).  Prints one latency in
 * ms per line.  Used by bench/knock_latency.sh as its baseline row. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "numparse.h"

extern char **environ;

int main(int argc, char **argv)
{
	unsigned long n = 40;
	if (argc > 1 && !parse_ulong(argv[1], 1, 10000, &n)) {
		fprintf(stderr, "usage: spawn_cost [N]\n");
		return 1;
	}
	for (unsigned long i = 0; i < n; i++) {
		int p[2];
		if (pipe(p) < 0)
			return 1;
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, p[1], 1);
		posix_spawn_file_actions_addclose(&fa, p[0]);
		char *args[] = { "sh", "-c", "date +%s%N", NULL };
		struct timespec t0;
		clock_gettime(CLOCK_REALTIME, &t0);
		pid_t pid;
		if (posix_spawn(&pid, "/bin/sh", &fa, NULL, args, environ) != 0)
			return 1;
		posix_spawn_file_actions_destroy(&fa);
		close(p[1]);
		char buf[64] = { 0 };
		ssize_t r = read(p[0], buf, sizeof buf - 1);
		close(p[0]);
		waitpid(pid, NULL, 0);
		if (r <= 0)
			return 1;
		double t = strtod(buf, NULL) / 1e6;
		double s = (double)t0.tv_sec * 1e3 + (double)t0.tv_nsec / 1e6;
		printf("%.3f\n", t - s);
		usleep(50000);
	}
	return 0;
}
