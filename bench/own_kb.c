/* SPDX-License-Identifier: GPL-2.0-or-later */
/* own_kb PID... — the memory only these processes map, in KiB: the pages
 * that would be freed (or left as page cache) if they all exited.
 *
 * PSS divides a shared page among every process that maps it, so a
 * daemon's PSS falls when other programs on the machine happen to use
 * the same library pages, and rises when they exit.  This figure counts
 * a page whole, or not at all: it counts when no process outside PIDS
 * maps it (/proc/kpagecount no higher than PIDS' own mappings of it).
 * The daemon's heap, stacks and buffers always count; a library's pages
 * count only while no other program maps them (libcrypto's code on a
 * machine where no sshd runs).  Pages shared between the PIDS, like a
 * forked worker's copy of its parent's heap, count once.  Needs root
 * (physical page numbers).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numparse.h"

#define PM_PRESENT (1ull << 63)
#define PM_PFN     ((1ull << 55) - 1)
#define HUGE_MAPPING (64ul << 30)

static uint64_t *pfn;
static size_t npfn, cap;

static int add(uint64_t p)
{
	if (npfn == cap) {
		size_t nc = cap ? cap * 2 : 4096;
		uint64_t *n = realloc(pfn, nc * sizeof *n);
		if (!n)
			return -ENOMEM;
		pfn = n;
		cap = nc;
	}
	pfn[npfn++] = p;
	return 0;
}

/* Every present page of PID's mappings into pfn[]. */
static int collect(unsigned long pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%lu/maps", pid);
	FILE *maps = fopen(path, "r");
	snprintf(path, sizeof path, "/proc/%lu/pagemap", pid);
	int pm = open(path, O_RDONLY | O_CLOEXEC);
	if (!maps || pm < 0) {
		fprintf(stderr, "own_kb: %lu: %s\n", pid, strerror(errno));
		if (maps)
			fclose(maps);
		if (pm >= 0)
			close(pm);
		return -1;
	}
	unsigned long pg = (unsigned long)sysconf(_SC_PAGESIZE);
	char line[4096];
	uint64_t e[512];
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof line, maps)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2 || strstr(line, "[vsyscall]"))
			continue;
		/* Terabytes of address space reserved at once (a sanitizer's
		 * shadow) would take hours a page at a time; a daemon maps
		 * nothing of the kind, and what they hold is not counted. */
		if (hi - lo > HUGE_MAPPING) {
			fprintf(stderr, "own_kb: %lu: %lx-%lx: %lu GiB mapping left out\n", pid,
				lo, hi, (hi - lo) >> 30);
			continue;
		}
		for (unsigned long a = lo; a < hi && rc == 0;) {
			size_t want = (hi - a) / pg;
			if (want > sizeof e / sizeof e[0])
				want = sizeof e / sizeof e[0];
			ssize_t got = pread(pm, e, want * sizeof e[0], (off_t)(a / pg * sizeof e[0]));
			if (got <= 0)
				break;
			size_t n = (size_t)got / sizeof e[0];
			for (size_t k = 0; k < n && rc == 0; k++)
				if ((e[k] & PM_PRESENT) && (e[k] & PM_PFN))
					rc = add(e[k] & PM_PFN);
			a += n * pg;
		}
	}
	fclose(maps);
	close(pm);
	return rc;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: own_kb PID...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		unsigned long pid;
		if (!parse_ulong(argv[i], 1, 1ul << 22, &pid) || collect(pid) < 0)
			return 1;
	}
	int kc = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC);
	if (kc < 0) {
		fprintf(stderr, "own_kb: /proc/kpagecount: %s\n", strerror(errno));
		return 1;
	}
	qsort(pfn, npfn, sizeof *pfn, cmp);
	unsigned long long own = 0;
	for (size_t i = 0, j; i < npfn; i = j) {
		for (j = i; j < npfn && pfn[j] == pfn[i]; j++)
			;
		uint64_t count;
		if (pread(kc, &count, sizeof count, (off_t)(pfn[i] * sizeof count)) != sizeof count)
			continue;
		if (count <= j - i)
			own++;
	}
	close(kc);
	printf("%llu\n", own * (unsigned long long)sysconf(_SC_PAGESIZE) / 1024);
	free(pfn);
	return 0;
}
