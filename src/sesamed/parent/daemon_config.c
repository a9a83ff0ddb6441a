/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon_config — see daemon_config.h. */
#include "daemon_config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "capture_filter.h"

/* Decisions are NOTICE and always logged; -v (or a LogFile or syslog,
 * which knockd fills with every step) adds the INFO progress lines.  A log
 * file that cannot be opened is not a reason to leave a host unguarded:
 * knockd warns and runs, and so do we, on stderr (the journal under
 * systemd) or, once detached from the terminal, syslog.  -d with no log
 * file and no UseSyslog logs to syslog too. */
void daemon_log_setup(const struct daemon_opts *o, const struct config *cfg)
{
	const char *file = o->logfile ? o->logfile : cfg->log_file;
	int level = LOG_NOTICE;
	if (o->verbose || file || cfg->use_syslog)
		level = LOG_INFO;
	if (o->debug)
		level = LOG_DEBUG;
	log_set_level(level);
	/* Detached, stderr is /dev/null: with no LogFile and no UseSyslog
	 * every line, errors included, would be lost without a word.  knockd
	 * does that; sesamed logs to syslog instead. */
	log_to_syslog(cfg->use_syslog || (o->daemonize && !file), "sesamed");
	if (!file) {
		log_close_file();
		return;
	}
	int rc = log_to_file(file);
	if (rc < 0) {
		/* A file already open (before a reload) stays in use. */
		log_warn("cannot open %s %s: %s; logging to %s instead", o->logfile ? "-g" : "LogFile",
			 file, strerror(-rc), o->daemonize ? "syslog" : "stderr");
		if (o->daemonize)
			log_to_syslog(true, "sesamed");
	}
}

char *daemon_filter_for(const struct config *cfg)
{
	char *buf = malloc(CAPTURE_FILTER_MAX);
	if (!buf) {
		log_err("out of memory");
		return NULL;
	}
	int rc = capture_filter_build(cfg, buf, CAPTURE_FILTER_MAX);
	if (rc < 0) {
		log_err("%s: cannot build the capture filter: %s", cfg->path,
			rc == -EINVAL ? "no door needs any packet" : strerror(-rc));
		free(buf);
		return NULL;
	}
	return buf;
}

void daemon_capture_failed(const struct daemon *dm, int rc)
{
	const char *why = capture_last_error();
	log_err("cannot capture on %s: %s%s%s", dm->ifname, strerror(-rc),
		*why ? ": " : "", why);
}

/* fleet.h's way to the gates. */
static int fleet_dispatch(void *ctx, const struct config *cfg, const struct grant *gr,
			  size_t n, int *res)
{
	struct daemon *dm = ctx;
	return gates_dispatch_many(&dm->gates, cfg, gr, n, res);
}

int daemon_fleet_for(struct daemon *dm, const struct config *cfg, struct fleet **out)
{
	*out = NULL;
	if (!config_fleet_on(cfg))
		return 0;
	return fleet_new(dm->loop, cfg, fleet_dispatch, dm, out);
}

static bool has_stop_commands(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->ndoors; i++) {
		const struct door *d = &cfg->doors[i];
		if ((d->stop_command && *d->stop_command) ||
		    (d->stop_command6 && *d->stop_command6))
			return true;
	}
	return false;
}

bool daemon_wants_state_dir(const struct config *cfg)
{
	struct stat st;
	return cfg->state_dir && *cfg->state_dir &&
	       (has_stop_commands(cfg) || stat(cfg->state_dir, &st) == 0);
}
