# shellcheck shell=bash
# bash completion for fdclose(8), for bash-completion's _init_completion
# (Debian: /usr/share/bash-completion/completions/fdclose).  It completes
# the options, the values of --method, pids with their command names, and
# the fds of the pid already typed, CLOSE_WAIT sockets first.
# tools/lint.sh checks the options and methods against ./fdclose itself.

# _fdclose_value_next WORD: WORD is an option whose value is the next word
# (--method, -m, or a cluster of short options ending in one: -nm).
_fdclose_value_next()
{
	local s head
	case $1 in
	--method | --timeout | --settle | --max-pause | --pid | --port | \
		--local | --remote | --comm | --uid | --older-than | --format | \
		--textfile | --watch)
		return 0
		;;
	--*) return 1 ;;
	-?*)
		s=${1#-}
		head=${s%%[mtpP]*}
		[[ ${#head} -eq $((${#s} - 1)) ]]
		return
		;;
	esac
	return 1
}

# _fdclose_pids: every pid that starts with $cur, as "PID (comm)" so that the
# list shows what each one is; a single match is the bare pid, inserted as is.
_fdclose_pids()
{
	local d pid comm
	COMPREPLY=()
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		[[ $pid == "$cur"* ]] || continue
		# A process that has just exited is passed over.
		{ read -r comm <"$d/comm"; } 2>/dev/null || continue
		COMPREPLY+=("$pid ($comm)")
	done
	((${#COMPREPLY[@]} == 1)) && COMPREPLY=("${COMPREPLY[0]%% *}")
	return 0
}

# _fdclose_fds PID TYPED: the fds of PID that start with $cur and are not
# among TYPED (the fds already on the line), those that are TCP sockets in
# CLOSE_WAIT (state 08 in the tcp tables of PID's own network namespace)
# first, each group in numeric order.
_fdclose_fds()
{
	local pid=$1
	[[ $pid == +([0-9]) && -d /proc/$pid/fd ]] || return 0
	mapfile -t COMPREPLY < <({
		cat "/proc/$pid/net/tcp" "/proc/$pid/net/tcp6"
		find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 -printf 'fd %f %l\n'
	} 2>/dev/null | awk -v typed=" $2 " -v cur="$cur" '
		$1 == "fd" {
			if ($2 ~ /^[0-9]+$/ && index($2, cur) == 1 &&
			    index(typed, " " $2 " ") == 0)
				print (($3 in cw) ? 0 : 1), $2
			next
		}
		$4 == "08" { cw["socket:[" $10 "]"] = 1 }' |
		sort -k1,1n -k2,2n | cut -d' ' -f2)
	# Keep that order in the list bash shows.
	compopt -o nosort
	return 0
}

_fdclose()
{
	local cur prev words cword split
	_init_completion -s || return

	local opts='-a --all-closewait -l --list -n --dry-run -f --force
		-m --method -j --json --settle --include-dead --backtrace -t --timeout
		--max-pause --no-syslog -v --verbose -q --quiet -h --help
		-V --version -p --pid -P --port --local --remote --comm --uid --older-than
		--format --textfile --watch'
	local opt=$prev
	# The value of -m in a cluster such as -nm is -m's.
	[[ $prev == -[!-]* ]] && _fdclose_value_next "$prev" && opt=-${prev: -1}
	case $opt in
	-m | --method)
		mapfile -t COMPREPLY < <(compgen -W 'close replace shutdown' -- "$cur")
		return
		;;
	--format)
		mapfile -t COMPREPLY < <(compgen -W 'table json prometheus' -- "$cur")
		return
		;;
	--textfile)
		_filedir -d
		return
		;;
	-p | --pid)
		_fdclose_pids
		return
		;;
	--comm)
		_pnames
		return
		;;
	-t | --timeout | --settle | --max-pause | -P | --port | --local | \
		--remote | --uid | --older-than | --watch)
		return
		;;
	esac
	# --OPTION=VALUE of an option that takes none.
	$split && return

	# The operands so far: a PID, then FDs; --list, --all-closewait and
	# --watch take none.
	local i w pid='' typed='' sweep='' ended=''
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		if [[ -z $ended ]]; then
			case $w in
			--) ended=1; continue ;;
			--all-closewait | --list | --watch=*) sweep=1; continue ;;
			--watch) sweep=1; ((i++)); continue ;;
			-[!-]*)
				# -a or -l, alone or in a cluster (-nl), before any
				# letter that takes the rest as its value.
				w=${w#-}
				[[ ${w%%[mtpP]*} == *[al]* ]] && sweep=1
				w=-$w
				;;
			esac
			if [[ $w == -?* ]]; then
				_fdclose_value_next "$w" && ((i++))
				continue
			fi
		fi
		if [[ -z $pid ]]; then
			pid=$w
		else
			typed+=" $w"
		fi
	done

	if [[ $cur == -* && -z $ended ]] || [[ $sweep ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
	elif [[ -z $pid ]]; then
		_fdclose_pids
	else
		_fdclose_fds "$pid" "$typed"
	fi
} &&
	complete -F _fdclose fdclose
