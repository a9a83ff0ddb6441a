/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the small shared modules: numparse, addr, portspec. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "addr.h"
#include "numparse.h"
#include "portspec.h"

static void numbers_are_strict(void **state)
{
	(void)state;
	unsigned long v;
	assert_true(parse_ulong("0", 0, 10, &v));
	assert_int_equal(v, 0);
	assert_true(parse_ulong("65535", 1, 65535, &v));
	assert_int_equal(v, 65535);
	assert_false(parse_ulong("65536", 1, 65535, &v));
	assert_false(parse_ulong("", 0, 10, &v));
	assert_false(parse_ulong("abc", 0, 10, &v));
	assert_false(parse_ulong("12x", 0, 100, &v));
	assert_false(parse_ulong("-1", 0, 100, &v));
	assert_false(parse_ulong(" 1", 0, 100, &v));
	assert_false(parse_ulong("99999999999999999999999999", 0, ~0ul, &v));
	unsigned p;
	assert_false(parse_port("0", &p));
	assert_true(parse_port("22", &p));
	assert_int_equal(p, 22);
}

static void ports_knock_and_open_style(void **state)
{
	(void)state;
	struct port_proto pp;
	assert_true(portspec_parse_knock("8881", PROTO_TCP, &pp));
	assert_int_equal(pp.port, 8881);
	assert_int_equal(pp.proto, PROTO_TCP);
	assert_true(portspec_parse_knock("7777:UDP", PROTO_TCP, &pp));
	assert_int_equal(pp.proto, PROTO_UDP);
	assert_false(portspec_parse_knock("22:sctp", PROTO_TCP, &pp));
	assert_false(portspec_parse_knock("abc", PROTO_TCP, &pp));
	assert_false(portspec_parse_knock("0", PROTO_TCP, &pp));
	assert_false(portspec_parse_knock("22:", PROTO_TCP, &pp));
	assert_true(portspec_parse_open("22/tcp", PROTO_UDP, &pp));
	assert_int_equal(pp.port, 22);
	assert_int_equal(pp.proto, PROTO_TCP);
	assert_true(portspec_parse_open("udp/53", PROTO_TCP, &pp));
	assert_int_equal(pp.port, 53);
	assert_int_equal(pp.proto, PROTO_UDP);
	assert_false(portspec_parse_open("22/tcp/x", PROTO_TCP, &pp));

	struct port_proto list[3];
	char err[64];
	assert_int_equal(portspec_parse_list("1, 2:udp ,3", false, PROTO_TCP, list, 3, err, sizeof err), 3);
	assert_int_equal(list[1].proto, PROTO_UDP);
	assert_int_equal(portspec_parse_list("1,2,3,4", false, PROTO_TCP, list, 3, err, sizeof err), -1);
	assert_non_null(strstr(err, "too many"));
	assert_int_equal(portspec_parse_list("1,,3", false, PROTO_TCP, list, 3, err, sizeof err), -1);
}

static void addresses_and_networks(void **state)
{
	(void)state;
	struct addr a, b;
	char buf[ADDR_STRLEN];
	assert_true(addr_parse("198.18.0.2", &a));
	assert_int_equal(a.family, AF_INET);
	assert_string_equal(addr_format(&a, buf, sizeof buf), "198.18.0.2");
	assert_true(addr_parse("2001:db8::2", &b));
	assert_int_equal(b.family, AF_INET6);
	assert_false(addr_equal(&a, &b));
	assert_false(addr_parse("example.org", &a));

	struct cidr n;
	assert_true(cidr_parse("198.18.0.0/15", &n));
	assert_true(addr_parse("198.19.255.1", &a));
	assert_true(cidr_contains(&n, &a));
	assert_true(addr_parse("198.20.0.1", &a));
	assert_false(cidr_contains(&n, &a));
	assert_false(cidr_contains(&n, &b));
	assert_false(cidr_parse("198.18.0.1/15", &n));     /* host bits set */
	assert_false(cidr_parse("198.18.0.0/33", &n));
	assert_true(cidr_parse("2001:db8::/32", &n));
	assert_true(cidr_contains(&n, &b));
	assert_true(addr_hash(&a, 1) != addr_hash(&a, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers_are_strict),
		cmocka_unit_test(ports_knock_and_open_style),
		cmocka_unit_test(addresses_and_networks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
