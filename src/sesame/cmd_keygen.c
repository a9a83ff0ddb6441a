/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sesame keygen [--name NAME] [-o FILE]
 *
 * Makes a new native SPA client key: writes the key file (mode 0600,
 * never over an existing file; default ~/.config/sesame/NAME.key, the
 * directories made 0700) and prints on stdout the one line to append to
 * the server's SPA_Keys file.  NAME defaults to USER@HOST. */
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

#include "cmd.h"
#include "cmd_spa_common.h"
#include "keygen_files.h"
#include "spa_keys.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sesame keygen [--name NAME] [-o FILE]\n"
		"  Writes a new SPA client key (default ~/.config/sesame/NAME.key, mode 0600)\n"
		"  and prints the line to append to the server's SPA_Keys file.\n"
		"  NAME: letters, digits and . _ - @ + (default USER@HOST).\n"
		"       sesame keygen --sequence NAME [-o FILE]\n"
		"  Writes a new secret for a rotating door (see sesame keygen --sequence -h).\n");
}

int keygen_make_dirs(const char *path)
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

int keygen_write_file(const char *path, const char *line)
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

int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	if (keygen_sequence_wanted(argc, argv))
		return cmd_keygen_sequence(argc, argv);
	const char *name_arg = NULL, *out = NULL;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+n:o:h", opts, NULL)) != -1) {
		switch (c) {
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
			rc = keygen_make_dirs(path);
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
		rc = keygen_write_file(path, line);
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
