/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon_worker — the parent's side of the worker: see daemon_parent.h,
 * privsep.h and docs/sesamed.md "Privilege separation". */
#include "daemon_parent.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "worker/worker.h"

/* How long the parent waits for a new worker to say it is ready, and for
 * an old one to finish after SIGTERM. */
#define WORKER_READY_MS 5000
#define WORKER_STOP_MS  2000
/* Failures in a row after which the parent gives up. */
#define WORKER_MAX_RESTARTS 10

static void on_ipc(struct loop *l, int fd, uint32_t events, void *ctx);

/* Waits up to MS for FD to be readable.  Returns > 0, 0 on timeout. */
static int wait_readable(int fd, unsigned ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t end = loop_now_ms() + ms;
	for (;;) {
		uint64_t now = loop_now_ms();
		if (now >= end)
			return 0;
		int n = poll(&p, 1, (int)(end - now));
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

/* Acts on one message from the worker, validated against CFG.  Returns
 * true when it was acceptable; false: the caller kills the worker. */
static bool handle_msg(struct daemon *dm, const struct config *cfg, const struct ps_msg *m,
		       size_t len, enum ps_expect expect)
{
	const char *why = privsep_check(m, len, cfg, expect);
	if (why) {
		log_err("worker (pid %d) sent a malformed message (%s): killing it",
			(int)dm->worker, why);
		return false;
	}
	switch (m->type) {
	case PS_GRANT:
		/* dm->fleet is always for dm->cfg (reload swaps them together). */
		if (dm->fleet && cfg == dm->cfg)
			fleet_grant(dm->fleet, &m->grant, m->replay.kind, m->replay.id,
				    m->replay.expire_s);
		else
			gates_dispatch(&dm->gates, cfg, &m->grant);
		break;
	case PS_STATUS:
		memcpy(dm->attempts, m->attempts, sizeof dm->attempts);
		dm->attempts_known = true;
		break;
	case PS_HISTORY:
		for (uint32_t i = 0; i < m->nevents && dm->nhistory < PS_HISTORY_MAX; i++)
			dm->history[dm->nhistory++] = m->events[i];
		break;
	default:
		break;
	}
	return true;
}

/* The worker is gone (or must go): closes our end, reaps it, and returns
 * its wait status. */
static int worker_reap(struct daemon *dm, bool kill_it)
{
	if (dm->ipc >= 0) {
		loop_del_fd(dm->loop, dm->ipc);
		close(dm->ipc);
		dm->ipc = -1;
	}
	int status = 0;
	if (dm->worker > 0) {
		if (kill_it)
			kill(dm->worker, SIGKILL);
		while (waitpid(dm->worker, &status, 0) < 0 && errno == EINTR)
			;
	}
	dm->worker = 0;
	dm->attempts_known = false;
	return status;
}

/* In a new worker: every socket but KEEP1 and KEEP2 is the parent's (the
 * control socket and its clients, nftables' netlink sockets): closed, so
 * the worker cannot talk through them.  Sockets only: the log file and
 * the other descriptors stay. */
static void close_sockets_except(int keep1, int keep2)
{
	struct rlimit rl;
	int max = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur;
	for (int fd = 3; fd < max; fd++) {
		struct stat st;
		if (fd != keep1 && fd != keep2 && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
			close(fd);
	}
}

/* Forks a worker for CFG on the current capture and waits until it says
 * it is ready.  Returns 0 or -errno (logged; no worker then). */
int worker_spawn(struct daemon *dm, const struct config *cfg)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		int e = errno;
		log_err("worker: socketpair: %s", strerror(e));
		return -e;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		log_err("worker: fork: %s", strerror(e));
		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	if (pid == 0) {
		/* The child keeps the capture, its end of the socketpair and
		 * the log; what is the parent's alone is closed. */
		close(sv[0]);
		/* The parent decides about these (worker_run says it too, but
		 * loop_free() below unblocks them first). */
		signal(SIGHUP, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		/* syslog's socket goes with the others, through closelog() so
		 * that glibc forgets its number (which may be reused) and
		 * connects again on the next line. */
		closelog();
		close_sockets_except(capture_fd(dm->cap), sv[1]);
		loop_free(dm->loop);
		struct worker_args a = {
			.cfg = cfg, .cap = dm->cap, .ifname = dm->ifname, .ipc = sv[1],
			.parent = parent, .only_v4 = dm->opts->only_v4, .user = &dm->user,
		};
		worker_run(&a);
	}
	close(sv[1]);
	dm->worker = pid;
	dm->ipc = sv[0];
	/* The knocks of the worker before, then the end of them. */
	struct ps_msg m;
	memset(&m, 0, sizeof m);
	m.type = PS_HISTORY;
	for (size_t i = 0; i < dm->nhistory; i++) {
		m.events[m.nevents++] = dm->history[i];
		if (m.nevents == PS_EVENTS || i + 1 == dm->nhistory) {
			if (privsep_send(dm->ipc, &m) < 0)
				break;
			m.nevents = 0;
		}
	}
	dm->nhistory = 0;
	memset(&m, 0, sizeof m);
	m.type = PS_HISTORY_END;
	privsep_send(dm->ipc, &m);
	ssize_t n = -EAGAIN;
	if (wait_readable(dm->ipc, WORKER_READY_MS) > 0)
		n = privsep_recv(dm->ipc, &m);
	if (n <= 0 || privsep_check(&m, (size_t)n, cfg, PS_EXPECT_READY)) {
		int st = worker_reap(dm, true);
		if (n > 0)
			log_err("worker: a malformed first message");
		else if (n == -EAGAIN)
			log_err("worker: not ready after %u ms", WORKER_READY_MS);
		else if (WIFEXITED(st) && WEXITSTATUS(st) == WORKER_EXIT_LOST)
			return -ENETDOWN;
		return -EIO;
	}
	int rc = loop_add_fd(dm->loop, dm->ipc, EPOLLIN, on_ipc, dm);
	if (rc < 0) {
		log_err("epoll on the worker: %s", strerror(-rc));
		worker_reap(dm, true);
		return rc;
	}
	log_debug("worker %d ready (user %s)", (int)pid, dm->user.name);
	return 0;
}

/* SIGTERM to the worker; the grants it still sends (it decides what was
 * queued before it exits) are taken, under CFG, until it is gone. */
void worker_stop(struct daemon *dm, const struct config *cfg)
{
	if (dm->worker <= 0)
		return;
	kill(dm->worker, SIGTERM);
	uint64_t end = loop_now_ms() + WORKER_STOP_MS;
	bool kill_it = true;
	while (dm->ipc >= 0 && loop_now_ms() < end) {
		if (wait_readable(dm->ipc, (unsigned)(end - loop_now_ms())) <= 0)
			break;
		struct ps_msg m;
		ssize_t n = privsep_recv(dm->ipc, &m);
		if (n == -EAGAIN)
			continue;
		if (n <= 0) {
			kill_it = false;        /* it closed: it is exiting */
			break;
		}
		if (!handle_msg(dm, cfg, &m, (size_t)n, PS_EXPECT_HISTORY))
			break;
	}
	worker_reap(dm, kill_it);
}

/* The worker ended while we were running. */
static void worker_gone(struct daemon *dm, bool kill_it)
{
	int st = worker_reap(dm, kill_it);
	if (WIFEXITED(st) && WEXITSTATUS(st) == WORKER_EXIT_LOST) {
		/* It logged the loss; the interface is looked for again. */
		capture_close(dm->cap);
		dm->cap = NULL;
		dm->lost = true;
		loop_timer_set(dm->loop, dm->reopen, loop_now_ms() + REOPEN_MS);
		return;
	}
	if (WIFSIGNALED(st))
		log_err("worker killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		log_err("worker exited with status %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	if (++dm->restarts > WORKER_MAX_RESTARTS) {
		log_err("worker failed %u times in a row: giving up", dm->restarts - 1);
		loop_stop(dm->loop, -EIO);
		return;
	}
	log_warn("starting a new worker in %u ms", REOPEN_MS);
	loop_timer_set(dm->loop, dm->reopen, loop_now_ms() + REOPEN_MS);
}

static void on_ipc(struct loop *l, int fd, uint32_t events, void *ctx)
{
	(void)l; (void)events;
	struct daemon *dm = ctx;
	/* Bounded per turn, like the capture. */
	for (int i = 0; i < 256; i++) {
		struct ps_msg m;
		ssize_t n = privsep_recv(fd, &m);
		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			worker_gone(dm, false);
			return;
		}
		if (!handle_msg(dm, dm->cfg, &m, (size_t)n, PS_EXPECT_NONE)) {
			worker_gone(dm, true);
			return;
		}
		dm->restarts = 0;
	}
}

/* Reopens a lost capture, or starts a worker after a failure.  Always on
 * a new capture: libpcap's ring position lives in the process that read
 * it, so a new worker on the old handle would wait at the wrong block. */
void worker_on_reopen(struct loop *l, struct loop_timer *t, void *ctx)
{
	struct daemon *dm = ctx;
	capture_close(dm->cap);
	dm->cap = NULL;
	if (capture_open_len(dm->ifname, dm->filter, capture_snaplen(dm->cfg), &dm->cap) < 0) {
		dm->cap = NULL;
		loop_timer_set(l, t, loop_now_ms() + REOPEN_MS);
		return;
	}
	int rc = worker_spawn(dm, dm->cfg);
	if (rc == -ENETDOWN) {
		/* Gone again before the worker could start. */
		capture_close(dm->cap);
		dm->cap = NULL;
		loop_timer_set(l, t, loop_now_ms() + REOPEN_MS);
		return;
	}
	if (rc < 0) {
		if (++dm->restarts > WORKER_MAX_RESTARTS) {
			log_err("worker failed %u times in a row: giving up", dm->restarts - 1);
			loop_stop(l, -EIO);
			return;
		}
		loop_timer_set(l, t, loop_now_ms() + REOPEN_MS);
		return;
	}
	if (dm->waiting)
		log_notice("capture on %s: interface is there, capturing", dm->ifname);
	else if (dm->lost)
		log_warn("capture on %s: interface is back, capturing again", dm->ifname);
	dm->lost = dm->waiting = false;
}

/* Attempts per door are the worker's: asked for over the socketpair,
 * taking the grants that arrive meanwhile. */
void worker_ask_status(struct daemon *dm)
{
	dm->attempts_known = false;
	if (dm->ipc < 0)
		return;
	struct ps_msg m;
	memset(&m, 0, sizeof m);
	m.type = PS_STATUS_REQ;
	if (privsep_send(dm->ipc, &m) < 0)
		return;
	uint64_t end = loop_now_ms() + 1000;
	while (!dm->attempts_known && loop_now_ms() < end) {
		if (wait_readable(dm->ipc, (unsigned)(end - loop_now_ms())) <= 0)
			return;
		ssize_t n = privsep_recv(dm->ipc, &m);
		if (n == -EAGAIN)
			continue;
		if (n <= 0) {
			worker_gone(dm, false);
			return;
		}
		if (!handle_msg(dm, dm->cfg, &m, (size_t)n, PS_EXPECT_STATUS)) {
			worker_gone(dm, true);
			return;
		}
	}
}

