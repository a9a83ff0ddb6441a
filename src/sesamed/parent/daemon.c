/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon — see daemon.h. */
#include "daemon.h"

#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "daemon_parent.h"
#include "daemon_reload.h"
#include "daemon_start.h"
#include "daemon_worker.h"
#include "pages.h"
#include "version.h"

static void on_signal(struct loop *l, const struct signalfd_siginfo *si, void *ctx)
{
	struct daemon *dm = ctx;
	switch (si->ssi_signo) {
	case SIGHUP:
		/* systemd (Type=notify) holds `systemctl reload` until READY=1. */
		sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
			   (unsigned long long)loop_now_ms() * 1000ull);
		daemon_reload(dm);
		/* A reload frees a whole config and a capture, between
		 * allocations that stay: give the free pages back, or the
		 * heap creeps a page at a time over months. */
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

/* Whatever daemon_start() got to, released; the pid file removed. */
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
	pages_free(dm->history, PS_HISTORY_MAX * sizeof *dm->history);
	config_free(dm->cfg);
	free(dm->config_path);
	log_close();
}

int daemon_run(const struct daemon_opts *o)
{
	struct daemon dm = { .opts = o, .ipc = -1, .pidfd = -1 };
	if (daemon_start(&dm, on_signal) < 0) {
		worker_stop(&dm, dm.cfg, dm.cfg);
		teardown(&dm);
		return 1;
	}
	/* What start-up alone needed (the config's text, the first gate
	 * transaction, libraries' set-up) goes back before the long idle. */
	malloc_trim(0);
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
