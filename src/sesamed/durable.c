/* SPDX-License-Identifier: GPL-2.0-or-later */
/* durable — see durable.h. */
#include "durable.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int durable_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

void durable_batch_init(struct durable_batch *b, int fd)
{
	b->fd = fd;
	b->rc = 0;
	b->fill = 0;
}

void durable_batch_add(struct durable_batch *b, const void *rec, size_t len)
{
	if (b->rc)
		return;
	if (len > sizeof b->buf - b->fill) {
		b->rc = durable_write_all(b->fd, b->buf, b->fill);
		b->fill = 0;
		if (b->rc == 0 && len > sizeof b->buf)
			b->rc = durable_write_all(b->fd, rec, len);
		if (b->rc || len > sizeof b->buf)
			return;
	}
	memcpy(b->buf + b->fill, rec, len);
	b->fill += len;
}

int durable_batch_end(struct durable_batch *b)
{
	if (b->rc == 0 && b->fill)
		b->rc = durable_write_all(b->fd, b->buf, b->fill);
	b->fill = 0;
	if (b->rc == 0 && fsync(b->fd) < 0)
		b->rc = -errno;
	return b->rc;
}

int durable_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int durable_fsync_parent(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else if ((size_t)(slash - path) < sizeof dir)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	else
		return -ENAMETOOLONG;
	return durable_fsync_dir(dir);
}
