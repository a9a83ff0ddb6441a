/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of config_dump(): every good config of the corpus, dumped
 * and parsed again, is the same config (fwknop keys aside: never shown);
 * defaults and overrides are marked; secrets never appear. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <cmocka.h>

#include "config.h"
#include "config_dump.h"
#include "config_diags.h"

static const char *root(void)
{
	const char *r = getenv("SESAME_ROOT");
	return r && *r ? r : ".";
}

static char *dump(const struct config *c, const struct config_overrides *o)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	config_dump(c, o, f);
	assert_int_equal(fclose(f), 0);
	return text;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void assert_same_door(const struct door *a, const struct door *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->seq_len, b->seq_len);
	assert_memory_equal(a->seq, b->seq, a->seq_len * sizeof a->seq[0]);
	assert_true(same_str(a->one_time_file, b->one_time_file));
	assert_int_equal(a->seq_timeout_ms, b->seq_timeout_ms);
	assert_int_equal(a->has_tcpflags, b->has_tcpflags);
	assert_int_equal(a->tcpflags_set, b->tcpflags_set);
	assert_int_equal(a->tcpflags_clear, b->tcpflags_clear);
	assert_true(addr_equal(&a->target, &b->target) || (!a->target.family && !b->target.family));
	assert_true(same_str(a->start_command, b->start_command));
	assert_true(same_str(a->start_command6, b->start_command6));
	assert_true(same_str(a->stop_command, b->stop_command));
	assert_true(same_str(a->stop_command6, b->stop_command6));
	assert_int_equal(a->cmd_timeout_s, b->cmd_timeout_s);
	assert_int_equal(a->open_len, b->open_len);
	assert_memory_equal(a->open, b->open, a->open_len * sizeof a->open[0]);
	assert_int_equal(a->open_timeout_s, b->open_timeout_s);
	assert_int_equal(a->spa_format, b->spa_format);
	assert_int_equal(a->spa_port, b->spa_port);
	assert_true(same_str(a->spa_keys, b->spa_keys));
	assert_int_equal(a->spa_window_s, b->spa_window_s);
	assert_int_equal(a->allow, b->allow);
	assert_int_equal(a->allow_len, b->allow_len);
	assert_int_equal(a->fwknop_hmac_digest, b->fwknop_hmac_digest);
}

static void round_trip(void **state)
{
	(void)state;
	char dir[PATH_MAX], path[PATH_MAX + 256];
	snprintf(dir, sizeof dir, "%s/tests/configs/good", root());
	char *abs = realpath(dir, NULL);
	assert_non_null(abs);
	DIR *dp = opendir(abs);
	assert_non_null(dp);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(dp))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".conf") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", abs, e->d_name);
		struct config *a = NULL, *b = NULL;
		diags_clear(&D);
		assert_int_equal(config_load(path, collect, &D, &a), 0);
		char *text = dump(a, NULL);
		/* fwknop keys are not shown: put them back to parse. */
		bool fwknop = false;
		for (size_t i = 0; i < a->ndoors; i++)
			fwknop |= a->doors[i].spa_format == SPA_FORMAT_FWKNOP;
		if (fwknop) {
			assert_null(strstr(text, "Fwknop_Key_Base64"));
			assert_non_null(strstr(text, "(32 bytes, not shown)"));
			free(text);
			config_free(a);
			continue;
		}
		diags_clear(&D);
		/* The dump's name is the original's, so paths resolve alike. */
		int r = config_parse(path, text, strlen(text), collect, &D, &b);
		if (r != 0) {
			print_message("%s:\n%s\n", path, text);
			diags_dump(&D);
		}
		assert_int_equal(r, 0);
		assert_true(same_str(a->log_file, b->log_file));
		assert_true(same_str(a->pid_file, b->pid_file));
		assert_true(same_str(a->interface, b->interface));
		assert_int_equal(a->use_syslog, b->use_syslog);
		assert_int_equal(config_wants_nft(a), config_wants_nft(b));
		assert_string_equal(a->nft_table, b->nft_table);
		assert_int_equal(a->state_limit, b->state_limit);
		assert_string_equal(a->state_dir, b->state_dir);
		assert_string_equal(a->replay_cache, b->replay_cache);
		assert_string_equal(a->control_socket, b->control_socket);
		assert_string_equal(a->user, b->user);
		assert_int_equal(a->ndoors, b->ndoors);
		for (size_t i = 0; i < a->ndoors; i++)
			assert_same_door(&a->doors[i], &b->doors[i]);
		free(text);
		config_free(a);
		config_free(b);
		n++;
	}
	closedir(dp);
	free(abs);
	assert_true(n >= 8);
}

static void marks(void **state)
{
	(void)state;
	struct config *c = good("[options]\nstatelimit = 1024\n[d]\nsequence = 1,2:udp,3\n"
				"command = /bin/x %IP% # kept\nstop_command = /bin/y\n");
	struct config_overrides o = { .interface = "eth7", .log_file = "/l", .pid_file = "/p" };
	char *t = dump(c, &o);
	assert_non_null(strstr(t, "\t# Interface: from -i\n\tInterface         = eth7\n"));
	assert_non_null(strstr(t, "\t# LogFile: from -g\n\tLogFile           = /l\n"));
	assert_non_null(strstr(t, "\t# PidFile: from -p\n\tPidFile           = /p\n"));
	assert_non_null(strstr(t, "\tStateLimit        = 1024\n"));
	assert_null(strstr(t, "# StateLimit: default"));
	assert_non_null(strstr(t, "\t# NftTable: default\n\tNftTable          = sesame\n"));
	assert_non_null(strstr(t, "\tSequence          = 1:tcp,2:udp,3:tcp\n"));
	assert_non_null(strstr(t, "\t# Seq_Timeout: default\n\tSeq_Timeout       = 25\n"));
	assert_non_null(strstr(t, "\tStart_Command     = /bin/x %IP% # kept\n"));
	assert_non_null(strstr(t, "\t# Target: not set"));
	assert_non_null(strstr(t, "\t# Cmd_Timeout: default\n\tCmd_Timeout       = 10\n"));
	free(t);
	config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(round_trip, teardown),
		cmocka_unit_test_teardown(marks, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
