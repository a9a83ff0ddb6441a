/* SPDX-License-Identifier: GPL-2.0-or-later */
/* localaddr — see localaddr.h. */
#include "localaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

struct entry {
	struct addr a;
	bool broadcast;                 /* an interface's broadcast address */
};

struct localaddr {
	int fd;
	struct entry e[LOCALADDR_MAX];
	size_t n;
	bool full;                      /* some address did not fit */
	bool dumping;
	uint32_t seq;
};

static int find(const struct localaddr *l, const struct addr *a, bool broadcast)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->e[i].broadcast == broadcast && addr_equal(&l->e[i].a, a))
			return (int)i;
	return -1;
}

static void add(struct localaddr *l, const struct addr *a, bool broadcast)
{
	if (find(l, a, broadcast) >= 0)
		return;
	if (l->n == LOCALADDR_MAX) {
		if (!l->full)
			log_warn("more than %d local addresses: the rest are not told apart "
				 "from forwarded traffic", LOCALADDR_MAX);
		l->full = true;
		return;
	}
	l->e[l->n++] = (struct entry){ .a = *a, .broadcast = broadcast };
}

static void del(struct localaddr *l, const struct addr *a, bool broadcast)
{
	int i = find(l, a, broadcast);
	if (i >= 0)
		l->e[i] = l->e[--l->n];
}

static bool attr_addr(const struct ifaddrmsg *ifa, const struct rtattr *rta, struct addr *out)
{
	size_t len = RTA_PAYLOAD(rta);
	memset(out, 0, sizeof *out);
	if (ifa->ifa_family == AF_INET && len == 4)
		memcpy(out->bytes, RTA_DATA(rta), 4);
	else if (ifa->ifa_family == AF_INET6 && len == 16)
		memcpy(out->bytes, RTA_DATA(rta), 16);
	else
		return false;
	out->family = ifa->ifa_family;
	return true;
}

static void on_addr(struct localaddr *l, const struct nlmsghdr *h)
{
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
		return;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	bool new = h->nlmsg_type == RTM_NEWADDR;
	int len = (int)IFA_PAYLOAD(h);
	for (const struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		struct addr a;
		bool bc = rta->rta_type == IFA_BROADCAST;
		/* IFA_LOCAL is the host's side of a point-to-point link,
		 * IFA_ADDRESS its peer's there (and the address elsewhere). */
		if (rta->rta_type != IFA_LOCAL && rta->rta_type != IFA_ADDRESS && !bc)
			continue;
		if (!attr_addr(ifa, rta, &a))
			continue;
		if (new)
			add(l, &a, bc);
		else
			del(l, &a, bc);
		/* The subnet's broadcast address, also when the address was
		 * added without one ("ip addr add A/24" sets no IFA_BROADCAST). */
		if (rta->rta_type == IFA_LOCAL && a.family == AF_INET && ifa->ifa_prefixlen < 31) {
			uint32_t v;
			memcpy(&v, a.bytes, 4);
			v |= htonl(0xffffffffu >> ifa->ifa_prefixlen);
			memcpy(a.bytes, &v, 4);
			if (new)
				add(l, &a, true);
			else
				del(l, &a, true);
		}
	}
}

static int dump(struct localaddr *l)
{
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg ifa;
	} req = {
		.h = { .nlmsg_len = sizeof req, .nlmsg_type = RTM_GETADDR,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = ++l->seq },
		.ifa = { .ifa_family = AF_UNSPEC },
	};
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	if (sendto(l->fd, &req, sizeof req, 0, (struct sockaddr *)&k, sizeof k) < 0)
		return -errno;
	l->n = 0;
	l->full = false;
	l->dumping = true;
	return 0;
}

void localaddr_update(struct localaddr *l)
{
	uint8_t buf[16384] __attribute__((aligned(4)));
	for (;;) {
		ssize_t n = recv(l->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* Notifications were lost: ask again. */
				if (!l->dumping && dump(l) < 0)
					l->full = true;
				continue;
			}
			return;         /* EAGAIN: all read */
		}
		int len = (int)n;
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
				l->dumping = false;
			else if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR)
				on_addr(l, h);
		}
	}
}

int localaddr_new(struct localaddr **out)
{
	*out = NULL;
	struct localaddr *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	l->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	struct sockaddr_nl me = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR };
	int rc = 0;
	if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&me, sizeof me) < 0 || (rc = dump(l)) < 0) {
		rc = rc ? rc : -errno;
		log_err("local addresses: netlink: %s", strerror(-rc));
		localaddr_free(l);
		return rc;
	}
	/* The first dump is read at once, so the first packet finds it. */
	for (int i = 0; i < 200 && l->dumping; i++) {
		localaddr_update(l);
		if (l->dumping)
			usleep(5000);
	}
	*out = l;
	return 0;
}

void localaddr_free(struct localaddr *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}

int localaddr_fd(const struct localaddr *l)
{
	return l->fd;
}

bool localaddr_is_local(const struct localaddr *l, const struct addr *a)
{
	return l->full || l->dumping || find(l, a, false) >= 0;
}

static bool v4_bogus(const uint8_t *b)
{
	return b[0] == 0 ||                             /* 0.0.0.0/8 */
	       b[0] == 127 ||                           /* loopback */
	       (b[0] & 0xf0) == 0xe0 ||                 /* multicast 224/4 */
	       (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255);
}

bool localaddr_source_ok(const struct localaddr *l, const struct addr *a)
{
	if (a->family == AF_INET) {
		if (v4_bogus(a->bytes))
			return false;
	} else if (a->family == AF_INET6) {
		static const uint8_t zero[16];
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
		if (a->bytes[0] == 0xff ||                      /* multicast */
		    (memcmp(a->bytes, zero, 15) == 0 && a->bytes[15] <= 1))  /* :: and ::1 */
			return false;
		if (memcmp(a->bytes, mapped, 12) == 0 && v4_bogus(a->bytes + 12))
			return false;
	} else {
		return false;
	}
	return !l || (find(l, a, false) < 0 && find(l, a, true) < 0);
}
