/* SPDX-License-Identifier: GPL-2.0-or-later */
/* loop — see loop.h.
 *
 * Timers live in a binary min-heap ordered by deadline; each timer knows
 * its heap index, so re-arming and cancelling are O(log n).  One timerfd
 * (absolute CLOCK_MONOTONIC) is always armed for the heap's top. */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

struct loop_watch {
	int fd;
	bool dead;
	loop_fd_fn fn;
	void *ctx;
	struct loop_watch *next;
};

struct loop_timer {
	uint64_t deadline;
	size_t idx;                     /* heap index, SIZE_MAX: unarmed */
	loop_timer_fn fn;
	void *ctx;
};

struct loop {
	int epfd, tfd, sfd;
	struct loop_watch *watches;
	struct loop_watch tfd_watch, sfd_watch;
	struct loop_timer **heap;
	size_t nheap, capheap;
	uint64_t armed_for;             /* deadline the timerfd holds, 0: none */
	loop_signal_fn sig_fn;
	void *sig_ctx;
	sigset_t oldmask;
	bool stopping;
	int status;
};

uint64_t loop_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* --- heap -------------------------------------------------------------- */

static void heap_swap(struct loop *l, size_t a, size_t b)
{
	struct loop_timer *t = l->heap[a];
	l->heap[a] = l->heap[b];
	l->heap[b] = t;
	l->heap[a]->idx = a;
	l->heap[b]->idx = b;
}

static void heap_up(struct loop *l, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (l->heap[p]->deadline <= l->heap[i]->deadline)
			break;
		heap_swap(l, i, p);
		i = p;
	}
}

static void heap_down(struct loop *l, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1, m = i;
		if (c < l->nheap && l->heap[c]->deadline < l->heap[m]->deadline)
			m = c;
		if (c + 1 < l->nheap && l->heap[c + 1]->deadline < l->heap[m]->deadline)
			m = c + 1;
		if (m == i)
			return;
		heap_swap(l, i, m);
		i = m;
	}
}

static void heap_remove(struct loop *l, struct loop_timer *t)
{
	size_t i = t->idx;
	t->idx = SIZE_MAX;
	l->nheap--;
	if (i == l->nheap)
		return;
	l->heap[i] = l->heap[l->nheap];
	l->heap[i]->idx = i;
	heap_up(l, i);
	heap_down(l, l->heap[i]->idx);
}

/* Keeps the timerfd armed for the earliest deadline. */
static void rearm(struct loop *l)
{
	uint64_t want = l->nheap ? l->heap[0]->deadline : 0;
	if (want == l->armed_for)
		return;
	struct itimerspec its = { 0 };
	if (want) {
		/* 0 would disarm: a deadline at the epoch's first ms is 1. */
		its.it_value.tv_sec = (time_t)(want / 1000u);
		its.it_value.tv_nsec = (long)(want % 1000u) * 1000000L;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
		log_err("timerfd_settime: %s", strerror(errno));
		return;
	}
	l->armed_for = want;
}

struct loop_timer *loop_timer_new(struct loop *l, loop_timer_fn fn, void *ctx)
{
	(void)l;
	struct loop_timer *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->idx = SIZE_MAX;
	t->fn = fn;
	t->ctx = ctx;
	return t;
}

int loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t deadline_ms)
{
	if (deadline_ms == 0)
		deadline_ms = 1;
	if (t->idx != SIZE_MAX) {
		uint64_t old = t->deadline;
		t->deadline = deadline_ms;
		if (deadline_ms < old)
			heap_up(l, t->idx);
		else
			heap_down(l, t->idx);
	} else {
		if (l->nheap == l->capheap) {
			size_t cap = l->capheap ? l->capheap * 2 : 16;
			struct loop_timer **h = realloc(l->heap, cap * sizeof *h);
			if (!h)
				return -ENOMEM;
			l->heap = h;
			l->capheap = cap;
		}
		t->deadline = deadline_ms;
		t->idx = l->nheap;
		l->heap[l->nheap++] = t;
		heap_up(l, t->idx);
	}
	rearm(l);
	return 0;
}

void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	if (!t || t->idx == SIZE_MAX)
		return;
	heap_remove(l, t);
	rearm(l);
}

bool loop_timer_armed(const struct loop_timer *t) { return t && t->idx != SIZE_MAX; }
uint64_t loop_timer_deadline(const struct loop_timer *t) { return t->deadline; }
size_t loop_timers_armed(const struct loop *l) { return l->nheap; }

void loop_timer_free(struct loop *l, struct loop_timer *t)
{
	if (!t)
		return;
	loop_timer_cancel(l, t);
	free(t);
}

static void run_timers(struct loop *l)
{
	uint64_t expirations;
	/* Drain the timerfd; EAGAIN just means a re-arm raced with us. */
	if (read(l->tfd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
		log_debug("timerfd read: %s", strerror(errno));
	l->armed_for = 0;
	uint64_t now = loop_now_ms();
	/* A callback may arm timers for "now" again; bound the turn so a
	 * timer that re-arms itself in the past cannot starve the fds. */
	size_t budget = l->nheap + 64;
	while (l->nheap && l->heap[0]->deadline <= now && budget--) {
		struct loop_timer *t = l->heap[0];
		heap_remove(l, t);
		t->fn(l, t, t->ctx);
	}
	rearm(l);
}

/* --- fds and signals ----------------------------------------------------- */

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *ctx)
{
	struct loop_watch *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->fn = fn;
	w->ctx = ctx;
	struct epoll_event ev = { .events = events, .data.ptr = w };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;
		free(w);
		return -e;
	}
	w->next = l->watches;
	l->watches = w;
	return 0;
}

int loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	for (struct loop_watch *w = l->watches; w; w = w->next) {
		if (w->fd == fd && !w->dead) {
			struct epoll_event ev = { .events = events, .data.ptr = w };
			return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
		}
	}
	return -ENOENT;
}

void loop_del_fd(struct loop *l, int fd)
{
	for (struct loop_watch *w = l->watches; w; w = w->next) {
		if (w->fd == fd && !w->dead) {
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
			w->dead = true;         /* freed after this turn */
			return;
		}
	}
}

static void reap_watches(struct loop *l)
{
	struct loop_watch **pp = &l->watches;
	while (*pp) {
		struct loop_watch *w = *pp;
		if (w->dead) {
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

static void on_signalfd(struct loop *l, int fd, uint32_t events, void *ctx)
{
	(void)events; (void)ctx;
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (l->sig_fn)
			l->sig_fn(l, &si, l->sig_ctx);
	}
}

int loop_signals(struct loop *l, const int *sigs, size_t n, loop_signal_fn fn,
		 void *ctx)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < n; i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, &l->oldmask) < 0)
		return -errno;
	l->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sfd < 0)
		return -errno;
	l->sig_fn = fn;
	l->sig_ctx = ctx;
	l->sfd_watch = (struct loop_watch){ .fd = l->sfd };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &l->sfd_watch };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->sfd, &ev) < 0)
		return -errno;
	return 0;
}

const sigset_t *loop_sigmask(const struct loop *l) { return &l->oldmask; }

int loop_new(struct loop **out)
{
	struct loop *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	l->sfd = -1;
	sigprocmask(SIG_SETMASK, NULL, &l->oldmask);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->epfd < 0 || l->tfd < 0) {
		int e = errno;
		loop_free(l);
		return -e;
	}
	l->tfd_watch = (struct loop_watch){ .fd = l->tfd };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &l->tfd_watch };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->tfd, &ev) < 0) {
		int e = errno;
		loop_free(l);
		return -e;
	}
	*out = l;
	return 0;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	/* Timers belong to their creators, who free them first. */
	for (size_t i = 0; i < l->nheap; i++)
		l->heap[i]->idx = SIZE_MAX;
	free(l->heap);
	while (l->watches) {
		struct loop_watch *w = l->watches;
		l->watches = w->next;
		free(w);
	}
	if (l->sfd >= 0) {
		close(l->sfd);
		sigprocmask(SIG_SETMASK, &l->oldmask, NULL);
	}
	if (l->tfd >= 0)
		close(l->tfd);
	if (l->epfd >= 0)
		close(l->epfd);
	free(l);
}

void loop_stop(struct loop *l, int status)
{
	l->stopping = true;
	l->status = status;
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[16];
	l->stopping = false;
	while (!l->stopping) {
		int n = epoll_wait(l->epfd, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->stopping; i++) {
			struct loop_watch *w = evs[i].data.ptr;
			if (w == &l->tfd_watch)
				run_timers(l);
			else if (w == &l->sfd_watch)
				on_signalfd(l, l->sfd, evs[i].events, NULL);
			else if (!w->dead)
				w->fn(l, w->fd, evs[i].events, w->ctx);
		}
		reap_watches(l);
	}
	return l->status;
}
