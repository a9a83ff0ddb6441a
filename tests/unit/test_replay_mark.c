/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the replay cache's durable mark (replay_mark.c): a crash
 * of the process keeps every record, a crash of the machine that loses
 * records still refuses every packet accepted before it, and the disk is
 * written once per lease, not once per packet. */
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
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "log.h"
#include "replay.h"
#include "replay_mark.h"

static char dir[64];
static char path[128];
static char mark[160];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/sesame-mark-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/replay", dir);
	snprintf(mark, sizeof mark, "%s.mark", path);
	log_set_level(LOG_ERR);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	unlink(mark);
	rmdir(dir);
	return 0;
}

static void mkid(uint8_t id[REPLAY_ID_LEN], unsigned n)
{
	memset(id, 0, REPLAY_ID_LEN);
	memcpy(id, &n, sizeof n);
	id[31] = 0x5a;
}

static void read_file(const char *p, uint8_t *buf, size_t n)
{
	int fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, n), (ssize_t)n);
	close(fd);
}

/* In a child, as the daemon's worker would: open, accept ids 1..N with
 * expiry EXPIRE, and die without closing (kill -9 as far as the files
 * can tell). */
static void crash_after_accepting(unsigned n, uint64_t expire, uint64_t now)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct replay *r;
		if (replay_open(path, 64, now, &r) < 0)
			_exit(2);
		for (unsigned i = 1; i <= n; i++) {
			uint8_t id[REPLAY_ID_LEN];
			mkid(id, i);
			if (replay_check_add(r, id, expire, now) < 0)
				_exit(3);
		}
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* The next run sees another boot id in the mark. */
static void reboot(void)
{
	uint8_t buf[88];
	read_file(mark, buf, sizeof buf);
	memcpy(buf + 16, "another-boot-id", 16);
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	assert_int_equal(EVP_Digest(buf, 80, md, &mdlen, EVP_sha256(), NULL), 1);
	memcpy(buf + 80, md, 8);
	int fd = open(mark, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, buf, sizeof buf, 0), (ssize_t)sizeof buf);
	close(fd);
}

/* What a power cut does: the records after the header are gone too. */
static void lose_records_and_reboot(void)
{
	assert_int_equal(truncate(path, 16), 0);
	reboot();
}

static void process_crash_keeps_records(void **state)
{
	(void)state;
	const uint64_t now = 1000000;
	crash_after_accepting(3, now + 30, now);
	struct replay *r;
	assert_int_equal(replay_open(path, 64, now + 1, &r), 0);
	uint8_t id[REPLAY_ID_LEN];
	mkid(id, 2);
	assert_int_equal(replay_check_add(r, id, now + 30, now + 1), -EEXIST);
	/* Same boot: nothing was lost, so nothing else is refused. */
	mkid(id, 99);
	assert_int_equal(replay_check_add(r, id, now + 31, now + 1), 0);
	replay_close(r);
}

static void power_loss_refuses_what_may_have_been_accepted(void **state)
{
	(void)state;
	const uint64_t now = 1000000;
	crash_after_accepting(3, now + 30, now);
	lose_records_and_reboot();
	struct replay *r;
	assert_int_equal(replay_open(path, 64, now + 5, &r), 0);
	uint8_t id[REPLAY_ID_LEN];
	/* The lost record is not in memory, but the mark refuses it. */
	mkid(id, 2);
	assert_false(replay_seen(r, id, now + 5));
	assert_int_equal(replay_check_add(r, id, now + 30, now + 5), -EEXIST);
	/* So is any packet that could have been accepted under the old
	 * promise (expiring up to now + 30 + the lease)... */
	mkid(id, 50);
	assert_int_equal(replay_check_add(r, id, now + 30 + REPLAY_MARK_LEASE_S, now + 5), -EEXIST);
	/* ... and nothing later: the blackout ends there. */
	assert_int_equal(replay_check_add(r, id, now + 31 + REPLAY_MARK_LEASE_S, now + 5), 0);
	replay_close(r);
	/* A clean stop and another reboot keep the refusal until it passes. */
	assert_int_equal(replay_open(path, 64, now + 6, &r), 0);
	mkid(id, 3);
	assert_int_equal(replay_check_add(r, id, now + 30, now + 6), -EEXIST);
	replay_close(r);
}

static void clean_stop_then_reboot_refuses_nothing_new(void **state)
{
	(void)state;
	const uint64_t now = 1000000;
	struct replay *r;
	assert_int_equal(replay_open(path, 64, now, &r), 0);
	uint8_t id[REPLAY_ID_LEN];
	mkid(id, 1);
	assert_int_equal(replay_check_add(r, id, now + 30, now), 0);
	replay_close(r);
	/* Rebooted, but the stop was clean (records synced): only the id
	 * really seen is refused. */
	uint8_t buf[88];
	read_file(mark, buf, sizeof buf);
	assert_int_equal(buf[63], 1);
	reboot();
	assert_int_equal(replay_open(path, 64, now + 1, &r), 0);
	assert_int_equal(replay_check_add(r, id, now + 30, now + 1), -EEXIST);
	mkid(id, 2);
	assert_int_equal(replay_check_add(r, id, now + 30, now + 1), 0);
	replay_close(r);
}

static void one_disk_write_per_lease(void **state)
{
	(void)state;
	const uint64_t now = 1000000;
	struct replay *r;
	assert_int_equal(replay_open(path, 1024, now, &r), 0);
	uint8_t id[REPLAY_ID_LEN], before[88], after[88];
	mkid(id, 1);
	assert_int_equal(replay_check_add(r, id, now + 30, now), 0);
	read_file(mark, before, sizeof before);
	/* Packets within the lease leave the mark as it is. */
	for (unsigned i = 2; i < 200; i++) {
		mkid(id, i);
		assert_int_equal(replay_check_add(r, id, now + 30 + i % REPLAY_MARK_LEASE_S, now), 0);
	}
	read_file(mark, after, sizeof after);
	assert_memory_equal(before, after, sizeof before);
	/* The first one past it moves the mark. */
	mkid(id, 500);
	assert_int_equal(replay_check_add(r, id, now + 31 + REPLAY_MARK_LEASE_S, now), 0);
	read_file(mark, after, sizeof after);
	assert_memory_not_equal(before, after, sizeof before);
	replay_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(process_crash_keeps_records, setup, teardown),
		cmocka_unit_test_setup_teardown(power_loss_refuses_what_may_have_been_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(clean_stop_then_reboot_refuses_nothing_new, setup, teardown),
		cmocka_unit_test_setup_teardown(one_disk_write_per_lease, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
