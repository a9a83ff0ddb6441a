/* SPDX-License-Identifier: GPL-2.0-or-later */
/* onetime — see onetime.h.
 *
 * The file is small and read whole (bounded by ONETIME_FILE_MAX) each time
 * the next sequence is wanted; knockd does the same dance with fgets.  A
 * used line is marked by one pwrite of '#' at the line's first byte, then
 * fsync, so a crash right after a grant cannot bring the sequence back. */
#include "onetime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_internal.h"
#include "portspec.h"

#define ONETIME_FILE_MAX (16u << 20)

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Parses one line (LEN bytes at S, no newline).  Returns 1 for a sequence
 * (in OUT), 0 for a blank, comment or used line, -1 for a bad one with a
 * reason in ERR. */
static int parse_seq_line(const char *s, size_t len, struct onetime_seq *out,
			  char *err, size_t errlen)
{
	if (len > CONFIG_LINE_MAX) {
		snprintf(err, errlen, "line too long (more than %d bytes)", CONFIG_LINE_MAX);
		return -1;
	}
	if (memchr(s, '\0', len)) {
		snprintf(err, errlen, "NUL byte in line");
		return -1;
	}
	size_t a = 0, b = len;
	while (a < b && blank(s[a]))
		a++;
	while (b > a && blank(s[b - 1]))
		b--;
	if (a == b || s[a] == '#')
		return 0;
	char text[CONFIG_LINE_MAX + 1];
	memcpy(text, s + a, b - a);
	text[b - a] = '\0';
	char why[96];
	int n = portspec_parse_list(text, false, PROTO_TCP, out->seq, CONFIG_SEQ_MAX,
				    why, sizeof why);
	if (n < 0) {
		snprintf(err, errlen, "%s in sequence '%.*s%s' (expected "
			 "port[:tcp|:udp],...)", why, (int)utf8_prefix_len(text, 80), text,
			 b - a > 80 ? "..." : "");
		return -1;
	}
	out->len = (size_t)n;
	return 1;
}

int onetime_parse(const char *name, const char *buf, size_t len,
		  config_diag_fn diag, void *ctx, struct onetime_seq *first)
{
	int count = 0;
	bool bad = false;
	unsigned line = 0, errors = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		line++;
		struct onetime_seq seq;
		char err[256];
		int r = parse_seq_line(buf + pos, end - pos, &seq, err, sizeof err);
		if (r < 0) {
			bad = true;
			if (++errors <= 100)
				config_report(diag, ctx, LOG_ERR, name, line, "%s", err);
		} else if (r > 0) {
			seq.line = line;
			seq.offset = (long)pos;
			if (count == 0 && first)
				*first = seq;
			if (count < INT32_MAX)
				count++;
		}
		pos = nl ? end + 1 : len;
	}
	return bad ? -EINVAL : count;
}

/* Reads PATH whole into a new buffer. */
static int read_file(const char *path, char **out, size_t *outlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((unsigned long long)st.st_size > ONETIME_FILE_MAX) {
		close(fd);
		return -EFBIG;
	}
	size_t cap = (size_t)st.st_size + 1, len = 0;
	char *buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (len == cap) {       /* grew since fstat: allow up to the cap */
			if (cap > ONETIME_FILE_MAX) {
				free(buf);
				close(fd);
				return -EFBIG;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			free(buf);
			close(fd);
			return e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	*out = buf;
	*outlen = len;
	return 0;
}

int onetime_next(const char *path, config_diag_fn diag, void *ctx,
		 struct onetime_seq *out)
{
	char *buf = NULL;
	size_t len = 0;
	int r = read_file(path, &buf, &len);
	if (r < 0) {
		config_report(diag, ctx, LOG_ERR, path, 0, "cannot read one-time "
			      "sequences: %s", r == -EINVAL ? "not a regular file" :
			      r == -EFBIG ? "file too large" : strerror(-r));
		return r;
	}
	r = onetime_parse(path, buf, len, diag, ctx, out);
	free(buf);
	if (r < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

int onetime_mark_used(const char *path, const struct onetime_seq *seq)
{
	if (seq->offset < 0)
		return -EINVAL;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Re-read the line: the file may have been edited since. */
	char line[CONFIG_LINE_MAX + 2];
	ssize_t n;
	do
		n = pread(fd, line, sizeof line, (off_t)seq->offset);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	const char *nl = memchr(line, '\n', (size_t)n);
	size_t len = nl ? (size_t)(nl - line) : (size_t)n;
	struct onetime_seq now;
	char err[256];
	if (seq->offset > 0) {
		/* The byte before must end the previous line. */
		char prev;
		if (pread(fd, &prev, 1, (off_t)seq->offset - 1) != 1 || prev != '\n') {
			close(fd);
			return -ESTALE;
		}
	}
	bool same = parse_seq_line(line, len, &now, err, sizeof err) == 1 &&
		    now.len == seq->len;
	for (size_t i = 0; same && i < now.len; i++)
		same = now.seq[i].port == seq->seq[i].port &&
		       now.seq[i].proto == seq->seq[i].proto;
	if (!same) {
		close(fd);
		return -ESTALE;
	}
	ssize_t w;
	do
		w = pwrite(fd, "#", 1, (off_t)seq->offset);
	while (w < 0 && errno == EINTR);
	if (w != 1) {
		int e = w < 0 ? -errno : -EIO;
		close(fd);
		return e;
	}
	if (fsync(fd) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (close(fd) < 0)
		return -errno;
	return 0;
}
