/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the parent's side of privilege separation: every message
 * from the worker is checked field by field (privsep_check) and anything
 * out of range is refused; messages cross a real SOCK_SEQPACKET pair with
 * their exact length; durable stop records parse strictly (stopstate). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "privsep.h"
#include "stopstate.h"

struct fixture {
	struct config cfg;
	struct door doors[2];
};

static void fixture_init(struct fixture *fx)
{
	memset(fx, 0, sizeof *fx);
	snprintf(fx->doors[0].name, sizeof fx->doors[0].name, "ssh");
	fx->doors[0].open[0] = (struct port_proto){ 22, PROTO_TCP };
	fx->doors[0].open_len = 1;
	fx->doors[0].open_timeout_s = 30;
	snprintf(fx->doors[1].name, sizeof fx->doors[1].name, "cmd");
	fx->doors[1].cmd_timeout_s = 10;
	fx->cfg.doors = fx->doors;
	fx->cfg.ndoors = 2;
	fx->cfg.state_limit = 100;
}

static struct ps_msg grant_msg(void)
{
	struct ps_msg m;
	memset(&m, 0, sizeof m);
	m.type = PS_GRANT;
	m.grant.door = 0;
	assert_true(addr_parse("198.18.0.2", &m.grant.addr));
	return m;
}

static void grant_fields_out_of_range_are_refused(void **state)
{
	(void)state;
	struct fixture fx;
	fixture_init(&fx);
	struct ps_msg m = grant_msg();
	assert_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.grant.timeout_s = 30;
	assert_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));

	/* Length: short, long, empty. */
	assert_non_null(privsep_check(&m, sizeof m - 1, &fx.cfg, PS_EXPECT_NONE));
	assert_non_null(privsep_check(&m, sizeof m + 1, &fx.cfg, PS_EXPECT_NONE));
	assert_non_null(privsep_check(&m, 0, &fx.cfg, PS_EXPECT_NONE));
	/* Type. */
	m.type = 0;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.type = 99;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.type = PS_STATUS_REQ;         /* the parent's own message */
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.type = PS_HISTORY_END;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	/* Door index. */
	m = grant_msg();
	m.grant.door = 2;
	assert_string_equal(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE),
			    "grant: door index out of range");
	m.grant.door = UINT32_MAX;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	/* Address family. */
	m = grant_msg();
	m.grant.addr.family = AF_UNIX;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.grant.addr.family = 0;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	/* Timeout above the door's. */
	m = grant_msg();
	m.grant.timeout_s = 31;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.grant.timeout_s = UINT32_MAX;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.grant.door = 1;
	m.grant.timeout_s = 11;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.grant.timeout_s = 10;
	assert_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	/* Ports: too many, not the door's, wrong protocol. */
	m = grant_msg();
	m.grant.nports = CONFIG_OPEN_MAX + 1;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.grant.nports = 2;
	m.grant.ports[0] = m.grant.ports[1] = (struct port_proto){ 22, PROTO_TCP };
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.grant.nports = 1;
	assert_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.grant.ports[0].port = 23;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.grant.ports[0] = (struct port_proto){ 22, PROTO_UDP };
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	/* Stray fields of other message types. */
	m = grant_msg();
	m.ndoors = 1;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m = grant_msg();
	m.attempts[CONFIG_DOORS_MAX - 1] = 1;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m = grant_msg();
	m.nevents = 1;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	/* A grant before the worker said it is ready. */
	m = grant_msg();
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_READY));
	/* A packet id only comes with a grant of an SPA door, a spent
	 * sequence only with one of a one-time door (for good), a rotating
	 * sequence only with one of a rotating door (until a step's end). */
	m = grant_msg();
	m.replay.kind = PS_ONCE_PACKET;
	m.replay.expire_s = 1;
	m.replay.id[0] = 1;
	assert_string_equal(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE),
			    "grant: what it used up does not fit the door");
	m.replay.kind = PS_ONCE_NONE;           /* fields without a kind */
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.replay.kind = 7;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.replay.kind = PS_ONCE_SEQUENCE;
	m.replay.expire_s = 0;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	fx.doors[0].one_time_file = "x";
	assert_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.replay.expire_s = 60;                 /* a one-time sequence is for good */
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.replay.expire_s = 0;
	m.replay.zero = 1;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.replay.zero = 0;
	m.replay.kind = PS_ONCE_ROTATING;       /* not a rotating door */
	m.replay.expire_s = 60;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	fx.doors[0].one_time_file = NULL;
	char secrets[] = "/etc/sesame/ssh.secrets";
	fx.doors[0].rot_secrets = secrets;
	fx.doors[0].rot_period_s = 30;
	assert_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.replay.expire_s = 0;                  /* a step is live for a while */
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.replay.expire_s = 61;                 /* not the end of a step */
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.replay.kind = PS_ONCE_SEQUENCE;       /* a rotating door has no list */
	m.replay.expire_s = 0;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.replay.kind = PS_ONCE_PACKET;         /* nor packets */
	m.replay.expire_s = 60;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	fx.doors[0].rot_secrets = NULL;
	fx.doors[0].spa_format = SPA_FORMAT_SESAME;
	m = grant_msg();
	m.replay.kind = PS_ONCE_PACKET;
	m.replay.expire_s = 1;
	assert_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.replay.expire_s = 0;                  /* a packet is live for a while */
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	memset(&m, 0, sizeof m);
	m.type = PS_READY;
	m.replay.id[31] = 1;
	assert_string_equal(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_READY),
			    "ready: stray fields");
}

static void other_messages_only_when_expected(void **state)
{
	(void)state;
	struct fixture fx;
	fixture_init(&fx);
	struct ps_msg m;
	memset(&m, 0, sizeof m);
	m.type = PS_READY;
	assert_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_READY));
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.nevents = 3;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_READY));

	memset(&m, 0, sizeof m);
	m.type = PS_STATUS;
	m.ndoors = 2;
	m.attempts[0] = 100;
	m.attempts[1] = 3;
	assert_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_STATUS));
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.attempts[0] = 101;            /* above StateLimit */
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_STATUS));
	m.attempts[0] = 0;
	m.ndoors = 3;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_STATUS));
	m.ndoors = 2;
	m.attempts[2] = 1;              /* past ndoors */
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_STATUS));

	memset(&m, 0, sizeof m);
	m.type = PS_HISTORY;
	m.nevents = 1;
	assert_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_HISTORY));
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.nevents = PS_EVENTS;
	assert_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_HISTORY));
	m.nevents = PS_EVENTS + 1;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_HISTORY));
	m.nevents = 0;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_HISTORY));
	m.nevents = 1;
	m.ndoors = 1;
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_HISTORY));
}

/* Over a real socketpair: a whole message is received with its length;
 * a shorter or longer datagram shows its true length (MSG_TRUNC). */
/* The counters of a status answer: pages of knock counts, then the
 * totals; every field a door cannot have is refused. */
static void counters_are_checked(void **state)
{
	(void)state;
	struct fixture fx;
	fixture_init(&fx);
	/* Door 1 is a sequence door of three steps; door 0 has none. */
	fx.doors[1].seq_len = 3;
	struct ps_msg m;
	memset(&m, 0, sizeof m);
	m.type = PS_KNOCKS;
	m.knocks[1].stage[0] = 7;
	m.knocks[1].stage[2] = 2;
	m.knocks[1].wrong = 3;
	m.knocks[1].timeouts = 1;
	assert_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_STATUS));
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE));
	m.knocks[1].stage[3] = 1;               /* a fourth stage */
	assert_string_equal(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_STATUS),
			    "knocks: a stage the door does not have");
	m.knocks[1].stage[3] = 0;
	m.knocks[0].wrong = 1;                  /* door 0 has no sequence */
	assert_string_equal(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_STATUS),
			    "knocks: counts for a door without a sequence");
	m.knocks[0].wrong = 0;
	m.knocks[2].stage[0] = 1;               /* past the last door */
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_STATUS));
	m.knocks[2].stage[0] = 0;
	m.knock_door = 1;                       /* not on a page boundary */
	assert_string_equal(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_STATUS),
			    "knocks: door out of range");
	m.knock_door = PS_KNOCK_DOORS;          /* past the doors */
	assert_non_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_STATUS));
	m.knock_door = 0;
	m.counters.frames = 1;                  /* totals belong to PS_STATUS */
	assert_string_equal(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_STATUS),
			    "knocks: stray fields");

	memset(&m, 0, sizeof m);
	m.type = PS_STATUS;
	m.ndoors = 2;
	m.counters.frames = 100;
	m.counters.spa_refused[SPA_R_AUTH] = 4;
	assert_null(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_STATUS));
	m.knocks[1].stage[0] = 1;               /* knock pages are their own */
	assert_string_equal(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_STATUS),
			    "status: stray fields");

	/* Counters in a grant are stray. */
	m = grant_msg();
	m.counters.spa_accepted = 1;
	assert_string_equal(privsep_check(&m, sizeof m, &fx.cfg, PS_EXPECT_NONE),
			    "grant: stray fields");
}

static void messages_keep_their_length(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	struct ps_msg m = grant_msg(), in;
	assert_int_equal(privsep_recv(sv[1], &in), -EAGAIN);
	assert_int_equal(privsep_send(sv[0], &m), 0);
	assert_int_equal(privsep_recv(sv[1], &in), (ssize_t)sizeof in);
	assert_memory_equal(&in, &m, sizeof m);
	char junk[sizeof m + 100];
	memset(junk, 0xa5, sizeof junk);
	assert_int_equal(send(sv[0], junk, 10, 0), 10);
	assert_int_equal(privsep_recv(sv[1], &in), 10);
	assert_int_equal(send(sv[0], junk, sizeof junk, 0), (ssize_t)sizeof junk);
	assert_int_equal(privsep_recv(sv[1], &in), (ssize_t)sizeof junk);
	close(sv[0]);
	assert_int_equal(privsep_recv(sv[1], &in), 0);
	close(sv[1]);
}

static void stop_records_parse_strictly(void **state)
{
	(void)state;
	struct stop_record r;
	const char good[] = "sesame-stop 1\n1700000000123\nssh\n198.18.0.2\necho %IP% done\n";
	assert_int_equal(stopstate_parse(good, strlen(good), &r), 0);
	assert_int_equal(r.deadline_ms, 1700000000123ull);
	assert_string_equal(r.door, "ssh");
	assert_int_equal(r.addr.family, AF_INET);
	assert_string_equal(r.cmd, "echo %IP% done");
	free(r.cmd);
	static const char *bad[] = {
		"",
		"sesame-stop 2\n1\nssh\n198.18.0.2\ncmd\n",        /* version */
		"sesame-stop 1\n-1\nssh\n198.18.0.2\ncmd\n",       /* sign */
		"sesame-stop 1\n12x\nssh\n198.18.0.2\ncmd\n",      /* junk */
		"sesame-stop 1\n99999999999999999999999\nssh\n198.18.0.2\ncmd\n",
		"sesame-stop 1\n1\n\n198.18.0.2\ncmd\n",           /* no door */
		"sesame-stop 1\n1\nssh\nexample.org\ncmd\n",       /* not an address */
		"sesame-stop 1\n1\nssh\n198.18.0.2\n",             /* no command */
		"sesame-stop 1\n1\nssh\n198.18.0.2\ncmd",          /* no final newline */
		"sesame-stop 1\n1\nssh",                           /* cut short */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(stopstate_parse(bad[i], strlen(bad[i]), &r), -EINVAL);
	char nul[] = "sesame-stop 1\n1\nssh\n198.18.0.2\nc\0md\n";
	assert_int_equal(stopstate_parse(nul, sizeof nul - 1, &r), -EINVAL);
	char longname[200];
	snprintf(longname, sizeof longname, "sesame-stop 1\n1\n%0100d\n198.18.0.2\ncmd\n", 0);
	assert_int_equal(stopstate_parse(longname, strlen(longname), &r), -EINVAL);
}

/* Write, read back through the scan, replace, remove. */
static int scanned;
static void on_record(void *ctx, const struct stop_record *r)
{
	(void)ctx;
	scanned++;
	assert_string_equal(r->door, "ssh");
	assert_string_equal(r->cmd, "echo two");
	assert_int_equal(r->deadline_ms, 2000);
}

static void stop_records_round_trip(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_privsep.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char sub[64];
	snprintf(sub, sizeof sub, "%s/state", dir);
	assert_int_equal(stopstate_dir_ok(sub), 0);
	struct addr a;
	assert_true(addr_parse("2001:db8:5e5::2", &a));
	assert_int_equal(stopstate_write(sub, "ssh", &a, 1000, "echo one"), 0);
	assert_int_equal(stopstate_write(sub, "ssh", &a, 2000, "echo two"), 0);
	scanned = 0;
	assert_int_equal(stopstate_scan(sub, on_record, NULL), 1);
	assert_int_equal(scanned, 1);
	assert_int_equal(stopstate_remove(sub, "ssh", &a), 0);
	assert_int_equal(stopstate_remove(sub, "ssh", &a), 0);
	assert_int_equal(stopstate_scan(sub, on_record, NULL), 0);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "chmod 0777 '%s'", sub);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(stopstate_dir_ok(sub), -EPERM);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grant_fields_out_of_range_are_refused),
		cmocka_unit_test(other_messages_only_when_expected),
		cmocka_unit_test(messages_keep_their_length),
		cmocka_unit_test(counters_are_checked),
		cmocka_unit_test(stop_records_parse_strictly),
		cmocka_unit_test(stop_records_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
