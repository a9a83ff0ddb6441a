/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the SPA doors (spa_door.c): every rejection reason with
 * its log line, grants and their policy, replay within a run and after a
 * reload from the cache file, forgeries that must not lock anyone out,
 * the per-key rate limiter, packets bound to their port and door, the
 * legacy version, SPA_Require_Address, repeated ports, the log limiter,
 * key file refusals, and an fwknop-format door through the same
 * pipeline. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/rand.h>

#include "fwknop.h"
#include "log.h"
#include "spa.h"
#include "spa_door.h"
#include "spa_keys.h"

#define NOW 1800000000ull

static char dir[64], keys_path[128], keys2_path[128], cache_path[128], log_path[128];
static struct spa_key alice, bob, mallory;
static struct door doors[4];
static struct config cfg;
static unsigned src_n;                  /* fresh source per packet */

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void keyline(const struct spa_key *k, char *buf, size_t len)
{
	assert_int_equal(spa_keyline_format(k, buf, len), 0);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/sesame-spadoor-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(keys_path, sizeof keys_path, "%s/keys", dir);
	snprintf(keys2_path, sizeof keys2_path, "%s/keys2", dir);
	snprintf(cache_path, sizeof cache_path, "%s/replay", dir);
	snprintf(log_path, sizeof log_path, "%s/log", dir);
	assert_int_equal(spa_key_generate("alice", &alice), 0);
	assert_int_equal(spa_key_generate("bob", &bob), 0);
	assert_int_equal(spa_key_generate("mallory", &mallory), 0);
	char l1[SPA_KEYLINE_MAX], l2[SPA_KEYLINE_MAX], text[512];
	keyline(&alice, l1, sizeof l1);
	keyline(&bob, l2, sizeof l2);
	snprintf(text, sizeof text, "# test keys\n%s%s", l1, l2);
	write_file(keys_path, text, 0600);
	write_file(keys2_path, l2, 0600);

	memset(doors, 0, sizeof doors);
	memset(&cfg, 0, sizeof cfg);
	/* ssh: default policy.  nat: a CIDR list.  any: yes.  fwk: fwknop. */
	struct door *d = &doors[0];
	snprintf(d->name, sizeof d->name, "ssh");
	d->spa_format = SPA_FORMAT_SESAME;
	d->spa_port = 62201;
	d->spa_keys = keys_path;
	d->spa_window_s = 30;
	d->open[0] = (struct port_proto){ 22, PROTO_TCP };
	d->open[1] = (struct port_proto){ 443, PROTO_TCP };
	d->open[2] = (struct port_proto){ 53, PROTO_UDP };
	d->open_len = 3;
	d->open_timeout_s = 30;
	d = &doors[1];
	snprintf(d->name, sizeof d->name, "nat");
	d->spa_format = SPA_FORMAT_SESAME;
	d->spa_port = 62202;
	d->spa_keys = keys_path;
	d->spa_window_s = 30;
	d->open[0] = (struct port_proto){ 22, PROTO_TCP };
	d->open_len = 1;
	d->open_timeout_s = 30;
	d->allow = ALLOW_CIDR;
	assert_true(cidr_parse("203.0.113.0/24", &d->allow_nets[0]));
	assert_true(cidr_parse("2001:db8:77::/48", &d->allow_nets[1]));
	d->allow_len = 2;
	d = &doors[2];
	snprintf(d->name, sizeof d->name, "any");
	d->spa_format = SPA_FORMAT_SESAME;
	d->spa_port = 62203;
	d->spa_keys = keys2_path;
	d->spa_window_s = 30;
	d->open[0] = (struct port_proto){ 22, PROTO_TCP };
	d->open_len = 1;
	d->allow = ALLOW_YES;
	d = &doors[3];
	snprintf(d->name, sizeof d->name, "fwk");
	d->spa_format = SPA_FORMAT_FWKNOP;
	d->spa_port = 62201;                  /* shares the port with ssh */
	d->spa_window_s = 120;
	memcpy(d->fwknop_key, "0123456789abcdef0123456789abcdef", 32);
	d->fwknop_key_len = 32;
	memcpy(d->fwknop_hmac_key, "hmac-key-hmac-key-hmac-key-hmac-key", 35);
	d->fwknop_hmac_key_len = 35;
	d->fwknop_hmac_digest = HMAC_SHA256;
	d->open[0] = (struct port_proto){ 22, PROTO_TCP };
	d->open_len = 1;
	d->open_timeout_s = 60;
	cfg.doors = doors;
	cfg.ndoors = 4;
	cfg.replay_cache = cache_path;
	cfg.path = "test.conf";

	log_to_stderr(false);
	log_set_level(LOG_INFO);
	assert_int_equal(log_to_file(log_path), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	log_close();
	char p[160];
	const char *names[] = { "keys", "keys2", "replay", "replay.tmp", "log" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

/* Log lines written so far, and how many contain NEEDLE. */
static unsigned log_count(const char *needle)
{
	FILE *f = fopen(log_path, "r");
	assert_non_null(f);
	char line[1024];
	unsigned n = 0;
	while (fgets(line, sizeof line, f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static struct addr src(void)
{
	/* 198.18.x.y, a different one per call (rate limits are per source). */
	src_n++;
	struct addr a;
	char s[32];
	snprintf(s, sizeof s, "198.18.%u.%u", (src_n >> 8) & 255, src_n & 255);
	assert_true(addr_parse(s, &a));
	return a;
}

/* A version 2 packet of key K for DPORT (door DOOR when not NULL). */
static void packet_for(uint16_t dport, const char *door, const struct spa_key *k, uint64_t ts,
		       const char *addr, const struct port_proto *ports, size_t n,
		       uint8_t out[SPA_PACKET_LEN])
{
	struct spa_request req = { .timestamp = ts, .nports = n, .dport = dport };
	if (door)
		spa_door_tag(door, req.door_tag);
	if (addr)
		assert_true(addr_parse(addr, &req.addr));
	if (n)
		memcpy(req.ports, ports, n * sizeof *ports);
	uint8_t nonce[SPA_NONCE_LEN];
	assert_int_equal(RAND_bytes(nonce, sizeof nonce), 1);
	assert_int_equal(spa_encode(NULL, k->key, nonce, &req, out), 0);
}

/* ... for door ssh's port, 62201. */
static void packet(const struct spa_key *k, uint64_t ts, const char *addr,
		   const struct port_proto *ports, size_t n, uint8_t out[SPA_PACKET_LEN])
{
	packet_for(62201, NULL, k, ts, addr, ports, n, out);
}

/* spa_doors_check() with a monotonic clock a second further each call,
 * so that only the tests of the rate limit meet it. */
static uint64_t mono_ms;
static bool check(struct spa_doors *s, const struct knock_event *ev, uint64_t now_s,
		  struct grant *gr)
{
	mono_ms += 1000;
	return spa_doors_check(s, ev, now_s, mono_ms, gr);
}

static struct knock_event event(struct addr from, uint16_t dport, const uint8_t *p, size_t len)
{
	struct knock_event ev = { .saddr = from, .proto = PROTO_UDP, .sport = 40000,
				  .dport = dport, .payload = p, .payload_len = len,
				  .time_us = NOW * 1000000ull };
	assert_true(addr_parse(from.family == AF_INET ? "198.18.0.1" : "2001:db8:5e5::1", &ev.daddr));
	return ev;
}

static struct spa_doors *open_doors(void)
{
	struct spa_doors *s;
	assert_int_equal(spa_doors_new(&cfg, &s), 0);
	return s;
}

/* Sends P from a fresh source to DPORT; expects refusal with REASON logged
 * once, with the source's address on the line. */
static void expect_refused(struct spa_doors *s, uint16_t dport, const uint8_t *p, size_t len,
			   const char *reason)
{
	struct addr from = src();
	char a[ADDR_STRLEN], needle[160];
	addr_format(&from, a, sizeof a);
	snprintf(needle, sizeof needle, ": %s: SPA refused: %s", a, reason);
	unsigned before = log_count(needle);
	struct knock_event ev = event(from, dport, p, len);
	struct grant gr;
	assert_false(check(s, &ev, NOW, &gr));
	if (log_count(needle) != before + 1)
		fail_msg("no log line '%s'", needle);
}

static void test_grant_default_and_subset(void **state)
{
	(void)state;
	struct spa_doors *s = open_doors();
	uint8_t p[SPA_PACKET_LEN];
	struct grant gr;
	packet(&alice, NOW, NULL, NULL, 0, p);
	struct addr from = src();
	struct knock_event ev = event(from, 62201, p, sizeof p);
	assert_true(check(s, &ev, NOW, &gr));
	assert_int_equal(gr.door, 0);
	assert_true(addr_equal(&gr.addr, &from));
	assert_int_equal(gr.nports, 0);
	assert_int_equal(gr.timeout_s, 0);
	assert_int_equal(log_count("SPA accepted: key alice"), 1);

	struct port_proto want[2] = { { 443, PROTO_TCP }, { 53, PROTO_UDP } };
	packet(&bob, NOW - 30, NULL, want, 2, p);      /* edge of the window */
	assert_true(addr_parse("2001:db8:5e5::2", &from));
	ev = event(from, 62201, p, sizeof p);
	assert_true(check(s, &ev, NOW, &gr));
	assert_int_equal(gr.door, 0);
	assert_true(addr_equal(&gr.addr, &from));
	assert_int_equal(gr.nports, 2);
	assert_int_equal(gr.ports[0].port, 443);
	assert_int_equal(gr.ports[1].proto, PROTO_UDP);
	assert_true(grant_validate(&gr, &cfg));
	struct spa_stats st;
	spa_doors_stats(s, &st);
	assert_int_equal(st.seen, 2);
	assert_int_equal(st.granted, 2);
	assert_int_equal(st.rejected, 0);
	spa_doors_free(s);
}

static void test_each_rejection_reason(void **state)
{
	(void)state;
	struct spa_doors *s = open_doors();
	uint8_t p[SPA_PACKET_LEN + 1];
	struct port_proto p22 = { 22, PROTO_TCP }, p23 = { 23, PROTO_TCP }, u22 = { 22, PROTO_UDP };

	packet(&mallory, NOW, NULL, NULL, 0, p);
	expect_refused(s, 62201, p, SPA_PACKET_LEN, "unknown key id");
	/* Bob's key is on door "any" (62203) only through keys2, but alice's
	 * is not: a key is bound to its door's port. */
	packet(&alice, NOW, NULL, NULL, 0, p);
	expect_refused(s, 62203, p, SPA_PACKET_LEN, "unknown key id");

	/* Wrong key: alice's key id on a packet sealed with mallory's key. */
	packet(&mallory, NOW, NULL, NULL, 0, p);
	memcpy(p + 1, alice.id, SPA_KEYID_LEN);
	expect_refused(s, 62201, p, SPA_PACKET_LEN, "authentication failed");

	packet(&alice, NOW - 31, NULL, NULL, 0, p);
	expect_refused(s, 62201, p, SPA_PACKET_LEN, "stale timestamp");
	packet(&alice, NOW + 31, NULL, NULL, 0, p);
	expect_refused(s, 62201, p, SPA_PACKET_LEN, "future timestamp");
	packet(&alice, 0, NULL, NULL, 0, p);
	expect_refused(s, 62201, p, SPA_PACKET_LEN, "stale timestamp");
	packet(&alice, UINT64_MAX, NULL, NULL, 0, p);
	expect_refused(s, 62201, p, SPA_PACKET_LEN, "future timestamp");

	/* Sizes and versions on the native-only port (on 62201, shared with
	 * an fwknop door, anything not native-shaped is fwknop's to judge). */
	packet(&alice, NOW, NULL, NULL, 0, p);
	expect_refused(s, 62202, p, SPA_PACKET_LEN - 1, "bad size");
	p[SPA_PACKET_LEN] = 0;
	expect_refused(s, 62202, p, SPA_PACKET_LEN + 1, "bad size");
	expect_refused(s, 62202, p, 0, "bad size");
	expect_refused(s, 62201, p, SPA_PACKET_LEN - 1, "malformed request: fwknop");
	p[0] = 3;
	expect_refused(s, 62202, p, SPA_PACKET_LEN, "unknown version");

	packet(&alice, NOW, NULL, &p23, 1, p);
	expect_refused(s, 62201, p, SPA_PACKET_LEN, "port not in the door's Open");
	packet(&alice, NOW, NULL, &u22, 1, p);        /* right port, wrong proto */
	expect_refused(s, 62201, p, SPA_PACKET_LEN, "port not in the door's Open");

	/* --allow another address under the default policy. */
	packet(&alice, NOW, "203.0.113.9", &p22, 1, p);
	expect_refused(s, 62201, p, SPA_PACKET_LEN, "address not allowed");
	/* CIDR policy: outside the list. */
	packet_for(62202, NULL, &alice, NOW, "192.0.2.1", &p22, 1, p);
	expect_refused(s, 62202, p, SPA_PACKET_LEN, "address not allowed");
	packet_for(62202, NULL, &alice, NOW, "2001:db8:78::1", &p22, 1, p);
	expect_refused(s, 62202, p, SPA_PACKET_LEN, "address not allowed");

	struct spa_stats st;
	spa_doors_stats(s, &st);
	assert_int_equal(st.granted, 0);
	assert_int_equal(st.rejected, st.seen);
	spa_doors_free(s);
}

static void test_every_flipped_bit(void **state)
{
	(void)state;
	struct spa_doors *s = open_doors();
	uint8_t p[SPA_PACKET_LEN], bad[SPA_PACKET_LEN];
	packet(&alice, NOW, NULL, NULL, 0, p);
	for (size_t bit = 0; bit < 8 * SPA_PACKET_LEN; bit++) {
		memcpy(bad, p, sizeof bad);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		struct knock_event ev = event(src(), 62201, bad, sizeof bad);
		struct grant gr;
		assert_false(check(s, &ev, NOW, &gr));
	}
	struct spa_stats st;
	spa_doors_stats(s, &st);
	assert_int_equal(st.rejected, 8 * SPA_PACKET_LEN);
	assert_int_equal(st.granted, 0);
	/* The original still opens: no flipped copy burnt its nonce. */
	struct knock_event ev = event(src(), 62201, p, sizeof p);
	struct grant gr;
	assert_true(check(s, &ev, NOW, &gr));
	spa_doors_free(s);
}

static void test_allowed_addresses(void **state)
{
	(void)state;
	struct spa_doors *s = open_doors();
	uint8_t p[SPA_PACKET_LEN];
	struct port_proto p22 = { 22, PROTO_TCP };
	struct grant gr;
	struct addr want;

	packet_for(62202, NULL, &alice, NOW, "203.0.113.9", &p22, 1, p);
	struct knock_event ev = event(src(), 62202, p, sizeof p);
	assert_true(check(s, &ev, NOW, &gr));
	assert_int_equal(gr.door, 1);
	assert_true(addr_parse("203.0.113.9", &want));
	assert_true(addr_equal(&gr.addr, &want));

	packet_for(62202, NULL, &alice, NOW, "2001:db8:77::5", &p22, 1, p);
	ev = event(src(), 62202, p, sizeof p);
	assert_true(check(s, &ev, NOW, &gr));
	assert_true(addr_parse("2001:db8:77::5", &want));
	assert_true(addr_equal(&gr.addr, &want));

	/* yes: anything. */
	packet_for(62203, NULL, &bob, NOW, "192.0.2.77", NULL, 0, p);
	ev = event(src(), 62203, p, sizeof p);
	assert_true(check(s, &ev, NOW, &gr));
	assert_int_equal(gr.door, 2);
	assert_true(addr_parse("192.0.2.77", &want));
	assert_true(addr_equal(&gr.addr, &want));

	/* Naming one's own source address is fine under the default policy. */
	struct addr from = src();
	char a[ADDR_STRLEN];
	packet(&alice, NOW, addr_format(&from, a, sizeof a), NULL, 0, p);
	ev = event(from, 62201, p, sizeof p);
	assert_true(check(s, &ev, NOW, &gr));
	assert_true(addr_equal(&gr.addr, &from));
	spa_doors_free(s);
}

static void test_replay_in_run_and_after_reload(void **state)
{
	(void)state;
	struct spa_doors *s = open_doors();
	uint8_t p[SPA_PACKET_LEN], q[SPA_PACKET_LEN];
	struct grant gr;
	packet(&alice, NOW, NULL, NULL, 0, p);
	packet(&bob, NOW - 10, NULL, NULL, 0, q);
	struct knock_event ev = event(src(), 62201, p, sizeof p);
	assert_true(check(s, &ev, NOW, &gr));
	expect_refused(s, 62201, p, sizeof p, "replayed packet");
	ev = event(src(), 62201, q, sizeof q);
	assert_true(check(s, &ev, NOW, &gr));
	struct spa_stats st;
	spa_doors_stats(s, &st);
	assert_int_equal(st.replayed, 1);
	/* "Crash": nothing more is written at free; only the file counts. */
	spa_doors_free(s);

	/* A torn record at the end (a crash mid-append) is tolerated. */
	int fd = open(cache_path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "torn-record", 11), 11);
	close(fd);

	s = open_doors();
	expect_refused(s, 62201, p, sizeof p, "replayed packet");
	expect_refused(s, 62201, q, sizeof q, "replayed packet");
	/* Later, past the window, the entry is gone and the time check is
	 * what refuses it. */
	struct knock_event late = event(src(), 62201, p, sizeof p);
	assert_false(check(s, &late, NOW + 31, &gr));
	assert_int_equal(log_count("SPA refused: stale timestamp"), 1);
	spa_doors_free(s);
}

/* Packets in a victim's name (its source address, its public key id, or
 * anything for an fwknop door) cost the victim nothing: its genuine
 * packet right after them, in the same millisecond, opens. */
static void test_forgeries_do_not_lock_out(void **state)
{
	(void)state;
	struct spa_doors *s = open_doors();
	struct grant gr;
	const char *victims[] = { "198.18.7.7", "2001:db8:1:2::1" };
	for (size_t v = 0; v < 2; v++) {
		struct addr victim;
		assert_true(addr_parse(victims[v], &victim));
		uint8_t forged[SPA_PACKET_LEN];
		packet(&mallory, NOW, NULL, NULL, 0, forged);
		memcpy(forged + 1, alice.id, SPA_KEYID_LEN);
		struct knock_event ev = event(victim, 62201, forged, sizeof forged);
		for (int i = 0; i < 50; i++)
			assert_false(spa_doors_check(s, &ev, NOW, 5000, &gr));
		const char junk[] = "not-an-fwknop-packet-but-long-enough-to-be-tried-"
				    "as-one-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop";
		ev = event(victim, 62201, (const uint8_t *)junk, sizeof junk - 1);
		for (int i = 0; i < 50; i++)
			assert_false(spa_doors_check(s, &ev, NOW, 5000, &gr));
		uint8_t good[SPA_PACKET_LEN];
		packet(&alice, NOW, NULL, NULL, 0, good);
		ev = event(victim, 62201, good, sizeof good);
		assert_true(spa_doors_check(s, &ev, NOW, 5000, &gr));
		assert_true(addr_equal(&gr.addr, &victim));
	}
	assert_int_equal(log_count("rate limited"), 0);
	spa_doors_free(s);
}

/* The rate limit is per key, on the monotonic clock, and spent only by
 * the key's own fresh packets. */
static void test_rate_limit_per_key(void **state)
{
	(void)state;
	struct spa_doors *s = open_doors();
	struct grant gr;
	uint8_t p[12][SPA_PACKET_LEN];
	struct addr from = src();
	const uint64_t t0 = 1000000;
	for (int i = 0; i < 12; i++)
		packet(&alice, NOW, NULL, NULL, 0, p[i]);
	for (int i = 0; i < 10; i++) {
		struct knock_event ev = event(src(), 62201, p[i], sizeof p[i]);
		assert_true(spa_doors_check(s, &ev, NOW, t0, &gr));
	}
	/* Replays of them are refused as replays and cost alice nothing ... */
	struct knock_event ev = event(from, 62201, p[0], sizeof p[0]);
	assert_false(spa_doors_check(s, &ev, NOW, t0 + 400, &gr));
	assert_int_equal(log_count("replayed packet"), 1);
	/* ... her 11th fresh one in the burst is limited, from any source ... */
	ev = event(src(), 62201, p[10], sizeof p[10]);
	assert_false(spa_doors_check(s, &ev, NOW, t0, &gr));
	assert_int_equal(log_count("SPA refused: rate limited: alice"), 1);
	/* ... bob is not ... */
	uint8_t q[SPA_PACKET_LEN];
	packet(&bob, NOW, NULL, NULL, 0, q);
	ev = event(from, 62201, q, sizeof q);
	assert_true(spa_doors_check(s, &ev, NOW, t0, &gr));
	/* ... and 200 ms of the monotonic clock later (5/s) alice has one
	 * token again, whatever the wall clock did meanwhile (an hour back). */
	packet(&alice, NOW - 3600, NULL, NULL, 0, p[11]);
	ev = event(src(), 62201, p[11], sizeof p[11]);
	assert_true(spa_doors_check(s, &ev, NOW - 3600, t0 + 400, &gr));
	spa_doors_free(s);
}

/* A version 2 packet is good at the port it was sent to, for the door it
 * names: redirected elsewhere it opens nothing, and the original, not
 * burnt by the copy, still opens. */
static void test_bound_to_port_and_door(void **state)
{
	(void)state;
	struct spa_doors *s = open_doors();
	struct grant gr;
	struct port_proto p22 = { 22, PROTO_TCP };
	uint8_t p[SPA_PACKET_LEN];
	/* Alice's key is on ssh (62201) and nat (62202). */
	packet_for(62201, NULL, &alice, NOW, NULL, &p22, 1, p);
	expect_refused(s, 62202, p, sizeof p, "made for another port: alice sent it to port 62201");
	struct knock_event ev = event(src(), 62201, p, sizeof p);
	assert_true(check(s, &ev, NOW, &gr));
	assert_int_equal(gr.door, 0);

	packet_for(62202, "ssh", &alice, NOW, NULL, &p22, 1, p);
	expect_refused(s, 62202, p, sizeof p, "made for another door: alice");
	packet_for(62202, "nat", &alice, NOW, NULL, &p22, 1, p);
	ev = event(src(), 62202, p, sizeof p);
	assert_true(check(s, &ev, NOW, &gr));
	assert_int_equal(gr.door, 1);
	spa_doors_free(s);
}

/* Version 1 packets name no port: refused unless the door says
 * SPA_Accept_V1, and refused as such before any AEAD work. */
static void test_legacy_version(void **state)
{
	(void)state;
	struct spa_request req = { .version = SPA_VERSION_LEGACY, .timestamp = NOW };
	uint8_t nonce[SPA_NONCE_LEN] = { 1 }, p[SPA_PACKET_LEN];
	assert_int_equal(spa_encode(NULL, alice.key, nonce, &req, p), 0);
	struct spa_doors *s = open_doors();
	expect_refused(s, 62201, p, sizeof p, "protocol version 1");
	spa_doors_free(s);
	doors[0].spa_accept_v1 = true;
	s = open_doors();
	struct knock_event ev = event(src(), 62201, p, sizeof p);
	struct grant gr;
	assert_true(check(s, &ev, NOW, &gr));
	/* ... at any port holding the key: nat does not accept version 1. */
	nonce[0] = 2;
	assert_int_equal(spa_encode(NULL, alice.key, nonce, &req, p), 0);
	expect_refused(s, 62202, p, sizeof p, "protocol version 1");
	doors[0].spa_accept_v1 = false;
	spa_doors_free(s);
}

static void test_require_address(void **state)
{
	(void)state;
	doors[0].spa_require_address = true;
	doors[3].spa_require_address = true;
	struct spa_doors *s = open_doors();
	uint8_t p[SPA_PACKET_LEN];
	packet(&alice, NOW, NULL, NULL, 0, p);
	expect_refused(s, 62201, p, sizeof p, "no address named (SPA_Require_Address): alice");
	struct addr from = src();
	char a[ADDR_STRLEN];
	packet(&alice, NOW, addr_format(&from, a, sizeof a), NULL, 0, p);
	struct knock_event ev = event(from, 62201, p, sizeof p);
	struct grant gr;
	assert_true(check(s, &ev, NOW, &gr));
	assert_true(addr_equal(&gr.addr, &from));
	/* fwknop: 0.0.0.0 (fwknop -s) names no address. */
	const struct door *d = &doors[3];
	struct fwknop_keys k = {
		.key = d->fwknop_key, .key_len = d->fwknop_key_len,
		.hmac_key = d->fwknop_hmac_key, .hmac_key_len = d->fwknop_hmac_key_len,
		.hmac_digest = HMAC_SHA256,
	};
	struct port_proto p22 = { 22, PROTO_TCP };
	struct fwknop_msg msg;
	char wire[FWKNOP_WIRE_MAX + 1];
	uint8_t salt[FWKNOP_SALT_LEN] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	assert_int_equal(fwknop_msg_access(&msg, "alice", NOW, NULL, &p22, 1, 0), FWKNOP_OK);
	long n = fwknop_encode(&msg, &k, salt, wire, sizeof wire);
	assert_true(n > 0);
	expect_refused(s, 62201, (const uint8_t *)wire, (size_t)n,
		       "no address named (SPA_Require_Address): fwknop");
	doors[0].spa_require_address = false;
	doors[3].spa_require_address = false;
	spa_doors_free(s);
}

/* A port asked for twice is granted once: the grant passes the parent's
 * check (before, it was refused there and the worker killed). */
static void test_duplicate_ports(void **state)
{
	(void)state;
	struct spa_doors *s = open_doors();
	struct port_proto ask[4] = { { 22, PROTO_TCP }, { 22, PROTO_TCP }, { 443, PROTO_TCP },
				     { 22, PROTO_TCP } };
	uint8_t p[SPA_PACKET_LEN];
	packet(&alice, NOW, NULL, ask, 4, p);
	struct knock_event ev = event(src(), 62201, p, sizeof p);
	struct grant gr;
	assert_true(check(s, &ev, NOW, &gr));
	assert_int_equal(gr.nports, 2);
	assert_int_equal(gr.ports[0].port, 22);
	assert_int_equal(gr.ports[1].port, 443);
	assert_true(grant_validate(&gr, &cfg));
	/* Door nat has one port: 22,22 is one port, not more than it has. */
	packet_for(62202, NULL, &alice, NOW, NULL, ask, 2, p);
	ev = event(src(), 62202, p, sizeof p);
	assert_true(check(s, &ev, NOW, &gr));
	assert_int_equal(gr.nports, 1);
	assert_true(grant_validate(&gr, &cfg));
	/* fwknop: tcp/22,tcp/22. */
	const struct door *d = &doors[3];
	struct fwknop_keys k = {
		.key = d->fwknop_key, .key_len = d->fwknop_key_len,
		.hmac_key = d->fwknop_hmac_key, .hmac_key_len = d->fwknop_hmac_key_len,
		.hmac_digest = HMAC_SHA256,
	};
	struct fwknop_msg msg;
	char wire[FWKNOP_WIRE_MAX + 1];
	uint8_t salt[FWKNOP_SALT_LEN] = { 1, 1, 2, 3, 5, 8, 13, 21 };
	assert_int_equal(fwknop_msg_access(&msg, "alice", NOW, NULL, ask, 2, 0), FWKNOP_OK);
	long n = fwknop_encode(&msg, &k, salt, wire, sizeof wire);
	ev = event(src(), 62201, (const uint8_t *)wire, (size_t)n);
	assert_true(check(s, &ev, NOW, &gr));
	assert_int_equal(gr.door, 3);
	assert_int_equal(gr.nports, 1);
	assert_true(grant_validate(&gr, &cfg));
	spa_doors_free(s);
}

/* The parent's check itself: a port twice is not a grant. */
static void test_grant_validate_duplicates(void **state)
{
	(void)state;
	struct grant gr = { .door = 0, .nports = 2,
			    .ports = { { 22, PROTO_TCP }, { 22, PROTO_TCP } } };
	assert_true(addr_parse("198.18.0.9", &gr.addr));
	assert_false(grant_validate(&gr, &cfg));
	gr.ports[1].port = 443;
	assert_true(grant_validate(&gr, &cfg));
}

/* A native and an fwknop door on one port: what only fwknop's decoder
 * judged is logged under the fwknop door, never the native one. */
static void test_shared_port_logs_the_right_door(void **state)
{
	(void)state;
	struct spa_doors *s = open_doors();
	uint8_t junk[5] = "abcde";
	struct addr from = src();
	char a[ADDR_STRLEN], want[128], wrong[128];
	addr_format(&from, a, sizeof a);
	snprintf(want, sizeof want, "door fwk: %s: SPA refused:", a);
	snprintf(wrong, sizeof wrong, "door ssh: %s: SPA refused:", a);
	struct knock_event ev = event(from, 62201, junk, sizeof junk);
	struct grant gr;
	assert_false(check(s, &ev, NOW, &gr));
	static uint8_t big[FWKNOP_WIRE_MAX + 1];
	ev = event(from, 62201, big, sizeof big);
	assert_false(check(s, &ev, NOW + 1, &gr));
	assert_int_equal(log_count(want), 2);
	assert_int_equal(log_count(wrong), 0);
	/* Native-shaped: the native door's. */
	uint8_t p[SPA_PACKET_LEN];
	packet(&mallory, NOW, NULL, NULL, 0, p);
	ev = event(from, 62201, p, sizeof p);
	assert_false(check(s, &ev, NOW + 2, &gr));
	assert_int_equal(log_count(wrong), 1);
	spa_doors_free(s);
}

/* Among many doors, a packet reaches the SPA doors of its port only, and
 * a refusal before the key is known names the first native door of the
 * port, whatever comes after it. */
static void test_port_among_many_doors(void **state)
{
	(void)state;
	enum { N = 300 };
	struct spa_key carol;
	assert_int_equal(spa_key_generate("carol", &carol), 0);
	char keys3[160], line[SPA_KEYLINE_MAX];
	snprintf(keys3, sizeof keys3, "%s/keys3", dir);
	keyline(&carol, line, sizeof line);
	write_file(keys3, line, 0600);
	struct door *many = calloc(N, sizeof *many);
	assert_non_null(many);
	for (size_t i = 0; i < N; i++) {
		/* Knock doors, one of them on the SPA port itself. */
		snprintf(many[i].name, sizeof many[i].name, "k%zu", i);
		many[i].seq[0] = (struct port_proto){ (uint16_t)(i == 7 ? 62201 : 20000 + i),
						      PROTO_UDP };
		many[i].seq_len = 1;
	}
	many[100] = doors[0];                   /* ssh, native, 62201 */
	many[150] = doors[2];                   /* any, native, 62203 */
	many[200] = doors[0];
	snprintf(many[200].name, sizeof many[200].name, "late");
	many[200].spa_keys = keys3;
	many[250] = doors[3];                   /* fwk, 62201 */
	struct config c = cfg;
	c.doors = many;
	c.ndoors = N;
	struct spa_doors *s;
	assert_int_equal(spa_doors_new(&c, &s), 0);

	uint8_t p[SPA_PACKET_LEN];
	struct grant gr;
	packet(&carol, NOW, NULL, NULL, 0, p);
	struct knock_event ev = event(src(), 62201, p, sizeof p);
	assert_true(check(s, &ev, NOW, &gr));
	assert_int_equal(gr.door, 200);
	packet(&alice, NOW, NULL, NULL, 0, p);
	ev = event(src(), 62201, p, sizeof p);
	assert_true(check(s, &ev, NOW, &gr));
	assert_int_equal(gr.door, 100);
	packet_for(62203, NULL, &bob, NOW, NULL, NULL, 0, p);
	ev = event(src(), 62203, p, sizeof p);
	assert_true(check(s, &ev, NOW, &gr));
	assert_int_equal(gr.door, 150);
	/* No SPA door on a knock door's port. */
	ev = event(src(), 20001, p, sizeof p);
	assert_false(check(s, &ev, NOW, &gr));
	struct spa_stats st;
	spa_doors_stats(s, &st);
	assert_int_equal(st.seen, 3);

	packet(&mallory, NOW, NULL, NULL, 0, p);
	struct addr from = src();
	char a[ADDR_STRLEN], want[128];
	addr_format(&from, a, sizeof a);
	snprintf(want, sizeof want, "door ssh: %s: SPA refused: unknown key id", a);
	ev = event(from, 62201, p, sizeof p);
	assert_false(check(s, &ev, NOW, &gr));
	assert_int_equal(log_count(want), 1);
	spa_doors_free(s);
	free(many);
	unlink(keys3);
}

static void test_log_limit(void **state)
{
	(void)state;
	struct spa_doors *s = open_doors();
	uint8_t p[SPA_PACKET_LEN];
	packet(&mallory, NOW, NULL, NULL, 0, p);
	struct addr from = src();
	struct knock_event ev = event(from, 62201, p, sizeof p);
	struct grant gr;
	for (int i = 0; i < 100; i++)
		assert_false(check(s, &ev, NOW, &gr));
	assert_int_equal(log_count("unknown key id"), 1);
	ev.payload_len = 5;                  /* another reason: its own line */
	assert_false(check(s, &ev, NOW, &gr));
	assert_int_equal(log_count("bad size"), 1);
	ev.payload_len = sizeof p;
	assert_false(check(s, &ev, NOW + 1, &gr));
	assert_int_equal(log_count("unknown key id"), 2);
	/* A flood from many sources: at most LOG_LINES_PER_S (50) a second. */
	unsigned before = log_count("SPA refused");
	for (int i = 0; i < 1000; i++) {
		ev = event(src(), 62201, p, sizeof p);
		assert_false(check(s, &ev, NOW + 2, &gr));
	}
	unsigned lines = log_count("SPA refused") - before;
	assert_true(lines <= 50 && lines >= 10);
	ev = event(src(), 62201, p, sizeof p);
	assert_false(check(s, &ev, NOW + 3, &gr));
	assert_int_equal(log_count("more rejections not logged"), 1);
	struct spa_stats st;
	spa_doors_stats(s, &st);
	assert_int_equal(st.rejected, 1103);
	spa_doors_free(s);
}

static void test_not_ours(void **state)
{
	(void)state;
	struct spa_doors *s = open_doors();
	uint8_t p[SPA_PACKET_LEN];
	packet(&alice, NOW, NULL, NULL, 0, p);
	struct grant gr;
	struct knock_event ev = event(src(), 62299, p, sizeof p);
	assert_false(check(s, &ev, NOW, &gr));
	ev = event(src(), 62201, p, sizeof p);
	ev.proto = PROTO_TCP;
	assert_false(check(s, &ev, NOW, &gr));
	struct spa_stats st;
	spa_doors_stats(s, &st);
	assert_int_equal(st.seen, 0);
	spa_doors_free(s);
}

static void test_bad_key_files_refused(void **state)
{
	(void)state;
	struct spa_doors *s;
	chmod(keys_path, 0644);
	assert_int_equal(spa_doors_new(&cfg, &s), -EPERM);
	assert_true(log_count("accessible by others") >= 1);
	chmod(keys_path, 0600);
	write_file(keys2_path, "bob 0000000000000000 AAAA\n", 0600);
	assert_int_equal(spa_doors_new(&cfg, &s), -EINVAL);
	char want[200];
	snprintf(want, sizeof want, "%s:1: ", keys2_path);
	assert_true(log_count(want) >= 1);
	/* The same key on two doors sharing a port is ambiguous. */
	doors[2].spa_port = 62201;
	char l[SPA_KEYLINE_MAX];
	keyline(&bob, l, sizeof l);
	write_file(keys2_path, l, 0600);
	assert_int_equal(spa_doors_new(&cfg, &s), -EINVAL);
	assert_true(log_count("also authorized on door ssh") >= 1);
	doors[2].spa_port = 62203;
	doors[0].spa_keys = NULL;
	assert_int_equal(spa_doors_new(&cfg, &s), -EINVAL);
	doors[0].spa_keys = keys_path;
	assert_int_equal(spa_doors_new(&cfg, &s), 0);
	spa_doors_free(s);
}

static void test_reload_two_steps(void **state)
{
	(void)state;
	struct spa_doors *s = open_doors();
	uint8_t p[SPA_PACKET_LEN], q[SPA_PACKET_LEN];
	struct grant gr;
	packet(&alice, NOW, NULL, NULL, 0, p);
	struct knock_event ev = event(src(), 62201, p, sizeof p);
	assert_true(check(s, &ev, NOW, &gr));

	/* New config: door ssh trusts mallory only. */
	static struct door nd[1];
	static struct config ncfg;
	char path[160], l[SPA_KEYLINE_MAX];
	snprintf(path, sizeof path, "%s/keys3", dir);
	keyline(&mallory, l, sizeof l);
	write_file(path, l, 0600);
	nd[0] = doors[0];
	nd[0].spa_keys = path;
	ncfg = cfg;
	ncfg.doors = nd;
	ncfg.ndoors = 1;
	assert_int_equal(spa_doors_prepare(s, &ncfg), 0);
	/* Prepared, not switched: the old keys still rule. */
	packet(&mallory, NOW, NULL, NULL, 0, q);
	expect_refused(s, 62201, q, sizeof q, "unknown key id");
	spa_doors_abort(s);
	expect_refused(s, 62201, q, sizeof q, "unknown key id");
	assert_int_equal(spa_doors_prepare(s, &ncfg), 0);
	spa_doors_commit(s);
	ev = event(src(), 62201, q, sizeof q);
	assert_true(check(s, &ev, NOW, &gr));
	uint8_t r[SPA_PACKET_LEN];
	packet(&alice, NOW, NULL, NULL, 0, r);
	expect_refused(s, 62201, r, sizeof r, "unknown key id");
	/* The replay cache carried over. */
	expect_refused(s, 62201, q, sizeof q, "replayed packet");
	/* A bad new key file: prepare fails, the running keys stay. */
	chmod(path, 0644);
	assert_true(spa_doors_prepare(s, &ncfg) < 0);
	uint8_t t[SPA_PACKET_LEN];
	packet(&mallory, NOW, NULL, NULL, 0, t);
	ev = event(src(), 62201, t, sizeof t);
	assert_true(check(s, &ev, NOW, &gr));
	spa_doors_free(s);
	unlink(path);
}

static void test_fwknop_door(void **state)
{
	(void)state;
	struct spa_doors *s = open_doors();
	const struct door *d = &doors[3];
	struct fwknop_keys k = {
		.key = d->fwknop_key, .key_len = d->fwknop_key_len,
		.hmac_key = d->fwknop_hmac_key, .hmac_key_len = d->fwknop_hmac_key_len,
		.hmac_digest = HMAC_SHA256,
	};
	struct port_proto p22 = { 22, PROTO_TCP }, p23 = { 23, PROTO_TCP };
	struct fwknop_msg msg;
	char wire[FWKNOP_WIRE_MAX + 1];
	uint8_t salt[FWKNOP_SALT_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	assert_int_equal(fwknop_msg_access(&msg, "alice", NOW - 100, NULL, &p22, 1, 0), FWKNOP_OK);
	long n = fwknop_encode(&msg, &k, salt, wire, sizeof wire);
	assert_true(n > 0);
	struct addr from = src();
	struct knock_event ev = event(from, 62201, (const uint8_t *)wire, (size_t)n);
	struct grant gr;
	assert_true(check(s, &ev, NOW, &gr));
	assert_int_equal(gr.door, 3);
	assert_true(addr_equal(&gr.addr, &from));
	assert_int_equal(gr.nports, 1);
	expect_refused(s, 62201, (const uint8_t *)wire, (size_t)n, "replayed packet");
	spa_doors_free(s);
	s = open_doors();
	expect_refused(s, 62201, (const uint8_t *)wire, (size_t)n, "replayed packet");

	wire[n / 2] = wire[n / 2] == 'A' ? 'B' : 'A';
	expect_refused(s, 62201, (const uint8_t *)wire, (size_t)n, "authentication failed");
	assert_int_equal(fwknop_msg_access(&msg, "alice", NOW, NULL, &p23, 1, 0), FWKNOP_OK);
	n = fwknop_encode(&msg, &k, salt, wire, sizeof wire);
	expect_refused(s, 62201, (const uint8_t *)wire, (size_t)n, "port not in the door's Open");
	assert_int_equal(fwknop_msg_access(&msg, "alice", NOW - 121, NULL, &p22, 1, 0), FWKNOP_OK);
	n = fwknop_encode(&msg, &k, salt, wire, sizeof wire);
	expect_refused(s, 62201, (const uint8_t *)wire, (size_t)n, "stale timestamp");
	assert_int_equal(fwknop_msg_access(&msg, "alice", NOW, "203.0.113.5", &p22, 1, 0), FWKNOP_OK);
	n = fwknop_encode(&msg, &k, salt, wire, sizeof wire);
	expect_refused(s, 62201, (const uint8_t *)wire, (size_t)n, "address not allowed");
	/* Client timeout: capped by Open_Timeout (60). */
	assert_int_equal(fwknop_msg_access(&msg, "alice", NOW, NULL, &p22, 1, 10), FWKNOP_OK);
	n = fwknop_encode(&msg, &k, salt, wire, sizeof wire);
	ev = event(src(), 62201, (const uint8_t *)wire, (size_t)n);
	assert_true(check(s, &ev, NOW, &gr));
	assert_int_equal(gr.timeout_s, 10);
	assert_int_equal(fwknop_msg_access(&msg, "alice", NOW, NULL, &p22, 1, 600), FWKNOP_OK);
	n = fwknop_encode(&msg, &k, salt, wire, sizeof wire);
	ev = event(src(), 62201, (const uint8_t *)wire, (size_t)n);
	assert_true(check(s, &ev, NOW, &gr));
	assert_int_equal(gr.timeout_s, 0);
	/* A native packet on the shared port still goes the native way. */
	uint8_t p[SPA_PACKET_LEN];
	packet(&alice, NOW, NULL, NULL, 0, p);
	ev = event(src(), 62201, p, sizeof p);
	assert_true(check(s, &ev, NOW, &gr));
	assert_int_equal(gr.door, 0);
	spa_doors_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_grant_default_and_subset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_rejection_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_flipped_bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allowed_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_in_run_and_after_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forgeries_do_not_lock_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit_per_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound_to_port_and_door, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legacy_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_require_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_validate_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_port_logs_the_right_door, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_key_files_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_two_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fwknop_door, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_among_many_doors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
