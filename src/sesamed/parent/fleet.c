/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fleet — see fleet.h and docs/fleet.md. */
#include "fleet.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "fleet_files.h"
#include "fleet_msg.h"
#include "log.h"

#define REPLY_MS        1000    /* a command unanswered this long: Redis is down */
#define CONNECT_MS      2000    /* connecting (and AUTH, SUBSCRIBE) at most */
#define WATCH_MS        250     /* how often the above is checked */
#define IDLE_PING_MS    5000    /* a quiet connection is asked, so a dead Redis
				 * is noticed before a packet needs it */
#define BACKOFF_MIN_MS  250
#define BACKOFF_MAX_MS  8000
#define LIVE_MAX_AGE_MS 60000   /* a published message older than this is stale */
#define SCAN_COUNT      100     /* keys per SCAN: the grants of one MGET go to
				 * the gate together (BATCH_MAX at most) */
#define BAD_LINES_PER_S 5       /* log lines about refused messages */
#define CLOCK_SLACK_S   60      /* gateways' clocks apart, at most, for the
				 * claim of a rotating sequence */

#define ORIGINS         4096    /* grants whose node `sesame status` can name */
#define BATCH_MAX       256     /* received grants given to the gates at once */

enum fleet_state { F_START, F_UP, F_DOWN };

/* Who made a grant this gateway applied, for `sesame status`: a hint, so
 * a fixed table where a collision just forgets the older one. */
struct origin {
	char door[CONFIG_NAME_MAX];
	struct addr addr;
	char node[CONFIG_FLEET_NODE_MAX];
	uint64_t expire_ms;             /* wall clock; 0: free */
};

struct fleet_conn {
	struct fleet *f;
	redisAsyncContext *ac;          /* NULL: closed */
	int fd;
	uint32_t events;
	bool watched;                   /* fd registered with the loop */
	bool ready;                     /* answered PING / confirmed SUBSCRIBE */
	bool sub;
};

struct fleet {
	struct loop *loop;
	const struct config *cfg;
	fleet_dispatch_fn dispatch;
	void *ctx;
	uint8_t key[FLEET_KEY_LEN];
	char *password;
	char node[CONFIG_FLEET_NODE_MAX];
	char ns[CONFIG_NAME_MAX];
	char channel[CONFIG_NAME_MAX + 16];
	struct fleet_conn cmd, sub;
	enum fleet_state state;
	struct loop_timer *retry, *watch;
	unsigned backoff_ms;
	uint64_t connect_ms;            /* when the current attempt began */
	unsigned inflight;              /* commands sent, not yet answered */
	uint64_t progress_ms;           /* last reply, or first command sent */
	bool freeing;
	uint64_t bad_sec;
	unsigned bad_lines;
	struct origin *origins;         /* ORIGINS of them */
	uint64_t seed;
	/* Grants received in one read of a connection, checked, waiting to
	 * go to the gates together (batch_flush): BATCH_MAX of each. */
	struct grant *in_gr;
	struct fleet_grant *in_fg;
	int *in_res;
	size_t nin;
};

/* A grant waiting for what it used up to be claimed. */
struct pending {
	struct fleet *f;
	struct grant gr;
	enum ps_once once;
	char key[2 * CONFIG_NAME_MAX + 16 + 2 * 32];
};

static uint64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* --- the loop adapter for hiredis ------------------------------------------ */

static void batch_flush(struct fleet *f);

static void on_conn_fd(struct loop *l, int fd, uint32_t events, void *ctx)
{
	(void)l; (void)fd;
	struct fleet_conn *c = ctx;
	if (!c->ac)
		return;
	/* One call per turn: either may free the context.  The loop is
	 * level-triggered, so the other comes on the next turn. */
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		/* One read (at most 16 KiB), every reply in it called back:
		 * the grants among them go to the gates together. */
		redisAsyncHandleRead(c->ac);
		batch_flush(c->f);
	} else if (events & EPOLLOUT) {
		redisAsyncHandleWrite(c->ac);
	}
}

static void conn_update(struct fleet_conn *c)
{
	struct loop *l = c->f->loop;
	if (!c->events) {
		if (c->watched)
			loop_del_fd(l, c->fd);
		c->watched = false;
	} else if (c->watched) {
		loop_mod_fd(l, c->fd, c->events);
	} else if (loop_add_fd(l, c->fd, c->events, on_conn_fd, c) == 0) {
		c->watched = true;
	}
}

static void ev_add_read(void *p) { struct fleet_conn *c = p; c->events |= EPOLLIN; conn_update(c); }
static void ev_del_read(void *p) { struct fleet_conn *c = p; c->events &= ~(uint32_t)EPOLLIN; conn_update(c); }
static void ev_add_write(void *p) { struct fleet_conn *c = p; c->events |= EPOLLOUT; conn_update(c); }
static void ev_del_write(void *p) { struct fleet_conn *c = p; c->events &= ~(uint32_t)EPOLLOUT; conn_update(c); }

/* hiredis frees the context right after: forget it. */
static void ev_cleanup(void *p)
{
	struct fleet_conn *c = p;
	c->events = 0;
	conn_update(c);
	c->ac = NULL;
	c->ready = false;
}

/* --- connection state -------------------------------------------------------- */

static void fleet_down(struct fleet *f, const char *why)
{
	if (f->freeing)
		return;
	if (f->state != F_DOWN)
		log_warn("fleet: redis %s:%u unreachable (%s): this gateway works alone "
			 "until it is back%s", f->cfg->fleet_host, f->cfg->fleet_port, why,
			 f->cfg->fleet_required ? "; SPA and one-time doors refuse meanwhile (Fleet_Required)" : "");
	f->state = F_DOWN;
	if (!loop_timer_armed(f->retry)) {
		loop_timer_set(f->loop, f->retry, loop_now_ms() + f->backoff_ms);
		f->backoff_ms = f->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : f->backoff_ms * 2;
	}
}

static bool send_cmd(struct fleet *f, redisCallbackFn *fn, void *priv, const char *fmt, ...)
{
	if (!f->cmd.ac)
		return false;
	va_list ap;
	va_start(ap, fmt);
	int rc = redisvAsyncCommand(f->cmd.ac, fn, priv, fmt, ap);
	va_end(ap);
	if (rc != REDIS_OK)
		return false;
	if (f->inflight++ == 0)
		f->progress_ms = loop_now_ms();
	return true;
}

/* Every reply to send_cmd's commands (NULL: the connection went). */
static void reply_seen(struct fleet *f)
{
	if (f->inflight)
		f->inflight--;
	f->progress_ms = loop_now_ms();
}

static bool reply_error(struct fleet *f, const redisReply *r)
{
	if (r && r->type == REDIS_REPLY_ERROR) {
		char why[160];
		snprintf(why, sizeof why, "%.*s", (int)(r->len > 120 ? 120 : r->len), r->str);
		fleet_down(f, why);
		return true;
	}
	return false;
}

static void resync(struct fleet *f, const char *cursor);

static void maybe_up(struct fleet *f)
{
	if (!f->cmd.ready || !f->sub.ready || f->state == F_UP)
		return;
	log_msg(LOG_NOTICE, "fleet: connected to redis %s:%u as node %s (namespace %s)",
		   f->cfg->fleet_host, f->cfg->fleet_port, f->node, f->ns);
	f->state = F_UP;
	f->backoff_ms = BACKOFF_MIN_MS;
	resync(f, "0");
}

static void on_connect(const redisAsyncContext *ac, int status)
{
	struct fleet_conn *c = ac->data;
	if (status != REDIS_OK)
		fleet_down(c->f, ac->errstr[0] ? ac->errstr : "cannot connect");
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
	struct fleet_conn *c = ac->data;
	c->ready = false;
	fleet_down(c->f, status == REDIS_OK ? "connection closed" :
		   ac->errstr[0] ? ac->errstr : "connection lost");
}

/* AUTH and SELECT: refused, this Redis is of no use to us. */
static void on_setup(redisAsyncContext *ac, void *reply, void *priv)
{
	(void)ac;
	reply_error(priv, reply);
}

static void on_ping(redisAsyncContext *ac, void *reply, void *priv)
{
	(void)ac;
	struct fleet *f = priv;
	reply_seen(f);
	if (!reply || reply_error(f, reply))
		return;
	f->cmd.ready = true;
	maybe_up(f);
}

static void fleet_receive(struct fleet *f, const char *msg, size_t len, bool live);

static void on_sub(redisAsyncContext *ac, void *reply, void *priv)
{
	(void)ac;
	struct fleet *f = priv;
	const redisReply *r = reply;
	if (!r || reply_error(f, r))
		return;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		return;
	if (strcmp(r->element[0]->str, "subscribe") == 0) {
		f->sub.ready = true;
		maybe_up(f);
	} else if (strcmp(r->element[0]->str, "message") == 0 &&
		   r->element[2]->type == REDIS_REPLY_STRING) {
		fleet_receive(f, r->element[2]->str, r->element[2]->len, true);
	}
}

static int conn_open(struct fleet *f, struct fleet_conn *c)
{
	redisAsyncContext *ac = redisAsyncConnect(f->cfg->fleet_host, f->cfg->fleet_port);
	if (!ac)
		return -ENOMEM;
	if (ac->err) {
		fleet_down(f, ac->errstr);
		redisAsyncFree(ac);
		return -EIO;
	}
	*c = (struct fleet_conn){ .f = f, .ac = ac, .fd = ac->c.fd, .sub = c->sub };
	ac->data = c;
	ac->ev.data = c;
	ac->ev.addRead = ev_add_read;
	ac->ev.delRead = ev_del_read;
	ac->ev.addWrite = ev_add_write;
	ac->ev.delWrite = ev_del_write;
	ac->ev.cleanup = ev_cleanup;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	if (f->password)
		redisAsyncCommand(ac, on_setup, f, "AUTH %s", f->password);
	if (c->sub)
		return redisAsyncCommand(ac, on_sub, f, "SUBSCRIBE %s", f->channel) == REDIS_OK ?
		       0 : -EIO;
	if (f->cfg->fleet_db)
		redisAsyncCommand(ac, on_setup, f, "SELECT %u", f->cfg->fleet_db);
	return send_cmd(f, on_ping, f, "PING") ? 0 : -EIO;
}

static void conns_close(struct fleet *f)
{
	f->freeing = true;
	/* Pending callbacks run with no reply: grants waiting for a replay
	 * check are decided as with Redis down. */
	if (f->cmd.ac)
		redisAsyncFree(f->cmd.ac);
	if (f->sub.ac)
		redisAsyncFree(f->sub.ac);
	f->freeing = false;
	f->cmd.ready = f->sub.ready = false;
	f->inflight = 0;
}

static void on_retry(struct loop *l, struct loop_timer *t, void *ctx)
{
	(void)l; (void)t;
	struct fleet *f = ctx;
	conns_close(f);
	f->connect_ms = loop_now_ms();
	f->cmd.sub = false;
	f->sub.sub = true;
	if (conn_open(f, &f->cmd) < 0 || conn_open(f, &f->sub) < 0)
		fleet_down(f, "cannot start a connection");
}

static void on_ack(redisAsyncContext *ac, void *reply, void *priv);

/* A Redis that stops answering (a dead host does not say so) is down:
 * nothing waits on it for longer than REPLY_MS. */
static void on_watch(struct loop *l, struct loop_timer *t, void *ctx)
{
	struct fleet *f = ctx;
	uint64_t now = loop_now_ms();
	if (f->state != F_UP && (f->cmd.ac || f->sub.ac) && !loop_timer_armed(f->retry) &&
	    now - f->connect_ms > CONNECT_MS) {
		fleet_down(f, "connection timed out");
		conns_close(f);
	} else if (f->state == F_UP && f->inflight && now - f->progress_ms > REPLY_MS) {
		fleet_down(f, "no answer within a second");
		conns_close(f);
	} else if (f->state == F_UP && !f->inflight && now - f->progress_ms > IDLE_PING_MS) {
		send_cmd(f, on_ack, f, "PING");
	}
	loop_timer_set(l, t, now + WATCH_MS);
}

/* --- grants in and out --------------------------------------------------- */

static bool bad_line_ok(struct fleet *f)
{
	uint64_t sec = loop_now_ms() / 1000;
	if (sec != f->bad_sec) {
		f->bad_sec = sec;
		f->bad_lines = 0;
	}
	return f->bad_lines++ < BAD_LINES_PER_S;
}

static struct origin *origin_slot(const struct fleet *f, const char *door, const struct addr *a)
{
	uint64_t h = addr_hash(a, f->seed);
	for (const char *c = door; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ull;
	return &f->origins[h % ORIGINS];
}

static void origin_note(struct fleet *f, const struct fleet_grant *fg)
{
	struct origin *o = origin_slot(f, fg->door, &fg->addr);
	snprintf(o->door, sizeof o->door, "%s", fg->door);
	snprintf(o->node, sizeof o->node, "%s", fg->node);
	o->addr = fg->addr;
	o->expire_ms = fg->expire_ms;
}

const char *fleet_origin(const struct fleet *f, const char *door, const struct addr *a)
{
	if (!f)
		return NULL;
	const struct origin *o = origin_slot(f, door, a);
	if (!o->expire_ms || o->expire_ms <= wall_ms() || strcmp(o->door, door) ||
	    !addr_equal(&o->addr, a))
		return NULL;
	return o->node;
}

/* The grants received since the last flush, to the gates at once: one
 * nft transaction for all rather than one each, which is what bounds how
 * many grants a gateway can take from the others.  Each was checked on
 * its own when it came (fleet_receive). */
static void batch_flush(struct fleet *f)
{
	size_t n = f->nin;
	if (!n)
		return;
	f->nin = 0;
	if (n > 1)
		log_info("fleet: %zu grants to the gate together", n);
	f->dispatch(f->ctx, f->cfg, f->in_gr, n, f->in_res);
	for (size_t i = 0; i < n; i++)
		if (f->in_res[i] == 0 && strcmp(f->in_fg[i].node, f->node) != 0)
			origin_note(f, &f->in_fg[i]);
}

/* One grant, now. */
static int dispatch1(struct fleet *f, const struct config *cfg, const struct grant *gr)
{
	int res;
	return f->dispatch(f->ctx, cfg, gr, 1, &res);
}

static void fleet_receive(struct fleet *f, const char *msg, size_t len, bool live)
{
	struct fleet_grant fg;
	const char *why = fleet_msg_parse(msg, len, f->key, f->ns, &fg);
	if (why) {
		if (bad_line_ok(f))
			log_warn("fleet: ignoring a message from redis: %s", why);
		return;
	}
	if (live && strcmp(fg.node, f->node) == 0)
		return;                 /* ours: granted already */
	struct grant gr;
	char a[ADDR_STRLEN];
	addr_format(&fg.addr, a, sizeof a);
	why = fleet_msg_grant(&fg, f->cfg, wall_ms(), live ? LIVE_MAX_AGE_MS : 0, &gr);
	if (why) {
		if (bad_line_ok(f))
			log_warn("door %s: %s: not opened for fleet node %s: %s", fg.door, a,
				 fg.node, why);
		return;
	}
	log_info("door %s: %s: opened for fleet node %s (%u s left)", fg.door, a, fg.node,
		 gr.timeout_s);
	f->in_gr[f->nin] = gr;
	f->in_fg[f->nin] = fg;
	if (++f->nin == BATCH_MAX)
		batch_flush(f);
}

static void on_mget(redisAsyncContext *ac, void *reply, void *priv)
{
	(void)ac;
	struct fleet *f = priv;
	const redisReply *r = reply;
	reply_seen(f);
	if (!r || reply_error(f, r) || r->type != REDIS_REPLY_ARRAY)
		return;
	for (size_t i = 0; i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			fleet_receive(f, r->element[i]->str, r->element[i]->len, false);
}

static void on_scan(redisAsyncContext *ac, void *reply, void *priv)
{
	(void)ac;
	struct fleet *f = priv;
	const redisReply *r = reply;
	reply_seen(f);
	if (!r || reply_error(f, r))
		return;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY)
		return;
	const redisReply *keys = r->element[1];
	if (keys->elements) {
		size_t n = keys->elements + 1;
		const char **argv = calloc(n, sizeof *argv);
		size_t *lens = calloc(n, sizeof *lens);
		if (argv && lens) {
			argv[0] = "MGET";
			lens[0] = 4;
			size_t k = 1;
			for (size_t i = 0; i < keys->elements; i++) {
				if (keys->element[i]->type != REDIS_REPLY_STRING)
					continue;
				argv[k] = keys->element[i]->str;
				lens[k++] = keys->element[i]->len;
			}
			if (k > 1 && redisAsyncCommandArgv(f->cmd.ac, on_mget, f, (int)k, argv,
							   lens) == REDIS_OK &&
			    f->inflight++ == 0)
				f->progress_ms = loop_now_ms();
		}
		free(argv);
		free(lens);
	}
	if (strcmp(r->element[0]->str, "0") != 0)
		resync(f, r->element[0]->str);
}

/* Installs every live grant the fleet holds: at connect and reconnect. */
static void resync(struct fleet *f, const char *cursor)
{
	send_cmd(f, on_scan, f, "SCAN %s MATCH %s:grant:* COUNT %d", cursor, f->ns, SCAN_COUNT);
}

static void on_ack(redisAsyncContext *ac, void *reply, void *priv)
{
	(void)ac;
	struct fleet *f = priv;
	reply_seen(f);
	reply_error(f, reply);
}

static void publish(struct fleet *f, const struct grant *gr)
{
	if (f->state != F_UP)
		return;                 /* granted here only */
	struct fleet_grant fg;
	char msg[FLEET_MSG_MAX], a[ADDR_STRLEN];
	if (fleet_grant_from(gr, f->cfg, f->node, wall_ms(), &fg) < 0)
		return;
	int n = fleet_msg_format(&fg, f->key, f->ns, msg, sizeof msg);
	if (n < 0)
		return;
	addr_format(&fg.addr, a, sizeof a);
	send_cmd(f, on_ack, f, "SET %s:grant:%s:%s %b PX %llu", f->ns, fg.door, a, msg,
		 (size_t)n, (unsigned long long)(fg.expire_ms - fg.issued_ms));
	send_cmd(f, on_ack, f, "PUBLISH %s %b", f->channel, msg, (size_t)n);
}

/* Redis cannot say whether the packet or sequence was used elsewhere. */
static void grant_alone(struct fleet *f, const struct config *cfg, const struct grant *gr,
			const char *why)
{
	char a[ADDR_STRLEN];
	const char *door = cfg->doors[gr->door].name;
	addr_format(&gr->addr, a, sizeof a);
	if (cfg->fleet_required) {
		log_warn("door %s: %s: not opened: the fleet's replay check is unavailable (%s) "
			 "and Fleet_Required = yes", door, a, why);
		return;
	}
	log_info("door %s: %s: fleet replay check unavailable (%s): opening here only",
		 door, a, why);
	dispatch1(f, cfg, gr);
}

/* What P used up was claimed by another gateway (or by us before): R,
 * when there, names it. */
static void log_replayed(struct fleet *f, struct pending *p, const redisReply *r)
{
	char a[ADDR_STRLEN];
	addr_format(&p->gr.addr, a, sizeof a);
	const char *door = p->gr.door < f->cfg->ndoors ? f->cfg->doors[p->gr.door].name : "?";
	const char *what = p->once == PS_ONCE_PACKET ? "packet replayed" :
			   p->once == PS_ONCE_ROTATING ? "rotating sequence already used" :
			   "one-time sequence already used";
	if (r && r->type == REDIS_REPLY_STRING && config_fleet_node_valid(r->str))
		log_warn("door %s: %s: refused: %s (used on node %s)", door, a, what, r->str);
	else
		log_warn("door %s: %s: refused: %s (used on another node)", door, a, what);
}

static void on_replay_who(redisAsyncContext *ac, void *reply, void *priv)
{
	(void)ac;
	struct pending *p = priv;
	reply_seen(p->f);
	log_replayed(p->f, p, reply);
	free(p);
}

static void on_replay(redisAsyncContext *ac, void *reply, void *priv)
{
	(void)ac;
	struct pending *p = priv;
	struct fleet *f = p->f;
	const redisReply *r = reply;
	reply_seen(f);
	if (!r) {
		grant_alone(f, f->cfg, &p->gr, "connection lost");
	} else if (r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0) {
		if (dispatch1(f, f->cfg, &p->gr) == 0)
			publish(f, &p->gr);
	} else if (r->type == REDIS_REPLY_NIL) {
		if (send_cmd(f, on_replay_who, p, "GET %s", p->key))
			return;
		log_replayed(f, p, NULL);
	} else {
		/* An error (a read-only replica after a failover, out of
		 * memory ...): this Redis cannot claim packets; reconnect. */
		char why[128] = "unexpected reply";
		if (r->type == REDIS_REPLY_ERROR)
			snprintf(why, sizeof why, "%.*s", (int)(r->len > 100 ? 100 : r->len), r->str);
		fleet_down(f, why);
		grant_alone(f, f->cfg, &p->gr, why);
	}
	free(p);
}

/* How long the claim of a rotating sequence whose step leaves the window
 * at EXPIRE_S (the worker's word: at most the window, three periods, from
 * now) stays in Redis: until then, and CLOCK_SLACK_S more, since another
 * gateway's clock, a little behind ours, accepts the step a little
 * longer. */
static uint64_t rotating_ttl_ms(const struct door *d, uint64_t expire_s)
{
	uint64_t now_s = (uint64_t)time(NULL);
	uint64_t max_s = 3ull * d->rot_period_s;
	uint64_t left_s = expire_s > now_s ? expire_s - now_s : 0;
	if (left_s > max_s)
		left_s = max_s;
	return (left_s + CLOCK_SLACK_S) * 1000;
}

void fleet_grant(struct fleet *f, const struct grant *gr, enum ps_once once,
		 const uint8_t *id, uint64_t expire_s)
{
	const struct config *cfg = f->cfg;
	if (!cfg->doors[gr->door].fleet) {
		dispatch1(f, cfg, gr);
		return;
	}
	if (once != PS_ONCE_PACKET && once != PS_ONCE_SEQUENCE && once != PS_ONCE_ROTATING) {
		if (dispatch1(f, cfg, gr) == 0)
			publish(f, gr);
		return;
	}
	if (f->state != F_UP) {
		grant_alone(f, cfg, gr, "redis unreachable");
		return;
	}
	struct pending *p = calloc(1, sizeof *p);
	if (!p) {
		grant_alone(f, cfg, gr, "out of memory");
		return;
	}
	p->f = f;
	p->gr = *gr;
	p->once = once;
	char hex[2 * 32 + 1];
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < 32; i++) {
		hex[2 * i] = d[id[i] >> 4];
		hex[2 * i + 1] = d[id[i] & 15];
	}
	hex[64] = '\0';
	bool sent;
	if (once == PS_ONCE_PACKET) {
		snprintf(p->key, sizeof p->key, "%s:replay:%s", f->ns, hex);
		uint64_t now_s = (uint64_t)time(NULL);
		uint64_t ttl_ms = expire_s > now_s ? (expire_s - now_s) * 1000 : 1000;
		sent = send_cmd(f, on_replay, p, "SET %s %s NX PX %llu", p->key, f->node,
				(unsigned long long)ttl_ms);
	} else if (once == PS_ONCE_ROTATING) {
		snprintf(p->key, sizeof p->key, "%s:spent:%s:%s", f->ns, cfg->doors[gr->door].name,
			 hex);
		sent = send_cmd(f, on_replay, p, "SET %s %s NX PX %llu", p->key, f->node,
				(unsigned long long)rotating_ttl_ms(&cfg->doors[gr->door],
								    expire_s));
	} else {
		/* A one-time sequence stays spent for good. */
		snprintf(p->key, sizeof p->key, "%s:spent:%s:%s", f->ns, cfg->doors[gr->door].name,
			 hex);
		sent = send_cmd(f, on_replay, p, "SET %s %s NX", p->key, f->node);
	}
	if (!sent) {
		free(p);
		grant_alone(f, cfg, gr, "cannot send to redis");
	}
}

/* --- life cycle ------------------------------------------------------------ */

int fleet_new(struct loop *l, const struct config *cfg, fleet_dispatch_fn fn, void *ctx,
	      struct fleet **out)
{
	*out = NULL;
	struct fleet *f = calloc(1, sizeof *f);
	if (!f) {
		log_err("out of memory");
		return -ENOMEM;
	}
	f->loop = l;
	f->cfg = cfg;
	f->dispatch = fn;
	f->ctx = ctx;
	f->backoff_ms = BACKOFF_MIN_MS;
	f->origins = calloc(ORIGINS, sizeof *f->origins);
	f->in_gr = calloc(BATCH_MAX, sizeof *f->in_gr);
	f->in_fg = calloc(BATCH_MAX, sizeof *f->in_fg);
	f->in_res = calloc(BATCH_MAX, sizeof *f->in_res);
	if (!f->origins || !f->in_gr || !f->in_fg || !f->in_res ||
	    RAND_bytes((uint8_t *)&f->seed, sizeof f->seed) != 1) {
		log_err("out of memory");
		fleet_free(f);
		return -ENOMEM;
	}
	snprintf(f->ns, sizeof f->ns, "%s", cfg->fleet_name);
	snprintf(f->channel, sizeof f->channel, "%s:grants", cfg->fleet_name);
	int rc = fleet_key_load(cfg->fleet_key_file, NULL, NULL, f->key);
	if (rc == 0 && cfg->fleet_password_file)
		rc = fleet_password_load(cfg->fleet_password_file, NULL, NULL, &f->password);
	if (rc == 0)
		rc = fleet_node_name(cfg, NULL, NULL, f->node, sizeof f->node);
	f->retry = loop_timer_new(l, on_retry, f);
	f->watch = loop_timer_new(l, on_watch, f);
	if (rc == 0 && (!f->retry || !f->watch))
		rc = -ENOMEM;
	if (rc < 0) {
		fleet_free(f);
		return rc;
	}
	f->sub.sub = true;
	loop_timer_set(l, f->retry, loop_now_ms());
	loop_timer_set(l, f->watch, loop_now_ms() + WATCH_MS);
	*out = f;
	return 0;
}

void fleet_free(struct fleet *f)
{
	if (!f)
		return;
	conns_close(f);
	loop_timer_free(f->loop, f->retry);
	loop_timer_free(f->loop, f->watch);
	OPENSSL_cleanse(f->key, sizeof f->key);
	free(f->origins);
	free(f->in_gr);
	free(f->in_fg);
	free(f->in_res);
	if (f->password) {
		OPENSSL_cleanse(f->password, strlen(f->password));
		free(f->password);
	}
	free(f);
}

bool fleet_up(const struct fleet *f) { return f && f->state == F_UP; }
const char *fleet_node(const struct fleet *f) { return f->node; }
