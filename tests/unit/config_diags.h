/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the config unit tests: collect diagnostics from the parser
 * and assert on them.  Included by one test program each (static state). */
#ifndef SESAME_TEST_CONFIG_DIAGS_H
#define SESAME_TEST_CONFIG_DIAGS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"

/* --- collecting diagnostics ------------------------------------------ */

#define MSGS_MAX 256
struct diags {
	char *msg[MSGS_MAX];
	int level[MSGS_MAX];
	size_t n, errors, warnings;
};

static inline void collect(void *ctx, int level, const char *msg)
{
	struct diags *d = ctx;
	if (level == LOG_ERR)
		d->errors++;
	else
		d->warnings++;
	if (d->n < MSGS_MAX) {
		d->msg[d->n] = strdup(msg);
		d->level[d->n] = level;
		d->n++;
	}
}

static inline void diags_clear(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msg[i]);
	memset(d, 0, sizeof *d);
}

static inline void diags_dump(const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("  diag: %s\n", d->msg[i]);
}

/* True when some message of LEVEL contains SUB. */
static inline bool has(const struct diags *d, int level, const char *sub)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->level[i] == level && strstr(d->msg[i], sub))
			return true;
	return false;
}

static struct diags D;

static inline int parse(const char *text, struct config **out)
{
	diags_clear(&D);
	return config_parse("t.conf", text, strlen(text), collect, &D, out);
}

/* Parses TEXT, which must be valid. */
static inline struct config *good(const char *text)
{
	struct config *c = NULL;
	int r = parse(text, &c);
	if (r != 0)
		diags_dump(&D);
	assert_int_equal(r, 0);
	assert_non_null(c);
	assert_int_equal(D.errors, 0);
	return c;
}

/* Parses TEXT, which must fail with an error containing SUB. */
#define bad(text, sub) bad_at(text, sub, __LINE__)
static inline void bad_at(const char *text, const char *sub, int where)
{
	struct config *c = (struct config *)1;
	int r = parse(text, &c);
	if (r != -EINVAL || !has(&D, LOG_ERR, sub)) {
		print_message("test line %d: want error '%s'\n", where, sub);
		diags_dump(&D);
	}
	assert_int_equal(r, -EINVAL);
	assert_null(c);
	assert_true(has(&D, LOG_ERR, sub));
}

static inline int teardown(void **state)
{
	(void)state;
	diags_clear(&D);
	return 0;
}

#define DOOR(body) "[d]\n\tsequence = 7000,8000,9000\n" body

#endif
