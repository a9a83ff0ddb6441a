/* SPDX-License-Identifier: GPL-2.0-or-later */
/* keygen_files — where `sesame keygen` puts a new key or secret and how
 * it writes it: once, mode 0600, never over a file that exists. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keygen_files.h"

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

bool keygen_path(const char *out, keygen_default_fn default_path, const char *name,
		 char *path, size_t len)
{
	if (out) {
		if (snprintf(path, len, "%s", out) >= (int)len) {
			fprintf(stderr, "sesame keygen: path too long\n");
			return false;
		}
		return true;
	}
	int rc = default_path(name, path, len);
	if (rc == 0)
		rc = keygen_make_dirs(path);
	if (rc < 0) {
		fprintf(stderr, "sesame keygen: cannot make the key directory for %s: %s\n",
			path, strerror(-rc));
		return false;
	}
	return true;
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
