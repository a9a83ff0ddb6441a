/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of strbuf: a growing text, and one kept in the caller's
 * storage that fails (never overruns) when the text does not fit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "strbuf.h"

static void grows(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;

	assert_string_equal(strbuf_str(&sb), "");
	for (int i = 0; i < 1000; i++)
		strbuf_printf(&sb, "%04d,", i);
	assert_false(strbuf_failed(&sb));
	assert_int_equal(sb.len, 5000);
	assert_memory_equal(strbuf_str(&sb) + 4995, "0999,", 6);
	strbuf_reset(&sb);
	strbuf_puts(&sb, "again");
	assert_string_equal(strbuf_str(&sb), "again");
	strbuf_fini(&sb);
	assert_null(sb.buf);
}

/* Every append that fits is kept; the first that does not fails the
 * strbuf for good, and not one byte is written past CAP. */
static void fixed_storage(void **state)
{
	(void)state;
	char mem[16];
	struct strbuf sb;

	memset(mem, 'x', sizeof mem);
	strbuf_init_fixed(&sb, mem, 8);
	assert_string_equal(strbuf_str(&sb), "");
	strbuf_puts(&sb, "abc");
	strbuf_printf(&sb, "%d", 1234);
	assert_false(strbuf_failed(&sb));
	assert_string_equal(mem, "abc1234");            /* 7 + NUL: full */
	strbuf_add(&sb, "d", 1);
	assert_true(strbuf_failed(&sb));
	assert_null(strbuf_str(&sb));
	strbuf_puts(&sb, "");                           /* sticky */
	assert_true(strbuf_failed(&sb));
	assert_string_equal(mem, "abc1234");
	assert_memory_equal(mem + 8, "xxxxxxxx", 8);

	strbuf_reset(&sb);
	strbuf_printf(&sb, "%s", "0123456789");         /* too long at once */
	assert_true(strbuf_failed(&sb));
	assert_string_equal(mem, "");
	assert_memory_equal(mem + 8, "xxxxxxxx", 8);

	strbuf_reset(&sb);
	strbuf_json_str(&sb, "a\"b");
	assert_string_equal(strbuf_str(&sb), "\"a\\\"b\"");
	strbuf_fini(&sb);                               /* frees nothing */
	assert_string_equal(mem, "\"a\\\"b\"");
}

static void fixed_without_room(void **state)
{
	(void)state;
	char mem[1] = { 'x' };
	struct strbuf sb;

	strbuf_init_fixed(&sb, mem, 0);
	assert_true(strbuf_failed(&sb));
	strbuf_reset(&sb);
	assert_true(strbuf_failed(&sb));
	strbuf_puts(&sb, "");
	assert_null(strbuf_str(&sb));
	assert_int_equal(mem[0], 'x');

	strbuf_init_fixed(&sb, NULL, 8);
	assert_true(strbuf_failed(&sb));

	strbuf_init_fixed(&sb, mem, 1);                 /* room for "" only */
	strbuf_puts(&sb, "");
	assert_string_equal(strbuf_str(&sb), "");
	strbuf_puts(&sb, "a");
	assert_true(strbuf_failed(&sb));
	assert_int_equal(mem[0], '\0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grows),
		cmocka_unit_test(fixed_storage),
		cmocka_unit_test(fixed_without_room),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
