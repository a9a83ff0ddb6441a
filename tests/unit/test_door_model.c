/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Randomized comparison of doors_feed/doors_expire with a naive,
 * unbounded reading of the rules in docs/knocking.md: a list of attempts
 * searched linearly, no table, no eviction (the table is large enough
 * that none happens).  Any difference in grants or attempt counts fails. */
#include "door_fixture.h"


struct naive {
	bool live;
	int src;
	uint32_t door;
	unsigned stage;
	uint16_t sport;
	uint64_t start;
};

static uint64_t rs = 0x853c49e6748fea9bull;
static uint32_t rnd(uint32_t n)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)(rs % n);
}

static bool naive_concerns(const struct door *dr, const struct knock_event *e)
{
	if (dr->target.family && !addr_equal(&dr->target, &e->daddr))
		return false;
	if (e->proto == PROTO_TCP && dr->has_tcpflags &&
	    ((e->tcpflags & dr->tcpflags_set) != dr->tcpflags_set ||
	     (e->tcpflags & dr->tcpflags_clear)))
		return false;
	for (size_t k = 0; k < dr->seq_len; k++)
		if (dr->seq[k].port == e->dport && dr->seq[k].proto == e->proto)
			return true;
	return false;
}

static bool is_step(const struct door *dr, size_t k, const struct knock_event *e)
{
	return dr->seq[k].port == e->dport && dr->seq[k].proto == e->proto;
}

static void matches_naive_rules(void **state)
{
	(void)state;
	struct config *c = cfg_new(4);
	struct door *d0 = door_set(c, 0, "d0", 2000, 3, 1000, T, 2000, T, 3000, T);
	d0->has_tcpflags = true;
	d0->tcpflags_set = TCPF_SYN;
	d0->tcpflags_clear = TCPF_ACK;
	door_set(c, 1, "d1", 1500, 3, 2000, T, 2000, T, 1000, U);
	struct door *d2 = door_set(c, 2, "d2", 2000, 1, 3000, T);
	d2->target = ip("198.18.0.1");
	door_set(c, 3, "d3", 2500, 4, 1000, U, 3000, T, 1000, T, 2000, U);
	struct doors *d = doors_make(c);
	int level = log_get_level();
	log_set_level(LOG_ERR);

	static const char *srcs[] = { "198.18.0.2", "198.18.0.3", "198.18.0.4",
				      "2001:db8::2", "2001:db8::3" };
	static const uint16_t ports[] = { 1000, 2000, 3000, 4000 };
	static const uint8_t flags[] = { TCPF_SYN, TCPF_SYN, TCPF_ACK, TCPF_SYN | TCPF_ACK, 0 };
	enum { NSRC = 5, M = 64 };
	struct naive m[M];
	memset(m, 0, sizeof m);
	uint64_t now = 0;
	size_t total_grants = 0;

	for (int step = 0; step < 200000; step++) {
		now += rnd(4) ? rnd(300) : rnd(2500);
		if (rnd(16) == 0) {
			doors_expire(d, now);
			for (size_t k = 0; k < M; k++)
				if (m[k].live && now >= m[k].start + c->doors[m[k].door].seq_timeout_ms)
					m[k].live = false;
		}
		int si = (int)rnd(NSRC);
		bool six = strchr(srcs[si], ':') != NULL;
		struct knock_event e = ev_full(srcs[si], (uint16_t)(1 + rnd(3)),
					       six ? "2001:db8::1" : rnd(4) ? "198.18.0.1" : "198.18.0.9",
					       ports[rnd(4)], rnd(3) ? T : U, flags[rnd(5)]);
		size_t want = 0;
		uint32_t want_door[4];
		for (uint32_t i = 0; i < c->ndoors; i++) {
			const struct door *dr = &c->doors[i];
			if (!naive_concerns(dr, &e))
				continue;
			struct naive *a = NULL;
			for (size_t k = 0; k < M && !a; k++)
				if (m[k].live && m[k].src == si && m[k].door == i)
					a = &m[k];
			if (a && now >= a->start + dr->seq_timeout_ms) {
				a->live = false;
				a = NULL;
			}
			if (!a) {
				if (!is_step(dr, 0, &e))
					continue;
				if (dr->seq_len == 1) {
					want_door[want++] = i;
					continue;
				}
				size_t k = 0;
				while (m[k].live)
					k++;
				assert_true(k < M);
				m[k] = (struct naive){ true, si, i, 1, e.sport, now };
				continue;
			}
			if (e.sport == a->sport && is_step(dr, a->stage - 1, &e))
				continue;
			if (is_step(dr, a->stage, &e)) {
				a->sport = e.sport;
				if (++a->stage == dr->seq_len) {
					a->live = false;
					want_door[want++] = i;
				}
				continue;
			}
			if (is_step(dr, 0, &e)) {
				a->stage = 1;
				a->sport = e.sport;
				a->start = now;
			} else {
				a->live = false;
			}
		}
		size_t got = feed(d, e, now);
		assert_int_equal(got, want);
		for (size_t g = 0; g < got; g++) {
			assert_int_equal(gr[g].door, want_door[g]);
			assert_true(addr_equal(&gr[g].addr, &e.saddr));
		}
		total_grants += got;
		for (uint32_t i = 0; i < c->ndoors; i++) {
			size_t cnt = 0;
			for (size_t k = 0; k < M; k++)
				cnt += m[k].live && m[k].door == i;
			assert_int_equal(doors_attempts(d, i), cnt);
		}
	}
	/* The walk must have opened doors often enough to mean something. */
	assert_true(total_grants > 1000);
	log_set_level(level);
	doors_free(d);
	cfg_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(matches_naive_rules),
	};
	return cmocka_run_group_tests(tests, log_setup, log_teardown);
}
