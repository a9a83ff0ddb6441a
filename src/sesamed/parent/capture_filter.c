/* SPDX-License-Identifier: GPL-2.0-or-later */
/* capture_filter — the BPF filter text for the doors of a config.  See
 * capture_filter.h. */
#include "capture_filter.h"

#include <errno.h>
#include <sys/socket.h>

#include "rotseq.h"
#include "strbuf.h"

/* "(tcp dst port A or tcp dst port B)" for the ports of PROTO in D's
 * sequence, each once; false when there is none. */
static bool put_ports(struct strbuf *t, const struct door *d, uint8_t proto)
{
	const char *name = port_proto_name(proto);
	size_t n = 0;

	for (size_t i = 0; i < d->seq_len && i < CONFIG_SEQ_MAX; i++) {
		bool seen = false;

		if (d->seq[i].proto != proto)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = d->seq[j].proto == proto &&
			       d->seq[j].port == d->seq[i].port;
		if (seen)
			continue;
		strbuf_printf(t, "%s%s dst port %u", n ? " or " : "(", name,
			      (unsigned)d->seq[i].port);
		n++;
	}
	if (n)
		strbuf_puts(t, ")");
	return n > 0;
}

static bool door_has_proto(const struct door *d, uint8_t proto)
{
	for (size_t i = 0; i < d->seq_len && i < CONFIG_SEQ_MAX; i++)
		if (d->seq[i].proto == proto)
			return true;
	return false;
}

/* The TCP part of a sequence door.  TCPFlags is tested on IPv4 only:
 * libpcap cannot index into TCP behind an IPv6 header. */
static void put_tcp(struct strbuf *t, const struct door *d, bool any_port)
{
	uint8_t mask = d->tcpflags_set | d->tcpflags_clear;
	bool flags = d->has_tcpflags && mask;

	if (flags)
		strbuf_puts(t, "(");
	if (any_port)
		strbuf_puts(t, "tcp");
	else
		put_ports(t, d, PROTO_TCP);
	if (flags)
		strbuf_printf(t, " and (ip6 or tcp[13] & 0x%02x == 0x%02x))",
			      (unsigned)mask, (unsigned)d->tcpflags_set);
}

static void put_sequence_door(struct strbuf *t, const struct door *d)
{
	bool any = d->one_time_file != NULL;
	bool tcp = any || door_has_proto(d, PROTO_TCP);
	bool udp = any || door_has_proto(d, PROTO_UDP);

	if (tcp)
		put_tcp(t, d, any);
	if (tcp && udp)
		strbuf_puts(t, " or ");
	if (udp) {
		if (any)
			strbuf_puts(t, "udp");
		else
			put_ports(t, d, PROTO_UDP);
	}
}

/* A rotating door: every port of Sequence_Ports may be a knock (the
 * excluded ones are few and the worker tells them apart).  Without
 * TCPFlags, TCP knocks are SYNs without ACK: the range is wide, and the
 * replies to the server's own connections land in it. */
static void put_rotating_door(struct strbuf *t, const struct door *d)
{
	bool tcp = d->rot_protos != ROTSEQ_UDP, udp = d->rot_protos != ROTSEQ_TCP;
	uint8_t set = d->has_tcpflags ? d->tcpflags_set : TCPF_SYN;
	uint8_t mask = d->has_tcpflags ? d->tcpflags_set | d->tcpflags_clear
				       : TCPF_SYN | TCPF_ACK;
	bool flags = mask != 0;

	if (tcp) {
		strbuf_printf(t, "(tcp dst portrange %u-%u", (unsigned)d->rot_low, (unsigned)d->rot_high);
		if (flags)
			strbuf_printf(t, " and (ip6 or tcp[13] & 0x%02x == 0x%02x)",
				      (unsigned)mask, (unsigned)set);
		strbuf_puts(t, ")");
	}
	if (tcp && udp)
		strbuf_puts(t, " or ");
	if (udp)
		strbuf_printf(t, "udp dst portrange %u-%u", (unsigned)d->rot_low, (unsigned)d->rot_high);
}

static bool put_door(struct strbuf *t, const struct door *d, bool first)
{
	char addr[ADDR_STRLEN];
	bool target = d->target.family == AF_INET ||
		      d->target.family == AF_INET6;
	bool seq = door_is_sequence(d), spa = door_is_spa(d), rot = door_is_rotating(d);

	if (!seq && !spa && !rot)
		return false;
	if (!first)
		strbuf_puts(t, " or ");
	strbuf_puts(t, "(");
	if (target)
		strbuf_printf(t, "dst host %s and (",
			      addr_format(&d->target, addr, sizeof addr));
	if (seq)
		put_sequence_door(t, d);
	if (rot)
		put_rotating_door(t, d);
	if (seq && spa)
		strbuf_puts(t, " or ");
	if (spa)
		strbuf_printf(t, "udp dst port %u", (unsigned)d->spa_port);
	if (target)
		strbuf_puts(t, ")");
	strbuf_puts(t, ")");
	return true;
}

int capture_filter_build(const struct config *cfg, char *buf, size_t len)
{
	struct strbuf t;
	bool any = false;

	if (!cfg || !buf || !len)
		return -EINVAL;
	strbuf_init_fixed(&t, buf, len);
	for (size_t i = 0; i < cfg->ndoors; i++)
		if (put_door(&t, &cfg->doors[i], !any))
			any = true;
	if (!any)
		return -EINVAL;
	/* BPF sees only the first next header of IPv6; let the decoder walk
	 * chains of extension headers (fragment included: first fragments
	 * may be knocks, packet_decode refuses the others). */
	strbuf_puts(&t, " or (ip6 and (ip6[6] == 0 or ip6[6] == 43 or ip6[6] == 44"
		    " or ip6[6] == 51 or ip6[6] == 60))");
	if (strbuf_failed(&t)) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	return (int)t.len;
}
