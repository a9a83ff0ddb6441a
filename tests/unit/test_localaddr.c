/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of localaddr.c: which sources can be a knocker's (fixed
 * ranges, without and with the host's own addresses), and the host's
 * addresses read over netlink (loopback is always there). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "localaddr.h"
#include "log.h"

static struct addr ip(const char *s)
{
	struct addr a;
	assert_true(addr_parse(s, &a));
	return a;
}

static void test_fixed_ranges(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"0.0.0.0", "0.1.2.3", "127.0.0.1", "127.255.0.9", "224.0.0.1",
		"239.255.255.250", "255.255.255.255", "::", "::1", "ff02::1",
		"ff05::2", "::ffff:127.0.0.1", "::ffff:0.0.0.0",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct addr a = ip(bad[i]);
		if (localaddr_source_ok(NULL, &a))
			fail_msg("%s accepted as a knock source", bad[i]);
	}
	static const char *const good[] = {
		"198.18.0.2", "1.2.3.4", "223.255.255.254", "2001:db8::2", "fe80::1",
		"::ffff:198.18.0.2",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct addr a = ip(good[i]);
		if (!localaddr_source_ok(NULL, &a))
			fail_msg("%s refused as a knock source", good[i]);
	}
}

static void test_host_addresses(void **state)
{
	(void)state;
	struct localaddr *l;
	assert_int_equal(localaddr_new(&l), 0);
	struct addr lo = ip("127.0.0.1"), doc = ip("192.0.2.77");
	assert_true(localaddr_is_local(l, &lo));
	assert_false(localaddr_is_local(l, &doc));
	assert_true(localaddr_source_ok(l, &doc));
	localaddr_update(l);                    /* nothing pending: returns */
	localaddr_free(l);
}

int main(void)
{
	log_set_level(LOG_ERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_ranges),
		cmocka_unit_test(test_host_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
