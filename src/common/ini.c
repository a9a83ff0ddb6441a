/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ini — see ini.h. */
#include "ini.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

char *ini_trim(char *s)
{
	while (is_blank(*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int init(struct ini_reader *r)
{
	r->text = malloc(CONFIG_LINE_MAX + 1);
	return r->text ? 0 : -ENOMEM;
}

int ini_init_file(struct ini_reader *r, FILE *f)
{
	*r = (struct ini_reader){ .f = f };
	return init(r);
}

int ini_init_buf(struct ini_reader *r, const char *text, size_t len)
{
	*r = (struct ini_reader){ .buf = text, .len = len };
	return init(r);
}

void ini_fini(struct ini_reader *r)
{
	if (r->text) {
		explicit_bzero(r->text, CONFIG_LINE_MAX + 1);
		free(r->text);
	}
	r->text = NULL;
}

static int src_getc(struct ini_reader *r)
{
	if (r->f)
		return getc(r->f);
	return r->pos < r->len ? (unsigned char)r->buf[r->pos++] : EOF;
}

enum line_status { LINE_OK, LINE_LONG, LINE_NUL, LINE_CTRL };

/* The next line into r->text, without its newline.  False at the end.
 * Bytes past the limit are consumed and dropped. */
static bool next_line(struct ini_reader *r, enum line_status *st)
{
	if (r->done)
		return false;
	size_t n = 0;
	int c;
	bool any = false;
	*st = LINE_OK;
	while ((c = src_getc(r)) != EOF) {
		any = true;
		if (c == '\n')
			break;
		if (c == '\0')
			*st = *st == LINE_OK ? LINE_NUL : *st;
		else if (c < 0x20 && c != '\t' && c != '\r' && c != '\v' && c != '\f')
			*st = *st == LINE_OK ? LINE_CTRL : *st;
		else if (c == 0x7f)
			*st = *st == LINE_OK ? LINE_CTRL : *st;
		if (n < CONFIG_LINE_MAX)
			r->text[n++] = (char)c;
		else
			*st = LINE_LONG;
	}
	r->text[n] = '\0';
	if (c == EOF) {
		r->done = true;
		if (!any)
			return false;
	}
	r->line++;
	return true;
}

static bool error(struct ini_item *it, const char *msg)
{
	it->kind = INI_ERROR;
	it->error = msg;
	return true;
}

bool ini_next(struct ini_reader *r, struct ini_item *it)
{
	enum line_status st;
	while (r->text && next_line(r, &st)) {
		*it = (struct ini_item){ .line = r->line };
		if (st == LINE_LONG) {
			snprintf(r->err, sizeof r->err, "line too long (more than %d bytes)",
				 CONFIG_LINE_MAX);
			return error(it, r->err);
		}
		if (st == LINE_NUL)
			return error(it, "NUL byte in line");
		if (st == LINE_CTRL)
			return error(it, "control character in line");
		char *line = r->text;
		if (r->line == 1 && strncmp(line, "\xef\xbb\xbf", 3) == 0)
			line += 3;              /* a UTF-8 byte order mark */
		line = ini_trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		if (*line == '[') {
			it->kind = INI_SECTION;
			size_t n = strlen(line);
			if (line[n - 1] != ']') {
				snprintf(r->err, sizeof r->err, "bad section header '%.80s%s' "
					 "(expected [name])", line, n > 80 ? "..." : "");
				it->error = r->err;
				return true;
			}
			line[n - 1] = '\0';
			it->name = ini_trim(line + 1);
			return true;
		}
		char *eq = r->blank_separated ? strpbrk(line, " \t\v\f\r") : strchr(line, '=');
		if (eq) {
			*eq = '\0';
			it->value = ini_trim(eq + 1);
		}
		it->name = ini_trim(line);
		if (*it->name == '\0')
			return error(it, "missing key before '='");
		it->kind = INI_KEY;
		return true;
	}
	return false;
}
