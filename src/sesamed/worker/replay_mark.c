/* SPDX-License-Identifier: GPL-2.0-or-later */
/* replay_mark — see replay_mark.h.
 *
 * File: 88 bytes, rewritten in place with one pwrite (within one sector,
 * so a power cut leaves the old mark or the new one):
 *   magic (16) | boot id (40) | clean (8) | expire mark (8) |
 *   refuse until (8) | check (8)
 * numbers big-endian; check is the first 8 bytes of SHA-256 of the rest.
 */
#include "replay_mark.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "be64.h"
#include "durable.h"

#define MAGIC     "sesame-mark-1\n\0"
#define MARK_LEN  88
#define BOOT_ID   "/proc/sys/kernel/random/boot_id"

static bool checksum(const uint8_t *buf, uint8_t out[8])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (EVP_Digest(buf, MARK_LEN - 8, md, &mdlen, EVP_sha256(), NULL) != 1)
		return false;
	memcpy(out, md, 8);
	return true;
}

/* The kernel's id of this boot; "" when it cannot be read (then every
 * unclean stop counts as a reboot: the careful side). */
static void read_boot_id(char out[40])
{
	memset(out, 0, 40);
	int fd = open(BOOT_ID, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, out, 39);
	close(fd);
	if (n <= 0) {
		memset(out, 0, 40);
		return;
	}
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

static int write_mark(const struct replay_mark *m, bool clean)
{
	uint8_t buf[MARK_LEN] = { 0 };
	memcpy(buf, MAGIC, 16);
	memcpy(buf + 16, m->boot, 40);
	be64_put(buf + 56, clean);
	be64_put(buf + 64, m->expire_mark);
	be64_put(buf + 72, m->refuse_until);
	if (!checksum(buf, buf + 80))
		return -EIO;
	for (;;) {
		ssize_t n = pwrite(m->fd, buf, sizeof buf, 0);
		if (n == (ssize_t)sizeof buf)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -errno : -EIO;
	}
	return fdatasync(m->fd) < 0 ? -errno : 0;
}

int replay_mark_open(const char *cache_path, uint64_t now_s, struct replay_mark *m)
{
	memset(m, 0, sizeof *m);
	m->fd = -1;
	char path[4096];
	int len = snprintf(path, sizeof path, "%s.mark", cache_path);
	if (len < 0 || (size_t)len >= sizeof path)
		return -ENAMETOOLONG;
	m->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (m->fd < 0)
		return -errno;
	read_boot_id(m->boot);

	uint8_t buf[MARK_LEN], check[8];
	ssize_t n = pread(m->fd, buf, sizeof buf, 0);
	if (n == (ssize_t)sizeof buf && memcmp(buf, MAGIC, 16) == 0 &&
	    checksum(buf, check) && memcmp(check, buf + 80, 8) == 0) {
		bool clean = be64_get(buf + 56) == 1;
		bool same_boot = m->boot[0] && memcmp(buf + 16, m->boot, 40) == 0;
		m->expire_mark = be64_get(buf + 64);
		m->refuse_until = be64_get(buf + 72);
		/* Records written since the last sync are lost only when the
		 * machine went down with them. */
		if (!clean && !same_boot && m->expire_mark > m->refuse_until)
			m->refuse_until = m->expire_mark;
	}
	/* Until now_s nothing new was accepted: start the promise there. */
	if (m->expire_mark < now_s)
		m->expire_mark = now_s;
	int rc = write_mark(m, false);
	if (rc == 0 && n == 0)
		rc = durable_fsync_parent(path);
	if (rc < 0) {
		close(m->fd);
		m->fd = -1;
	}
	return rc;
}

bool replay_mark_refuses(const struct replay_mark *m, uint64_t expire_s)
{
	return expire_s <= m->refuse_until;
}

int replay_mark_cover(struct replay_mark *m, uint64_t expire_s)
{
	if (expire_s <= m->expire_mark)
		return 0;
	uint64_t old = m->expire_mark;
	m->expire_mark = expire_s + REPLAY_MARK_LEASE_S;
	int rc = write_mark(m, false);
	if (rc < 0)
		m->expire_mark = old;   /* the disk holds no more than that */
	return rc;
}

void replay_mark_close(struct replay_mark *m, bool clean)
{
	if (m->fd < 0)
		return;
	(void)write_mark(m, clean);
	close(m->fd);
	m->fd = -1;
}
