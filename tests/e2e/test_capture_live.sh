#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The capture module live on the server's bridge: real knock clients
# (Debian's knock, nc, nmap) over IPv4 and IPv6 produce exactly the events
# of the door ports, and the capture survives its interface being deleted
# and re-created.  A tiny probe, compiled here against libsesame.a, drives
# capture_open / capture_dispatch the way the daemon does.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/probe.c" <<'EOF'
/* probe IFACE SECONDS PORT[:udp]... [spa=PORT]: one door with those ports;
 * prints each event, and "lost"/"reopened" around interface loss. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "capture.h"
#include "capture_filter.h"
#include "numparse.h"
#include "portspec.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void on_event(void *ctx, const struct knock_event *ev)
{
	char s[ADDR_STRLEN], d[ADDR_STRLEN];
	(void)ctx;
	printf("event %s %s %s %s %u flags 0x%02x len %zu\n",
	       ev->saddr.family == AF_INET ? "v4" : "v6",
	       addr_format(&ev->saddr, s, sizeof s),
	       addr_format(&ev->daddr, d, sizeof d),
	       ev->proto == PROTO_TCP ? "tcp" : "udp", ev->dport, ev->tcpflags,
	       ev->payload_len);
}

int main(int argc, char **argv)
{
	static struct door door;
	struct config cfg = { .doors = &door, .ndoors = 1 };
	static char filter[CAPTURE_FILTER_MAX];
	unsigned long secs;
	struct capture *c = NULL;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4 || !parse_ulong(argv[2], 1, 60, &secs))
		return 2;
	for (int i = 3; i < argc; i++) {
		unsigned spa;
		if (strncmp(argv[i], "spa=", 4) == 0 && parse_port(argv[i] + 4, &spa)) {
			door.spa_format = SPA_FORMAT_SESAME;
			door.spa_port = spa;
		} else if (door.seq_len < CONFIG_SEQ_MAX &&
			   portspec_parse_knock(argv[i], PROTO_TCP, &door.seq[door.seq_len])) {
			door.seq_len++;
		} else {
			return 2;
		}
	}
	if (capture_filter_build(&cfg, filter, sizeof filter) < 0)
		return 2;
	printf("filter %s\n", filter);
	double end = now() + secs, next_try = 0;
	while (now() < end) {
		if (!c) {
			if (now() < next_try) {
				usleep(20000);
				continue;
			}
			err = capture_open(argv[1], filter, &c);
			if (err) {
				printf("waiting %s %.3f\n", strerror(-err), now());
				next_try = now() + 0.5;
				continue;
			}
			printf("ready %.3f\n", now());
		}
		struct pollfd p = { .fd = capture_fd(c), .events = POLLIN };
		if (poll(&p, 1, 100) <= 0)
			continue;
		err = capture_dispatch(c, 0, on_event, NULL);
		if (err < 0) {
			printf("lost %s %.3f\n", strerror(-err), now());
			capture_close(c);
			c = NULL;
			next_try = now() + 0.5;
		}
	}
	if (c) {
		struct capture_stats st;
		if (capture_stats(c, &st) == 0)
			printf("stats seen %llu decoded %llu undecodable %llu drops %llu\n",
			       (unsigned long long)st.seen, (unsigned long long)st.decoded,
			       (unsigned long long)st.undecodable,
			       (unsigned long long)st.kernel_drops);
		capture_close(c);
	}
	return 0;
}
EOF
# A SANITIZE=1 library needs the sanitizer runtimes at link time.
san=
nm "$BIN/libsesame.a" 2>/dev/null | grep -q __asan_ && san=-fsanitize=address,undefined
# The libraries the build links (the Makefile's PKGS lines): the capture
# pulls in what its filter builder needs.
pkgs=$(sed -n 's/^PKGS[[:space:]]*[:+]*=[[:space:]]*//p' "$SESAME_ROOT/Makefile" | tr '\n' ' ')
# shellcheck disable=SC2046
if ! cc -std=c17 -D_GNU_SOURCE $san -I"$SESAME_ROOT/src/common" -I"$SESAME_ROOT/src/sesamed" -I"$SESAME_ROOT/src/sesamed/worker" -I"$SESAME_ROOT/src/sesamed/parent" -o "$TMP/probe" "$TMP/probe.c" \
	"$BIN/libsesame.a" $(pkg-config --libs $pkgs) 2>"$TMP/cc.log"; then
	cat "$TMP/cc.log"
	not_ok "probe builds against $BIN/libsesame.a"
	finish
fi

ns_setup
OUT=$TMP/probe.out
bg "$SRV_NS" "$TMP/probe" "$SRV_IF" 25 8881 7777:udp spa=62201 >"$OUT"
check "capture opens on $SRV_IF" wait_until 5 grep -q '^ready' "$OUT"

events() { grep -c "^event $1" "$OUT"; }
has() { grep -q "^event $1" "$OUT"; }
at_least() { [ "$(events "$1")" -ge "$2" ]; }    # PATTERN N
opened() { [ "$(grep -c '^ready' "$OUT")" -ge "$1" ]; }

in_cli knock "$SRV4" 8881 7777:udp 9999 >/dev/null
check "knock: TCP SYN to 8881 over IPv4" wait_until 3 has "v4 $CLI4 $SRV4 tcp 8881 flags 0x02 len 0"
check "knock: UDP to 7777 over IPv4" wait_until 3 has "v4 $CLI4 $SRV4 udp 7777"
in_cli knock -6 "$SRV6" 8881 7777:udp >/dev/null
check "knock -6: TCP SYN to 8881 over IPv6" wait_until 3 has "v6 $CLI6 $SRV6 tcp 8881 flags 0x02"
check "knock -6: UDP to 7777 over IPv6" wait_until 3 has "v6 $CLI6 $SRV6 udp 7777"
printf 'spa-bytes' | in_cli nc -u -w 1 -q 0 "$SRV4" 62201 >/dev/null 2>&1
check "a datagram to the SPA port with its payload" wait_until 3 has "v4 $CLI4 $SRV4 udp 62201 flags 0x00 len 9"
in_cli nmap -n -Pn --max-retries 0 -p 8881 "$SRV4" >/dev/null 2>&1
in_cli timeout 2 nc -z -w 1 "$SRV6" 8881 >/dev/null 2>&1
check "nmap knock seen" wait_until 3 at_least "v4 $CLI4 $SRV4 tcp 8881" 2
check "nc -z knock seen" wait_until 3 at_least "v6 $CLI6 $SRV6 tcp 8881" 2
sleep 0.3
check "nothing but door ports reaches userspace" not grep -qE '^event .* (9999|22) ' "$OUT"

# The interface goes away and comes back under the same name.
in_srv ip link del br0
check "loss of $SRV_IF reported" wait_until 3 grep -q '^lost' "$OUT"
check "reopen refused while it is missing" wait_until 3 grep -q '^waiting No such device' "$OUT"
t0=$(date +%s%N)
in_srv ip link add br0 type bridge
in_srv ip link set br0 up
in_srv ip addr add "$SRV4/24" dev br0
in_srv ip addr add "$SRV6/64" dev br0 nodad
in_srv ip link set p2 master br0
check "capture again within 2 s of the interface returning" wait_until 2 opened 2
diag "reopened after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
before=$(events "v4 $CLI4 $SRV4 tcp 8881")
# The new bridge needs a moment to forward; retry the knock briefly.
knocked_again() {
	in_cli knock "$SRV4" 8881 >/dev/null
	sleep 0.2
	at_least "v4 $CLI4 $SRV4 tcp 8881" $((before + 1))
}
check "a knock after the interface returned is seen" wait_until 5 knocked_again
diag "$(grep -vE '^(event|filter)' "$OUT" | tr '\n' ';')"
finish
