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

#include <openssl/evp.h>
#include <openssl/rand.h>

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

/* The key of the record names: random, made once per StateDir and kept
 * in it, so that nobody who can choose door names or knock from chosen
 * addresses can predict (or collide) a record's name. */
#define KEY_FILE "hash-key"
#define KEY_LEN  32

static struct {
	char dir[4096];
	uint8_t key[KEY_LEN];
	bool ok;
} key_cache;

static int key_read(int dfd, uint8_t key[KEY_LEN])
{
	int fd = openat(dfd, KEY_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_size != KEY_LEN || st.st_uid != geteuid() ||
		 (st.st_mode & (S_IRWXG | S_IRWXO)))
		rc = -EPERM;
	else if (pread(fd, key, KEY_LEN, 0) != KEY_LEN)
		rc = -EIO;
	close(fd);
	return rc;
}

static int key_make(int dfd, uint8_t key[KEY_LEN])
{
	if (RAND_bytes(key, KEY_LEN) != 1)
		return -EIO;
	int fd = openat(dfd, KEY_FILE, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	int rc = durable_write_all(fd, key, KEY_LEN);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && fsync(dfd) < 0)
		rc = -errno;
	if (rc < 0)
		unlinkat(dfd, KEY_FILE, 0);
	return rc;
}

static int state_key(const char *dir, const uint8_t **key)
{
	if (key_cache.ok && strcmp(key_cache.dir, dir) == 0) {
		*key = key_cache.key;
		return 0;
	}
	if (!snprintf_safe(key_cache.dir, sizeof key_cache.dir, "%s", dir))
		return -ENAMETOOLONG;
	key_cache.ok = false;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	int rc = key_read(dfd, key_cache.key);
	if (rc == -ENOENT) {
		rc = key_make(dfd, key_cache.key);
		if (rc == -EEXIST)
			rc = key_read(dfd, key_cache.key);
	}
	close(dfd);
	if (rc < 0) {
		log_err("%s/%s: %s", dir, KEY_FILE, rc == -EPERM ?
			"not a 32-byte file of ours that only we may read" : strerror(-rc));
		return rc;
	}
	key_cache.ok = true;
	*key = key_cache.key;
	return 0;
}

/* "DIR/stop-<hash>": the hash is HMAC-SHA256, under the StateDir's key,
 * of the door name and the address, so names never carry packet or
 * config text and cannot be aimed at.  Returns 0 or -errno. */
static int record_path(const char *dir, const char *door, const struct addr *a,
		       const char *suffix, char *buf, size_t len)
{
	const uint8_t *key;
	int rc = state_key(dir, &key);
	if (rc < 0)
		return rc;
	uint8_t msg[CONFIG_NAME_MAX + 2 + 16];
	size_t n = strnlen(door, CONFIG_NAME_MAX - 1);
	memcpy(msg, door, n);
	msg[n++] = 0xff;
	msg[n++] = a->family;
	memcpy(msg + n, a->bytes, addr_len(a));
	n += addr_len(a);
	uint8_t md[32];
	size_t mdlen = 0;
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, KEY_LEN, msg, n,
		       md, sizeof md, &mdlen) || mdlen < 8)
		return -EIO;
	unsigned long long h = 0;
	for (int i = 0; i < 8; i++)
		h = h << 8 | md[i];
	return snprintf_safe(buf, len, "%s/" PREFIX "%016llx%s", dir, h, suffix) ?
	       0 : -ENAMETOOLONG;
}

int stopstate_write(const char *dir, const char *door, const struct addr *a,
		    uint64_t deadline_ms, const char *cmd)
{
	char path[4096], tmp[4100], ip[ADDR_STRLEN];
	int krc = record_path(dir, door, a, "", path, sizeof path);
	if (krc == 0)
		krc = record_path(dir, door, a, ".tmp", tmp, sizeof tmp);
	if (krc < 0)
		return krc;
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
	int rc = record_path(dir, door, a, "", path, sizeof path);
	if (rc < 0)
		return rc;
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
	struct rename { char from[256], to[64]; } *ren = NULL;
	size_t nren = 0;
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
		/* A record named otherwise (an older sesamed's unkeyed
		 * name) gets its keyed name, so that the stop, once run,
		 * removes it: after the scan, which must not meet it twice. */
		char want[4096];
		const char *slash;
		if (record_path(dir, r.door, &r.addr, "", want, sizeof want) == 0 &&
		    (slash = strrchr(want, '/')) && strcmp(slash + 1, name) != 0) {
			struct rename *nr = realloc(ren, (nren + 1) * sizeof *ren);
			if (nr) {
				ren = nr;
				snprintf(ren[nren].from, sizeof ren[nren].from, "%s", name);
				snprintf(ren[nren].to, sizeof ren[nren].to, "%s", slash + 1);
				nren++;
			}
		}
		fn(ctx, &r);
		free(r.cmd);
		n++;
	}
	for (size_t i = 0; i < nren; i++)
		renameat(dirfd(d), ren[i].from, dirfd(d), ren[i].to);
	if (nren)
		fsync(dirfd(d));
	free(ren);
	free(buf);
	closedir(d);
	return n;
}
