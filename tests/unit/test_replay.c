/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the persistent replay cache (replay.c): refusal within a
 * run, after a reload from the file, expiry, bounds, a torn last record,
 * damaged records, foreign files, compaction and the single-owner lock. */
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
#include "replay.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/sesame-replay-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/replay", dir);
	log_set_level(LOG_ERR);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char tmp[160];
	unlink(path);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	unlink(tmp);
	snprintf(tmp, sizeof tmp, "%s.mark", path);
	unlink(tmp);
	rmdir(dir);
	return 0;
}

static void mkid(uint8_t id[REPLAY_ID_LEN], unsigned n)
{
	memset(id, 0, REPLAY_ID_LEN);
	memcpy(id, &n, sizeof n);
	id[31] = 0xa5;
}

static off_t file_size(void)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void test_replay_within_run(void **state)
{
	(void)state;
	struct replay *r;
	assert_int_equal(replay_open(NULL, 100, 1000, &r), 0);
	uint8_t a[32], b[32];
	mkid(a, 1);
	mkid(b, 2);
	assert_false(replay_seen(r, a, 1000));
	assert_int_equal(replay_check_add(r, a, 1030, 1000), 0);
	assert_true(replay_seen(r, a, 1000));
	assert_int_equal(replay_check_add(r, a, 1030, 1001), -EEXIST);
	assert_int_equal(replay_check_add(r, b, 1030, 1001), 0);
	assert_int_equal(replay_count(r, 1001), 2);
	/* Expired entries are forgotten (the time window refuses them). */
	assert_false(replay_seen(r, a, 1030));
	assert_int_equal(replay_count(r, 1030), 0);
	replay_close(r);
}

static void test_bounded(void **state)
{
	(void)state;
	struct replay *r;
	assert_int_equal(replay_open(NULL, 16, 1000, &r), 0);
	uint8_t id[32];
	for (unsigned i = 0; i < 16; i++) {
		mkid(id, i);
		assert_int_equal(replay_check_add(r, id, 1010, 1000), 0);
	}
	/* Full of live entries: refuse, never forget one. */
	mkid(id, 99);
	assert_int_equal(replay_check_add(r, id, 1010, 1000), -ENOSPC);
	mkid(id, 3);
	assert_int_equal(replay_check_add(r, id, 1010, 1000), -EEXIST);
	/* Once they expire there is room again. */
	for (unsigned i = 100; i < 116; i++) {
		mkid(id, i);
		assert_int_equal(replay_check_add(r, id, 1030, 1011), 0);
	}
	replay_close(r);
}

static void test_survives_reload(void **state)
{
	(void)state;
	struct replay *r;
	assert_int_equal(replay_open(path, 100, 1000, &r), 0);
	uint8_t a[32], b[32], c[32];
	mkid(a, 1);
	mkid(b, 2);
	mkid(c, 3);
	assert_int_equal(replay_check_add(r, a, 1030, 1000), 0);
	assert_int_equal(replay_check_add(r, b, 1005, 1000), 0);
	assert_int_equal(replay_file_records(r), 2);
	assert_int_equal(file_size(), 16 + 2 * 48);
	/* Closing writes nothing: only what reached the file counts, as
	 * after SIGKILL. */
	replay_close(r);
	assert_int_equal(replay_open(path, 100, 1010, &r), 0);
	assert_true(replay_seen(r, a, 1010));
	assert_false(replay_seen(r, b, 1010));       /* expired meanwhile */
	assert_int_equal(replay_check_add(r, a, 1030, 1010), -EEXIST);
	assert_int_equal(replay_check_add(r, c, 1040, 1010), 0);
	replay_close(r);
	assert_int_equal(replay_open(path, 100, 1010, &r), 0);
	assert_true(replay_seen(r, c, 1010));
	replay_close(r);
}

static void append_bytes(const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void test_torn_and_damaged_records(void **state)
{
	(void)state;
	struct replay *r;
	assert_int_equal(replay_open(path, 100, 1000, &r), 0);
	uint8_t id[32];
	for (unsigned i = 0; i < 3; i++) {
		mkid(id, i);
		assert_int_equal(replay_check_add(r, id, 1100, 1000), 0);
	}
	replay_close(r);
	/* Damage the middle record's id; cut a record short at the end. */
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	uint8_t x = 0xff;
	assert_int_equal(pwrite(fd, &x, 1, 16 + 48 + 20), 1);
	close(fd);
	append_bytes("\0\0\0\0\0\0\x04\x4c garbage", 17);
	assert_int_equal(file_size(), 16 + 3 * 48 + 17);
	assert_int_equal(replay_open(path, 100, 1000, &r), 0);
	assert_int_equal(file_size(), 16 + 3 * 48);         /* torn tail cut */
	mkid(id, 0);
	assert_true(replay_seen(r, id, 1000));
	mkid(id, 2);
	assert_true(replay_seen(r, id, 1000));
	assert_int_equal(replay_count(r, 1000), 2);
	/* Appends continue on a record boundary. */
	mkid(id, 7);
	assert_int_equal(replay_check_add(r, id, 1100, 1000), 0);
	replay_close(r);
	assert_int_equal(replay_open(path, 100, 1000, &r), 0);
	assert_true(replay_seen(r, id, 1000));
	replay_close(r);
}

static void test_foreign_file_refused(void **state)
{
	(void)state;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "root:x:0:0:root:/root:/bin/bash\n", 32), 32);
	close(fd);
	struct replay *r;
	assert_int_equal(replay_open(path, 100, 1000, &r), -EINVAL);
	assert_int_equal(file_size(), 32);          /* untouched */
	/* An empty file (crash right after creation) is fine. */
	fd = open(path, O_WRONLY | O_TRUNC);
	close(fd);
	assert_int_equal(replay_open(path, 100, 1000, &r), 0);
	assert_int_equal(file_size(), 16);
	replay_close(r);
}

static void test_second_owner_refused(void **state)
{
	(void)state;
	struct replay *r, *r2;
	assert_int_equal(replay_open(path, 100, 1000, &r), 0);
	assert_int_equal(replay_open(path, 100, 1000, &r2), -EBUSY);
	replay_close(r);
	assert_int_equal(replay_open(path, 100, 1000, &r2), 0);
	replay_close(r2);
}

static void test_compaction(void **state)
{
	(void)state;
	struct replay *r;
	assert_int_equal(replay_open(path, 64, 1000, &r), 0);
	uint8_t id[32];
	/* Many short-lived entries: the file must not grow without bound. */
	uint64_t now = 1000;
	for (unsigned i = 0; i < 1000; i++) {
		if (i % 50 == 0)
			now++;
		mkid(id, i);
		assert_int_equal(replay_check_add(r, id, now + 1, now), 0);
	}
	assert_true(replay_file_records(r) <= 3 * 64 + 1);
	assert_true(file_size() <= 16 + 48 * (off_t)(3 * 64 + 1));
	/* The latest entries are still in the compacted file. */
	replay_close(r);
	assert_int_equal(replay_open(path, 64, now, &r), 0);
	mkid(id, 999);
	assert_true(replay_seen(r, id, now));
	replay_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replay_within_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_survives_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_and_damaged_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_file_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_owner_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compaction, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
