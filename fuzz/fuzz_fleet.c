/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_fleet — libFuzzer harness for the fleet's grant messages
 * (fleet_msg.h): what a gateway reads from Redis, which anyone who can
 * write to Redis controls.
 *
 * First input byte 0: the rest is a message as read from Redis.  Other
 * first bytes: the rest fills a grant's fields, which is signed with the
 * fleet key and parsed back.  Either way it asserts that
 *   - a message never parses under a key other than the one it was
 *     signed with (the harness holds both; the fuzzer holds neither);
 *   - a parsed message yields a grant only for a door of our config with
 *     Fleet = yes, only ports that door guards, a timeout within the
 *     door's, an IPv4/IPv6 address, and one that grant_validate takes.
 * The seed corpus (fuzz/corpus/fleet/) holds messages signed with the
 * harness's key (bytes 0..31) around its fixed clock. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fleet_msg.h"
#include "grant.h"
#include "log.h"

#define NOW_MS 1790000000000ull

static uint8_t key[FLEET_KEY_LEN], other[FLEET_KEY_LEN];
static struct door door[3];
static struct config cfg;

static void init(void)
{
	log_set_level(LOG_EMERG);
	log_to_stderr(false);
	for (int i = 0; i < FLEET_KEY_LEN; i++) {
		key[i] = (uint8_t)i;
		other[i] = (uint8_t)(i ^ 0x80);
	}
	door[0] = (struct door){ .name = "ssh", .fleet = true, .open_len = 1,
				 .open = { { 22, PROTO_TCP } }, .open_timeout_s = 30,
				 .cmd_timeout_s = 10, .seq_len = 2 };
	door[1] = (struct door){ .name = "web", .fleet = true, .open_len = 2,
				 .open = { { 443, PROTO_TCP }, { 53, PROTO_UDP } },
				 .open_timeout_s = 300, .cmd_timeout_s = 10, .seq_len = 2 };
	door[2] = (struct door){ .name = "local", .fleet = false, .open_len = 1,
				 .open = { { 8080, PROTO_TCP } }, .open_timeout_s = 30,
				 .cmd_timeout_s = 10, .seq_len = 2 };
	cfg = (struct config){ .path = "fuzz", .doors = door, .ndoors = 3 };
}

static void check_grant(const struct grant *gr)
{
	if (gr->door >= cfg.ndoors)
		abort();
	const struct door *d = &cfg.doors[gr->door];
	if (!d->fleet)
		abort();
	if (gr->addr.family != AF_INET && gr->addr.family != AF_INET6)
		abort();
	if (gr->timeout_s == 0 || gr->timeout_s > grant_max_timeout_s(d))
		abort();
	if (gr->nports == 0 || gr->nports > d->open_len)
		abort();
	for (uint32_t i = 0; i < gr->nports; i++) {
		bool guarded = false;
		for (size_t j = 0; j < d->open_len; j++)
			guarded |= d->open[j].port == gr->ports[i].port &&
				   d->open[j].proto == gr->ports[i].proto;
		if (!guarded)
			abort();
	}
	if (!grant_validate(gr, &cfg))
		abort();
}

static void try_message(const char *msg, size_t len)
{
	struct fleet_grant fg;
	if (!fleet_msg_parse(msg, len, other, "sesame", &fg))
		abort();                /* accepted under a key it was not signed with */
	if (!fleet_msg_parse(msg, len, key, "other-ns", &fg))
		abort();                /* ... or for another namespace */
	if (fleet_msg_parse(msg, len, key, "sesame", &fg))
		return;
	struct grant gr;
	if (!fleet_msg_grant(&fg, &cfg, NOW_MS, 0, &gr))
		check_grant(&gr);
	if (!fleet_msg_grant(&fg, &cfg, NOW_MS, 60000, &gr))
		check_grant(&gr);
}

static size_t take(const uint8_t **p, size_t *n, void *out, size_t want)
{
	size_t k = *n < want ? *n : want;
	memset(out, 0, want);
	memcpy(out, *p, k);
	*p += k;
	*n -= k;
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		init();
		ready = true;
	}
	if (size < 1)
		return 0;
	if (data[0] == 0) {
		try_message((const char *)data + 1, size - 1);
		return 0;
	}
	/* Structured: a grant anyone could ask for, signed by a gateway. */
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	static const char *const names[] = { "ssh", "web", "local", "nope" };
	static const char *const nodes[] = { "n1", "gw-2.example", "x" };
	uint8_t sel = 0, fam = 0, np = 0;
	take(&p, &n, &sel, 1);
	take(&p, &n, &fam, 1);
	take(&p, &n, &np, 1);
	struct fleet_grant fg = { 0 };
	snprintf(fg.door, sizeof fg.door, "%s", names[sel & 3]);
	snprintf(fg.node, sizeof fg.node, "%s", nodes[(sel >> 2) % 3]);
	fg.addr.family = fam & 1 ? AF_INET6 : AF_INET;
	take(&p, &n, fg.addr.bytes, fam & 1 ? 16 : 4);
	fg.nports = np % (CONFIG_OPEN_MAX + 1);
	for (uint32_t i = 0; i < fg.nports; i++) {
		uint16_t port = 0;
		uint8_t proto = 0;
		take(&p, &n, &port, 2);
		take(&p, &n, &proto, 1);
		fg.ports[i].port = port ? port : 1;
		fg.ports[i].proto = proto & 1 ? PROTO_UDP : PROTO_TCP;
	}
	int32_t issued = 0;
	uint32_t life = 0;
	take(&p, &n, &issued, 4);
	take(&p, &n, &life, 4);
	fg.issued_ms = NOW_MS + (int64_t)issued;
	fg.expire_ms = fg.issued_ms + life;
	char msg[FLEET_MSG_MAX];
	int len = fleet_msg_format(&fg, key, "sesame", msg, sizeof msg);
	if (len < 0)
		return 0;
	struct fleet_grant back;
	if (fleet_msg_parse(msg, (size_t)len, key, "sesame", &back))
		abort();                /* what we sign, we must read */
	if (strcmp(back.door, fg.door) || back.nports != fg.nports ||
	    back.issued_ms != fg.issued_ms || back.expire_ms != fg.expire_ms)
		abort();
	try_message(msg, (size_t)len);
	return 0;
}
