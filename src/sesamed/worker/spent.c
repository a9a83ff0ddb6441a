/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spent — see spent.h.
 *
 * Record (64 bytes): key (16) | seq (8) | top (8) | mask (8) | zero (16) |
 * check (8), numbers big-endian, check = the first 8 bytes of SHA-256 of
 * the 56 bytes before it.  Entry i's copies are records 2i and 2i + 1. */
#include "spent.h"

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
#include "log.h"
#include "numparse.h"

#define HDR      "sesame-spent-1\n"     /* 15 bytes and its NUL */
#define HDR_LEN  16
#define REC_LEN  64
#define FILE_MAX (64u << 20)

_Static_assert(sizeof HDR == HDR_LEN, "header size");

struct entry {
	uint8_t key[SPENT_KEY_LEN];
	uint64_t seq, top, mask;        /* top 0: nothing spent */
	unsigned newest;                /* copy holding seq */
};

struct spent {
	struct entry *e;
	size_t n;
	char *path;
	int fd;                         /* -1: memory only */
};

static void sha256(const void *buf, size_t len, uint8_t md[32])
{
	unsigned int n = 0;
	if (EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL) != 1)
		memset(md, 0, 32);
}

void spent_key(const char *door, const char *client, uint8_t key[SPENT_KEY_LEN])
{
	char buf[256];
	int n = snprintf(buf, sizeof buf, "sesame-spent%c%s%c%s", 0, door, 0, client);
	uint8_t md[32];
	sha256(buf, n > 0 && (size_t)n < sizeof buf ? (size_t)n : sizeof buf, md);
	memcpy(key, md, SPENT_KEY_LEN);
}

static void encode(const struct entry *e, uint64_t seq, uint8_t rec[REC_LEN])
{
	memset(rec, 0, REC_LEN);
	memcpy(rec, e->key, SPENT_KEY_LEN);
	be64_put(rec + 16, seq);
	be64_put(rec + 24, e->top);
	be64_put(rec + 32, e->mask);
	uint8_t md[32];
	sha256(rec, REC_LEN - 8, md);
	memcpy(rec + REC_LEN - 8, md, 8);
}

static bool decode(const uint8_t rec[REC_LEN], struct entry *e)
{
	uint8_t md[32];
	sha256(rec, REC_LEN - 8, md);
	if (memcmp(md, rec + REC_LEN - 8, 8) != 0)
		return false;
	memcpy(e->key, rec, SPENT_KEY_LEN);
	e->seq = be64_get(rec + 16);
	e->top = be64_get(rec + 24);
	e->mask = be64_get(rec + 32);
	return true;
}

bool spent_test(const struct spent *s, size_t i, uint64_t c)
{
	if (i >= s->n)
		return true;
	const struct entry *e = &s->e[i];
	if (e->top == 0 || c > e->top)
		return false;
	uint64_t d = e->top - c;
	return d >= 64 || ((e->mask >> d) & 1);
}

int spent_mark(struct spent *s, size_t i, uint64_t c)
{
	if (i >= s->n)
		return -EINVAL;
	struct entry *e = &s->e[i];
	if (e->top == 0 || c > e->top) {
		uint64_t shift = e->top == 0 ? 64 : c - e->top;
		e->mask = shift >= 64 ? 0 : e->mask << shift;
		e->top = c;
		e->mask |= 1;
	} else if (e->top - c < 64) {
		e->mask |= UINT64_C(1) << (e->top - c);
	}
	if (s->fd < 0)
		return 0;
	/* The older copy: the newer one stays intact should this write
	 * tear. */
	unsigned copy = e->newest ^ 1;
	uint8_t rec[REC_LEN];
	encode(e, e->seq + 1, rec);
	off_t off = (off_t)HDR_LEN + (off_t)(2 * i + copy) * REC_LEN;
	ssize_t w;
	do
		w = pwrite(s->fd, rec, REC_LEN, off);
	while (w < 0 && errno == EINTR);
	int rc = w == REC_LEN ? 0 : w < 0 ? -errno : -EIO;
	if (rc == 0 && fdatasync(s->fd) < 0)
		rc = -errno;
	if (rc < 0) {
		log_err("spent file %s: cannot record: %s", s->path, strerror(-rc));
		return rc;
	}
	e->seq++;
	e->newest = copy;
	return 0;
}

struct keyidx {
	uint8_t key[SPENT_KEY_LEN];
	size_t i;
};

static int keycmp(const void *a, const void *b)
{
	return memcmp(a, b, SPENT_KEY_LEN);
}

/* Takes the newest valid copy of each configured key from FD's file. */
static int load(struct spent *s, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > FILE_MAX)
		return -EINVAL;
	if (st.st_size == 0)
		return 0;
	size_t size = (size_t)st.st_size;
	uint8_t *buf = malloc(size);
	struct keyidx *idx = malloc((s->n ? s->n : 1) * sizeof *idx);
	int rc = buf && idx ? 0 : -ENOMEM;
	size_t got = 0;
	while (rc == 0 && got < size) {
		ssize_t r = pread(fd, buf + got, size - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			rc = r < 0 ? -errno : -EIO;
		else
			got += (size_t)r;
	}
	if (rc == 0 && (size < HDR_LEN || memcmp(buf, HDR, HDR_LEN) != 0))
		rc = -EINVAL;
	if (rc == 0) {
		for (size_t i = 0; i < s->n; i++) {
			memcpy(idx[i].key, s->e[i].key, SPENT_KEY_LEN);
			idx[i].i = i;
		}
		qsort(idx, s->n, sizeof *idx, keycmp);
		for (size_t off = HDR_LEN; off + REC_LEN <= size; off += REC_LEN) {
			struct entry r;
			if (!decode(buf + off, &r))
				continue;       /* a torn write: the other copy holds */
			struct keyidx *k = bsearch(r.key, idx, s->n, sizeof *idx, keycmp);
			if (!k)
				continue;       /* a client no longer configured */
			struct entry *e = &s->e[k->i];
			if (e->top == 0 || r.seq > e->seq) {
				e->seq = r.seq;
				e->top = r.top;
				e->mask = r.mask;
			}
		}
	}
	free(buf);
	free(idx);
	return rc;
}

/* Writes the header and every entry, both copies, to FD, and fsyncs it.
 * 0 or -errno. */
static int write_entries(struct spent *s, int fd)
{
	struct durable_batch b;
	durable_batch_init(&b, fd);
	durable_batch_add(&b, HDR, HDR_LEN);
	for (size_t i = 0; b.rc == 0 && i < s->n; i++) {
		struct entry *e = &s->e[i];
		uint8_t rec[REC_LEN];
		encode(e, e->seq, rec);
		durable_batch_add(&b, rec, REC_LEN);
		durable_batch_add(&b, rec, REC_LEN);
		e->newest = 0;
	}
	return durable_batch_end(&b);
}

/* Writes every entry (both copies) to a new file and puts it in place. */
static int rewrite(struct spent *s)
{
	char tmp[4096];
	if (!snprintf_safe(tmp, sizeof tmp, "%s.tmp", s->path))
		return -ENAMETOOLONG;
	int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	int rc = flock(fd, LOCK_EX | LOCK_NB) < 0 ? -errno : 0;
	if (rc == 0)
		rc = write_entries(s, fd);
	if (rc == 0 && rename(tmp, s->path) < 0)
		rc = -errno;
	if (rc < 0) {
		close(fd);
		unlink(tmp);
		return rc;
	}
	durable_fsync_parent(s->path);
	s->fd = fd;
	return 0;
}

int spent_open(const char *path, const uint8_t (*keys)[SPENT_KEY_LEN], size_t n,
	       struct spent **out)
{
	*out = NULL;
	struct spent *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->n = n;
	s->e = calloc(n ? n : 1, sizeof *s->e);
	if (!s->e) {
		spent_close(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		memcpy(s->e[i].key, keys[i], SPENT_KEY_LEN);
	if (!path) {
		*out = s;
		return 0;
	}
	s->path = strdup(path);
	if (!s->path) {
		spent_close(s);
		return -ENOMEM;
	}
	/* The lock of the file in place keeps a second daemon out. */
	int old = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	int rc = old < 0 ? -errno : 0;
	if (rc == 0 && flock(old, LOCK_EX | LOCK_NB) < 0)
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
	if (rc == 0)
		rc = load(s, old);
	if (rc == 0)
		rc = rewrite(s);
	if (old >= 0)
		close(old);
	if (rc < 0) {
		if (rc == -EINVAL)
			log_err("spent file %s: not a sesame spent file; refusing to touch it", path);
		else if (rc == -EBUSY)
			log_err("spent file %s: in use by another process", path);
		else
			log_err("spent file %s: %s", path, strerror(-rc));
		spent_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void spent_close(struct spent *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s->e);
	free(s);
}

int spent_fd(const struct spent *s)
{
	return s ? s->fd : -1;
}
