/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of profile.c and fwknoprc.c: client.conf profiles, the
 * method each one gets, the command line it stands for, and ~/.fwknoprc
 * stanzas over [default]. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "cmd.h"
#include "profile.h"

static struct profile *all;
static size_t n;
static struct profile_diag d;

static int parse(const char *text)
{
	d = (struct profile_diag){ .cmd = "test", .quiet = true };
	profile_free_all(all, n);
	all = NULL;
	n = 0;
	return profile_parse("/etc/x/client.conf", text, strlen(text), &d, &all, &n);
}

/* The command line of profile I, joined by spaces. */
static const char *line_of(size_t i, bool test)
{
	static char buf[1024];
	struct profile_argv a;
	int argc = profile_argv(&all[i], false, test, &a);
	assert_true(argc > 0);
	buf[0] = '\0';
	for (int k = 0; k < argc; k++) {
		strcat(buf, k ? " " : "");
		strcat(buf, a.argv[k]);
	}
	return buf;
}

static void methods_and_command_lines(void **state)
{
	(void)state;
	setenv("HOME", "/home/u", 1);
	assert_int_equal(parse("[k]\nHost = h.example\nSequence = 8881, 7777:UDP,9991\n"
			       "Delay = 5\nFamily = 6\n"
			       "[s]\nhost = 198.18.0.1\nOpen = 22/tcp,udp/53\nAllow = 2001:DB8::1\n"
			       "SPA_Port = 40000\nSPA_Key = keys/s.key\n"
			       "[plain]\nHost = p\n"
			       "[f]\nHost = f\nFwknop_Key_File = ~/k\nFwknop_HMAC_Key_File = /h\n"
			       "Fwknop_HMAC_Digest = SHA512\nOpen = tcp/22\n"), 0);
	assert_int_equal(n, 4);
	assert_int_equal(all[0].method, PM_KNOCK);
	assert_ptr_equal(profile_runner(&all[0]), cmd_knock);
	assert_string_equal(line_of(0, false), "knock -6 -d 5 -- h.example 8881 7777:udp 9991");
	assert_int_equal(all[1].method, PM_SPA);
	assert_string_equal(line_of(1, true), "spa --test --key /etc/x/keys/s.key --open "
			    "tcp/22,udp/53 --allow 2001:db8::1 --port 40000 -- 198.18.0.1");
	/* No method key: native SPA with the profile's own key file. */
	assert_int_equal(all[2].method, PM_SPA);
	assert_string_equal(all[2].key_file, "/home/u/.config/sesame/keys/plain.key");
	assert_int_equal(all[3].method, PM_FWKNOP);
	assert_string_equal(line_of(3, false), "spa --fwknop --key-file /home/u/k "
			    "--hmac-key-file /h --hmac-digest sha512 --open tcp/22 -- f");
	/* By name in any case, then by Host. */
	assert_ptr_equal(profile_find(all, n, "S"), &all[1]);
	assert_ptr_equal(profile_find(all, n, "198.18.0.1"), &all[1]);
	assert_null(profile_find(all, n, "nope"));
}

static void every_error_is_counted(void **state)
{
	(void)state;
	assert_int_equal(parse("Host = h\n[a]\nSequence = 1\n[b]\nHost = h\nSequence = 1\n"
			       "SPA_Key = k\n[c]\nHost = -oProxyCommand=x\n[d]\nHost = h\n"
			       "Sequence = 1\nOpen = tcp/22\nBogus = 1\n[d]\n[e f]\n"), -EINVAL);
	/* Outside a section; a: no Host; b: two methods; c: a Host that
	 * would pass for an option (one error, not also "needs Host"); d: Open
	 * in a knock profile and an unknown key; the second [d]; the bad name. */
	assert_int_equal(d.errors, 8);
	assert_null(all);
	assert_int_equal(parse("[f]\nHost = h\nFwknop_Key_File = k\n"), -EINVAL);
	assert_int_equal(d.errors, 2);         /* needs the HMAC key file and Open */
}

static void fwknoprc_stanza_over_default(void **state)
{
	(void)state;
	static const char rc[] =
		"[default]\nSPA_SERVER_PORT 40000\nHMAC_DIGEST_TYPE SHA512\n"
		"[other]\nGPG_HOME_DIR /x\n"
		"[srv]\nALLOW_IP  198.18.0.2\nACCESS tcp/22\nSPA_SERVER 198.18.0.1\n"
		"KEY_BASE64 mVJEAbhGSj8tOMxAjZMD2MpHqh3eHkfimQjkqD85wHY=\n"
		"HMAC_KEY secret\nUSE_HMAC Y\n";
	struct profile p;
	d = (struct profile_diag){ .cmd = "test", .quiet = true };
	assert_int_equal(fwknoprc_parse("rc", rc, sizeof rc - 1, "srv", &d, &p), 1);
	assert_int_equal(p.method, PM_FWKNOP);
	assert_int_equal(p.spa_port, 40000);
	assert_string_equal(p.digest, "sha512");
	assert_string_equal(p.allow, "198.18.0.2");
	assert_string_equal(p.key_b64, "mVJEAbhGSj8tOMxAjZMD2MpHqh3eHkfimQjkqD85wHY=");
	assert_string_equal(p.hmac_key_b64, "c2VjcmV0");   /* "secret" */
	/* No such stanza: 0, and the other stanza's GPG line is not judged. */
	assert_int_equal(fwknoprc_parse("rc", rc, sizeof rc - 1, "none", &d, &p), 0);
	assert_int_equal(d.errors, 0);
	static const char bad[] = "[srv]\nSPA_SERVER h\nSPOOF_USER bob\nALLOW_IP resolve\n";
	assert_int_equal(fwknoprc_parse("rc", bad, sizeof bad - 1, "srv", &d, &p), -EINVAL);
	assert_int_equal(d.errors, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(methods_and_command_lines),
		cmocka_unit_test(every_error_is_counted),
		cmocka_unit_test(fwknoprc_stanza_over_default),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	profile_free_all(all, n);
	return rc;
}
