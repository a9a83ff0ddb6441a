/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of pages: the memory reads as zeroes, is page-aligned, and
 * only the pages written become resident (what keeps worst-case tables
 * out of an idle daemon's memory). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "pages.h"

#define NPAGES 64

/* How many of the N pages at P are resident. */
static size_t resident(void *p, size_t n)
{
	unsigned char vec[NPAGES];
	assert_true(n <= NPAGES);
	assert_int_equal(mincore(p, n * (size_t)sysconf(_SC_PAGESIZE), vec), 0);
	size_t r = 0;
	for (size_t i = 0; i < n; i++)
		r += vec[i] & 1;
	return r;
}

static void untouched_until_written(void **state)
{
	(void)state;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), size = NPAGES * pg;
	unsigned char *p = pages_alloc(size);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % pg, 0);
	assert_int_equal(resident(p, NPAGES), 0);
	p[5 * pg + 17] = 1;
	p[40 * pg] = 2;
	assert_int_equal(resident(p, NPAGES), 2);
	/* What was not written reads as zeroes. */
	for (size_t i = 0; i < size; i++)
		if (i != 5 * pg + 17 && i != 40 * pg)
			assert_int_equal(p[i], 0);
	pages_free(p, size);
}

static void odd_sizes(void **state)
{
	(void)state;
	errno = 0;
	assert_null(pages_alloc(0));
	assert_int_equal(errno, EINVAL);
	/* Rounded up to a whole page, every byte usable. */
	char *p = pages_alloc(3);
	assert_non_null(p);
	memset(p, 'x', 3);
	pages_free(p, 3);
	pages_free(NULL, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(untouched_until_written),
		cmocka_unit_test(odd_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
