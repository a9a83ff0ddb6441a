/* SPDX-License-Identifier: GPL-2.0-or-later */
/* capture_ring — how many frames sesamed's capture holds for a reader
 * that stops reading.
 *
 * Opens IFNAME exactly as sesamed does (capture_open(): snaplen, immediate
 * mode, buffer size, filter), reads nothing for MS milliseconds while a
 * flood fills the kernel's ring, then drains it and prints how many frames
 * were kept and how many the kernel dropped.  Frames held divided by a
 * flood rate is how long the daemon may stall (log writes, a fork, being
 * descheduled) before knocks are lost.
 *
 *   capture_ring IFNAME MS [FILTER]      (default filter: tcp dst port 7001)
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "numparse.h"

static void count(void *ctx, const struct knock_event *ev)
{
	(void)ev;
	(*(unsigned long *)ctx)++;
}

int main(int argc, char **argv)
{
	unsigned long ms;
	if (argc < 3 || argc > 4 || !parse_ulong(argv[2], 1, 60000, &ms)) {
		fprintf(stderr, "usage: capture_ring IFNAME MS [FILTER]\n");
		return 2;
	}
	const char *filter = argc == 4 ? argv[3] : "tcp dst port 7001";
	struct capture *c;
	int rc = capture_open(argv[1], filter, &c);
	if (rc < 0) {
		fprintf(stderr, "capture_ring: %s: %s %s\n", argv[1], strerror(-rc),
			capture_last_error());
		return 1;
	}
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
	unsigned long held = 0;
	while ((rc = capture_dispatch(c, 0, count, &held)) > 0)
		;
	struct capture_stats st;
	if (rc < 0 || capture_stats(c, &st) < 0) {
		fprintf(stderr, "capture_ring: reading %s failed\n", argv[1]);
		capture_close(c);
		return 1;
	}
	printf("capture_ring: held %lu frames, kernel dropped %llu\n", held,
	       (unsigned long long)st.kernel_drops);
	capture_close(c);
	return 0;
}
