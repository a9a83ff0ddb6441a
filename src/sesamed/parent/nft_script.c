/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nft_script — see nft_script.h. */
#include "nft_script.h"

#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child's answer: one verdict byte ('0' done, '1' refused, '2' no
 * context), then the error's first line. */
static void child(int fd, const char *script, size_t errlen)
{
	/* Named for what it does, so that neither ps nor anything looking
	 * for the worker (the parent's child called sesamed) takes it for
	 * one. */
	prctl(PR_SET_NAME, "sesamed-nft", 0, 0, 0);
	char out[512];
	size_t cap = errlen < sizeof out ? errlen : sizeof out;
	out[0] = '2';
	size_t len = 1;
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (nft && !nft_ctx_buffer_output(nft) && !nft_ctx_buffer_error(nft)) {
		int rc = nft_run_cmd_from_buffer(nft, script);
		out[0] = rc == 0 ? '0' : '1';
		const char *e = nft_ctx_get_error_buffer(nft);
		if (rc != 0 && e) {
			size_t n = strcspn(e, "\n");
			if (n > cap - 1)
				n = cap - 1;
			memcpy(out + 1, e, n);
			len += n;
		}
	}
	/* Freed though the child ends now: leak checkers follow forks. */
	if (nft)
		nft_ctx_free(nft);
	/* A short write reads as "did not answer" in the parent. */
	ssize_t w = write(fd, out, len);
	_exit(w == (ssize_t)len ? 0 : 1);
}

int nft_script_run(const char *script, char *err, size_t errlen)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot run libnftables: pipe: %s", strerror(e));
		return -e;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		snprintf(err, errlen, "cannot run libnftables: fork: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		close(p[0]);
		child(p[1], script, errlen);
	}
	close(p[1]);
	char in[512];
	size_t got = 0;
	for (;;) {
		ssize_t n = read(p[0], in + got, sizeof in - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof in)
			break;
	}
	close(p[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got == 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "libnftables' process ended without an answer");
		return -EIO;
	}
	size_t n = got - 1 < errlen - 1 ? got - 1 : errlen - 1;
	switch (in[0]) {
	case '0':
		err[0] = '\0';
		return 0;
	case '1':
		if (n == 0) {
			snprintf(err, errlen, "libnftables failed without a message");
		} else {
			memcpy(err, in + 1, n);
			err[n] = '\0';
		}
		return -EIO;
	default:
		snprintf(err, errlen, "cannot make a libnftables context");
		return -ENOMEM;
	}
}
