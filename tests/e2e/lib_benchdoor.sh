# SPDX-License-Identifier: GPL-2.0-or-later
# tests/e2e/lib_benchdoor.sh — the one knock door of the benchmarks and the
# flood test (7001,7002,7003 -> 2222/tcp), written for each daemon so that
# they are compared on the very same door.  Source after lib.sh.
#
#   benchdoor_conf KIND FILE SETS [OPTION...]
#     KIND gate:   sesamed with its native gate (Open = 2222/tcp)
#          cmd:    sesamed with Start_Command adding %IP% to the sets
#                  open4/open6 of nft table `inet SETS`
#          knockd: the same commands, as a knockd.conf
#     OPTION: more [options] lines for sesamed ("StateLimit = 1024")
benchdoor_conf() {
	local kind=$1 file=$2 sets=$3; shift 3
	{
		echo "[options]"
		if [ "$kind" = knockd ]; then
			printf '\t%s\n' "LogFile = $TMP/knockd.log" "PidFile = $TMP/knockd.pid" \
				"Interface = $SRV_IF"
		else
			printf '\t%s\n' "StateDir = $TMP/state" "ReplayCache = $TMP/replay" \
				"ControlSocket = $TMP/control" "$@"
		fi
		printf '[door]\n\tSequence = 7001,7002,7003\n\tSeq_Timeout = 5\n\tTCPFlags = syn\n'
		if [ "$kind" = gate ]; then
			printf '\tOpen = 2222/tcp\n\tOpen_Timeout = 60\n'
		else
			printf '\tStart_Command = nft add element inet %s open4 { %%IP%% }\n' "$sets"
			printf '\tStart_Command_6 = nft add element inet %s open6 { %%IP%% }\n' "$sets"
		fi
	} >"$file"
}
