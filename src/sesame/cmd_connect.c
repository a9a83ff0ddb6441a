/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sesame connect [-F FILE] [-4|-6] [-w SECONDS] NAME|HOST [PORT]
 *
 * For ssh's ProxyCommand (`ProxyCommand sesame connect %n %p`): opens the
 * profile's server as `sesame open` does, connects to PORT (default: the
 * profile's Port, else 22), trying again while the grant is on its way,
 * then copies stdin to the connection and the connection to stdout until
 * the server closes it.  Like `ssh -W` or `nc` in that place, it prints
 * nothing when all goes well and one line when something does not. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "numparse.h"
#include "profile.h"

#define CONNECT_WAIT_DEFAULT 10         /* seconds for the grant to arrive */
#define CONNECT_WAIT_MAX     300

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sesame connect [-F FILE] [-4|-6] [-w SECONDS] NAME|HOST [PORT]\n"
		"Opens the server of profile NAME (or of the profile whose Host is HOST),\n"
		"connects to PORT (default: the profile's Port, else 22) and relays\n"
		"stdin and stdout to it: for ssh, 'ProxyCommand sesame connect %%n %%p'.\n"
		"  -F, --config FILE   the client config (default ~/.config/sesame/client.conf)\n"
		"  -4, -6              IPv4 or IPv6 only\n"
		"  -w, --wait SECONDS  how long to keep trying to connect (default %d)\n"
		"  -h, --help;  -V, --version\n", CONNECT_WAIT_DEFAULT);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One connection attempt that gives up after TIMEOUT_MS.  Returns the
 * connected socket, or -errno (-ETIMEDOUT: no answer, the SYN was
 * probably dropped because the door is not open yet). */
static int try_connect(const struct addrinfo *ai, int timeout_ms)
{
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		return -e;
	}
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int n;
	while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	int err = 0;
	socklen_t len = sizeof err;
	if (n == 0)
		err = ETIMEDOUT;
	else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		close(fd);
		return -err;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

/* Tries until WAIT_S seconds have passed.  The first tries are short: the
 * grant usually lands within milliseconds, and a SYN dropped before it
 * would otherwise wait for the kernel's retransmission one second later. */
static int dial(const struct addrinfo *ai, unsigned wait_s, int *last_err)
{
	long long deadline = now_ms() + (long long)wait_s * 1000;
	int timeout = 200;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return -1;
		int fd = try_connect(ai, (int)(left < timeout ? left : timeout));
		if (fd >= 0)
			return fd;
		*last_err = -fd;
		if (fd != -ETIMEDOUT && fd != -ECONNREFUSED && fd != -EHOSTUNREACH &&
		    fd != -ENETUNREACH)
			return -1;
		if (fd != -ETIMEDOUT) {
			/* Refused or unreachable: answered at once; pause. */
			struct timespec ts = { 0, 100 * 1000000L };
			nanosleep(&ts, NULL);
		}
		if (timeout < 1000)
			timeout *= 2;
	}
}

static bool write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = fd == 1 ? write(fd, buf, n) : send(fd, buf, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		buf += w;
		n -= (size_t)w;
	}
	return true;
}

/* stdin -> SOCK and SOCK -> stdout until the server closes.  stdin's end
 * is passed on as a half-close.  Returns the exit status. */
static int relay(int sock, const char *host, unsigned port)
{
	static char buf[65536];
	struct pollfd p[2] = { { .fd = 0, .events = POLLIN }, { .fd = sock, .events = POLLIN } };
	for (;;) {
		int n = poll(p, 2, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (p[1].revents) {
			ssize_t r = read(sock, buf, sizeof buf);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				fprintf(stderr, "sesame connect: %s port %u: %s\n", host, port,
					strerror(errno));
				return 1;
			}
			if (r == 0)
				return 0;               /* the server closed: done */
			if (!write_all(1, buf, (size_t)r))
				return 0;               /* our reader went away */
		}
		if (p[0].revents) {
			ssize_t r = read(0, buf, sizeof buf);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				shutdown(sock, SHUT_WR);
				p[0].fd = -1;           /* poll ignores it from now on */
				continue;
			}
			if (!write_all(sock, buf, (size_t)r))
				return 0;
		}
	}
}

int cmd_connect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'F' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct open_flags o = { .family = AF_UNSPEC };
	const char *conf = NULL;
	unsigned long wait_s = CONNECT_WAIT_DEFAULT;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":F:46w:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'F': conf = optarg; break;
		case '4':
		case '6':
			if (!cmd_family(&o.family, c, "connect"))
				return 1;
			break;
		case 'w':
			if (!parse_ulong(optarg, 1, CONNECT_WAIT_MAX, &wait_s)) {
				fprintf(stderr, "sesame connect: --wait: seconds 1-%d\n", CONNECT_WAIT_MAX);
				return 1;
			}
			break;
		case 'h': usage(stdout); return 0;
		case 'V': return cmd_version();
		default:
			cmd_bad_option("connect", c, argv);
			return 1;
		}
	}
	int npos = argc - optind;
	if (npos < 1 || npos > 2) {
		fprintf(stderr, "sesame connect: %s (see 'sesame connect -h')\n",
			npos < 1 ? "NAME is missing" : "expected NAME [PORT]");
		return 1;
	}
	struct profile p;
	if (cmd_find_profile("connect", conf, argv[optind], &p) < 0)
		return 1;
	unsigned port = p.port ? p.port : 22;
	if (npos == 2 && !parse_port(argv[optind + 1], &port)) {
		fprintf(stderr, "sesame connect: bad port '%.20s' (1-65535)\n", argv[optind + 1]);
		return 1;
	}
	/* Opening prints nothing on success: stdout is the connection. */
	int status = cmd_open_profile("connect", &o, &p);
	if (status != 0)
		return status;

	char service[8];
	snprintf(service, sizeof service, "%u", port);
	struct addrinfo hints = { .ai_family = p.family, .ai_socktype = SOCK_STREAM,
				  .ai_protocol = IPPROTO_TCP };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(p.host, service, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "sesame connect: cannot resolve %s: %s\n", p.host,
			rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return 1;
	}
	int err = ETIMEDOUT;
	int fd = dial(res, (unsigned)wait_s, &err);
	freeaddrinfo(res);
	if (fd < 0) {
		fprintf(stderr, "sesame connect: %s port %u: %s%s\n", p.host, port, strerror(err),
			err == ETIMEDOUT ? " (the door did not open: wrong key or sequence, "
			"or a firewall on the way?)" : "");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	status = relay(fd, p.host, port);
	close(fd);
	return status;
}
