/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hashseed — see hashseed.h. */
#include "hashseed.h"

#include <sys/random.h>
#include <time.h>
#include <unistd.h>

uint64_t hashseed_new(void)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed)
		return seed;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_nsec << 32) ^ (uint64_t)ts.tv_sec ^
	       ((uint64_t)getpid() * 0x9e3779b97f4a7c15ull);
}
