/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of log_hold()/log_release(): held lines reach the log only
 * at the release, in the order they were made, and a burst longer than
 * what is held is written in order too, nothing dropped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

static char path[64];

/* The "N" of each "line N" in the log file, in file order, into OUT. */
static size_t numbers(int *out, size_t max)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char buf[256];
	size_t n = 0;
	while (fgets(buf, sizeof buf, f)) {
		const char *p = strstr(buf, "notice: line ");
		assert_non_null(p);
		assert_true(n < max);
		out[n++] = atoi(p + strlen("notice: line "));
	}
	fclose(f);
	return n;
}

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof path, "/tmp/sesame-test-log.%d", (int)getpid());
	unlink(path);
	log_to_stderr(false);
	return log_to_file(path) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	log_close_file();
	unlink(path);
	return 0;
}

static void held_until_release(void **state)
{
	(void)state;
	int got[64];
	log_notice("line 0");
	log_hold();
	log_notice("line 1");
	log_notice("line 2");
	log_debug("line 99");      /* below the level: never written */
	assert_int_equal(numbers(got, 64), 1);
	log_release();
	assert_int_equal(numbers(got, 64), 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(got[i], i);
	log_notice("line 3");      /* released: written at once */
	assert_int_equal(numbers(got, 64), 4);
	assert_int_equal(got[3], 3);
}

static void burst_in_order(void **state)
{
	(void)state;
	int got[64];
	log_hold();
	for (int i = 0; i < 40; i++)
		log_notice("line %d", i);
	log_release();
	assert_int_equal(numbers(got, 64), 40);
	for (int i = 0; i < 40; i++)
		assert_int_equal(got[i], i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(held_until_release, setup, teardown),
		cmocka_unit_test_setup_teardown(burst_in_order, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
