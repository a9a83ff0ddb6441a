/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of nft_script: the verdict and the error's first line come
 * back from the child, cut to the caller's buffer, and libnftables' work
 * leaves nothing in this process's heap.  Only scripts libnftables
 * refuses while parsing are run: no privilege or namespace is needed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nft_script.h"

#define BAD_SCRIPT "add tabel inet nowhere\n"

static void refusal_comes_back(void **state)
{
	(void)state;
	char err[256];
	memset(err, 'x', sizeof err);
	assert_int_equal(nft_script_run(BAD_SCRIPT, err, sizeof err), -EIO);
	/* libnftables says "Error: syntax error, ..." on its first line. */
	assert_non_null(strstr(err, "syntax error"));
	assert_null(strchr(err, '\n'));
	assert_true(strlen(err) < sizeof err);
}

/* A write past ERR is ASan's to see (make check SANITIZE=1). */
static void error_cut_to_the_buffer(void **state)
{
	(void)state;
	char err[12];
	assert_int_equal(nft_script_run(BAD_SCRIPT, err, sizeof err), -EIO);
	assert_int_equal(strlen(err), sizeof err - 1);
	assert_memory_equal(err, "Error: synt", 11);
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* The heap's figures are glibc's: under ASan, whose allocator replaces
 * glibc's (and hides what libnftables keeps), this test is left out. */
#ifndef UNDER_ASAN
/* Run here, a script costs libnftables' context and its parse: the heap
 * grows to hold them (132 kB for 20 scripts), and libnftables keeps a
 * little of each context for good.  Run in the child, the heap is as it
 * was. */
static void heap_untouched(void **state)
{
	(void)state;
	char err[64];
	assert_int_equal(nft_script_run(BAD_SCRIPT, err, sizeof err), -EIO);
	struct mallinfo2 before = mallinfo2();
	for (int i = 0; i < 20; i++)
		assert_int_equal(nft_script_run(BAD_SCRIPT, err, sizeof err), -EIO);
	struct mallinfo2 after = mallinfo2();
	assert_int_equal(after.arena, before.arena);
	assert_int_equal(after.uordblks, before.uordblks);
	assert_int_equal(after.hblkhd, before.hblkhd);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refusal_comes_back),
		cmocka_unit_test(error_cut_to_the_buffer),
#ifndef UNDER_ASAN
		cmocka_unit_test(heap_untouched),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
