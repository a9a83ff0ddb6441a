/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon_reload — see daemon_reload.h. */
#include "daemon_reload.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_check.h"
#include "daemon_config.h"
#include "daemon_worker.h"

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

/* A new worker needs a new capture (see worker_on_reopen), opened before
 * the old worker stops so no knock is missed in between; none while the
 * interface is lost.  0 or -errno (logged). */
static int capture_reopen(struct daemon *dm, const struct config *cfg, const char *filter,
			  struct capture **out)
{
	*out = NULL;
	if (!dm->cap)
		return 0;
	int rc = capture_open_len(dm->ifname, filter, capture_snaplen(cfg), out);
	if (rc < 0)
		daemon_capture_failed(dm, rc);
	return rc;
}

/* The new config's parts, made while the old ones still run. */
struct reload_parts {
	char *filter;
	struct capture *cap;
	struct gate_nft *nft;           /* a new gate, or NULL */
	struct fleet *fleet;
};

/* Makes CFG's filter, capture, table and fleet connection into *R.
 * 0 or -errno (logged), with nothing of R left but R->filter. */
static int parts_make(struct daemon *dm, const struct config *cfg, struct reload_parts *r)
{
	r->filter = daemon_filter_for(cfg);
	if (!r->filter)
		return -EINVAL;
	int rc = capture_reopen(dm, cfg, r->filter, &r->cap);
	if (rc < 0)
		return rc;
	if ((rc = gate_reload(dm, cfg, &r->nft)) < 0) {
		capture_close(r->cap);
		return rc;
	}
	/* A new connection for the new config (its key, namespace, node);
	 * the new one resyncs, so nothing the fleet holds is lost. */
	if ((rc = daemon_fleet_for(dm, cfg, &r->fleet)) < 0) {
		capture_close(r->cap);
		gate_undo(dm, cfg, r->nft);
		return rc;
	}
	return 0;
}

/* The old worker decides what was queued under the old config; its
 * capture is closed before the new worker is forked, so that one holds
 * only its own.  0, or -errno with the new parts undone and the old
 * config's worker to be started again by the reopen timer. */
static int worker_replace(struct daemon *dm, const struct config *cfg, struct reload_parts *r)
{
	worker_stop(dm, dm->cfg, cfg);
	capture_close(dm->cap);
	dm->cap = r->cap;
	int rc = dm->cap ? worker_spawn(dm, cfg) : 0;
	if (rc < 0) {
		/* Back to the old config, on a capture of its own. */
		capture_close(dm->cap);
		dm->cap = NULL;
		gate_undo(dm, cfg, r->nft);
		fleet_free(r->fleet);
		loop_timer_set(dm->loop, dm->reopen, loop_now_ms());
	}
	return rc;
}

/* CFG and its parts in place of the running config's. */
static void commit(struct daemon *dm, struct config *cfg, struct reload_parts *r)
{
	gate_commit(dm, cfg, r->nft);
	fleet_free(dm->fleet);          /* under the old config, still alive */
	dm->fleet = r->fleet;
	if (!dm->state_dir_set && daemon_wants_state_dir(cfg))
		dm->state_dir_set = gate_cmd_set_state_dir(dm->gates.cmd, cfg->state_dir) == 0;
	free(dm->filter);
	dm->filter = r->filter;
	config_free(dm->cfg);
	dm->cfg = cfg;
	daemon_log_setup(dm->opts, cfg);
	metrics_reloaded(dm->metrics);
}

void daemon_reload(struct daemon *dm)
{
	log_notice("reloading %s", dm->cfg->path);
	struct daemon_diag_count n = { 0 };
	struct config *cfg = NULL;
	if (config_load(dm->cfg->path, daemon_diag_count_log, &n, &cfg) < 0) {
		log_err("reload: %s has %u error%s; keeping the running config",
			dm->cfg->path, n.errors, n.errors == 1 ? "" : "s");
		return;
	}
	struct reload_parts r = { 0 };
	if (parts_make(dm, cfg, &r) < 0 || worker_replace(dm, cfg, &r) < 0) {
		log_err("reload failed; keeping the running config");
		free(r.filter);
		config_free(cfg);
		return;
	}
	bool new_filter = strcmp(r.filter, dm->filter) != 0;
	commit(dm, cfg, &r);
	log_notice("reloaded %s: %zu door%s%s", cfg->path, cfg->ndoors,
		   cfg->ndoors == 1 ? "" : "s", new_filter ? ", new capture filter" : "");
}
