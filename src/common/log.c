/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log — see log.h.  Kept deliberately simple: no buffering beyond stdio
 * line buffering, so a crash never loses the line that explains it. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int level = LOG_INFO;
static bool use_stderr = true;
static bool use_syslog;
static FILE *logfile;
static int journal = -1;                /* -1: not looked at yet */
/* Our own syslog client rather than libc's: its socket is one we know the
 * number of, connected once, so that sesamed's worker can keep writing
 * to it inside a sandbox that allows neither socket() nor connect() and
 * allows writes on a fixed list of descriptors only. */
static int syslog_fd = -1;
static int syslog_type;                 /* SOCK_DGRAM, or SOCK_STREAM */
static char syslog_ident[32];

static const struct sockaddr_un dev_log = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };

static void syslog_open(const char *ident)
{
	snprintf(syslog_ident, sizeof syslog_ident, "%s", ident ? ident : "sesamed");
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM };
	for (size_t i = 0; i < 2 && syslog_fd < 0; i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return;
		if (connect(fd, (const struct sockaddr *)&dev_log, sizeof dev_log) == 0) {
			syslog_fd = fd;
			syslog_type = types[i];
		} else {
			close(fd);
		}
	}
}

static void syslog_send(int l, const char *line)
{
	if (syslog_fd < 0)
		return;
	char buf[1200], stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
	int n = snprintf(buf, sizeof buf, "<%d>%s %s[%d]: %s", LOG_DAEMON | (l & LOG_PRIMASK),
			 stamp, syslog_ident, (int)getpid(), line);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
	if (syslog_type == SOCK_STREAM)
		len++;                  /* the NUL ends the message */
	for (int tries = 0; tries < 2; tries++) {
		/* Never block the daemon on a slow log reader: a line that
		 * finds the socket full is lost. */
		if (send(syslog_fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
			return;
		if (errno != ECONNREFUSED && errno != ENOTCONN && errno != EPIPE)
			return;
		/* The log daemon restarted: connect again, on the same
		 * descriptor (refused inside the worker's sandbox: its lines
		 * still reach LogFile and stderr). */
		if (connect(syslog_fd, (const struct sockaddr *)&dev_log, sizeof dev_log) < 0)
			return;
	}
}

void log_set_level(int l) { level = l; }
int log_get_level(void) { return level; }
void log_to_stderr(bool on) { use_stderr = on; }

void log_to_syslog(bool on, const char *ident)
{
	if (on && !use_syslog) {
		syslog_open(ident);
	} else if (!on && use_syslog && syslog_fd >= 0) {
		close(syslog_fd);
		syslog_fd = -1;
	}
	use_syslog = on;
}

int log_to_file(const char *path)
{
	/* O_NOFOLLOW: a symlink planted where the log goes must not make
	 * root append to the file it points to. */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0640);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "a");
	if (!f) {
		int e = errno;
		close(fd);
		return -e;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	if (logfile)
		fclose(logfile);
	logfile = f;
	return 0;
}

void log_close_file(void)
{
	if (logfile)
		fclose(logfile);
	logfile = NULL;
}

size_t log_fds(int *fds, size_t max)
{
	size_t n = 0;
	if (n < max)
		fds[n++] = STDERR_FILENO;
	if (logfile && n < max)
		fds[n++] = fileno(logfile);
	if (syslog_fd >= 0 && n < max)
		fds[n++] = syslog_fd;
	return n;
}

void log_close(void)
{
	if (logfile)
		fclose(logfile);
	logfile = NULL;
	log_to_syslog(false, NULL);
}

bool log_stderr_is_journal(void)
{
	if (journal >= 0)
		return journal;
	journal = 0;
	const char *js = getenv("JOURNAL_STREAM");
	if (!js || !*js)
		return false;
	/* "DEV:INO", both decimal, exactly as systemd writes them. */
	char *end;
	errno = 0;
	unsigned long long dev = strtoull(js, &end, 10);
	if (errno || end == js || *end != ':')
		return false;
	const char *ino_s = end + 1;
	unsigned long long ino = strtoull(ino_s, &end, 10);
	if (errno || end == ino_s || *end)
		return false;
	struct stat st;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	journal = (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
	return journal;
}

static const char *cli_prog;            /* log_cli() */

void log_cli(const char *prog) { cli_prog = prog; }

static const char *level_name(int l)
{
	switch (l) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_DEBUG: return "debug";
	default: return "info";
	}
}

/* Lines written while the log is held (log_hold()), with the time they
 * were made.  A few are enough: one packet makes one or two decisions. */
#define HELD_MAX 8
static struct held { int level; struct timespec ts; char line[1024]; } held[HELD_MAX];
static size_t nheld;
static bool holding;

static void emit(int l, const struct timespec *ts, const char *line)
{
	if (use_syslog)
		syslog_send(l, line);
	bool to_journal = use_stderr && log_stderr_is_journal();
	if (to_journal)
		fprintf(stderr, "<%d>%s\n", l & LOG_PRIMASK, line);
	if (logfile || (use_stderr && !to_journal)) {
		char stamp[40];
		struct tm tm;
		localtime_r(&ts->tv_sec, &tm);
		size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
		snprintf(stamp + n, sizeof stamp - n, ".%03ld", ts->tv_nsec / 1000000);
		if (logfile)
			fprintf(logfile, "[%s] %s: %s\n", stamp, level_name(l), line);
		if (use_stderr && !to_journal)
			fprintf(stderr, "[%s] %s: %s\n", stamp, level_name(l), line);
	}
}

void log_hold(void)
{
	holding = true;
}

void log_release(void)
{
	holding = false;
	for (size_t i = 0; i < nheld; i++)
		emit(held[i].level, &held[i].ts, held[i].line);
	nheld = 0;
}

void log_msg(int l, const char *fmt, ...)
{
	if (l > level)
		return;
	char line[sizeof held[0].line];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);

	if (cli_prog) {
		if (use_stderr)
			fprintf(stderr, "%s: %s%s\n", cli_prog, l == LOG_WARNING ? "warning: " : "",
				line);
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (!holding) {
		emit(l, &ts, line);
		return;
	}
	if (nheld == HELD_MAX) {        /* in order, never dropped */
		log_release();
		holding = true;
	}
	held[nheld].level = l;
	held[nheld].ts = ts;
	memcpy(held[nheld].line, line, sizeof line);
	nheld++;
}
