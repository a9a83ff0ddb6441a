/* SPDX-License-Identifier: GPL-2.0-or-later */
/* strbuf — a growable NUL-terminated text buffer for building nftables
 * scripts and control-socket answers.
 *
 * Errors are sticky: after an allocation failure (or a length past
 * STRBUF_MAX) every append is ignored and strbuf_failed() is true, so a
 * caller appends freely and checks once at the end.
 */
#ifndef SESAME_STRBUF_H
#define SESAME_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

#define STRBUF_MAX (16u << 20)          /* no text of ours is bigger */

struct strbuf {
	char *buf;                      /* NULL until the first append */
	size_t len;
	size_t cap;
	bool failed;
};

#define STRBUF_INIT { NULL, 0, 0, false }

void strbuf_fini(struct strbuf *sb);
/* Empties SB, keeping its memory, and clears the failure. */
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const char *s, size_t len);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* S as a JSON string literal, quotes included; bytes below 0x20, '"' and
 * '\\' escaped, bytes >= 0x80 written as \u00XX so the output is ASCII
 * whatever S holds. */
void strbuf_json_str(struct strbuf *sb, const char *s);
/* The length of S's first MAX bytes or fewer, never ending inside a UTF-8
 * character: for shortening a value in a message. */
size_t utf8_prefix_len(const char *s, size_t max);
/* The text so far ("" when empty); NULL when SB failed. */
const char *strbuf_str(const struct strbuf *sb);
bool strbuf_failed(const struct strbuf *sb);

#endif
