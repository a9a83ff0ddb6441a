/* SPDX-License-Identifier: GPL-2.0-or-later */
/* control — sesamed's control socket (ControlSocket, default
 * /run/sesame/control): a unix stream socket, mode 0600 in a directory
 * created if missing, answering `sesame status`.
 *
 * Protocol (docs/gate.md): the client connects and sends ONE request line
 * of at most CONTROL_LINE_MAX bytes ending in "\n"; the server writes the
 * answer and closes the connection.  Requests:
 *   "status"        the status as text, for people
 *   "status json"   the status as one JSON object and "\n"
 *   "status prometheus"
 *                   the counters in Prometheus text format (metrics.h)
 *   "revoke WHO[ DOOR]"
 *                   ends live grants now: WHO is an address (as inet_pton
 *                   reads it) or "all"; DOOR, the rest of the line, a door
 *                   name (default: every door).  Answer "revoked N\n" or
 *                   "error: ...\n".
 *   "ping"          "pong\n"
 * Anything else gets "error: unknown request\n".  Only a peer with our
 * own uid (root) is answered; a client has CONTROL_CLIENT_MS to finish.
 *
 * Never blocks the daemon: control_fd() is one pollable descriptor (an
 * epoll set holding the listening socket, the clients and a timer), the
 * daemon watches it for EPOLLIN and calls control_dispatch(), which does
 * only the work that is ready.
 */
#ifndef SESAME_CONTROL_H
#define SESAME_CONTROL_H

#include <stdbool.h>

#include "addr.h"
#include "strbuf.h"

#define CONTROL_LINE_MAX   256
#define CONTROL_CLIENTS    8            /* at once; more wait in the backlog */
#define CONTROL_CLIENT_MS  2000

struct control;

enum control_format { CONTROL_TEXT, CONTROL_JSON, CONTROL_PROMETHEUS };

/* Writes the status in FORMAT into OUT. */
typedef void (*control_status_fn)(void *ctx, enum control_format format, struct strbuf *out);
/* Ends the grants of door DOOR (NULL: every door) to A (NULL: every
 * address) and writes the answer line into OUT. */
typedef void (*control_revoke_fn)(void *ctx, const struct addr *a, const char *door,
				  struct strbuf *out);

/* Creates PATH's directory (0755) if missing, replaces a stale socket
 * (refuses when another process answers on it, or when PATH is not a
 * socket), binds with mode 0600 and listens.  0 or -errno, logged. */
int control_open(const char *path, control_status_fn fn, void *ctx, struct control **out);
int control_fd(const struct control *c);
/* Answers "revoke" requests with FN (same CTX); without it they are
 * unknown requests. */
void control_set_revoke(struct control *c, control_revoke_fn fn);
/* Accepts, reads, answers and times out whatever is ready; never waits. */
void control_dispatch(struct control *c);
/* Closes every connection and removes the socket file. */
void control_free(struct control *c);

#endif
