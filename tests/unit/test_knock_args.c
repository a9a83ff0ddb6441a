/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of knock_args: the command line of `sesame knock`. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "knock_args.h"

static struct knock_args args;
static char err[160];

/* Parses a NULL-terminated list after the command name. */
static bool parse(const char *first, ...)
{
	char *argv[64] = { "knock" };
	int argc = 1;
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a && argc < 63; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	err[0] = '\0';
	return knock_args_parse(argc, argv, &args, err, sizeof err);
}

static void defaults_are_knocks(void **state)
{
	(void)state;
	assert_true(parse("host", "8881", "7777", "9991", NULL));
	assert_int_equal(args.action, KNOCK_SEND);
	assert_string_equal(args.host, "host");
	assert_int_equal(args.family, AF_UNSPEC);
	assert_int_equal(args.delay_ms, 0);
	assert_false(args.verbose);
	assert_int_equal(args.nhits, 3);
	assert_int_equal(args.hits[0].port, 8881);
	assert_int_equal(args.hits[1].port, 7777);
	assert_int_equal(args.hits[2].port, 9991);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(args.hits[i].proto, PROTO_TCP);
}

static void udp_flag_and_suffixes(void **state)
{
	(void)state;
	/* -u changes the default; a suffix overrides it either way. */
	assert_true(parse("-u", "h", "1", "2:tcp", "3:UDP", NULL));
	assert_int_equal(args.hits[0].proto, PROTO_UDP);
	assert_int_equal(args.hits[1].proto, PROTO_TCP);
	assert_int_equal(args.hits[2].proto, PROTO_UDP);
	assert_true(parse("h", "1:udp", "2", NULL));
	assert_int_equal(args.hits[0].proto, PROTO_UDP);
	assert_int_equal(args.hits[1].proto, PROTO_TCP);
	/* Options after the ports still apply to them (GNU getopt order). */
	assert_true(parse("h", "1", "2", "--udp", NULL));
	assert_int_equal(args.hits[0].proto, PROTO_UDP);
	assert_int_equal(args.hits[1].proto, PROTO_UDP);
}

static void delay_family_verbose(void **state)
{
	(void)state;
	assert_true(parse("-d", "250", "-6", "-v", "h", "1", NULL));
	assert_int_equal(args.delay_ms, 250);
	assert_int_equal(args.family, AF_INET6);
	assert_true(args.verbose);
	assert_true(parse("-d100", "-4", "h", "1", NULL));
	assert_int_equal(args.delay_ms, 100);
	assert_int_equal(args.family, AF_INET);
	assert_true(parse("--delay=7", "--ipv4", "--verbose", "h", "1", NULL));
	assert_int_equal(args.delay_ms, 7);
	assert_true(args.verbose);
	assert_true(parse("--delay", "0", "h", "1", NULL));
	assert_int_equal(args.delay_ms, 0);
	assert_true(parse("-uvd", "600000", "h", "1", NULL));
	assert_int_equal(args.delay_ms, KNOCK_MAX_DELAY_MS);
	assert_true(args.verbose);
	assert_int_equal(args.hits[0].proto, PROTO_UDP);
	/* The same family twice is fine. */
	assert_true(parse("-4", "-4", "h", "1", NULL));
}

static void help_and_version_act_at_once(void **state)
{
	(void)state;
	assert_true(parse("-h", NULL));
	assert_int_equal(args.action, KNOCK_HELP);
	assert_true(parse("--help", "--bogus", NULL));
	assert_int_equal(args.action, KNOCK_HELP);
	assert_true(parse("-V", NULL));
	assert_int_equal(args.action, KNOCK_VERSION);
	assert_true(parse("h", "1", "--version", NULL));
	assert_int_equal(args.action, KNOCK_VERSION);
}

static void double_dash_ends_options(void **state)
{
	(void)state;
	/* A HOST that starts with '-' only after "--"; "-1" is then a bad port. */
	assert_true(parse("--", "-host", "1", NULL));
	assert_string_equal(args.host, "-host");
	assert_false(parse("--", "h", "-1", NULL));
	assert_non_null(strstr(err, "'-1'"));
}

/* Each refusal names the bad token. */
static void bad_input_is_refused(void **state)
{
	(void)state;
	static const struct {
		const char *a[4];
		const char *msg;
	} cases[] = {
		{ { "h", "0" },               "bad port '0': port out of range" },
		{ { "h", "65536" },           "bad port '65536': port out of range" },
		{ { "h", "99999999999999" },  "bad port '99999999999999': port out of range" },
		{ { "h", "abc" },             "bad port 'abc': not a port number" },
		{ { "h", "22:sctp" },         "bad port '22:sctp': protocol must be tcp or udp" },
		{ { "h", "22:" },             "bad port '22:': protocol must be tcp or udp" },
		{ { "h", "70000:udp" },       "bad port '70000:udp': port out of range" },
		{ { "h", ":tcp" },            "bad port ':tcp': not a port number" },
		{ { "h", "1", "" },           "bad port '': not a port number" },
		{ { "h", " 22" },             "bad port ' 22': not a port number" },
		{ { "h" },                    "missing PORT after HOST 'h'" },
		{ { "" , "1" },               "empty HOST" },
		{ { "-x", "h", "1" },         "unknown option '-x'" },
		{ { "--frob", "h", "1" },     "unknown option '--frob'" },
		{ { "-4", "-6", "h", "1" },   "-4 and -6 exclude each other" },
		{ { "-d", "abc", "h", "1" },  "bad delay 'abc'" },
		{ { "-d", "600001", "h" },    "bad delay '600001'" },
		{ { "-d", "-5", "h", "1" },   "bad delay '-5'" },
		{ { "h", "1", "-d" },         "option '-d' needs a value" },
		{ { "h", "1", "--delay" },    "option '--delay' needs a value" },
		{ { "--udp=yes", "h", "1" },  "option '--udp' takes no value" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *argv[6] = { "knock" };
		int argc = 1;
		for (size_t k = 0; k < 4 && cases[i].a[k]; k++)
			argv[argc++] = (char *)cases[i].a[k];
		err[0] = '\0';
		bool ok = knock_args_parse(argc, argv, &args, err, sizeof err);
		if (ok || !strstr(err, cases[i].msg))
			fail_msg("case %zu: ok=%d err='%s', want '%s'", i, ok, err, cases[i].msg);
	}
	assert_false(parse(NULL));
	assert_non_null(strstr(err, "missing HOST and PORT"));
}

static void long_tokens_are_cut_in_messages(void **state)
{
	(void)state;
	char big[4096];
	memset(big, '7', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_false(parse("h", big, NULL));
	assert_true(strlen(err) < 100);
	assert_non_null(strstr(err, "port out of range"));
}

static void control_bytes_never_reach_messages(void **state)
{
	(void)state;
	assert_false(parse("--d\001\n:", "h", "1", NULL));
	assert_null(strchr(err, '\n'));
	assert_null(strchr(err, '\001'));
	assert_non_null(strstr(err, "'--d?" "?:'"));
	assert_false(parse("h", "2\n2", NULL));
	assert_null(strchr(err, '\n'));
	assert_false(parse("h\r\n", NULL));
	assert_string_equal(err, "missing PORT after HOST 'h?" "?'");
}

static void too_many_ports(void **state)
{
	(void)state;
	static char *argv[KNOCK_MAX_HITS + 3];
	argv[0] = "knock";
	argv[1] = "h";
	for (int i = 0; i < KNOCK_MAX_HITS; i++)
		argv[i + 2] = "1";
	assert_true(knock_args_parse(KNOCK_MAX_HITS + 2, argv, &args, err, sizeof err));
	assert_int_equal(args.nhits, KNOCK_MAX_HITS);
	argv[KNOCK_MAX_HITS + 2] = "2";
	assert_false(knock_args_parse(KNOCK_MAX_HITS + 3, argv, &args, err, sizeof err));
	assert_non_null(strstr(err, "too many ports"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_knocks),
		cmocka_unit_test(udp_flag_and_suffixes),
		cmocka_unit_test(delay_family_verbose),
		cmocka_unit_test(help_and_version_act_at_once),
		cmocka_unit_test(double_dash_ends_options),
		cmocka_unit_test(bad_input_is_refused),
		cmocka_unit_test(long_tokens_are_cut_in_messages),
		cmocka_unit_test(control_bytes_never_reach_messages),
		cmocka_unit_test(too_many_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
