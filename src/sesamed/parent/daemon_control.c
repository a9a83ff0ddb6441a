/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon_control — see daemon_control.h. */
#include "daemon_control.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "daemon_worker.h"
#include "status.h"

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

void daemon_control_start(struct daemon *dm)
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
