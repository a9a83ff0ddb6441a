/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spent — which time steps of each rotating-door client are used up,
 * kept in a file of fixed size that survives restarts and crashes.
 *
 * One entry per (door, client), named by a 16-byte key (a hash of both
 * names, so the entry follows the client when the config changes).  An
 * entry holds the highest spent step and a 64-bit mask of the steps
 * below it: the window is three steps, so that is all that ever matters.
 *
 * File: a 16-byte header, then two 64-byte copies per entry, written in
 * turn with a sequence number and a checksum: a write torn by a crash
 * leaves the other copy, which is the state before it (and the grant of
 * the torn write never left: spent_mark() returns after fdatasync).  The
 * file is rewritten for the current entries at open (before the
 * sandbox: temp file and rename), then only ever written in place with
 * pwrite(), so it never grows.  Marks of entries no longer configured are
 * dropped then.
 */
#ifndef SESAME_SPENT_H
#define SESAME_SPENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPENT_KEY_LEN 16

struct spent;

/* The key of (DOOR, CLIENT). */
void spent_key(const char *door, const char *client, uint8_t key[SPENT_KEY_LEN]);

/* Opens PATH (NULL: memory only) for the N entries KEYS (entry i is
 * KEYS[i]; keys must be distinct), carrying over the marks the file
 * holds for those keys, and locks it against a second daemon.  Returns 0
 * or -errno, logged with the path. */
int spent_open(const char *path, const uint8_t (*keys)[SPENT_KEY_LEN], size_t n,
	       struct spent **out);
void spent_close(struct spent *s);

/* Is step C of entry I spent?  (Steps more than 63 below the highest
 * spent one count as spent: they are long out of any window.) */
bool spent_test(const struct spent *s, size_t i, uint64_t c);

/* Marks step C of entry I spent, durably.  Returns 0 or -errno (the mark
 * is kept in memory either way: the step is refused from now on; the
 * caller must not grant on an error). */
int spent_mark(struct spent *s, size_t i, uint64_t c);

#endif
