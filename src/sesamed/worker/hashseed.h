/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hashseed — the secret seed of a hash table that remote packets fill
 * (attempts, replay ids, log limits), so that a flooder cannot aim many
 * keys at one bucket.
 *
 * From getrandom(), not OpenSSL's generator: setting that one up costs
 * the worker memory (its DRBG and the AES code it runs on) for a value
 * that only has to be unknown from outside.
 */
#ifndef SESAME_HASHSEED_H
#define SESAME_HASHSEED_H

#include <stdint.h>

/* 64 random bits.  If the kernel's pool is not ready yet (early boot),
 * the time and the pid instead of blocking the daemon's start. */
uint64_t hashseed_new(void);

#endif
