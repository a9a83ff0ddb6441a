/* SPDX-License-Identifier: GPL-2.0-or-later */
/* syscall_allow FILE CMD [ARG...] — runs CMD under a seccomp filter that
 * allows the system calls named in FILE (one per line) and fails every
 * other with EPERM: what systemd's SystemCallFilter= with
 * SystemCallErrorNumber=EPERM does, for tests that have no systemd.
 * Names this architecture does not know are skipped, as systemd does.
 * Needs no_new_privs (or CAP_SYS_ADMIN), like any seccomp filter. */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: syscall_allow FILE CMD [ARG...]\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx) {
		fprintf(stderr, "syscall_allow: seccomp_init failed\n");
		return 2;
	}
	char line[128];
	unsigned allowed = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, " \t\r\n")] = '\0';
		if (!line[0])
			continue;
		int nr = seccomp_syscall_resolve_name(line);
		if (nr == __NR_SCMP_ERROR)
			continue;
		int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc < 0) {
			fprintf(stderr, "syscall_allow: %s: %s\n", line, strerror(-rc));
			return 2;
		}
		allowed++;
	}
	fclose(f);
	int rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0) {
		fprintf(stderr, "syscall_allow: seccomp_load: %s\n", strerror(-rc));
		return 2;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "syscall_allow: %s: %s (%u calls allowed)\n", argv[2],
		strerror(errno), allowed);
	return 127;
}
