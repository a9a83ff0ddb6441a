/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared fixture of the key and secret file unit tests: a scratch
 * directory with one file in it (PATH), written with a given mode, and
 * the diagnostics collected one a line in DIAGS.  Included by
 * tests/unit/test_spa_keys.c and test_secret_file.c (each its own
 * binary). */
#ifndef SESAME_TEST_SECRET_FIXTURE_H
#define SESAME_TEST_SECRET_FIXTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64], path[128];
static char diags[8192];

static inline void collect(void *ctx, int level, const char *msg)
{
	(void)ctx;
	(void)level;
	strncat(diags, msg, sizeof diags - strlen(diags) - 2);
	strcat(diags, "\n");
}

static inline int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/sesame-keys-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/keys", dir);
	diags[0] = '\0';
	return 0;
}

static inline int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static inline void write_file(const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

#endif
