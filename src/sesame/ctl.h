/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl — one request over sesamed's control socket (protocol: the
 * daemon's control.h): connect, send REQ (one line, "\n" included),
 * copy the answer to stdout, or to stderr when it is "error: ...".
 * Used by `sesame status` and `sesame revoke`. */
#ifndef SESAME_CTL_H
#define SESAME_CTL_H

#define CTL_DEFAULT_SOCKET "/run/sesame/control"

/* Returns the exit status: 0, or 1 after one line on stderr naming CMD
 * (an error answer, no daemon, no answer within 5 s). */
int ctl_request(const char *cmd, const char *path, const char *req);

#endif
