/* SPDX-License-Identifier: GPL-2.0-or-later */
/* replay — see replay.h.
 *
 * File: a 16-byte header "sesame-replay-1\n", then 48-byte records
 *   expire (8, big-endian seconds) | id (32) | check (8)
 * where check is the first 8 bytes of SHA-256(expire | id).  Appends are
 * whole records with O_APPEND; a crash can only leave the last one short.
 *
 * Two files, PATH and PATH.alt, both opened (created) at replay_open():
 * the worker that appends runs in a sandbox that can neither open nor
 * rename a file, so compaction writes the live entries into the other,
 * already open file, fsyncs it, and only then empties the first one down
 * to its header.  At every instant the union of the two files holds every
 * live id, so loading reads both.
 *
 * Memory: an open-addressing table (linear probing), keyed by a seeded
 * hash so that key holders cannot aim ids at one chain; a slot with
 * expire == 0 is empty.  The table follows the live ids, not CAP: when
 * it is half full it is rebuilt without the expired slots, at four times
 * the live count (TABLE_MIN at least, twice CAP at most), and a large
 * table is rebuilt once a minute so that it shrinks after a burst (to a
 * quarter of its size or less, never by half: see rebuild()).  A
 * daemon with a few packets a second keeps a few KiB, and its memory
 * levels off within one window instead of faulting in the whole
 * CAP-sized table slot by slot. */
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

#include "be64.h"
#include "durable.h"
#include "hashseed.h"
#include "log.h"
#include "numparse.h"
#include "pages.h"
#include "replay_mark.h"

#define HDR      "sesame-replay-1\n"
#define HDR_LEN  16
#define REC_LEN  48

_Static_assert(sizeof HDR - 1 == HDR_LEN, "header size");

struct slot {
	uint64_t expire;
	uint8_t id[REPLAY_ID_LEN];
	uint32_t owner;                 /* budget bucket + 1; 0: none (loaded) */
};

/* Per-owner budgets: owners (keys) hash, seeded, into this many buckets;
 * a bucket holds at most max(16, CAP / 16) entries, so one key holder
 * cannot fill the cache and have everyone else's packets refused. */
#define OWNER_BUCKETS 1024

struct replay {
	struct slot *slots;
	size_t mask;                    /* slot count - 1 (power of two) */
	size_t used;                    /* occupied slots, expired or not */
	size_t cap;
	size_t max_slots;               /* the table's largest size: 2 * cap, rounded up */
	uint64_t rebuilt_s;             /* when the table was last rebuilt */
	uint64_t seed;
	uint32_t owned[OWNER_BUCKETS];  /* entries per bucket (expired ones too,
					 * until the next rebuild) */
	size_t owner_max;
	uint64_t recounted_s;           /* last rebuild for an owner's sake */
	char *path;
	int fds[2];                     /* PATH, PATH.alt; -1: memory only */
	int fd;                         /* the one appended to: fds[active] */
	int active;
	size_t file_records;            /* records in fds[active] */
	bool split;                     /* both files hold records (at open) */
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

#define TABLE_MIN      64

/* The table's memory comes straight from mmap (pages.h): zeroed pages,
 * and all of it back to the kernel when a rebuild frees the old table.
 * From malloc, tables of a few hundred KiB freed and taken again at other
 * sizes left holes in the heap that kept the worker's RSS creeping up. */
static struct slot *slots_new(size_t n)
{
	return pages_alloc(n * sizeof(struct slot));
}

static void slots_free(struct slot *s, size_t n)
{
	pages_free(s, n * sizeof *s);
}
#define SHRINK_FROM    4096            /* slots */
#define SHRINK_AFTER_S 60

/* The table size for LIVE ids: a power of two, at least 4 * LIVE, within
 * TABLE_MIN and the largest (twice CAP). */
static size_t table_size(const struct replay *r, size_t live)
{
	size_t n = TABLE_MIN;
	while (n < 4 * live && n < r->max_slots)
		n *= 2;
	return n;
}

/* Drops expired slots by reinserting the live ones into a table of N
 * slots (0: the size the live ids call for). */
static int rebuild(struct replay *r, uint64_t now_s, size_t n)
{
	struct slot *old = r->slots;
	size_t oldn = r->mask + 1;
	if (!n) {
		size_t live = 0;
		for (size_t i = 0; i < oldn; i++)
			live += old[i].expire > now_s;
		n = table_size(r, live);
		/* Down by half is not worth it: a live count that hovers
		 * around a boundary would flip the table, and the worker's
		 * memory with it, between two sizes at every rebuild. */
		if (2 * n == oldn)
			n = oldn;
	}
	r->slots = slots_new(n);
	if (!r->slots) {
		r->slots = old;
		return -ENOMEM;
	}
	r->mask = n - 1;
	r->rebuilt_s = now_s;
	r->used = 0;
	memset(r->owned, 0, sizeof r->owned);
	for (size_t i = 0; i < oldn; i++) {
		if (old[i].expire <= now_s)
			continue;
		r->slots[find(r, old[i].id)] = old[i];
		r->used++;
		if (old[i].owner)
			r->owned[old[i].owner - 1]++;
	}
	slots_free(old, oldn);
	return 0;
}

/* Has bucket OWNER (0: none) room for one more?  Counts include expired
 * entries until a rebuild, so a full bucket first gets one (at most once
 * a second: a key holder at its limit must not make every packet cost a
 * pass over the table). */
static int owner_room(struct replay *r, uint32_t owner, uint64_t now_s)
{
	if (!owner || r->owned[owner - 1] < r->owner_max)
		return 0;
	if (r->recounted_s != now_s) {
		r->recounted_s = now_s;
		int rc = rebuild(r, now_s, 0);
		if (rc < 0)
			return rc;
		if (r->owned[owner - 1] < r->owner_max)
			return 0;
	}
	return -EDQUOT;
}

/* Inserts in memory.  -EEXIST, -ENOSPC, -EDQUOT or 0. */
static int mem_add(struct replay *r, const uint8_t id[REPLAY_ID_LEN], uint32_t owner,
		   uint64_t expire_s, uint64_t now_s)
{
	size_t i = find(r, id);
	if (r->slots[i].expire && r->slots[i].expire > now_s)
		return -EEXIST;
	int rc = owner_room(r, owner, now_s);
	if (rc < 0)
		return rc;
	i = find(r, id);                        /* a rebuild moves slots */
	if (r->slots[i].expire) {
		/* Same id, long expired: the slot changes hands. */
		if (r->slots[i].owner && r->owned[r->slots[i].owner - 1])
			r->owned[r->slots[i].owner - 1]--;
		r->slots[i].expire = expire_s;
		r->slots[i].owner = owner;
		if (owner)
			r->owned[owner - 1]++;
		return 0;
	}
	/* Half full: rebuild (it grows).  Large and not rebuilt for a
	 * minute: rebuild too, so that the table shrinks after a burst. */
	if (r->used >= r->cap || 2 * (r->used + 1) > r->mask + 1 ||
	    (r->mask + 1 > SHRINK_FROM && now_s >= r->rebuilt_s + SHRINK_AFTER_S)) {
		rc = rebuild(r, now_s, 0);
		if (rc < 0)
			return rc;
		if (r->used >= r->cap)
			return -ENOSPC;
		i = find(r, id);
	}
	r->slots[i].expire = expire_s;
	memcpy(r->slots[i].id, id, REPLAY_ID_LEN);
	r->slots[i].owner = owner;
	if (owner)
		r->owned[owner - 1]++;
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

size_t replay_table_slots(const struct replay *r)
{
	return r->mask + 1;
}

size_t replay_files(const struct replay *r, int *fds, size_t max)
{
	size_t n = 0;
	for (int i = 0; i < 2 && n < max; i++)
		if (r->fds[i] >= 0)
			fds[n++] = r->fds[i];
	if (r->mark.fd >= 0 && n < max)
		fds[n++] = r->mark.fd;
	return n;
}

static void record_encode(uint64_t expire, const uint8_t id[REPLAY_ID_LEN], uint8_t rec[REC_LEN])
{
	be64_put(rec, expire);
	memcpy(rec + 8, id, REPLAY_ID_LEN);
	uint8_t md[32];
	unsigned int mdlen = 0;
	if (EVP_Digest(rec, 8 + REPLAY_ID_LEN, md, &mdlen, EVP_sha256(), NULL) != 1)
		memset(md, 0, sizeof md);   /* then the record fails its check at load */
	memcpy(rec + 8 + REPLAY_ID_LEN, md, 8);
}

static bool record_decode(const uint8_t rec[REC_LEN], uint64_t *expire, uint8_t id[REPLAY_ID_LEN])
{
	uint64_t e = be64_get(rec);
	uint8_t again[REC_LEN];
	record_encode(e, rec + 8, again);
	if (memcmp(again, rec, REC_LEN) != 0 || e == 0)
		return false;
	*expire = e;
	memcpy(id, rec + 8, REPLAY_ID_LEN);
	return true;
}

/* Writes the live entries into the other file, fsyncs it, then cuts the
 * active one down to its header: no open, no rename (the worker's
 * sandbox allows neither).  A crash at any point leaves every live id in
 * one of the two files. */
static int compact(struct replay *r, uint64_t now_s)
{
	int fd = r->fds[!r->active];
	if (ftruncate(fd, 0) < 0)
		return -errno;
	struct durable_batch b;
	durable_batch_init(&b, fd);
	durable_batch_add(&b, HDR, HDR_LEN);
	size_t n = 0;
	for (size_t i = 0; b.rc == 0 && i <= r->mask; i++) {
		if (r->slots[i].expire <= now_s)
			continue;
		uint8_t rec[REC_LEN];
		record_encode(r->slots[i].expire, r->slots[i].id, rec);
		durable_batch_add(&b, rec, REC_LEN);
		n++;
	}
	int rc = durable_batch_end(&b);
	if (rc < 0)
		return rc;
	/* From here the new file holds everything: the old one may go. */
	r->active = !r->active;
	r->fd = fd;
	r->file_records = n;
	int old = r->fds[!r->active];
	if (ftruncate(old, HDR_LEN) < 0 || fsync(old) < 0)
		return -errno;  /* harmless: loaded again, compacted again */
	return 0;
}

static uint32_t owner_bucket(const struct replay *r, uint64_t owner)
{
	uint8_t b[REPLAY_ID_LEN] = { 0 };
	memcpy(b, &owner, sizeof owner);
	return (uint32_t)(id_hash(r, b) % OWNER_BUCKETS) + 1;
}

int replay_check_add(struct replay *r, const uint8_t id[REPLAY_ID_LEN],
		     uint64_t expire_s, uint64_t now_s)
{
	return replay_check_add_owned(r, id, 0, expire_s, now_s);
}

int replay_check_add_owned(struct replay *r, const uint8_t id[REPLAY_ID_LEN], uint64_t owner,
			   uint64_t expire_s, uint64_t now_s)
{
	if (expire_s <= now_s)
		expire_s = now_s + 1;
	/* Possibly accepted before the machine lost its last records. */
	if (r->fd >= 0 && replay_mark_refuses(&r->mark, expire_s))
		return -EEXIST;
	int rc = mem_add(r, id, owner ? owner_bucket(r, owner) : 0, expire_s, now_s);
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

/* Reads the records of FD (header already checked) into memory.
 * Returns the number of records or -errno. */
static ssize_t load(struct replay *r, int fd, const char *name, off_t size, uint64_t now_s)
{
	size_t nrec = (size_t)(size - HDR_LEN) / REC_LEN;
	size_t torn = (size_t)(size - HDR_LEN) % REC_LEN;
	size_t bad = 0;
	uint8_t buf[REC_LEN * 256];
	off_t off = HDR_LEN;
	size_t left = nrec;
	while (left) {
		size_t want = left < 256 ? left : 256;
		ssize_t got = pread(fd, buf, want * REC_LEN, off);
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
			int rc = mem_add(r, id, 0, expire, now_s);
			if (rc == -ENOSPC) {
				log_err("replay cache %s: more live entries than the cache holds (%zu)",
					name, r->cap);
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
		log_warn("replay cache %s: cutting a torn last record (%zu bytes)", name, torn);
		if (ftruncate(fd, (off_t)(HDR_LEN + nrec * REC_LEN)) < 0 || fsync(fd) < 0)
			return -errno;
	}
	if (bad)
		log_warn("replay cache %s: skipped %zu damaged records", name, bad);
	return (ssize_t)nrec;
}

/* Checks the header of FD, NAME, and loads its records.  A new file (or
 * one cut short while its header was written) gets a header.  Returns
 * the number of records, or -EINVAL for a file that is not ours. */
static ssize_t open_one(struct replay *r, int fd, const char *name, uint64_t now_s)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	uint8_t hdr[HDR_LEN];
	ssize_t got = st.st_size ? pread(fd, hdr, sizeof hdr, 0) : 0;
	if (got < 0)
		return -errno;
	if (got == HDR_LEN && memcmp(hdr, HDR, HDR_LEN) == 0)
		return load(r, fd, name, st.st_size, now_s);
	if (got == st.st_size && memcmp(hdr, HDR, (size_t)got) == 0) {
		if (ftruncate(fd, 0) < 0)
			return -errno;
		int rc = durable_write_all(fd, HDR, HDR_LEN);
		if (rc == 0 && fsync(fd) < 0)
			rc = -errno;
		if (rc == 0)
			rc = durable_fsync_parent(name);
		return rc;
	}
	return -EINVAL;
}

static int open_files(struct replay *r, const char *alt, uint64_t now_s)
{
	r->fds[0] = open(r->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (r->fds[0] < 0)
		return -errno;
	if (flock(r->fds[0], LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	/* The lock on PATH covers PATH.alt too. */
	r->fds[1] = open(alt, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (r->fds[1] < 0)
		return -errno;
	ssize_t n[2];
	for (int i = 0; i < 2; i++) {
		n[i] = open_one(r, r->fds[i], i ? alt : r->path, now_s);
		if (n[i] < 0)
			return (int)n[i];
	}
	/* Appends go to the file with records; if both have some (a crash
	 * during compaction), the next check compacts them into one. */
	r->active = n[1] > 0 && n[0] == 0;
	r->fd = r->fds[r->active];
	r->file_records = (size_t)(n[0] + n[1]);
	r->split = n[0] > 0 && n[1] > 0;
	return 0;
}

int replay_open(const char *path, size_t cap, uint64_t now_s, struct replay **out)
{
	*out = NULL;
	struct replay *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	r->fd = r->fds[0] = r->fds[1] = -1;
	/* Tests only (docs/sesamed.md): a smaller cache, so that a test can
	 * push a worker past the compaction threshold with a few packets. */
	const char *test_cap = getenv("SESAMED_TEST_REPLAY_CAP");
	unsigned long tc;
	if (test_cap && parse_ulong(test_cap, 16, cap, &tc))
		cap = tc;
	r->mark.fd = -1;
	r->cap = cap < 16 ? 16 : cap;
	r->owner_max = r->cap / 16 > 16 ? r->cap / 16 : 16;
	r->max_slots = TABLE_MIN;
	while (r->max_slots < 2 * r->cap)
		r->max_slots *= 2;
	r->mask = TABLE_MIN - 1;
	r->slots = slots_new(TABLE_MIN);
	r->seed = hashseed_new();
	if (!r->slots) {
		replay_close(r);
		return -ENOMEM;
	}
	if (path) {
		r->path = strdup(path);
		if (!r->path) {
			replay_close(r);
			return -ENOMEM;
		}
		char alt[4096];
		int rc = snprintf_safe(alt, sizeof alt, "%s.alt", path) ? 0 : -ENAMETOOLONG;
		if (rc == 0)
			rc = open_files(r, alt, now_s);
		if (rc < 0) {
			if (rc == -EINVAL)
				log_err("replay cache %s (or %s): not a sesame replay cache file; "
					"refusing to touch it", path, alt);
			else if (rc == -EBUSY)
				log_err("replay cache %s: in use by another process", path);
			else if (rc != -ENOSPC)
				log_err("replay cache %s: %s", path, strerror(-rc));
			replay_close(r);
			return rc;
		}
		if (r->file_records > 2 * r->used + r->cap ||
		    r->split) {
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
	if (r->fd >= 0)
		/* A clean stop: every record on disk, then the mark says so. */
		replay_mark_close(&r->mark, fdatasync(r->fd) == 0);
	for (int i = 0; i < 2; i++)
		if (r->fds[i] >= 0)
			close(r->fds[i]);
	free(r->path);
	slots_free(r->slots, r->mask + 1);
	free(r);
}
