/* SPDX-License-Identifier: GPL-2.0-or-later */
/* capture — libpcap front end: the packets the doors need, decoded.
 *
 * A capture is a live interface (or "any") opened in immediate mode,
 * non-blocking, with a BPF filter (the parent builds it from the config:
 * capture_filter.h) locked with SO_LOCK_FILTER, so a later unprivileged
 * worker can read from it but never widen it.  A pcap
 * savefile can be opened through the same dispatch path (tests, replay).
 *
 * Each captured frame goes through packet_decode() with the handle's link
 * type; the callback gets a knock_event with time_us from the pcap
 * timestamp.  Frames that do not decode are counted and dropped silently.
 *
 * Errors: functions return 0 (or a count) and -errno; they do not log
 * (the caller knows the context), except that capture_open() leaves the
 * libpcap message in capture_last_error() for the caller's log line.
 *   -ENODEV   the interface does not exist (at open), or it disappeared
 *             (from capture_dispatch): close, retry capture_open() later
 *   -ENETDOWN the interface went down, or its capture broke otherwise
 *             (dispatch), or is down (open): same
 *   -EPERM    not allowed to capture (no CAP_NET_RAW)
 *   -EINVAL   the filter does not compile, or a bad argument
 *   -EIO      anything else libpcap reports (on "any" or a savefile)
 */
#ifndef SESAME_CAPTURE_H
#define SESAME_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "packet.h"

/* Bytes captured per frame: enough for the largest SPA datagram (fwknop
 * packets stay under 1500) plus link, IP and extension headers. */
#define CAPTURE_SNAPLEN 2048
/* Native SPA datagrams are small and of fixed size (128 bytes): this
 * leaves room for the link header, two VLAN tags, IPv6 with 180 bytes of
 * extension headers and UDP.  378 makes libpcap's frame slot 448 bytes,
 * nine to a 4 KiB block of the kernel ring (at 512 only six fitted). */
#define CAPTURE_SNAPLEN_SPA 378
/* Without SPA doors only headers matter.  In immediate mode libpcap gives
 * every frame a slot of the snap length, so a short one holds ~6x more
 * frames in the same kernel buffer: fewer drops under a flood. */
#define CAPTURE_SNAPLEN_HEADERS 256

struct capture;

struct capture_stats {
	uint64_t seen;          /* frames handed to us by libpcap */
	uint64_t decoded;       /* of those, decoded into knock_events */
	uint64_t undecodable;   /* of those, dropped by packet_decode */
	uint64_t kernel_drops;  /* pcap_stats ps_drop (live only, else 0) */
	uint64_t if_drops;      /* pcap_stats ps_ifdrop (live only, else 0) */
};

typedef void (*capture_fn)(void *ctx, const struct knock_event *ev);

/* Opens IFNAME ("any" for all interfaces) live, applies FILTER (BPF text;
 * NULL or "" captures everything) and locks it.
 * Returns 0 and sets *OUT, or -errno as listed above. */
int capture_open(const char *ifname, const char *filter, struct capture **out);
/* The same with SNAPLEN bytes per frame (capture_snaplen(cfg)). */
int capture_open_len(const char *ifname, const char *filter, unsigned snaplen,
		     struct capture **out);
/* The snap length CFG needs: CAPTURE_SNAPLEN with fwknop doors,
 * CAPTURE_SNAPLEN_SPA with native SPA doors only, else
 * CAPTURE_SNAPLEN_HEADERS. */
unsigned capture_snaplen(const struct config *cfg);

/* Opens a pcap savefile PATH through the same filter and decoding. */
int capture_open_file(const char *path, const char *filter,
		      struct capture **out);

/* Closes and frees C (NULL is fine). */
void capture_close(struct capture *c);

/* For the process that opened C and forked the one that reads it: unmaps
 * the kernel ring and closes the descriptor here (the reader keeps both),
 * so that the ring is resident in one process, not two.  C stays as the
 * record that a capture runs; only capture_close() may follow. */
void capture_hand_off(struct capture *c);

/* The fd to watch for EPOLLIN (EPOLLERR signals interface loss); -1 for a
 * savefile. */
int capture_fd(const struct capture *c);

/* The DLT_* link type of the handle. */
int capture_linktype(const struct capture *c);

/* Reads what is pending (at most MAX frames, MAX <= 0: all pending; for a
 * savefile, all up to its end) without blocking, calls FN(CTX, ev) for each
 * decoded frame, in capture order.  Returns the number of frames read, 0
 * when nothing was pending (live) or at end of file (savefile), or -errno:
 * -ENODEV / -ENETDOWN when the interface went away.  Call it on EPOLLIN
 * and on EPOLLERR: a call that reads nothing on a named interface checks
 * the link, because a link going down shows only as one EPOLLERR. */
int capture_dispatch(struct capture *c, int max, capture_fn fn, void *ctx);

/* Our counters plus the kernel's drop counts.  Returns 0 or -EIO. */
int capture_stats(struct capture *c, struct capture_stats *st);

/* The libpcap message behind the last failed call on this thread (for
 * logs); "" when none. */
const char *capture_last_error(void);

#endif
