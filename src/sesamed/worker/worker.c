/* SPDX-License-Identifier: GPL-2.0-or-later */
/* worker — see worker.h. */
#include "worker.h"

#include <errno.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "door.h"
#include "fwknop.h"
#include "localaddr.h"
#include "log.h"
#include "loop.h"
#include "pages.h"
#include "privsep.h"
#include "rotdoor.h"
#include "spa_door.h"

_Static_assert(ROTDOOR_SPENT_ID_LEN == PS_REPLAY_ID_LEN, "a rotating sequence's id is a claim's");

struct worker {
	const struct worker_args *a;
	const struct config *cfg;
	struct doors *doors;
	struct spa_doors *spa;          /* NULL: no SPA door */
	struct rotdoors *rot;           /* NULL: no rotating door */
	struct localaddr *local;        /* NULL: not known (fixed ranges only) */
	uint64_t refused_sources;       /* spoofed or echoed sources dropped */
	struct loop *loop;
	struct loop_timer *expire;
	unsigned min_seq_timeout_ms;
	struct grant *grants;
	struct rotdoor_spent *rot_spent;        /* what grants[i] spent, rotating */
	size_t ngrants;
	int status;                     /* exit status */
	/* The newest knocks, for the next worker (privsep.h): PS_HISTORY_MAX
	 * of them, tens of KiB, mapped (pages.h) so that only the slots used are
	 * resident, not zeroed on the stack. */
	struct ps_event *history;
	size_t hnext, hlen;
	unsigned max_seq_timeout_ms;
};

static unsigned min_seq_timeout(const struct config *cfg)
{
	unsigned m = 0;
	for (size_t i = 0; i < cfg->ndoors; i++) {
		const struct door *d = &cfg->doors[i];
		if (door_is_sequence(d) && (m == 0 || d->seq_timeout_ms < m))
			m = d->seq_timeout_ms;
	}
	return m ? m : 1;
}

static unsigned max_seq_timeout(const struct config *cfg)
{
	unsigned m = 0;
	for (size_t i = 0; i < cfg->ndoors; i++) {
		const struct door *d = &cfg->doors[i];
		if (door_is_sequence(d) && d->seq_timeout_ms > m)
			m = d->seq_timeout_ms;
	}
	return m;
}

/* A worker of a sesamed that was just killed may live a moment longer
 * (until its PR_SET_PDEATHSIG lands) and still hold the lock of the
 * replay cache (or of the rotating doors' spent file): wait for it (up to
 * 3 s) rather than refuse to start. */
static void replay_lock_wait(const char *path)
{
	if (!path)
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	for (int i = 0; i < 60 && flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK; i++) {
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
	close(fd);
}

static bool has_spa(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->ndoors; i++)
		if (door_is_spa(&cfg->doors[i]))
			return true;
	return false;
}

static uint64_t realtime_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The grant goes to the parent as it is; a parent that cannot take it
 * any more is gone, and so are we.  The parent kills a worker that sends
 * a grant its check refuses, so the same check runs here first: a
 * request nobody foresaw is refused here, logged, and costs nothing.  RP:
 * what the grant used up (an SPA packet, a one-time or rotating
 * sequence), for the fleet's claim; NULL for nothing. */
static void send_grant(struct worker *w, const struct grant *gr, uint64_t captured_us,
		       const struct ps_replay *rp)
{
	if (!grant_validate(gr, w->cfg)) {
		const char *door = gr->door < w->cfg->ndoors ? w->cfg->doors[gr->door].name : "?";
		char a[ADDR_STRLEN];
		log_err("door %s: %s: refusing a grant the parent would refuse (a bug): "
			"%u ports, timeout %u", door, addr_format(&gr->addr, a, sizeof a),
			gr->nports, gr->timeout_s);
		return;
	}
	struct ps_msg m;
	memset(&m, 0, sizeof m);
	m.type = PS_GRANT;
	memcpy(&m.grant, gr, sizeof m.grant);
	m.captured_us = captured_us;
	m.sent_us = realtime_us();
	if (rp)
		m.replay = *rp;
	int rc = privsep_send(w->a->ipc, &m);
	if (rc < 0) {
		log_err("worker: cannot hand a grant to the parent: %s", strerror(-rc));
		log_release();          /* this packet's lines, held until now */
		_exit(1);
	}
}

static void on_expire(struct loop *l, struct loop_timer *t, void *ctx)
{
	struct worker *w = ctx;
	uint64_t now = loop_now_ms();
	int64_t next = doors_expire(w->doors, now);
	if (next >= 0)
		loop_timer_set(l, t, now + (uint64_t)next);
}

/* After a packet: an attempt it may have started ends no sooner than the
 * shortest Seq_Timeout from now (O(1); doors_expire says the exact next). */
static void expire_after_packet(struct worker *w, uint64_t now)
{
	uint64_t want = now + w->min_seq_timeout_ms;
	if (!loop_timer_armed(w->expire) || loop_timer_deadline(w->expire) > want)
		loop_timer_set(w->loop, w->expire, want);
}

/* Every decoded packet the filter let through: SPA doors take UDP to
 * their SPA_Port, sequence doors take the rest. */
static void packet(void *ctx, const struct knock_event *in)
{
	struct worker *w = ctx;
	if (w->a->only_v4 && in->saddr.family != AF_INET)
		return;
	/* Not a knocker's address: spoofed, or the host's own echo. */
	if (!localaddr_source_ok(w->local, &in->saddr)) {
		if (w->refused_sources++ == 0 || log_get_level() >= LOG_DEBUG) {
			char s[ADDR_STRLEN];
			log_info("packet from %s refused: not a knocker's address (unspecified, "
				 "loopback, multicast, broadcast or our own); further ones are "
				 "counted", addr_format(&in->saddr, s, sizeof s));
		}
		return;
	}
	struct knock_event e = *in;
	const struct knock_event *ev = &e;
	e.forwarded = w->local && !localaddr_is_local(w->local, &e.daddr);
	if (log_get_level() >= LOG_DEBUG) {
		char s[ADDR_STRLEN], d[ADDR_STRLEN];
		log_debug("packet %s:%u -> %s:%u/%s flags 0x%02x",
			  addr_format(&ev->saddr, s, sizeof s), ev->sport,
			  addr_format(&ev->daddr, d, sizeof d), ev->dport,
			  port_proto_name(ev->proto), ev->tcpflags);
	}
	uint64_t now = loop_now_ms();
	if (w->spa && ev->proto == PROTO_UDP && !ev->forwarded) {
		struct grant gr;
		if (spa_doors_check(w->spa, ev, (uint64_t)time(NULL), now, &gr)) {
			struct ps_replay rp = { .kind = PS_ONCE_PACKET };
			spa_doors_last_packet(w->spa, rp.id, &rp.expire_s);
			send_grant(w, &gr, ev->time_us, &rp);
		}
	}
	if (w->max_seq_timeout_ms) {
		struct ps_event *h = &w->history[w->hnext];
		*h = (struct ps_event){ .saddr = ev->saddr, .daddr = ev->daddr, .mono_ms = now,
					.sport = ev->sport, .dport = ev->dport, .proto = ev->proto,
					.tcpflags = ev->tcpflags };
		w->hnext = (w->hnext + 1) % PS_HISTORY_MAX;
		if (w->hlen < PS_HISTORY_MAX)
			w->hlen++;
	}
	size_t n = doors_feed(w->doors, ev, now, w->grants, w->ngrants);
	for (size_t i = 0; i < n; i++) {
		struct ps_replay rp = { .kind = PS_ONCE_SEQUENCE };
		bool spent = doors_spent_id(w->doors, w->grants[i].door, rp.id);
		send_grant(w, &w->grants[i], ev->time_us, spent ? &rp : NULL);
	}
	if (w->rot) {
		size_t r = rotdoors_feed(w->rot, ev, now, (uint64_t)time(NULL), w->grants,
					 w->rot_spent, w->ngrants);
		for (size_t i = 0; i < r; i++) {
			struct ps_replay rp = { .kind = PS_ONCE_ROTATING,
						.expire_s = w->rot_spent[i].expire_s };
			memcpy(rp.id, w->rot_spent[i].id, sizeof rp.id);
			send_grant(w, &w->grants[i], ev->time_us, &rp);
		}
	}
	expire_after_packet(w, now);
}

/* A packet's decision lines are written after its grant has gone to the
 * parent: the time between a packet and an open port is spent on the
 * packet, not on writing the log. */
static void on_packet(void *ctx, const struct knock_event *in)
{
	log_hold();
	packet(ctx, in);
	log_release();
}

static void on_local(struct loop *l, int fd, uint32_t events, void *ctx)
{
	(void)l; (void)fd; (void)events;
	struct worker *w = ctx;
	localaddr_update(w->local);
}

static void on_capture(struct loop *l, int fd, uint32_t events, void *ctx)
{
	(void)fd; (void)events;
	struct worker *w = ctx;
	/* Bounded per turn so timers and the parent keep their turn. */
	int rc = capture_dispatch(w->a->cap, 256, on_packet, w);
	if (rc == -ENODEV || rc == -ENETDOWN) {
		log_warn("capture on %s: %s; waiting for it to come back", w->a->ifname,
			 strerror(-rc));
		w->status = WORKER_EXIT_LOST;
		loop_stop(l, 0);
	} else if (rc < 0) {
		log_warn("capture on %s: %s", w->a->ifname, strerror(-rc));
	}
}

/* At SIGTERM: the knocks of the last Seq_Timeout, oldest first. */
static void send_history(struct worker *w)
{
	uint64_t now = loop_now_ms();
	struct ps_msg m;
	memset(&m, 0, sizeof m);
	m.type = PS_HISTORY;
	size_t first = (w->hnext + PS_HISTORY_MAX - w->hlen) % PS_HISTORY_MAX;
	for (size_t i = 0; i < w->hlen; i++) {
		const struct ps_event *e = &w->history[(first + i) % PS_HISTORY_MAX];
		if (e->mono_ms + w->max_seq_timeout_ms < now)
			continue;
		m.events[m.nevents++] = *e;
		if (m.nevents == PS_EVENTS) {
			if (privsep_send(w->a->ipc, &m) < 0)
				return;
			m.nevents = 0;
		}
	}
	if (m.nevents)
		privsep_send(w->a->ipc, &m);
}

static int replay_history(struct worker *w)
{
	for (;;) {
		struct pollfd p = { .fd = w->a->ipc, .events = POLLIN };
		int n = poll(&p, 1, 5000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ETIMEDOUT;
		struct ps_msg m;
		ssize_t len = privsep_recv(w->a->ipc, &m);
		if (len == -EAGAIN)
			continue;
		if (len != (ssize_t)sizeof m)
			return -EPROTO;
		if (m.type == PS_HISTORY_END)
			return 0;
		if (m.type != PS_HISTORY || m.nevents > PS_EVENTS)
			return -EPROTO;
		for (uint32_t i = 0; i < m.nevents; i++) {
			const struct ps_event *e = &m.events[i];
			struct knock_event ev = {
				.saddr = e->saddr, .daddr = e->daddr, .proto = e->proto,
				.sport = e->sport, .dport = e->dport, .tcpflags = e->tcpflags,
			};
			if (ev.saddr.family != AF_INET && ev.saddr.family != AF_INET6)
				continue;
			if (ev.daddr.family != AF_INET && ev.daddr.family != AF_INET6)
				continue;
			if (ev.proto != PROTO_TCP && ev.proto != PROTO_UDP)
				continue;
			doors_feed(w->doors, &ev, e->mono_ms, w->grants, w->ngrants);
		}
	}
}

/* Before the first packet: the previous worker's knocks, replayed
 * through our doors with their grants discarded (they were given) and
 * their decision lines dropped: the old worker logged each of them once,
 * and whatever counts log lines (fail2ban) must not count them twice on
 * every reload.  Warnings and errors still show. */
static int take_history(struct worker *w)
{
	int level = log_get_level();
	if (level > LOG_WARNING)
		log_set_level(LOG_WARNING);
	int rc = replay_history(w);
	log_set_level(level);
	return rc;
}

/* The answer to PS_STATUS_REQ: the knock counts in pages of
 * PS_KNOCK_DOORS doors, then attempts per door and the totals. */
static int send_status(struct worker *w, int fd)
{
	const struct config *cfg = w->cfg;
	size_t ndoors = cfg->ndoors < CONFIG_DOORS_MAX ? cfg->ndoors : CONFIG_DOORS_MAX;
	struct ps_msg m;
	for (size_t first = 0; first < ndoors; first += PS_KNOCK_DOORS) {
		memset(&m, 0, sizeof m);
		m.type = PS_KNOCKS;
		m.knock_door = (uint32_t)first;
		for (size_t k = 0; k < PS_KNOCK_DOORS && first + k < ndoors; k++)
			doors_counts(w->doors, first + k, &m.knocks[k]);
		int rc = privsep_send(fd, &m);
		if (rc < 0)
			return rc;
	}
	memset(&m, 0, sizeof m);
	m.type = PS_STATUS;
	m.ndoors = (uint32_t)ndoors;
	for (size_t i = 0; i < ndoors; i++)
		m.attempts[i] = (uint32_t)(doors_attempts(w->doors, i) +
			(w->rot ? rotdoors_attempts(w->rot, i, loop_now_ms()) : 0));
	struct capture_stats cs = { 0 };
	capture_stats(w->a->cap, &cs);
	m.counters.frames = cs.seen;
	m.counters.undecodable = cs.undecodable;
	m.counters.kernel_drops = cs.kernel_drops;
	m.counters.if_drops = cs.if_drops;
	if (w->spa) {
		struct spa_stats st;
		spa_doors_stats(w->spa, &st);
		m.counters.spa_seen = st.seen;
		m.counters.spa_accepted = st.granted;
		memcpy(m.counters.spa_refused, st.refused, sizeof st.refused);
	}
	return privsep_send(fd, &m);
}

static void on_parent(struct loop *l, int fd, uint32_t events, void *ctx)
{
	(void)events;
	struct worker *w = ctx;
	struct ps_msg m;
	ssize_t n = privsep_recv(fd, &m);
	if (n == -EAGAIN)
		return;
	if (n == 0 || n < 0) {
		loop_stop(l, 0);        /* the parent is gone */
		return;
	}
	if ((size_t)n == sizeof m && m.type == PS_HISTORY_END)
		return;
	if ((size_t)n != sizeof m || m.type != PS_STATUS_REQ) {
		log_err("worker: malformed message from the parent; exiting");
		w->status = 1;
		loop_stop(l, 0);
		return;
	}
	if (send_status(w, fd) < 0)
		loop_stop(l, 0);
}

static void on_signal(struct loop *l, const struct signalfd_siginfo *si, void *ctx)
{
	(void)si; (void)ctx;
	loop_stop(l, 0);
}

/* Does a door of CFG hash or decrypt in the worker?  SPA doors, rotating
 * doors (HMAC), and one-time sequences (the id of a spent line). */
static bool needs_crypto(const struct config *cfg)
{
	if (has_spa(cfg) || rotdoors_wanted(cfg))
		return true;
	for (size_t i = 0; i < cfg->ndoors; i++)
		if (cfg->doors[i].one_time_file)
			return true;
	return false;
}

/* Things libraries would otherwise fetch from the file system on first
 * use, after the sandbox forbids it: the time zone for log lines and,
 * when a door needs it, OpenSSL's config and default provider, and the
 * algorithms of the fwknop doors, whose first use would otherwise cost
 * their first packet milliseconds.  Knock doors need no OpenSSL: left
 * alone, it costs no memory (its algorithm tables take some 300 KiB of
 * heap and touch 2 MiB of its code). */
static void preload(const struct config *cfg)
{
	tzset();
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	if (!needs_crypto(cfg))
		return;
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	EVP_MD_free(md);
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_free(mac);
	for (size_t i = 0; i < cfg->ndoors; i++) {
		const struct door *d = &cfg->doors[i];
		if (d->spa_format == SPA_FORMAT_FWKNOP && fwknop_preload(d->fwknop_hmac_digest) != 0)
			log_warn("worker: door %s: fwknop's algorithms could not be loaded ahead",
				 d->name);
	}
}

static void log_spa_counters(struct worker *w)
{
	if (w->refused_sources)
		log_notice("packets refused for their source address: %llu",
			   (unsigned long long)w->refused_sources);
	if (!w->spa)
		return;
	struct spa_stats st;
	struct capture_stats cs = { 0 };
	spa_doors_stats(w->spa, &st);
	capture_stats(w->a->cap, &cs);
	log_notice("spa counters: %llu seen, %llu granted, %llu replayed, %llu rejected; "
		   "capture: %llu frames, %llu kernel drops",
		   (unsigned long long)st.seen, (unsigned long long)st.granted,
		   (unsigned long long)st.replayed, (unsigned long long)st.rejected,
		   (unsigned long long)cs.seen, (unsigned long long)cs.kernel_drops);
}

static int setup(struct worker *w)
{
	const struct config *cfg = w->cfg;
	int rc = doors_new(cfg, &w->doors);
	if (rc < 0)
		return rc;
	if (has_spa(cfg) && (rc = spa_doors_new(cfg, &w->spa)) < 0)
		return rc;
	/* Secrets, /etc/services and the spent file: read before the
	 * sandbox, written through the descriptor after it. */
	if (rotdoors_wanted(cfg) && (rc = rotdoors_new(cfg, (uint64_t)time(NULL), &w->rot)) < 0)
		return rc;
	w->ngrants = cfg->ndoors ? cfg->ndoors : 1;
	w->grants = calloc(w->ngrants, sizeof *w->grants);
	w->rot_spent = calloc(w->ngrants, sizeof *w->rot_spent);
	w->history = pages_alloc(PS_HISTORY_MAX * sizeof *w->history);
	if (!w->grants || !w->rot_spent || !w->history)
		return -ENOMEM;
	w->min_seq_timeout_ms = min_seq_timeout(cfg);
	w->max_seq_timeout_ms = max_seq_timeout(cfg);
	if ((rc = loop_new(&w->loop)) < 0)
		return rc;
	static const int sigs[] = { SIGTERM };
	if ((rc = loop_signals(w->loop, sigs, 1, on_signal, w)) < 0)
		return rc;
	w->expire = loop_timer_new(w->loop, on_expire, w);
	if (!w->expire)
		return -ENOMEM;
	if ((rc = loop_add_fd(w->loop, capture_fd(w->a->cap), EPOLLIN, on_capture, w)) < 0 ||
	    (rc = loop_add_fd(w->loop, w->a->ipc, EPOLLIN, on_parent, w)) < 0)
		return rc;
	/* Without it, forwarded traffic and our own addresses are not told
	 * apart: a warning, not a reason to stop guarding. */
	if (localaddr_new(&w->local) < 0)
		log_warn("worker: local addresses unknown: forwarded packets count as knocks");
	else if ((rc = loop_add_fd(w->loop, localaddr_fd(w->local), EPOLLIN, on_local, w)) < 0)
		return rc;
	preload(cfg);
	/* What the worker may write to, from now on. */
	int out[CONFIG_DOORS_MAX + 8];
	size_t nout = 0;
	out[nout++] = w->a->ipc;
	nout += log_fds(out + nout, 4);
	nout += doors_files(w->doors, out + nout, CONFIG_DOORS_MAX);
	if (w->spa)
		nout += spa_doors_files(w->spa, out + nout, 3);
	if (w->rot)
		nout += rotdoors_files(w->rot, out + nout, 1);
	if (w->local)           /* a new dump after lost notifications */
		out[nout++] = localaddr_fd(w->local);
	if ((rc = sandbox_enter(w->a->user, w->a->parent, out, nout)) < 0)
		return rc;
	if ((rc = take_history(w)) < 0)
		return rc;
	/* Building the seccomp filter and replaying the history freed
	 * memory between live blocks, where free() keeps it resident. */
	malloc_trim(0);
	/* The replayed knocks were counted by the worker before us. */
	doors_reset_counts(w->doors);
	on_expire(w->loop, w->expire, w);
	return 0;
}

_Noreturn void worker_run(const struct worker_args *a)
{
	/* The parent decides about SIGHUP and ^C; it ends us with SIGTERM. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* sesamed's parent gives these a meaning; `pkill -USR1 sesamed`
	 * reaches us too. */
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	struct worker w = { .a = a, .cfg = a->cfg };
	int rc = setup(&w);
	if (rc < 0) {
		log_err("worker: cannot start: %s", strerror(-rc));
		_exit(WORKER_EXIT_INIT);
	}
	struct ps_msg m;
	memset(&m, 0, sizeof m);
	m.type = PS_READY;
	if (privsep_send(a->ipc, &m) < 0)
		_exit(1);
	rc = loop_run(w.loop);
	if (rc < 0) {
		log_err("worker: event loop: %s", strerror(-rc));
		w.status = 1;
	}
	/* What is still queued was sent under this config: decide it now
	 * (SIGTERM at a reload or at exit). */
	if (w.status == 0) {
		capture_dispatch(a->cap, 0, on_packet, &w);
		send_history(&w);
	}
	log_spa_counters(&w);
	/* No cleanup: the memory is the parent's copy and goes with us. */
	_exit(w.status);
}

static int check_doors(const struct config *cfg, bool dry)
{
	struct doors *doors = NULL;
	int rc = doors_new(cfg, &doors);
	if (rc < 0)
		return rc;
	doors_free(doors);
	if (rotdoors_wanted(cfg)) {
		char spent[4096];
		if (rotdoors_spent_path(cfg, spent, sizeof spent) == 0)
			replay_lock_wait(spent);
		struct rotdoors *rot = NULL;
		if ((rc = rotdoors_new(cfg, (uint64_t)time(NULL), &rot)) < 0)
			return rc;
		rotdoors_free(rot);
	}
	if (!has_spa(cfg))
		return 0;
	struct spa_doors *spa = NULL;
	if (dry) {
		/* The keys only: a copy without the cache, and without the
		 * warning that it has none. */
		struct config c = *cfg;
		c.replay_cache = NULL;
		int level = log_get_level();
		if (cfg->replay_cache)
			log_set_level(LOG_ERR);
		rc = spa_doors_new(&c, &spa);
		log_set_level(level);
	} else {
		replay_lock_wait(cfg->replay_cache);
		rc = spa_doors_new(cfg, &spa);
	}
	if (rc < 0)
		return rc;
	spa_doors_free(spa);
	return 0;
}

int worker_check_doors(const struct config *cfg, bool dry)
{
	/* In a child of its own: building SPA doors initialises OpenSSL
	 * and reads every key, which would otherwise stay resident in the
	 * long-lived parent that needs none of it. */
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int rc = check_doors(cfg, dry);
		_exit(rc < 0 && -rc < 256 ? -rc : rc < 0 ? EIO : 0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(st))
		return -EIO;
	return -WEXITSTATUS(st);
}
