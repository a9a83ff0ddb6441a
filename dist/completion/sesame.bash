# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for sesame(1) and sesamed(8).  Installed as
# completions/sesame, with completions/sesamed a link to it, so that
# bash-completion loads it on demand for either command.

_sesame_doors()
{
	# Door names of the config given with -c/--config (or the default).
	local conf=/etc/sesame/sesamed.conf i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		-c | --config) conf=${COMP_WORDS[i + 1]} ;;
		esac
	done
	[[ -r $conf ]] || return
	sed -n 's/^[[:space:]]*\[\([^]]*\)\].*/\1/p' "$conf" 2>/dev/null |
		grep -vix options
}

_sesame()
{
	local cur prev words cword
	_init_completion || return

	local cmds="knock spa keygen rules status revoke"
	if ((cword == 1)); then
		COMPREPLY=($(compgen -W "$cmds -h --help -V --version" -- "$cur"))
		return
	fi

	local cmd=${words[1]}
	case $cmd in
	knock)
		case $prev in
		-d | --delay) return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-u --udp -d --delay -4 --ipv4 -6 --ipv6
				-v --verbose -V --version -h --help" -- "$cur"))
		else
			_known_hosts_real -- "$cur"
		fi
		;;
	spa)
		case $prev in
		--key) _filedir key; return ;;
		--port | -p | --open | --allow | --time-offset | --key-base64 | \
			--hmac-key-base64)
			return ;;
		--hmac-digest)
			COMPREPLY=($(compgen -W "md5 sha1 sha256 sha384 sha512
				sha3_256 sha3_512" -- "$cur"))
			return ;;
		esac
		if [[ $cur == -* ]]; then
			if [[ " ${words[*]} " == *" --fwknop "* ]]; then
				COMPREPLY=($(compgen -W "--key-base64 --hmac-key-base64
					--hmac-digest --open --allow --source --port -4 -6
					-v -h --help" -- "$cur"))
			else
				COMPREPLY=($(compgen -W "--fwknop --key --port --open
					--allow -4 -6 -v --verbose -h --help" -- "$cur"))
			fi
		else
			_known_hosts_real -- "$cur"
		fi
		;;
	keygen)
		case $prev in
		-o | --output) _filedir; return ;;
		-n | --name) return ;;
		esac
		COMPREPLY=($(compgen -W "-n --name -o --output --fleet -h --help" -- "$cur"))
		;;
	rules)
		case $prev in
		-c | --config) _filedir conf; return ;;
		--format) COMPREPLY=($(compgen -W "nft iptables" -- "$cur")); return ;;
		--family) COMPREPLY=($(compgen -W "4 6" -- "$cur")); return ;;
		--open | --timeout | --table) return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--format --family -c --config --open
				--timeout --table -h --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_sesame_doors)" -- "$cur"))
		fi
		;;
	status)
		case $prev in
		-s | --socket) _filedir; return ;;
		-f | --format) COMPREPLY=($(compgen -W "text json prometheus" -- "$cur")); return ;;
		esac
		COMPREPLY=($(compgen -W "-s --socket -j --json -f --format -h --help" -- "$cur"))
		;;
	revoke)
		case $prev in
		-s | --socket) _filedir; return ;;
		-d | --door) COMPREPLY=($(compgen -W "$(_sesame_doors)" -- "$cur")); return ;;
		esac
		COMPREPLY=($(compgen -W "-a --all -d --door -s --socket -h --help" -- "$cur"))
		;;
	esac
} &&
	complete -F _sesame sesame

_sesamed()
{
	local cur prev words cword
	_init_completion || return

	case $prev in
	-c | --config) _filedir conf; return ;;
	-p | --pidfile) _filedir pid; return ;;
	-g | --logfile) _filedir log; return ;;
	-i | --interface) _available_interfaces; return ;;
	esac
	COMPREPLY=($(compgen -W "-i --interface -d --daemon -c --config -D
		--debug -l --lookup -4 --only-ip-v4 -v --verbose -p --pidfile
		-g --logfile -t --check --dump-config --remove-gate -V --version
		-h --help" \
		-- "$cur"))
} &&
	complete -F _sesamed sesamed
