/* SPDX-License-Identifier: GPL-2.0-or-later */
/* replay — the persistent replay cache of the SPA doors.
 *
 * A set of 32-byte packet ids (native SPA: key id and nonce; fwknop: the
 * SHA-256 of the wire payload), each kept until its expiry time (the
 * packet's timestamp plus the door's window: after that the time check
 * refuses the packet anyway, so the entry can go).  Memory is bounded: at
 * most CAP live entries; when that many unexpired packets were accepted,
 * new ones are refused (-ENOSPC) rather than an old id forgotten.
 *
 * Every id is appended to the cache file before replay_check_add()
 * returns success, so a grant never leaves for a packet that a restart or
 * SIGKILL would forget; a power cut is covered by the cache's mark
 * (replay_mark.h), which costs one fdatasync per lease, not per packet,
 * and after an unclean reboot refuses every packet that could have been
 * accepted before it.  The file is
 * reloaded at open: a torn last record is cut off, records failing their
 * checksum are skipped.  It is rewritten (compacted) atomically when it
 * holds many more records than live entries.  See docs/spa-protocol.md.
 */
#ifndef SESAME_REPLAY_H
#define SESAME_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REPLAY_ID_LEN     32
#define REPLAY_CAP_DEFAULT 65536

struct replay;

/* Opens PATH (created 0600 if missing; an existing file that is not a
 * replay cache is refused), loads its unexpired ids at NOW_S, and locks it
 * against a second daemon.  PATH NULL: memory only (tests, benchmarks).
 * Returns 0 or -errno, logged with the path. */
int replay_open(const char *path, size_t cap, uint64_t now_s, struct replay **out);
void replay_close(struct replay *r);

/* Has ID been recorded and not expired at NOW_S? */
bool replay_seen(const struct replay *r, const uint8_t id[REPLAY_ID_LEN], uint64_t now_s);

/* Records ID until EXPIRE_S, durably.  Returns 0, -EEXIST when ID is
 * already there (a replay), -ENOSPC when the cache is full, or -errno
 * when the file cannot be written (the id is still refused from memory;
 * the caller must not grant). */
int replay_check_add(struct replay *r, const uint8_t id[REPLAY_ID_LEN],
		     uint64_t expire_s, uint64_t now_s);

/* Live entries (for tests and status), file records (for tests). */
size_t replay_count(const struct replay *r, uint64_t now_s);
size_t replay_file_records(const struct replay *r);

#endif
