# SPDX-License-Identifier: GPL-2.0-or-later
# tests/e2e/lib.sh — the network-namespace harness of the e2e tests.
# Source it from a test script; it prints TAP that tests/run.sh counts.
#
#   . "$(dirname "$0")/lib.sh"
#   ns_setup                     # server + client namespaces on one link
#   tcp_service 22               # a real TCP service in the server
#   check "closed before" not reach "$SRV4" 22
#   in_cli "$SESAME" knock "$SRV4" 1 2 3
#   check "open after" reach "$SRV4" 22
#   finish
#
# Topology (addresses are fixed; every run has its own namespaces):
#   srv-$RUN  br0: 198.18.0.1/24  2001:db8:5e5::1/64   (the server, $SRV_IF)
#   cli-$RUN  eth0: 198.18.0.2/24 2001:db8:5e5::2/64   (the knocker)
#   ns_add_host NAME 3 adds NAME-$RUN with .3 / ::3 on the same link.
#   ns_add_inner NAME makes the server a router: NAME-$RUN sits behind it
#   on a second link (inner0: 198.19.1.1/24 2001:db8:1::1/64; the host
#   $INNER4 = 198.19.1.2, $INNER6 = 2001:db8:1::2, default routes via the
#   server); ns_route_inner NS gives a host of the first link a route there.
# Every namespace, every process started in one, and every temp file is
# removed by an EXIT trap, whether the test passed, failed or was killed.
# Nothing is sent from the root namespace: all traffic is started with
# in_srv / in_cli / in_ns, and SESAME_REQUIRE_NETNS=1 makes our own
# sending commands refuse to run outside a namespace made by `ip netns add`.

set -u
SESAME_ROOT=${SESAME_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SESAME_BUILD=${SESAME_BUILD:-build}
case $SESAME_BUILD in /*) BIN=$SESAME_BUILD ;; *) BIN=$SESAME_ROOT/$SESAME_BUILD ;; esac
SESAME=$BIN/sesame
SESAMED=$BIN/sesamed
export SESAME_REQUIRE_NETNS=1

RUN=$(printf '%04x%04x' $$ $((RANDOM)))
SRV_NS=srv-$RUN CLI_NS=cli-$RUN
SRV_IF=br0 CLI_IF=eth0
SRV4=198.18.0.1 CLI4=198.18.0.2
SRV6=2001:db8:5e5::1 CLI6=2001:db8:5e5::2
TMP=$(mktemp -d "/tmp/sesame-e2e.XXXXXX")
_NAMESPACES=()
_TMP_MORE=()
_TAP_N=0 _TAP_FAILED=0

if [ "$(id -u)" != 0 ]; then
	echo "not ok 1 - e2e tests need root (network namespaces)"; exit 1
fi

_cleanup() {
	local ns
	for ns in "${_NAMESPACES[@]}"; do
		# Kill everything still running inside, then the namespace.
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
	sleep 0.05
	for ns in "${_NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP" "${_TMP_MORE[@]}"
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

# --- TAP ---------------------------------------------------------------
ok()     { _TAP_N=$((_TAP_N + 1)); echo "ok $_TAP_N - $*"; }
not_ok() { _TAP_N=$((_TAP_N + 1)); _TAP_FAILED=$((_TAP_FAILED + 1)); echo "not ok $_TAP_N - $*"; }
# check DESC CMD... : passes when CMD succeeds.  "not" inverts: check D not reach ...
check() {
	local desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
not() { ! "$@"; }
diag() { echo "# $*"; }
# finish: exit status reflects the failures.
finish() { echo "1..$_TAP_N"; [ "$_TAP_FAILED" -eq 0 ]; exit $?; }

# wait_until SECONDS CMD... : polls CMD every 50 ms.
wait_until() {
	local deadline=$(( $(date +%s%N) + ${1%.*} * 1000000000 )); shift
	while ! "$@"; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# --- namespaces --------------------------------------------------------
# tmp_dir_in DIR VAR: a private (0700) temp directory in DIR (another
# file system than /tmp's, e.g. /dev/shm), its path in VAR, removed with
# the rest.
tmp_dir_in() {
	local d
	d=$(mktemp -d "$1/sesame-$RUN.XXXXXX") || return 1
	_TMP_MORE+=("$d")
	printf -v "$2" '%s' "$d"
}

in_ns()  { local ns=$1; shift; ip netns exec "$ns" "$@"; }
in_srv() { ip netns exec "$SRV_NS" "$@"; }
in_cli() { ip netns exec "$CLI_NS" "$@"; }

_new_ns() {
	ip netns add "$1" || { echo "not ok - cannot create namespace $1"; exit 1; }
	_NAMESPACES+=("$1")
	ip -n "$1" link set lo up
}

# ns_setup: the server and the client, joined through the server's bridge.
ns_setup() {
	_new_ns "$SRV_NS"
	ip -n "$SRV_NS" link add br0 type bridge
	ip -n "$SRV_NS" link set br0 up
	ip -n "$SRV_NS" addr add "$SRV4/24" dev br0
	ip -n "$SRV_NS" addr add "$SRV6/64" dev br0 nodad
	_attach_host "$CLI_NS" 2
}

# ns_add_host NAME N: one more host on the link, 198.18.0.N / 2001:db8:5e5::N.
# Sets NAME_NS (e.g. ns_add_host third 3 -> $third_NS).
ns_add_host() {
	local ns="$1-$RUN"
	_attach_host "$ns" "$2"
	printf -v "${1}_NS" '%s' "$ns"
}

_attach_host() {  # ns, host number
	local ns=$1 n=$2
	_new_ns "$ns"
	ip link add eth0 netns "$ns" type veth peer name "p$n" netns "$SRV_NS"
	ip -n "$SRV_NS" link set "p$n" master br0
	ip -n "$SRV_NS" link set "p$n" up
	ip -n "$ns" addr add "198.18.0.$n/24" dev eth0
	ip -n "$ns" addr add "2001:db8:5e5::$n/64" dev eth0 nodad
	ip -n "$ns" link set eth0 up
	# The bridge port needs a moment to forward; wait for v4 and v6.
	wait_until 5 in_ns "$ns" ip neigh replace "$SRV4" lladdr \
		"$(ip -n "$SRV_NS" -br link show br0 | awk '{print $3}')" dev eth0 >/dev/null 2>&1
	ip -n "$ns" neigh replace "$SRV6" lladdr \
		"$(ip -n "$SRV_NS" -br link show br0 | awk '{print $3}')" dev eth0 2>/dev/null
	return 0
}

# ns_add_inner NAME: one host on a second link behind the server, which
# forwards (v4 and v6) between its two links.  Sets NAME_NS.
INNER4=198.19.1.2 INNER6=2001:db8:1::2
ns_add_inner() {
	local ns="$1-$RUN"
	_new_ns "$ns"
	ip link add eth0 netns "$ns" type veth peer name inner0 netns "$SRV_NS"
	ip -n "$SRV_NS" addr add 198.19.1.1/24 dev inner0
	ip -n "$SRV_NS" addr add 2001:db8:1::1/64 dev inner0 nodad
	ip -n "$SRV_NS" link set inner0 up
	ip -n "$ns" addr add "$INNER4/24" dev eth0
	ip -n "$ns" addr add "$INNER6/64" dev eth0 nodad
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via 198.19.1.1
	ip -n "$ns" -6 route add default via 2001:db8:1::1
	in_srv sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	printf -v "${1}_NS" '%s' "$ns"
}
# ns_route_inner NS: NS (on the first link) reaches the inner link via the server.
ns_route_inner() {
	ip -n "$1" route add 198.19.1.0/24 via "$SRV4"
	ip -n "$1" -6 route add 2001:db8:1::/64 via "$SRV6"
}

# bg NS CMD... : starts CMD in NS in the background; sets BG_PID.  The
# namespace teardown kills it at the end.
bg() {
	local ns=$1; shift
	ip netns exec "$ns" "$@" &
	BG_PID=$!
	disown "$BG_PID"
}

# tcp_service PORT [NS]: a real TCP service (netcat) on v4 and v6 that
# sends a banner to every connection.  Waits until it listens.
tcp_service() {
	local port=$1 ns=${2:-$SRV_NS}
	ip netns exec "$ns" bash -c "while :; do echo sesame-e2e-banner | nc -4 -l -N $port; done" >/dev/null 2>&1 &
	ip netns exec "$ns" bash -c "while :; do echo sesame-e2e-banner | nc -6 -l -N $port; done" >/dev/null 2>&1 &
	disown -a
	wait_until 5 listening "$ns" "$port"
}
listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q LISTEN; }

# reach HOST PORT [SECONDS] [NS]: from the client (or NS), does a TCP
# connection to HOST:PORT get the service's banner within SECONDS (1)?
reach() {
	local host=$1 port=$2 t=${3:-1} ns=${4:-$CLI_NS}
	local out
	out=$(ip netns exec "$ns" timeout "$((t + 1))" nc -w "$t" -d "$host" "$port" 2>/dev/null </dev/null)
	[ "$out" = sesame-e2e-banner ]
}

# firewall_nft FILE|-  and  firewall_iptables FILE|-  [6]: load a ruleset in the server.
firewall_nft() { in_srv nft -f "${1:--}"; }
firewall_iptables() {
	if [ "${2:-4}" = 6 ]; then in_srv ip6tables-restore "${1:-/dev/stdin}"
	else in_srv iptables-restore "${1:-/dev/stdin}"; fi
}

# capture_start NAME FILTER...: tcpdump in the server on $SRV_IF, to $TMP/NAME.pcap.
capture_start() {
	local name=$1; shift
	: >"$TMP/$name.tcpdump.log"
	# Not through in_srv: $! must be tcpdump itself (ip netns exec execs
	# it), and --immediate-mode so that stopping it loses no packet.
	ip netns exec "$SRV_NS" tcpdump -i "$SRV_IF" --immediate-mode -U -n \
		-w "$TMP/$name.pcap" "$@" >"$TMP/$name.tcpdump.log" 2>&1 &
	eval "_CAP_$name=$!"
	wait_until 5 grep -q "listening on" "$TMP/$name.tcpdump.log"
}
# capture_stop NAME: stops it; then capture_count NAME [FILTER] counts packets.
capture_stop() {
	local pid; eval "pid=\$_CAP_$1"
	sleep 0.2; kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
}
capture_count() {
	local name=$1; shift
	tcpdump -n -r "$TMP/$name.pcap" "$@" 2>/dev/null | wc -l
}

# --- daemon resources --------------------------------------------------
# A daemon is its process and its children of the same name (sesamed's
# unprivileged worker does the packet work): rss_kb PID sums their VmRSS
# in KiB, cpu_ticks PID their utime + stime in clock ticks.
_daemon_pids() { echo "$1"; pgrep -P "$1" -x "$(cat "/proc/$1/comm" 2>/dev/null)" 2>/dev/null; }
rss_kb() {
	local s=0 p v
	for p in $(_daemon_pids "$1"); do
		v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null)
		s=$((s + ${v:-0}))
	done
	echo "$s"
}
# pss_kb PID: the same sum of Pss (smaps_rollup): shared pages counted
# once among all the processes that map them.  rss1 / pss1: one process.
pss_kb() {
	local s=0 p
	for p in $(_daemon_pids "$1"); do s=$((s + $(pss1 "$p"))); done
	echo "$s"
}
rss1() { awk '/^VmRSS:/ {print $2; f=1} END {if (!f) print 0}' "/proc/$1/status" 2>/dev/null || echo 0; }
pss1() { awk '/^Pss:/ {print $2; f=1} END {if (!f) print 0}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
cpu_ticks() {
	local s=0 p v
	for p in $(_daemon_pids "$1"); do
		v=$(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$p/stat" 2>/dev/null)
		s=$((s + ${v:-0}))
	done
	echo "$s"
}

# Sanitizer reports of our binaries fail the test (tests/e2e/lib_sanitize.sh).
. "$SESAME_ROOT/tests/e2e/lib_sanitize.sh"
