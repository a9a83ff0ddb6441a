/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rules — the checks shared by both back ends; see rules.h. */
#include "rules.h"

#include "numparse.h"

static bool same_port(const struct port_proto *a, const struct port_proto *b)
{
	return a->port == b->port && a->proto == b->proto;
}

bool rules_door_prepare(const struct door *d, unsigned index,
			const struct rules_opts *o, struct rules_door *rd,
			char *err, size_t errlen)
{
	if (d->one_time_file) {
		snprintf_safe(err, errlen, "door %s: one-time sequences need the daemon "
			      "(a ruleset cannot change its own sequence)", d->name);
		return false;
	}
	if (door_is_rotating(d)) {
		snprintf_safe(err, errlen, "door %s: rotating sequences need the daemon "
			      "(the kernel cannot compute the HMAC that derives them)", d->name);
		return false;
	}
	if (d->seq_len == 0) {
		snprintf_safe(err, errlen, "door %s: not a sequence door", d->name);
		return false;
	}
	rd->door = d;
	rd->index = index;
	rd->open = d->open_len ? d->open : o->open;
	rd->open_len = d->open_len ? d->open_len : o->open_len;
	rd->open_timeout_s = o->open_timeout_s ? o->open_timeout_s : d->open_timeout_s;
	if (rd->open_len == 0) {
		snprintf_safe(err, errlen, "door %s: no port to open: the door has no Open "
			      "(it runs commands), give --open PROTO/PORT", d->name);
		return false;
	}
	if (rd->open_timeout_s == 0)
		rd->open_timeout_s = 30;
	/* knockd.conf doors cannot say Forward: the command line says it. */
	bool own = d->lines.forward != 0;
	rd->forward = own ? d->forward : o->forward;
	rd->forward_to = own ? &d->forward_to : &o->forward_to;
	rd->forward_to_port = own ? d->forward_to_port : o->forward_to_port;
	if (rd->forward && o->format == RULES_IPTABLES) {
		snprintf_safe(err, errlen, "door %s: Forward: the forward path is in the nft "
			      "ruleset only (--format nft)", d->name);
		return false;
	}
	if (rd->forward && d->target.family && rd->forward_to->family &&
	    rd->forward_to->family != d->target.family) {
		snprintf_safe(err, errlen, "door %s: Target and Forward_To are of different "
			      "address families; the knocker's grant could never match", d->name);
		return false;
	}
	for (size_t i = 0; i < d->seq_len; i++) {
		for (size_t j = i + 1; j < d->seq_len; j++)
			if (same_port(&d->seq[i], &d->seq[j])) {
				snprintf_safe(err, errlen, "door %s: port %u/%s is used twice in the "
					      "sequence; a firewall cannot tell the steps apart",
					      d->name, d->seq[i].port, port_proto_name(d->seq[i].proto));
				return false;
			}
		for (size_t j = 0; j < rd->open_len; j++)
			if (same_port(&d->seq[i], &rd->open[j])) {
				snprintf_safe(err, errlen, "door %s: knock port %u/%s is also a guarded port",
					      d->name, d->seq[i].port, port_proto_name(d->seq[i].proto));
				return false;
			}
	}
	if (o->format == RULES_IPTABLES && d->target.family &&
	    d->target.family != (o->family == 6 ? AF_INET6 : AF_INET)) {
		snprintf_safe(err, errlen, "door %s: Target is an IPv%d address; this is the "
			      "IPv%d ruleset", d->name, o->family == 6 ? 4 : 6, o->family);
		return false;
	}
	return true;
}
