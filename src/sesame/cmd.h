/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd — the subcommands of the `sesame` client, one file each
 * (cmd_knock.c, cmd_spa.c, ...).  Each takes the arguments after the
 * command name (argv[0] is the command) and returns the exit status. */
#ifndef SESAME_CMD_H
#define SESAME_CMD_H

#include <stdbool.h>

int cmd_knock(int argc, char **argv);
int cmd_spa(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_revoke(int argc, char **argv);

/* Sending commands (knock, spa) call this first: with SESAME_REQUIRE_NETNS=1
 * in the environment (the test suite and benchmarks set it) they refuse to
 * run outside a namespace made by `ip netns add`.  Returns false after
 * printing why. */
bool cmd_sandbox_ok(const char *cmd);

#endif
