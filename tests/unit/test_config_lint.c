/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of config_lint() and config_load(): every warning, the
 * tests/configs corpus (good configs load; each bad one reports the error
 * its first line announces) and the files a config names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "config.h"
#include "config_diags.h"

/* --- lint ------------------------------------------------------------- */

static unsigned lint(const char *text)
{
	struct config *c = good(text);
	diags_clear(&D);
	unsigned n = config_lint(c, collect, &D);
	assert_int_equal(n, D.warnings);
	assert_int_equal(D.errors, 0);
	config_free(c);
	return n;
}

static void lint_warnings(void **state)
{
	(void)state;
	/* A clean door draws nothing. */
	assert_int_equal(lint("[d]\nsequence = 7000,8000:udp,9000\ntcpflags = syn\n"
			      "open = 22\n"), 0);
	assert_int_equal(lint("[d]\nsequence = 7000,8000,9000\ncommand = /a\n"
			      "cmd_timeout = 5\nstop_command = /b\n"), 0);

	lint("[d]\nsequence = 7000,8000,9000\ntcpflags = syn,ack\nopen = 22\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:3: warning: door d: TCPFlags requires both syn and ack"));

	lint("[d]\nsequence = 7000,8000,9000\ntcpflags = ack\nopen = 22\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:3: warning: door d: TCPFlags requires ack: a knock is a bare SYN"));
	lint("[d]\nsequence = 7000,8000,9000\ntcpflags = ack,psh\nopen = 22\n");
	assert_true(has(&D, LOG_WARNING, "door d: TCPFlags requires ack"));
	assert_int_equal(lint("[d]\nsequence = 7000,8000,9000\ntcpflags = syn,!ack\nopen = 22\n"), 0);

	/* One door's sequence the start of another's: the longer opens both. */
	lint("[long]\nsequence = 7000,8000,9000\nopen = 22\n[short]\nsequence = 7000,8000\nopen = 23\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:5: warning: door short: its sequence is the start of "
			"door long's (line 2): knocking long also opens short on the way"));
	lint("[short]\nsequence = 7000,8000\nopen = 23\n[long]\nsequence = 7000,8000,9000\nopen = 22\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:2: warning: door short: its sequence is the start of door long's"));
	/* Shared ports in another order are no prefix. */
	assert_int_equal(lint("[a]\nsequence = 7000,8000,9000\nopen = 22\n[b]\nsequence = 8000,7000\nopen = 23\n"), 0);

	lint("[d]\nsequence = 7000,8000,8000,9000\nopen = 22\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:2: warning: door d: port 8000/tcp repeated back to back"));
	/* Same port, other protocol: not a repeat. */
	assert_int_equal(lint("[d]\nsequence = 7000,8000,8000:udp,9000\nopen = 22\n"), 0);

	lint("[d]\nsequence = 7000,2222,9000\nopen = 2222/tcp\n");
	assert_true(has(&D, LOG_WARNING, "door d: knock port 2222/tcp is also a port this door opens"));
	lint("[d]\nsequence = 7000,2222,9000\nopen = 3333\n[e]\nsequence = 1000,1001,1002\nopen = 2222\n");
	assert_true(has(&D, LOG_WARNING, "door d: knock port 2222/tcp is a port door e opens"));
	lint("[d]\nsequence = 7000,22,9000\nopen = 2222\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:2: warning: door d: knock port 22/tcp is a well-known service port (ssh)"));
	lint("[d]\nsequence = 7000,443:udp,9000\nopen = 2222\n");
	assert_true(has(&D, LOG_WARNING, "knock port 443/udp is a well-known service port (https)"));

	lint("[d]\nsequence = 7000,8000,9000\ncommand = /a\nstop_command = /b\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:4: warning: door d: Stop_Command without Cmd_Timeout: it runs 10 s after"));
	lint("[d]\nsequence = 7000,8000,9000\ncommand_6 = /a\nstop_command_6 = /b\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:4: warning: door d: Stop_Command_6 without Cmd_Timeout"));
	lint("[d]\nsequence = 7000,8000,9000\ncommand = /a\ncmd_timeout = 3\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:4: warning: door d: Cmd_Timeout without Stop_Command"));
	lint("[d]\nsequence = 7000,8000,9000\nstop_command = /b\ncmd_timeout = 3\n");
	assert_true(has(&D, LOG_WARNING, "door d: Stop_Command without Start_Command"));

	lint("[d]\nsequence = 7000\nopen = 22\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:2: warning: door d: a sequence of one port"));

	lint("[d]\nsequence = 7000,8000,9000\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:1: warning: door d: neither Open nor Start_Command"));
	lint("[d]\nsequence = 7000,8000,9000\ncommand =\n");
	assert_true(has(&D, LOG_WARNING, "neither Open nor Start_Command"));

	lint("[d]\nsequence = 7000,8000,9000\nopen_timeout = 9\ncommand = /a\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:3: warning: door d: Open_Timeout without Open"));

	lint("[d]\nsequence = 7000:udp,8000:udp\ntcpflags = syn\nopen = 22\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:3: warning: door d: TCPFlags has no effect on a sequence of UDP ports only"));

	lint("[d]\nsequence = 7000,8000,9000\nopen = 22\n[e]\nsequence = 7000,8000,9000\nopen = 80\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:5: warning: door e: same sequence as door d (line 2)"));

	lint("[d]\nsequence = 7000,62201:udp,9000\nopen = 22\n[s]\nspa_keys = /k\nspa_port = 62201\nopen = 22\n");
	assert_true(has(&D, LOG_WARNING, "door d: knock port 62201/udp is door s's SPA_Port"));

	lint("[s]\nspa_keys = /k\nspa_port = 1\nopen = 22\nseq_timeout = 5\ntcpflags = syn\ntarget = 10.0.0.1\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:5: warning: door s: Seq_Timeout has no effect on an SPA door"));
	assert_true(has(&D, LOG_WARNING, "t.conf:6: warning: door s: TCPFlags has no effect on an SPA door"));
	assert_true(has(&D, LOG_WARNING, "t.conf:7: warning: door s: Target has no effect on an SPA door"));

	lint("[fw]\nspa_format = fwknop\nfwknop_key = k\nfwknop_hmac_key = h\n"
	     "fwknop_hmac_digest = md5\nopen = 22\n");
	assert_true(has(&D, LOG_WARNING, "door fw: Fwknop_HMAC_Digest md5 is weak"));

	lint("[s]\nspa_port = 1\nspa_keys = /k\nopen = 22\nspa_accept_v1 = yes\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:1: warning: door s: SPA_Accept_V1: version 1 "
			"packets name no port"));
	assert_int_equal(lint("[s]\nspa_port = 1\nspa_keys = /k\nopen = 22\nspa_accept_v1 = no\n"
			      "spa_require_address = yes\n"), 0);
	lint("[f1]\nspa_format = fwknop\nfwknop_key = k\nfwknop_hmac_key = h\nopen = 22\n"
	     "[f2]\nspa_format = fwknop\nspa_port = 5000\nfwknop_key = k\nfwknop_hmac_key = h\n"
	     "open = 22\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:6: warning: door f2: same fwknop keys as door f1 "
			"(line 1)"));
	lint("[f]\nsequence = 7000,8000\ntarget = 198.18.0.1\nopen = 2222\nforward = yes\n"
	     "forward_to = [2001:db8:1::2]:22\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:6: warning: door f: Forward_To is an IPv6 "
			"address but Target is IPv4"));
	lint("[f]\nsequence = 7000,8000\ntarget = 198.18.0.1\nopen = 2222\nforward = yes\n"
	     "forward_to = 198.19.1.2:22\n");
	assert_false(has(&D, LOG_WARNING, "Forward_To"));

	lint("[options]\nusesyslog\n");
	assert_true(has(&D, LOG_WARNING, "t.conf: warning: no doors"));
}

/* --- the corpus ------------------------------------------------------- */

static const char *root(void)
{
	const char *r = getenv("SESAME_ROOT");
	return r && *r ? r : ".";
}

static int load(const char *path, struct config **out)
{
	diags_clear(&D);
	return config_load(path, collect, &D, out);
}

static void corpus_good(void **state)
{
	(void)state;
	char dir[4096], path[8192];
	snprintf(dir, sizeof dir, "%s/tests/configs/good", root());
	DIR *dp = opendir(dir);
	assert_non_null(dp);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(dp))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".conf") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct config *c = NULL;
		int r = load(path, &c);
		if (r != 0) {
			print_message("%s: %d\n", path, r);
			diags_dump(&D);
		}
		assert_int_equal(r, 0);
		assert_int_equal(D.errors, 0);
		assert_true(c->ndoors > 0);
		config_lint(c, collect, &D);
		/* Only the man page's syn,ack example and the files that
		 * announce a warning ("# warn: ...", checked by sesamed -t in
		 * test_daemon_check.sh) draw one. */
		char first[256] = "";
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		if (!fgets(first, sizeof first, f))
			first[0] = '\0';
		fclose(f);
		if (strcmp(e->d_name, "knockd-cmd-timeout.conf") == 0)
			assert_true(has(&D, LOG_WARNING, "TCPFlags requires both syn and ack"));
		else if (D.warnings && strncmp(first, "# warn: ", 8) != 0) {
			diags_dump(&D);
			fail();
		}
		config_free(c);
		n++;
	}
	closedir(dp);
	assert_true(n >= 6);
}

static void corpus_bad(void **state)
{
	(void)state;
	char dir[4096], path[8192];
	snprintf(dir, sizeof dir, "%s/tests/configs/bad", root());
	DIR *dp = opendir(dir);
	assert_non_null(dp);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(dp))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".conf") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		char first[512], second[512];
		assert_non_null(fgets(first, sizeof first, f));
		/* "# errors: N": exactly N errors, no follow-on ones. */
		unsigned nerr = 0;
		if (!fgets(second, sizeof second, f) || sscanf(second, "# errors: %u", &nerr) != 1)
			nerr = 0;
		fclose(f);
		first[strcspn(first, "\n")] = '\0';
		/* "# expect: LINE: substring" */
		unsigned line;
		int off = 0;
		if (sscanf(first, "# expect: %u: %n", &line, &off) != 1 || off == 0) {
			print_message("%s: no '# expect: LINE: text' first line\n", path);
			fail();
		}
		char want[8192 + 600];
		snprintf(want, sizeof want, "%s:%u: %s", path, line, first + off);
		struct config *c = (struct config *)1;
		int r = load(path, &c);
		if (r != -EINVAL || !has(&D, LOG_ERR, want)) {
			print_message("want: %s\n", want);
			diags_dump(&D);
		}
		assert_int_equal(r, -EINVAL);
		assert_null(c);
		assert_true(has(&D, LOG_ERR, want));
		if (nerr && D.errors != nerr) {
			print_message("%s: %zu errors, want %u\n", path, D.errors, nerr);
			diags_dump(&D);
			fail();
		}
		n++;
	}
	closedir(dp);
	assert_true(n >= 40);
}

/* The streamed reader (config_load) and the buffer reader (config_parse)
 * see the same lines: same verdict, same messages, for every corpus file
 * (one-time files, which only config_load reads, aside). */
static void stream_equals_buffer(void **state)
{
	(void)state;
	static const char *const dirs[] = { "good", "bad" };
	size_t n = 0;
	for (size_t k = 0; k < 2; k++) {
		char dir[4096], path[8192];
		snprintf(dir, sizeof dir, "%s/tests/configs/%s", root(), dirs[k]);
		DIR *dp = opendir(dir);
		assert_non_null(dp);
		struct dirent *e;
		while ((e = readdir(dp))) {
			size_t len = strlen(e->d_name);
			if (len < 6 || strcmp(e->d_name + len - 5, ".conf") != 0 ||
			    strncmp(e->d_name, "onetime-", 8) == 0)
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			FILE *f = fopen(path, "r");
			assert_non_null(f);
			static char buf[1 << 16];
			size_t got = fread(buf, 1, sizeof buf, f);
			fclose(f);
			assert_true(got < sizeof buf);

			struct config *a = NULL, *b = NULL;
			int ra = load(path, &a);
			struct diags da = D;
			memset(&D, 0, sizeof D);        /* da owns the messages now */
			int rb = config_parse(path, buf, got, collect, &D, &b);
			assert_int_equal(ra, rb);
			assert_int_equal(da.n, D.n);
			for (size_t i = 0; i < D.n; i++)
				assert_string_equal(da.msg[i], D.msg[i]);
			if (a) {
				assert_int_equal(a->ndoors, b->ndoors);
				for (size_t i = 0; i < a->ndoors; i++) {
					assert_string_equal(a->doors[i].name, b->doors[i].name);
					assert_int_equal(a->doors[i].seq_len, b->doors[i].seq_len);
					assert_int_equal(a->doors[i].open_len, b->doors[i].open_len);
				}
			}
			config_free(a);
			config_free(b);
			diags_clear(&da);
			n++;
		}
		closedir(dp);
	}
	assert_true(n >= 45);
}

static void too_many_doors(void **state)
{
	(void)state;
	size_t max = CONFIG_DOORS_MAX + 1;
	char *text = malloc(max * 40);
	assert_non_null(text);
	text[0] = '\0';
	size_t len = 0;
	for (size_t i = 0; i < max; i++)
		len += (size_t)snprintf(text + len, max * 40 - len,
					"[d%zu]\nsequence = 1,2,%zu\n", i, i + 3);
	bad(text, "t.conf:513: too many doors (at most 256)");
	/* One less is fine. */
	*strstr(text, "[d256]") = '\0';
	struct config *c = good(text);
	assert_int_equal(c->ndoors, CONFIG_DOORS_MAX);
	assert_string_equal(c->doors[255].name, "d255");
	config_free(c);
	free(text);
}

static void load_errors(void **state)
{
	(void)state;
	struct config *c = (struct config *)1;
	assert_int_equal(load("/nonexistent/sesame.conf", &c), -ENOENT);
	assert_null(c);
	assert_true(has(&D, LOG_ERR, "/nonexistent/sesame.conf: cannot read"));
	assert_int_equal(load("/", &c), -EISDIR);
	assert_null(c);
	assert_true(has(&D, LOG_ERR, "/: cannot read: a directory, not a config file"));
	assert_int_equal(D.errors, 1);
}

/* One-time files are checked at load (knockd reads them at start too). */
static void load_onetime(void **state)
{
	(void)state;
	char dir[] = "/tmp/sesame-test-config-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char conf[128], seqs[128];
	snprintf(conf, sizeof conf, "%s/k.conf", dir);
	snprintf(seqs, sizeof seqs, "%s/seqs", dir);
	FILE *f = fopen(conf, "w");
	assert_non_null(f);
	fputs("[ot]\none_time_sequences = seqs\ncommand = /bin/true\n", f);
	fclose(f);
	f = fopen(seqs, "w");
	assert_non_null(f);
	fputs("#1,2,3\n", f);
	fclose(f);

	struct config *c;
	assert_int_equal(load(conf, &c), 0);
	assert_string_equal(c->doors[0].one_time_file, seqs);
	assert_true(door_is_sequence(&c->doors[0]));
	/* Used up: loads, with a warning (the door stays shut). */
	assert_true(has(&D, LOG_WARNING, ":2: warning: door ot: every sequence in"));
	config_free(c);

	unlink(seqs);
	assert_int_equal(load(conf, &c), -EINVAL);
	assert_true(has(&D, LOG_ERR, "k.conf:2: door ot: One_Time_Sequences: cannot read"));
	unlink(conf);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(lint_warnings, teardown),
		cmocka_unit_test_teardown(corpus_good, teardown),
		cmocka_unit_test_teardown(corpus_bad, teardown),
		cmocka_unit_test_teardown(stream_equals_buffer, teardown),
		cmocka_unit_test_teardown(too_many_doors, teardown),
		cmocka_unit_test_teardown(load_errors, teardown),
		cmocka_unit_test_teardown(load_onetime, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
