/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gate_cmd — see gate_cmd.h. */
#include "gate_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "stopstate.h"

extern char **environ;

enum cmd_kind { CMD_START, CMD_STOP };

struct child {
	pid_t pid;
	enum cmd_kind kind;
	char door[CONFIG_NAME_MAX];
	char ip[ADDR_STRLEN];
	uint64_t started_ms;
	LIST_ENTRY(child) link;
};

struct pending {
	struct gate_cmd *g;
	char door[CONFIG_NAME_MAX];
	struct addr addr;
	char *stop;                     /* expanded stop command */
	bool counted;                   /* its end is reported (gate_cmd_on_end) */
	struct loop_timer *timer;
	LIST_ENTRY(pending) link;
};

struct gate_cmd {
	struct loop *loop;
	LIST_HEAD(, child) children;
	size_t nchildren;
	LIST_HEAD(, pending) pending;
	size_t npending;
	size_t max_children;
	size_t max_pending;
	char *state_dir;                /* NULL: stops are not recorded */
	gate_cmd_end_fn on_end;
	void *on_end_ctx;
};

static const char *kind_name(enum cmd_kind k)
{
	return k == CMD_START ? "start" : "stop";
}

char *gate_cmd_expand(const char *tmpl, const struct addr *a)
{
	static const char key[] = "%IP%";
	const size_t klen = sizeof key - 1;
	char ip[ADDR_STRLEN];
	addr_format(a, ip, sizeof ip);
	size_t iplen = strlen(ip), n = 0;
	for (const char *p = strstr(tmpl, key); p; p = strstr(p + klen, key))
		n++;
	size_t tlen = strlen(tmpl);
	/* Each %IP% grows the text by at most ADDR_STRLEN - 4 bytes. */
	char *out = malloc(tlen + n * iplen + 1);
	if (!out)
		return NULL;
	char *o = out;
	const char *s = tmpl;
	for (const char *p = strstr(s, key); p; p = strstr(s, key)) {
		memcpy(o, s, (size_t)(p - s));
		o += p - s;
		memcpy(o, ip, iplen);
		o += iplen;
		s = p + klen;
	}
	strcpy(o, s);
	return out;
}

/* The command for A's family: the _6 variant falls back to the v4 one.
 * NULL when there is nothing to run (missing or empty). */
static const char *pick(const char *v4, const char *v6, const struct addr *a)
{
	const char *c = (a->family == AF_INET6 && v6) ? v6 : v4;
	return (c && *c) ? c : NULL;
}

bool gate_cmd_door_has_commands(const struct door *d)
{
	return (d->start_command && *d->start_command) ||
	       (d->start_command6 && *d->start_command6) ||
	       (d->stop_command && *d->stop_command) ||
	       (d->stop_command6 && *d->stop_command6);
}

/* Starts CMD in a child.  posix_spawn uses vfork semantics: cheap and
 * fast, which is most of the knock-to-open latency.  The child gets the
 * signal mask the daemon had before the loop blocked its signals, default
 * dispositions, /dev/null as stdin, its own session (a ^C on the daemon's
 * terminal is not its business), and no descriptor above 2. */
static int spawn(struct gate_cmd *g, enum cmd_kind kind, const char *door,
		 const struct addr *a, const char *cmd)
{
	char ip[ADDR_STRLEN];
	addr_format(a, ip, sizeof ip);
	struct child *c = calloc(1, sizeof *c);
	if (!c) {
		log_err("door %s: %s: cannot run %s command: out of memory", door, ip,
			kind_name(kind));
		return -ENOMEM;
	}
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_init(&attr);
	posix_spawn_file_actions_init(&fa);
	sigset_t def;
	sigemptyset(&def);
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM, SIGCHLD, SIGPIPE, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&def, sigs[i]);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setsigmask(&attr, loop_sigmask(g->loop));
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
					POSIX_SPAWN_SETSID);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	pid_t pid;
	int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		log_err("door %s: %s: cannot run %s command: %s", door, ip,
			kind_name(kind), strerror(rc));
		free(c);
		return -rc;
	}
	c->pid = pid;
	c->kind = kind;
	snprintf(c->door, sizeof c->door, "%s", door);
	memcpy(c->ip, ip, sizeof c->ip);
	c->started_ms = loop_now_ms();
	LIST_INSERT_HEAD(&g->children, c, link);
	g->nchildren++;
	log_notice("door %s: %s: %srunning %s command (pid %d)", door, ip,
		 kind == CMD_START ? "opened: " : "", kind_name(kind), (int)pid);
	log_debug("door %s: %s: %s command: %s", door, ip, kind_name(kind), cmd);
	return 0;
}

static void child_done(struct gate_cmd *g, pid_t pid, int status)
{
	struct child *c;
	LIST_FOREACH(c, &g->children, link)
		if (c->pid == pid)
			break;
	if (!c)
		return;                 /* not one of ours (cannot happen) */
	LIST_REMOVE(c, link);
	g->nchildren--;
	unsigned ms = (unsigned)(loop_now_ms() - c->started_ms);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_info("door %s: %s: %s command done (%u ms)", c->door, c->ip,
			  kind_name(c->kind), ms);
	else if (WIFEXITED(status))
		log_warn("door %s: %s: %s command failed: exit status %d", c->door,
			 c->ip, kind_name(c->kind), WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_warn("door %s: %s: %s command failed: killed by signal %d", c->door,
			 c->ip, kind_name(c->kind), WTERMSIG(status));
	free(c);
}

/* Only our own children: the daemon has another (its worker), whose exit
 * status is its business. */
void gate_cmd_reap(struct gate_cmd *g)
{
	struct child *c = LIST_FIRST(&g->children);
	while (c) {
		struct child *next = LIST_NEXT(c, link);
		int status;
		if (waitpid(c->pid, &status, WNOHANG) == c->pid)
			child_done(g, c->pid, status);
		c = next;
	}
}

static void pending_free(struct gate_cmd *g, struct pending *p)
{
	LIST_REMOVE(p, link);
	g->npending--;
	loop_timer_free(g->loop, p->timer);
	free(p->stop);
	free(p);
}

/* Runs P's stop command; its record goes once the command is started
 * (a stop that could not even be started stays recorded for the next
 * start to try again). */
static void run_stop(struct gate_cmd *g, struct pending *p)
{
	if (spawn(g, CMD_STOP, p->door, &p->addr, p->stop) == 0 && g->state_dir) {
		int rc = stopstate_remove(g->state_dir, p->door, &p->addr);
		if (rc < 0)
			log_warn("StateDir %s: cannot remove a stop record: %s",
				 g->state_dir, strerror(-rc));
	}
	pending_free(g, p);
}

static void on_stop_timer(struct loop *l, struct loop_timer *t, void *ctx)
{
	(void)l; (void)t;
	struct pending *p = ctx;
	char ip[ADDR_STRLEN];
	log_notice("door %s: %s: closing after Cmd_Timeout", p->door,
		 addr_format(&p->addr, ip, sizeof ip));
	if (p->counted && p->g->on_end)
		p->g->on_end(p->g->on_end_ctx, p->door, &p->addr, false);
	run_stop(p->g, p);
}

/* A pending stop that owns STOP (an expanded command, freed here on
 * failure); NULL when out of memory. */
static struct pending *pending_new(struct gate_cmd *g, char *stop, const struct addr *a,
				   const char *door)
{
	struct pending *p = calloc(1, sizeof *p);
	if (p)
		p->timer = loop_timer_new(g->loop, on_stop_timer, p);
	if (!p || !p->timer || !stop) {
		if (p)
			loop_timer_free(g->loop, p->timer);
		free(p);
		free(stop);
		return NULL;
	}
	p->g = g;
	p->stop = stop;
	p->addr = *a;
	snprintf(p->door, sizeof p->door, "%s", door);
	return p;
}

static int record(struct gate_cmd *g, const struct pending *p, unsigned timeout_s)
{
	if (!g->state_dir)
		return 0;
	int rc = stopstate_write(g->state_dir, p->door, &p->addr,
				 stopstate_now_ms() + (uint64_t)timeout_s * 1000u, p->stop);
	if (rc < 0) {
		char ip[ADDR_STRLEN];
		log_err("door %s: %s: cannot record the stop command in %s: %s", p->door,
			addr_format(&p->addr, ip, sizeof ip), g->state_dir, strerror(-rc));
	}
	return rc;
}

static struct pending *pending_find(struct gate_cmd *g, const char *door,
				    const struct addr *a)
{
	struct pending *p;
	LIST_FOREACH(p, &g->pending, link)
		if (addr_equal(&p->addr, a) && strcmp(p->door, door) == 0)
			return p;
	return NULL;
}

int gate_cmd_grant(struct gate_cmd *g, const struct config *cfg,
		   const struct grant *gr)
{
	const struct door *d = &cfg->doors[gr->door];
	unsigned timeout_s = gr->timeout_s ? gr->timeout_s : d->cmd_timeout_s;
	uint64_t deadline = loop_now_ms() + (uint64_t)timeout_s * 1000u;
	char ip[ADDR_STRLEN];
	addr_format(&gr->addr, ip, sizeof ip);

	struct pending *p = pending_find(g, d->name, &gr->addr);
	if (p) {
		/* Still open from an earlier grant: the start command's effect
		 * is in place, so only the closing moves. */
		log_notice("door %s: %s: already open, stop in %u s", d->name, ip, timeout_s);
		record(g, p, timeout_s);
		return loop_timer_set(g->loop, p->timer, deadline);
	}

	const char *start = pick(d->start_command, d->start_command6, &gr->addr);
	const char *stop = pick(d->stop_command, d->stop_command6, &gr->addr);
	int rc = 0;
	if (start && g->nchildren >= g->max_children) {
		log_warn("door %s: %s: not opened: %zu commands still running", d->name, ip,
			 g->nchildren);
		return -EAGAIN;
	}
	if (stop && g->npending >= g->max_pending) {
		log_warn("door %s: %s: not opened: %zu stops pending", d->name, ip, g->npending);
		return -EAGAIN;
	}
	/* The stop is promised (and recorded on disk) before the start runs:
	 * whatever happens next, what opens also closes. */
	if (stop) {
		p = pending_new(g, gate_cmd_expand(stop, &gr->addr), &gr->addr, d->name);
		if (!p) {
			log_err("door %s: %s: out of memory: not opened", d->name, ip);
			return -ENOMEM;
		}
		/* A door with Open also ends in the kernel: counted there. */
		p->counted = d->open_len == 0;
		rc = record(g, p, timeout_s);
		if (rc < 0) {
			log_err("door %s: %s: not opened: its stop could not be recorded",
				d->name, ip);
			goto drop;
		}
	}
	if (start) {
		char *cmd = gate_cmd_expand(start, &gr->addr);
		if (!cmd) {
			log_err("door %s: %s: out of memory", d->name, ip);
			rc = -ENOMEM;
			goto unrecord;
		}
		rc = spawn(g, CMD_START, d->name, &gr->addr, cmd);
		free(cmd);
		if (rc < 0)
			goto unrecord;  /* nothing was opened: nothing to close */
	}
	if (!p)
		return 0;
	LIST_INSERT_HEAD(&g->pending, p, link);
	g->npending++;
	log_debug("door %s: %s: stop command in %u s", d->name, ip, timeout_s);
	return loop_timer_set(g->loop, p->timer, deadline);

unrecord:
	if (p && g->state_dir)
		stopstate_remove(g->state_dir, p->door, &p->addr);
drop:
	if (p) {
		loop_timer_free(g->loop, p->timer);
		free(p->stop);
		free(p);
	}
	return rc;
}

void gate_cmd_shutdown(struct gate_cmd *g, unsigned wait_ms)
{
	if (g->npending)
		log_info("running %zu pending stop command(s) before exit", g->npending);
	while (!LIST_EMPTY(&g->pending))
		run_stop(g, LIST_FIRST(&g->pending));
	uint64_t deadline = loop_now_ms() + wait_ms;
	gate_cmd_reap(g);
	while (g->nchildren && loop_now_ms() < deadline) {
		struct timespec ts = { 0, 10 * 1000000L };
		nanosleep(&ts, NULL);
		gate_cmd_reap(g);
	}
	if (g->nchildren)
		log_warn("%zu command(s) still running at exit, not waiting longer",
			 g->nchildren);
}

void gate_cmd_set_max_children(struct gate_cmd *g, size_t n) { g->max_children = n; }
void gate_cmd_set_max_pending(struct gate_cmd *g, size_t n) { g->max_pending = n; }
size_t gate_cmd_pending(const struct gate_cmd *g) { return g->npending; }
size_t gate_cmd_running(const struct gate_cmd *g) { return g->nchildren; }

void gate_cmd_on_end(struct gate_cmd *g, gate_cmd_end_fn fn, void *ctx)
{
	g->on_end = fn;
	g->on_end_ctx = ctx;
}

size_t gate_cmd_revoke(struct gate_cmd *g, const char *door, const struct addr *a)
{
	size_t n = 0;
	struct pending *p = LIST_FIRST(&g->pending);
	while (p) {
		struct pending *next = LIST_NEXT(p, link);
		if ((!door || strcmp(p->door, door) == 0) && (!a || addr_equal(&p->addr, a))) {
			char ip[ADDR_STRLEN];
			log_notice("door %s: %s: revoked: running the stop command now", p->door,
				   addr_format(&p->addr, ip, sizeof ip));
			if (p->counted && g->on_end)
				g->on_end(g->on_end_ctx, p->door, &p->addr, true);
			run_stop(g, p);
			n++;
		}
		p = next;
	}
	return n;
}

int gate_cmd_new(struct loop *l, struct gate_cmd **out)
{
	struct gate_cmd *g = calloc(1, sizeof *g);
	if (!g)
		return -ENOMEM;
	g->loop = l;
	LIST_INIT(&g->children);
	LIST_INIT(&g->pending);
	g->max_children = GATE_CMD_MAX_CHILDREN;
	g->max_pending = GATE_CMD_MAX_PENDING;
	*out = g;
	return 0;
}

void gate_cmd_free(struct gate_cmd *g)
{
	if (!g)
		return;
	while (!LIST_EMPTY(&g->pending))
		pending_free(g, LIST_FIRST(&g->pending));
	while (!LIST_EMPTY(&g->children)) {
		struct child *c = LIST_FIRST(&g->children);
		LIST_REMOVE(c, link);
		free(c);
	}
	free(g->state_dir);
	free(g);
}

int gate_cmd_set_state_dir(struct gate_cmd *g, const char *dir)
{
	int rc = stopstate_dir_ok(dir);
	if (rc < 0) {
		log_err("StateDir %s: %s", dir, rc == -EPERM ?
			"must be a directory of ours that no one else may write to" :
			strerror(-rc));
		return rc;
	}
	char *copy = strdup(dir);
	if (!copy)
		return -ENOMEM;
	free(g->state_dir);
	g->state_dir = copy;
	return 0;
}

static void recover_one(void *ctx, const struct stop_record *r)
{
	struct gate_cmd *g = ctx;
	char ip[ADDR_STRLEN];
	addr_format(&r->addr, ip, sizeof ip);
	uint64_t now = stopstate_now_ms();
	struct pending *p = pending_new(g, strdup(r->cmd), &r->addr, r->door);
	if (!p) {
		log_err("door %s: %s: out of memory: recorded stop not run now", r->door, ip);
		return;
	}
	LIST_INSERT_HEAD(&g->pending, p, link);
	g->npending++;
	if (r->deadline_ms <= now) {
		log_msg(LOG_NOTICE, "door %s: %s: stop command overdue since %llu s (recorded before "
			   "a restart): running it now", r->door, ip,
			   (unsigned long long)((now - r->deadline_ms) / 1000));
		run_stop(g, p);
		return;
	}
	uint64_t left = r->deadline_ms - now;
	log_msg(LOG_NOTICE, "door %s: %s: stop command recorded before a restart runs in %llu s",
		   r->door, ip, (unsigned long long)((left + 999) / 1000));
	loop_timer_set(g->loop, p->timer, loop_now_ms() + left);
}

int gate_cmd_recover(struct gate_cmd *g)
{
	if (!g->state_dir)
		return 0;
	int n = stopstate_scan(g->state_dir, recover_one, g);
	if (n < 0)
		log_err("StateDir %s: %s", g->state_dir, strerror(-n));
	return n;
}
