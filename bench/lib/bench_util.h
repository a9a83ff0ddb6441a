/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench_util — small things every benchmark tool wants: a monotonic
 * clock in seconds and a fast, reproducible pseudo-random sequence
 * (xorshift64: the same numbers on every run, so runs compare). */
#ifndef SESAME_BENCH_UTIL_H
#define SESAME_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

static inline double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The next number of the sequence kept in *STATE (never 0). */
static inline uint64_t xorshift64(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

#endif
