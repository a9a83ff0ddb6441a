/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sandbox — see sandbox.h. */
#include "sandbox.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/sockios.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

int sandbox_lookup(const char *user, struct sandbox_user *out)
{
	memset(out, 0, sizeof *out);
	const char *name = user && *user ? user : "sesame";
	errno = 0;
	struct passwd *pw = getpwnam(name);
	if (!pw && strcmp(name, "sesame") == 0) {
		name = "nobody";        /* the daemon logs whom it runs as */
		pw = getpwnam(name);
	}
	if (!pw) {
		log_err("User %s: no such user", name);
		return -ENOENT;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		log_err("User %s: uid or gid 0; the worker must not run as root", name);
		return -EINVAL;
	}
	snprintf(out->name, sizeof out->name, "%s", name);
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	return 0;
}

static int caps_clear(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	memset(d, 0, sizeof d);
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

/* Empties the bounding set (needs CAP_SETPCAP: before the uid changes). */
static int bounding_clear(void)
{
	for (int cap = 0; cap <= 63; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			break;          /* past the kernel's last capability */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -errno;
	}
	return 0;
}

static int drop_ids(const struct sandbox_user *u)
{
	gid_t gid = u->gid;
	if (setgroups(1, &gid) < 0)
		return -errno;
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return -errno;
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return -errno;
	uid_t r, e, s;
	gid_t rg, eg, sg;
	if (getresuid(&r, &e, &s) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return -errno;
	if (r != u->uid || e != u->uid || s != u->uid ||
	    rg != u->gid || eg != u->gid || sg != u->gid)
		return -EPERM;
	/* Root must be gone for good. */
	if (setresuid(0, 0, 0) == 0)
		return -EPERM;
	return 0;
}

#define ALLOW(name) rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(name), 0)
#define ALLOW1(name, cmp) \
	rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(name), 1, cmp)
#define REFUSE(name) \
	rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(name), 0)

static int seccomp_setup(const int *out, size_t nout)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return -ENOMEM;
	int rc = 0;
	/* The capture (libpcap's ring and its poll), the IPC socket, the
	 * loop's epoll, timerfd and signalfd. */
	ALLOW(read); ALLOW(readv); ALLOW(recvfrom); ALLOW(recvmsg);
	ALLOW(poll); ALLOW(ppoll); ALLOW(epoll_wait); ALLOW(epoll_pwait);
	ALLOW(epoll_ctl); ALLOW(timerfd_settime); ALLOW(timerfd_gettime);
	ALLOW(getsockopt);                      /* PACKET_STATISTICS */
	ALLOW(getsockname);                     /* libpcap, on POLLERR */
	/* Link state, asked on the capture socket (capture.c link_state);
	 * TCGETS: stdio asks whether stderr is a terminal. */
	ALLOW1(ioctl, SCMP_A1(SCMP_CMP_EQ, SIOCGIFNAME));
	ALLOW1(ioctl, SCMP_A1(SCMP_CMP_EQ, SIOCGIFFLAGS));
	ALLOW1(ioctl, SCMP_A1(SCMP_CMP_EQ, TCGETS));
	/* Output on the descriptors listed only: logs, grants to the parent,
	 * the replay cache, one-time files.  Never the capture socket (a
	 * worker taken over must not inject frames). */
	for (size_t i = 0; i < nout; i++) {
		const struct scmp_arg_cmp fd = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)out[i]);
		ALLOW1(write, fd); ALLOW1(writev, fd); ALLOW1(pwrite64, fd);
		ALLOW1(sendto, fd); ALLOW1(sendmsg, fd);
		ALLOW1(ftruncate, fd); ALLOW1(fsync, fd); ALLOW1(fdatasync, fd);
	}
	/* No new sockets, no connecting the ones we have elsewhere; a
	 * library that tries is told no rather than killed. */
	REFUSE(socket); REFUSE(connect);
	/* The replay cache and one-time sequence files (already open). */
	ALLOW(pread64); ALLOW(lseek); ALLOW(fstat); ALLOW(newfstatat);
	ALLOW(fcntl); ALLOW(flock); ALLOW(close);
	/* Memory, time, randomness, the rest of a process's life. */
	ALLOW(brk); ALLOW(mmap); ALLOW(munmap); ALLOW(mremap); ALLOW(madvise);
	ALLOW(clock_gettime); ALLOW(clock_nanosleep); ALLOW(nanosleep);
	ALLOW(gettimeofday); ALLOW(time); ALLOW(getrandom);
	ALLOW(getpid); ALLOW(gettid); ALLOW(futex);
	ALLOW(rt_sigreturn); ALLOW(rt_sigprocmask); ALLOW(restart_syscall);
	ALLOW(sigaltstack);                     /* sanitizers: on exit and on signals */
	ALLOW(exit); ALLOW(exit_group);
	/* Every file the worker needs is open before it gets here. */
	REFUSE(openat); REFUSE(open);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}

int sandbox_enter(const struct sandbox_user *u, pid_t parent, const int *out, size_t nout)
{
	const char *step = "the bounding set";
	int rc = bounding_clear();
	if (rc == 0) {
		step = "setgroups/setresgid/setresuid";
		rc = drop_ids(u);
	}
	if (rc == 0) {
		step = "capabilities";
		rc = caps_clear();
	}
	if (rc == 0) {
		step = "PR_SET_NO_NEW_PRIVS";
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			rc = -errno;
	}
	if (rc == 0) {
		/* Cleared by the uid change: set after it. */
		step = "PR_SET_PDEATHSIG";
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
			rc = -errno;
	}
	if (rc == 0 && getppid() != parent)
		rc = -ESRCH;            /* the parent is already gone */
	if (rc == 0) {
		step = "PR_SET_DUMPABLE";
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			rc = -errno;
	}
	if (rc == 0 && RUNNING_ON_VALGRIND) {
		/* Valgrind cannot run a process under a seccomp filter. */
		log_warn("worker: under valgrind: no seccomp filter");
	} else if (rc == 0) {
		step = "seccomp";
		rc = seccomp_setup(out, nout);
	}
	if (rc < 0)
		log_err("worker: cannot drop privileges (%s): %s", step, strerror(-rc));
	return rc;
}
