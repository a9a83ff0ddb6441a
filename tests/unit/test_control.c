/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of control (the control socket's protocol and file handling)
 * and status (the text and JSON it answers with), on a socket under a
 * private temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "control.h"
#include "log.h"
#include "status.h"

static char dir[64], path[128];
static int calls;
static bool last_json;

static void fake_status(void *ctx, enum control_format format, struct strbuf *out)
{
	(void)ctx;
	calls++;
	bool json = format == CONTROL_JSON;
	last_json = json;
	strbuf_puts(out, json ? "{\"fake\":true}\n" : "fake status\n");
}

static int setup(void **state)
{
	(void)state;
	log_to_stderr(false);
	strcpy(dir, "/tmp/sesame-control-XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* A directory that does not exist yet: control_open makes it. */
	snprintf(path, sizeof path, "%s/run/sesame/control", dir);
	calls = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int client(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	return fd;
}

/* Sends REQ (may be NULL), then runs the server until the client has the
 * whole answer (EOF) or 2 s pass.  Returns the answer. */
static char *ask(struct control *c, int fd, const char *req)
{
	static char buf[4096];
	size_t len = 0;
	if (req)
		assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	for (int i = 0; i < 200; i++) {
		struct pollfd p = { .fd = control_fd(c), .events = POLLIN };
		if (poll(&p, 1, 10) == 1)
			control_dispatch(c);
		struct pollfd q = { .fd = fd, .events = POLLIN };
		if (poll(&q, 1, 0) == 1) {
			ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
			if (n <= 0)
				break;
			len += (size_t)n;
		}
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

static void answers_requests(void **state)
{
	(void)state;
	struct control *c;
	assert_int_equal(control_open(path, fake_status, NULL, &c), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_string_equal(ask(c, client(), "ping\n"), "pong\n");
	assert_string_equal(ask(c, client(), "status\n"), "fake status\n");
	assert_false(last_json);
	assert_string_equal(ask(c, client(), "status json\r\n"), "{\"fake\":true}\n");
	assert_true(last_json);
	assert_string_equal(ask(c, client(), "shutdown\n"), "error: unknown request\n");
	assert_string_equal(ask(c, client(), "status jsonx\n"), "error: unknown request\n");
	assert_int_equal(calls, 2);
	control_free(c);
	assert_int_equal(stat(path, &st), -1);  /* removed at the end */
}

static void refuses_long_lines_and_hangups(void **state)
{
	(void)state;
	struct control *c;
	assert_int_equal(control_open(path, fake_status, NULL, &c), 0);
	char line[CONTROL_LINE_MAX + 64];
	memset(line, 'a', sizeof line - 1);
	line[sizeof line - 1] = '\0';
	assert_string_equal(ask(c, client(), line), "");        /* closed, no answer */
	int fd = client();
	shutdown(fd, SHUT_WR);                                  /* no line at all */
	assert_string_equal(ask(c, fd, NULL), "");
	/* Still serving after both. */
	assert_string_equal(ask(c, client(), "ping\n"), "pong\n");
	assert_int_equal(calls, 0);
	control_free(c);
}

static void many_clients_at_once(void **state)
{
	(void)state;
	struct control *c;
	assert_int_equal(control_open(path, fake_status, NULL, &c), 0);
	/* More than CONTROL_CLIENTS connect and say nothing yet... */
	int idle[CONTROL_CLIENTS + 2];
	for (size_t i = 0; i < sizeof idle / sizeof idle[0]; i++)
		idle[i] = client();
	control_dispatch(c);
	/* ... then each asks: all are answered, the late ones from the backlog. */
	for (size_t i = 0; i < sizeof idle / sizeof idle[0]; i++)
		assert_string_equal(ask(c, idle[i], "ping\n"), "pong\n");
	control_free(c);
}

static void socket_file_rules(void **state)
{
	(void)state;
	struct control *c, *c2;
	assert_int_equal(control_open(path, fake_status, NULL, &c), 0);
	/* A second server on a live socket is refused... */
	assert_int_equal(control_open(path, fake_status, NULL, &c2), -EADDRINUSE);
	/* ... and did not remove the first one's socket. */
	assert_string_equal(ask(c, client(), "ping\n"), "pong\n");
	control_free(c);
	/* A stale socket (nobody listening) is replaced. */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	close(fd);
	assert_int_equal(control_open(path, fake_status, NULL, &c), 0);
	assert_string_equal(ask(c, client(), "ping\n"), "pong\n");
	control_free(c);
	/* A file that is not a socket is never removed. */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(control_open(path, fake_status, NULL, &c), -EEXIST);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

/* status without a gate: the doors as text and as JSON, names escaped. */
static size_t two_attempts(void *ctx, size_t door)
{
	(void)ctx;
	return door == 0 ? 2 : 0;
}

static void status_without_gate(void **state)
{
	(void)state;
	struct door doors[4];
	memset(doors, 0, sizeof doors);
	strcpy(doors[0].name, "ssh \"main\"");
	doors[0].seq[0] = (struct port_proto){ 7000, PROTO_TCP };
	doors[0].seq[1] = (struct port_proto){ 8000, PROTO_UDP };
	doors[0].seq_len = 2;
	doors[0].open[0] = (struct port_proto){ 22, PROTO_TCP };
	doors[0].open_len = 1;
	doors[0].open_timeout_s = 30;
	strcpy(doors[1].name, "spa");
	doors[1].spa_format = SPA_FORMAT_SESAME;
	doors[1].spa_port = 62201;
	/* Forward doors: any port forward; one routed IPv6 destination. */
	strcpy(doors[2].name, "fwd");
	doors[2].seq[0] = (struct port_proto){ 7100, PROTO_TCP };
	doors[2].seq_len = 1;
	doors[2].open[0] = (struct port_proto){ 2222, PROTO_TCP };
	doors[2].open_len = 1;
	doors[2].open_timeout_s = 4;
	doors[2].forward = true;
	doors[3] = doors[2];
	strcpy(doors[3].name, "fwd6");
	assert_true(addr_parse("2001:db8:1::2", &doors[3].forward_to));
	doors[3].forward_to_port = 22;
	struct config cfg = { .doors = doors, .ndoors = 4 };
	strcpy(cfg.nft_table, "sesame");
	struct status_src src = { .cfg = &cfg, .attempts = two_attempts, .interface = "br0",
				  .uptime_s = 5 };
	struct strbuf sb = STRBUF_INIT;
	status_render(&src, false, &sb);
	const char *t = strbuf_str(&sb);
	assert_non_null(strstr(t, ", up 5 s, capturing on br0\n"));
	assert_non_null(strstr(t, "\ndoor ssh \"main\": 7000:tcp,8000:udp; opens 22/tcp for 30 s; 2 attempts in progress\n"));
	assert_non_null(strstr(t, "\ndoor spa: spa on 62201/udp\n"));
	assert_non_null(strstr(t, "\ndoor fwd: 7100:tcp; opens 2222/tcp for 4 s; forwarded to any DNAT destination;"));
	assert_non_null(strstr(t, "\ndoor fwd6: 7100:tcp; opens 2222/tcp for 4 s; forwarded to [2001:db8:1::2]:22;"));
	doors[3].forward_to_port = 0;
	strbuf_reset(&sb);
	status_render(&src, false, &sb);
	assert_non_null(strstr(strbuf_str(&sb), "forwarded to 2001:db8:1::2;"));
	doors[3].forward_to_port = 22;
	strbuf_reset(&sb);
	status_render(&src, true, &sb);
	t = strbuf_str(&sb);
	assert_non_null(strstr(t, "\"gate\":null"));
	assert_non_null(strstr(t, "{\"name\":\"ssh \\\"main\\\"\",\"kind\":\"sequence\","
				  "\"sequence\":[\"7000:tcp\",\"8000:udp\"],\"open\":[\"22/tcp\"],"
				  "\"open_timeout_s\":30,\"commands\":false,\"forward\":null,\"attempts\":2,\"grants\":[]}"));
	assert_non_null(strstr(t, "\"name\":\"fwd\",\"kind\":\"sequence\",\"sequence\":[\"7100:tcp\"],"
				  "\"open\":[\"2222/tcp\"],\"open_timeout_s\":4,\"commands\":false,"
				  "\"forward\":{\"to\":null,\"port\":null},"));
	assert_non_null(strstr(t, "\"forward\":{\"to\":\"2001:db8:1::2\",\"port\":22},"));
	assert_non_null(strstr(t, "{\"name\":\"spa\",\"kind\":\"spa\",\"sequence\":[],\"spa_port\":62201,"));
	assert_non_null(strstr(t, "\"attempts\":null"));
	assert_int_equal(t[strlen(t) - 1], '\n');
	strbuf_fini(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(answers_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_long_lines_and_hangups, setup, teardown),
		cmocka_unit_test_setup_teardown(many_clients_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(socket_file_rules, setup, teardown),
		cmocka_unit_test(status_without_gate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
