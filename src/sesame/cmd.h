/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd — the subcommands of the `sesame` client, one file each
 * (cmd_knock.c, cmd_spa.c, ...).  Each takes the arguments after the
 * command name (argv[0] is the command) and returns the exit status. */
#ifndef SESAME_CMD_H
#define SESAME_CMD_H

#include <stdbool.h>
#include <stddef.h>

int cmd_knock(int argc, char **argv);
int cmd_spa(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_open(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_sequence(int argc, char **argv);
int cmd_revoke(int argc, char **argv);
/* The rotating and one-time forms of `sesame knock` (--secret-file,
 * --one-time) and `sesame keygen --sequence`, in files of their own:
 * cmd_knock() and cmd_keygen() hand over to them (knock_rotating_wanted(),
 * keygen_sequence_wanted()). */
int cmd_knock_rotating(int argc, char **argv);
/* `sesame spa --fwknop HOST ...` (cmd_spa_fwknop.c): called by cmd_spa()
 * with its whole argument vector (argv[0] = "spa", "--fwknop" somewhere
 * in it).  Returns the exit status. */
int cmd_spa_fwknop(int argc, char **argv);
bool keygen_sequence_wanted(int argc, char **argv);
int cmd_keygen_sequence(int argc, char **argv);

/* What every subcommand shares, so each says things the same way.  Every
 * message starts with "sesame CMD: "; a bad command line exits 1.
 *
 * -V/--version: prints "sesame VERSION", returns 0. */
int cmd_version(void);
/* Reports getopt_long's refusal (C is '?' or ':', with opterr = 0 and an
 * option string starting with ':'): an unknown option or one missing its
 * value, named, then where the usage is. */
void cmd_bad_option(const char *cmd, int c, char **argv);
/* -4/-6 into *FAMILY; false (reported) when the other one was given. */
bool cmd_family(int *family, int c, const char *cmd);
/* At most LEN-1 bytes of a hostile string for a message, control bytes
 * replaced by '?'. */
void cmd_quote(const char *s, char *buf, size_t len);

/* Sending commands (knock, spa) call this first: with SESAME_REQUIRE_NETNS=1
 * in the environment (the test suite and benchmarks set it) they refuse to
 * run outside a namespace made by `ip netns add`.  Returns false after
 * printing why. */
bool cmd_sandbox_ok(const char *cmd);

/* `open` and `connect`: the flags that replace a profile's values. */
struct profile;
struct open_flags {
	int family;                     /* AF_UNSPEC: the profile's */
	const char *key, *key_file, *hmac_key_file, *open, *allow;
	const char *secret_file, *door, *one_time;      /* rotating, one-time */
	unsigned spa_port, delay_ms;
	bool has_delay, verbose, test;
};
/* One option of `open` (getopt's C and ARG) into O; false (reported)
 * when its value is bad or C is not one of them. */
bool cmd_open_flag(const char *cmd, int c, const char *arg, struct open_flags *o);
/* The profile NAME of CONF (NULL: the default client.conf), else of
 * ~/.fwknoprc.  Returns 0, or -errno after reporting. */
int cmd_find_profile(const char *cmd, const char *conf, const char *name, struct profile *out);
/* Applies O to P, checks P's key files and runs its method.  Returns the
 * exit status. */
int cmd_open_profile(const char *cmd, const struct open_flags *o, struct profile *p);

#endif
