/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of onetime: knockd's One_Time_Sequences file, parsed from a
 * buffer and used through real files (next, mark used, used up). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "onetime.h"

struct diags {
	char last[1024];
	size_t errors;
	bool seen_line[64];
};

static void collect(void *ctx, int level, const char *msg)
{
	struct diags *d = ctx;
	if (level == LOG_ERR)
		d->errors++;
	snprintf(d->last, sizeof d->last, "%s", msg);
	/* Remember which lines were reported ("name:LINE: ..."). */
	const char *c = strchr(msg, ':');
	if (c) {
		unsigned line = (unsigned)strtoul(c + 1, NULL, 10);
		if (line < 64)
			d->seen_line[line] = true;
	}
}

static int parse(const char *text, struct diags *d, struct onetime_seq *first)
{
	memset(d, 0, sizeof *d);
	return onetime_parse("seqs", text, strlen(text), collect, d, first);
}

static void parses_knockd_format(void **state)
{
	(void)state;
	struct diags d;
	struct onetime_seq s;
	const char *text =
		"# comment\n"                   /* 1 */
		"\n"                            /* 2 */
		"#8881,7777:udp,9991\n"         /* 3: used */
		"   \t\n"                       /* 4 */
		" 1001, 1002:UDP ,1003:tcp\r\n" /* 5: first unused */
		" 2001,2002,2003\n"             /* 6 */
		"\t# indented comment\n"        /* 7 */
		"3001";                         /* 8, no newline */
	assert_int_equal(parse(text, &d, &s), 3);
	assert_int_equal(d.errors, 0);
	assert_int_equal(s.line, 5);
	assert_int_equal(s.offset, (long)(strstr(text, " 1001") - text));
	assert_int_equal(s.len, 3);
	assert_int_equal(s.seq[0].port, 1001);
	assert_int_equal(s.seq[0].proto, PROTO_TCP);
	assert_int_equal(s.seq[1].port, 1002);
	assert_int_equal(s.seq[1].proto, PROTO_UDP);
	assert_int_equal(s.seq[2].proto, PROTO_TCP);

	/* Nothing unused: count 0, FIRST untouched. */
	s.line = 77;
	assert_int_equal(parse("#1,2,3\n# x\n\n", &d, &s), 0);
	assert_int_equal(s.line, 77);
	assert_int_equal(parse("", &d, NULL), 0);
	assert_int_equal(parse("\n\n\n", &d, NULL), 0);
	/* FIRST may be NULL. */
	assert_int_equal(parse("1,2\n3,4\n", &d, NULL), 2);
}

static void reports_every_bad_line(void **state)
{
	(void)state;
	struct diags d;
	struct onetime_seq s;
	assert_int_equal(parse(" 1,2,3\n 4,abc,6\n 7,8,9\n 10,0\n 11:sctp\n", &d, &s), -EINVAL);
	assert_int_equal(d.errors, 3);
	assert_true(d.seen_line[2]);
	assert_true(d.seen_line[4]);
	assert_true(d.seen_line[5]);
	assert_false(d.seen_line[1]);
	assert_non_null(strstr(d.last, "seqs:5: bad port '11:sctp'"));

	/* 33 ports: over knockd's limit. */
	char text[512] = "1";
	for (int i = 2; i <= 33; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), ",%d", i);
	assert_int_equal(parse(text, &d, &s), -EINVAL);
	assert_non_null(strstr(d.last, "too many ports"));

	/* A NUL byte and an overlong line. */
	static const char nul[] = "1,2\0,3\n";
	memset(&d, 0, sizeof d);
	assert_int_equal(onetime_parse("seqs", nul, sizeof nul - 1, collect, &d, &s), -EINVAL);
	assert_non_null(strstr(d.last, "seqs:1: NUL byte"));
	char *big = malloc(10000);
	assert_non_null(big);
	memset(big, '1', 9999);
	big[9999] = '\0';
	assert_int_equal(parse(big, &d, &s), -EINVAL);
	assert_non_null(strstr(d.last, "line too long"));
	free(big);
}

/* --- with files ------------------------------------------------------- */

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/sesame-test-onetime-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/seqs", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *read_back(void)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void consumes_line_by_line(void **state)
{
	(void)state;
	/* With and without the leading space knockd recommends. */
	write_file("# header\n 1001,1002,1003\n2001:udp,2002\n 3001,3002\n");
	struct diags d = { 0 };
	struct onetime_seq s;

	assert_int_equal(onetime_next(path, collect, &d, &s), 0);
	assert_int_equal(s.seq[0].port, 1001);
	assert_int_equal(onetime_mark_used(path, &s), 0);
	/* knockd's marking: the line's first byte becomes '#'. */
	assert_string_equal(read_back(), "# header\n#1001,1002,1003\n2001:udp,2002\n 3001,3002\n");

	assert_int_equal(onetime_next(path, collect, &d, &s), 0);
	assert_int_equal(s.line, 3);
	assert_int_equal(s.seq[0].port, 2001);
	assert_int_equal(s.seq[0].proto, PROTO_UDP);
	assert_int_equal(onetime_mark_used(path, &s), 0);
	/* Without the space, the first digit is lost, as in knockd. */
	assert_string_equal(read_back(), "# header\n#1001,1002,1003\n#001:udp,2002\n 3001,3002\n");

	assert_int_equal(onetime_next(path, collect, &d, &s), 0);
	assert_int_equal(s.seq[0].port, 3001);
	assert_int_equal(onetime_mark_used(path, &s), 0);
	/* Marking twice: the line no longer holds the sequence. */
	assert_int_equal(onetime_mark_used(path, &s), -ESTALE);

	assert_int_equal(onetime_next(path, collect, &d, &s), -ENOENT);
	assert_int_equal(d.errors, 0);
}

static void stale_after_edit(void **state)
{
	(void)state;
	write_file(" 1001,1002\n 2001,2002\n");
	struct diags d = { 0 };
	struct onetime_seq s;
	assert_int_equal(onetime_next(path, collect, &d, &s), 0);
	/* Someone rewrote the file: the offset now points elsewhere. */
	write_file(" 5001,5002\n 1001,1002\n");
	assert_int_equal(onetime_mark_used(path, &s), -ESTALE);
	assert_string_equal(read_back(), " 5001,5002\n 1001,1002\n");
	/* An offset inside a line is refused too. */
	s.offset = 2;
	assert_int_equal(onetime_mark_used(path, &s), -ESTALE);
	s.offset = -1;
	assert_int_equal(onetime_mark_used(path, &s), -EINVAL);
	s.offset = 100000;
	assert_int_equal(onetime_mark_used(path, &s), -ESTALE);
}

static void file_errors(void **state)
{
	(void)state;
	struct diags d = { 0 };
	struct onetime_seq s;
	assert_int_equal(onetime_next("/nonexistent/seqs", collect, &d, &s), -ENOENT);
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(d.last, "/nonexistent/seqs: cannot read"));
	memset(&d, 0, sizeof d);
	assert_int_equal(onetime_next(dir, collect, &d, &s), -EINVAL);
	assert_non_null(strstr(d.last, "not a regular file"));

	/* A file over the 16 MiB bound (sparse: no disk used). */
	assert_int_equal(truncate(path, 0) == 0 || errno == ENOENT, 1);
	write_file("");
	assert_int_equal(truncate(path, (off_t)17 << 20), 0);
	memset(&d, 0, sizeof d);
	assert_int_equal(onetime_next(path, collect, &d, &s), -EFBIG);
	assert_non_null(strstr(d.last, "file too large"));

	write_file(" 1,2\n bad\n");
	memset(&d, 0, sizeof d);
	assert_int_equal(onetime_next(path, collect, &d, &s), -EINVAL);
	assert_non_null(strstr(d.last, ":2: bad port 'bad'"));
	assert_int_equal(onetime_mark_used("/nonexistent/seqs", &s), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_knockd_format),
		cmocka_unit_test(reports_every_bad_line),
		cmocka_unit_test_setup_teardown(consumes_line_by_line, setup, teardown),
		cmocka_unit_test_setup_teardown(stale_after_edit, setup, teardown),
		cmocka_unit_test_setup_teardown(file_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
