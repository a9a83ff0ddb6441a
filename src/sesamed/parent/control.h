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

#include "strbuf.h"

#define CONTROL_LINE_MAX   256
#define CONTROL_CLIENTS    8            /* at once; more wait in the backlog */
#define CONTROL_CLIENT_MS  2000

struct control;

/* Writes the status (JSON when JSON) into OUT. */
typedef void (*control_status_fn)(void *ctx, bool json, struct strbuf *out);

/* Creates PATH's directory (0755) if missing, replaces a stale socket
 * (refuses when another process answers on it, or when PATH is not a
 * socket), binds with mode 0600 and listens.  0 or -errno, logged. */
int control_open(const char *path, control_status_fn fn, void *ctx, struct control **out);
int control_fd(const struct control *c);
/* Does a process answer on the socket at PATH (another sesamed)? */
bool control_in_use(const char *path);
/* Accepts, reads, answers and times out whatever is ready; never waits. */
void control_dispatch(struct control *c);
/* Closes every connection and removes the socket file. */
void control_free(struct control *c);

#endif
