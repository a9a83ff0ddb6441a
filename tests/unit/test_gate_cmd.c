/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the command gate and grant validation: %IP% expansion,
 * start/stop with Cmd_Timeout, refresh without a second start, the _6
 * fallback, empty commands, exit status logging, stop-all at shutdown. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "gate_cmd.h"
#include "gate.h"
#include "log.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_gate_cmd.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct addr a4(const char *s)
{
	struct addr a;
	assert_true(addr_parse(s, &a));
	return a;
}

/* Lines of FILE equal to LINE. */
static int count_lines(const char *file, const char *line)
{
	char path[128], buf[256];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	int n = 0;
	while (fgets(buf, sizeof buf, f)) {
		buf[strcspn(buf, "\n")] = 0;
		n += strcmp(buf, line) == 0;
	}
	fclose(f);
	return n;
}

static void expand_replaces_every_ip(void **state)
{
	(void)state;
	struct addr a = a4("198.18.0.2");
	char *s = gate_cmd_expand("add %IP% then %IP%%IP% end", &a);
	assert_string_equal(s, "add 198.18.0.2 then 198.18.0.2198.18.0.2 end");
	free(s);
	s = gate_cmd_expand("nothing to do %IP", &a);
	assert_string_equal(s, "nothing to do %IP");
	free(s);
	a = a4("2001:db8:5e5::2");
	s = gate_cmd_expand("%IP%", &a);
	assert_string_equal(s, "2001:db8:5e5::2");
	free(s);
	s = gate_cmd_expand("", &a);
	assert_string_equal(s, "");
	free(s);
}

/* A config with one command door writing to files in DIR. */
struct fixture {
	struct config cfg;
	struct door door;
	char start[256], stop[256];
};

static void fixture_init(struct fixture *fx, unsigned timeout_s)
{
	memset(fx, 0, sizeof *fx);
	snprintf(fx->door.name, sizeof fx->door.name, "door1");
	snprintf(fx->start, sizeof fx->start, "echo start %%IP%% >> %s/log", dir);
	snprintf(fx->stop, sizeof fx->stop, "echo stop %%IP%% >> %s/log", dir);
	fx->door.start_command = fx->start;
	fx->door.stop_command = fx->stop;
	fx->door.cmd_timeout_s = timeout_s;
	fx->door.has_cmd_timeout = true;
	fx->cfg.doors = &fx->door;
	fx->cfg.ndoors = 1;
}

struct run {
	struct gate_cmd *g;
	struct fixture *fx;
	int step;
	int starts_mid, stops_mid;
};

static void on_sig(struct loop *l, const struct signalfd_siginfo *si, void *ctx)
{
	(void)l; (void)si;
	struct run *r = ctx;
	gate_cmd_reap(r->g);
}

static void on_step(struct loop *l, struct loop_timer *t, void *ctx)
{
	struct run *r = ctx;
	struct grant gr = { .door = 0, .addr = a4("198.18.0.2") };
	uint64_t now = loop_now_ms();
	switch (r->step++) {
	case 0:         /* t = 500 ms: the same knocker succeeds again */
		assert_int_equal(gate_cmd_grant(r->g, &r->fx->cfg, &gr), 0);
		assert_int_equal(gate_cmd_pending(r->g), 1);
		loop_timer_set(l, t, now + 700);
		break;
	case 1:         /* t = 1200 ms: past the first deadline, before the new */
		r->starts_mid = count_lines("log", "start 198.18.0.2");
		r->stops_mid = count_lines("log", "stop 198.18.0.2");
		loop_timer_set(l, t, now + 1000);
		break;
	default:        /* t = 2200 ms: the refreshed deadline (1500) passed */
		loop_stop(l, 0);
	}
}

static void start_stop_and_refresh(void **state)
{
	(void)state;
	struct fixture fx;
	fixture_init(&fx, 1);
	struct loop *l;
	assert_int_equal(loop_new(&l), 0);
	struct run r = { .fx = &fx };
	int sigs[] = { SIGCHLD };
	assert_int_equal(loop_signals(l, sigs, 1, on_sig, &r), 0);
	assert_int_equal(gate_cmd_new(l, &r.g), 0);

	struct grant gr = { .door = 0, .addr = a4("198.18.0.2") };
	assert_int_equal(gate_cmd_grant(r.g, &fx.cfg, &gr), 0);
	assert_int_equal(gate_cmd_pending(r.g), 1);
	struct loop_timer *t = loop_timer_new(l, on_step, &r);
	loop_timer_set(l, t, loop_now_ms() + 500);
	assert_int_equal(loop_run(l), 0);

	assert_int_equal(r.starts_mid, 1);      /* refresh did not start again */
	assert_int_equal(r.stops_mid, 0);       /* and pushed the stop back */
	gate_cmd_shutdown(r.g, 2000);           /* waits for the last child */
	assert_int_equal(count_lines("log", "start 198.18.0.2"), 1);
	assert_int_equal(count_lines("log", "stop 198.18.0.2"), 1);
	assert_int_equal(gate_cmd_pending(r.g), 0);
	loop_timer_free(l, t);
	gate_cmd_free(r.g);
	loop_free(l);
}

static void v6_falls_back_and_empty_runs_nothing(void **state)
{
	(void)state;
	struct fixture fx;
	fixture_init(&fx, 60);
	struct loop *l;
	struct gate_cmd *g;
	assert_int_equal(loop_new(&l), 0);
	assert_int_equal(gate_cmd_new(l, &g), 0);
	char stop6[256];
	snprintf(stop6, sizeof stop6, "echo stop6 %%IP%% >> %s/v6", dir);
	snprintf(fx.start, sizeof fx.start, "echo start %%IP%% >> %s/v6", dir);
	fx.door.stop_command6 = stop6;
	struct grant gr = { .door = 0, .addr = a4("2001:db8:5e5::2") };
	assert_int_equal(gate_cmd_grant(g, &fx.cfg, &gr), 0);  /* start: v4 text */
	/* A door whose Start_Command_6 is empty runs nothing for v6 ... */
	fx.door.start_command6 = "";
	fx.door.stop_command6 = "";
	snprintf(fx.door.name, sizeof fx.door.name, "door2");
	assert_int_equal(gate_cmd_grant(g, &fx.cfg, &gr), 0);
	assert_int_equal(gate_cmd_pending(g), 1);               /* only door1's */
	snprintf(fx.door.name, sizeof fx.door.name, "door1");
	fx.door.stop_command6 = stop6;
	gate_cmd_shutdown(g, 2000);
	assert_int_equal(count_lines("v6", "start 2001:db8:5e5::2"), 1);
	assert_int_equal(count_lines("v6", "stop6 2001:db8:5e5::2"), 1);
	gate_cmd_free(g);
	loop_free(l);
}

static void failing_command_is_logged(void **state)
{
	(void)state;
	struct fixture fx;
	fixture_init(&fx, 10);
	fx.door.start_command = "exit 3";
	fx.door.stop_command = NULL;
	char logpath[128];
	snprintf(logpath, sizeof logpath, "%s/daemon.log", dir);
	assert_int_equal(log_to_file(logpath), 0);
	log_to_stderr(false);
	struct loop *l;
	struct gate_cmd *g;
	assert_int_equal(loop_new(&l), 0);
	assert_int_equal(gate_cmd_new(l, &g), 0);
	struct grant gr = { .door = 0, .addr = a4("198.18.0.9") };
	assert_int_equal(gate_cmd_grant(g, &fx.cfg, &gr), 0);
	assert_int_equal(gate_cmd_pending(g), 0);       /* no stop command */
	assert_int_equal(gate_cmd_running(g), 1);
	gate_cmd_shutdown(g, 2000);
	assert_int_equal(gate_cmd_running(g), 0);
	log_close();
	log_to_stderr(true);
	char grep[256];
	snprintf(grep, sizeof grep,
		 "grep -q 'door door1: 198.18.0.9: start command failed: exit status 3' '%s'",
		 logpath);
	assert_int_equal(system(grep), 0);
	gate_cmd_free(g);
	loop_free(l);
}

static void running_starts_are_bounded(void **state)
{
	(void)state;
	struct fixture fx;
	fixture_init(&fx, 10);
	fx.door.start_command = "sleep 0.3";
	fx.door.stop_command = NULL;
	struct loop *l;
	struct gate_cmd *g;
	assert_int_equal(loop_new(&l), 0);
	assert_int_equal(gate_cmd_new(l, &g), 0);
	gate_cmd_set_max_children(g, 2);
	struct grant gr = { .door = 0, .addr = a4("198.18.0.10") };
	assert_int_equal(gate_cmd_grant(g, &fx.cfg, &gr), 0);
	gr.addr = a4("198.18.0.11");
	assert_int_equal(gate_cmd_grant(g, &fx.cfg, &gr), 0);
	gr.addr = a4("198.18.0.12");
	assert_int_equal(gate_cmd_grant(g, &fx.cfg, &gr), -EAGAIN);
	assert_int_equal(gate_cmd_running(g), 2);
	gate_cmd_shutdown(g, 2000);             /* both end; room again */
	assert_int_equal(gate_cmd_running(g), 0);
	assert_int_equal(gate_cmd_grant(g, &fx.cfg, &gr), 0);
	gate_cmd_shutdown(g, 2000);
	gate_cmd_free(g);
	loop_free(l);
}

static void pending_stops_are_bounded(void **state)
{
	(void)state;
	struct fixture fx;
	fixture_init(&fx, 60);
	struct loop *l;
	struct gate_cmd *g;
	assert_int_equal(loop_new(&l), 0);
	assert_int_equal(gate_cmd_new(l, &g), 0);
	gate_cmd_set_max_pending(g, 2);
	struct grant gr = { .door = 0, .addr = a4("198.18.0.20") };
	assert_int_equal(gate_cmd_grant(g, &fx.cfg, &gr), 0);
	gr.addr = a4("198.18.0.21");
	assert_int_equal(gate_cmd_grant(g, &fx.cfg, &gr), 0);
	/* A third address would be a third pending stop: refused. */
	gr.addr = a4("198.18.0.22");
	assert_int_equal(gate_cmd_grant(g, &fx.cfg, &gr), -EAGAIN);
	/* A refresh of one already pending is always taken. */
	gr.addr = a4("198.18.0.21");
	assert_int_equal(gate_cmd_grant(g, &fx.cfg, &gr), 0);
	gate_cmd_shutdown(g, 2000);
	gate_cmd_free(g);
	loop_free(l);
}

static void grants_are_validated(void **state)
{
	(void)state;
	struct fixture fx;
	fixture_init(&fx, 10);
	fx.door.open[0] = (struct port_proto){ 22, PROTO_TCP };
	fx.door.open_len = 1;
	fx.door.open_timeout_s = 30;
	struct grant gr = { .door = 0, .addr = a4("198.18.0.2") };
	assert_true(grant_validate(&gr, &fx.cfg));
	gr.timeout_s = 30;
	assert_true(grant_validate(&gr, &fx.cfg));
	gr.timeout_s = 31;
	assert_false(grant_validate(&gr, &fx.cfg));
	/* A door with Open is bounded by Open_Timeout, as the nft gate is,
	 * even when its Cmd_Timeout is longer. */
	fx.door.cmd_timeout_s = 60;
	assert_false(grant_validate(&gr, &fx.cfg));
	fx.door.cmd_timeout_s = 10;
	gr.timeout_s = 0;
	gr.nports = 1;
	gr.ports[0] = (struct port_proto){ 22, PROTO_TCP };
	assert_true(grant_validate(&gr, &fx.cfg));
	gr.ports[0].proto = PROTO_UDP;
	assert_false(grant_validate(&gr, &fx.cfg));
	gr.ports[0].proto = PROTO_TCP;
	gr.nports = 2;
	assert_false(grant_validate(&gr, &fx.cfg));
	gr.nports = 0;
	gr.door = 1;
	assert_false(grant_validate(&gr, &fx.cfg));
	gr.door = 0;
	gr.addr.family = AF_UNIX;
	assert_false(grant_validate(&gr, &fx.cfg));
	assert_false(grant_validate(NULL, &fx.cfg));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(expand_replaces_every_ip),
		cmocka_unit_test(start_stop_and_refresh),
		cmocka_unit_test(v6_falls_back_and_empty_runs_nothing),
		cmocka_unit_test(failing_command_is_logged),
		cmocka_unit_test(running_starts_are_bounded),
		cmocka_unit_test(pending_stops_are_bounded),
		cmocka_unit_test(grants_are_validated),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
