/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sesame status [--socket PATH] [--json] — asks a running sesamed, over
 * its control socket, for its doors, attempts in progress and the
 * addresses granted with the seconds they have left.  Protocol: control.h. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmd.h"

#define DEFAULT_SOCKET "/run/sesame/control"

static void usage(FILE *f)
{
	fprintf(f, "usage: sesame status [--socket PATH] [--json]\n"
		   "  -s, --socket PATH  sesamed's ControlSocket (default " DEFAULT_SOCKET ")\n"
		   "  -j, --json         one JSON object instead of text\n"
		   "  -h, --help;  -V, --version\n");
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json",   no_argument,       NULL, 'j' },
		{ "help",   no_argument,       NULL, 'h' },
		{ "version", no_argument,      NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_SOCKET;
	bool json = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:jhV", opts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': return cmd_version();
		default:
			cmd_bad_option("status", c, argv);
			return 1;
		}
	}
	if (optind != argc) {
		char q[64];
		cmd_quote(argv[optind], q, sizeof q);
		fprintf(stderr, "sesame status: unexpected argument '%s' (it takes only options; "
			"see 'sesame status -h')\n", q);
		return 1;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "sesame status: socket path too long: %s\n", path);
		return 1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "sesame status: socket: %s\n", strerror(errno));
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
			fprintf(stderr, "sesame status: %s is not a socket (%s); give sesamed's "
				"ControlSocket\n", path, S_ISDIR(st.st_mode) ? "a directory" : "a file");
			close(fd);
			return 1;
		}
		fprintf(stderr, "sesame status: cannot connect to %s: %s%s\n", path, strerror(e),
			e == ENOENT || e == ECONNREFUSED ? " (is sesamed running?)" : "");
		close(fd);
		return 1;
	}
	const char *req = json ? "status json\n" : "status\n";
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req)) {
		fprintf(stderr, "sesame status: cannot send to %s: %s\n", path, strerror(errno));
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
			fprintf(stderr, "sesame status: reading from %s: %s\n", path,
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
		fprintf(stderr, "sesame status: %s closed without an answer\n", path);
		return 1;
	}
	return error_reply || fflush(stdout) != 0 ? 1 : 0;
}
