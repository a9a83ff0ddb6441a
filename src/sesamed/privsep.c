/* SPDX-License-Identifier: GPL-2.0-or-later */
/* privsep — see privsep.h. */
#include "privsep.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int privsep_send(int fd, const struct ps_msg *m)
{
	for (;;) {
		ssize_t n = send(fd, m, sizeof *m, MSG_NOSIGNAL);
		if (n == (ssize_t)sizeof *m)
			return 0;
		if (n >= 0)
			return -EIO;
		if (errno != EINTR)
			return -errno;
	}
}

ssize_t privsep_recv(int fd, struct ps_msg *m)
{
	for (;;) {
		/* MSG_TRUNC: the datagram's real length, so an oversized one
		 * is seen as such rather than as a well-formed prefix. */
		ssize_t n = recv(fd, m, sizeof *m, MSG_DONTWAIT | MSG_TRUNC);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

static bool zero_attempts(const struct ps_msg *m)
{
	for (size_t i = 0; i < CONFIG_DOORS_MAX; i++)
		if (m->attempts[i])
			return false;
	return true;
}

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/* Fields a message of another type must leave zero. */
static bool no_knocks(const struct ps_msg *m)
{
	return m->knock_door == 0 && all_zero(m->knocks, sizeof m->knocks);
}
static bool no_counters(const struct ps_msg *m)
{
	return all_zero(&m->counters, sizeof m->counters);
}
static bool no_status(const struct ps_msg *m)
{
	return !m->ndoors && zero_attempts(m) && no_counters(m) && no_knocks(m);
}

/* A PS_KNOCKS page: a door in range on a page boundary, nothing past
 * the last door, no stage past a sequence door's length (one-time doors
 * may change length: any stage), nothing at all for an SPA door. */
static const char *check_knocks(const struct ps_msg *m, const struct config *cfg)
{
	if (m->knock_door % PS_KNOCK_DOORS || m->knock_door >= cfg->ndoors)
		return "knocks: door out of range";
	for (uint32_t k = 0; k < PS_KNOCK_DOORS; k++) {
		const struct ps_door_counts *c = &m->knocks[k];
		size_t door = (size_t)m->knock_door + k;
		size_t stages = 0;
		if (door < cfg->ndoors) {
			const struct door *d = &cfg->doors[door];
			stages = d->one_time_file ? CONFIG_SEQ_MAX : d->seq_len;
		}
		if (!all_zero(c->stage + stages, (CONFIG_SEQ_MAX - stages) * sizeof c->stage[0]))
			return "knocks: a stage the door does not have";
		if (!stages && (c->wrong || c->timeouts))
			return "knocks: counts for a door without a sequence";
	}
	return NULL;
}
static bool no_events(const struct ps_msg *m) { return m->nevents == 0; }
static bool no_replay(const struct ps_msg *m)
{
	static const struct ps_replay zero;
	return memcmp(&m->replay, &zero, sizeof zero) == 0;
}

/* What a grant of door D may say it used up. */
static bool replay_fits(const struct ps_replay *r, const struct door *d)
{
	static const struct ps_replay zero;
	if (r->zero)
		return false;
	switch (r->kind) {
	case PS_ONCE_NONE:
		return memcmp(r, &zero, sizeof zero) == 0;
	case PS_ONCE_PACKET:
		return door_is_spa(d) && r->expire_s != 0;
	case PS_ONCE_SEQUENCE:
		return d->one_time_file != NULL && r->expire_s == 0;
	case PS_ONCE_ROTATING:
		/* The end of a step's window is a step boundary. */
		return door_is_rotating(d) && d->rot_period_s && r->expire_s &&
		       r->expire_s % d->rot_period_s == 0;
	default:
		return false;
	}
}

const char *privsep_check(const struct ps_msg *m, size_t len, const struct config *cfg,
			  enum ps_expect expect)
{
	if (len != sizeof *m)
		return "wrong length";
	switch (m->type) {
	case PS_READY:
		if (expect != PS_EXPECT_READY)
			return "ready: not now";
		if (!no_status(m) || !no_events(m) || !no_replay(m))
			return "ready: stray fields";
		return NULL;
	case PS_GRANT:
		if (expect == PS_EXPECT_READY)
			return "grant: before ready";
		if (!no_status(m) || !no_events(m))
			return "grant: stray fields";
		if (m->grant.door >= cfg->ndoors)
			return "grant: door index out of range";
		if (!grant_validate(&m->grant, cfg))
			return "grant: not a grant this door can give";
		if (!replay_fits(&m->replay, &cfg->doors[m->grant.door]))
			return "grant: what it used up does not fit the door";
		return NULL;
	case PS_HISTORY:
		if (expect != PS_EXPECT_HISTORY)
			return "history: not now";
		if (!no_status(m) || !no_replay(m))
			return "history: stray fields";
		if (m->nevents == 0 || m->nevents > PS_EVENTS)
			return "history: wrong number of events";
		return NULL;
	case PS_KNOCKS:
		if (expect != PS_EXPECT_STATUS)
			return "knocks: not asked for";
		if (m->ndoors || !zero_attempts(m) || !no_counters(m) || !no_events(m) ||
		    !no_replay(m))
			return "knocks: stray fields";
		return check_knocks(m, cfg);
	case PS_STATUS:
		if (expect != PS_EXPECT_STATUS)
			return "status: not asked for";
		if (!no_events(m) || !no_knocks(m) || !no_replay(m))
			return "status: stray fields";
		if (m->ndoors != cfg->ndoors || m->ndoors > CONFIG_DOORS_MAX)
			return "status: wrong number of doors";
		for (uint32_t i = 0; i < m->ndoors; i++)
			if (m->attempts[i] > cfg->state_limit)
				return "status: more attempts than StateLimit";
		for (size_t i = m->ndoors; i < CONFIG_DOORS_MAX; i++)
			if (m->attempts[i])
				return "status: stray fields";
		return NULL;
	default:
		return "unknown type";
	}
}
