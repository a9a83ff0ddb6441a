/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon — see daemon.h. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <syslog.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "worker/capture.h"
#include "config.h"
#include "control.h"
#include "gate.h"
#include "log.h"
#include "loop.h"
#include "nft_render.h"
#include "privsep.h"
#include "sandbox.h"
#include "status.h"
#include "stopstate.h"
#include "version.h"
#include "worker/worker.h"
#include "daemon_parent.h"

/* --- config diagnostics ------------------------------------------------ */

struct diag_count { unsigned errors, warnings; };

void daemon_diag_stderr(void *ctx, int level, const char *msg)
{
	(void)ctx;
	(void)level;
	fprintf(stderr, "sesamed: %s\n", msg);
}

static void diag_stderr(void *ctx, int level, const char *msg)
{
	struct diag_count *n = ctx;
	if (level <= LOG_ERR)
		n->errors++;
	else
		n->warnings++;
	daemon_diag_stderr(NULL, level, msg);
}

static void diag_log(void *ctx, int level, const char *msg)
{
	struct diag_count *n = ctx;
	if (level <= LOG_ERR)
		n->errors++;
	else
		n->warnings++;
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
 * it (a replay cache deleted is every packet replayable).  DRY: a
 * missing directory is left for the start to create or report. */
static int private_dir_ok(const char *what, const char *dir, bool dry)
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
	int rc = private_dir_ok("ReplayCache's directory", dir, dry);
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

/* Everything the daemon refuses at start, besides the parse itself:
 * shared by `sesamed -t` (DRY: nothing created, no lock taken, nothing
 * loaded into the kernel) and the start, so that -t says OK only when
 * the start would get past it.  Every problem is logged; returns the
 * number of them. */
static unsigned start_refusals(const struct config *cfg, bool dry, struct sandbox_user *user)
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

int daemon_check(const char *path, const char *logfile)
{
	struct diag_count n = { 0 };
	struct config *cfg = NULL;
	int rc = config_load(path, diag_stderr, &n, &cfg);
	if (rc < 0) {
		/* A file that cannot be read was one line already. */
		if (rc == -EINVAL)
			fprintf(stderr, "sesamed: %s: not valid (%u error%s)\n", path, n.errors,
				n.errors == 1 ? "" : "s");
		return 1;
	}
	config_lint(cfg, diag_stderr, &n);
	const char *lf = logfile ? logfile : cfg->log_file;
	int lrc = lf ? logfile_writable(lf) : 0;
	if (lrc < 0) {
		if (logfile)
			fprintf(stderr, "sesamed: warning: -g %s", lf);
		else
			fprintf(stderr, "sesamed: %s:%u: warning: LogFile %s", path,
				cfg->log_file_line, lf);
		fprintf(stderr, " cannot be opened: %s; sesamed will log to stderr (the "
			"journal under systemd)\n", strerror(-lrc));
		n.warnings++;
	}
	struct sandbox_user user;
	unsigned bad = start_refusals(cfg, true, &user);
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

static int capture_start(struct daemon *dm, const struct config *cfg, const char *filter,
			 struct capture **out)
{
	int rc = capture_open_len(dm->ifname, filter, capture_snaplen(cfg), out);
	if (rc < 0) {
		const char *why = capture_last_error();
		log_err("cannot capture on %s: %s%s%s", dm->ifname, strerror(-rc),
			*why ? ": " : "", why);
	}
	return rc;
}

/* The BPF text for CFG, malloc'd; NULL (logged) on failure. */
static char *filter_for(const struct config *cfg)
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

/* --- logging --------------------------------------------------------------- */

/* Decisions are NOTICE and always logged; -v (or a LogFile or syslog,
 * which knockd fills with every step) adds the INFO progress lines.  A log
 * file that cannot be opened is not a reason to leave a host unguarded:
 * knockd warns and runs, and so do we, on stderr (the journal under
 * systemd) or, once detached from the terminal, syslog.  -d with no log
 * file and no UseSyslog logs to syslog too. */
static void log_setup(const struct daemon_opts *o, const struct config *cfg)
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

/* --- durable stops ------------------------------------------------------- */

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

/* StateDir is used (created if need be) when a door has a Stop_Command,
 * and read when it exists (stops recorded by an earlier run).  Otherwise
 * it is left alone: nothing to promise, nothing to create. */
static bool wants_state_dir(const struct config *cfg)
{
	struct stat st;
	return cfg->state_dir && *cfg->state_dir &&
	       (has_stop_commands(cfg) || stat(cfg->state_dir, &st) == 0);
}

/* --- reload ---------------------------------------------------------------- */

int daemon_fleet_dispatch(void *ctx, const struct config *cfg, const struct grant *gr)
{
	struct daemon *dm = ctx;
	return gates_dispatch(&dm->gates, cfg, gr);
}

/* The fleet for CFG (none without [options] Fleet).  0 or -errno. */
static int fleet_for(struct daemon *dm, const struct config *cfg, struct fleet **out)
{
	*out = NULL;
	if (!config_fleet_on(cfg))
		return 0;
	return fleet_new(dm->loop, cfg, daemon_fleet_dispatch, dm, out);
}

/* --- native gate and control socket ------------------------------------ */

/* Step one of a reload: the table for CFG (a new gate when the old config
 * had none).  Returns 0 or -errno (logged; the old table is untouched). */
static int gate_reload(struct daemon *dm, const struct config *cfg, struct gate_nft **fresh)
{
	*fresh = NULL;
	if (!config_wants_nft(cfg))
		return 0;
	if (dm->gates.nft)
		return gate_nft_reload(dm->gates.nft, cfg);
	return gate_nft_new(cfg, fresh);
}

/* The rest of the reload failed: back to the running config's table. */
static void gate_undo(struct daemon *dm, const struct config *cfg, struct gate_nft *fresh)
{
	if (fresh) {
		gate_nft_free(fresh);
		gate_nft_remove(cfg->nft_table);
	} else if (dm->gates.nft && config_wants_nft(cfg)) {
		gate_nft_reload(dm->gates.nft, dm->cfg);
	}
}

static void gate_commit(struct daemon *dm, const struct config *cfg, struct gate_nft *fresh)
{
	if (fresh) {
		dm->gates.nft = fresh;
	} else if (dm->gates.nft && !config_wants_nft(cfg)) {
		/* Fail closed: the table stays until removed on purpose. */
		log_notice("Firewall = none: table inet %s stays as it is; "
			   "'sesamed --remove-gate' removes it", dm->cfg->nft_table);
		gate_nft_free(dm->gates.nft);
		dm->gates.nft = NULL;
	}
}

static size_t attempts_of(void *ctx, size_t door)
{
	struct daemon *dm = ctx;
	return door < CONFIG_DOORS_MAX ? dm->attempts[door] : 0;
}

static const char *grant_origin(void *ctx, const char *door, const struct addr *a)
{
	struct daemon *dm = ctx;
	return fleet_origin(dm->fleet, door, a);
}

static void status_answer(void *ctx, enum control_format format, struct strbuf *out)
{
	struct daemon *dm = ctx;
	worker_ask_status(dm);
	uint64_t uptime_s = (loop_now_ms() - dm->started_ms) / 1000;
	if (format == CONTROL_PROMETHEUS) {
		metrics_render(dm->metrics, dm->cfg, dm->attempts_known, uptime_s, out);
		return;
	}
	struct status_src src = {
		.cfg = dm->cfg,
		.nft = dm->gates.nft,
		.attempts = dm->attempts_known ? attempts_of : NULL,
		.attempts_ctx = dm,
		.interface = dm->ifname,
		.capturing = !dm->lost,
		.uptime_s = uptime_s,
		.fleet_node = dm->fleet ? fleet_node(dm->fleet) : NULL,
		.fleet_up = fleet_up(dm->fleet),
		.origin = dm->fleet ? grant_origin : NULL,
		.origin_ctx = dm,
	};
	status_render(&src, format == CONTROL_JSON, out);
}

static void revoke_answer(void *ctx, const struct addr *a, const char *door,
			  struct strbuf *out)
{
	struct daemon *dm = ctx;
	/* Grants the worker is about to send are for knocks made before the
	 * revoke: taken first, so they do not reopen right after. */
	worker_ask_status(dm);
	int n = gates_revoke(&dm->gates, dm->cfg, door, a);
	if (n == -ENOENT) {
		strbuf_puts(out, "error: no door named ");
		strbuf_puts(out, door);
		strbuf_puts(out, "\n");
	} else if (n < 0) {
		strbuf_printf(out, "error: cannot revoke: %s\n", strerror(-n));
	} else {
		char ab[ADDR_STRLEN];
		log_notice("revoke %s%s%s: %d grant%s ended", a ? addr_format(a, ab, sizeof ab) : "all",
			   door ? " on door " : "", door ? door : "", n, n == 1 ? "" : "s");
		strbuf_printf(out, "revoked %d\n", n);
	}
}

static void on_control(struct loop *l, int fd, uint32_t events, void *ctx)
{
	(void)l; (void)fd; (void)events;
	struct daemon *dm = ctx;
	control_dispatch(dm->control);
}

/* The control socket is for `sesame status`: without it sesamed still
 * guards and opens, so a failure is a warning, not a reason to stop. */
static void control_start(struct daemon *dm)
{
	const char *path = dm->cfg->control_socket;
	if (!path || !*path)
		return;
	if (control_open(path, status_answer, dm, &dm->control) < 0) {
		log_warn("control socket %s unavailable: 'sesame status' will not answer", path);
		return;
	}
	control_set_revoke(dm->control, revoke_answer);
	if (loop_add_fd(dm->loop, control_fd(dm->control), EPOLLIN, on_control, dm) < 0) {
		control_free(dm->control);
		dm->control = NULL;
	}
}

/* SIGHUP: all or nothing.  The new config, its filter (and capture, when
 * the filter changed) and its table are made first; then the worker is
 * replaced by one for the new config.  If that one cannot start (a key
 * file it cannot load, say), everything goes back and a worker for the
 * old config runs again.  Attempts in progress start over: they live in
 * the worker, which cannot read the new config itself. */
static void reload(struct daemon *dm)
{
	log_notice("reloading %s", dm->cfg->path);
	struct diag_count n = { 0 };
	struct config *cfg = NULL;
	if (config_load(dm->cfg->path, diag_log, &n, &cfg) < 0) {
		log_err("reload: %s has %u error%s; keeping the running config",
			dm->cfg->path, n.errors, n.errors == 1 ? "" : "s");
		return;
	}
	char *filter = filter_for(cfg);
	if (!filter)
		goto keep_old;
	/* A new worker needs a new capture (see worker_on_reopen), opened before
	 * the old worker stops so no knock is missed in between. */
	struct capture *newcap = NULL;
	bool new_filter = strcmp(filter, dm->filter) != 0;
	if (dm->cap && capture_start(dm, cfg, filter, &newcap) < 0)
		goto keep_old;
	struct gate_nft *newnft = NULL;
	if (gate_reload(dm, cfg, &newnft) < 0) {
		capture_close(newcap);
		goto keep_old;
	}
	/* A new connection for the new config (its key, namespace, node);
	 * the new one resyncs, so nothing the fleet holds is lost. */
	struct fleet *newfleet = NULL;
	if (fleet_for(dm, cfg, &newfleet) < 0) {
		capture_close(newcap);
		gate_undo(dm, cfg, newnft);
		goto keep_old;
	}
	/* The old worker decides what was queued under the old config; its
	 * capture is closed before the new worker is forked, so that one
	 * holds only its own. */
	worker_stop(dm, dm->cfg, cfg);
	capture_close(dm->cap);
	dm->cap = newcap;
	if (dm->cap && worker_spawn(dm, cfg) < 0) {
		/* Back to the old config, on a capture of its own. */
		capture_close(dm->cap);
		dm->cap = NULL;
		gate_undo(dm, cfg, newnft);
		fleet_free(newfleet);
		loop_timer_set(dm->loop, dm->reopen, loop_now_ms());
		goto keep_old;
	}
	gate_commit(dm, cfg, newnft);
	fleet_free(dm->fleet);          /* under the old config, still alive */
	dm->fleet = newfleet;
	if (!dm->state_dir_set && wants_state_dir(cfg))
		dm->state_dir_set = gate_cmd_set_state_dir(dm->gates.cmd, cfg->state_dir) == 0;
	free(dm->filter);
	dm->filter = filter;
	config_free(dm->cfg);
	dm->cfg = cfg;
	log_setup(dm->opts, cfg);
	metrics_reloaded(dm->metrics);
	log_notice("reloaded %s: %zu door%s%s", cfg->path, cfg->ndoors,
		   cfg->ndoors == 1 ? "" : "s", new_filter ? ", new capture filter" : "");
	return;

keep_old:
	log_err("reload failed; keeping the running config");
	free(filter);
	config_free(cfg);
}

/* --- signals --------------------------------------------------------------- */

static void on_signal(struct loop *l, const struct signalfd_siginfo *si, void *ctx)
{
	struct daemon *dm = ctx;
	switch (si->ssi_signo) {
	case SIGHUP:
		/* systemd (Type=notify) holds `systemctl reload` until READY=1. */
		sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
			   (unsigned long long)loop_now_ms() * 1000ull);
		reload(dm);
		/* A reload frees a whole config, a capture and libnftables'
		 * work, between allocations that stay: give the free pages
		 * back, or the heap creeps a page at a time over months. */
		malloc_trim(0);
		sd_notify(0, "READY=1");
		break;
	case SIGCHLD:
		gate_cmd_reap(dm->gates.cmd);
		break;
	case SIGTERM:
	case SIGINT:
		log_notice("%s: shutting down", strsignal((int)si->ssi_signo));
		sd_notify(0, "STOPPING=1");
		loop_stop(l, 0);
		break;
	case SIGUSR1:
		/* A one-line summary, for whoever has no control socket. */
		log_notice("status: %zu door%s, %s %s, worker %d, up %llu s", dm->cfg->ndoors,
			   dm->cfg->ndoors == 1 ? "" : "s",
			   dm->lost ? "waiting for interface" : "capturing on", dm->ifname,
			   (int)dm->worker,
			   (unsigned long long)((loop_now_ms() - dm->started_ms) / 1000));
		break;
	case SIGUSR2:
		log_info("SIGUSR2: ignored");
		break;
	}
}

/* --- pid file and daemonizing -------------------------------------------- */

/* PATH made absolute against the current directory; malloc'd, NULL on
 * ENOMEM (or when the current directory is gone: then PATH as given). */
static char *absolute(const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	char *cwd = getcwd(NULL, 0);
	if (!cwd)
		return strdup(path);
	char *out = NULL;
	if (asprintf(&out, "%s/%s", cwd, path) < 0)
		out = NULL;
	free(cwd);
	return out;
}

static int pidfile_write(int fd)
{
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0)
		return -errno;
	return pwrite(fd, buf, (size_t)len, 0) == len ? 0 : -EIO;
}

/* Opens and locks the pid file PATH (absolute, malloc'd; ours once this
 * succeeds).  The lock is held for the daemon's life: a second sesamed
 * with the same pid file is refused and leaves the file alone.  Returns
 * the descriptor or -errno (logged). */
static int pidfile_lock(struct daemon *dm, char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		int e = errno;
		log_err("cannot write pid file %s: %s", path, strerror(e));
		free(path);
		return -e;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		char buf[32] = "";
		ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (e == EWOULDBLOCK)
			log_err("pid file %s: held by a running sesamed%s%s%s; not starting", path,
				*buf ? " (pid " : "", buf, *buf ? ")" : "");
		else
			log_err("pid file %s: cannot lock: %s", path, strerror(e));
		close(fd);
		free(path);
		return e == EWOULDBLOCK ? -EBUSY : -e;
	}
	dm->pidfile = path;
	return fd;
}

/* Classic double fork: the parent returns to the shell only once the
 * daemon is detached, so a service manager sees a clean exit. */
static int daemonize(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	umask(022);
	if (chdir("/") < 0)
		return -errno;
	int fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return -errno;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	return 0;
}

/* --- run ------------------------------------------------------------------- */

static void teardown(struct daemon *dm)
{
	fleet_free(dm->fleet);
	dm->fleet = NULL;
	if (dm->control) {
		loop_del_fd(dm->loop, control_fd(dm->control));
		control_free(dm->control);
	}
	/* The table stays (fail closed): the kernel still ends every grant. */
	gate_nft_free(dm->gates.nft);
	if (dm->gates.cmd)
		gate_cmd_free(dm->gates.cmd);
	if (dm->loop)
		loop_timer_free(dm->loop, dm->reopen);
	metrics_free(dm->metrics);      /* its timer is the loop's */
	if (dm->cap)
		capture_close(dm->cap);
	loop_free(dm->loop);
	if (dm->pidfile) {
		unlink(dm->pidfile);
		free(dm->pidfile);
	}
	if (dm->pidfd >= 0)
		close(dm->pidfd);
	free(dm->filter);
	config_free(dm->cfg);
	free(dm->config_path);
	log_close();
}

static int start(struct daemon *dm, const struct daemon_opts *o)
{
	struct diag_count n = { 0 };
	/* -d changes to /: keep the paths we use later (SIGHUP, exit) working. */
	dm->config_path = absolute(o->config_path);
	if (!dm->config_path) {
		fprintf(stderr, "sesamed: out of memory\n");
		return -ENOMEM;
	}
	int err = config_load(dm->config_path, diag_stderr, &n, &dm->cfg);
	if (err == -EINVAL) {
		fprintf(stderr, "sesamed: %s: %u error%s, not starting\n", o->config_path,
			n.errors, n.errors == 1 ? "" : "s");
		return -EINVAL;
	}
	if (err < 0)
		return err;             /* the one line is out already */
	const struct config *cfg = dm->cfg;
	log_setup(o, cfg);
	if (o->lookup)
		log_info("-l: DNS names are not looked up; addresses are logged as numbers");

	/* Another sesamed with our pid file or control socket: refused
	 * before anything of its (table, capture, files) is touched. */
	const char *pidfile = o->pidfile ? o->pidfile : cfg->pid_file;
	if (!pidfile && o->daemonize)
		pidfile = SESAMED_DEFAULT_PIDFILE;
	/* The pid file is opened before detaching, so a path we cannot write
	 * is still reported on the terminal; the pid goes in afterwards. */
	if (pidfile) {
		char *abs = absolute(pidfile);
		if (!abs) {
			log_err("out of memory");
			return -ENOMEM;
		}
		dm->pidfd = pidfile_lock(dm, abs);
		if (dm->pidfd < 0)
			return dm->pidfd;
	}
	if (cfg->control_socket && *cfg->control_socket && control_in_use(cfg->control_socket)) {
		log_err("control socket %s: another sesamed answers on it; not starting",
			cfg->control_socket);
		return -EADDRINUSE;
	}

	const char *ifname = o->interface ? o->interface : cfg->interface;
	if (ifname) {
		if (snprintf(dm->ifname, sizeof dm->ifname, "%s", ifname) >= (int)sizeof dm->ifname) {
			log_err("interface name too long: %s", ifname);
			return -EINVAL;
		}
	} else {
		int rc = capture_default_interface(dm->ifname, sizeof dm->ifname);
		if (rc < 0) {
			log_err("no interface given and no default route (%s); use -i or Interface",
				strerror(-rc));
			return rc;
		}
	}

	dm->filter = filter_for(cfg);
	if (!dm->filter)
		return -EINVAL;
	log_debug("capture filter: %s", dm->filter);
	/* A missing or down interface (ppp, wifi, a veth made later) is
	 * waited for; anything else (no permission, say) is fatal. */
	struct capture *c = NULL;
	int rc = capture_open_len(dm->ifname, dm->filter, capture_snaplen(cfg), &c);
	if (rc == -ENODEV || rc == -ENETDOWN) {
		log_warn("capture on %s: %s; waiting for it", dm->ifname,
			 rc == -ENODEV ? "no such interface" : "interface is down");
		c = NULL;
		dm->lost = dm->waiting = true;
	} else if (rc < 0) {
		const char *why = capture_last_error();
		log_err("cannot capture on %s: %s%s%s", dm->ifname, strerror(-rc),
			*why ? ": " : "", why);
		return rc;
	}
	dm->cap = c;                    /* the worker's, once it runs */
	/* What -t checks too: a key or one-time file problem, an unknown
	 * User, an unusable NftTable is one line on the terminal before
	 * detaching. */
	if (start_refusals(cfg, false, &dm->user))
		return -EINVAL;
	/* Before daemonizing: a kernel or permission problem is one line on
	 * the terminal and exit status 1. */
	if (config_wants_nft(cfg)) {
		rc = gate_nft_new(cfg, &dm->gates.nft);
		if (rc < 0)
			return rc;
	}

	/* Checked (and created) before detaching: a StateDir we cannot use
	 * is one line on the terminal. */
	if (wants_state_dir(cfg) && (rc = private_dir_ok("StateDir", cfg->state_dir, false)) < 0)
		return rc;

	if (o->daemonize) {
		/* Syslog stands in for stderr (log_setup); with nothing behind
		 * /dev/log it would drop every line too: say so while a
		 * terminal still listens. */
		struct stat st;
		if (!o->logfile && !cfg->log_file && !cfg->use_syslog &&
		    (stat("/dev/log", &st) < 0 || !S_ISSOCK(st.st_mode)))
			log_warn("-d without LogFile, -g or UseSyslog logs to syslog, but "
				 "/dev/log is not there: log lines will be lost (set LogFile "
				 "or give -g FILE)");
		log_to_stderr(false);
		rc = daemonize();
		if (rc < 0) {
			log_err("cannot daemonize: %s", strerror(-rc));
			return rc;
		}
	}
	if (dm->pidfd >= 0) {
		rc = pidfile_write(dm->pidfd);
		if (rc < 0) {
			log_err("cannot write pid file %s: %s", dm->pidfile, strerror(-rc));
			return rc;
		}
	}

	rc = loop_new(&dm->loop);
	if (rc < 0) {
		log_err("event loop: %s", strerror(-rc));
		return rc;
	}
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGCHLD, SIGUSR1, SIGUSR2 };
	rc = loop_signals(dm->loop, sigs, sizeof sigs / sizeof sigs[0], on_signal, dm);
	if (rc < 0) {
		log_err("signalfd: %s", strerror(-rc));
		return rc;
	}
	/* A knocker hanging up on a command's pipe must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	dm->reopen = loop_timer_new(dm->loop, worker_on_reopen, dm);
	if (!dm->reopen || gate_cmd_new(dm->loop, &dm->gates.cmd) < 0 ||
	    metrics_new(dm->loop, &dm->metrics) < 0) {
		log_err("out of memory");
		return -ENOMEM;
	}
	dm->gates.metrics = dm->metrics;
	gates_watch_ends(&dm->gates);
	if (wants_state_dir(cfg)) {
		rc = gate_cmd_set_state_dir(dm->gates.cmd, cfg->state_dir);
		if (rc < 0)
			return rc;
		dm->state_dir_set = true;
		gate_cmd_recover(dm->gates.cmd);
	}
	if ((rc = fleet_for(dm, cfg, &dm->fleet)) < 0)
		return rc;
	dm->started_ms = loop_now_ms();
	control_start(dm);
	if (!dm->cap) {
		loop_timer_set(dm->loop, dm->reopen, loop_now_ms() + REOPEN_MS);
		return 0;
	}
	return worker_spawn(dm, cfg);
}

int daemon_run(const struct daemon_opts *o)
{
	struct daemon dm = { .opts = o, .ipc = -1, .pidfd = -1 };
	if (start(&dm, o) < 0) {
		worker_stop(&dm, dm.cfg, dm.cfg);
		teardown(&dm);
		return 1;
	}
	log_notice("sesamed %s: %s %s, %zu door%s", SESAME_VERSION,
		   dm.cap ? "capturing on" : "waiting for", dm.ifname,
		   dm.cfg->ndoors, dm.cfg->ndoors == 1 ? "" : "s");
	if (dm.worker)
		log_info("packets are read by worker %d as user %s (uid %u)%s", (int)dm.worker,
		 dm.user.name, (unsigned)dm.user.uid,
		 strcmp(dm.user.name, dm.cfg->user) ? ": no account named by User" : "");
	/* Ready for systemd once the gate is loaded and the worker reads the
	 * capture (worker_spawn waited for its READY).  An interface that is
	 * not there yet is waited for by a running daemon: ready too, or a
	 * unit for a ppp or wifi link would time out at boot. */
	sd_notifyf(0, "READY=1\nSTATUS=%s %s, %zu door%s", dm.cap ? "capturing on" :
		   "waiting for", dm.ifname, dm.cfg->ndoors, dm.cfg->ndoors == 1 ? "" : "s");
	int rc = loop_run(dm.loop);
	if (rc < 0)
		log_err("event loop: %s", strerror(-rc));
	worker_stop(&dm, dm.cfg, dm.cfg);
	gate_cmd_shutdown(dm.gates.cmd, SESAMED_STOP_WAIT_MS);
	log_notice("stopped");
	teardown(&dm);
	return rc < 0 ? 1 : 0;
}
