/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the stop records' names (stopstate.c): a keyed hash
 * under a random key kept in StateDir, so two directories name the same
 * (door, address) differently; a key file others may read is refused;
 * a record under another name (an older sesamed's) is renamed by the
 * scan so that removing it works. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "stopstate.h"

static char dirs[2][64];

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++) {
		strcpy(dirs[i], "/tmp/sesame-stops-XXXXXX");
		assert_non_null(mkdtemp(dirs[i]));
	}
	log_set_level(LOG_EMERG);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[200];
	for (int i = 0; i < 2; i++) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dirs[i]);
		assert_int_equal(system(cmd), 0);
	}
	return 0;
}

/* The one "stop-*" name in DIR, or "" (and how many there are). */
static int record_name(const char *dir, char *out, size_t len)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	out[0] = '\0';
	struct dirent *e;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "stop-", 5) == 0 && n++ == 0)
			snprintf(out, len, "%s", e->d_name);
	closedir(d);
	return n;
}

static void test_names_are_keyed(void **state)
{
	(void)state;
	struct addr a;
	assert_true(addr_parse("198.18.0.2", &a));
	char n0[256], n1[256], key[128];
	assert_int_equal(stopstate_write(dirs[0], "ssh", &a, 1000, "true"), 0);
	assert_int_equal(stopstate_write(dirs[1], "ssh", &a, 1000, "true"), 0);
	assert_int_equal(record_name(dirs[0], n0, sizeof n0), 1);
	assert_int_equal(record_name(dirs[1], n1, sizeof n1), 1);
	/* Same door and address, two keys: two names nobody could guess. */
	assert_string_not_equal(n0, n1);
	snprintf(key, sizeof key, "%s/hash-key", dirs[0]);
	struct stat st;
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* The same key gives the same name again: rewrite, then remove. */
	assert_int_equal(stopstate_write(dirs[0], "ssh", &a, 2000, "true"), 0);
	assert_int_equal(record_name(dirs[0], n1, sizeof n1), 1);
	assert_string_equal(n0, n1);
	assert_int_equal(stopstate_remove(dirs[0], "ssh", &a), 0);
	assert_int_equal(record_name(dirs[0], n1, sizeof n1), 0);
}

static void test_key_others_may_read_refused(void **state)
{
	(void)state;
	struct addr a;
	assert_true(addr_parse("2001:db8::2", &a));
	char key[128];
	snprintf(key, sizeof key, "%s/hash-key", dirs[1]);
	int fd = open(key, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789abcdef0123456789abcdef", 32), 32);
	close(fd);
	chmod(key, 0644);
	assert_int_equal(stopstate_write(dirs[1], "web", &a, 1000, "true"), -EPERM);
}

static void count(void *ctx, const struct stop_record *r)
{
	(void)r;
	(*(int *)ctx)++;
}

static void test_old_names_renamed(void **state)
{
	(void)state;
	char path[160];
	snprintf(path, sizeof path, "%s/stop-0123456789abcdef", dirs[0]);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("sesame-stop 1\n1000\nssh\n198.18.0.9\ntrue\n", f);
	fclose(f);
	int n = 0;
	assert_int_equal(stopstate_scan(dirs[0], count, &n), 1);
	assert_int_equal(n, 1);
	char name[256];
	assert_int_equal(record_name(dirs[0], name, sizeof name), 1);
	assert_string_not_equal(name, "stop-0123456789abcdef");
	struct addr a;
	assert_true(addr_parse("198.18.0.9", &a));
	assert_int_equal(stopstate_remove(dirs[0], "ssh", &a), 0);
	assert_int_equal(record_name(dirs[0], name, sizeof name), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_names_are_keyed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_others_may_read_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_names_renamed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
