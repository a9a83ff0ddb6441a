/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl — see ctl.h. */
#include "ctl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

int ctl_request(const char *cmd, const char *path, const char *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "sesame %s: socket path too long: %s\n", cmd, path);
		return 1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "sesame %s: socket: %s\n", cmd, strerror(errno));
		return 1;
	}
	/* A daemon that never answers must not hang the client. */
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		struct stat st;
		if (stat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "sesame %s: %s is not a socket (%s); give sesamed's "
				"ControlSocket\n", cmd, path, S_ISDIR(st.st_mode) ? "a directory" : "a file");
			close(fd);
			return 1;
		}
		fprintf(stderr, "sesame %s: cannot connect to %s: %s%s\n", cmd, path, strerror(e),
			e == ENOENT || e == ECONNREFUSED ? " (is sesamed running?)" :
			e == EACCES ? " (the socket is root's)" : "");
		close(fd);
		return 1;
	}
	size_t len = strlen(req);
	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "sesame %s: cannot send to %s: %s\n", cmd, path, strerror(errno));
		close(fd);
		return 1;
	}
	char buf[4096];
	size_t total = 0;
	bool error_reply = false;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "sesame %s: reading from %s: %s\n", cmd, path,
				errno == EAGAIN ? "no answer within 5 s" : strerror(errno));
			close(fd);
			return 1;
		}
		if (n == 0)
			break;
		if (total == 0 && n >= 6 && memcmp(buf, "error:", 6) == 0)
			error_reply = true;
		fwrite(buf, 1, (size_t)n, error_reply ? stderr : stdout);
		total += (size_t)n;
	}
	close(fd);
	if (total == 0) {
		fprintf(stderr, "sesame %s: %s closed without an answer\n", cmd, path);
		return 1;
	}
	return error_reply || fflush(stdout) != 0 ? 1 : 0;
}
