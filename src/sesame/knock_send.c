/* SPDX-License-Identifier: GPL-2.0-or-later */
/* knock_send — sending the hits of a knock.
 *
 * A TCP hit is a non-blocking connect() whose socket is closed as soon as
 * connect() returns.  The SYN is already on its way (or queued behind
 * neighbour resolution, which keeps its own copy); closing a socket in
 * SYN_SENT moves it straight to CLOSED without sending anything, so its
 * retransmission timer dies with it: one SYN, no retransmission, no RST,
 * no FIN.  (An answer that arrives later, a SYN-ACK from a port that
 * accepts, makes our kernel answer with an RST; that is the server's
 * doing, and knock ports are normally dropped.)  A UDP hit is one empty
 * datagram.  Nothing ever waits for a reply. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "cmd.h"
#include "knock_args.h"
#include "knock_send.h"

struct target {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* The first address getaddrinfo() gives for HOST in FAMILY. */
static bool resolve(const char *host, int family, struct target *t)
{
	struct addrinfo hints = {
		.ai_family = family,
		/* One entry per address rather than one per socket type. */
		.ai_socktype = SOCK_DGRAM,
	};
	struct addrinfo *res = NULL;
	char q[KNOCK_QUOTE_MAX + 1];
	knock_quote(host, q, sizeof q);
	int rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "sesame knock: cannot resolve '%s': %s\n", q,
			rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return false;
	}
	bool ok = false;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
		    ai->ai_addrlen <= sizeof t->ss) {
			memcpy(&t->ss, ai->ai_addr, ai->ai_addrlen);
			t->len = ai->ai_addrlen;
			ok = true;
			break;
		}
	}
	freeaddrinfo(res);
	if (!ok)
		fprintf(stderr, "sesame knock: '%s' has no IPv4 or IPv6 address\n", q);
	return ok;
}

static void set_port(struct target *t, uint16_t port)
{
	if (t->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&t->ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&t->ss)->sin6_port = htons(port);
}

/* "198.18.0.1:8881" or "[2001:db8::1]:8881". */
static void format_target(const struct target *t, uint16_t port, char *buf, size_t len)
{
	struct addr a = { .family = (uint8_t)t->ss.ss_family };
	if (a.family == AF_INET)
		a.v4 = ((const struct sockaddr_in *)&t->ss)->sin_addr;
	else
		a.v6 = ((const struct sockaddr_in6 *)&t->ss)->sin6_addr;
	char ab[ADDR_STRLEN];
	addr_format(&a, ab, sizeof ab);
	snprintf(buf, len, a.family == AF_INET ? "%s:%u" : "[%s]:%u", ab, port);
}

/* One SYN.  Returns 0 or -errno when no SYN could be sent. */
static int hit_tcp(const struct target *t)
{
	int fd = socket(t->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	/* Should the connection complete before close() (a knock port that
	 * accepts, on a fast link), abort it with one RST instead of a FIN
	 * that could be retransmitted.  In SYN_SENT this changes nothing. */
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	int rc = 0;
	if (connect(fd, (const struct sockaddr *)&t->ss, t->len) != 0) {
		/* EINPROGRESS: the SYN left.  ECONNREFUSED: it left and an RST
		 * already came back (loopback).  Anything else: routing or a
		 * local firewall stopped it. */
		if (errno != EINPROGRESS && errno != ECONNREFUSED)
			rc = -errno;
	}
	close(fd);
	return rc;
}

/* One empty datagram. */
static int hit_udp(const struct target *t)
{
	int fd = socket(t->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	int rc = 0;
	if (sendto(fd, "", 0, 0, (const struct sockaddr *)&t->ss, t->len) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int knock_send(const char *host, int family, const struct port_proto *hits, size_t n,
	       unsigned delay_ms, bool verbose)
{
	/* Before resolving: a name lookup already sends packets. */
	if (!cmd_sandbox_ok("knock"))
		return 1;
	struct target t;
	if (!resolve(host, family, &t))
		return 1;

	for (size_t i = 0; i < n; i++) {
		const struct port_proto *h = &hits[i];
		const char *proto = port_proto_name(h->proto);
		char where[ADDR_STRLEN + 16];
		set_port(&t, h->port);
		format_target(&t, h->port, where, sizeof where);
		if (i > 0 && delay_ms > 0)
			sleep_ms(delay_ms);
		if (verbose) {
			printf("hitting %s %s\n", proto, where);
			fflush(stdout);
		}
		int rc = h->proto == PROTO_UDP ? hit_udp(&t) : hit_tcp(&t);
		if (rc < 0) {
			fprintf(stderr, "sesame knock: %s %s: %s\n", proto, where, strerror(-rc));
			return 1;
		}
	}
	return 0;
}

int knock_print_test(const char *host, int family, const struct port_proto *hits, size_t n,
		     unsigned delay_ms)
{
	/* No name lookup either: that would send packets. */
	char q[KNOCK_QUOTE_MAX + 1];
	knock_quote(host, q, sizeof q);
	printf("sesame knock: test: would send %zu packet%s to %s%s, %u ms apart; "
	       "nothing sent\n", n, n == 1 ? "" : "s", q,
	       family == AF_INET ? " (IPv4)" : family == AF_INET6 ? " (IPv6)" : "", delay_ms);
	for (size_t i = 0; i < n; i++)
		printf("  %s %u (%s)\n", port_proto_name(hits[i].proto), hits[i].port,
		       hits[i].proto == PROTO_UDP ? "one empty datagram" : "one SYN");
	return fflush(stdout) == 0 ? 0 : 1;
}
