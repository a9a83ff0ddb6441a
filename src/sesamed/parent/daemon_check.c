/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon_check — see daemon_check.h. */
#include "daemon_check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "fleet.h"
#include "fleet_files.h"
#include "log.h"
#include "nft_render.h"
#include "stopstate.h"
#include "worker/worker.h"

void daemon_diag_stderr(void *ctx, int level, const char *msg)
{
	(void)ctx;
	(void)level;
	fprintf(stderr, "sesamed: %s\n", msg);
}

static void diag_count(struct daemon_diag_count *n, int level)
{
	if (level <= LOG_ERR)
		n->errors++;
	else
		n->warnings++;
}

void daemon_diag_count_stderr(void *ctx, int level, const char *msg)
{
	diag_count(ctx, level);
	daemon_diag_stderr(NULL, level, msg);
}

void daemon_diag_count_log(void *ctx, int level, const char *msg)
{
	diag_count(ctx, level);
	log_msg(level, "%s", msg);
}

/* Whether PATH could be opened for appending, without creating it: the
 * file if it exists, else its directory.  0 or -errno. */
static int logfile_writable(const char *path)
{
	if (access(path, W_OK) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	char *dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	char *slash = strrchr(dir, '/');
	const char *d = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
	int rc = access(d, W_OK | X_OK) == 0 ? 0 : -errno;
	free(dir);
	return rc;
}

/* A directory others may write to lets them swap or delete what is in
 * it (a replay cache deleted is every packet replayable). */
int daemon_private_dir_ok(const char *what, const char *dir, bool dry)
{
	struct stat st;
	if (dry && lstat(dir, &st) < 0 && errno == ENOENT)
		return 0;
	int rc = stopstate_dir_ok(dir);
	if (rc < 0)
		log_err("%s %s: %s", what, dir, rc == -EPERM ?
			"must be a directory of ours that no one else may write to" :
			strerror(-rc));
	return rc;
}

/* ReplayCache's directory, checked like StateDir. */
static int replay_dir_ok(const struct config *cfg, bool dry)
{
	bool spa = false;
	for (size_t i = 0; i < cfg->ndoors; i++)
		spa = spa || door_is_spa(&cfg->doors[i]);
	if (!spa || !cfg->replay_cache || !*cfg->replay_cache)
		return 0;
	char *dir = strdup(cfg->replay_cache);
	if (!dir)
		return -ENOMEM;
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	int rc = daemon_private_dir_ok("ReplayCache's directory", dir, dry);
	free(dir);
	return rc;
}

/* fwknopd warns about the same: its keys in a file others may read. */
static void key_file_mode_warn(const struct config *cfg)
{
	bool keys = false;
	for (size_t i = 0; i < cfg->ndoors; i++)
		keys = keys || cfg->doors[i].fwknop_key_len || cfg->doors[i].fwknop_hmac_key_len;
	struct stat st;
	if (keys && stat(cfg->path, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
		log_warn("%s holds Fwknop_Key/Fwknop_Hmac_Key and is readable by %s "
			 "(mode %03o): chmod 600 it", cfg->path,
			 st.st_mode & S_IROTH ? "everyone" : "its group",
			 (unsigned)(st.st_mode & 0777));
}

unsigned daemon_refusals(const struct config *cfg, bool dry, struct sandbox_user *user)
{
	unsigned bad = 0;
	char err[256];
	if (config_wants_nft(cfg) && !nft_config_ok(cfg, err, sizeof err)) {
		log_err("gate: %s", err);
		bad++;
	}
	if (sandbox_lookup(cfg->user, user) < 0)
		bad++;
	if (replay_dir_ok(cfg, dry) < 0)
		bad++;
	/* Key and one-time files, built the way the worker will. */
	if (worker_check_doors(cfg, dry) < 0)
		bad++;
	/* Fleet key and password files, and the node name. */
	if (fleet_check(cfg, NULL, NULL) < 0)
		bad++;
	key_file_mode_warn(cfg);
	return bad;
}

/* -t's word on LogFile (or -g's LOGFILE): one it cannot open is a
 * warning, as it is at start.  Returns the warnings (0 or 1). */
static unsigned logfile_check(const struct config *cfg, const char *path, const char *logfile)
{
	const char *lf = logfile ? logfile : cfg->log_file;
	int lrc = lf ? logfile_writable(lf) : 0;
	if (lrc == 0)
		return 0;
	if (logfile)
		fprintf(stderr, "sesamed: warning: -g %s", lf);
	else
		fprintf(stderr, "sesamed: %s:%u: warning: LogFile %s", path,
			cfg->log_file_line, lf);
	fprintf(stderr, " cannot be opened: %s; sesamed will log to stderr (the "
		"journal under systemd)\n", strerror(-lrc));
	return 1;
}

int daemon_check(const char *path, const char *logfile)
{
	struct daemon_diag_count n = { 0 };
	struct config *cfg = NULL;
	int rc = config_load(path, daemon_diag_count_stderr, &n, &cfg);
	if (rc < 0) {
		/* A file that cannot be read was one line already. */
		if (rc == -EINVAL)
			fprintf(stderr, "sesamed: %s: not valid (%u error%s)\n", path, n.errors,
				n.errors == 1 ? "" : "s");
		return 1;
	}
	config_lint(cfg, daemon_diag_count_stderr, &n);
	n.warnings += logfile_check(cfg, path, logfile);
	struct sandbox_user user;
	unsigned bad = daemon_refusals(cfg, true, &user);
	if (bad) {
		fprintf(stderr, "sesamed: %s: would not start (%u problem%s above)\n", path, bad,
			bad == 1 ? "" : "s");
		config_free(cfg);
		return 1;
	}
	size_t nseq = 0;
	for (size_t i = 0; i < cfg->ndoors; i++)
		nseq += door_is_sequence(&cfg->doors[i]) || door_is_rotating(&cfg->doors[i]);
	printf("%s: OK, %zu door%s (%zu sequence), %u warning%s\n", path, cfg->ndoors,
	       cfg->ndoors == 1 ? "" : "s", nseq, n.warnings, n.warnings == 1 ? "" : "s");
	config_free(cfg);
	return 0;
}
