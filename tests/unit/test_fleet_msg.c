/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of fleet_msg: the signed grant messages between gateways,
 * and the checks a receiving gateway makes against its own config. */
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "fleet_msg.h"

#define NOW 1790000000000ull

static uint8_t key[FLEET_KEY_LEN];
static struct door doors[4];
static struct config cfg;

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < FLEET_KEY_LEN; i++)
		key[i] = (uint8_t)(7 * i);
	doors[0] = (struct door){ .name = "ssh", .fleet = true, .open_len = 2,
				  .open = { { 22, PROTO_TCP }, { 53, PROTO_UDP } },
				  .open_timeout_s = 30, .cmd_timeout_s = 10 };
	doors[1] = (struct door){ .name = "cmd", .fleet = true, .cmd_timeout_s = 60 };
	doors[2] = (struct door){ .name = "solo", .fleet = false, .open_len = 1,
				  .open = { { 22, PROTO_TCP } }, .open_timeout_s = 30 };
	doors[3] = (struct door){ .name = "Open 50%", .fleet = true, .open_len = 1,
				  .open = { { 22, PROTO_TCP } }, .open_timeout_s = 30 };
	cfg = (struct config){ .path = "t", .doors = doors, .ndoors = 4 };
	return 0;
}

static struct fleet_grant base(void)
{
	struct fleet_grant fg = { .node = "n1", .door = "ssh", .nports = 1,
				  .ports = { { 22, PROTO_TCP } },
				  .issued_ms = NOW - 2000, .expire_ms = NOW + 28000 };
	addr_parse("198.18.0.2", &fg.addr);
	return fg;
}

static int sign(const struct fleet_grant *fg, char *buf)
{
	int n = fleet_msg_format(fg, key, "sesame", buf, FLEET_MSG_MAX);
	assert_true(n > 0);
	return n;
}

static const char *verdict(const struct fleet_grant *fg, struct grant *gr)
{
	char msg[FLEET_MSG_MAX];
	int n = sign(fg, msg);
	struct fleet_grant back;
	const char *why = fleet_msg_parse(msg, (size_t)n, key, "sesame", &back);
	if (why)
		return why;
	return fleet_msg_grant(&back, &cfg, NOW, 60000, gr);
}

static void round_trip(void **state)
{
	(void)state;
	struct fleet_grant fg = base();
	char msg[FLEET_MSG_MAX];
	int n = sign(&fg, msg);
	assert_non_null(strstr(msg, "sesame-fleet/1 n1 ssh 198.18.0.2 22/tcp "));
	struct fleet_grant back;
	assert_null(fleet_msg_parse(msg, (size_t)n, key, "sesame", &back));
	assert_string_equal(back.node, "n1");
	assert_string_equal(back.door, "ssh");
	assert_int_equal(back.nports, 1);
	assert_int_equal(back.expire_ms, fg.expire_ms);
	struct grant gr;
	assert_null(fleet_msg_grant(&back, &cfg, NOW, 60000, &gr));
	assert_int_equal(gr.door, 0);
	assert_int_equal(gr.timeout_s, 28);     /* what is left, not the door's 30 */
	assert_int_equal(gr.nports, 1);
	/* Rounded up: 27.5 s left is 28 s. */
	assert_null(fleet_msg_grant(&back, &cfg, NOW + 500, 60000, &gr));
	assert_int_equal(gr.timeout_s, 28);
}

/* Door names may hold spaces, the field separator of the line. */
static void door_name_with_space(void **state)
{
	(void)state;
	struct fleet_grant fg = base(), back;
	snprintf(fg.door, sizeof fg.door, "Open 50%%");
	char msg[FLEET_MSG_MAX];
	int n = sign(&fg, msg);
	assert_non_null(strstr(msg, " n1 Open%2050%25 198.18.0.2 "));
	assert_null(fleet_msg_parse(msg, (size_t)n, key, "sesame", &back));
	assert_string_equal(back.door, "Open 50%");
	struct grant gr;
	assert_null(fleet_msg_grant(&back, &cfg, NOW, 60000, &gr));
	assert_int_equal(gr.door, 3);
	/* Names the config refuses are refused. */
	fg = base();
	snprintf(fg.door, sizeof fg.door, "a:b");
	assert_int_equal(fleet_msg_format(&fg, key, "sesame", msg, FLEET_MSG_MAX), -EINVAL);
}

static void authentication(void **state)
{
	(void)state;
	struct fleet_grant fg = base(), back;
	char msg[FLEET_MSG_MAX];
	int n = sign(&fg, msg);
	uint8_t other[FLEET_KEY_LEN];
	memcpy(other, key, sizeof other);
	other[5] ^= 1;
	assert_string_equal(fleet_msg_parse(msg, (size_t)n, other, "sesame", &back),
			    "bad MAC (not signed with this fleet's key)");
	assert_non_null(fleet_msg_parse(msg, (size_t)n, key, "prod", &back));
	/* Any change to a signed field breaks it: the port, say. */
	char *p = strstr(msg, " 22/tcp ");
	p[2] = '3';
	assert_non_null(fleet_msg_parse(msg, (size_t)n, key, "sesame", &back));
	p[2] = '2';
	assert_null(fleet_msg_parse(msg, (size_t)n, key, "sesame", &back));
	assert_non_null(fleet_msg_parse(msg, (size_t)n - 1, key, "sesame", &back));
	assert_non_null(fleet_msg_parse("", 0, key, "sesame", &back));
	msg[3] = '\0';
	assert_string_equal(fleet_msg_parse(msg, (size_t)n, key, "sesame", &back), "NUL byte");
}

static void local_policy(void **state)
{
	(void)state;
	struct grant gr;
	struct fleet_grant fg = base();
	fg.ports[0].port = 2222;
	assert_string_equal(verdict(&fg, &gr), "a port the door does not guard here");
	fg = base();
	fg.ports[0].proto = PROTO_UDP;
	assert_string_equal(verdict(&fg, &gr), "a port the door does not guard here");
	fg = base();
	snprintf(fg.door, sizeof fg.door, "nope");
	assert_string_equal(verdict(&fg, &gr), "no door of that name here");
	snprintf(fg.door, sizeof fg.door, "solo");
	assert_string_equal(verdict(&fg, &gr), "that door is not in the fleet here (Fleet = no)");
	fg = base();
	fg.expire_ms = fg.issued_ms + 31000;
	assert_string_equal(verdict(&fg, &gr), "longer than the door's timeout here");
	fg = base();
	fg.expire_ms = NOW;
	assert_string_equal(verdict(&fg, &gr), "expired");
	fg = base();
	fg.issued_ms = NOW + FLEET_SKEW_MS + 1;
	fg.expire_ms = fg.issued_ms + 1000;
	assert_string_equal(verdict(&fg, &gr), "issued in the future");
	fg = base();
	fg.issued_ms = NOW - 61000;
	fg.expire_ms = NOW + 1000;
	/* Published over a minute ago: stale as news on the channel. */
	assert_string_equal(verdict(&fg, &gr), "too old");
	fg = base();
	fg.nports = 0;
	assert_string_equal(verdict(&fg, &gr), "no ports named");
	fg = base();
	addr_parse("0.0.0.0", &fg.addr);
	assert_string_equal(verdict(&fg, &gr), "unusable address");
	fg = base();
	fg.nports = 2;
	fg.ports[1] = (struct port_proto){ 53, PROTO_UDP };
	addr_parse("2001:db8::5", &fg.addr);
	assert_null(verdict(&fg, &gr));
	assert_int_equal(gr.nports, 2);
	/* A door with commands only: no ports. */
	fg = base();
	snprintf(fg.door, sizeof fg.door, "cmd");
	fg.nports = 0;
	assert_null(verdict(&fg, &gr));
	assert_int_equal(gr.door, 1);
	assert_int_equal(gr.nports, 0);
}

static void from_local_grant(void **state)
{
	(void)state;
	struct grant gr = { .door = 0, .timeout_s = 0, .nports = 0 };
	addr_parse("198.18.0.9", &gr.addr);
	struct fleet_grant fg;
	assert_int_equal(fleet_grant_from(&gr, &cfg, "n1", NOW, &fg), 0);
	/* Every port spelled out; the door's timeout when the grant has none. */
	assert_int_equal(fg.nports, 2);
	assert_int_equal(fg.expire_ms - fg.issued_ms, 30000);
	gr.timeout_s = 12;
	assert_int_equal(fleet_grant_from(&gr, &cfg, "n1", NOW, &fg), 0);
	assert_int_equal(fg.expire_ms - fg.issued_ms, 12000);
	assert_int_equal(fleet_grant_from(&gr, &cfg, "bad node", NOW, &fg), -EINVAL);
	gr.door = 9;
	assert_int_equal(fleet_grant_from(&gr, &cfg, "n1", NOW, &fg), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(door_name_with_space),
		cmocka_unit_test(authentication),
		cmocka_unit_test(local_policy),
		cmocka_unit_test(from_local_grant),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
