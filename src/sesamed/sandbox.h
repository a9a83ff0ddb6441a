/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sandbox — what sesamed's worker gives up before it reads a packet.
 *
 * The worker (worker.h) decodes packets from the whole internet, so it
 * runs with as little as the kernel lets us take away:
 *   - the user and group of `User` (no supplementary groups), set with
 *     setgroups/setresgid/setresuid, every return checked and the result
 *     read back;
 *   - no capabilities: effective, permitted, inheritable and ambient sets
 *     empty, the bounding set emptied;
 *   - PR_SET_NO_NEW_PRIVS, not dumpable, SIGKILL when the parent dies;
 *   - a seccomp allow-list (libseccomp): reading the capture and the IPC
 *     socket, the event loop; write, send, pwrite, ftruncate and fsync on
 *     the descriptors the caller lists (logs, IPC, the replay cache, the
 *     one-time files, the netlink socket of localaddr.h) and on no other; memory, time, randomness, exit.
 *     Anything else kills the process, except open/openat, socket and
 *     connect, which fail with EACCES (so a library that looks for a file
 *     or its log socket carries on without).  Every file the worker uses
 *     is opened, and the log socket connected, before this.
 */
#ifndef SESAME_SANDBOX_H
#define SESAME_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sandbox_user {
	char name[64];
	uid_t uid;
	gid_t gid;
};

/* Looks up USER (in the parent, before forking: the worker can no longer
 * read /etc/passwd).  When USER is "sesame" (the default) and there is no
 * such account, "nobody" is used instead.  Returns 0, -ENOENT
 * (no such user, logged), or -EINVAL for uid 0 (logged). */
int sandbox_lookup(const char *user, struct sandbox_user *out);

/* Drops to U as described above, whatever the config (the uid is never
 * 0).  PARENT: the pid whose death kills us (checked once more after
 * PR_SET_PDEATHSIG is set).  OUT: the NOUT descriptors that may be
 * written to.  Returns 0 or -errno (logged); on failure the caller must
 * exit. */
int sandbox_enter(const struct sandbox_user *u, pid_t parent, const int *out, size_t nout);

#endif
