/* SPDX-License-Identifier: GPL-2.0-or-later */
/* replay — see replay.h.
 *
 * File: a 16-byte header "sesame-replay-1\n", then 48-byte records
 *   expire (8, big-endian seconds) | id (32) | check (8)
 * where check is the first 8 bytes of SHA-256(expire | id).  Appends are
 * whole records with O_APPEND; a crash can only leave the last one short.
 *
 * Memory: an open-addressing table (linear probing) of at least twice CAP
 * slots, keyed by a seeded hash so that key holders cannot aim ids at one
 * chain.  Expired slots are dropped by rebuilding the table when it is
 * full; a slot with expire == 0 is empty. */
#include "replay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "durable.h"
#include "log.h"
#include "numparse.h"
#include "replay_mark.h"

#define HDR      "sesame-replay-1\n"
#define HDR_LEN  16
#define REC_LEN  48

_Static_assert(sizeof HDR - 1 == HDR_LEN, "header size");

struct slot {
	uint64_t expire;
	uint8_t id[REPLAY_ID_LEN];
};

struct replay {
	struct slot *slots;
	size_t mask;                    /* slot count - 1 (power of two) */
	size_t used;                    /* occupied slots, expired or not */
	size_t cap;
	uint64_t seed;
	char *path;
	int fd;                         /* -1: memory only */
	size_t file_records;
	struct replay_mark mark;        /* with a file: what a power loss costs */
};

static uint64_t id_hash(const struct replay *r, const uint8_t id[REPLAY_ID_LEN])
{
	uint64_t h = r->seed;
	for (size_t i = 0; i < REPLAY_ID_LEN; i += 8) {
		uint64_t w;
		memcpy(&w, id + i, 8);
		h ^= w;
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 29);
}

/* Index of ID's slot, or of the empty slot where it would go. */
static size_t find(const struct replay *r, const uint8_t id[REPLAY_ID_LEN])
{
	size_t i = id_hash(r, id) & r->mask;
	while (r->slots[i].expire && memcmp(r->slots[i].id, id, REPLAY_ID_LEN) != 0)
		i = (i + 1) & r->mask;
	return i;
}

/* Drops expired slots by reinserting the live ones. */
static int rebuild(struct replay *r, uint64_t now_s)
{
	struct slot *old = r->slots;
	size_t n = r->mask + 1;
	r->slots = calloc(n, sizeof *r->slots);
	if (!r->slots) {
		r->slots = old;
		return -ENOMEM;
	}
	r->used = 0;
	for (size_t i = 0; i < n; i++) {
		if (old[i].expire <= now_s)
			continue;
		r->slots[find(r, old[i].id)] = old[i];
		r->used++;
	}
	free(old);
	return 0;
}

/* Inserts in memory.  -EEXIST, -ENOSPC or 0. */
static int mem_add(struct replay *r, const uint8_t id[REPLAY_ID_LEN],
		   uint64_t expire_s, uint64_t now_s)
{
	size_t i = find(r, id);
	if (r->slots[i].expire) {
		if (r->slots[i].expire > now_s)
			return -EEXIST;
		r->slots[i].expire = expire_s;     /* same id, long expired */
		return 0;
	}
	if (r->used >= r->cap) {
		int rc = rebuild(r, now_s);
		if (rc < 0)
			return rc;
		if (r->used >= r->cap)
			return -ENOSPC;
		i = find(r, id);
	}
	r->slots[i].expire = expire_s;
	memcpy(r->slots[i].id, id, REPLAY_ID_LEN);
	r->used++;
	return 0;
}

bool replay_seen(const struct replay *r, const uint8_t id[REPLAY_ID_LEN], uint64_t now_s)
{
	const struct slot *s = &r->slots[find(r, id)];
	return s->expire > now_s;
}

size_t replay_count(const struct replay *r, uint64_t now_s)
{
	size_t n = 0;
	for (size_t i = 0; i <= r->mask; i++)
		n += r->slots[i].expire > now_s;
	return n;
}

size_t replay_file_records(const struct replay *r)
{
	return r->file_records;
}

static void record_encode(uint64_t expire, const uint8_t id[REPLAY_ID_LEN], uint8_t rec[REC_LEN])
{
	for (int i = 7; i >= 0; i--) {
		rec[i] = (uint8_t)expire;
		expire >>= 8;
	}
	memcpy(rec + 8, id, REPLAY_ID_LEN);
	uint8_t md[32];
	unsigned int mdlen = 0;
	if (EVP_Digest(rec, 8 + REPLAY_ID_LEN, md, &mdlen, EVP_sha256(), NULL) != 1)
		memset(md, 0, sizeof md);   /* then the record fails its check at load */
	memcpy(rec + 8 + REPLAY_ID_LEN, md, 8);
}

static bool record_decode(const uint8_t rec[REC_LEN], uint64_t *expire, uint8_t id[REPLAY_ID_LEN])
{
	uint64_t e = 0;
	for (int i = 0; i < 8; i++)
		e = e << 8 | rec[i];
	uint8_t again[REC_LEN];
	record_encode(e, rec + 8, again);
	if (memcmp(again, rec, REC_LEN) != 0 || e == 0)
		return false;
	*expire = e;
	memcpy(id, rec + 8, REPLAY_ID_LEN);
	return true;
}

/* Rewrites the file with the live entries only: temp file, fsync, rename,
 * fsync of the directory.  The lock moves to the new file. */
static int compact(struct replay *r, uint64_t now_s)
{
	char tmp[4096];
	if (!snprintf_safe(tmp, sizeof tmp, "%s.tmp", r->path))
		return -ENAMETOOLONG;
	int fd = open(tmp, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	int rc = flock(fd, LOCK_EX | LOCK_NB) < 0 ? -errno : 0;
	if (rc == 0)
		rc = durable_write_all(fd, HDR, HDR_LEN);
	size_t n = 0;
	uint8_t buf[REC_LEN * 256];
	size_t fill = 0;
	for (size_t i = 0; rc == 0 && i <= r->mask; i++) {
		if (r->slots[i].expire <= now_s)
			continue;
		record_encode(r->slots[i].expire, r->slots[i].id, buf + fill);
		fill += REC_LEN;
		n++;
		if (fill == sizeof buf) {
			rc = durable_write_all(fd, buf, fill);
			fill = 0;
		}
	}
	if (rc == 0 && fill)
		rc = durable_write_all(fd, buf, fill);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, r->path) < 0)
		rc = -errno;
	if (rc < 0) {
		close(fd);
		unlink(tmp);
		return rc;
	}
	durable_fsync_parent(r->path);
	close(r->fd);
	r->fd = fd;
	r->file_records = n;
	return 0;
}

int replay_check_add(struct replay *r, const uint8_t id[REPLAY_ID_LEN],
		     uint64_t expire_s, uint64_t now_s)
{
	if (expire_s <= now_s)
		expire_s = now_s + 1;
	/* Possibly accepted before the machine lost its last records. */
	if (r->fd >= 0 && replay_mark_refuses(&r->mark, expire_s))
		return -EEXIST;
	int rc = mem_add(r, id, expire_s, now_s);
	if (rc < 0 || r->fd < 0)
		return rc;
	uint8_t rec[REC_LEN];
	record_encode(expire_s, id, rec);
	/* No fdatasync: a crash of the process keeps the record in the page
	 * cache, and the mark covers a crash of the machine (replay_mark.h). */
	rc = durable_write_all(r->fd, rec, REC_LEN);
	if (rc == 0)
		rc = replay_mark_cover(&r->mark, expire_s);
	if (rc < 0) {
		log_err("replay cache %s: cannot record a packet: %s", r->path, strerror(-rc));
		return rc;
	}
	r->file_records++;
	if (r->file_records > 2 * r->used + r->cap) {
		int c = compact(r, now_s);
		if (c < 0)
			log_warn("replay cache %s: compaction failed: %s", r->path, strerror(-c));
	}
	return 0;
}

/* Reads the records of R->fd (header already checked) into memory. */
static int load(struct replay *r, off_t size, uint64_t now_s)
{
	size_t nrec = (size_t)(size - HDR_LEN) / REC_LEN;
	size_t torn = (size_t)(size - HDR_LEN) % REC_LEN;
	size_t bad = 0;
	uint8_t buf[REC_LEN * 256];
	off_t off = HDR_LEN;
	size_t left = nrec;
	while (left) {
		size_t want = left < 256 ? left : 256;
		ssize_t got = pread(r->fd, buf, want * REC_LEN, off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if ((size_t)got != want * REC_LEN)
			return -EIO;    /* shrank under us */
		for (size_t i = 0; i < want; i++) {
			uint64_t expire;
			uint8_t id[REPLAY_ID_LEN];
			if (!record_decode(buf + i * REC_LEN, &expire, id)) {
				bad++;
				continue;
			}
			if (expire <= now_s)
				continue;
			int rc = mem_add(r, id, expire, now_s);
			if (rc == -ENOSPC) {
				log_err("replay cache %s: more live entries than the cache holds (%zu)",
					r->path, r->cap);
				return rc;
			}
			if (rc < 0 && rc != -EEXIST)
				return rc;
		}
		off += (off_t)(want * REC_LEN);
		left -= want;
	}
	if (torn) {
		/* Only a machine crash tears an append (a process crash
		 * cannot split one write()); the mark covers that packet. */
		log_warn("replay cache %s: cutting a torn last record (%zu bytes)", r->path, torn);
		if (ftruncate(r->fd, (off_t)(HDR_LEN + nrec * REC_LEN)) < 0 || fsync(r->fd) < 0)
			return -errno;
	}
	if (bad)
		log_warn("replay cache %s: skipped %zu damaged records", r->path, bad);
	r->file_records = nrec;
	return 0;
}

static int open_file(struct replay *r, uint64_t now_s)
{
	r->fd = open(r->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (r->fd < 0)
		return -errno;
	if (flock(r->fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	struct stat st;
	if (fstat(r->fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	uint8_t hdr[HDR_LEN];
	ssize_t got = st.st_size ? pread(r->fd, hdr, sizeof hdr, 0) : 0;
	if (got < 0)
		return -errno;
	if (got == HDR_LEN && memcmp(hdr, HDR, HDR_LEN) == 0)
		return load(r, st.st_size, now_s);
	if (got == st.st_size && memcmp(hdr, HDR, (size_t)got) == 0) {
		/* New, or a crash while the header was being written. */
		if (ftruncate(r->fd, 0) < 0)
			return -errno;
		int rc = durable_write_all(r->fd, HDR, HDR_LEN);
		if (rc == 0 && fsync(r->fd) < 0)
			rc = -errno;
		if (rc == 0)
			rc = durable_fsync_parent(r->path);
		return rc;
	}
	return -EINVAL;
}

int replay_open(const char *path, size_t cap, uint64_t now_s, struct replay **out)
{
	*out = NULL;
	struct replay *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	r->mark.fd = -1;
	r->cap = cap < 16 ? 16 : cap;
	size_t n = 32;
	while (n < 2 * r->cap)
		n *= 2;
	r->mask = n - 1;
	r->slots = calloc(n, sizeof *r->slots);
	if (!r->slots || RAND_bytes((unsigned char *)&r->seed, sizeof r->seed) != 1) {
		replay_close(r);
		return -ENOMEM;
	}
	if (path) {
		r->path = strdup(path);
		if (!r->path) {
			replay_close(r);
			return -ENOMEM;
		}
		int rc = open_file(r, now_s);
		if (rc < 0) {
			if (rc == -EINVAL)
				log_err("replay cache %s: not a sesame replay cache file; refusing to touch it", path);
			else if (rc == -EBUSY)
				log_err("replay cache %s: in use by another process", path);
			else if (rc != -ENOSPC)
				log_err("replay cache %s: %s", path, strerror(-rc));
			replay_close(r);
			return rc;
		}
		if (r->file_records > 2 * r->used + r->cap) {
			rc = compact(r, now_s);
			if (rc < 0)
				log_warn("replay cache %s: compaction failed: %s", path, strerror(-rc));
		}
		rc = replay_mark_open(path, now_s, &r->mark);
		if (rc < 0) {
			log_err("replay cache %s.mark: %s", path, strerror(-rc));
			replay_close(r);
			return rc;
		}
		if (r->mark.refuse_until > now_s)
			log_warn("replay cache %s: the machine stopped uncleanly and records may be "
				 "lost: refusing packets that expire before %llu (%llu s from now)",
				 path, (unsigned long long)r->mark.refuse_until,
				 (unsigned long long)(r->mark.refuse_until - now_s));
	}
	*out = r;
	return 0;
}

void replay_close(struct replay *r)
{
	if (!r)
		return;
	if (r->fd >= 0) {
		/* A clean stop: every record on disk, then the mark says so. */
		replay_mark_close(&r->mark, fdatasync(r->fd) == 0);
		close(r->fd);
	}
	free(r->path);
	free(r->slots);
	free(r);
}
