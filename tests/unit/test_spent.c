/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of spent: the rotating doors' spent marks, in memory and in
 * their fixed-size file — marks and the 64-step mask, reopening (a
 * restart), entries added and removed, a torn copy, a foreign file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "spent.h"

static char dir[64], path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/sesame-spent-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/spent", dir);
	log_set_level(LOG_CRIT);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static off_t file_size(void)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void marks_and_window(void **state)
{
	(void)state;
	uint8_t keys[2][SPENT_KEY_LEN];
	spent_key("ssh", "alice", keys[0]);
	spent_key("ssh", "bob", keys[1]);
	assert_memory_not_equal(keys[0], keys[1], SPENT_KEY_LEN);
	struct spent *s;
	assert_int_equal(spent_open(NULL, (const uint8_t (*)[SPENT_KEY_LEN])keys, 2, &s), 0);
	assert_false(spent_test(s, 0, 1000));
	assert_int_equal(spent_mark(s, 0, 1000), 0);
	assert_true(spent_test(s, 0, 1000));
	assert_false(spent_test(s, 0, 999));
	assert_false(spent_test(s, 0, 1001));
	assert_false(spent_test(s, 1, 1000));
	/* Out of order: the step before, then the one after. */
	assert_int_equal(spent_mark(s, 0, 999), 0);
	assert_int_equal(spent_mark(s, 0, 1001), 0);
	assert_true(spent_test(s, 0, 999));
	assert_true(spent_test(s, 0, 1000));
	assert_true(spent_test(s, 0, 1001));
	assert_false(spent_test(s, 0, 998));
	assert_false(spent_test(s, 0, 1002));
	/* A jump of 100 steps forgets the old mask, but steps that far
	 * behind count as spent. */
	assert_int_equal(spent_mark(s, 0, 1101), 0);
	assert_false(spent_test(s, 0, 1100));
	assert_true(spent_test(s, 0, 1001));
	assert_true(spent_test(s, 0, 5));
	assert_true(spent_test(s, 7, 5));     /* no such entry: refused */
	assert_int_equal(spent_mark(s, 7, 5), -EINVAL);
	spent_close(s);
}

static void survives_reopen(void **state)
{
	(void)state;
	uint8_t keys[3][SPENT_KEY_LEN];
	spent_key("ssh", "alice", keys[0]);
	spent_key("ssh", "bob", keys[1]);
	spent_key("web", "alice", keys[2]);
	struct spent *s;
	assert_int_equal(spent_open(path, (const uint8_t (*)[SPENT_KEY_LEN])keys, 3, &s), 0);
	off_t size = file_size();
	assert_int_equal(size, 16 + 3 * 2 * 64);
	for (uint64_t c = 500; c < 600; c++)
		assert_int_equal(spent_mark(s, 0, c), 0);
	assert_int_equal(spent_mark(s, 1, 42), 0);
	assert_int_equal(spent_mark(s, 2, 43), 0);
	/* Written in place: the file never grows. */
	assert_int_equal(file_size(), size);
	/* A second daemon cannot take it. */
	struct spent *t;
	assert_int_equal(spent_open(path, (const uint8_t (*)[SPENT_KEY_LEN])keys, 3, &t), -EBUSY);
	spent_close(s);

	/* Reopened with bob gone and carol new, in another order. */
	uint8_t keys2[3][SPENT_KEY_LEN];
	spent_key("web", "alice", keys2[0]);
	spent_key("ssh", "carol", keys2[1]);
	spent_key("ssh", "alice", keys2[2]);
	assert_int_equal(spent_open(path, (const uint8_t (*)[SPENT_KEY_LEN])keys2, 3, &s), 0);
	assert_true(spent_test(s, 0, 43));
	assert_false(spent_test(s, 0, 42));
	assert_false(spent_test(s, 1, 42));
	assert_true(spent_test(s, 2, 599));
	assert_true(spent_test(s, 2, 598));
	assert_false(spent_test(s, 2, 600));
	spent_close(s);
	/* Bob's marks were dropped with him. */
	assert_int_equal(spent_open(path, (const uint8_t (*)[SPENT_KEY_LEN])keys, 3, &s), 0);
	assert_false(spent_test(s, 1, 42));
	assert_true(spent_test(s, 0, 599));
	spent_close(s);
}

/* A crash in the middle of a write: that copy fails its check, the other
 * one (the state before the write) holds. */
static void torn_copy(void **state)
{
	(void)state;
	uint8_t key[1][SPENT_KEY_LEN];
	spent_key("ssh", "alice", key[0]);
	struct spent *s;
	assert_int_equal(spent_open(path, (const uint8_t (*)[SPENT_KEY_LEN])key, 1, &s), 0);
	assert_int_equal(spent_mark(s, 0, 10), 0);     /* copy 1 */
	assert_int_equal(spent_mark(s, 0, 11), 0);     /* copy 0 */
	spent_close(s);
	/* Tear copy 0 (the newest). */
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "XXXX", 4, 16 + 40), 4);
	close(fd);
	assert_int_equal(spent_open(path, (const uint8_t (*)[SPENT_KEY_LEN])key, 1, &s), 0);
	assert_true(spent_test(s, 0, 10));
	assert_false(spent_test(s, 0, 11));     /* its grant never left */
	spent_close(s);
}

static void foreign_file(void **state)
{
	(void)state;
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is somebody else's file\n", f);
	fclose(f);
	uint8_t key[1][SPENT_KEY_LEN];
	spent_key("ssh", "alice", key[0]);
	struct spent *s;
	assert_int_equal(spent_open(path, (const uint8_t (*)[SPENT_KEY_LEN])key, 1, &s), -EINVAL);
	f = fopen(path, "r");
	char line[64];
	assert_non_null(fgets(line, sizeof line, f));
	fclose(f);
	assert_string_equal(line, "this is somebody else's file\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(marks_and_window),
		cmocka_unit_test_setup_teardown(survives_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(torn_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(foreign_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
