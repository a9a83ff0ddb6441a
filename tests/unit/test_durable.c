/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of durable's batches: what was added is in the file, in
 * order, whatever the sizes; the first error sticks. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "durable.h"

static void batch_keeps_order(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	assert_non_null(f);
	int fd = fileno(f);
	static struct durable_batch b;
	static unsigned char want[200000], big[sizeof b.buf + 100];
	size_t n = 0;

	memset(big, 0xab, sizeof big);
	durable_batch_init(&b, fd);
	for (unsigned i = 0; i < 1000; i++) {      /* 48-byte records, 4 batches */
		unsigned char rec[48];
		memset(rec, (int)(i & 0xff), sizeof rec);
		durable_batch_add(&b, rec, sizeof rec);
		memcpy(want + n, rec, sizeof rec);
		n += sizeof rec;
	}
	durable_batch_add(&b, "xyz", 3);                /* a partial batch ... */
	memcpy(want + n, "xyz", 3);
	n += 3;
	durable_batch_add(&b, big, sizeof big);         /* ... then one too big */
	memcpy(want + n, big, sizeof big);
	n += sizeof big;
	assert_int_equal(durable_batch_end(&b), 0);

	static unsigned char got[sizeof want];
	assert_int_equal(pread(fd, got, sizeof got, 0), (ssize_t)n);
	assert_memory_equal(got, want, n);
	fclose(f);
}

static void batch_error_sticks(void **state)
{
	(void)state;
	static struct durable_batch b;
	static unsigned char rec[4096];

	durable_batch_init(&b, -1);
	for (int i = 0; i < 10; i++)
		durable_batch_add(&b, rec, sizeof rec);
	assert_int_equal(b.rc, -EBADF);
	assert_int_equal(durable_batch_end(&b), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(batch_keeps_order),
		cmocka_unit_test(batch_error_sticks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
