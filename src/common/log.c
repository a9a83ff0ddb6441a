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
#include <time.h>
#include <unistd.h>

static int level = LOG_INFO;
static bool use_stderr = true;
static bool use_syslog;
static FILE *logfile;
static int journal = -1;                /* -1: not looked at yet */

void log_set_level(int l) { level = l; }
int log_get_level(void) { return level; }
void log_to_stderr(bool on) { use_stderr = on; }

void log_to_syslog(bool on, const char *ident)
{
	if (on && !use_syslog)
		openlog(ident ? ident : "sesamed", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!on && use_syslog)
		closelog();
	use_syslog = on;
}

int log_to_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
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

void log_msg(int l, const char *fmt, ...)
{
	if (l > level)
		return;
	char line[1024];
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
	if (use_syslog)
		syslog(l, "%s", line);
	bool to_journal = use_stderr && log_stderr_is_journal();
	if (to_journal)
		fprintf(stderr, "<%d>%s\n", l & LOG_PRIMASK, line);
	if (logfile || (use_stderr && !to_journal)) {
		char stamp[40];
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
		snprintf(stamp + n, sizeof stamp - n, ".%03ld", ts.tv_nsec / 1000000);
		if (logfile)
			fprintf(logfile, "[%s] %s: %s\n", stamp, level_name(l), line);
		if (use_stderr && !to_journal)
			fprintf(stderr, "[%s] %s: %s\n", stamp, level_name(l), line);
	}
}
