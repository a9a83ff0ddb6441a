/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the sequence doors: synthetic knock_events, fake time.
 * Configs are built as structs here, independent of the parser (except
 * one end-to-end test through config_parse).  One-time sequences are in
 * test_door_onetime.c, the randomized comparison in test_door_model.c. */
#include "door_fixture.h"

/* ---- the rules --------------------------------------------------------- */

static void sequence_opens_with_one_grant(void **state)
{
	(void)state;
	struct config *c = cfg_new(2);
	door_set(c, 0, "other", 5000, 2, 4000, T, 4001, T);
	door_set(c, 1, "ssh", 5000, 3, 7000, T, 8000, U, 9000, T);
	struct doors *d = doors_make(c);
	log_reset();

	assert_int_equal(feed(d, ev("198.18.0.2", 40001, 7000, T), 0), 0);
	assert_int_equal(doors_attempts(d, 1), 1);
	assert_int_equal(doors_attempts(d, 0), 0);
	assert_true(log_has("door ssh: 198.18.0.2: stage 1"));
	assert_int_equal(feed(d, ev("198.18.0.2", 40002, 8000, U), 10), 0);
	assert_true(log_has("door ssh: 198.18.0.2: stage 2"));
	assert_int_equal(feed(d, ev("198.18.0.2", 40003, 9000, T), 20), 1);
	assert_true(log_has("door ssh: 198.18.0.2: sequence complete"));
	assert_int_equal(gr[0].door, 1);
	struct addr want = ip("198.18.0.2");
	assert_true(addr_equal(&gr[0].addr, &want));
	assert_int_equal(gr[0].timeout_s, 0);
	assert_int_equal(gr[0].nports, 0);
	assert_int_equal(doors_attempts(d, 1), 0);

	/* The attempt is over: the last step alone does nothing now. */
	assert_int_equal(feed(d, ev("198.18.0.2", 40004, 9000, T), 30), 0);
	/* Nor does a step out of order from a new source. */
	assert_int_equal(feed(d, ev("198.18.0.3", 40004, 8000, U), 30), 0);
	assert_int_equal(doors_attempts(d, 1), 0);
	/* Out of range door index. */
	assert_int_equal(doors_attempts(d, 2), 0);
	doors_free(d);
	cfg_free(c);
}

static void protocol_is_part_of_the_step(void **state)
{
	(void)state;
	struct config *c = cfg_new(1);
	door_set(c, 0, "p", 5000, 3, 1000, T, 2000, U, 3000, T);
	struct doors *d = doors_make(c);
	feed(d, ev("198.18.0.2", 1, 1000, T), 0);
	/* 2000/tcp is not a step of this door at all: ignored. */
	assert_int_equal(feed(d, ev("198.18.0.2", 2, 2000, T), 1), 0);
	assert_int_equal(doors_attempts(d, 0), 1);
	/* 3000/tcp is a step, but not the next one: wrong port. */
	log_reset();
	assert_int_equal(feed(d, ev("198.18.0.2", 3, 3000, T), 2), 0);
	assert_true(log_has("door p: 198.18.0.2: wrong port 3000:tcp at stage 1"));
	assert_int_equal(doors_attempts(d, 0), 0);
	/* 1000/udp is not the first step (1000/tcp is). */
	assert_int_equal(feed(d, ev("198.18.0.2", 4, 1000, U), 3), 0);
	assert_int_equal(doors_attempts(d, 0), 0);
	doors_free(d);
	cfg_free(c);
}

static void wrong_port_ends_or_restarts(void **state)
{
	(void)state;
	struct config *c = cfg_new(1);
	door_set(c, 0, "w", 5000, 3, 1000, T, 2000, T, 3000, T);
	struct doors *d = doors_make(c);

	/* 1000, 2000, then 2000 again from a new port: wrong, attempt gone. */
	feed(d, ev("198.18.0.2", 1, 1000, T), 0);
	feed(d, ev("198.18.0.2", 2, 2000, T), 1);
	log_reset();
	feed(d, ev("198.18.0.2", 3, 2000, T), 2);
	assert_true(log_has("door w: 198.18.0.2: wrong port 2000:tcp at stage 2"));
	assert_int_equal(doors_attempts(d, 0), 0);
	assert_int_equal(feed(d, ev("198.18.0.2", 4, 3000, T), 3), 0);

	/* A wrong knock that is the first step starts over at stage 1 and
	 * the rest of the sequence then completes. */
	feed(d, ev("198.18.0.2", 5, 1000, T), 10);
	feed(d, ev("198.18.0.2", 6, 2000, T), 11);
	log_reset();
	assert_int_equal(feed(d, ev("198.18.0.2", 7, 1000, T), 12), 0);
	assert_true(log_has("wrong port 1000:tcp at stage 2"));
	assert_true(log_has("door w: 198.18.0.2: stage 1"));
	assert_int_equal(doors_attempts(d, 0), 1);
	assert_int_equal(feed(d, ev("198.18.0.2", 8, 3000, T), 13), 0);   /* wrong again */
	assert_int_equal(doors_attempts(d, 0), 0);
	feed(d, ev("198.18.0.2", 9, 1000, T), 14);
	feed(d, ev("198.18.0.2", 10, 2000, T), 15);
	assert_int_equal(feed(d, ev("198.18.0.2", 11, 3000, T), 16), 1);
	doors_free(d);
	cfg_free(c);
}

static void restart_resets_the_clock(void **state)
{
	(void)state;
	struct config *c = cfg_new(1);
	door_set(c, 0, "r", 1000, 3, 1000, T, 2000, T, 3000, T);
	struct doors *d = doors_make(c);
	feed(d, ev("198.18.0.2", 1, 1000, T), 0);
	feed(d, ev("198.18.0.2", 2, 2000, T), 100);
	feed(d, ev("198.18.0.2", 3, 1000, T), 900);     /* wrong, restarts */
	assert_int_equal(doors_expire(d, 1000), 900);   /* deadline 1900 now */
	feed(d, ev("198.18.0.2", 4, 2000, T), 1500);
	assert_int_equal(feed(d, ev("198.18.0.2", 5, 3000, T), 1899), 1);
	doors_free(d);
	cfg_free(c);
}

static void tcpflags_filter_not_count(void **state)
{
	(void)state;
	struct config *c = cfg_new(3);
	struct door *a = door_set(c, 0, "synnoack", 5000, 3, 1000, T, 2000, U, 3000, T);
	a->has_tcpflags = true;
	a->tcpflags_set = TCPF_SYN;
	a->tcpflags_clear = TCPF_ACK;
	struct door *b = door_set(c, 1, "synack", 5000, 2, 4000, T, 5000, T);
	b->has_tcpflags = true;
	b->tcpflags_set = TCPF_SYN | TCPF_ACK;
	door_set(c, 2, "noflags", 5000, 2, 6000, T, 7000, T);
	struct doors *d = doors_make(c);
	const char *s = "198.18.0.2", *dst = "198.18.0.1";

	/* syn,!ack: a SYN/ACK or a bare ACK to a step port is not a knock,
	 * neither a step nor a wrong port. */
	assert_int_equal(feed(d, ev_full(s, 1, dst, 1000, T, TCPF_SYN | TCPF_ACK), 0), 0);
	assert_int_equal(doors_attempts(d, 0), 0);
	feed(d, ev_full(s, 2, dst, 1000, T, TCPF_SYN), 1);
	assert_int_equal(doors_attempts(d, 0), 1);
	log_reset();
	feed(d, ev_full(s, 3, dst, 3000, T, TCPF_ACK), 2);      /* ignored */
	feed(d, ev_full(s, 3, dst, 1000, T, TCPF_RST | TCPF_ACK), 2);
	assert_false(log_has("wrong port"));
	assert_int_equal(doors_attempts(d, 0), 1);
	/* UDP steps know no flags. */
	feed(d, ev_full(s, 4, dst, 2000, U, 0), 3);
	/* Extra flags beside SYN are fine as long as ACK is clear. */
	assert_int_equal(feed(d, ev_full(s, 5, dst, 3000, T, TCPF_SYN | TCPF_PSH), 4), 1);
	assert_int_equal(gr[0].door, 0);

	/* syn,ack requires both. */
	feed(d, ev_full(s, 6, dst, 4000, T, TCPF_SYN), 5);
	assert_int_equal(doors_attempts(d, 1), 0);
	feed(d, ev_full(s, 7, dst, 4000, T, TCPF_ACK), 5);
	assert_int_equal(doors_attempts(d, 1), 0);
	feed(d, ev_full(s, 8, dst, 4000, T, TCPF_SYN | TCPF_ACK), 6);
	assert_int_equal(doors_attempts(d, 1), 1);
	assert_int_equal(feed(d, ev_full(s, 9, dst, 5000, T, TCPF_SYN | TCPF_ACK), 7), 1);
	assert_int_equal(gr[0].door, 1);

	/* Without TCPFlags every TCP packet counts, a stray ACK included:
	 * to a wrong step it ends the attempt. */
	feed(d, ev_full(s, 10, dst, 6000, T, TCPF_SYN), 8);
	assert_int_equal(doors_attempts(d, 2), 1);
	feed(d, ev_full(s, 11, dst, 6000 + 0, T, TCPF_ACK), 9);  /* new sport: wrong, restart */
	assert_int_equal(doors_attempts(d, 2), 1);
	assert_int_equal(feed(d, ev_full(s, 12, dst, 7000, T, TCPF_ACK | TCPF_FIN), 10), 1);
	assert_int_equal(gr[0].door, 2);
	feed(d, ev_full(s, 13, dst, 6000, T, TCPF_RST), 11);
	feed(d, ev_full(s, 14, dst, 6000 + 0, T, 0), 12);
	log_reset();
	feed(d, ev_full(s, 15, dst, 7000, T, 0), 13);     /* null scan packet counts too */
	assert_true(log_has("door noflags: 198.18.0.2: sequence complete"));
	doors_free(d);
	cfg_free(c);
}

static void retransmission_is_ignored(void **state)
{
	(void)state;
	struct config *c = cfg_new(2);
	door_set(c, 0, "rx", 5000, 3, 1000, T, 2000, T, 3000, T);
	door_set(c, 1, "twice", 5000, 3, 5000, T, 5000, T, 6000, T);
	struct doors *d = doors_make(c);
	const char *s = "198.18.0.2";

	feed(d, ev(s, 40000, 1000, T), 0);
	log_reset();
	feed(d, ev(s, 40000, 1000, T), 1000);           /* SYN retransmitted */
	assert_false(log_has("wrong port"));
	assert_true(log_has("repeat of stage 1 ignored"));
	feed(d, ev(s, 40001, 2000, T), 1001);
	feed(d, ev(s, 40001, 2000, T), 2001);           /* again, at stage 2 */
	feed(d, ev(s, 40001, 2000, T), 3001);
	assert_int_equal(feed(d, ev(s, 40002, 3000, T), 3002), 1);

	/* Same step from another source port is a new knock: wrong port. */
	feed(d, ev(s, 40010, 1000, T), 4000);
	feed(d, ev(s, 40011, 2000, T), 4001);
	feed(d, ev(s, 40012, 2000, T), 4002);
	assert_int_equal(doors_attempts(d, 0), 0);

	/* A port repeated in the sequence needs a new source port, and a
	 * retransmission of the first does not count as the second. */
	feed(d, ev(s, 50000, 5000, T), 5000);
	feed(d, ev(s, 50000, 5000, T), 5001);           /* retransmission */
	feed(d, ev(s, 50001, 5000, T), 5002);           /* the real step 2 */
	assert_int_equal(feed(d, ev(s, 50002, 6000, T), 5003), 1);
	assert_int_equal(gr[0].door, 1);
	doors_free(d);
	cfg_free(c);
}

static void target_restricts_destination(void **state)
{
	(void)state;
	struct config *c = cfg_new(1);
	struct door *t = door_set(c, 0, "tgt", 5000, 2, 1000, T, 2000, T);
	t->target = ip("198.18.0.1");
	struct doors *d = doors_make(c);
	const char *s = "198.18.0.2";
	feed(d, ev_full(s, 1, "198.18.0.9", 1000, T, TCPF_SYN), 0);
	assert_int_equal(doors_attempts(d, 0), 0);
	feed(d, ev_full(s, 2, "198.18.0.1", 1000, T, TCPF_SYN), 1);
	assert_int_equal(doors_attempts(d, 0), 1);
	/* A wrong knock to another address does not count either. */
	feed(d, ev_full(s, 3, "198.18.0.9", 1000, T, TCPF_SYN), 2);
	assert_int_equal(feed(d, ev_full(s, 4, "198.18.0.9", 2000, T, TCPF_SYN), 3), 0);
	assert_int_equal(doors_attempts(d, 0), 1);
	/* An IPv6 destination is never an IPv4 target. */
	assert_int_equal(feed(d, ev_full("2001:db8::2", 5, "2001:db8::1", 1000, T, TCPF_SYN), 4), 0);
	assert_int_equal(doors_attempts(d, 0), 1);
	assert_int_equal(feed(d, ev_full(s, 6, "198.18.0.1", 2000, T, TCPF_SYN), 5), 1);
	doors_free(d);
	cfg_free(c);
}

static void interleaved_knockers_are_independent(void **state)
{
	(void)state;
	struct config *c = cfg_new(1);
	door_set(c, 0, "i", 3000, 3, 1000, T, 2000, T, 3000, T);
	struct doors *d = doors_make(c);
	const char *a = "198.18.0.2", *b = "198.18.0.3", *v6 = "2001:db8:5e5::2";
	size_t grants = 0;
	uint64_t t = 0;
	for (int step = 0; step < 3; step++) {
		uint16_t port = (uint16_t)(1000 * (step + 1));
		grants += feed(d, ev(a, (uint16_t)(100 + step), port, T), t += 400);
		grants += feed(d, ev(v6, (uint16_t)(300 + step), port, T), t += 1);
		/* B's first attempt is the oldest when the timer of A's
		 * would fire; knockd lost concurrent attempts there. */
		grants += feed(d, ev(b, (uint16_t)(200 + step), port, T), t += 400);
		if (step < 2)
			assert_true(doors_expire(d, t) > 0);
	}
	assert_int_equal(grants, 3);
	assert_int_equal(doors_attempts(d, 0), 0);

	/* A mistake by one knocker does not touch the other. */
	feed(d, ev(a, 1, 1000, T), 5000);
	feed(d, ev(b, 1, 1000, T), 5001);
	feed(d, ev(a, 2, 3000, T), 5002);               /* A wrong */
	feed(d, ev(b, 2, 2000, T), 5003);
	assert_int_equal(feed(d, ev(b, 3, 3000, T), 5004), 1);
	assert_true(addr_equal(&gr[0].addr, &(struct addr){ .family = AF_INET, .bytes = {198, 18, 0, 3} }));
	doors_free(d);
	cfg_free(c);
}

static void one_source_many_doors(void **state)
{
	(void)state;
	struct config *c = cfg_new(4);
	door_set(c, 0, "x", 5000, 3, 1000, T, 2000, T, 3000, T);
	door_set(c, 1, "y", 5000, 3, 4000, T, 5000, T, 6000, T);
	door_set(c, 2, "z", 5000, 4, 1000, T, 2000, T, 7000, T, 3000, T);  /* shares a prefix with x */
	door_set(c, 3, "x2", 5000, 3, 1000, T, 2000, T, 3000, T);  /* same as x */
	struct doors *d = doors_make(c);
	const char *s = "198.18.0.2";
	feed(d, ev(s, 1, 1000, T), 0);
	feed(d, ev(s, 2, 4000, T), 1);
	feed(d, ev(s, 3, 2000, T), 2);
	feed(d, ev(s, 4, 5000, T), 3);
	assert_int_equal(doors_attempts(d, 0), 1);
	assert_int_equal(doors_attempts(d, 1), 1);
	assert_int_equal(doors_attempts(d, 2), 1);
	log_reset();
	/* One packet completes x and x2, and is a wrong port for z. */
	assert_int_equal(feed(d, ev(s, 5, 3000, T), 4), 2);
	assert_int_equal(gr[0].door, 0);
	assert_int_equal(gr[1].door, 3);
	assert_true(log_has("door z: 198.18.0.2: wrong port 3000:tcp at stage 2"));
	assert_int_equal(doors_attempts(d, 2), 0);
	assert_int_equal(feed(d, ev(s, 6, 6000, T), 5), 1);
	assert_int_equal(gr[0].door, 1);

	/* No room for grants: nothing is written, the attempt still ends. */
	feed(d, ev(s, 7, 1000, T), 10);
	feed(d, ev(s, 8, 2000, T), 11);
	struct knock_event e = ev(s, 9, 3000, T);
	struct grant one;
	assert_int_equal(doors_feed(d, &e, 12, &one, 1), 1);
	assert_int_equal(one.door, 0);
	assert_int_equal(doors_attempts(d, 3), 0);
	doors_free(d);
	cfg_free(c);
}

static void single_step_door(void **state)
{
	(void)state;
	struct config *c = cfg_new(2);
	door_set(c, 0, "one", 5000, 1, 1234, U);
	/* An SPA-only door (no sequence) is not a sequence door: ignored. */
	snprintf(c->doors[1].name, sizeof c->doors[1].name, "spa");
	c->doors[1].spa_format = SPA_FORMAT_SESAME;
	c->doors[1].spa_port = 1234;
	struct doors *d = doors_make(c);
	assert_int_equal(feed(d, ev("198.18.0.2", 1, 1234, U), 0), 1);
	assert_int_equal(gr[0].door, 0);
	assert_int_equal(doors_attempts(d, 0), 0);
	assert_int_equal(doors_expire(d, 1), -1);
	doors_free(d);
	cfg_free(c);
}

static void timeout_from_first_knock(void **state)
{
	(void)state;
	struct config *c = cfg_new(2);
	door_set(c, 0, "t", 3000, 3, 1000, T, 2000, T, 3000, T);
	door_set(c, 1, "slow", 10000, 2, 5000, U, 6000, U);
	struct doors *d = doors_make(c);
	const char *s = "198.18.0.2";

	/* 2.2 s under a 3 s timeout: opens. */
	feed(d, ev(s, 1, 1000, T), 1000);
	feed(d, ev(s, 2, 2000, T), 2100);
	assert_int_equal(feed(d, ev(s, 3, 3000, T), 3200), 1);

	/* 3.2 s: the last step is refused even before the timer ran. */
	feed(d, ev(s, 4, 1000, T), 10000);
	feed(d, ev(s, 5, 2000, T), 12000);
	log_reset();
	assert_int_equal(feed(d, ev(s, 6, 3000, T), 13200), 0);
	assert_true(log_has("door t: 198.18.0.2: timeout at stage 2"));
	assert_int_equal(doors_attempts(d, 0), 0);
	/* Exactly at the deadline is too late as well. */
	feed(d, ev(s, 7, 1000, T), 20000);
	feed(d, ev(s, 8, 2000, T), 21000);
	assert_int_equal(feed(d, ev(s, 9, 3000, T), 23000), 0);
	/* A late first step starts afresh. */
	feed(d, ev(s, 10, 1000, T), 30000);
	feed(d, ev(s, 11, 2000, T), 31000);
	assert_int_equal(feed(d, ev(s, 12, 1000, T), 33500), 0);
	assert_int_equal(doors_attempts(d, 0), 1);
	assert_int_equal(doors_expire(d, 33500), 3000);
	doors_free(d);
	cfg_free(c);
}

static void expire_is_timer_driven(void **state)
{
	(void)state;
	struct config *c = cfg_new(2);
	door_set(c, 0, "t", 3000, 3, 1000, T, 2000, T, 3000, T);
	door_set(c, 1, "slow", 10000, 2, 5000, U, 6000, U);
	struct doors *d = doors_make(c);

	assert_int_equal(doors_expire(d, 0), -1);
	feed(d, ev("198.18.0.2", 1, 1000, T), 1000);      /* t: deadline 4000 */
	feed(d, ev("198.18.0.3", 1, 5000, U), 1500);      /* slow: 11500 */
	feed(d, ev("198.18.0.4", 1, 1000, T), 2000);      /* t: 5000 */
	assert_int_equal(doors_expire(d, 1000), 3000);
	assert_int_equal(doors_expire(d, 3999), 1);
	log_reset();
	assert_int_equal(doors_expire(d, 4000), 1000);
	assert_true(log_has("door t: 198.18.0.2: timeout at stage 1"));
	assert_false(log_has("198.18.0.4"));
	assert_int_equal(doors_attempts(d, 0), 1);
	assert_int_equal(doors_expire(d, 6000), 5500);
	assert_int_equal(doors_attempts(d, 0), 0);
	assert_int_equal(doors_attempts(d, 1), 1);
	assert_int_equal(doors_expire(d, 11500), -1);
	assert_true(log_has("door slow: 198.18.0.3: timeout at stage 1"));
	assert_int_equal(doors_attempts(d, 1), 0);
	doors_free(d);
	cfg_free(c);
}

/* Past stage 1, progress and mistake lines have a budget of their own:
 * a thousand sources knocking their second step within one second write
 * 200 lines and one summary, not a thousand lines. */
static void progress_lines_are_bounded(void **state)
{
	(void)state;
	struct config *c = cfg_new(1);
	c->state_limit = 4096;
	door_set(c, 0, "b", 60000, 3, 1000, T, 2000, T, 3000, T);
	struct doors *d = doors_make(c);
	log_set_level(LOG_INFO);
	struct addr src = { .family = AF_INET };
	struct knock_event e1 = ev("198.18.0.1", 1, 1000, T);
	struct knock_event e2 = ev("198.18.0.1", 2, 2000, T);
	/* First steps spread over seconds (under the stage-1 budget)... */
	for (uint32_t n = 0; n < 1000; n++) {
		uint32_t v = htonl(0xc6130000 + n);     /* 198.19.x.y */
		memcpy(src.bytes, &v, 4);
		e1.saddr = src;
		feed(d, e1, (uint64_t)n * 10);
	}
	log_reset();
	/* ...then every source's second step within 100 ms. */
	for (uint32_t n = 0; n < 1000; n++) {
		uint32_t v = htonl(0xc6130000 + n);
		memcpy(src.bytes, &v, 4);
		e2.saddr = src;
		feed(d, e2, 20000 + n / 10);
	}
	assert_int_equal(log_count(": stage 2"), 200);
	assert_false(log_has("knock log:"));
	/* The summary is due when the second is over, packets or not. */
	int64_t next = doors_expire(d, 20100);
	assert_true(next >= 0 && next <= 1000);
	doors_expire(d, 21000);
	assert_true(log_has("knock log: 800 progress and mistake lines not written in the "
			    "last second (at most 200 a second)"));
	/* And the next second writes again. */
	for (uint32_t n = 0; n < 10; n++) {
		uint32_t v = htonl(0xc6130000 + n);
		memcpy(src.bytes, &v, 4);
		struct knock_event e3 = ev("198.18.0.1", 3, 3000, T);
		e3.saddr = src;
		feed(d, e3, 21500);
	}
	assert_true(log_has(": sequence complete"));
	log_set_level(LOG_DEBUG);
	doors_free(d);
	cfg_free(c);
}

static void flood_does_not_evict_progress(void **state)
{
	(void)state;
	struct config *c = cfg_new(1);
	c->state_limit = 256;
	door_set(c, 0, "f", 60000, 3, 1000, T, 2000, T, 3000, T);
	struct doors *d = doors_make(c);
	log_set_level(LOG_INFO);
	log_reset();

	uint32_t n = 0;
	struct addr src = { .family = AF_INET };
	struct knock_event e = ev("198.18.0.1", 1, 1000, T);
	/* Fill the table with first-step noise... */
	for (; n < c->state_limit; n++) {
		uint32_t v = 0x0a000000 + n;    /* 10.x.y.z, never the knocker */
		memcpy(src.bytes, &v, 4);
		e.saddr = src;
		feed(d, e, n / 64);
	}
	assert_int_equal(doors_attempts(d, 0), c->state_limit);
	/* (at most 200 "stage 1" lines a second: 256 in 4 ms is a flood) */
	assert_int_equal(log_count(": stage 1"), 200);
	/* ...the real knocker gets two steps in... */
	feed(d, ev("198.18.0.2", 7, 1000, T), 10);
	feed(d, ev("198.18.0.2", 8, 2000, T), 11);
	/* ...and ten times the table in new first knocks follow. */
	for (uint32_t k = 0; k < 10 * c->state_limit; k++, n++) {
		uint32_t v = 0x0a000000 + n;
		memcpy(src.bytes, &v, 4);
		e.saddr = src;
		feed(d, e, 12 + k / 64);
		assert_true(doors_attempts(d, 0) <= c->state_limit);
	}
	assert_int_equal(doors_attempts(d, 0), c->state_limit);
	assert_int_equal(feed(d, ev("198.18.0.2", 9, 3000, T), 100), 1);
	struct addr want = ip("198.18.0.2");
	assert_true(addr_equal(&gr[0].addr, &want));
	assert_true(log_has("door f: 198.18.0.2: stage 2"));

	/* The flood cost one summary line, not one line per packet; it is
	 * due when the window ends (the expiry timer is asked to fire). */
	assert_int_equal(log_count(": stage 1"), 200);
	assert_false(log_has("knock flood"));
	/* The window opened at the 201st line, t = 200 / 64 = 3 ms. */
	assert_int_equal(doors_expire(d, 100), 1003 - 100);
	doors_expire(d, 1003);
	assert_true(log_has("knock flood: 2561 attempts evicted (StateLimit 256); not logged: "
			    "2617 \"stage 1\" lines, 0 other stage-1 lines"));
	/* Back to normal: the next first knock is logged. */
	feed(d, ev("198.18.0.3", 1, 1000, T), 2000);
	assert_true(log_has("door f: 198.18.0.3: stage 1"));
	log_set_level(LOG_DEBUG);
	doors_free(d);
	cfg_free(c);
}

/* ---- with the real parser --------------------------------------------- */

static void knockd_conf_end_to_end(void **state)
{
	(void)state;
	static const char conf[] =
		"[options]\n"
		"  UseSyslog\n"
		"[openSSH]\n"
		"  sequence    = 7000,8000:udp,9000\n"
		"  seq_timeout = 3\n"
		"  tcpflags    = syn,!ack\n"
		"  command     = /bin/true %IP%\n"
		"[closeSSH]\n"
		"  sequence    = 9000,8000:udp,7000\n"
		"  seq_timeout = 5\n"
		"  target      = 198.18.0.1\n"
		"  command     = /bin/true %IP%\n";
	struct config *c = NULL;
	assert_int_equal(config_parse("test.conf", conf, sizeof conf - 1, NULL, NULL, &c), 0);
	assert_int_equal(c->ndoors, 2);
	struct doors *d = doors_make(c);
	const char *s = "198.18.0.2", *dst = "198.18.0.1";

	feed(d, ev_full(s, 1, dst, 7000, T, TCPF_SYN), 0);
	feed(d, ev_full(s, 1, dst, 7000, T, TCPF_SYN | TCPF_ACK), 1);   /* not a knock */
	feed(d, ev_full(s, 2, dst, 8000, U, 0), 2);
	assert_int_equal(feed(d, ev_full(s, 3, dst, 9000, T, TCPF_SYN), 2999), 1);
	assert_int_equal(gr[0].door, 0);
	/* 9000 was also closeSSH's first step. */
	assert_int_equal(doors_attempts(d, 1), 1);
	feed(d, ev_full(s, 4, dst, 8000, U, 0), 4000);
	assert_int_equal(feed(d, ev_full(s, 5, dst, 7000, T, TCPF_ACK), 4001), 1);
	assert_int_equal(gr[0].door, 1);
	/* Seq_Timeout is seconds in the file, milliseconds here. */
	feed(d, ev_full(s, 6, dst, 7000, T, TCPF_SYN), 10000);
	assert_int_equal(doors_expire(d, 10000), 3000);
	doors_free(d);
	config_free(c);
}

/* ---- reload ------------------------------------------------------------ */

static void reload_keeps_unchanged_doors(void **state)
{
	(void)state;
	struct config *c1 = cfg_new(3);
	door_set(c1, 0, "keep", 5000, 3, 1000, T, 2000, T, 3000, T);
	door_set(c1, 1, "change", 5000, 3, 4000, T, 5000, T, 6000, T);
	door_set(c1, 2, "gone", 5000, 2, 7000, T, 8000, T);
	struct doors *d = doors_make(c1);
	const char *s = "198.18.0.2";
	feed(d, ev(s, 1, 1000, T), 0);
	feed(d, ev(s, 2, 2000, T), 1);
	feed(d, ev("198.18.0.3", 1, 1000, T), 2);
	feed(d, ev(s, 3, 4000, T), 3);
	feed(d, ev(s, 4, 7000, T), 4);

	/* New order, one sequence changed, one door removed, one added. */
	struct config *c2 = cfg_new(3);
	door_set(c2, 0, "new", 5000, 2, 9000, T, 9001, T);
	door_set(c2, 1, "change", 5000, 3, 4000, T, 5000, T, 6001, T);
	door_set(c2, 2, "keep", 4000, 3, 1000, T, 2000, T, 3000, T);
	log_reset();
	assert_int_equal(doors_reload(d, c2), 0);
	cfg_free(c1);                   /* the old config may go now */
	assert_true(log_has("reload: 2 attempts kept, 2 dropped"));
	assert_int_equal(doors_attempts(d, 2), 2);
	assert_int_equal(doors_attempts(d, 1), 0);
	assert_int_equal(doors_attempts(d, 0), 0);

	/* The kept attempt finishes under its new index... */
	assert_int_equal(feed(d, ev(s, 5, 3000, T), 100), 1);
	assert_int_equal(gr[0].door, 2);
	/* ...the dropped one has to start over. */
	assert_int_equal(feed(d, ev(s, 6, 5000, T), 101), 0);
	assert_int_equal(doors_attempts(d, 1), 0);
	/* The new door's timeout (4 s) applies from the original start. */
	assert_int_equal(doors_expire(d, 200), 4000 - 200 + 2);
	assert_int_equal(doors_expire(d, 4002), -1);
	doors_free(d);
	cfg_free(c2);
}

static void reload_failure_keeps_old(void **state)
{
	(void)state;
	struct config *c1 = cfg_new(1);
	door_set(c1, 0, "keep", 5000, 2, 1000, T, 2000, T);
	struct doors *d = doors_make(c1);
	feed(d, ev("198.18.0.2", 1, 1000, T), 0);
	struct config *bad = cfg_new(1);
	door_set(bad, 0, "keep", 5000, 2, 1000, T, 2000, T);
	bad->state_limit = 0;
	assert_int_equal(doors_reload(d, bad), -EINVAL);
	assert_int_equal(doors_attempts(d, 0), 1);
	assert_int_equal(feed(d, ev("198.18.0.2", 2, 2000, T), 1), 1);
	doors_free(d);
	cfg_free(c1);
	cfg_free(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sequence_opens_with_one_grant),
		cmocka_unit_test(protocol_is_part_of_the_step),
		cmocka_unit_test(wrong_port_ends_or_restarts),
		cmocka_unit_test(restart_resets_the_clock),
		cmocka_unit_test(tcpflags_filter_not_count),
		cmocka_unit_test(retransmission_is_ignored),
		cmocka_unit_test(target_restricts_destination),
		cmocka_unit_test(interleaved_knockers_are_independent),
		cmocka_unit_test(one_source_many_doors),
		cmocka_unit_test(single_step_door),
		cmocka_unit_test(timeout_from_first_knock),
		cmocka_unit_test(expire_is_timer_driven),
		cmocka_unit_test(flood_does_not_evict_progress),
		cmocka_unit_test(progress_lines_are_bounded),
		cmocka_unit_test(knockd_conf_end_to_end),
		cmocka_unit_test(reload_keeps_unchanged_doors),
		cmocka_unit_test(reload_failure_keeps_old),
	};
	return cmocka_run_group_tests(tests, log_setup, log_teardown);
}
