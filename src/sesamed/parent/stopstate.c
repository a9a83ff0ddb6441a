/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stopstate — see stopstate.h. */
#include "stopstate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "durable.h"
#include "log.h"
#include "numparse.h"

#define MAGIC "sesame-stop 1"
#define PREFIX "stop-"

uint64_t stopstate_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int stopstate_dir_ok(const char *dir)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	struct stat st;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	return 0;
}

/* "DIR/stop-<hash>"; the hash is FNV-1a over the door name and the
 * address bytes, so names never carry packet or config text. */
static bool record_path(const char *dir, const char *door, const struct addr *a,
			const char *suffix, char *buf, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *p = door; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	h = (h ^ 0xff) * 0x100000001b3ull;
	h = (h ^ a->family) * 0x100000001b3ull;
	for (size_t i = 0; i < addr_len(a); i++)
		h = (h ^ a->bytes[i]) * 0x100000001b3ull;
	return snprintf_safe(buf, len, "%s/" PREFIX "%016llx%s", dir,
			     (unsigned long long)h, suffix);
}

int stopstate_write(const char *dir, const char *door, const struct addr *a,
		    uint64_t deadline_ms, const char *cmd)
{
	char path[4096], tmp[4100], ip[ADDR_STRLEN];
	if (!record_path(dir, door, a, "", path, sizeof path) ||
	    !record_path(dir, door, a, ".tmp", tmp, sizeof tmp))
		return -ENAMETOOLONG;
	char *text = NULL;
	int len = asprintf(&text, MAGIC "\n%llu\n%s\n%s\n%s\n", (unsigned long long)deadline_ms,
			   door, addr_format(a, ip, sizeof ip), cmd);
	if (len < 0)
		return -ENOMEM;
	if ((size_t)len > STOPSTATE_MAX) {
		free(text);
		return -E2BIG;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		int e = -errno;
		free(text);
		return e;
	}
	int rc = durable_write_all(fd, text, (size_t)len);
	free(text);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	durable_fsync_dir(dir);
	return 0;
}

int stopstate_remove(const char *dir, const char *door, const struct addr *a)
{
	char path[4096];
	if (!record_path(dir, door, a, "", path, sizeof path))
		return -ENAMETOOLONG;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	durable_fsync_dir(dir);
	return 0;
}

/* The next line of BUF[*pos..len) without its '\n', NUL-terminated in
 * place (BUF is our own copy); NULL when there is no complete line. */
static char *next_line(char *buf, size_t len, size_t *pos)
{
	char *start = buf + *pos;
	char *nl = memchr(start, '\n', len - *pos);
	if (!nl)
		return NULL;
	*nl = '\0';
	*pos = (size_t)(nl - buf) + 1;
	return start;
}

int stopstate_parse(const char *text, size_t len, struct stop_record *out)
{
	memset(out, 0, sizeof *out);
	if (len == 0 || len > STOPSTATE_MAX || memchr(text, '\0', len))
		return -EINVAL;
	char *buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, text, len);
	buf[len] = '\0';
	size_t pos = 0;
	char *magic = next_line(buf, len, &pos);
	char *deadline = next_line(buf, len, &pos);
	char *door = next_line(buf, len, &pos);
	char *ip = next_line(buf, len, &pos);
	unsigned long long ms;
	int rc = -EINVAL;
	if (!magic || !deadline || !door || !ip || strcmp(magic, MAGIC) != 0)
		goto out;
	/* The rest is the command, with exactly one final newline. */
	if (pos >= len || buf[len - 1] != '\n')
		goto out;
	buf[len - 1] = '\0';
	char *cmd = buf + pos;
	if (!*cmd || !*door || strlen(door) >= sizeof out->door)
		goto out;
	errno = 0;
	char *end;
	if (deadline[0] < '0' || deadline[0] > '9')
		goto out;
	ms = strtoull(deadline, &end, 10);
	if (errno || *end)
		goto out;
	if (!addr_parse(ip, &out->addr))
		goto out;
	out->cmd = strdup(cmd);
	if (!out->cmd) {
		rc = -ENOMEM;
		goto out;
	}
	out->deadline_ms = ms;
	memcpy(out->door, door, strlen(door) + 1);
	rc = 0;
out:
	free(buf);
	return rc;
}

static int read_record(int dfd, const char *name, char *buf, size_t cap, size_t *len)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (size_t)st.st_size > cap) {
		close(fd);
		return -EINVAL;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return got == (size_t)st.st_size ? 0 : -EIO;
}

int stopstate_scan(const char *dir, stopstate_fn fn, void *ctx)
{
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	char *buf = malloc(STOPSTATE_MAX);
	if (!buf) {
		closedir(d);
		return -ENOMEM;
	}
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *name = e->d_name;
		if (strncmp(name, PREFIX, sizeof PREFIX - 1) != 0)
			continue;
		size_t nl = strlen(name);
		if (nl > 4 && strcmp(name + nl - 4, ".tmp") == 0) {
			unlinkat(dirfd(d), name, 0);    /* a write cut short */
			continue;
		}
		size_t len = 0;
		struct stop_record r;
		if (read_record(dirfd(d), name, buf, STOPSTATE_MAX, &len) < 0 ||
		    stopstate_parse(buf, len, &r) < 0) {
			log_warn("%s/%s: not a stop record; removed", dir, name);
			unlinkat(dirfd(d), name, 0);
			continue;
		}
		fn(ctx, &r);
		free(r.cmd);
		n++;
	}
	free(buf);
	closedir(d);
	return n;
}
