/* SPDX-License-Identifier: GPL-2.0-or-later */
/* loop — the daemon's one event loop: epoll over file descriptors, a
 * timer list driven by one timerfd, and a signalfd.
 *
 * Single-threaded by design: every callback runs to completion on the
 * loop's thread, so modules share state without locks.  Callbacks must
 * never block (no sleep, no blocking waitpid, no DNS).
 *
 * Times are CLOCK_MONOTONIC milliseconds (loop_now_ms()).  Timers fire in
 * deadline order; a timer whose deadline is already past fires on the next
 * turn of the loop.  Timers are one-shot: re-arm with loop_timer_set().
 */
#ifndef SESAME_LOOP_H
#define SESAME_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/signalfd.h>

struct loop;
struct loop_timer;

typedef void (*loop_fd_fn)(struct loop *l, int fd, uint32_t events, void *ctx);
typedef void (*loop_timer_fn)(struct loop *l, struct loop_timer *t, void *ctx);
typedef void (*loop_signal_fn)(struct loop *l, const struct signalfd_siginfo *si,
			       void *ctx);

/* Monotonic clock in milliseconds. */
uint64_t loop_now_ms(void);

int loop_new(struct loop **out);
/* Frees the loop.  Timers are owned by whoever made them (free them
 * first); file descriptors registered with loop_add_fd() are not closed. */
void loop_free(struct loop *l);

/* Watches FD for EVENTS (EPOLLIN ...).  Returns 0 or -errno. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *ctx);
/* Watches FD (added with loop_add_fd) for EVENTS instead.  0 or -errno. */
int loop_mod_fd(struct loop *l, int fd, uint32_t events);
/* Stops watching FD.  Safe from inside a callback. */
void loop_del_fd(struct loop *l, int fd);

/* Blocks SIGS (so they are only ever seen through the loop) and delivers
 * them to FN.  Only one signal handler set per loop.  Returns 0 or -errno.
 * Children must unblock them before exec (see loop_sigmask()). */
int loop_signals(struct loop *l, const int *sigs, size_t n, loop_signal_fn fn,
		 void *ctx);
/* The signal mask in force before loop_signals(), for spawned children. */
const sigset_t *loop_sigmask(const struct loop *l);

/* A new unarmed timer.  NULL on ENOMEM. */
struct loop_timer *loop_timer_new(struct loop *l, loop_timer_fn fn, void *ctx);
/* Arms (or re-arms) T to fire at DEADLINE_MS (loop_now_ms() scale). */
int loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t deadline_ms);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);
bool loop_timer_armed(const struct loop_timer *t);
uint64_t loop_timer_deadline(const struct loop_timer *t);
/* Cancels and frees T.  Safe from inside T's own callback. */
void loop_timer_free(struct loop *l, struct loop_timer *t);
size_t loop_timers_armed(const struct loop *l);

/* Runs until loop_stop(); returns the status given to it, or -errno if
 * epoll itself fails. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l, int status);

#endif
