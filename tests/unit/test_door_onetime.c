/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the doors' One_Time_Sequences: files consumed line by
 * line, shared by IPv4 and IPv6, a used-up door disabled, reload. */
#include "door_fixture.h"

static void onetime_consumed_line_by_line(void **state)
{
	(void)state;
	struct config *c = cfg_new(2);
	struct door *o = door_set(c, 0, "ot", 5000, 0);
	o->one_time_file = ot_file("seqs", "1000,2000\n# a comment\n\n3000:udp, 4000\n5000\n");
	door_set(c, 1, "plain", 5000, 2, 1000, T, 9000, T);
	log_reset();
	struct doors *d = doors_make(c);
	assert_true(log_has("door ot: one-time sequence from"));

	/* Another source is half-way when the sequence gets used. */
	feed(d, ev("198.18.0.9", 1, 1000, T), 0);
	feed(d, ev("198.18.0.2", 1, 1000, T), 1);
	assert_int_equal(doors_attempts(d, 0), 2);
	uint8_t id1[32], id2[32];
	assert_false(doors_spent_id(d, 0, id1));        /* nothing used yet */
	assert_int_equal(feed(d, ev("198.18.0.2", 2, 2000, T), 2), 1);
	assert_int_equal(gr[0].door, 0);
	assert_int_equal(doors_attempts(d, 0), 0);
	/* The fleet's spent mark: an id for the sequence just used, none for
	 * a door without one-time sequences. */
	assert_true(doors_spent_id(d, 0, id1));
	assert_false(doors_spent_id(d, 1, id2));
	assert_false(doors_spent_id(d, 7, id2));
	assert_string_equal(slurp(o->one_time_file),
			    "#000,2000\n# a comment\n\n3000:udp, 4000\n5000\n");
	/* The plain door sharing port 1000 was not disturbed. */
	assert_int_equal(doors_attempts(d, 1), 2);

	/* The used sequence no longer opens, for v4 or v6. */
	feed(d, ev("198.18.0.9", 2, 1000, T), 3);
	assert_int_equal(feed(d, ev("198.18.0.9", 3, 2000, T), 4), 0);
	feed(d, ev("2001:db8:5e5::2", 1, 1000, T), 5);
	assert_int_equal(feed(d, ev("2001:db8:5e5::2", 2, 2000, T), 6), 0);

	/* The next one opens over IPv6. */
	feed(d, ev("2001:db8:5e5::2", 3, 3000, U), 7);
	assert_int_equal(feed(d, ev("2001:db8:5e5::2", 4, 4000, T), 8), 1);
	assert_true(doors_spent_id(d, 0, id2));
	assert_memory_not_equal(id1, id2, sizeof id1);
	struct addr six = ip("2001:db8:5e5::2");
	assert_true(addr_equal(&gr[0].addr, &six));

	/* The last one opens over IPv4, then the door disables itself. */
	log_reset();
	assert_int_equal(feed(d, ev("198.18.0.2", 5, 5000, T), 9), 1);
	assert_true(log_has("door ot: every one-time sequence in"));
	assert_true(log_has("is used; door disabled"));
	assert_string_equal(slurp(o->one_time_file),
			    "#000,2000\n# a comment\n\n#000:udp, 4000\n#000\n");
	for (uint16_t p = 1000; p <= 5000; p += 1000) {
		assert_int_equal(feed(d, ev("198.18.0.2", p, p, T), 10 + p), 0);
		assert_int_equal(feed(d, ev("198.18.0.2", p, p, U), 10 + p), 0);
	}
	assert_int_equal(doors_attempts(d, 0), 0);
	assert_int_equal(doors_expire(d, 20000), -1);

	/* A used-up file at start is a disabled door, not an error; SIGHUP
	 * after new lines were added enables it again. */
	struct doors *d2 = doors_make(c);
	assert_int_equal(feed(d2, ev("198.18.0.2", 1, 5000, T), 0), 0);
	FILE *f = fopen(o->one_time_file, "a");
	assert_non_null(f);
	fputs("6000\n", f);
	fclose(f);
	assert_int_equal(doors_reload(d2, c), 0);
	assert_int_equal(feed(d2, ev("198.18.0.2", 1, 6000, T), 1), 1);
	doors_free(d2);
	doors_free(d);
	unlink(o->one_time_file);
	cfg_free(c);
}

static void onetime_file_problems(void **state)
{
	(void)state;
	struct config *c = cfg_new(1);
	struct door *o = door_set(c, 0, "ot", 5000, 0);
	struct doors *d = NULL;

	/* Missing or malformed files stop doors_new. */
	o->one_time_file = ot_file("missing", "");
	unlink(o->one_time_file);
	assert_true(doors_new(c, &d) < 0);
	free(o->one_time_file);
	o->one_time_file = ot_file("bad", "1000,abc\n");
	log_reset();
	assert_int_equal(doors_new(c, &d), -EINVAL);
	assert_true(log_has(":1: "));
	unlink(o->one_time_file);
	free(o->one_time_file);

	/* The file edited under the door: marking fails, the line now
	 * holding a different sequence becomes the next one. */
	o->one_time_file = ot_file("edited", "1000,2000\n3000\n");
	d = doors_make(c);
	feed(d, ev("198.18.0.2", 1, 1000, T), 0);
	FILE *f = fopen(o->one_time_file, "w");
	fputs("7000,8000\n3000\n", f);
	fclose(f);
	log_reset();
	assert_int_equal(feed(d, ev("198.18.0.2", 2, 2000, T), 1), 1);
	assert_true(log_has("cannot mark the sequence used: the line has changed"));
	feed(d, ev("198.18.0.2", 3, 7000, T), 2);
	assert_int_equal(feed(d, ev("198.18.0.2", 4, 8000, T), 3), 1);

	/* The file replaced by a directory: the door shuts, nothing crashes. */
	unlink(o->one_time_file);
	assert_int_equal(mkdir(o->one_time_file, 0700), 0);
	log_reset();
	assert_int_equal(feed(d, ev("198.18.0.2", 5, 3000, T), 4), 1);
	assert_true(log_has("door disabled"));
	assert_int_equal(feed(d, ev("198.18.0.2", 6, 3000, T), 5), 0);
	doors_free(d);
	rmdir(o->one_time_file);
	cfg_free(c);
}

static void reload_keeps_onetime_attempts(void **state)
{
	(void)state;
	struct config *c = cfg_new(1);
	struct door *o = door_set(c, 0, "ot", 5000, 0);
	o->one_time_file = ot_file("reload", "1000,2000,3000\n4000\n");
	struct doors *d = doors_make(c);
	feed(d, ev("198.18.0.2", 1, 1000, T), 0);
	feed(d, ev("198.18.0.2", 2, 2000, T), 1);
	/* Unchanged file: the attempt survives. */
	assert_int_equal(doors_reload(d, c), 0);
	assert_int_equal(doors_attempts(d, 0), 1);
	/* The current line used by hand (knockd style): dropped. */
	FILE *f = fopen(o->one_time_file, "r+");
	fputc('#', f);
	fclose(f);
	assert_int_equal(doors_reload(d, c), 0);
	assert_int_equal(doors_attempts(d, 0), 0);
	assert_int_equal(feed(d, ev("198.18.0.2", 3, 4000, T), 2), 1);
	doors_free(d);
	unlink(o->one_time_file);
	cfg_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(onetime_consumed_line_by_line),
		cmocka_unit_test(onetime_file_problems),
		cmocka_unit_test(reload_keeps_onetime_attempts),
	};
	return cmocka_run_group_tests(tests, log_setup, log_teardown);
}
