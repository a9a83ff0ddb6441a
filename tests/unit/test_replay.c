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
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
	snprintf(tmp, sizeof tmp, "%s.alt", path);
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

static off_t size_of(const char *p)
{
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	return st.st_size;
}

static off_t file_size(void)
{
	return size_of(path);
}

static off_t alt_size(void)
{
	char alt[160];
	snprintf(alt, sizeof alt, "%s.alt", path);
	return size_of(alt);
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

/* The worker compacts inside its sandbox, where open and rename fail:
 * compaction must get by with the descriptors it already holds. */
static void test_compaction_without_open(void **state)
{
	(void)state;
	struct replay *r;
	assert_int_equal(replay_open(path, 64, 1000, &r), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		static const char *const no[] = { "open", "openat", "openat2", "creat",
			"rename", "renameat", "renameat2", "unlink", "unlinkat" };
		for (size_t i = 0; ctx && i < sizeof no / sizeof no[0]; i++) {
			int nr = seccomp_syscall_resolve_name(no[i]);
			if (nr != __NR_SCMP_ERROR)
				seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), nr, 0);
		}
		if (!ctx || seccomp_load(ctx) < 0)
			_exit(2);
		uint8_t id[32];
		uint64_t now = 1000;
		for (unsigned i = 0; i < 1000; i++) {
			if (i % 50 == 0)
				now++;
			mkid(id, i);
			if (replay_check_add(r, id, now + 1, now) != 0)
				_exit(3);
		}
		_exit(replay_file_records(r) <= 3 * 64 + 1 ? 0 : 4);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	replay_close(r);
	/* Both files stay small, and the newest entries are in them. */
	assert_true(file_size() <= 16 + 48 * (off_t)(3 * 64 + 1));
	assert_true(alt_size() <= 16 + 48 * (off_t)(3 * 64 + 1));
	assert_int_equal(replay_open(path, 64, 1020, &r), 0);
	uint8_t id[32];
	mkid(id, 999);
	assert_true(replay_seen(r, id, 1020));
	replay_close(r);
}

/* A crash in the middle of compaction leaves records in both files:
 * both are loaded, then made one again. */
static void test_crash_during_compaction(void **state)
{
	(void)state;
	struct replay *r;
	uint8_t id[32];
	assert_int_equal(replay_open(path, 64, 1000, &r), 0);
	mkid(id, 1);
	assert_int_equal(replay_check_add(r, id, 1100, 1000), 0);
	mkid(id, 2);
	assert_int_equal(replay_check_add(r, id, 1100, 1000), 0);
	replay_close(r);
	/* PATH.alt: the file of another cache that saw id 3. */
	char other[160], other_alt[170], alt[160], buf[16 + 48];
	snprintf(other, sizeof other, "%s/other", dir);
	snprintf(other_alt, sizeof other_alt, "%s.alt", other);
	snprintf(alt, sizeof alt, "%s.alt", path);
	assert_int_equal(replay_open(other, 64, 1000, &r), 0);
	mkid(id, 3);
	assert_int_equal(replay_check_add(r, id, 1100, 1000), 0);
	replay_close(r);
	int fd = open(other, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof buf), (ssize_t)sizeof buf);
	close(fd);
	unlink(other);
	unlink(other_alt);
	fd = open(alt, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, sizeof buf), (ssize_t)sizeof buf);
	close(fd);
	assert_true(file_size() > 16 && alt_size() > 16);

	assert_int_equal(replay_open(path, 64, 1000, &r), 0);
	for (unsigned i = 1; i <= 3; i++) {
		mkid(id, i);
		assert_true(replay_seen(r, id, 1000));
	}
	assert_int_equal(replay_count(r, 1000), 3);
	/* Made one again: one file holds the three, the other its header. */
	assert_true((file_size() == 16) != (alt_size() == 16));
	assert_int_equal(file_size() + alt_size(), 16 + 16 + 3 * 48);
	replay_close(r);
}

/* One key holder cannot fill the cache: each owner has a budget of
 * max(16, CAP / 16) live entries; others keep theirs. */
static void test_owner_budget(void **state)
{
	(void)state;
	struct replay *r;
	assert_int_equal(replay_open(NULL, 512, 1000, &r), 0);
	uint8_t id[32];
	const uint64_t mallory = 0x1111, alice = 0x2222;
	for (unsigned i = 0; i < 32; i++) {
		mkid(id, i);
		assert_int_equal(replay_check_add_owned(r, id, mallory, 1100, 1000), 0);
	}
	mkid(id, 99);
	assert_int_equal(replay_check_add_owned(r, id, mallory, 1100, 1000), -EDQUOT);
	assert_false(replay_seen(r, id, 1000));         /* nothing recorded */
	/* Still refused a second later (its entries are live)... */
	assert_int_equal(replay_check_add_owned(r, id, mallory, 1100, 1001), -EDQUOT);
	/* ... while another key is not (owners share one of 1024 seeded
	 * buckets by chance: of four keys, one is surely elsewhere). */
	bool room = false;
	for (uint64_t k = alice; k < alice + 4 && !room; k++) {
		room = true;
		for (unsigned i = 0; i < 32 && room; i++) {
			mkid(id, 1000 * (unsigned)k + i);
			room = replay_check_add_owned(r, id, k, 1100, 1001) == 0;
		}
	}
	assert_true(room);
	/* Once the first key's entries expire, it has room again. */
	mkid(id, 99);
	assert_int_equal(replay_check_add_owned(r, id, mallory, 1200, 1101), 0);
	/* No owner, no budget (ids loaded from the file). */
	for (unsigned i = 300; i < 400; i++) {
		mkid(id, i);
		assert_int_equal(replay_check_add(r, id, 1200, 1101), 0);
	}
	replay_close(r);
}

/* Memory follows the ids that are live, not the capacity: a steady
 * trickle of packets over many windows keeps the table small, and a burst
 * grows it only as far as the burst needs. */
static void test_memory_follows_live_ids(void **state)
{
	(void)state;
	struct replay *r;
	assert_int_equal(replay_open(NULL, 65536, 1000, &r), 0);
	assert_true(replay_table_slots(r) <= 64);
	uint8_t id[REPLAY_ID_LEN];
	/* 20 packets a second with a 30 s window, for an hour. */
	unsigned n = 0;
	size_t most = 0;
	for (uint64_t t = 1000; t < 1000 + 3600; t++) {
		for (int k = 0; k < 20; k++) {
			mkid(id, ++n);
			assert_int_equal(replay_check_add(r, id, t + 30, t), 0);
		}
		if (replay_table_slots(r) > most)
			most = replay_table_slots(r);
	}
	/* About 600 live ids: a table of a few thousand slots, never the
	 * 131072 the capacity allows. */
	assert_true(replay_count(r, 1000 + 3600) <= 620);
	assert_true(most <= 4096);
	/* A burst of 20000 live ids is still taken... */
	for (unsigned k = 0; k < 20000; k++) {
		mkid(id, ++n);
		assert_int_equal(replay_check_add(r, id, 1000 + 3600 + 30, 1000 + 3600), 0);
	}
	assert_true(replay_table_slots(r) >= 40000);
	/* ... and the table comes down again once it has expired. */
	for (unsigned k = 0; k < 100; k++) {
		mkid(id, ++n);
		assert_int_equal(replay_check_add(r, id, 1000 + 3700 + 30, 1000 + 3700), 0);
	}
	for (unsigned k = 0; k < 2000; k++) {
		mkid(id, ++n);
		assert_int_equal(replay_check_add(r, id, 1000 + 3800 + 30, 1000 + 3800), 0);
	}
	assert_true(replay_table_slots(r) <= 16384);
	replay_close(r);
}

/* A live count that hovers around a size's boundary (about 1,000 ids,
 * 4 x 1,024 = 4,096 slots) does not flip the table between two sizes at
 * every rebuild: once grown it stays, until the ids fall to a quarter. */
static void test_no_flip_at_a_boundary(void **state)
{
	(void)state;
	struct replay *r;
	assert_int_equal(replay_open(NULL, 65536, 1000, &r), 0);
	uint8_t id[REPLAY_ID_LEN];
	unsigned n = 0, changes = 0;
	size_t last = 0;
	/* 17 and 18 packets a second in turn, a minute each, 60 s window:
	 * 1,020 and 1,080 live ids, an hour long. */
	for (uint64_t t = 1000; t < 1000 + 3600; t++) {
		int rate = ((t - 1000) / 60) % 2 ? 18 : 17;
		for (int k = 0; k < rate; k++) {
			mkid(id, ++n);
			assert_int_equal(replay_check_add(r, id, t + 60, t), 0);
		}
		size_t now = replay_table_slots(r);
		if (t >= 1000 + 600 && now != last)
			changes++;
		last = now;
	}
	assert_int_equal(changes, 0);
	assert_true(last <= 8192);
	/* A fall to a tenth still brings it down. */
	for (uint64_t t = 1000 + 3600; t < 1000 + 3900; t++) {
		for (int k = 0; k < 2; k++) {
			mkid(id, ++n);
			assert_int_equal(replay_check_add(r, id, t + 60, t), 0);
		}
	}
	assert_true(replay_table_slots(r) <= 2048);
	replay_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replay_within_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
		cmocka_unit_test(test_no_flip_at_a_boundary),
		cmocka_unit_test_setup_teardown(test_survives_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_and_damaged_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_file_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_owner_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_follows_live_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compaction_without_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_during_compaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_budget, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
