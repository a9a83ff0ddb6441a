/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of SPA key files (spa_keys.c): generation and the line
 * format, the server file's and the client file's checks, each error
 * reported as file:line. */
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
#include "spa_keys.h"
#include "secret_fixture.h"

/* The vector key of docs/spa-protocol.md. */
static const char line1[] =
	"alice d6919210e16206d8 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

static void test_generate_format_parse(void **state)
{
	(void)state;
	struct spa_key k, *back;
	assert_int_equal(spa_key_generate("laptop@home", &k), 0);
	char line[SPA_KEYLINE_MAX];
	assert_int_equal(spa_keyline_format(&k, line, sizeof line), 0);
	assert_int_equal(spa_keys_parse("x", line, strlen(line), collect, NULL, &back), 1);
	assert_string_equal(back[0].name, "laptop@home");
	assert_memory_equal(back[0].key, k.key, 32);
	assert_memory_equal(back[0].id, k.id, 8);
	spa_keys_free(back, 1);
	struct spa_key k2;
	assert_int_equal(spa_key_generate("laptop@home", &k2), 0);
	assert_memory_not_equal(k.key, k2.key, 32);
	assert_int_equal(spa_key_generate("bad name", &k2), -EINVAL);
	assert_int_equal(spa_key_generate("", &k2), -EINVAL);
	assert_int_equal(spa_keyline_format(&k, line, 20), -ENOSPC);
}

static void test_known_line(void **state)
{
	(void)state;
	struct spa_key *keys;
	const char text[] = "# comment\n\n   \t\n  alice\td6919210e16206d8   "
			    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=  \r\n";
	assert_int_equal(spa_keys_parse("k", text, strlen(text), collect, NULL, &keys), 1);
	assert_string_equal(keys[0].name, "alice");
	assert_int_equal(keys[0].line, 4);
	for (int i = 0; i < 32; i++)
		assert_int_equal(keys[0].key[i], i);
	spa_keys_free(keys, 1);
}

static void expect_error(const char *text, const char *want)
{
	struct spa_key *keys = (void *)1;
	diags[0] = '\0';
	assert_int_equal(spa_keys_parse("keys", text, strlen(text), collect, NULL, &keys), -EINVAL);
	assert_null(keys);
	if (!strstr(diags, want))
		fail_msg("wanted '%s' in '%s'", want, diags);
}

static void test_malformed_lines(void **state)
{
	(void)state;
	expect_error("alice d6919210e16206d8\n", "keys:1: expected NAME KEYID BASE64KEY");
	expect_error("\nalice d6919210e16206d8 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= x\n",
		     "keys:2: expected");
	expect_error("al!ce d6919210e16206d8 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		     "keys:1: bad character in name");
	expect_error("alice D6919210E16206D8 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		     "keys:1: key id must be");
	expect_error("alice d6919210e16206d AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		     "keys:1: key id must be");
	expect_error("alice d6919210e16206d8 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh==\n",
		     "keys:1: key must be 32 bytes");
	expect_error("alice d6919210e16206d8 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
		     "keys:1: key must be 32 bytes");
	expect_error("alice d6919210e16206d9 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		     "keys:1: key id does not match");
	expect_error("alice d6919210e16206d8 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
		     "alice b020fbb641a03ba1 //////////////////////////////////////////8=\n",
		     "keys:2: duplicate name");
	expect_error("alice d6919210e16206d8 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
		     "bob d6919210e16206d8 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		     "keys:2: duplicate key");
	/* Every bad line is reported, not just the first. */
	expect_error("x\ny\n", "keys:1:");
	assert_non_null(strstr(diags, "keys:2:"));
	char nul[] = "alice\0 d6919210e16206d8 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
	struct spa_key *keys;
	diags[0] = '\0';
	assert_int_equal(spa_keys_parse("keys", nul, sizeof nul - 1, collect, NULL, &keys), -EINVAL);
	assert_non_null(strstr(diags, "keys:1: NUL byte"));
}

static void test_server_file_permissions(void **state)
{
	(void)state;
	struct spa_key *keys;
	write_file(line1, 0600);
	assert_int_equal(spa_keys_load(path, collect, NULL, &keys), 1);
	spa_keys_free(keys, 1);
	write_file(line1, 0640);           /* root:sesame 0640 is fine */
	assert_int_equal(spa_keys_load(path, collect, NULL, &keys), 1);
	spa_keys_free(keys, 1);
	diags[0] = '\0';
	write_file(line1, 0644);
	assert_int_equal(spa_keys_load(path, collect, NULL, &keys), -EPERM);
	assert_non_null(strstr(diags, "accessible by others"));
	assert_non_null(strstr(diags, path));
	write_file(line1, 0602);
	assert_int_equal(spa_keys_load(path, collect, NULL, &keys), -EPERM);
	write_file("", 0600);
	assert_int_equal(spa_keys_load(path, collect, NULL, &keys), 0);
	diags[0] = '\0';
	assert_int_equal(spa_keys_load(dir, collect, NULL, &keys), -EINVAL);
	assert_non_null(strstr(diags, "not a regular file"));
	unlink(path);
	assert_int_equal(spa_keys_load(path, collect, NULL, &keys), -ENOENT);
	/* A symlink is not followed. */
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_true(spa_keys_load(path, collect, NULL, &keys) < 0);
}

static void test_client_file(void **state)
{
	(void)state;
	struct spa_key k;
	write_file(line1, 0600);
	assert_int_equal(spa_key_load_client(path, collect, NULL, &k), 0);
	assert_string_equal(k.name, "alice");
	write_file(line1, 0640);           /* a client key is the owner's alone */
	diags[0] = '\0';
	assert_int_equal(spa_key_load_client(path, collect, NULL, &k), -EPERM);
	assert_non_null(strstr(diags, "group or others"));
	write_file("# nothing\n", 0600);
	assert_int_equal(spa_key_load_client(path, collect, NULL, &k), -EINVAL);
	write_file("alice d6919210e16206d8 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
		   "bob b020fbb641a03ba1 //////////////////////////////////////////8=\n", 0600);
	diags[0] = '\0';
	assert_int_equal(spa_key_load_client(path, collect, NULL, &k), -EINVAL);
	assert_non_null(strstr(diags, "exactly one key"));
}

int main(void)
{
	log_set_level(LOG_ERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_generate_format_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_known_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_file_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
