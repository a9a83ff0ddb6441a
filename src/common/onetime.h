/* SPDX-License-Identifier: GPL-2.0-or-later */
/* onetime — knockd's One_Time_Sequences file.
 *
 * One sequence per line, in the Sequence syntax ("8881:tcp,7777,9991:udp").
 * Blank lines are skipped.  A line whose first non-blank character is '#'
 * is a comment or a sequence already used: knockd marks a used line by
 * overwriting its first byte with '#', and so do we, so one file can move
 * between knockd and sesamed. */
#ifndef SESAME_ONETIME_H
#define SESAME_ONETIME_H

#include <stddef.h>

#include "config.h"

struct onetime_seq {
	struct port_proto seq[CONFIG_SEQ_MAX];
	size_t len;
	unsigned line;                  /* 1-based line number in the file */
	long offset;                    /* byte offset of the line's first byte */
};

/* Reads the first unused sequence of PATH into OUT.  Returns 0, -ENOENT
 * when every sequence is used up, -EINVAL for a malformed line (reported
 * through DIAG as "file:line: ..."), or -errno when unreadable (reported). */
int onetime_next(const char *path, config_diag_fn diag, void *ctx,
		 struct onetime_seq *out);
/* The same on a file already open at FD (read with pread from offset 0),
 * NAME for messages: the worker opens its files before it gives up the
 * right to open them. */
int onetime_next_fd(int fd, const char *name, config_diag_fn diag, void *ctx,
		    struct onetime_seq *out);
/* Parses BUF, the LEN bytes of a one-time file named NAME (for messages).
 * Reports every malformed line through DIAG.  Returns the number of unused
 * sequences, with the first one in *FIRST (if FIRST is not NULL and the
 * count is not 0), or -EINVAL.  No I/O: for config checks and fuzzing. */
int onetime_parse(const char *name, const char *buf, size_t len,
		  config_diag_fn diag, void *ctx, struct onetime_seq *first);
/* Marks SEQ used in PATH, in place, and fsyncs.  Returns 0 or -errno
 * (-ESTALE if the line no longer holds that sequence). */
int onetime_mark_used(const char *path, const struct onetime_seq *seq);
/* The same through FD, open for reading and writing (not closed). */
int onetime_mark_used_fd(int fd, const struct onetime_seq *seq);

#endif
