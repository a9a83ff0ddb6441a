/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the one loader of key and secret files (secret_file.c)
 * through both kinds it serves, SPA keys and rotating secrets: the same
 * words in their messages, the count limit, the client's one record, and
 * the lines written. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "rotseq.h"
#include "secret_file.h"
#include "spa_keys.h"
#include "secret_fixture.h"

static const char key_a[] =
	"alice d6919210e16206d8 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
static const char key_b[] =
	"bob b020fbb641a03ba1 //////////////////////////////////////////8=\n";

static void nul_byte_names_the_kind(void **state)
{
	(void)state;
	static const char text[] = "a\0b AAECAwQFBgcICQoLDA0ODw==\n";
	struct spa_key *keys = NULL;
	struct rotseq_secret *sec = NULL;
	assert_int_equal(spa_keys_parse("k", text, sizeof text - 1, collect, NULL, &keys), -EINVAL);
	assert_int_equal(rotseq_secrets_parse("s", text, sizeof text - 1, collect, NULL, &sec),
			 -EINVAL);
	assert_null(keys);
	assert_null(sec);
	assert_string_equal(diags, "k:1: NUL byte in key file\ns:1: NUL byte in secret file\n");
}

static void client_file_holds_one(void **state)
{
	(void)state;
	char text[256];
	snprintf(text, sizeof text, "%s%s", key_a, key_b);
	write_file(text, 0600);
	struct spa_key k;
	assert_int_equal(spa_key_load_client(path, collect, NULL, &k), -EINVAL);
	char want[512];
	snprintf(want, sizeof want, "%s: a client key file holds exactly one key, "
		 "this one holds 2\n", path);
	assert_string_equal(diags, want);

	write_file("alice AAECAwQFBgcICQoLDA0ODw==\nbob AAECAwQFBgcICQoLDA0ODw==\n", 0600);
	diags[0] = '\0';
	struct rotseq_secret s;
	assert_int_equal(rotseq_secret_load_client(path, collect, NULL, &s), -EINVAL);
	snprintf(want, sizeof want, "%s: a client secret file holds exactly one secret, "
		 "this one holds 2\n", path);
	assert_string_equal(diags, want);

	write_file("carol AAECAwQFBgcICQoLDA0ODw==\n", 0600);
	assert_int_equal(rotseq_secret_load_client(path, collect, NULL, &s), 0);
	assert_string_equal(s.name, "carol");
	assert_int_equal(s.len, 16);
	assert_int_equal(s.line, 1);
	assert_int_equal(s.key[15], 15);
}

/* SPA_KEYS_MAX keys are accepted, one more is "too many keys" on its
 * own line, and the parse keeps every key until then intact. */
static void count_limit(void **state)
{
	(void)state;
	size_t n = SPA_KEYS_MAX + 1;
	char *text = malloc(n * SPA_KEYLINE_MAX);
	assert_non_null(text);
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "c%zu", i);
		struct spa_key k;
		assert_int_equal(spa_key_generate(name, &k), 0);
		assert_int_equal(spa_keyline_format(&k, text + len, SPA_KEYLINE_MAX), 0);
		len += strlen(text + len);
	}
	struct spa_key *keys = NULL;
	assert_int_equal(spa_keys_parse("k", text, len, collect, NULL, &keys), -EINVAL);
	char want[64];
	snprintf(want, sizeof want, "k:%zu: too many keys\n", n);
	assert_string_equal(diags, want);
	/* Without the last line: every key, in order, with its line. */
	const char *last = strstr(text, "\nc4096 ");
	assert_non_null(last);
	size_t cut = (size_t)(last + 1 - text);
	assert_int_equal(spa_keys_parse("k", text, cut, collect, NULL, &keys), SPA_KEYS_MAX);
	assert_string_equal(keys[0].name, "c0");
	assert_string_equal(keys[SPA_KEYS_MAX - 1].name, "c4095");
	assert_int_equal(keys[SPA_KEYS_MAX - 1].line, SPA_KEYS_MAX);
	spa_keys_free(keys, SPA_KEYS_MAX);
	free(text);
}

static void lines_skip_comments_and_blanks(void **state)
{
	(void)state;
	static const char text[] = "# c\n\n \t\r\n  x y\nlast";
	struct secret_lines it = { .text = text, .len = sizeof text - 1 };
	const char *line;
	size_t n;
	assert_int_equal(secret_lines_next(&it, &line, &n), 1);
	assert_int_equal(it.lineno, 4);
	assert_int_equal(n, 5);
	assert_memory_equal(line, "  x y", 5);
	assert_int_equal(secret_lines_next(&it, &line, &n), 1);
	assert_int_equal(it.lineno, 5);
	assert_int_equal(n, 4);
	assert_int_equal(secret_lines_next(&it, &line, &n), 0);
}

/* Both kinds' lines, and a buffer too small is refused and left wiped. */
static void line_format(void **state)
{
	(void)state;
	uint8_t key[16];
	for (size_t i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)i;
	char buf[128];
	assert_int_equal(secret_line_format("bob", NULL, key, sizeof key, buf, sizeof buf), 0);
	assert_string_equal(buf, "bob AAECAwQFBgcICQoLDA0ODw==\n");
	assert_int_equal(secret_line_format("bob", "0011", key, sizeof key, buf, sizeof buf), 0);
	assert_string_equal(buf, "bob 0011 AAECAwQFBgcICQoLDA0ODw==\n");
	char small[20];
	memset(small, 'x', sizeof small);
	assert_int_equal(secret_line_format("bob", NULL, key, sizeof key, small, sizeof small),
			 -ENOSPC);
	for (size_t i = 0; i < sizeof small; i++)
		assert_int_equal(small[i], 0);
	uint8_t big[SECRET_LINE_SECRET_MAX + 1] = { 0 };
	assert_int_equal(secret_line_format("bob", NULL, big, sizeof big, buf, sizeof buf), -EIO);
}

int main(void)
{
	log_set_level(LOG_ERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(nul_byte_names_the_kind, setup, teardown),
		cmocka_unit_test_setup_teardown(client_file_holds_one, setup, teardown),
		cmocka_unit_test_setup_teardown(count_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(lines_skip_comments_and_blanks, setup, teardown),
		cmocka_unit_test(line_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
