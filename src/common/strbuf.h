/* SPDX-License-Identifier: GPL-2.0-or-later */
/* strbuf — the text builder: nftables scripts, control-socket answers,
 * the capture filter, fwknop's plaintext.
 *
 * A strbuf grows on the heap (STRBUF_INIT), or writes into storage its
 * caller owns and never grows (strbuf_init_fixed): for a text with a fixed
 * bound, or one holding secrets that the caller wipes (a growing buffer
 * would leave copies behind in the memory it gave back).
 *
 * Errors are sticky: after an allocation failure, a text that does not fit
 * the fixed storage, or a length past STRBUF_MAX, every append is ignored
 * and strbuf_failed() is true, so a caller appends freely and checks once
 * at the end.  The text is always NUL-terminated; a failed append leaves
 * what was there before it.
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
	bool fixed;                     /* BUF is the caller's: never grown or freed */
};

#define STRBUF_INIT { NULL, 0, 0, false, false }

/* SB builds its text in BUF, CAP bytes the caller owns, terminator
 * included; it starts empty.  CAP 0 (or no BUF) fails SB at once. */
void strbuf_init_fixed(struct strbuf *sb, char *buf, size_t cap);
/* Frees what SB allocated (nothing for fixed storage) and makes it empty
 * and growable, as STRBUF_INIT. */
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
