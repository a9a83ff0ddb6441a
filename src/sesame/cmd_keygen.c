/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sesame keygen [--name NAME] [-o FILE]
 * sesame keygen --fleet -o FILE
 *
 * Makes a new native SPA client key: writes the key file (mode 0600,
 * never over an existing file; default ~/.config/sesame/NAME.key, the
 * directories made 0700) and prints on stdout the one line to append to
 * the server's SPA_Keys file.  NAME defaults to USER@HOST.
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
#include "cmd_spa_common.h"
#include "spa_keys.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sesame keygen [--name NAME] [-o FILE]\n"
		"  Writes a new SPA client key (default ~/.config/sesame/NAME.key, mode 0600)\n"
		"  and prints the line to append to the server's SPA_Keys file.\n"
		"  NAME: letters, digits and . _ - @ + (default USER@HOST).\n"
		"       sesame keygen --fleet -o FILE\n"
		"  Writes a new fleet key (sesamed's Fleet_Key_File; mode 0600): copy the\n"
		"  same file to every gateway of the fleet.\n");
}

/* mkdir -p for the directories of PATH that we create ourselves, 0700. */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

static int write_key(const char *path, const char *line)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	size_t n = strlen(line);
	int rc = 0;
	if (write(fd, line, n) != (ssize_t)n)
		rc = -EIO;
	else if (fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		unlink(path);
	return rc;
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
		rc = write_key(path, line);
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
		{ 0 },
	};
	const char *name_arg = NULL, *out = NULL;
	bool fleet = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+n:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'F': fleet = true; break;
		case 'n': name_arg = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "sesame keygen: bad option '%s' (see sesame keygen -h)\n",
				argv[optind - 1]);
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sesame keygen: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	if (fleet) {
		if (!out || name_arg) {
			fprintf(stderr, "sesame keygen: --fleet needs -o FILE (and takes no --name)\n");
			return 1;
		}
		return write_fleet_key(out);
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
	if (out) {
		if (snprintf(path, sizeof path, "%s", out) >= (int)sizeof path) {
			fprintf(stderr, "sesame keygen: path too long\n");
			return 1;
		}
	} else {
		int rc = spa_default_key_path(name, path, sizeof path);
		if (rc == 0)
			rc = make_dirs(path);
		if (rc < 0) {
			fprintf(stderr, "sesame keygen: cannot make the key directory for %s: %s\n",
				path, strerror(-rc));
			return 1;
		}
	}
	struct spa_key k;
	if (spa_key_generate(name, &k) < 0) {
		fprintf(stderr, "sesame keygen: no randomness available\n");
		return 1;
	}
	char line[SPA_KEYLINE_MAX];
	int rc = spa_keyline_format(&k, line, sizeof line);
	spa_key_wipe(&k);
	if (rc == 0)
		rc = write_key(path, line);
	if (rc < 0) {
		OPENSSL_cleanse(line, sizeof line);
		fprintf(stderr, "sesame keygen: cannot write %s: %s%s\n", path, strerror(-rc),
			rc == -EEXIST ? " (keys are never overwritten; remove it or use -o)" : "");
		return 1;
	}
	fprintf(stderr, "sesame keygen: wrote %s; append this line to the server's SPA_Keys file:\n",
		path);
	fputs(line, stdout);
	OPENSSL_cleanse(line, sizeof line);
	return fflush(stdout) == 0 ? 0 : 1;
}
