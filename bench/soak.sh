#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/soak.sh — sesamed under a long, mixed load with faults (`make soak`).
#
# Load, all inside namespaces this script creates (198.18.0.0/15):
#   - ~20 right and ~20 wrong knock sequences a second, from 200 spoofed
#     sources each (bench/flood, stepping every source through the door);
#   - ~20 SPA packets a second, native and fwknop alternately (`sesame spa`);
#   - 200 garbage UDP datagrams a second to the SPA port (udp_burst -g);
#   - 2,000 random SYNs a second to random ports (flood --noise).
# Faults: SIGHUP every 30 s (every third time with a broken config, which
# must be refused), four link flaps of the capture interface, one kill -9
# of the worker followed by a SIGHUP inside its restart delay.
# Correctness probe every 10 s: a real knock from the client opens the
# guarded port for it, and a third host that did not knock stays out.
#
# Every 10 s it samples RSS and PSS (smaps_rollup), descriptors and CPU of
# the parent and of the worker, the nft set sizes, StateDir files, the
# replay cache's size, and the log's size and lines; and the resident
# size of each mapping of both processes (heap, stack, anonymous, each
# library).  It writes bench/results/soak.md (the table, the slope of each
# figure per hour after the warm-up, the mappings that moved),
# bench/results/soak.png (RSS over time, gnuplot), and the samples:
# soak.tsv, soak.maps.tsv.gz and soak.events.tsv (each fault and its
# time).  `bench/soak_fit.py soak.tsv 120 30 soak.maps.tsv.gz` fits again.
#
#   SOAK_MINUTES=N   length of the run (default 30)
#   SOAK_WARMUP_S=N  what the slopes leave out at the start (default 120)
#   SOAK_RELOAD_S=N  seconds between reloads (default 30; 0: none, and no
#                    worker kill, so that a worker lives from one link
#                    flap to the next)
#   SOAK_WRAP="CMD"  runs sesamed under CMD (a heap profiler: valgrind
#                    --tool=massif ...); the daemon is then stopped with
#                    SIGTERM at the end so that the tool writes its output
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/e2e/lib.sh"
. "$ROOT/tests/e2e/lib_daemon.sh"

MINUTES=${SOAK_MINUTES:-30}
RELOAD_S=${SOAK_RELOAD_S:-30}
WARMUP=${SOAK_WARMUP_S:-120}
OUT_MD=${SOAK_OUT:-$ROOT/bench/results/soak.md}
OUT_PNG=${OUT_MD%.md}.png
FLOOD=$BIN/bench/flood
BURST=$BIN/bench/udp_burst
for t in "$FLOOD" "$BURST" "$SESAMED" "$SESAME"; do
	[ -x "$t" ] || { echo "soak: $t missing: run make first" >&2; exit 1; }
done
case $MINUTES in ''|*[!0-9]*) echo "soak: SOAK_MINUTES must be a whole number" >&2; exit 1 ;; esac
[ "$MINUTES" -ge 1 ] && [ "$MINUTES" -le 1440 ] || { echo "soak: SOAK_MINUTES 1..1440" >&2; exit 1; }

ns_setup
ns_add_host third 3
ns_add_host loader 4
tcp_service 2222
SRV_MAC=$(ip -n "$SRV_NS" -br link show br0 | awk '{print $3}')

# --- the daemon ----------------------------------------------------------
export HOME=$TMP/home
mkdir -p "$HOME" "$TMP/state"
"$SESAME" keygen --name soak -o "$TMP/soak.key" >"$TMP/spa_keys" 2>/dev/null
chmod 600 "$TMP/spa_keys"
FWK_KEY=$(head -c 32 /dev/urandom | base64 -w0)
FWK_HMAC=$(head -c 32 /dev/urandom | base64 -w0)

write_conf() {  # FILE [broken]
	cat >"$1" <<EOF
[options]
	NftTable      = sesame_soak
	ReplayCache   = $TMP/replay
	StateDir      = $TMP/state
	ControlSocket = $TMP/control
	LogFile       = $TMP/sesamed.log
[knock]
	Sequence     = 7001,7002,7003
	Seq_Timeout  = 15
	Open         = 2222/tcp
	Open_Timeout = 20
[spa]
	SPA_Port     = 62201
	SPA_Keys     = $TMP/spa_keys
	Open         = 2222/tcp
	Open_Timeout = 20
[fwk]
	SPA_Port               = 62202
	SPA_Format             = fwknop
	Fwknop_Key_Base64      = $FWK_KEY
	Fwknop_HMAC_Key_Base64 = $FWK_HMAC
	Open                   = 2222/tcp
	Open_Timeout           = 20
EOF
	[ "${2:-}" = broken ] && printf '[knock]\n\tSequence = 1,2,zero\n' >>"$1"
	return 0
}
write_conf "$TMP/good.conf"
if [ -n "${SOAK_WRAP:-}" ]; then
	# Under a profiler the process names are the tool's: the worker is
	# found as the parent's child whatever it is called.
	printf '#!/bin/sh\nexec %s %q "$@"\n' "$SOAK_WRAP" "$SESAMED" >"$TMP/wrapped-sesamed"
	chmod +x "$TMP/wrapped-sesamed"
	SESAMED=$TMP/wrapped-sesamed
	diag "soak: sesamed under $SOAK_WRAP"
fi
write_conf "$TMP/broken.conf" broken
cp "$TMP/good.conf" "$TMP/sesamed.conf"
[ -n "${SOAK_WRAP:-}" ] && DAEMON_START_S=60
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; exit 1; }
PARENT=$(daemon_pid d)

# The workers: the parent's children called sesamed (under SOAK_WRAP, by
# the tool's name: every child but the short-lived sesamed-nft the parent
# forks for a libnftables script).  There must never be more than one.
workers() {
	local c
	for c in $(pgrep -P "$PARENT"); do
		case $(cat "/proc/$c/comm" 2>/dev/null) in
		sesamed) echo "$c" ;;
		sesamed-nft|'') ;;
		*) [ -n "${SOAK_WRAP:-}" ] && echo "$c" ;;
		esac
	done
}
worker_pid() { workers | head -n 1; }
fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
rss1_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0; }
set_size() {
	in_srv nft -j list set inet sesame_soak "$1" 2>/dev/null |
		python3 -c 'import json,sys
try:
    d = json.load(sys.stdin)
    print(sum(len(x["set"].get("elem", [])) for x in d["nftables"] if "set" in x))
except Exception:
    print(0)'
}

# --- load generators (each bounded by END) ------------------------------
START=$(date +%s)
END=$((START + MINUTES * 60))
left() { echo $((END - $(date +%s))); }

load_knocks() {  # right and wrong sequences from 200 sources each
	local t
	while t=$(left) && [ "$t" -gt 1 ]; do
		[ "$t" -gt 60 ] && t=60
		in_ns "$loader_NS" "$FLOOD" -i eth0 -m "$SRV_MAC" -S 198.19.1.0/24 -s 200 \
			-p 7001,7002,7003 -n $((60 * t)) -r 60 -t "$t" "$SRV4" >/dev/null 2>&1 &
		in_ns "$loader_NS" "$FLOOD" -i eth0 -m "$SRV_MAC" -S 198.19.2.0/24 -s 200 \
			-p 7001,7003,7002 -n $((60 * t)) -r 60 -t "$t" "$SRV4" >/dev/null 2>&1 &
		wait
	done
}
load_noise() {  # random SYNs and garbage UDP to the SPA port
	local t
	while t=$(left) && [ "$t" -gt 1 ]; do
		[ "$t" -gt 60 ] && t=60
		in_ns "$loader_NS" "$FLOOD" -i eth0 -m "$SRV_MAC" -N -S 198.19.3.0/24 \
			-n $((2000 * t)) -r 2000 -t "$t" "$SRV4" >/dev/null 2>&1 &
		in_ns "$loader_NS" "$BURST" -g 128 -n $((200 * t)) -r 200 -t "$t" "$SRV4" 62201 >/dev/null 2>&1 &
		wait
	done
}
load_spa() {  # ~20 a second, native and fwknop in turn, from the loader host
	local i=0
	while [ "$(left)" -gt 1 ]; do
		if ((i++ % 2)); then
			in_ns "$loader_NS" "$SESAME" spa --key "$TMP/soak.key" --open tcp/2222 "$SRV4" >/dev/null 2>&1
		else
			in_ns "$loader_NS" "$SESAME" spa --fwknop --port 62202 --open tcp/2222 \
				--key-base64 "$FWK_KEY" --hmac-key-base64 "$FWK_HMAC" "$SRV4" >/dev/null 2>&1
		fi
		sleep 0.05
	done
}
load_knocks & LOADERS=($!)
load_noise & LOADERS+=($!)
load_spa & LOADERS+=($!)

# --- faults and probes ---------------------------------------------------
most_workers=0 probes=0 probes_ok=0 reloads=0 broken_refused=0 broken_sent=0 flaps=0 killed=0
probe() {
	probes=$((probes + 1))
	in_cli "$SESAME" knock "$SRV4" 7001 7002 7003 >/dev/null 2>&1
	if wait_until 3 reach "$SRV4" 2222 && ! reach "$SRV4" 2222 1 "$third_NS"; then
		probes_ok=$((probes_ok + 1))
	else
		diag "probe $probes failed at +$(( $(date +%s) - START )) s"
	fi
	in_srv nft delete element inet sesame_soak knock_v4 "{ $CLI4 . tcp . 2222 }" 2>/dev/null
}
reload() {
	reloads=$((reloads + 1))
	if ((reloads % 3 == 0)); then
		broken_sent=$((broken_sent + 1))
		event "reload (broken config)"
		cp "$TMP/broken.conf" "$TMP/sesamed.conf"
		local before; before=$(grep -c 'keeping the running config' "$TMP/sesamed.log" 2>/dev/null)
		kill -HUP "$PARENT"
		sleep 1
		local after; after=$(grep -c 'keeping the running config' "$TMP/sesamed.log" 2>/dev/null)
		[ "$after" -gt "$before" ] && broken_refused=$((broken_refused + 1))
		cp "$TMP/good.conf" "$TMP/sesamed.conf"
	else
		event reload
		kill -HUP "$PARENT"
	fi
}

SAMPLES=$TMP/samples.tsv
# Resident kB of each of a process's mappings, summed by name (the heap,
# the stack, anonymous memory, each library), so that a slope can be put
# on the mapping that makes it; and the faults with their times, to read
# a step in a curve against what happened just before it.
MAPS=$TMP/maps.tsv EVENTS=$TMP/events.tsv
printf 't\tproc\tmapping\trss_kb\n' >"$MAPS"
printf 't\tevent\n' >"$EVENTS"
event() { printf '%d\t%s\n' $(( $(date +%s) - START )) "$1" >>"$EVENTS"; }
maps_sample() {  # T PROC PID
	[ -n "$3" ] || return 0
	awk -v t="$1" -v p="$2" '
		/^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6) ? $6 : "[anon]"; next }
		/^Rss:/ { rss[name] += $2 }
		END { for (n in rss) printf "%s\t%s\t%s\t%d\n", t, p, n, rss[n] }' \
		"/proc/$3/smaps" 2>/dev/null >>"$MAPS"
}
printf 't\tparent_rss\tparent_pss\tparent_fds\tparent_cpu\tworker_rss\tworker_pss\tworker_fds\tworker_cpu\tset_v4\tstatedir\treplay_kb\tlog_kb\tlog_lines\tworkers\tworker_pid\tload1\n' >"$SAMPLES"
sample() {
	local t=$(( $(date +%s) - START ))
	local ws; ws=$(workers)
	local w=${ws%%$'\n'*} nw=0
	[ -n "$ws" ] && nw=$(printf '%s\n' "$ws" | wc -l)
	[ "$nw" -gt "$most_workers" ] && most_workers=$nw
	printf '%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"$t" \
		"$(rss1_kb "$PARENT")" "$(pss_kb "$PARENT")" "$(fds "$PARENT")" "$(ticks "$PARENT")" \
		"$(rss1_kb "$w")" "$(pss_kb "$w")" "$(fds "$w")" "$(ticks "$w")" \
		"$(set_size knock_v4)" "$(find "$TMP/state" -type f | wc -l)" \
		"$(( $(stat -c %s "$TMP/replay" 2>/dev/null || echo 0) / 1024 ))" \
		"$(( $(stat -c %s "$TMP/sesamed.log" 2>/dev/null || echo 0) / 1024 ))" \
		"$(lines "$TMP/sesamed.log")" "$nw" "${w:-0}" "$(cut -d' ' -f1 /proc/loadavg)" >>"$SAMPLES"
	maps_sample "$t" parent "$PARENT"
	maps_sample "$t" worker "$w"
}

# Faults at fixed fractions of the run, so a short run still has them all.
total=$((MINUTES * 60))
flap_at=($((total / 5)) $((2 * total / 5)) $((3 * total / 5)) $((4 * total / 5)))
kill_at=$((total / 2))
if [ "$RELOAD_S" -gt 0 ]; then
	diag "soak: $MINUTES min, faults: flaps at ${flap_at[*]} s, worker kill at $kill_at s"
else
	diag "soak: $MINUTES min, faults: flaps at ${flap_at[*]} s, no reload, no kill"
fi
next_sample=0 next_reload=$RELOAD_S next_probe=5
want_kill=1
[ "$RELOAD_S" -gt 0 ] || { next_reload=$((total + 1)); want_kill=0; }
while :; do
	now=$(( $(date +%s) - START ))
	[ "$now" -ge "$total" ] && break
	if ! kill -0 "$PARENT" 2>/dev/null; then diag "sesamed died at +$now s"; break; fi
	[ "$now" -ge "$next_sample" ] && { sample; next_sample=$((next_sample + 10)); }
	[ "$now" -ge "$next_reload" ] && { reload; next_reload=$((next_reload + RELOAD_S)); }
	[ "$now" -ge "$next_probe" ] && { probe; next_probe=$((next_probe + 10)); }
	if [ "$flaps" -lt 4 ] && [ "$now" -ge "${flap_at[$flaps]}" ]; then
		event "link flap"
		in_srv ip link set br0 down; sleep 1; in_srv ip link set br0 up
		flaps=$((flaps + 1))
	fi
	if [ "$want_kill" = 1 ] && [ "$killed" = 0 ] && [ "$now" -ge "$kill_at" ]; then
		w=$(worker_pid)
		if [ -n "$w" ] && kill -9 "$w" 2>/dev/null; then
			killed=1
			event "worker killed"
			# And a reload inside its restart delay (1 s), which must
			# start the one new worker that the delay's end then
			# leaves alone.
			sleep 0.3
			event "reload inside the restart delay"
			kill -HUP "$PARENT"
		fi
	fi
	sleep 1
done
alive=no; kill -0 "$PARENT" 2>/dev/null && alive=yes
kill "${LOADERS[@]}" 2>/dev/null; wait 2>/dev/null
if [ -n "${SOAK_WRAP:-}" ]; then
	kill -TERM "$PARENT" 2>/dev/null
	wait_until 120 not kill -0 "$PARENT" 2>/dev/null
fi

# --- report --------------------------------------------------------------
mkdir -p "$(dirname "$OUT_MD")"
fit=$(python3 "$ROOT/bench/soak_fit.py" "$SAMPLES" "$WARMUP" "$RELOAD_S" "$MAPS")
lps=$(awk -F'\t' -v w="$WARMUP" 'NR > 1 && $1 >= w { if (!t0) { t0 = $1; l0 = $14 } t1 = $1; l1 = $14 }
	END { if (t1 > t0) printf "%.1f", (l1 - l0) / (t1 - t0); else print "n/a" }' "$SAMPLES")
{
	echo "# Soak: $MINUTES minutes ($(date -u +%Y-%m-%d), $(nproc) cores)"
	echo
	echo "Load: ~20 right + ~20 wrong knock sequences/s (200 sources each), ~20 SPA/s"
	echo "(native and fwknop), 200 garbage UDP/s, 2,000 random SYN/s. Faults:"
	if [ "$RELOAD_S" -gt 0 ]; then
		echo "SIGHUP every $RELOAD_S s ($reloads, $broken_sent with a broken config, $broken_refused of"
		echo "them refused), $flaps link flaps, $killed kill -9 of the worker with a SIGHUP 0.3 s"
		echo "later, inside its restart delay."
	else
		echo "$flaps link flaps; no reload and no kill: a worker is replaced only when the"
		echo "capture interface comes back after a flap."
	fi
	echo
	echo "- sesamed still running at the end: $alive"
	echo "- correctness probes: $probes_ok / $probes"
	echo "- most workers at once in a sample: $most_workers"
	echo "- log lines per second after the warm-up: $lps"
	echo
	echo "Slopes per hour after the first $WARMUP s (least squares over the 10 s samples,"
	echo "ending after a whole number of reload periods; RSS and PSS in kB, CPU in clock"
	echo "ticks, sizes in kB):"
	echo
	echo "$fit"
	echo
	echo "![RSS over time]($(basename "$OUT_PNG"))"
} >"$OUT_MD"
cp "$SAMPLES" "${OUT_MD%.md}.tsv"
gzip -9 -c "$MAPS" >"${OUT_MD%.md}.maps.tsv.gz"
cp "$EVENTS" "${OUT_MD%.md}.events.tsv"
if command -v gnuplot >/dev/null; then
	gnuplot <<EOF 2>/dev/null
set terminal pngcairo size 900,480 noenhanced
set output "$OUT_PNG"
set title "sesamed RSS under the soak load"
set xlabel "minutes"; set ylabel "RSS (MiB)"; set key top left; set grid
set datafile separator "\t"
plot "$SAMPLES" using (\$1/60):(\$2/1024) skip 1 with lines lw 2 title "parent", \
     "" using (\$1/60):(\$6/1024) skip 1 with lines lw 2 title "worker"
EOF
fi
cat "$OUT_MD"
[ "$alive" = yes ] && [ "$probes_ok" = "$probes" ] && [ "$most_workers" -le 1 ]
