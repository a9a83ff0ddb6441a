/* SPDX-License-Identifier: GPL-2.0-or-later */
/* durable — the steps that make a file write survive a crash or power
 * loss, shared by the replay cache and the pending-stop records. */
#ifndef SESAME_DURABLE_H
#define SESAME_DURABLE_H

#include <stddef.h>

/* write() until all N bytes are out (EINTR retried).  0 or -errno. */
int durable_write_all(int fd, const void *buf, size_t n);
/* fsync() of directory DIR, so a create or rename in it is on disk. */
int durable_fsync_dir(const char *dir);
/* The same for the directory holding PATH. */
int durable_fsync_parent(const char *path);

#endif
