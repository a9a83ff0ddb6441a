/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flood — spoofed-source knock and noise generator for the benchmarks.
 *
 * Builds Ethernet frames itself and hands them to an AF_PACKET socket with
 * sendmmsg() (qdisc bypassed): the kernel neither routes nor resolves
 * neighbours per packet, which is what lets one core reach the highest
 * rate.  Each packet is an IPv4 or IPv6 TCP SYN (or an empty UDP datagram)
 * from a spoofed source, with correct IP, TCP and UDP checksums.
 *
 * Packet k comes from source k mod S of the source network and goes to
 * step (k div S) mod P of the port list: `-s 1000000 -n 1000000 -p 7001`
 * is one first knock from each of a million sources; `-p 7001,7002 -n
 * 2000000` then walks every source one step further.  `--noise` picks a
 * random source of the network, a random port and protocol instead.
 *
 * Safety catches, checked before any socket is opened:
 *   - the process must run in a network namespace made by `ip netns add`
 *     (netns_check_sandboxed());
 *   - the destination must be in 198.18.0.0/15 or 2001:db8::/32, and the
 *     spoofed source network inside the same range;
 *   - every run is bounded in packets (<= 20,000,000) and seconds (<= 120).
 *
 *   flood -i IF -m MAC [-p PORTS] [-s N] [-S CIDR] [-n COUNT] [-t SECONDS]
 *         [-r PPS] [-N] [-b BATCH] DEST
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "addr.h"
#include "netns_sender.h"
#include "numparse.h"

#define MAX_COUNT     20000000ul
#define MAX_SECONDS   120ul
#define MAX_PORTS     64
#define MAX_BATCH     1024
#define FRAME_MAX     (14 + 40 + 20)

enum { P_TCP = 6, P_UDP = 17 };

struct step {
	uint16_t port;
	uint8_t proto;
};

struct opts {
	const char *ifname;
	uint8_t dst_mac[6];
	bool have_mac;
	struct addr dst;
	struct cidr srcnet;
	bool have_srcnet;
	struct step steps[MAX_PORTS];
	size_t nsteps;
	unsigned long nsrc;
	unsigned long count;
	unsigned long seconds;
	unsigned long rate;
	unsigned long batch;
	bool noise;
};

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static void usage(FILE *f)
{
	fprintf(f,
		"usage: flood -i IF -m MAC [options] DEST\n"
		"  DEST                  in 198.18.0.0/15 or 2001:db8::/32\n"
		"  -i, --interface IF    send on IF (AF_PACKET)\n"
		"  -m, --dst-mac MAC     next hop's MAC address (aa:bb:cc:dd:ee:ff)\n"
		"  -p, --ports LIST      steps N[:tcp|:udp],... (default 1000:tcp)\n"
		"  -s, --sources N       distinct spoofed sources (default 65536)\n"
		"  -S, --source-net CIDR spoofed sources (default 198.19.0.0/16 or\n"
		"                        2001:db8:f100::/48, by DEST's family)\n"
		"  -n, --count N         packets to send (default 100000, <= %lu)\n"
		"  -t, --seconds S       stop after S seconds (default 10, <= %lu)\n"
		"  -r, --rate PPS        rate cap, 0: as fast as possible (default 0)\n"
		"  -N, --noise           random sources, ports and protocols\n"
		"  -b, --batch N         packets per sendmmsg (default 256, <= %d)\n"
		"Runs only inside a namespace made by 'ip netns add'.\n",
		MAX_COUNT, MAX_SECONDS, MAX_BATCH);
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;
	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &end) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return true;
}

static bool parse_steps(const char *s, struct opts *o)
{
	char buf[1024];
	if (!snprintf_safe(buf, sizeof buf, "%s", s))
		return false;
	o->nsteps = 0;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->nsteps == MAX_PORTS)
			return false;
		struct step *st = &o->steps[o->nsteps];
		st->proto = P_TCP;
		char *colon = strchr(tok, ':');
		if (colon) {
			*colon = '\0';
			if (strcmp(colon + 1, "tcp") == 0)
				st->proto = P_TCP;
			else if (strcmp(colon + 1, "udp") == 0)
				st->proto = P_UDP;
			else
				return false;
		}
		unsigned port;
		if (!parse_port(tok, &port))
			return false;
		st->port = (uint16_t)port;
		o->nsteps++;
	}
	return o->nsteps > 0;
}

static bool srcnet_ok(const struct opts *o, char *why, size_t len)
{
	const struct cidr *n = &o->srcnet;
	unsigned minpfx = n->addr.family == AF_INET ? 15 : 32;
	unsigned bits = n->addr.family == AF_INET ? 32 : 128;
	if (n->addr.family != o->dst.family) {
		snprintf_safe(why, len, "source network and destination differ in family");
		return false;
	}
	if (n->prefix < minpfx || !netns_target_allowed(&n->addr)) {
		snprintf_safe(why, len, "source network outside 198.18.0.0/15 and 2001:db8::/32");
		return false;
	}
	unsigned host = bits - n->prefix;
	if (host < 32 && o->nsrc > (1ul << host)) {
		snprintf_safe(why, len, "%lu sources do not fit in a /%u", o->nsrc, n->prefix);
		return false;
	}
	return true;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "ports", required_argument, NULL, 'p' },
		{ "sources", required_argument, NULL, 's' },
		{ "source-net", required_argument, NULL, 'S' },
		{ "count", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "noise", no_argument, NULL, 'N' },
		{ "batch", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	*o = (struct opts){ .nsrc = 65536, .count = 100000, .seconds = 10, .batch = 256,
			    .nsteps = 1, .steps = { { 1000, P_TCP } } };
	int c;
	while ((c = getopt_long(argc, argv, "i:m:p:s:S:n:t:r:Nb:h", lo, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case 'i': o->ifname = optarg; ok = strlen(optarg) < IF_NAMESIZE; break;
		case 'm': ok = o->have_mac = parse_mac(optarg, o->dst_mac); break;
		case 'p': ok = parse_steps(optarg, o); break;
		case 's': ok = parse_ulong(optarg, 1, MAX_COUNT, &o->nsrc); break;
		case 'S': ok = o->have_srcnet = cidr_parse(optarg, &o->srcnet); break;
		case 'n': ok = parse_ulong(optarg, 1, MAX_COUNT, &o->count); break;
		case 't': ok = parse_ulong(optarg, 1, MAX_SECONDS, &o->seconds); break;
		case 'r': ok = parse_ulong(optarg, 0, 100000000ul, &o->rate); break;
		case 'N': o->noise = true; break;
		case 'b': ok = parse_ulong(optarg, 1, MAX_BATCH, &o->batch); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
		if (!ok) {
			fprintf(stderr, "flood: bad value for -%c: '%s' (see --help; count <= %lu, "
				"seconds <= %lu)\n", c, optarg, MAX_COUNT, MAX_SECONDS);
			return -1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return -1;
	}
	if (!addr_parse(argv[optind], &o->dst)) {
		fprintf(stderr, "flood: '%s' is not an IP address\n", argv[optind]);
		return -1;
	}
	if (!netns_target_allowed(&o->dst)) {
		fprintf(stderr, "flood: refusing destination %s: outside 198.18.0.0/15 and "
			"2001:db8::/32\n", argv[optind]);
		return -1;
	}
	if (!o->have_srcnet &&
	    !cidr_parse(o->dst.family == AF_INET ? "198.19.0.0/16" : "2001:db8:f100::/48",
			&o->srcnet))
		return -1;
	char why[128];
	if (!srcnet_ok(o, why, sizeof why)) {
		fprintf(stderr, "flood: refusing: %s\n", why);
		return -1;
	}
	if (!o->ifname || !o->have_mac) {
		fprintf(stderr, "flood: -i IF and -m MAC are required\n");
		return -1;
	}
	if (o->rate && o->batch > o->rate / 100 + 1)
		o->batch = o->rate / 100 + 1;   /* cap bursts at ~10 ms of packets */
	return 0;
}

/* --- frames -------------------------------------------------------------- */

static uint64_t rng = 0x2545f4914f6cdd1dull;
static inline uint64_t next_rand(void) { return xorshift64(&rng); }

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

/* The source address of the I-th spoofed source: the network plus I. */
static void source_addr(const struct cidr *net, uint64_t i, uint8_t *out)
{
	size_t len = net->addr.family == AF_INET ? 4 : 16;
	memcpy(out, net->addr.bytes, len);
	uint64_t carry = i;
	for (size_t k = len; k-- > 0 && carry;) {
		carry += out[k];
		out[k] = (uint8_t)carry;
		carry >>= 8;
	}
}

/* Writes one frame into F; returns its length. */
static size_t build_frame(const struct opts *o, const uint8_t src_mac[6], uint64_t k,
			  uint8_t *f)
{
	bool v4 = o->dst.family == AF_INET;
	uint64_t r = next_rand();
	struct step st;
	uint64_t src;
	if (o->noise) {
		st.port = (uint16_t)(1 + r % 65535);
		st.proto = (r >> 16) & 1 ? P_TCP : P_UDP;
		src = (r >> 17) % o->nsrc;
	} else {
		st = o->steps[(k / o->nsrc) % o->nsteps];
		src = k % o->nsrc;
	}
	uint16_t sport = (uint16_t)(1024 + (r >> 40) % 64000);

	memcpy(f, o->dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	put16(f + 12, v4 ? ETHERTYPE_IP : ETHERTYPE_IPV6);
	uint8_t *ip = f + 14;
	size_t iplen = v4 ? 20 : 40, l4len = st.proto == P_TCP ? 20 : 8;
	uint8_t *l4 = ip + iplen;
	uint32_t pseudo;
	if (v4) {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(iplen + l4len));
		put16(ip + 4, (uint16_t)k);
		ip[6] = 0x40;                   /* DF */
		ip[8] = 64;
		ip[9] = st.proto;
		source_addr(&o->srcnet, src, ip + 12);
		memcpy(ip + 16, o->dst.bytes, 4);
		put16(ip + 10, fold(sum16(ip, 20, 0)));
		pseudo = sum16(ip + 12, 8, 0);
	} else {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)l4len);
		ip[6] = st.proto;
		ip[7] = 64;
		source_addr(&o->srcnet, src, ip + 8);
		memcpy(ip + 24, o->dst.bytes, 16);
		pseudo = sum16(ip + 8, 32, 0);
	}
	pseudo += st.proto + (uint32_t)l4len;
	memset(l4, 0, l4len);
	put16(l4, sport);
	put16(l4 + 2, st.port);
	if (st.proto == P_TCP) {
		uint32_t seq = (uint32_t)r;
		l4[4] = (uint8_t)(seq >> 24); l4[5] = (uint8_t)(seq >> 16);
		l4[6] = (uint8_t)(seq >> 8); l4[7] = (uint8_t)seq;
		l4[12] = 5 << 4;
		l4[13] = 0x02;                  /* SYN */
		put16(l4 + 14, 64240);
		put16(l4 + 16, fold(sum16(l4, 20, pseudo)));
	} else {
		put16(l4 + 4, 8);
		uint16_t cs = fold(sum16(l4, 8, pseudo));
		put16(l4 + 6, cs ? cs : 0xffff);
	}
	return 14 + iplen + l4len;
}

/* --- sending ------------------------------------------------------------- */

static int open_socket(const struct opts *o, uint8_t src_mac[6])
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);   /* 0: receive nothing */
	if (fd < 0) {
		fprintf(stderr, "flood: AF_PACKET socket: %s\n", strerror(errno));
		return -1;
	}
	struct ifreq ifr = { 0 };
	snprintf_safe(ifr.ifr_name, sizeof ifr.ifr_name, "%s", o->ifname);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		fprintf(stderr, "flood: interface %s: %s\n", o->ifname, strerror(errno));
		goto fail;
	}
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = ifr.ifr_ifindex,
		.sll_protocol = 0,
	};
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "flood: MAC of %s: %s\n", o->ifname, strerror(errno));
		goto fail;
	}
	memcpy(src_mac, ifr.ifr_hwaddr.sa_data, 6);
	if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
		fprintf(stderr, "flood: bind to %s: %s\n", o->ifname, strerror(errno));
		goto fail;
	}
	/* Straight to the driver: no qdisc lock per packet.  Best effort. */
	int one = 1, sndbuf = 4 << 20;
	(void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	return fd;
fail:
	close(fd);
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o;
	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	/* The safety catch comes before any socket (if_nametoindex and the
	 * ioctls below open or use one). */
	char why[256];
	if (!netns_check_sandboxed(why, sizeof why)) {
		fprintf(stderr, "flood: refusing to run: %s\n", why);
		return 3;
	}

	uint8_t src_mac[6];
	int fd = open_socket(&o, src_mac);
	if (fd < 0)
		return 1;

	static uint8_t frames[MAX_BATCH][FRAME_MAX];
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];
	for (size_t i = 0; i < MAX_BATCH; i++) {
		iov[i].iov_base = frames[i];
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	rng ^= (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	uint64_t sent = 0, errors = 0;
	double start = now_s(), deadline = start + (double)o.seconds, t = start;
	while (sent < o.count && !stop_flag) {
		t = now_s();
		if (t >= deadline)
			break;
		if (o.rate) {
			double due = start + (double)sent / (double)o.rate;
			if (due > t) {
				double d = due - t;
				struct timespec ts = { (time_t)d, (long)((d - (double)(time_t)d) * 1e9) };
				nanosleep(&ts, NULL);
				continue;
			}
		}
		size_t n = o.batch;
		if (n > o.count - sent)
			n = (size_t)(o.count - sent);
		for (size_t i = 0; i < n; i++)
			iov[i].iov_len = build_frame(&o, src_mac, sent + i, frames[i]);
		size_t done = 0;
		while (done < n && !stop_flag) {
			int rc = sendmmsg(fd, msgs + done, (unsigned)(n - done), 0);
			if (rc < 0) {
				if (errno == EINTR)
					continue;
				errors++;
				if (errno != ENOBUFS && errno != EAGAIN) {
					fprintf(stderr, "flood: sendmmsg: %s\n", strerror(errno));
					stop_flag = 1;
					break;
				}
				/* The device queue is full: let it drain. */
				sched_yield();
				if (now_s() >= deadline)
					break;
				continue;
			}
			done += (size_t)rc;
		}
		sent += done;
	}
	t = now_s() - start;
	close(fd);
	printf("flood: sent %llu packets in %.3f s: %.0f pps (%llu send errors)\n",
	       (unsigned long long)sent, t, t > 0 ? (double)sent / t : 0.0,
	       (unsigned long long)errors);
	return 0;
}
