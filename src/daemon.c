/* daemon — see daemon.h. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "config.h"
#include "control.h"
#include "door.h"
#include "gates.h"
#include "log.h"
#include "spa_door.h"
#include "loop.h"
#include "status.h"
#include "stopstate.h"
#include "version.h"

/* Start, stop and reload lines: shown even without -v. */
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)

/* How often a lost interface is looked for again. */
#define REOPEN_MS 1000

struct daemon {
	const struct daemon_opts *opts;
	struct config *cfg;
	char ifname[64];
	char *filter;                   /* text the capture was opened with */
	struct capture *cap;
	int cap_fd;
	struct doors *doors;
	struct spa_doors *spa;           /* NULL: no SPA door */
	struct gates gates;
	struct loop *loop;
	struct loop_timer *expire;      /* next Seq_Timeout deadline */
	struct loop_timer *reopen;      /* capture lost: try again */
	unsigned min_seq_timeout_ms;
	struct grant *grants;           /* doors_feed() output, ndoors long */
	size_t ngrants;
	char *pidfile;                  /* written by us, removed at exit */
	char *config_path;              /* absolute */
	bool only_v4;
	struct control *control;        /* NULL when it could not be opened */
	uint64_t started_ms;
	bool state_dir_set;             /* gate_cmd records stops in StateDir */
};

/* --- config diagnostics ------------------------------------------------ */

struct diag_count { unsigned errors, warnings; };

static void diag_stderr(void *ctx, int level, const char *msg)
{
	struct diag_count *n = ctx;
	if (level <= LOG_ERR)
		n->errors++;
	else
		n->warnings++;
	fprintf(stderr, "%s\n", msg);
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

int daemon_check(const char *path)
{
	struct diag_count n = { 0 };
	struct config *cfg = NULL;
	int rc = config_load(path, diag_stderr, &n, &cfg);
	if (rc < 0) {
		fprintf(stderr, "%s: not valid (%u error%s)\n", path, n.errors,
			n.errors == 1 ? "" : "s");
		return 1;
	}
	config_lint(cfg, diag_stderr, &n);
	size_t nseq = 0;
	for (size_t i = 0; i < cfg->ndoors; i++)
		nseq += door_is_sequence(&cfg->doors[i]);
	printf("%s: OK, %zu door%s (%zu sequence), %u warning%s\n", path, cfg->ndoors,
	       cfg->ndoors == 1 ? "" : "s", nseq, n.warnings, n.warnings == 1 ? "" : "s");
	config_free(cfg);
	return 0;
}

/* --- timers -------------------------------------------------------------- */

static bool has_spa(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->ndoors; i++)
		if (door_is_spa(&cfg->doors[i]))
			return true;
	return false;
}

static unsigned min_seq_timeout(const struct config *cfg)
{
	unsigned m = 0;
	for (size_t i = 0; i < cfg->ndoors; i++) {
		const struct door *d = &cfg->doors[i];
		if (door_is_sequence(d) && (m == 0 || d->seq_timeout_ms < m))
			m = d->seq_timeout_ms;
	}
	return m ? m : 1;
}

/* After a packet: an attempt it may have started ends no sooner than the
 * shortest Seq_Timeout from now, so the expiry timer need not fire before
 * that.  O(1) per packet; doors_expire() then says the exact next one. */
static void expire_after_packet(struct daemon *dm, uint64_t now)
{
	uint64_t want = now + dm->min_seq_timeout_ms;
	if (!loop_timer_armed(dm->expire) || loop_timer_deadline(dm->expire) > want)
		loop_timer_set(dm->loop, dm->expire, want);
}

static void on_expire(struct loop *l, struct loop_timer *t, void *ctx)
{
	struct daemon *dm = ctx;
	uint64_t now = loop_now_ms();
	int64_t next = doors_expire(dm->doors, now);
	if (next >= 0)
		loop_timer_set(l, t, now + (uint64_t)next);
}

/* --- packets ------------------------------------------------------------- */

static int64_t since_capture_us(const struct knock_event *ev)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - (int64_t)ev->time_us;
}

static void dispatch_grants(struct daemon *dm, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gates_dispatch(&dm->gates, dm->cfg, &dm->grants[i]);
}

/* Every decoded packet the filter let through.  The routing point of the
 * daemon: SPA doors take UDP to their SPA_Port (issue: spa_door.h, wired
 * in here), sequence doors take the rest. */
static void on_packet(void *ctx, const struct knock_event *ev)
{
	struct daemon *dm = ctx;
	if (dm->only_v4 && ev->saddr.family != AF_INET)
		return;
	if (log_get_level() >= LOG_DEBUG) {
		char s[ADDR_STRLEN], d[ADDR_STRLEN];
		log_debug("packet %s:%u -> %s:%u/%s flags 0x%02x",
			  addr_format(&ev->saddr, s, sizeof s), ev->sport,
			  addr_format(&ev->daddr, d, sizeof d), ev->dport,
			  port_proto_name(ev->proto), ev->tcpflags);
	}
	if (dm->spa && ev->proto == PROTO_UDP) {
		struct grant gr;
		if (spa_doors_check(dm->spa, ev, (uint64_t)time(NULL), &gr))
			gates_dispatch(&dm->gates, dm->cfg, &gr);
	}
	uint64_t now = loop_now_ms();
	size_t n = doors_feed(dm->doors, ev, now, dm->grants, dm->ngrants);
	int64_t decided = n ? since_capture_us(ev) : 0;
	dispatch_grants(dm, n);
	if (n && log_get_level() >= LOG_DEBUG)
		/* The daemon's own share of knock-to-open (bench/knock_latency.sh
		 * measures the whole, command included). */
		log_debug("capture to decision %lld us, to command spawned %lld us",
			  (long long)decided, (long long)since_capture_us(ev));
	expire_after_packet(dm, now);
}

static void capture_lost(struct daemon *dm, int err);

static void on_capture(struct loop *l, int fd, uint32_t events, void *ctx)
{
	(void)l; (void)fd; (void)events;
	struct daemon *dm = ctx;
	/* Bounded per turn so timers and signals keep their turn under load. */
	int rc = capture_dispatch(dm->cap, 256, on_packet, dm);
	if (rc == -ENODEV || rc == -ENETDOWN)
		capture_lost(dm, rc);
	else if (rc < 0)
		log_warn("capture on %s: %s", dm->ifname, strerror(-rc));
}

static int capture_start(struct daemon *dm, const char *filter, struct capture **out)
{
	int rc = capture_open(dm->ifname, filter, out);
	if (rc < 0) {
		const char *why = capture_last_error();
		log_err("cannot capture on %s: %s%s%s", dm->ifname, strerror(-rc),
			*why ? ": " : "", why);
	}
	return rc;
}

static int capture_watch(struct daemon *dm, struct capture *c)
{
	int fd = capture_fd(c);
	int rc = loop_add_fd(dm->loop, fd, EPOLLIN, on_capture, dm);
	if (rc < 0) {
		log_err("epoll on the capture: %s", strerror(-rc));
		return rc;
	}
	dm->cap = c;
	dm->cap_fd = fd;
	return 0;
}

static void capture_drop(struct daemon *dm)
{
	if (!dm->cap)
		return;
	loop_del_fd(dm->loop, dm->cap_fd);
	capture_close(dm->cap);
	dm->cap = NULL;
	dm->cap_fd = -1;
}

static void on_reopen(struct loop *l, struct loop_timer *t, void *ctx)
{
	struct daemon *dm = ctx;
	struct capture *c = NULL;
	if (capture_open(dm->ifname, dm->filter, &c) < 0) {
		loop_timer_set(l, t, loop_now_ms() + REOPEN_MS);
		return;
	}
	if (capture_watch(dm, c) < 0) {
		capture_close(c);
		loop_timer_set(l, t, loop_now_ms() + REOPEN_MS);
		return;
	}
	log_warn("capture on %s: interface is back, capturing again", dm->ifname);
}

static void capture_lost(struct daemon *dm, int err)
{
	log_warn("capture on %s: %s; waiting for it to come back", dm->ifname,
		 strerror(-err));
	capture_drop(dm);
	loop_timer_set(dm->loop, dm->reopen, loop_now_ms() + REOPEN_MS);
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

static int log_setup(const struct daemon_opts *o, const struct config *cfg)
{
	int level = LOG_NOTICE;
	if (o->verbose || cfg->log_file || cfg->use_syslog)
		level = LOG_INFO;
	if (o->debug)
		level = LOG_DEBUG;
	log_set_level(level);
	log_to_syslog(cfg->use_syslog, "sesamed");
	if (cfg->log_file) {
		int rc = log_to_file(cfg->log_file);
		if (rc < 0) {
			log_err("cannot open LogFile %s: %s", cfg->log_file, strerror(-rc));
			return rc;
		}
	}
	return 0;
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

static size_t grants_room(const struct config *cfg)
{
	return cfg->ndoors ? cfg->ndoors : 1;
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
	return doors_attempts(dm->doors, door);
}

static void status_answer(void *ctx, bool json, struct strbuf *out)
{
	struct daemon *dm = ctx;
	struct status_src src = {
		.cfg = dm->cfg,
		.nft = dm->gates.nft,
		.attempts = attempts_of,
		.attempts_ctx = dm,
		.interface = dm->ifname,
		.uptime_s = (loop_now_ms() - dm->started_ms) / 1000,
	};
	status_render(&src, json, out);
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
	if (loop_add_fd(dm->loop, control_fd(dm->control), EPOLLIN, on_control, dm) < 0) {
		control_free(dm->control);
		dm->control = NULL;
	}
}

/* SIGHUP: all or nothing.  Everything the new config needs is built
 * first (config, filter, capture, grant buffer); only then does the
 * running state switch over.  Any failure keeps the old config, doors,
 * capture and pending stops as they were. */
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
	struct grant *grants = calloc(grants_room(cfg), sizeof *grants);
	if (!filter || !grants)
		goto keep_old;

	/* The filter is locked into the socket: a new one means a new
	 * capture.  Open it before dropping the old so no knock is missed. */
	struct capture *newcap = NULL;
	bool new_capture = dm->cap && strcmp(filter, dm->filter) != 0;
	if (new_capture && capture_start(dm, filter, &newcap) < 0)
		goto keep_old;
	struct spa_doors *newspa = NULL;
	if ((dm->spa && spa_doors_prepare(dm->spa, cfg) < 0) ||
	    (!dm->spa && has_spa(cfg) && spa_doors_new(cfg, &newspa) < 0)) {
		capture_close(newcap);
		goto keep_old;
	}
	/* Packets still queued on the old socket were sent under the old
	 * config: they are decided by it, before anything switches. */
	if (new_capture)
		capture_dispatch(dm->cap, 0, on_packet, dm);
	/* The gate's table for the new config, in one transaction; grants of
	 * doors that stay are kept.  Undone if the doors refuse. */
	struct gate_nft *newnft = NULL;
	if (gate_reload(dm, cfg, &newnft) < 0) {
		if (dm->spa)
			spa_doors_abort(dm->spa);
		spa_doors_free(newspa);
		capture_close(newcap);
		goto keep_old;
	}
	if (doors_reload(dm->doors, cfg) < 0) {
		if (dm->spa)
			spa_doors_abort(dm->spa);
		spa_doors_free(newspa);
		capture_close(newcap);
		gate_undo(dm, cfg, newnft);
		goto keep_old;
	}
	if (dm->spa)
		spa_doors_commit(dm->spa);
	else
		dm->spa = newspa;
	if (new_capture) {
		capture_drop(dm);
		if (capture_watch(dm, newcap) < 0) {
			capture_close(newcap);
			loop_timer_set(dm->loop, dm->reopen, loop_now_ms() + REOPEN_MS);
		}
	}
	gate_commit(dm, cfg, newnft);
	if (!dm->state_dir_set && wants_state_dir(cfg))
		dm->state_dir_set = gate_cmd_set_state_dir(dm->gates.cmd, cfg->state_dir) == 0;
	free(dm->filter);
	dm->filter = filter;
	free(dm->grants);
	dm->grants = grants;
	dm->ngrants = grants_room(cfg);
	config_free(dm->cfg);
	dm->cfg = cfg;
	dm->min_seq_timeout_ms = min_seq_timeout(cfg);
	log_setup(dm->opts, cfg);
	log_notice("reloaded %s: %zu door%s%s", cfg->path, cfg->ndoors,
		   cfg->ndoors == 1 ? "" : "s", new_capture ? ", new capture filter" : "");
	/* Attempts of dropped doors are gone; re-derive the next deadline. */
	on_expire(dm->loop, dm->expire, dm);
	return;

keep_old:
	log_err("reload failed; keeping the running config");
	free(filter);
	free(grants);
	config_free(cfg);
}

/* --- signals --------------------------------------------------------------- */

static void on_signal(struct loop *l, const struct signalfd_siginfo *si, void *ctx)
{
	struct daemon *dm = ctx;
	switch (si->ssi_signo) {
	case SIGHUP:
		reload(dm);
		break;
	case SIGCHLD:
		gate_cmd_reap(dm->gates.cmd);
		break;
	case SIGTERM:
	case SIGINT:
		log_notice("%s: shutting down", strsignal((int)si->ssi_signo));
		loop_stop(l, 0);
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
	return write(fd, buf, (size_t)len) == len ? 0 : -EIO;
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
	if (dm->control) {
		loop_del_fd(dm->loop, control_fd(dm->control));
		control_free(dm->control);
	}
	/* The table stays (fail closed): the kernel still ends every grant. */
	gate_nft_free(dm->gates.nft);
	if (dm->gates.cmd)
		gate_cmd_free(dm->gates.cmd);
	if (dm->loop) {
		loop_timer_free(dm->loop, dm->expire);
		loop_timer_free(dm->loop, dm->reopen);
	}
	if (dm->cap)
		capture_close(dm->cap);
	doors_free(dm->doors);
	spa_doors_free(dm->spa);
	loop_free(dm->loop);
	if (dm->pidfile) {
		unlink(dm->pidfile);
		free(dm->pidfile);
	}
	free(dm->filter);
	free(dm->grants);
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
	if (log_setup(o, cfg) < 0)
		return -EIO;
	if (o->lookup)
		log_info("-l: DNS names are not looked up; addresses are logged as numbers");

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
	struct capture *c;
	int rc = capture_start(dm, dm->filter, &c);
	if (rc < 0)
		return rc;
	dm->cap = c;                    /* watched once the loop exists */
	rc = doors_new(cfg, &dm->doors);
	if (rc < 0)
		return rc;
	if (has_spa(cfg) && (rc = spa_doors_new(cfg, &dm->spa)) < 0)
		return rc;
	dm->ngrants = grants_room(cfg);
	dm->grants = calloc(dm->ngrants, sizeof *dm->grants);
	if (!dm->grants)
		return -ENOMEM;
	dm->min_seq_timeout_ms = min_seq_timeout(cfg);
	/* Before daemonizing: a kernel or permission problem is one line on
	 * the terminal and exit status 1. */
	if (config_wants_nft(cfg)) {
		rc = gate_nft_new(cfg, &dm->gates.nft);
		if (rc < 0)
			return rc;
	}

	/* Checked (and created) before detaching: a StateDir we cannot use
	 * is one line on the terminal. */
	if (wants_state_dir(cfg) && (rc = stopstate_dir_ok(cfg->state_dir)) < 0) {
		log_err("StateDir %s: %s", cfg->state_dir, rc == -EPERM ?
			"must be a directory of ours that no one else may write to" :
			strerror(-rc));
		return rc;
	}

	const char *pidfile = o->pidfile ? o->pidfile : cfg->pid_file;
	if (!pidfile && o->daemonize)
		pidfile = SESAMED_DEFAULT_PIDFILE;
	/* The pid file is opened before detaching, so a path we cannot write
	 * is still reported on the terminal; the pid goes in afterwards. */
	int pidfd = -1;
	if (pidfile) {
		dm->pidfile = absolute(pidfile);
		if (!dm->pidfile) {
			log_err("out of memory");
			return -ENOMEM;
		}
		pidfd = open(dm->pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (pidfd < 0) {
			int e = errno;
			log_err("cannot write pid file %s: %s", dm->pidfile, strerror(e));
			free(dm->pidfile);
			dm->pidfile = NULL;
			return -e;
		}
	}
	if (o->daemonize) {
		log_to_stderr(false);
		rc = daemonize();
		if (rc < 0) {
			log_err("cannot daemonize: %s", strerror(-rc));
			if (pidfd >= 0)
				close(pidfd);
			return rc;
		}
	}
	if (pidfd >= 0) {
		rc = pidfile_write(pidfd);
		close(pidfd);
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
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGCHLD };
	rc = loop_signals(dm->loop, sigs, sizeof sigs / sizeof sigs[0], on_signal, dm);
	if (rc < 0) {
		log_err("signalfd: %s", strerror(-rc));
		return rc;
	}
	/* A knocker hanging up on a command's pipe must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	dm->expire = loop_timer_new(dm->loop, on_expire, dm);
	dm->reopen = loop_timer_new(dm->loop, on_reopen, dm);
	if (!dm->expire || !dm->reopen || gate_cmd_new(dm->loop, &dm->gates.cmd) < 0) {
		log_err("out of memory");
		return -ENOMEM;
	}
	if (wants_state_dir(cfg)) {
		rc = gate_cmd_set_state_dir(dm->gates.cmd, cfg->state_dir);
		if (rc < 0)
			return rc;
		dm->state_dir_set = true;
		gate_cmd_recover(dm->gates.cmd);
	}
	dm->started_ms = loop_now_ms();
	control_start(dm);
	dm->cap = NULL;
	rc = capture_watch(dm, c);
	if (rc < 0) {
		capture_close(c);
		return rc;
	}
	return 0;
}

/* At exit: the SPA counters (benchmarks read them from the log). */
static void log_spa_counters(struct daemon *dm)
{
	if (!dm->spa)
		return;
	struct spa_stats st;
	struct capture_stats cs = { 0 };
	spa_doors_stats(dm->spa, &st);
	if (dm->cap)
		capture_stats(dm->cap, &cs);
	log_notice("spa counters: %llu seen, %llu granted, %llu replayed, %llu rejected; "
		   "capture: %llu frames, %llu kernel drops",
		   (unsigned long long)st.seen, (unsigned long long)st.granted,
		   (unsigned long long)st.replayed, (unsigned long long)st.rejected,
		   (unsigned long long)cs.seen, (unsigned long long)cs.kernel_drops);
}

int daemon_run(const struct daemon_opts *o)
{
	struct daemon dm = { .opts = o, .cap_fd = -1, .only_v4 = o->only_v4 };
	if (start(&dm, o) < 0) {
		teardown(&dm);
		return 1;
	}
	log_notice("sesamed %s: capturing on %s, %zu door%s", SESAME_VERSION, dm.ifname,
		   dm.cfg->ndoors, dm.cfg->ndoors == 1 ? "" : "s");
	int rc = loop_run(dm.loop);
	if (rc < 0)
		log_err("event loop: %s", strerror(-rc));
	gate_cmd_shutdown(dm.gates.cmd, SESAMED_STOP_WAIT_MS);
	log_spa_counters(&dm);
	log_notice("stopped");
	teardown(&dm);
	return rc < 0 ? 1 : 0;
}
