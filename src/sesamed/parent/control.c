/* SPDX-License-Identifier: GPL-2.0-or-later */
/* control — see control.h. */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

enum { TAG_LISTEN = 0, TAG_TIMER = 1, TAG_CLIENT = 2 };

struct client {
	int fd;                         /* -1: free slot */
	uint64_t deadline_ms;
	char line[CONTROL_LINE_MAX + 1];
	size_t len;
	bool writing;
	struct strbuf out;
	size_t sent;
};

struct control {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int ep, lfd, tfd;
	bool bound;                     /* PATH is our socket: unlink at the end */
	control_status_fn fn;
	control_revoke_fn revoke;
	void *ctx;
	struct client cl[CONTROL_CLIENTS];
};

/* mkdir -p of PATH's directory; existing directories are left as they are. */
static int make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = c;
		if (c == '\0')
			break;
	}
	struct stat st;
	if (stat(dir, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* An existing PATH: a socket nobody answers on is ours to replace. */
static int clear_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = connect(fd, (const struct sockaddr *)sa, sizeof *sa);
	close(fd);
	if (rc == 0)
		return -EADDRINUSE;
	return unlink(sa->sun_path) < 0 && errno != ENOENT ? -errno : 0;
}

static int ep_add(int ep, int fd, uint32_t events, uint32_t tag)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int control_open(const char *path, control_status_fn fn, void *ctx, struct control **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!path || !*path || strlen(path) >= sizeof sa.sun_path) {
		log_err("control socket path too long or empty: %s", path ? path : "");
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	struct control *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	strcpy(c->path, path);
	c->fn = fn;
	c->ctx = ctx;
	c->ep = c->lfd = c->tfd = -1;
	for (size_t i = 0; i < CONTROL_CLIENTS; i++)
		c->cl[i].fd = -1;

	int rc = make_parent(path);
	if (rc < 0) {
		log_err("control socket %s: cannot create its directory: %s", path, strerror(-rc));
		goto fail;
	}
	rc = clear_stale(&sa);
	if (rc < 0) {
		log_err("control socket %s: %s", path,
			rc == -EADDRINUSE ? "another sesamed answers on it" :
			rc == -EEXIST ? "exists and is not a socket" : strerror(-rc));
		goto fail;
	}
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0) {
		rc = -errno;
		goto fail_sys;
	}
	/* 0600 from birth: no window in which others could connect. */
	mode_t old = umask(0177);
	rc = bind(c->lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ? -errno : 0;
	umask(old);
	if (rc < 0)
		goto fail_sys;
	c->bound = true;
	if (chmod(path, 0600) < 0 || listen(c->lfd, 16) < 0) {
		rc = -errno;
		goto fail_sys;
	}
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->ep < 0 || c->tfd < 0) {
		rc = -errno;
		goto fail_sys;
	}
	if ((rc = ep_add(c->ep, c->lfd, EPOLLIN, TAG_LISTEN)) < 0 ||
	    (rc = ep_add(c->ep, c->tfd, EPOLLIN, TAG_TIMER)) < 0)
		goto fail_sys;
	*out = c;
	return 0;
fail_sys:
	log_err("control socket %s: %s", path, strerror(-rc));
fail:
	control_free(c);
	return rc;
}

int control_fd(const struct control *c)
{
	return c->ep;
}

void control_set_revoke(struct control *c, control_revoke_fn fn)
{
	c->revoke = fn;
}

/* "revoke WHO[ DOOR]" (LINE without "revoke "). */
static void revoke_request(struct control *c, char *line, struct strbuf *out)
{
	char *door = strchr(line, ' ');
	if (door)
		*door++ = '\0';
	if (door && !*door) {
		strbuf_puts(out, "error: empty door name\n");
		return;
	}
	struct addr a;
	bool all = strcmp(line, "all") == 0;
	if (!all && !addr_parse(line, &a)) {
		strbuf_puts(out, "error: not an address: ");
		strbuf_add(out, line, utf8_prefix_len(line, 64));
		strbuf_puts(out, "\n");
		return;
	}
	c->revoke(c->ctx, all ? NULL : &a, door, out);
}

static void client_close(struct control *c, struct client *cl)
{
	epoll_ctl(c->ep, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	cl->fd = -1;
	strbuf_fini(&cl->out);
}

/* Arms the timer for the earliest client deadline (or disarms it). */
static void arm_timer(struct control *c)
{
	uint64_t first = 0;
	for (size_t i = 0; i < CONTROL_CLIENTS; i++)
		if (c->cl[i].fd >= 0 && (first == 0 || c->cl[i].deadline_ms < first))
			first = c->cl[i].deadline_ms;
	struct itimerspec its = { 0 };
	if (first) {
		its.it_value.tv_sec = (time_t)(first / 1000);
		its.it_value.tv_nsec = (long)(first % 1000) * 1000000;
	}
	timerfd_settime(c->tfd, first ? TFD_TIMER_ABSTIME : 0, &its, NULL);
}

static void accept_all(struct control *c)
{
	for (;;) {
		size_t i = 0;
		while (i < CONTROL_CLIENTS && c->cl[i].fd >= 0)
			i++;
		if (i == CONTROL_CLIENTS)
			return;         /* the rest wait in the backlog */
		int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warn("control socket: accept: %s", strerror(errno));
			return;
		}
		/* The 0600 mode already keeps others out; this holds even if
		 * someone loosens it. */
		struct ucred cr;
		socklen_t crlen = sizeof cr;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0 ||
		    (cr.uid != 0 && cr.uid != geteuid())) {
			close(fd);
			continue;
		}
		struct client *cl = &c->cl[i];
		memset(cl, 0, sizeof *cl);
		cl->fd = fd;
		cl->deadline_ms = loop_now_ms() + CONTROL_CLIENT_MS;
		if (ep_add(c->ep, fd, EPOLLIN, TAG_CLIENT + (uint32_t)i) < 0) {
			close(fd);
			cl->fd = -1;
		}
	}
}

static void answer(struct control *c, struct client *cl)
{
	cl->line[cl->len] = '\0';
	if (cl->len && cl->line[cl->len - 1] == '\r')
		cl->line[--cl->len] = '\0';
	if (strcmp(cl->line, "status") == 0)
		c->fn(c->ctx, CONTROL_TEXT, &cl->out);
	else if (strcmp(cl->line, "status json") == 0)
		c->fn(c->ctx, CONTROL_JSON, &cl->out);
	else if (strcmp(cl->line, "status prometheus") == 0)
		c->fn(c->ctx, CONTROL_PROMETHEUS, &cl->out);
	else if (c->revoke && strncmp(cl->line, "revoke ", 7) == 0)
		revoke_request(c, cl->line + 7, &cl->out);
	else if (strcmp(cl->line, "ping") == 0)
		strbuf_puts(&cl->out, "pong\n");
	else
		strbuf_puts(&cl->out, "error: unknown request\n");
	if (strbuf_failed(&cl->out)) {
		strbuf_reset(&cl->out);
		strbuf_puts(&cl->out, "error: out of memory\n");
	}
	cl->writing = true;
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = TAG_CLIENT + (uint32_t)(cl - c->cl) };
	epoll_ctl(c->ep, EPOLL_CTL_MOD, cl->fd, &ev);
}

/* Returns false when the client is done (closed). */
static bool client_read(struct control *c, struct client *cl)
{
	for (;;) {
		ssize_t n = read(cl->fd, cl->line + cl->len, CONTROL_LINE_MAX + 1 - cl->len);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		if (n == 0)
			return false;   /* hung up before a full line */
		char *nl = memchr(cl->line + cl->len, '\n', (size_t)n);
		cl->len += (size_t)n;
		if (nl) {
			cl->len = (size_t)(nl - cl->line);
			answer(c, cl);
			return true;
		}
		if (cl->len > CONTROL_LINE_MAX)
			return false;   /* no line within the limit: not a client of ours */
	}
}

static bool client_write(struct client *cl)
{
	const char *s = strbuf_str(&cl->out);
	size_t len = cl->out.len;
	while (cl->sent < len) {
		ssize_t n = send(cl->fd, s + cl->sent, len - cl->sent, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		cl->sent += (size_t)n;
	}
	return false;                   /* all sent: close */
}

void control_dispatch(struct control *c)
{
	struct epoll_event evs[CONTROL_CLIENTS + 2];
	int n = epoll_wait(c->ep, evs, (int)(sizeof evs / sizeof evs[0]), 0);
	for (int k = 0; k < n; k++) {
		uint32_t tag = evs[k].data.u32;
		if (tag == TAG_LISTEN) {
			accept_all(c);
			continue;
		}
		if (tag == TAG_TIMER) {
			uint64_t ticks;
			if (read(c->tfd, &ticks, sizeof ticks) < 0) { /* spurious: fine */ }
			uint64_t now = loop_now_ms();
			for (size_t i = 0; i < CONTROL_CLIENTS; i++)
				if (c->cl[i].fd >= 0 && c->cl[i].deadline_ms <= now)
					client_close(c, &c->cl[i]);
			continue;
		}
		size_t i = tag - TAG_CLIENT;
		if (i >= CONTROL_CLIENTS || c->cl[i].fd < 0)
			continue;
		struct client *cl = &c->cl[i];
		bool keep = cl->writing ? client_write(cl) : client_read(c, cl);
		if (keep && cl->writing && !(evs[k].events & EPOLLOUT))
			keep = client_write(cl);        /* try at once; usually all fits */
		if (!keep || (evs[k].events & (EPOLLERR | EPOLLHUP) && !cl->writing))
			client_close(c, cl);
	}
	/* A slot freed: pick up connections waiting in the backlog. */
	accept_all(c);
	arm_timer(c);
}

void control_free(struct control *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < CONTROL_CLIENTS; i++)
		if (c->cl[i].fd >= 0)
			client_close(c, &c->cl[i]);
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->bound)
		unlink(c->path);
	if (c->tfd >= 0)
		close(c->tfd);
	if (c->ep >= 0)
		close(c->ep);
	free(c);
}
