/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon_worker — the parent's side of the worker: see daemon_worker.h,
 * privsep.h and docs/sesamed.md "Privilege separation". */
#include "daemon_worker.h"

#include <errno.h>
#include <malloc.h>
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
#include <time.h>
#include <unistd.h>

#include "pages.h"
#include "worker/worker.h"

/* How long the parent waits for a new worker to say it is ready, and for
 * an old one to finish after SIGTERM. */
#define WORKER_READY_MS 5000
#define WORKER_STOP_MS  2000
/* After a failure the next worker starts REOPEN_MS later, twice that
 * after two failures in a row, and so on up to WORKER_BACKOFF_MAX_MS.  The
 * parent never gives up: a worker killed by whatever a packet did must
 * not be a way to stop sesamed.  The count of failures in a row goes back
 * to zero on a message that passes the parent's checks or when a worker
 * has run WORKER_STABLE_MS. */
#define WORKER_BACKOFF_MAX_MS 60000u
#define WORKER_STABLE_MS      60000u

/* One failure more; returns when to try again, and logs it. */
static uint64_t worker_backoff(struct daemon *dm)
{
	if (dm->worker_since_ms && loop_now_ms() - dm->worker_since_ms >= WORKER_STABLE_MS)
		dm->restarts = 0;
	dm->worker_since_ms = 0;
	if (dm->restarts < 32)
		dm->restarts++;
	uint64_t ms = REOPEN_MS;
	for (unsigned i = 1; i < dm->restarts && ms < WORKER_BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > WORKER_BACKOFF_MAX_MS)
		ms = WORKER_BACKOFF_MAX_MS;
	log_warn("starting a new worker in %llu ms (failure %u in a row)",
		 (unsigned long long)ms, dm->restarts);
	return loop_now_ms() + ms;
}

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

/* SESAME_GRANT_TIMING=1 in sesamed's environment: one line per grant with
 * the time each stage took, from the kernel's capture timestamp to the
 * gate's answer (bench/stages.sh reads them).  Logged after the grant. */
static bool timing_on(void)
{
	static int on = -1;
	if (on < 0) {
		const char *v = getenv("SESAME_GRANT_TIMING");
		on = v && strcmp(v, "1") == 0;
	}
	return on;
}

static uint64_t realtime_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void log_timing(const struct config *cfg, const struct ps_msg *m, uint64_t got_us)
{
	uint64_t done_us = realtime_us();
	long long worker = (long long)(m->sent_us - m->captured_us);
	long long ipc = (long long)(got_us - m->sent_us);
	long long gate = (long long)(done_us - got_us);
	char a[ADDR_STRLEN];
	addr_format(&m->grant.addr, a, sizeof a);
	log_notice("grant timing: door %s: %s: capture to sent %lld us, to parent %lld us, "
		   "gate %lld us, done at %llu", cfg->doors[m->grant.door].name, a,
		   worker, ipc, gate, (unsigned long long)done_us);
}

/* A grant decided under OLD, to be given under NEW: a reload has loaded
 * NEW's table while the old worker still decided what it had queued.  The
 * door is found by name and the grant checked against NEW; a door the
 * reload removed (or whose Open no longer holds the ports) opens nothing,
 * and its set is never put back.  False: drop it (logged). */
static bool grant_carry(const struct config *old, const struct config *new, struct grant *gr)
{
	const char *name = old->doors[gr->door].name;
	for (size_t i = 0; i < new->ndoors; i++) {
		if (strcmp(new->doors[i].name, name) != 0)
			continue;
		struct grant t = *gr;
		t.door = (uint32_t)i;
		if (!grant_validate(&t, new))
			break;
		*gr = t;
		return true;
	}
	char a[ADDR_STRLEN];
	log_warn("door %s: %s: not opened: the reload removed or changed the door", name,
		 addr_format(&gr->addr, a, sizeof a));
	return false;
}

/* Acts on one message from the worker, validated against CFG; grants are
 * given under TO (CFG but during a reload).  Returns true when it was
 * acceptable; false: the caller kills the worker. */
static bool handle_msg(struct daemon *dm, const struct config *cfg, const struct config *to,
		       const struct ps_msg *m, size_t len, enum ps_expect expect)
{
	const char *why = privsep_check(m, len, cfg, expect);
	if (why) {
		log_err("worker (pid %d) sent a malformed message (%s): killing it",
			(int)dm->worker, why);
		return false;
	}
	switch (m->type) {
	case PS_GRANT: {
		uint64_t got_us = timing_on() ? realtime_us() : 0;
		struct grant gr = m->grant;
		if (to == cfg || grant_carry(cfg, to, &gr)) {
			/* dm->fleet is always for dm->cfg (a reload swaps them
			 * together). */
			if (dm->fleet && to == dm->cfg)
				fleet_grant(dm->fleet, &gr, m->replay.kind, m->replay.id,
					    m->replay.expire_s);
			else
				gates_dispatch(&dm->gates, to, &gr);
		}
		if (got_us)
			log_timing(cfg, m, got_us);
		break;
	}
	case PS_KNOCKS:
		if (dm->metrics)
			metrics_worker_knocks(dm->metrics, cfg, m);
		break;
	case PS_STATUS:
		memcpy(dm->attempts, m->attempts, sizeof dm->attempts);
		dm->attempts_known = true;
		if (dm->metrics)
			metrics_worker_status(dm->metrics, m);
		break;
	case PS_HISTORY:
		/* Without the memory the next worker starts with no attempts
		 * in progress: a knocker starts again, nothing opens wrongly. */
		if (!dm->history)
			dm->history = pages_alloc(PS_HISTORY_MAX * sizeof *dm->history);
		for (uint32_t i = 0; dm->history && i < m->nevents &&
				    dm->nhistory < PS_HISTORY_MAX; i++)
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
	if (dm->metrics)
		metrics_worker_ended(dm->metrics);
	return status;
}

/* In a new worker: every descriptor but the NKEEP of KEEP (and stdin,
 * stdout, stderr) is the parent's: the control socket and its clients,
 * nftables' netlink sockets, the event loop's epoll and timers, the pid
 * file, StateDir.  Closed, so the worker can neither use nor keep them. */
static void close_all_except(int *keep, size_t nkeep)
{
	/* Sorted, so that what lies between two kept ones goes in one
	 * close_range() (a loop over every number where it is missing). */
	for (size_t i = 1; i < nkeep; i++)
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	struct rlimit rl;
	unsigned max = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = rl.rlim_cur > 65536 ? 65536 : (unsigned)rl.rlim_cur;
	unsigned from = 3;
	for (size_t i = 0; i <= nkeep; i++) {
		unsigned to = i < nkeep ? (unsigned)keep[i] : ~0u;
		if (i < nkeep && (keep[i] < 3 || (unsigned)keep[i] < from))
			continue;       /* stdio, or a duplicate */
		if (to > from && close_range(from, to - 1, 0) < 0)
			for (unsigned fd = from; fd < to && fd < max; fd++)
				close((int)fd);
		from = to + 1;
	}
}

/* Forks a worker for CFG on the current capture and waits until it says
 * it is ready.  Returns 0 or -errno (logged; no worker then). */
int worker_spawn(struct daemon *dm, const struct config *cfg)
{
	/* One worker at a time: a second would be nobody's to stop or reap,
	 * and both would read the capture. */
	if (dm->worker > 0 || dm->ipc >= 0) {
		log_err("worker: not starting a second one beside worker %d", (int)dm->worker);
		return -EBUSY;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		int e = errno;
		log_err("worker: socketpair: %s", strerror(e));
		return -e;
	}
	/* Opening a capture compiles its filter: a burst of short-lived
	 * allocations between ones that stay.  Their pages go back now, or
	 * the parent keeps them until the next reload (a link flap or a
	 * worker restart has none) and the worker inherits them. */
	malloc_trim(0);
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
		loop_free(dm->loop);
		int keep[8] = { capture_fd(dm->cap), sv[1] };
		size_t nkeep = 2 + log_fds(keep + 2, 6);
		close_all_except(keep, nkeep);
		struct worker_args a = {
			.cfg = cfg, .cap = dm->cap, .ifname = dm->ifname, .ipc = sv[1],
			.parent = parent, .only_v4 = dm->opts->only_v4, .user = &dm->user,
		};
		worker_run(&a);
	}
	close(sv[1]);
	capture_hand_off(dm->cap);      /* the worker reads it from now on */
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
	pages_free(dm->history, PS_HISTORY_MAX * sizeof *dm->history);
	dm->history = NULL;
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
	dm->worker_since_ms = loop_now_ms();
	log_debug("worker %d ready (user %s)", (int)pid, dm->user.name);
	return 0;
}

/* SIGTERM to the worker; the grants it still sends (it decides what was
 * queued before it exits) are taken, decided under CFG and given under
 * TO, until it is gone. */
void worker_stop(struct daemon *dm, const struct config *cfg, const struct config *to)
{
	if (dm->worker <= 0)
		return;
	/* Its counts so far, so that they outlive it (metrics.h). */
	if (dm->metrics && cfg == dm->cfg)
		worker_ask_status_to(dm, to);
	if (dm->worker <= 0)
		return;                 /* it died answering */
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
		if (!handle_msg(dm, cfg, to, &m, (size_t)n, PS_EXPECT_HISTORY))
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
	if (dm->metrics)
		metrics_worker_restarted(dm->metrics);
	loop_timer_set(dm->loop, dm->reopen, worker_backoff(dm));
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
		if (!handle_msg(dm, dm->cfg, dm->cfg, &m, (size_t)n, PS_EXPECT_NONE)) {
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
	/* A reload while this timer was armed started a worker already. */
	if (dm->worker > 0)
		return;
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
		loop_timer_set(l, t, worker_backoff(dm));
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
	worker_ask_status_to(dm, dm->cfg);
}

void worker_ask_status_to(struct daemon *dm, const struct config *to)
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
		if (!handle_msg(dm, dm->cfg, to, &m, (size_t)n, PS_EXPECT_STATUS)) {
			worker_gone(dm, true);
			return;
		}
	}
}

