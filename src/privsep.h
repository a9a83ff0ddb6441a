/* privsep — the messages between sesamed's two processes.
 *
 * The privileged parent (daemon.c) holds the firewall, the commands, the
 * control socket and the config; the unprivileged worker (worker.c) reads
 * packets and decides.  They talk over one SOCK_SEQPACKET socketpair in
 * fixed-size messages: every message is exactly sizeof(struct ps_msg)
 * bytes, one per datagram, so a short, long or truncated one is visible
 * as such.
 *
 *   worker -> parent   PS_READY    set up and sandboxed; capturing
 *                      PS_GRANT    "open door D to address A for T s"
 *                      PS_STATUS   attempts per door (answer to a request)
 *   parent -> worker   PS_STATUS_REQ
 *
 * The parent trusts nothing in a message: privsep_check() validates every
 * field against the running config, and anything it refuses is fatal for
 * the worker (the parent kills it, logs why, and starts a new one).
 */
#ifndef SESAME_PRIVSEP_H
#define SESAME_PRIVSEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "gate.h"

enum ps_type {
	PS_READY = 1,
	PS_GRANT = 2,
	PS_STATUS_REQ = 3,
	PS_STATUS = 4,
};

struct ps_msg {
	uint32_t type;                  /* enum ps_type */
	uint32_t ndoors;                /* PS_STATUS: entries of attempts[] */
	struct grant grant;             /* PS_GRANT */
	uint32_t attempts[CONFIG_DOORS_MAX];    /* PS_STATUS */
};

/* Sends M (one datagram).  Returns 0 or -errno. */
int privsep_send(int fd, const struct ps_msg *m);

/* Receives one message without blocking.  Returns the number of bytes
 * received (sizeof *m for a well-formed length; anything else is for
 * privsep_check to refuse), 0 at end of file, -EAGAIN when nothing is
 * pending, or -errno. */
ssize_t privsep_recv(int fd, struct ps_msg *m);

/* The parent's check of a message of LEN bytes from the worker against
 * CFG.  EXPECT_STATUS: a status request is outstanding (only then is
 * PS_STATUS acceptable).  Returns NULL when M is acceptable, else what is
 * wrong with it (for the log). */
const char *privsep_check(const struct ps_msg *m, size_t len, const struct config *cfg,
			  bool expect_status);

#endif
