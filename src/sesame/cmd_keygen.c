/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sesame keygen [--name NAME] [-o FILE|-] [SERVER]
 * sesame keygen --fleet -o FILE
 *
 * Makes a new native SPA client key: writes the key file (mode 0600,
 * never over an existing file, the directories made 0700) and prints on
 * stdout the one line to append to the server's SPA_Keys file.  The file
 * is ~/.config/sesame/keys/SERVER.key with SERVER (the default key of
 * profile SERVER), else ~/.config/sesame/NAME.key; with -o - the key goes
 * to stdout and the server's line to stderr.  NAME, the name the server
 * knows the key by, defaults to USER@HOST of this machine.
 *
 * --fleet: a fleet key instead (sesamed's Fleet_Key_File, the same file
 * on every gateway of the fleet): 32 random bytes in base64, one line. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "base64.h"

#include "cmd.h"
#include "spa_paths.h"
#include "profile.h"
#include "keygen_files.h"
#include "spa_keys.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sesame keygen [--name NAME] [-o FILE|-] [SERVER]\n"
		"  Writes a new SPA client key (mode 0600) and prints the line to append\n"
		"  to the server's SPA_Keys file.\n"
		"  SERVER            write ~/.config/sesame/keys/SERVER.key, the default\n"
		"                    key of profile SERVER in client.conf\n"
		"  -n, --name NAME   the key's name on the server: letters, digits and\n"
		"                    . _ - @ + (default USER@HOST, the local login and host)\n"
		"  -o, --output FILE write FILE instead (default without SERVER:\n"
		"                    ~/.config/sesame/NAME.key); '-': the key to stdout,\n"
		"                    the server's line to stderr\n"
		"  -h, --help;  -V, --version\n"
		"       sesame keygen --sequence NAME [-o FILE]\n"
		"  Writes a new secret for a rotating door (see sesame keygen --sequence -h).\n"
		"       sesame keygen --fleet -o FILE\n"
		"  Writes a new fleet key (sesamed's Fleet_Key_File; mode 0600): copy the\n"
		"  same file to every gateway of the fleet.\n");
}

static int write_fleet_key(const char *path)
{
	uint8_t key[32];
	char line[64];
	if (RAND_bytes(key, sizeof key) != 1) {
		fprintf(stderr, "sesame keygen: no randomness available\n");
		return 1;
	}
	long n = base64_encode(key, sizeof key, line, sizeof line - 1, true);
	OPENSSL_cleanse(key, sizeof key);
	int rc = -EINVAL;
	if (n > 0) {
		line[n] = '\n';
		line[n + 1] = '\0';
		rc = keygen_write_file(path, line);
	}
	OPENSSL_cleanse(line, sizeof line);
	if (rc < 0) {
		fprintf(stderr, "sesame keygen: cannot write %s: %s%s\n", path, strerror(-rc),
			rc == -EEXIST ? " (keys are never overwritten)" : "");
		return 1;
	}
	fprintf(stderr, "sesame keygen: wrote the fleet key %s; copy it to every gateway "
		"(Fleet_Key_File, mode 0600)\n", path);
	return 0;
}

int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fleet", no_argument, NULL, 'F' },
		{ "name", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	if (keygen_sequence_wanted(argc, argv))
		return cmd_keygen_sequence(argc, argv);
	const char *name_arg = NULL, *out = NULL, *server = NULL;
	bool fleet = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:o:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'F': fleet = true; break;
		case 'n': name_arg = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': return cmd_version();
		default:
			cmd_bad_option("keygen", c, argv);
			return 1;
		}
	}
	if (argc - optind > 1) {
		char q[64];
		cmd_quote(argv[optind + 1], q, sizeof q);
		fprintf(stderr, "sesame keygen: unexpected argument '%s' (one SERVER at most)\n", q);
		return 1;
	}
	if (fleet) {
		if (!out || strcmp(out, "-") == 0 || name_arg || optind < argc) {
			fprintf(stderr, "sesame keygen: --fleet needs -o FILE (and takes no --name "
				"or SERVER)\n");
			return 1;
		}
		return write_fleet_key(out);
	}
	if (optind < argc) {
		server = argv[optind];
		if (!spa_key_name_valid(server)) {
			char q[64];
			cmd_quote(server, q, sizeof q);
			fprintf(stderr, "sesame keygen: bad server name '%s' (1-63 of letters, digits, "
				". _ - @ +, as in client.conf)\n", q);
			return 1;
		}
		if (out) {
			fprintf(stderr, "sesame keygen: SERVER and -o both name the key file; "
				"give one\n");
			return 1;
		}
	}
	char name[SPA_KEY_NAME_MAX];
	if (name_arg) {
		if (!spa_key_name_valid(name_arg)) {
			fprintf(stderr, "sesame keygen: bad name '%s' (1-63 of letters, digits, . _ - @ +)\n",
				name_arg);
			return 1;
		}
		snprintf(name, sizeof name, "%s", name_arg);
	} else {
		spa_default_key_name(name, sizeof name);
	}
	char path[PATH_MAX];
	bool to_stdout = out && strcmp(out, "-") == 0;
	if (to_stdout)
		path[0] = '\0';
	else if (!keygen_path(out, server ? profile_key_path : spa_default_key_path,
			      server ? server : name, path, sizeof path))
		return 1;
	struct spa_key k;
	if (spa_key_generate(name, &k) < 0) {
		fprintf(stderr, "sesame keygen: no randomness available\n");
		return 1;
	}
	char line[SPA_KEYLINE_MAX];
	int rc = spa_keyline_format(&k, line, sizeof line);
	spa_key_wipe(&k);
	if (rc == 0 && to_stdout) {
		/* The key is the secret: stdout (a pipe, a file the user chose);
		 * the same line is what the server needs, on stderr. */
		fputs(line, stdout);
		rc = fflush(stdout) == 0 ? 0 : -EIO;
		fprintf(stderr, "sesame keygen: the key is on stdout; append this line to the "
			"server's SPA_Keys file:\n%s", rc == 0 ? line : "");
		OPENSSL_cleanse(line, sizeof line);
		return rc == 0 ? 0 : 1;
	}
	if (rc == 0)
		rc = keygen_write_file(path, line);
	if (rc < 0) {
		OPENSSL_cleanse(line, sizeof line);
		fprintf(stderr, "sesame keygen: cannot write %s: %s%s\n", path, strerror(-rc),
			rc == -EEXIST ? " (keys are never overwritten; choose another name or "
			"remove it)" : "");
		return 1;
	}
	fprintf(stderr, "sesame keygen: wrote %s; append this line to the server's SPA_Keys file:\n",
		path);
	fputs(line, stdout);
	OPENSSL_cleanse(line, sizeof line);
	return fflush(stdout) == 0 ? 0 : 1;
}
