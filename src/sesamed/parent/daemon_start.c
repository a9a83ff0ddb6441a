/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon_start — see daemon_start.h. */
#include "daemon_start.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon_check.h"
#include "daemon_config.h"
#include "daemon_control.h"
#include "daemon_worker.h"
#include "route.h"

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

/* --- the steps ------------------------------------------------------------- */

/* The config, parsed, and the logging it asks for. */
static int start_config(struct daemon *dm)
{
	const struct daemon_opts *o = dm->opts;
	struct daemon_diag_count n = { 0 };
	/* -d changes to /: keep the paths we use later (SIGHUP, exit) working. */
	dm->config_path = absolute(o->config_path);
	if (!dm->config_path) {
		fprintf(stderr, "sesamed: out of memory\n");
		return -ENOMEM;
	}
	int err = config_load(dm->config_path, daemon_diag_count_stderr, &n, &dm->cfg);
	if (err == -EINVAL) {
		fprintf(stderr, "sesamed: %s: %u error%s, not starting\n", o->config_path,
			n.errors, n.errors == 1 ? "" : "s");
		return -EINVAL;
	}
	if (err < 0)
		return err;             /* the one line is out already */
	daemon_log_setup(o, dm->cfg);
	if (o->lookup)
		log_info("-l: DNS names are not looked up; addresses are logged as numbers");
	return 0;
}

/* Another sesamed with our pid file or control socket: refused before
 * anything of its (table, capture, files) is touched. */
static int start_alone(struct daemon *dm)
{
	const struct daemon_opts *o = dm->opts;
	const struct config *cfg = dm->cfg;
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
	return 0;
}

/* -i, Interface, or the default route's. */
static int start_interface(struct daemon *dm)
{
	const char *ifname = dm->opts->interface ? dm->opts->interface : dm->cfg->interface;
	if (ifname) {
		if (snprintf(dm->ifname, sizeof dm->ifname, "%s", ifname) >= (int)sizeof dm->ifname) {
			log_err("interface name too long: %s", ifname);
			return -EINVAL;
		}
		return 0;
	}
	int rc = route_default_interface(dm->ifname, sizeof dm->ifname);
	if (rc < 0)
		log_err("no interface given and no default route (%s); use -i or Interface",
			strerror(-rc));
	return rc;
}

/* The capture the first worker will read, opened as root.  A missing or
 * down interface (ppp, wifi, a veth made later) is waited for; anything
 * else (no permission, say) is fatal. */
static int start_capture(struct daemon *dm)
{
	dm->filter = daemon_filter_for(dm->cfg);
	if (!dm->filter)
		return -EINVAL;
	log_debug("capture filter: %s", dm->filter);
	struct capture *c = NULL;
	int rc = capture_open_len(dm->ifname, dm->filter, capture_snaplen(dm->cfg), &c);
	if (rc == -ENODEV || rc == -ENETDOWN) {
		log_warn("capture on %s: %s; waiting for it", dm->ifname,
			 rc == -ENODEV ? "no such interface" : "interface is down");
		c = NULL;
		dm->lost = dm->waiting = true;
	} else if (rc < 0) {
		daemon_capture_failed(dm, rc);
		return rc;
	}
	dm->cap = c;                    /* the worker's, once it runs */
	return 0;
}

/* The kernel's table and StateDir, before daemonizing: a kernel or
 * permission problem, a StateDir we cannot use, is one line on the
 * terminal and exit status 1. */
static int start_gate(struct daemon *dm)
{
	const struct config *cfg = dm->cfg;
	int rc;
	if (config_wants_nft(cfg) && (rc = gate_nft_new(cfg, &dm->gates.nft)) < 0)
		return rc;
	if (daemon_wants_state_dir(cfg) &&
	    (rc = daemon_private_dir_ok("StateDir", cfg->state_dir, false)) < 0)
		return rc;
	return 0;
}

/* -d, then the pid in the pid file locked before. */
static int start_detach(struct daemon *dm)
{
	const struct daemon_opts *o = dm->opts;
	const struct config *cfg = dm->cfg;
	int rc;
	if (o->daemonize) {
		/* Syslog stands in for stderr (daemon_log_setup); with nothing
		 * behind /dev/log it would drop every line too: say so while a
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
	return 0;
}

/* The event loop with its signals and timers, the command gate (and the
 * stops an earlier run recorded in StateDir), the counters, the fleet. */
static int start_loop(struct daemon *dm, loop_signal_fn on_signal)
{
	const struct config *cfg = dm->cfg;
	int rc = loop_new(&dm->loop);
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
	if (daemon_wants_state_dir(cfg)) {
		rc = gate_cmd_set_state_dir(dm->gates.cmd, cfg->state_dir);
		if (rc < 0)
			return rc;
		dm->state_dir_set = true;
		gate_cmd_recover(dm->gates.cmd);
	}
	return daemon_fleet_for(dm, cfg, &dm->fleet);
}

int daemon_start(struct daemon *dm, loop_signal_fn on_signal)
{
	int rc;
	if ((rc = start_config(dm)) < 0 || (rc = start_alone(dm)) < 0 ||
	    (rc = start_interface(dm)) < 0 || (rc = start_capture(dm)) < 0)
		return rc;
	/* What -t checks too: a key or one-time file problem, an unknown
	 * User, an unusable NftTable is one line on the terminal before
	 * detaching. */
	if (daemon_refusals(dm->cfg, false, &dm->user))
		return -EINVAL;
	if ((rc = start_gate(dm)) < 0 || (rc = start_detach(dm)) < 0 ||
	    (rc = start_loop(dm, on_signal)) < 0)
		return rc;
	dm->started_ms = loop_now_ms();
	daemon_control_start(dm);
	if (!dm->cap) {
		loop_timer_set(dm->loop, dm->reopen, loop_now_ms() + REOPEN_MS);
		return 0;
	}
	return worker_spawn(dm, dm->cfg);
}
