/* SPDX-License-Identifier: GPL-2.0-or-later */
/* be64 — the 64-bit big-endian numbers of our binary formats (SPA
 * packets, the replay, spent and mark files), at any alignment. */
#ifndef SESAME_BE64_H
#define SESAME_BE64_H

#include <stdint.h>

/* Writes V into the 8 bytes at P, most significant first. */
static inline void be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* The 8 bytes at P, most significant first. */
static inline uint64_t be64_get(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

#endif
