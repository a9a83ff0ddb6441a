/* SPDX-License-Identifier: GPL-2.0-or-later */
/* strbuf — see strbuf.h. */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init_fixed(struct strbuf *sb, char *buf, size_t cap)
{
	*sb = (struct strbuf){ .buf = buf, .cap = buf ? cap : 0, .fixed = true };
	if (sb->cap)
		buf[0] = '\0';
	else
		sb->failed = true;
}

void strbuf_fini(struct strbuf *sb)
{
	if (!sb->fixed)
		free(sb->buf);
	*sb = (struct strbuf)STRBUF_INIT;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->failed = sb->fixed && !sb->cap;     /* no room even for "" */
	if (sb->cap)
		sb->buf[0] = '\0';
}

static bool grow(struct strbuf *sb, size_t extra)
{
	if (sb->failed)
		return false;
	if (extra >= STRBUF_MAX - sb->len) {
		sb->failed = true;
		return false;
	}
	size_t need = sb->len + extra + 1;
	if (need <= sb->cap)
		return true;
	if (sb->fixed) {
		sb->failed = true;
		return false;
	}
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = realloc(sb->buf, cap);
	if (!p) {
		sb->failed = true;
		return false;
	}
	sb->buf = p;
	sb->cap = cap;
	return true;
}

void strbuf_add(struct strbuf *sb, const char *s, size_t len)
{
	if (!grow(sb, len))
		return;
	memcpy(sb->buf + sb->len, s, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_puts(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->failed = true;
		return;
	}
	if (!grow(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void strbuf_json_str(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			char esc[2] = { '\\', (char)*p };
			strbuf_add(sb, esc, 2);
		} else if (*p < 0x20 || *p >= 0x7f) {
			strbuf_printf(sb, "\\u%04x", *p);
		} else {
			strbuf_add(sb, (const char *)p, 1);
		}
	}
	strbuf_add(sb, "\"", 1);
}

const char *strbuf_str(const struct strbuf *sb)
{
	if (sb->failed)
		return NULL;
	return sb->buf ? sb->buf : "";
}

bool strbuf_failed(const struct strbuf *sb)
{
	return sb->failed;
}

size_t utf8_prefix_len(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);
	if (n <= max)
		return n;
	/* s[max] is the first byte left out: back up while it continues the
	 * character before it. */
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}
