/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the event loop: timer order, re-arming, cancelling, fds
 * and signals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <cmocka.h>

#include "loop.h"

struct rec {
	int order[16];
	uint64_t when[16];
	int n;
	int stop_after;
};

struct tctx {
	struct rec *r;
	int id;
};

static void on_timer(struct loop *l, struct loop_timer *t, void *ctx)
{
	(void)t;
	struct tctx *c = ctx;
	c->r->when[c->r->n] = loop_now_ms();
	c->r->order[c->r->n++] = c->id;
	if (c->r->n == c->r->stop_after)
		loop_stop(l, 7);
}

static void timers_fire_in_deadline_order(void **state)
{
	(void)state;
	struct loop *l;
	assert_int_equal(loop_new(&l), 0);
	struct rec r = { .stop_after = 4 };
	struct tctx c[5];
	struct loop_timer *t[5];
	/* Deadlines deliberately out of creation order. */
	const int delay[5] = { 40, 10, 30, 20, 60 };
	uint64_t start = loop_now_ms();
	for (int i = 0; i < 5; i++) {
		c[i] = (struct tctx){ &r, i };
		t[i] = loop_timer_new(l, on_timer, &c[i]);
		assert_non_null(t[i]);
		assert_int_equal(loop_timer_set(l, t[i], start + (uint64_t)delay[i]), 0);
	}
	/* Cancel one, push one later than the others. */
	loop_timer_cancel(l, t[2]);
	assert_false(loop_timer_armed(t[2]));
	assert_int_equal(loop_timer_set(l, t[1], start + 50), 0);
	assert_int_equal(loop_timers_armed(l), 4);
	assert_int_equal(loop_run(l), 7);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.order[0], 3);        /* 20 */
	assert_int_equal(r.order[1], 0);        /* 40 */
	assert_int_equal(r.order[2], 1);        /* 50, moved */
	assert_int_equal(r.order[3], 4);        /* 60 */
	/* Never early. */
	assert_true(r.when[0] >= start + 20);
	assert_true(r.when[1] >= start + 40);
	assert_true(r.when[2] >= start + 50);
	assert_true(r.when[3] >= start + 60);
	for (int i = 0; i < 5; i++)
		loop_timer_free(l, t[i]);
	loop_free(l);
}

static void timer_in_the_past_fires_at_once(void **state)
{
	(void)state;
	struct loop *l;
	assert_int_equal(loop_new(&l), 0);
	struct rec r = { .stop_after = 1 };
	struct tctx c = { &r, 1 };
	struct loop_timer *t = loop_timer_new(l, on_timer, &c);
	assert_int_equal(loop_timer_set(l, t, 1), 0);
	assert_int_equal(loop_run(l), 7);
	assert_int_equal(r.n, 1);
	assert_false(loop_timer_armed(t));
	loop_timer_free(l, t);
	loop_free(l);
}

static void many_timers_keep_heap_order(void **state)
{
	(void)state;
	struct loop *l;
	assert_int_equal(loop_new(&l), 0);
	enum { N = 200 };
	struct loop_timer *t[N];
	static struct rec r;
	memset(&r, 0, sizeof r);
	struct tctx c = { &r, 0 };
	for (int i = 0; i < N; i++) {
		t[i] = loop_timer_new(l, on_timer, &c);
		/* Pseudo-random deadlines far in the future. */
		loop_timer_set(l, t[i], 1000000000ull + (uint64_t)((i * 7919) % N));
	}
	for (int i = 0; i < N; i += 3)
		loop_timer_cancel(l, t[i]);
	for (int i = 1; i < N; i += 5)
		loop_timer_set(l, t[i], 2000000000ull - (uint64_t)i);
	size_t armed = loop_timers_armed(l);
	/* Pop by cancelling the earliest each time: deadlines must ascend. */
	uint64_t last = 0;
	for (size_t k = 0; k < armed; k++) {
		struct loop_timer *min = NULL;
		for (int i = 0; i < N; i++)
			if (loop_timer_armed(t[i]) &&
			    (!min || loop_timer_deadline(t[i]) < loop_timer_deadline(min)))
				min = t[i];
		assert_non_null(min);
		assert_true(loop_timer_deadline(min) >= last);
		last = loop_timer_deadline(min);
		loop_timer_cancel(l, min);
		assert_int_equal(loop_timers_armed(l), armed - k - 1);
	}
	for (int i = 0; i < N; i++)
		loop_timer_free(l, t[i]);
	loop_free(l);
}

struct fdctx { int got; char byte; };

static void on_fd(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct fdctx *c = ctx;
	assert_true(events & EPOLLIN);
	assert_int_equal(read(fd, &c->byte, 1), 1);
	c->got++;
	loop_del_fd(l, fd);
	loop_stop(l, 0);
}

static void fd_callback_runs(void **state)
{
	(void)state;
	struct loop *l;
	assert_int_equal(loop_new(&l), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct fdctx c = { 0 };
	assert_int_equal(loop_add_fd(l, p[0], EPOLLIN, on_fd, &c), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(c.got, 1);
	assert_int_equal(c.byte, 'x');
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static void on_writable(struct loop *l, int fd, uint32_t events, void *ctx)
{
	(void)fd;
	int *n = ctx;
	assert_true(events & EPOLLOUT);
	(*n)++;
	loop_stop(l, 0);
}

/* loop_mod_fd: the events watched change, the callback stays. */
static void fd_events_change(void **state)
{
	(void)state;
	struct loop *l;
	assert_int_equal(loop_new(&l), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	int n = 0;
	/* The write end: never readable, always writable. */
	assert_int_equal(loop_add_fd(l, p[1], EPOLLIN, on_writable, &n), 0);
	assert_int_equal(loop_mod_fd(l, p[1], EPOLLOUT), 0);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(n, 1);
	assert_int_equal(loop_mod_fd(l, p[0], EPOLLIN), -ENOENT);
	loop_del_fd(l, p[1]);
	assert_int_equal(loop_mod_fd(l, p[1], EPOLLOUT), -ENOENT);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static void on_sig(struct loop *l, const struct signalfd_siginfo *si, void *ctx)
{
	int *got = ctx;
	*got = (int)si->ssi_signo;
	loop_stop(l, 3);
}

static void signals_arrive_through_the_loop(void **state)
{
	(void)state;
	struct loop *l;
	assert_int_equal(loop_new(&l), 0);
	int sigs[] = { SIGUSR1 };
	int got = 0;
	assert_int_equal(loop_signals(l, sigs, 1, on_sig, &got), 0);
	/* Blocked now: raising it queues it for the signalfd. */
	raise(SIGUSR1);
	assert_int_equal(loop_run(l), 3);
	assert_int_equal(got, SIGUSR1);
	loop_free(l);
	/* The old mask is back. */
	sigset_t now;
	sigprocmask(SIG_SETMASK, NULL, &now);
	assert_false(sigismember(&now, SIGUSR1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timers_fire_in_deadline_order),
		cmocka_unit_test(fd_events_change),
		cmocka_unit_test(timer_in_the_past_fires_at_once),
		cmocka_unit_test(many_timers_keep_heap_order),
		cmocka_unit_test(fd_callback_runs),
		cmocka_unit_test(signals_arrive_through_the_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
