/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_config_dump — every config that parses, dumped by config_dump()
 * (`sesamed --dump-config`), parses again into the same config.  fwknop
 * doors are left out: their keys are never printed. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_dump.h"

static void drop(void *ctx, int level, const char *msg)
{
	(void)ctx; (void)level; (void)msg;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static void same_door(const struct door *a, const struct door *b)
{
	CHECK(strcmp(a->name, b->name) == 0);
	CHECK(a->seq_len == b->seq_len);
	CHECK(memcmp(a->seq, b->seq, a->seq_len * sizeof a->seq[0]) == 0);
	CHECK(same_str(a->one_time_file, b->one_time_file));
	CHECK(a->seq_timeout_ms == b->seq_timeout_ms);
	CHECK(a->has_tcpflags == b->has_tcpflags);
	CHECK(a->tcpflags_set == b->tcpflags_set && a->tcpflags_clear == b->tcpflags_clear);
	CHECK(a->target.family == b->target.family);
	CHECK(same_str(a->start_command, b->start_command));
	CHECK(same_str(a->start_command6, b->start_command6));
	CHECK(same_str(a->stop_command, b->stop_command));
	CHECK(same_str(a->stop_command6, b->stop_command6));
	CHECK(a->cmd_timeout_s == b->cmd_timeout_s);
	CHECK(a->open_len == b->open_len);
	CHECK(memcmp(a->open, b->open, a->open_len * sizeof a->open[0]) == 0);
	CHECK(a->open_timeout_s == b->open_timeout_s);
	CHECK(a->spa_format == b->spa_format && a->spa_port == b->spa_port);
	CHECK(same_str(a->spa_keys, b->spa_keys));
	CHECK(a->spa_window_s == b->spa_window_s);
	CHECK(a->allow == b->allow && a->allow_len == b->allow_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char name[] = "/etc/sesame/fuzz.conf";
	struct config *a = NULL, *b = NULL;
	if (config_parse(name, (const char *)data, size, drop, NULL, &a) < 0)
		return 0;
	for (size_t i = 0; i < a->ndoors; i++) {
		if (a->doors[i].spa_format == SPA_FORMAT_FWKNOP) {
			config_free(a);
			return 0;
		}
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	CHECK(f);
	config_dump(a, NULL, f);
	CHECK(fclose(f) == 0);
	CHECK(config_parse(name, text, len, drop, NULL, &b) == 0);
	CHECK(same_str(a->log_file, b->log_file) && same_str(a->pid_file, b->pid_file));
	CHECK(same_str(a->interface, b->interface) && a->use_syslog == b->use_syslog);
	CHECK(config_wants_nft(a) == config_wants_nft(b));
	CHECK(strcmp(a->nft_table, b->nft_table) == 0 && a->state_limit == b->state_limit);
	CHECK(same_str(a->state_dir, b->state_dir) && same_str(a->replay_cache, b->replay_cache));
	CHECK(same_str(a->control_socket, b->control_socket) && same_str(a->user, b->user));
	CHECK(a->ndoors == b->ndoors);
	for (size_t i = 0; i < a->ndoors; i++)
		same_door(&a->doors[i], &b->doors[i]);
	free(text);
	config_free(a);
	config_free(b);
	return 0;
}
