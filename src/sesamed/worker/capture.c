/* SPDX-License-Identifier: GPL-2.0-or-later */
/* capture — libpcap handles and the glue to packet_decode().  See
 * capture.h. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "capture.h"

#ifndef SO_GET_FILTER
#define SO_GET_FILTER 26
#endif
#ifndef SO_LOCK_FILTER
#define SO_LOCK_FILTER 44
#endif

/* Kernel buffer for a live capture: room for bursts (floods of knocks)
 * while the event loop is busy elsewhere. */
/* The kernel's ring, sized by what a frame keeps: it is resident for the
 * whole life of the capture, so it is most of the worker's memory.  A
 * knock needs its headers only and a native SPA datagram a few hundred
 * bytes: at those snap lengths 1 MiB still holds thousands of frames;
 * fwknop's datagrams need the full snap length and twice the buffer
 * (docs/capture.md). */
#define CAPTURE_BUFFER       (2 << 20)
#define CAPTURE_BUFFER_SHORT (1 << 20)
/* Native SPA: 1,776 frames in libpcap's 448-byte slots for
 * CAPTURE_SNAPLEN_SPA (capture.h), a 788 KiB ring. */
#define CAPTURE_BUFFER_SPA   (1776 * 448)

struct capture {
	pcap_t *pcap;
	int linktype;
	int fd;                 /* -1 for a savefile */
	char ifname[IF_NAMESIZE];
	unsigned ifindex;       /* 0 for "any" and savefiles */
	struct capture_stats st;
};

static _Thread_local char last_error[PCAP_ERRBUF_SIZE + 128];

const char *capture_last_error(void)
{
	return last_error;
}

__attribute__((format(printf, 1, 2)))
static void set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof last_error, fmt, ap);
	va_end(ap);
}

/* ---- handles ----------------------------------------------------------- */

/* Compiles FILTER for the handle and attaches it.  On Ethernet a tagged
 * frame is matched too ("vlan" shifts the offsets of what follows it). */
static int attach_filter(struct capture *c, const char *filter)
{
	struct bpf_program prog;
	char *text;
	size_t n;
	int err = 0;

	if (!filter || !*filter)
		return 0;
	n = 2 * strlen(filter) + 32;
	text = malloc(n);
	if (!text)
		return -ENOMEM;
	if (c->linktype == DLT_EN10MB)
		snprintf(text, n, "(%s) or (vlan and (%s))", filter, filter);
	else
		snprintf(text, n, "%s", filter);
	if (pcap_compile(c->pcap, &prog, text, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		set_error("filter: %s", pcap_geterr(c->pcap));
		free(text);
		return -EINVAL;
	}
	if (pcap_setfilter(c->pcap, &prog) < 0) {
		set_error("filter: %s", pcap_geterr(c->pcap));
		err = -EIO;
	}
	pcap_freecode(&prog);
	free(text);
	return err;
}

static int activate_error(int rc)
{
	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return -ENODEV;
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		return -EPERM;
	case PCAP_ERROR_IFACE_NOT_UP:
		return -ENETDOWN;
	default:
		return -EIO;
	}
}

unsigned capture_snaplen(const struct config *cfg)
{
	unsigned len = CAPTURE_SNAPLEN_HEADERS;
	for (size_t i = 0; i < cfg->ndoors; i++) {
		if (cfg->doors[i].spa_format == SPA_FORMAT_FWKNOP)
			return CAPTURE_SNAPLEN;
		if (door_is_spa(&cfg->doors[i]))
			len = CAPTURE_SNAPLEN_SPA;
	}
	return len;
}

int capture_open(const char *ifname, const char *filter, struct capture **out)
{
	return capture_open_len(ifname, filter, CAPTURE_SNAPLEN, out);
}

int capture_open_len(const char *ifname, const char *filter, unsigned snaplen,
		     struct capture **out)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *c;
	int rc, err, one = 1;

	last_error[0] = '\0';
	if (!ifname || !*ifname || strlen(ifname) >= IF_NAMESIZE || !out ||
	    snaplen < CAPTURE_SNAPLEN_HEADERS || snaplen > CAPTURE_SNAPLEN)
		return -EINVAL;
	c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->fd = -1;
	snprintf(c->ifname, sizeof c->ifname, "%s", ifname);
	/* Read before the socket binds: if the link is re-created in
	 * between, the stale index makes the first dispatch report -ENODEV
	 * and the capture is reopened, never the other way round. */
	if (strcmp(ifname, "any") != 0) {
		c->ifindex = if_nametoindex(ifname);
		if (!c->ifindex) {
			set_error("%s: no such interface", ifname);
			free(c);
			return -ENODEV;
		}
	}
	c->pcap = pcap_create(ifname, errbuf);
	if (!c->pcap) {
		set_error("%s: %s", ifname, errbuf);
		free(c);
		return -EIO;
	}
	/* Immediate mode: each packet is handed over as it arrives, not
	 * when a buffer fills or a timeout expires. */
	if (pcap_set_snaplen(c->pcap, (int)snaplen) ||
	    pcap_set_promisc(c->pcap, 0) ||
	    pcap_set_immediate_mode(c->pcap, 1) ||
	    pcap_set_buffer_size(c->pcap, snaplen > CAPTURE_SNAPLEN_SPA ? CAPTURE_BUFFER :
				 snaplen > CAPTURE_SNAPLEN_HEADERS ? CAPTURE_BUFFER_SPA :
				 CAPTURE_BUFFER_SHORT) ||
	    pcap_set_tstamp_precision(c->pcap, PCAP_TSTAMP_PRECISION_MICRO)) {
		set_error("%s: cannot configure capture", ifname);
		err = -EIO;
		goto fail;
	}
	rc = pcap_activate(c->pcap);
	if (rc < 0) {
		set_error("%s: %s", ifname, pcap_geterr(c->pcap));
		err = activate_error(rc);
		if (err == -EIO && c->ifindex && !if_nametoindex(ifname))
			err = -ENODEV;  /* it vanished while we opened it */
		goto fail;
	}
	c->linktype = pcap_datalink(c->pcap);
	/* Frames this host sends are not knocks. */
	(void)pcap_setdirection(c->pcap, PCAP_D_IN);
	if (pcap_setnonblock(c->pcap, 1, errbuf) < 0) {
		set_error("%s: %s", ifname, errbuf);
		err = -EIO;
		goto fail;
	}
	err = attach_filter(c, filter);
	if (err)
		goto fail;
	c->fd = pcap_get_selectable_fd(c->pcap);
	if (c->fd < 0) {
		set_error("%s: no selectable descriptor", ifname);
		err = -EIO;
		goto fail;
	}
	/* Commands the daemon runs must not inherit the capture. */
	if (fcntl(c->fd, F_SETFD, FD_CLOEXEC) < 0) {
		err = -errno;
		set_error("%s: FD_CLOEXEC: %s", ifname, strerror(errno));
		goto fail;
	}
	/* A filter over the kernel's limit (4,096 instructions: thousands of
	 * scattered ports) makes libpcap filter in user space after a mere
	 * warning: every frame of the interface would reach the worker, and
	 * the lock below would hold no filter at all. */
	socklen_t insns = 0;
	if (filter && *filter &&
	    (getsockopt(c->fd, SOL_SOCKET, SO_GET_FILTER, NULL, &insns) < 0 || insns == 0)) {
		set_error("%s: the kernel did not take the capture filter (too long: fewer "
			  "distinct knock ports, or adjacent ones, make it shorter)", ifname);
		err = -E2BIG;
		goto fail;
	}
	/* Nobody, not even this process after dropping privileges, may
	 * replace or detach the filter now. */
	if (setsockopt(c->fd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof one) < 0) {
		err = -errno;
		set_error("%s: SO_LOCK_FILTER: %s", ifname, strerror(errno));
		goto fail;
	}
	*out = c;
	return 0;
fail:
	pcap_close(c->pcap);
	free(c);
	return err;
}

int capture_open_file(const char *path, const char *filter,
		      struct capture **out)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *c;
	int err;

	last_error[0] = '\0';
	if (!path || !out)
		return -EINVAL;
	c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->fd = -1;
	c->pcap = pcap_open_offline_with_tstamp_precision(path,
			PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!c->pcap) {
		set_error("%s: %s", path, errbuf);
		free(c);
		return -EIO;
	}
	c->linktype = pcap_datalink(c->pcap);
	err = attach_filter(c, filter);
	if (err) {
		pcap_close(c->pcap);
		free(c);
		return err;
	}
	*out = c;
	return 0;
}

void capture_close(struct capture *c)
{
	if (!c)
		return;
	if (c->pcap)
		pcap_close(c->pcap);
	free(c);
}

void capture_hand_off(struct capture *c)
{
	if (!c || !c->pcap)
		return;
	pcap_close(c->pcap);
	c->pcap = NULL;
	c->fd = -1;
}

int capture_fd(const struct capture *c)
{
	return c->fd;
}

int capture_linktype(const struct capture *c)
{
	return c->linktype;
}

struct dispatch_ctx {
	struct capture *c;
	capture_fn fn;
	void *ctx;
};

static void on_frame(u_char *user, const struct pcap_pkthdr *h,
		     const u_char *bytes)
{
	struct dispatch_ctx *d = (struct dispatch_ctx *)user;
	struct knock_event ev;

	d->c->st.seen++;
	if (packet_decode(d->c->linktype, bytes, h->caplen, &ev) < 0) {
		d->c->st.undecodable++;
		return;
	}
	d->c->st.decoded++;
	ev.time_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
	d->fn(d->ctx, &ev);
}

/* The state of a live capture's interface: -ENODEV when it is gone (or
 * was re-created under the same name: our socket is bound to the old
 * index), -ENETDOWN when it is down, else 0.  Asked through ioctls on the
 * capture socket itself, so a sandboxed worker needs no other socket. */
static int link_state(const struct capture *c)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_ifindex = (int)c->ifindex;
	if (ioctl(c->fd, SIOCGIFNAME, &ifr) < 0)
		return errno == ENODEV ? -ENODEV : -ENETDOWN;
	if (strncmp(ifr.ifr_name, c->ifname, sizeof ifr.ifr_name) != 0)
		return -ENODEV;         /* the index now names another link */
	if (ioctl(c->fd, SIOCGIFFLAGS, &ifr) < 0)
		return errno == ENODEV ? -ENODEV : -ENETDOWN;
	return ifr.ifr_flags & IFF_UP ? 0 : -ENETDOWN;
}

int capture_dispatch(struct capture *c, int max, capture_fn fn, void *ctx)
{
	struct dispatch_ctx d = { .c = c, .fn = fn, .ctx = ctx };
	int rc, err;

	if (!c || !fn)
		return -EINVAL;
	rc = pcap_dispatch(c->pcap, max > 0 ? max : -1, on_frame, (u_char *)&d);
	if (rc == PCAP_ERROR_BREAK)
		rc = 0;
	if (rc > 0 || !c->ifindex) {
		if (rc >= 0)
			return rc;
		set_error("%s: %s", c->ifname[0] ? c->ifname : "savefile",
			  pcap_geterr(c->pcap));
		return -EIO;
	}
	/* Nothing read, or an error, on a named interface.  libpcap says
	 * nothing when the link merely went down (the kernel flags the
	 * socket with POLLERR once), so look at the link itself. */
	err = link_state(c);
	if (err) {
		set_error("%s: %s", c->ifname, err == -ENODEV ?
			  "interface disappeared" : "interface went down");
		return err;
	}
	if (rc < 0) {
		set_error("%s: %s", c->ifname, pcap_geterr(c->pcap));
		return -ENETDOWN;       /* broken capture: reopen it too */
	}
	return 0;
}

int capture_stats(struct capture *c, struct capture_stats *st)
{
	struct pcap_stat ps;

	if (!c || !st)
		return -EINVAL;
	*st = c->st;
	st->kernel_drops = st->if_drops = 0;
	if (c->fd < 0)
		return 0;
	if (pcap_stats(c->pcap, &ps) < 0) {
		set_error("%s: %s", c->ifname, pcap_geterr(c->pcap));
		return -EIO;
	}
	st->kernel_drops = ps.ps_drop;
	st->if_drops = ps.ps_ifdrop;
	return 0;
}
