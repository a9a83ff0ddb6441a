/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fwknop client's real packets (tests/vectors/fwknop/) through the
 * whole server side: a config with SPA_Format = fwknop doors as a user
 * writes it (config_parse), the SPA door pipeline (spa_door.c) with its
 * persistent replay cache, and the fwknop codec.  Access messages are
 * granted, command and NAT messages refused with their reasons, replays
 * refused also after a restart, 0.0.0.0 means the packet's source, the
 * client timeout is capped by Open_Timeout, and the window, address and
 * port policies hold for fwknop packets too. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/rand.h>

#include "config.h"
#include "fwknop.h"
#include "log.h"
#include "spa_door.h"

#include "fwknop_vectors.h"

static char dir[64], cache_path[128], log_path[128];
static struct config *cfg;
static struct spa_doors *sd;

/* The 128-byte SHA-512 HMAC key of v03 (from its command line). */
#define V03_HMAC "9UTRFqFqdCZ/xIpe07d1DDokXTqIMl8KJ80iJw6awmmIfcRCdSVBPx3Qdwv79hw/5pYlWdR3nyju36Lff6GdLKV/uFQ5JrVSfvRhVuMKiJBJiIYR9D0fJNUNnsbyNoncZbZ3xYrFfwYOfdgK14Jc4InZHlLNiwX8Tif/OwQfqbc="
#define B64_KEY  "mVJEAbhGSj8tOMxAjZMD2MpHqh3eHkfimQjkqD85wHY="
#define B64_HMAC "6uNp7CFrjEbLpi+aKjtHkoUE0U4Hok9Sck1Y/lxoHJIxzPH5wFPfTiLK6qggdsVD+AZhW7IByFz3IrxKDXI9IQ=="

static void diag(void *ctx, int level, const char *msg)
{
	(void)ctx;
	(void)level;
	print_error("config: %s\n", msg);
}

/* One passphrase door per HMAC digest the extra vectors use, the two
 * base64 doors of v02 and v03. */
static const struct {
	const char *name;
	unsigned port;
	const char *digest;
} pass_doors[] = {
	{ "pass", 62201, "sha256" }, { "md5", 62211, "md5" }, { "sha1", 62212, "sha1" },
	{ "sha384", 62213, "sha384" }, { "sha3_256", 62214, "sha3_256" },
	{ "sha3_512", 62215, "sha3_512" }, { "sha512", 62216, "sha512" },
};

static int start_doors(void)
{
	return spa_doors_new(cfg, &sd);
}

static int setup(void **state)
{
	if (load_vectors(state) != 0)
		return -1;
	strcpy(dir, "/tmp/sesame-fwkdoor-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cache_path, sizeof cache_path, "%s/replay", dir);
	snprintf(log_path, sizeof log_path, "%s/log", dir);

	char text[8192];
	size_t n = (size_t)snprintf(text, sizeof text, "[options]\n\tReplayCache = %s\n", cache_path);
	for (size_t i = 0; i < sizeof pass_doors / sizeof pass_doors[0]; i++)
		n += (size_t)snprintf(text + n, sizeof text - n,
			"[%s]\n\tSPA_Port = %u\n\tSPA_Format = fwknop\n"
			"\tFwknop_Key = fwknoptestkey\n\tFwknop_HMAC_Key = fwknophmackey\n"
			"\tFwknop_HMAC_Digest = %s\n\tOpen = 22/tcp, 53/udp, 8080/tcp\n"
			"\tOpen_Timeout = 60\n",
			pass_doors[i].name, pass_doors[i].port, pass_doors[i].digest);
	n += (size_t)snprintf(text + n, sizeof text - n,
		"[b64]\n\tSPA_Port = 62202\n\tSPA_Format = fwknop\n"
		"\tFwknop_Key_Base64 = " B64_KEY "\n\tFwknop_HMAC_Key_Base64 = " B64_HMAC "\n"
		"\tOpen = 22/tcp\n"
		"[b64x512]\n\tSPA_Port = 62203\n\tSPA_Format = fwknop\n"
		"\tFwknop_Key_Base64 = " B64_KEY "\n\tFwknop_HMAC_Key_Base64 = " V03_HMAC "\n"
		"\tFwknop_HMAC_Digest = sha512\n\tOpen = 22/tcp, 53/udp\n");
	if (n >= sizeof text)
		return -1;
	if (config_parse("fwknop-doors.conf", text, n, diag, NULL, &cfg) != 0)
		return -1;

	log_to_stderr(false);
	log_set_level(LOG_INFO);
	if (log_to_file(log_path) != 0)
		return -1;
	return start_doors();
}

static int teardown(void **state)
{
	(void)state;
	spa_doors_free(sd);
	config_free(cfg);
	log_close();
	if (getenv("FWKNOP_DOOR_LOG")) {
		char cmd[200];
		snprintf(cmd, sizeof cmd, "cat %s >&2", log_path);
		if (system(cmd) != 0)
			return -1;
	}
	char p[160];
	const char *names[] = { "replay", "replay.tmp", "log" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

static bool log_contains(const char *needle)
{
	FILE *f = fopen(log_path, "r");
	assert_non_null(f);
	char line[1024];
	bool found = false;
	while (!found && fgets(line, sizeof line, f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

static unsigned port_of(const struct vec *v)
{
	if (!strncmp(v->name, "v02", 3))
		return 62202;
	if (!strncmp(v->name, "v03", 3))
		return 62203;
	for (size_t i = 0; i < sizeof pass_doors / sizeof pass_doors[0]; i++)
		if (!strcmp(v->hmac_type, pass_doors[i].digest))
			return pass_doors[i].port;
	return 62201;           /* the no-HMAC vector: the sha256 door */
}

/* Feeds WIRE from SRC to PORT at NOW, each packet a second after the
 * previous one on the monotonic clock (no rate limit in the way). */
static bool feed(const char *wire, size_t len, const char *src, unsigned port, uint64_t now,
		 struct grant *gr)
{
	struct knock_event ev;
	memset(&ev, 0, sizeof ev);
	assert_true(addr_parse(src, &ev.saddr));
	assert_true(addr_parse("198.18.1.1", &ev.daddr));
	ev.proto = PROTO_UDP;
	ev.sport = 40000;
	ev.dport = (uint16_t)port;
	ev.payload = (const uint8_t *)wire;
	ev.payload_len = len;
	ev.time_us = now * 1000000ull;
	memset(gr, 0, sizeof *gr);
	static uint64_t mono_ms;
	mono_ms += 1000;
	return spa_doors_check(sd, &ev, now, mono_ms, gr);
}

static bool feed_vec(const struct vec *v, const char *src, uint64_t now, struct grant *gr)
{
	return feed(v->wire, strlen(v->wire), src, port_of(v), now, gr);
}

static uint64_t vts(const struct vec *v)
{
	return strtoull(v->ts, NULL, 10);
}

static const char *door_of(const struct grant *gr)
{
	return cfg->doors[gr->door].name;
}

static void every_vector_judged(void **state)
{
	(void)state;
	struct grant gr;
	char a[ADDR_STRLEN];
	size_t granted = 0, refused = 0;
	for (size_t i = 0; i < nvecs; i++) {
		const struct vec *v = &vecs[i];
		unsigned type = (unsigned)leading_num(v->type);
		bool access = !strcmp(v->expect, "ok") && (type == 1 || type == 3);
		/* v09 asks for 0.0.0.0: sent from some other address. */
		const char *src = !strncmp(v->name, "v09", 3) ? "198.18.0.77" : "198.18.1.2";
		bool ok = feed_vec(v, src, vts(v) + 5 + i, &gr);
		if (ok != access)
			fail_msg("%s: %s, want %s", v->name, ok ? "granted" : "refused",
				 access ? "granted" : "refused");
		if (!ok) {
			refused++;
			continue;
		}
		granted++;
		/* The same packet at once again: a replay. */
		struct grant again;
		struct spa_stats st0, st1;
		spa_doors_stats(sd, &st0);
		assert_false(feed_vec(v, src, vts(v) + 5 + i, &again));
		spa_doors_stats(sd, &st1);
		assert_int_equal(st1.replayed - st0.replayed, 1);
		assert_string_equal(addr_format(&gr.addr, a, sizeof a), src);
		assert_true(grant_validate(&gr, cfg));
		assert_int_equal(cfg->doors[gr.door].spa_port, port_of(v));
		/* Only the ports asked for: two for v03 and the x vectors. */
		assert_int_equal(gr.nports, !strncmp(v->name, "v03", 3) || v->name[0] == 'x' ? 2 : 1);
		if (!strncmp(v->name, "v04", 3))
			assert_int_equal(gr.timeout_s, 45);   /* fwknop -f 45 < Open_Timeout */
		else
			assert_int_equal(gr.timeout_s, 0);
	}
	/* 9 shared (v05-v08 refused) + 9 extra (x09, no HMAC, refused). */
	assert_int_equal(granted, 13);
	assert_int_equal(refused, 5);
	assert_true(log_contains("fwknop command messages are not supported"));
	assert_true(log_contains("fwknop NAT access messages are not supported"));
	assert_true(log_contains("fwknop local NAT access messages are not supported"));
	assert_true(log_contains("fwknop client-timeout NAT access messages are not supported"));
	assert_true(log_contains("packet carries no HMAC"));
}

static long make(char *out, size_t outlen, uint64_t ts, const char *addr, uint16_t port,
		 uint8_t proto, uint32_t timeout);

/* Replays after a restart: the cache is read back from disk.  The cache
 * forgets entries once their timestamp is out of the window by the wall
 * clock at start-up, so this uses fresh packets stamped now (the vectors'
 * own replays within a run are checked by every_vector_judged). */
static void replays_refused_after_restart(void **state)
{
	(void)state;
	uint64_t now = (uint64_t)time(NULL);
	char w[3][FWKNOP_WIRE_MAX + 1];
	long n[3];
	struct grant gr;
	struct spa_stats st0, st1;
	for (int i = 0; i < 3; i++) {
		n[i] = make(w[i], sizeof w[i], now, NULL, 22, PROTO_TCP, 0);
		assert_true(feed(w[i], (size_t)n[i], "198.18.5.1", 62201, now, &gr));
	}
	spa_doors_free(sd);
	sd = NULL;
	assert_int_equal(start_doors(), 0);
	spa_doors_stats(sd, &st0);
	for (int i = 0; i < 3; i++)
		assert_false(feed(w[i], (size_t)n[i], "198.18.5.1", 62201, now + 1, &gr));
	spa_doors_stats(sd, &st1);
	assert_int_equal(st1.replayed - st0.replayed, 3);
	assert_int_equal(st1.granted - st0.granted, 0);
	/* A fresh packet still passes. */
	long m = make(w[0], sizeof w[0], now, NULL, 22, PROTO_TCP, 0);
	assert_true(feed(w[0], (size_t)m, "198.18.5.1", 62201, now + 2, &gr));
}

/* Fresh packets from sesame's own encoder (the same format, checked
 * byte for byte against the client in test_fwknop). */
static long make(char *out, size_t outlen, uint64_t ts, const char *addr, uint16_t port,
		 uint8_t proto, uint32_t timeout)
{
	struct fwknop_keys k = {
		(const uint8_t *)"fwknoptestkey", 13,
		(const uint8_t *)"fwknophmackey", 13, HMAC_SHA256,
	};
	struct port_proto pp = { port, proto };
	struct fwknop_msg m;
	uint8_t salt[8];
	assert_int_equal(fwknop_msg_access(&m, "root", ts, addr, &pp, 1, timeout), FWKNOP_OK);
	assert_int_equal(RAND_bytes(salt, sizeof salt), 1);
	long n = fwknop_encode(&m, &k, salt, out, outlen);
	assert_true(n > 0);
	return n;
}

static void window_address_port_timeout(void **state)
{
	(void)state;
	const uint64_t now = 1800000000ull;
	char w[FWKNOP_WIRE_MAX + 1];
	struct grant gr;
	long n;

	/* SPA_Window defaults to 120 s for fwknop doors. */
	n = make(w, sizeof w, now - 121, "198.18.1.2", 22, PROTO_TCP, 0);
	assert_false(feed(w, (size_t)n, "198.18.1.2", 62201, now, &gr));
	assert_true(log_contains("stale timestamp"));
	n = make(w, sizeof w, now + 121, "198.18.1.2", 22, PROTO_TCP, 0);
	assert_false(feed(w, (size_t)n, "198.18.1.2", 62201, now, &gr));
	assert_true(log_contains("future timestamp"));
	n = make(w, sizeof w, now - 119, "198.18.1.2", 22, PROTO_TCP, 0);
	assert_true(feed(w, (size_t)n, "198.18.1.2", 62201, now, &gr));

	/* Another address than the source: SPA_Allow_Address defaults to no. */
	n = make(w, sizeof w, now, "198.18.1.99", 22, PROTO_TCP, 0);
	assert_false(feed(w, (size_t)n, "198.18.1.2", 62201, now + 1, &gr));
	assert_true(log_contains("fwknop asked for 198.18.1.99"));

	/* A port outside Open. */
	n = make(w, sizeof w, now, "198.18.1.2", 23, PROTO_TCP, 0);
	assert_false(feed(w, (size_t)n, "198.18.1.2", 62201, now + 2, &gr));
	assert_true(log_contains("fwknop asked for 23/tcp"));

	/* A client timeout above Open_Timeout (60) gets Open_Timeout. */
	n = make(w, sizeof w, now, NULL, 8080, PROTO_TCP, 600);
	assert_true(feed(w, (size_t)n, "2001:db8:5e5::2", 62201, now + 3, &gr));
	assert_int_equal(gr.timeout_s, 0);
	assert_int_equal(gr.addr.family, AF_INET6);
	assert_int_equal(gr.nports, 1);
	assert_int_equal(gr.ports[0].port, 8080);
	assert_string_equal(door_of(&gr), "pass");

	/* The right packet at the wrong door (other keys): refused. */
	n = make(w, sizeof w, now, NULL, 22, PROTO_TCP, 0);
	assert_false(feed(w, (size_t)n, "198.18.1.2", 62202, now + 4, &gr));
	assert_true(feed(w, (size_t)n, "198.18.1.2", 62201, now + 4, &gr));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_vector_judged),
		cmocka_unit_test(replays_refused_after_restart),
		cmocka_unit_test(window_address_port_timeout),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
