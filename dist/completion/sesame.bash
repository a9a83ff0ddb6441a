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

_sesame_profiles()
{
	# Profile names of the client config given with -F/--config (or the
	# default), then the stanzas of ~/.fwknoprc.
	local conf=${XDG_CONFIG_HOME:-$HOME/.config}/sesame/client.conf i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		-F | --config) conf=${COMP_WORDS[i + 1]} ;;
		esac
	done
	local f
	for f in "$conf" "$HOME/.fwknoprc"; do
		[[ -r $f ]] &&
			sed -n 's/^[[:space:]]*\[\([^]]*\)\].*/\1/p' "$f" 2>/dev/null
	done | grep -vx default
}

_sesame()
{
	local cur prev words cword
	_init_completion || return

	local cmds="knock spa keygen rules status revoke open connect sequence"
	if ((cword == 1)); then
		COMPREPLY=($(compgen -W "$cmds -h --help -V --version" -- "$cur"))
		return
	fi

	local cmd=${words[1]}
	case $cmd in
	knock)
		case $prev in
		--secret-file | --one-time | --services) _filedir; return ;;
		--protocols) COMPREPLY=($(compgen -W "tcp udp mixed" -- "$cur")); return ;;
		-d | --delay | --door | --length | --period | --ports | --exclude | \
			--bind-address | --time-offset)
			return ;;
		esac
		if [[ $cur == -* ]]; then
			if [[ " ${words[*]} " == *" --secret-file "* ]]; then
				COMPREPLY=($(compgen -W "--door --length --period
					--protocols --ports --exclude --services
					--bind-address --time-offset --test -d --delay
					-4 --ipv4 -6 --ipv6 -v --verbose -h --help" -- "$cur"))
			elif [[ " ${words[*]} " == *" --one-time "* ]]; then
				COMPREPLY=($(compgen -W "--test -d --delay -4 --ipv4
					-6 --ipv6 -v --verbose -h --help" -- "$cur"))
			else
				COMPREPLY=($(compgen -W "-u --udp -d --delay -4 --ipv4
					-6 --ipv6 -v --verbose --test --secret-file
					--one-time -V --version -h --help" -- "$cur"))
			fi
		else
			_known_hosts_real -- "$cur"
		fi
		;;
	spa)
		case $prev in
		--key | -k) _filedir key; return ;;
		--key-file | --hmac-key-file) _filedir; return ;;
		--port | -p | --open | --allow | --time-offset | --key-base64 | \
			--hmac-key-base64 | --door | --door-port)
			return ;;
		--protocol)
			COMPREPLY=($(compgen -W "1 2" -- "$cur"))
			return ;;
		--hmac-digest)
			COMPREPLY=($(compgen -W "md5 sha1 sha256 sha384 sha512
				sha3_256 sha3_512" -- "$cur"))
			return ;;
		esac
		if [[ $cur == -* ]]; then
			if [[ " ${words[*]} " == *" --fwknop "* ]]; then
				COMPREPLY=($(compgen -W "--key-file --hmac-key-file
					--key-base64 --hmac-key-base64 --hmac-digest --open
					--allow --source --port --test -4 -6 -v -h --help" \
					-- "$cur"))
			else
				COMPREPLY=($(compgen -W "--fwknop --key --port --door
					--door-port --open --allow --protocol --time-offset --test
					-4 -6 -v --verbose
					-h --help" -- "$cur"))
			fi
		else
			_known_hosts_real -- "$cur"
		fi
		;;
	keygen)
		case $prev in
		-o | --output) _filedir; return ;;
		-n | --name | --sequence) return ;;
		esac
		COMPREPLY=($(compgen -W "-n --name -o --output --sequence --fleet -h --help" -- "$cur"))
		;;
	open | connect)
		case $prev in
		-F | --config) _filedir conf; return ;;
		-k | --key) _filedir key; return ;;
		--key-file | --hmac-key-file | --secret-file | --one-time) _filedir; return ;;
		-w | --wait | --open | --allow | -p | --port | -d | --delay | --door) return ;;
		esac
		if [[ $cur == -* ]]; then
			if [[ $cmd == open ]]; then
				COMPREPLY=($(compgen -W "-F --config --test -4 -6 -k --key
					--key-file --hmac-key-file --open --allow -p --port
					-d --delay --secret-file --door --one-time
					-v --verbose -V --version -h --help" -- "$cur"))
			else
				COMPREPLY=($(compgen -W "-F --config -4 -6 -w --wait
					-V --version -h --help" -- "$cur"))
			fi
		else
			COMPREPLY=($(compgen -W "$(_sesame_profiles)" -- "$cur"))
		fi
		;;
	sequence)
		case $prev in
		-n | --count) return ;;
		esac
		COMPREPLY=($(compgen -W "-n --count -u --udp -V --version -h --help" -- "$cur"))
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
