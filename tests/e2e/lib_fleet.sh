# SPDX-License-Identifier: GPL-2.0-or-later
# tests/e2e/lib_fleet.sh — several gateways and a Redis on one link, for
# the fleet tests, benchmark and demo.  Source after lib.sh and
# lib_daemon.sh.
#
#   fleet_setup N            ns_setup (bridge in $SRV_NS, client .2), a
#                            redis host $REDIS4 (.10) and gateways gw1..gwN
#                            at .11.. ($gw1_NS ...; gw_addr I), a fleet key
#                            in $FLEET_KEY, a Redis password in $FLEET_PASS
#   redis_start / redis_kill a redis-server of our own in $redis_NS (never
#                            the system's), no persistence, with that
#                            password (Redis refuses other hosts without one)
#   redis_cli ARGS...        redis-cli against it (database $FLEET_DB, 0
#                            unless the test sets it: the gateways' too)
#   fleet_conf NAME NODE     $TMP/NAME.conf: [options] for the fleet (node
#                            NODE), then stdin (the doors, more options)
#   fleet_start NAME I CONF [ARGS...]
#                            sesamed in gateway I on its eth0, log and pid
#                            under $TMP/NAME.* (daemon_stop NAME etc. work)
#   fleet_wait_up NAME [N]   until its log says it is connected (N times)

REDIS4=198.18.0.10
REDIS_PORT=6379
FLEET_DB=${FLEET_DB:-0}

gw_addr() { echo "198.18.0.$((10 + $1))"; }
gw_ns() { eval "echo \$gw$1_NS"; }

fleet_setup() {
	local i
	ns_setup
	ns_add_host redis 10
	for i in $(seq 1 "$1"); do
		ns_add_host "gw$i" $((10 + i))
	done
	FLEET_KEY=$TMP/fleet.key
	"$SESAME" keygen --fleet -o "$FLEET_KEY" 2>/dev/null
	FLEET_PASS=$TMP/redis.pass
	(umask 077; head -c 18 /dev/urandom | base64 >"$FLEET_PASS")
}

redis_cli() {
	ip netns exec "$redis_NS" redis-cli -h "$REDIS4" -p "$REDIS_PORT" -n "$FLEET_DB" \
		-a "$(cat "$FLEET_PASS")" --no-auth-warning "$@"
}
_redis_pong() { [ "$(redis_cli PING 2>/dev/null)" = PONG ]; }

redis_start() {
	ip netns exec "$redis_NS" redis-server --port "$REDIS_PORT" --bind "$REDIS4" \
		--save '' --appendonly no --daemonize no \
		--requirepass "$(cat "$FLEET_PASS")" >>"$TMP/redis.log" 2>&1 &
	REDIS_PID=$!
	disown "$REDIS_PID"
	wait_until 5 _redis_pong
}

redis_kill() {
	[ -n "${REDIS_PID:-}" ] || return 0
	kill -9 "$REDIS_PID" 2>/dev/null
	wait_until 5 not kill -0 "$REDIS_PID" 2>/dev/null
	REDIS_PID=
}

fleet_conf() {
	local name=$1 node=$2
	{
		cat <<EOF
[options]
	Fleet          = redis://$REDIS4:$REDIS_PORT/$FLEET_DB
	Fleet_Key_File = $FLEET_KEY
	Fleet_Password_File = $FLEET_PASS
	Fleet_Node     = $node
	ReplayCache    = $TMP/$name.replay
	ControlSocket  = $TMP/$name.control
	StateDir       = $TMP/$name.state
EOF
		cat
	} >"$TMP/$name.conf"
}

fleet_start() {
	local name=$1 i=$2 conf=$3; shift 3
	local ns; ns=$(gw_ns "$i")
	: >"$TMP/$name.log"
	ip netns exec "$ns" "$SESAMED" -c "$conf" -i eth0 -v -p "$TMP/$name.pid" "$@" \
		>>"$TMP/$name.log" 2>&1 &
	eval "_DAEMON_$name=$!"
	disown $!
	if ! wait_until 5 grep -q "capturing on" "$TMP/$name.log"; then
		diag "sesamed $name did not start:"; sed 's/^/# /' "$TMP/$name.log"
		return 1
	fi
}

_up_count() { [ "$(grep -c "fleet: connected" "$TMP/$1.log")" -ge "$2" ]; }
fleet_wait_up() { wait_until 10 _up_count "$1" "${2:-1}"; }

# fleet_bench_gateways G: the benchmarks' fleet: G gateways n1..nG, each
# with one SPA door (key $TMP/bench.key) opening 2222/tcp for 600 s,
# started and connected to a Redis started here.  Exits on failure.
fleet_bench_gateways() {
	local i
	"$SESAME" keygen --name bench -o "$TMP/bench.key" >"$TMP/spa_keys" 2>/dev/null
	chmod 600 "$TMP/spa_keys"
	for i in $(seq 1 "$1"); do
		fleet_conf "n$i" "n$i" <<EOF
[ssh]
	SPA_Port     = 62201
	SPA_Keys     = $TMP/spa_keys
	Open         = 2222/tcp
	Open_Timeout = 600
EOF
	done
	redis_start || { echo "redis-server did not start"; exit 1; }
	for i in $(seq 1 "$1"); do
		fleet_start "n$i" "$i" "$TMP/n$i.conf" >/dev/null || exit 1
		fleet_wait_up "n$i" || { echo "n$i did not connect"; exit 1; }
	done
}
