/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ini — the line reader shared by every configuration file of sesame:
 * sesamed.conf (knockd.conf syntax) and the client's profiles.
 *
 *   # comment
 *   [section]
 *   Key = value        (or a bare "Key")
 *
 * Lines are read one at a time into a fixed buffer (a file is streamed, a
 * buffer is walked), so no line length can overflow anything: a line over
 * CONFIG_LINE_MAX bytes, a NUL or a control character is an error item,
 * and reading goes on so that a caller can report every problem of a file.
 * A UTF-8 byte order mark on line 1 is skipped.  Names and values come
 * trimmed of blanks; what they mean is the caller's business.
 *
 * With blank_separated set, a key line is "KEY value" instead (fwknop's
 * ~/.fwknoprc): the key ends at the first blank, and '=' is an ordinary
 * character of the value (base64 keys end with it). */
#ifndef SESAME_INI_H
#define SESAME_INI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum ini_kind {
	INI_SECTION,            /* name: the section's name; NULL if malformed */
	INI_KEY,                /* name: the key (non-empty), value or NULL */
	INI_ERROR,              /* error: why the line is refused */
};

struct ini_item {
	enum ini_kind kind;
	unsigned line;
	char *name;             /* inside the reader's buffer, valid until */
	char *value;            /* the next ini_next() */
	const char *error;      /* INI_ERROR, or INI_SECTION with name NULL */
};

struct ini_reader {
	FILE *f;                /* either a stream ... */
	const char *buf;        /* ... or a buffer */
	size_t len, pos;
	bool done;
	bool blank_separated;   /* "KEY value" lines; set after init */
	unsigned line;
	char *text;             /* CONFIG_LINE_MAX + 1 bytes */
	char err[160];
};

/* Read from F (not closed by ini_fini) or from TEXT[0..LEN).  Return 0 or
 * -ENOMEM. */
int ini_init_file(struct ini_reader *r, FILE *f);
int ini_init_buf(struct ini_reader *r, const char *text, size_t len);
/* Wipes the line buffer (lines may hold keys) and frees it. */
void ini_fini(struct ini_reader *r);

/* The next item, blank and comment lines skipped.  False at the end. */
bool ini_next(struct ini_reader *r, struct ini_item *it);

/* Blanks (space, tab, CR, VT, FF) removed from both ends, in place. */
char *ini_trim(char *s);

#endif
