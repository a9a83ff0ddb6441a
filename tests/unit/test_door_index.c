/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the port index (portidx.c) and of the sequence doors
 * through it: a packet reaches exactly the doors whose current sequence
 * holds its port, in door order, each once; a port of a door's sequence
 * out of turn still ends that door's attempt, a port outside it still
 * does not; many doors on one port; reload; a one-time door moving on
 * while the index is being walked. */
#include "door_fixture.h"
#include "portidx.h"

/* ---- the index alone ---------------------------------------------------- */

static void index_runs_are_ascending_and_unique(void **state)
{
	(void)state;
	struct portidx *x;
	assert_int_equal(portidx_new(16, &x), 0);
	portidx_reset(x);
	assert_int_equal(portidx_add(x, T, 1000, 0), 0);
	assert_int_equal(portidx_add(x, T, 2000, 0), 0);
	assert_int_equal(portidx_add(x, T, 1000, 0), 0);      /* again: once */
	assert_int_equal(portidx_add(x, U, 1000, 2), 0);
	assert_int_equal(portidx_add(x, T, 1000, 5), 0);
	assert_int_equal(portidx_add(x, 1 /* ICMP */, 1000, 6), 0);   /* not a key */
	assert_int_equal(portidx_add(x, T, 1000, 7), 0);
	assert_int_equal(portidx_add(x, T, 3000, 3), -EINVAL);      /* descending */
	portidx_seal(x);

	size_t n;
	const uint32_t *ids = portidx_find(x, T, 1000, &n);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 5);
	assert_int_equal(ids[2], 7);
	ids = portidx_find(x, U, 1000, &n);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], 2);
	ids = portidx_find(x, T, 2000, &n);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], 0);
	assert_null(portidx_find(x, U, 2000, &n));
	assert_int_equal(n, 0);
	assert_null(portidx_find(x, 1, 1000, &n));
	assert_int_equal(n, 0);
	assert_null(portidx_find(x, T, 3000, &n));

	/* A rebuild forgets everything before it. */
	portidx_reset(x);
	assert_int_equal(portidx_add(x, T, 3000, 1), 0);
	portidx_seal(x);
	assert_null(portidx_find(x, T, 1000, &n));
	ids = portidx_find(x, T, 3000, &n);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], 1);
	portidx_free(x);
}

static void index_is_bounded(void **state)
{
	(void)state;
	struct portidx *x;
	assert_int_equal(portidx_new((size_t)PORTIDX_MAX + 1, &x), -E2BIG);
	assert_null(x);
	assert_int_equal(portidx_new(SIZE_MAX, &x), -E2BIG);

	/* Full: refused, and what is there stays. */
	assert_int_equal(portidx_new(2, &x), 0);
	portidx_reset(x);
	assert_int_equal(portidx_add(x, T, 1, 0), 0);
	assert_int_equal(portidx_add(x, T, 2, 1), 0);
	assert_int_equal(portidx_add(x, T, 3, 2), -ENOSPC);
	portidx_seal(x);
	size_t n;
	assert_non_null(portidx_find(x, T, 2, &n));
	assert_int_equal(n, 1);
	assert_null(portidx_find(x, T, 3, &n));
	portidx_free(x);

	/* Empty. */
	assert_int_equal(portidx_new(0, &x), 0);
	portidx_reset(x);
	portidx_seal(x);
	assert_null(portidx_find(x, U, 62201, &n));
	portidx_free(x);

	/* Every key there is: the table takes them all, each findable. */
	size_t cap = 2 * 65536;
	assert_int_equal(portidx_new(cap, &x), 0);
	portidx_reset(x);
	for (uint32_t p = 0; p < 65536; p++) {
		assert_int_equal(portidx_add(x, T, (uint16_t)p, p), 0);
		assert_int_equal(portidx_add(x, U, (uint16_t)p, p), 0);
	}
	portidx_seal(x);
	for (uint32_t p = 0; p < 65536; p += 997) {
		const uint32_t *ids = portidx_find(x, U, (uint16_t)p, &n);
		assert_int_equal(n, 1);
		assert_int_equal(ids[0], p);
	}
	portidx_free(x);
}

/* ---- the doors through it ----------------------------------------------- */

#define MANY 300

static size_t feed_many(struct doors *d, struct knock_event e, uint64_t now,
			struct grant *out, size_t max)
{
	return doors_feed(d, &e, now, out, max);
}

/* Doors i % 3 == 0: the one step 5000/tcp.  i % 3 == 1: 5000/tcp then
 * 6000+i/tcp.  i % 3 == 2: 6000+i/tcp then 5000/udp.  One SYN to
 * 5000/tcp completes exactly the first kind (in door order), starts
 * exactly the second kind and leaves the third alone. */
static void packet_reaches_exactly_its_doors_in_order(void **state)
{
	(void)state;
	struct config *c = cfg_new(MANY);
	c->state_limit = 4096;
	for (int i = 0; i < MANY; i++) {
		char name[16];
		snprintf(name, sizeof name, "d%d", i);
		if (i % 3 == 0)
			door_set(c, (size_t)i, name, 5000, 1, 5000, T);
		else if (i % 3 == 1)
			door_set(c, (size_t)i, name, 5000, 2, 5000, T, 6000 + i, T);
		else
			door_set(c, (size_t)i, name, 5000, 2, 6000 + i, T, 5000, U);
	}
	struct doors *d = doors_make(c);
	struct grant out[MANY];
	assert_int_equal(feed_many(d, ev("198.18.0.2", 1, 5000, T), 0, out, MANY), MANY / 3);
	for (size_t k = 0; k < MANY / 3; k++)
		assert_int_equal(out[k].door, 3 * k);
	for (size_t i = 0; i < MANY; i++)
		assert_int_equal(doors_attempts(d, i), i % 3 == 1);

	/* The second steps are each one door's: only that door moves. */
	assert_int_equal(feed_many(d, ev("198.18.0.2", 2, 6000 + 299, T), 1, out, MANY), 0);
	assert_int_equal(doors_attempts(d, 299), 1);
	assert_int_equal(feed_many(d, ev("198.18.0.2", 3, 6000 + 4, T), 2, out, MANY), 1);
	assert_int_equal(out[0].door, 4);
	assert_int_equal(doors_attempts(d, 4), 0);
	assert_int_equal(doors_attempts(d, 1), 1);
	assert_int_equal(feed_many(d, ev("198.18.0.2", 4, 5000, U), 3, out, MANY), 1);
	assert_int_equal(out[0].door, 299);
	/* 5000/udp is a step of the third kind only: the second kind's
	 * attempts (on 5000/tcp) are untouched. */
	assert_int_equal(doors_attempts(d, 1), 1);
	assert_int_equal(doors_attempts(d, 299), 0);
	doors_free(d);
	cfg_free(c);
}

/* A door's attempt ends on a port of its own sequence out of turn, never
 * on a port that is only another door's. */
static void wrong_port_is_a_port_of_the_door(void **state)
{
	(void)state;
	struct config *c = cfg_new(2);
	door_set(c, 0, "a", 5000, 3, 1000, T, 2000, T, 3000, T);
	door_set(c, 1, "b", 5000, 3, 4000, T, 5000, T, 6000, T);
	struct doors *d = doors_make(c);
	struct ps_door_counts ca, cb;
	log_reset();
	feed(d, ev("198.18.0.2", 1, 1000, T), 0);
	feed(d, ev("198.18.0.2", 2, 4000, T), 1);       /* only b's */
	assert_int_equal(doors_attempts(d, 0), 1);
	assert_int_equal(doors_attempts(d, 1), 1);
	feed(d, ev("198.18.0.2", 3, 2000, T), 2);       /* a's stage 2, not b's */
	assert_int_equal(doors_attempts(d, 1), 1);
	feed(d, ev("198.18.0.2", 4, 6000, T), 3);       /* b's, out of turn */
	assert_true(log_has("door b: 198.18.0.2: wrong port 6000:tcp at stage 1"));
	assert_false(log_has("door a: 198.18.0.2: wrong port"));
	assert_int_equal(doors_attempts(d, 1), 0);
	assert_int_equal(doors_attempts(d, 0), 1);
	/* a's first step again at stage 2: wrong, and a new start. */
	feed(d, ev("198.18.0.2", 5, 1000, T), 4);
	assert_true(log_has("door a: 198.18.0.2: wrong port 1000:tcp at stage 2"));
	assert_int_equal(doors_attempts(d, 0), 1);
	doors_counts(d, 0, &ca);
	doors_counts(d, 1, &cb);
	assert_int_equal(ca.wrong, 1);
	assert_int_equal(cb.wrong, 1);
	assert_int_equal(ca.stage[0], 2);
	/* A sequence that holds a port twice is fed once per packet: the
	 * last step completes, and does not start a new attempt too. */
	struct config *c2 = cfg_new(1);
	door_set(c2, 0, "twice", 5000, 3, 1000, T, 2000, T, 1000, T);
	struct doors *d2 = doors_make(c2);
	feed(d2, ev("198.18.0.3", 1, 1000, T), 0);
	feed(d2, ev("198.18.0.3", 2, 2000, T), 1);
	assert_int_equal(feed(d2, ev("198.18.0.3", 3, 1000, T), 2), 1);
	assert_int_equal(doors_attempts(d2, 0), 0);
	doors_free(d2);
	cfg_free(c2);
	doors_free(d);
	cfg_free(c);
}

/* A thousand doors share their first and last ports: one first knock
 * starts them all, and the shared last port is a wrong port for every
 * door but the one whose middle step was knocked. */
static void many_doors_share_a_port(void **state)
{
	(void)state;
	enum { N = 1000 };
	struct config *c = cfg_new(N);
	c->state_limit = 4 * N;
	for (int i = 0; i < N; i++) {
		char name[16];
		snprintf(name, sizeof name, "s%d", i);
		door_set(c, (size_t)i, name, 5000, 3, 7000, T, 10000 + i, T, 7001, T);
	}
	struct doors *d = doors_make(c);
	struct grant out[N];
	assert_int_equal(feed_many(d, ev("198.18.0.2", 1, 7000, T), 0, out, N), 0);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(doors_attempts(d, i), 1);
	feed_many(d, ev("198.18.0.2", 2, 10000 + 617, T), 1, out, N);
	assert_int_equal(feed_many(d, ev("198.18.0.2", 3, 7001, T), 2, out, N), 1);
	assert_int_equal(out[0].door, 617);
	size_t wrong = 0;
	for (size_t i = 0; i < N; i++) {
		struct ps_door_counts k;
		doors_counts(d, i, &k);
		wrong += k.wrong;
		assert_int_equal(doors_attempts(d, i), 0);
	}
	assert_int_equal(wrong, N - 1);
	doors_free(d);
	cfg_free(c);
}

/* After a reload the index is the new config's: moved ports, new doors,
 * and attempts kept on the doors that did not change. */
static void reload_rebuilds_the_index(void **state)
{
	(void)state;
	struct config *c1 = cfg_new(2);
	door_set(c1, 0, "a", 5000, 2, 1000, T, 2000, T);
	door_set(c1, 1, "b", 5000, 2, 3000, T, 4000, T);
	struct config *c2 = cfg_new(3);
	door_set(c2, 0, "c", 5000, 2, 1000, T, 7000, T);
	door_set(c2, 1, "b", 5000, 2, 5000, T, 6000, T);
	door_set(c2, 2, "a", 5000, 2, 1000, T, 2000, T);
	struct doors *d = doors_make(c1);
	feed(d, ev("198.18.0.2", 1, 1000, T), 0);
	feed(d, ev("198.18.0.3", 1, 3000, T), 0);
	assert_int_equal(doors_reload(d, c2), 0);
	assert_int_equal(doors_attempts(d, 2), 1);      /* a: kept */
	assert_int_equal(doors_attempts(d, 1), 0);      /* b: changed */
	/* The old ports of b are nobody's now. */
	assert_int_equal(feed(d, ev("198.18.0.3", 2, 3000, T), 1), 0);
	assert_int_equal(feed(d, ev("198.18.0.3", 3, 4000, T), 2), 0);
	assert_int_equal(doors_attempts(d, 1), 0);
	/* Its new ones are. */
	feed(d, ev("198.18.0.3", 4, 5000, T), 3);
	assert_int_equal(feed(d, ev("198.18.0.3", 5, 6000, T), 4), 1);
	assert_int_equal(gr[0].door, 1);
	/* 1000 is c's and a's: both in door order. */
	feed(d, ev("198.18.0.4", 1, 1000, T), 5);
	assert_int_equal(doors_attempts(d, 0), 1);
	assert_int_equal(doors_attempts(d, 2), 2);
	assert_int_equal(feed(d, ev("198.18.0.2", 2, 2000, T), 6), 1);
	assert_int_equal(gr[0].door, 2);
	doors_free(d);
	cfg_free(c1);
	cfg_free(c2);
}

/* A one-time door completing changes its sequence in the middle of a
 * packet's walk over the index: the doors after it on that port are
 * still fed, and the next packet sees the new sequence. */
static void onetime_move_during_a_packet(void **state)
{
	(void)state;
	struct config *c = cfg_new(3);
	struct door *o = door_set(c, 0, "ot", 5000, 0);
	o->one_time_file = ot_file("index", "1000,2000\n3000,4000\n");
	door_set(c, 1, "p", 5000, 2, 1500, T, 2000, T);
	door_set(c, 2, "q", 5000, 1, 2000, T);
	struct doors *d = doors_make(c);
	feed(d, ev("198.18.0.2", 1, 1000, T), 0);
	feed(d, ev("198.18.0.2", 2, 1500, T), 1);
	assert_int_equal(feed(d, ev("198.18.0.2", 3, 2000, T), 2), 3);
	assert_int_equal(gr[0].door, 0);
	assert_int_equal(gr[1].door, 1);
	assert_int_equal(gr[2].door, 2);
	/* The spent sequence's ports are no longer the door's... */
	feed(d, ev("198.18.0.2", 4, 1000, T), 3);
	assert_int_equal(doors_attempts(d, 0), 0);
	/* ...the next sequence's are. */
	feed(d, ev("198.18.0.2", 5, 3000, T), 4);
	assert_int_equal(doors_attempts(d, 0), 1);
	assert_int_equal(feed(d, ev("198.18.0.2", 6, 4000, T), 5), 1);
	assert_int_equal(gr[0].door, 0);
	unlink(o->one_time_file);
	doors_free(d);
	cfg_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(index_runs_are_ascending_and_unique),
		cmocka_unit_test(index_is_bounded),
		cmocka_unit_test(packet_reaches_exactly_its_doors_in_order),
		cmocka_unit_test(wrong_port_is_a_port_of_the_door),
		cmocka_unit_test(many_doors_share_a_port),
		cmocka_unit_test(reload_rebuilds_the_index),
		cmocka_unit_test(onetime_move_during_a_packet),
	};
	return cmocka_run_group_tests(tests, log_setup, log_teardown);
}
