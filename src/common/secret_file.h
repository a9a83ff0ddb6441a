/* SPDX-License-Identifier: GPL-2.0-or-later */
/* secret_file — reading files that hold secrets (SPA keys, rotating
 * sequences' secrets, fleet keys, fwknop keys), and one loader for the
 * files of records, one a line, that SPA_Keys, Sequence_Secrets and the
 * clients' key files are.
 *
 * A file holding secrets is refused when it is a symbolic link, not a
 * regular file, larger than 1 MiB, or accessible by others (a server's
 * file: its group may read it) or by anyone but its owner (a client's).
 * Every problem is reported through a config_diag_fn as "file: message"
 * or "file:line: message".
 */
#ifndef SESAME_SECRET_FILE_H
#define SESAME_SECRET_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

/* Reads a file holding secrets after checking that it is a regular file,
 * not a symbolic link, at most 1 MiB, and that none of the mode bits
 * FORBIDDEN is set (WHO names them in the message: "group or others").
 * Returns 0 with *TEXT allocated (*LEN bytes and a NUL after them, which
 * the file may hold too; release with secret_file_free) or -errno,
 * reported through DIAG as "PATH: ...". */
int secret_file_read(const char *path, mode_t forbidden, const char *who,
		     config_diag_fn diag, void *ctx, char **text, size_t *len);
void secret_file_free(char *text, size_t len);

/* The blanks around the fields of a secret file's line. */
static inline bool secret_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Walks the lines of a secret file's TEXT (LEN bytes): each call gives
 * the next line that is neither blank nor a '#' comment (LINE, N bytes,
 * without its newline) and returns 1; 0 at the end; -1 for a line holding
 * a NUL byte, which the caller reports (at it->lineno) and skips. */
struct secret_lines {
	const char *text;
	size_t len, pos;
	unsigned lineno;
};
int secret_lines_next(struct secret_lines *it, const char **line, size_t *n);

/* What one kind of record file holds: records of SIZE bytes, one a line,
 * at most MAX.  NOUN names a record in messages ("key": "NUL byte in key
 * file", "a client key file holds exactly one key"); TOO_MANY is the
 * message for a line past MAX. */
struct secret_kind {
	size_t size;
	size_t max;
	const char *noun;
	const char *too_many;
	/* Parses LINE (N bytes, no newline; line LINENO of its file) into
	 * REC, zeroed.  NULL, or why the line is bad (a static string). */
	const char *(*parse)(const char *line, size_t n, unsigned lineno, void *rec);
	/* Why REC may not stand in the same file as EARLIER, or NULL. */
	const char *(*clash)(const void *rec, const void *earlier);
};

/* Parses the lines of TEXT (NAME is the file name for messages) as KIND.
 * OUT is the address of the caller's pointer to its records (a struct
 * spa_key **, say): the typed wrappers pass theirs as it is.  Returns the
 * number of records (>= 0) with that pointer set to them (NULL when none;
 * free with secret_records_free), or -EINVAL after reporting every bad
 * line through DIAG (NULL: the log), or -ENOMEM; the pointer is NULL
 * then. */
int secret_records_parse(const struct secret_kind *kind, const char *name, const char *text,
			 size_t len, config_diag_fn diag, void *ctx, void *out);

/* A server's file of KIND at PATH (no access for others): the count of
 * its records (0 is allowed) with OUT as above, or -errno, every problem
 * reported through DIAG. */
int secret_records_load(const struct secret_kind *kind, const char *path,
			config_diag_fn diag, void *ctx, void *out);

/* A client's file of KIND at PATH (owner-only access): exactly one
 * record, copied into OUT (KIND->size bytes, zeroed on failure).  0 or
 * -errno, every problem reported through DIAG. */
int secret_record_load_one(const struct secret_kind *kind, const char *path,
			   config_diag_fn diag, void *ctx, void *out);

/* The longest secret secret_line_format() writes, in bytes. */
#define SECRET_LINE_SECRET_MAX 64

/* A record's line: "NAME ID BASE64SECRET\n", or "NAME BASE64SECRET\n"
 * when ID is NULL, SECRET (N bytes, at most SECRET_LINE_SECRET_MAX) in
 * padded base64, into BUF.  0, -EIO or -ENOSPC, BUF wiped then. */
int secret_line_format(const char *name, const char *id, const uint8_t *secret, size_t n,
		       char *buf, size_t len);

/* Wipes and frees N records of SIZE bytes. */
void secret_records_free(void *v, size_t n, size_t size);

#endif
