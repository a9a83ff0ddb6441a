/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the worker's sandbox (sandbox.c), in forked children:
 * the uid is never 0, output is allowed on the listed descriptors only
 * (any other write kills the process), and socket, connect and open are
 * refused.  Needs root (it changes uid); skipped otherwise. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "sandbox.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

enum { OK = 0, FAIL_ENTER = 10, FAIL_UID, FAIL_WRITE, FAIL_SOCKET, FAIL_CONNECT,
       FAIL_OPEN, FAIL_SEND, SURVIVED = 30 };

/* Runs in a child: enters the sandbox allowing ALLOWED only, checks what
 * must work and what must fail, then writes to OTHER (which must kill
 * it).  Returns the child's wait status. */
static pid_t child;

static int run_child(int allowed, int other, int unix_peer, int go)
{
	pid_t pid = child = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sandbox_user u;
		int out[] = { STDERR_FILENO, allowed, unix_peer };
		if (sandbox_lookup("nobody", &u) < 0 || sandbox_enter(&u, getppid(), out, 3) < 0)
			_exit(FAIL_ENTER);
		if (write(allowed, "x", 1) != 1)
			_exit(FAIL_WRITE);
		char c;
		if (read(go, &c, 1) != 1)     /* the parent has read our uid */
			_exit(FAIL_UID);
		if (send(unix_peer, "y", 1, MSG_DONTWAIT) != 1)
			_exit(FAIL_SEND);
		errno = 0;
		if (socket(AF_UNIX, SOCK_DGRAM, 0) >= 0 || errno != EACCES)
			_exit(FAIL_SOCKET);
		struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
		errno = 0;
		if (connect(unix_peer, (struct sockaddr *)&a, sizeof a) == 0 || errno != EACCES)
			_exit(FAIL_CONNECT);
		errno = 0;
		if (open("/etc/hostname", O_RDONLY) >= 0 || errno != EACCES)
			_exit(FAIL_OPEN);
		/* A descriptor not on the list: the end. */
		(void)!write(other, "z", 1);
		_exit(SURVIVED);
	}
	return 0;
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 5000) == 1;
}

static const char *uid_line(pid_t pid, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	buf[0] = '\0';
	while (f && fgets(buf, (int)len, f))
		if (strncmp(buf, "Uid:", 4) == 0)
			break;
	if (f)
		fclose(f);
	return buf;
}

static void test_output_on_listed_fds_only(void **state)
{
	(void)state;
	if (geteuid() != 0 || RUNNING_ON_VALGRIND) {
		skip();
		return;
	}
	int a[2], b[2], s[2], g[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	assert_int_equal(pipe(g), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, s), 0);
	run_child(a[1], b[1], s[0], g[0]);
	char c, line[256];
	bool wrote = readable(a[0]);
	if (!wrote)
		kill(child, SIGKILL);
	assert_true(wrote);
	assert_int_equal(read(a[0], &c, 1), 1);          /* the allowed write */
	assert_int_equal(c, 'x');
	/* Uid: real, effective, saved, fs: none of them 0. */
	unsigned r, e, sv, fs;
	uid_line(child, line, sizeof line);
	assert_int_equal(sscanf(line, "Uid: %u %u %u %u", &r, &e, &sv, &fs), 4);
	assert_true(r != 0 && e != 0 && sv != 0 && fs != 0);
	assert_int_equal(write(g[1], "g", 1), 1);
	int st;
	assert_int_equal(waitpid(child, &st, 0), child);
	if (WIFEXITED(st))
		print_error("child exited with %d\n", WEXITSTATUS(st));
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
	assert_int_equal(recv(s[1], &c, 1, MSG_DONTWAIT), 1);
	assert_int_equal(c, 'y');
	assert_int_equal(fcntl(b[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(read(b[0], &c, 1), -1);         /* never written */
	for (int i = 0; i < 2; i++) {
		close(g[i]);
		close(a[i]);
		close(b[i]);
		close(s[i]);
	}
}

int main(void)
{
	log_set_level(LOG_ERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_on_listed_fds_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
