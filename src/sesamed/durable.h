/* SPDX-License-Identifier: GPL-2.0-or-later */
/* durable — the steps that make a file write survive a crash or power
 * loss, shared by the replay cache and the pending-stop records. */
#ifndef SESAME_DURABLE_H
#define SESAME_DURABLE_H

#include <stddef.h>

/* Many small records to one file, written in batches and then made
 * durable: durable_batch_init(), durable_batch_add() for each, and
 * durable_batch_end().  The first error sticks (rc); later adds do
 * nothing, so a caller adds freely and checks once, at the end. */
struct durable_batch {
	int fd;
	int rc;                 /* 0 or the first -errno */
	size_t fill;
	unsigned char buf[12288];       /* whole records of 48 or 64 bytes */
};

/* write() until all N bytes are out (EINTR retried).  0 or -errno. */
int durable_write_all(int fd, const void *buf, size_t n);
void durable_batch_init(struct durable_batch *b, int fd);
/* Appends the LEN bytes at REC, writing the batch out first when it is
 * full. */
void durable_batch_add(struct durable_batch *b, const void *rec, size_t len);
/* Writes what is left and fsync()s the file.  0 or the first -errno. */
int durable_batch_end(struct durable_batch *b);
/* fsync() of directory DIR, so a create or rename in it is on disk. */
int durable_fsync_dir(const char *dir);
/* The same for the directory holding PATH. */
int durable_fsync_parent(const char *path);

#endif
