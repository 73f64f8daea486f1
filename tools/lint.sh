#!/usr/bin/env bash
# lint.sh: static checks that make check runs before the tests.
#   - cppcheck over every C source (warnings are errors)
#   - clang-tidy over fdclose's own sources, with the checks .clang-tidy
#     chooses (and says why it leaves some out); every warning an error
#   - clang -fsyntax-only with the project's warnings (gcc builds it already)
#   - the man page renders without warnings and has the usual sections
#   - --help, the man page and README.md name the same options
#   - every JSON field the code emits is described under --json in the man page
#   - the bash completion offers exactly the options of --help and the
#     methods fdclose accepts
#   - no architecture #ifdef outside arch/
set -u
cd "$(dirname "$0")/.." || exit 99
failed=0
fail() { echo "lint: $*" >&2; failed=1; }

SRCS=$(ls fdclose.c common/*.c proc/*.c scan/*.c injector/*.c cli/*.c arch/*.c fixtures/*.c)
CFLAGS_LINT="-I. -D_GNU_SOURCE $(pkg-config --cflags capstone libunwind-ptrace) \
-Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 -Wshadow \
-Wpointer-arith -Wvla"

if command -v cppcheck >/dev/null; then
	cppcheck -q --enable=warning,performance,portability --error-exitcode=1 \
		--inline-suppr -I. -D_GNU_SOURCE --suppress=missingIncludeSystem \
		$SRCS tests/unit/*.c tests/unit/arch/*.c tests/fuzz/*.c || fail "cppcheck found problems"
else
	fail "cppcheck is missing (make deps installs it)"
fi

if command -v clang >/dev/null; then
	for f in $SRCS; do
		clang $CFLAGS_LINT -fsyntax-only "$f" || fail "clang: $f"
	done
else
	fail "clang is missing (make deps installs it)"
fi

# One process per core: clang-tidy's analyzer takes ~1 s of CPU a file.
PRODUCT_SRCS=$(ls fdclose.c common/*.c scan/*.c injector/*.c cli/*.c arch/*.c proc/*.c 2>/dev/null)
if command -v clang-tidy >/dev/null; then
	# Quiet unless it finds something ("N warnings generated" counts
	# diagnostics in system headers too).
	# shellcheck disable=SC2016 # $@ and $out are the inner shell's
	printf '%s\n' $PRODUCT_SRCS | xargs -P "$(nproc)" -n 4 sh -c \
		'out=$(clang-tidy -quiet "$@" -- '"$CFLAGS_LINT"' 2>&1) && exit 0
		printf "%s\n" "$out"; exit 1' sh ||
		fail "clang-tidy found problems (checks: .clang-tidy)"
else
	fail "clang-tidy is missing (make deps installs it)"
fi

# The sections a man page of section 8 has, in this order (others between).
sections=$(sed -n 's/^\.SH "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' man/fdclose.8 |
	grep -xE 'NAME|SYNOPSIS|DESCRIPTION|OPTIONS|EXIT STATUS|ENVIRONMENT|FILES|EXAMPLES|SEE ALSO' | paste -sd,)
[ "$sections" = "NAME,SYNOPSIS,DESCRIPTION,OPTIONS,EXIT STATUS,ENVIRONMENT,FILES,EXAMPLES,SEE ALSO" ] ||
	fail "man page sections: $sections"
for ref in 'ss (8)' 'lsof (8)' 'gdb (1)'; do
	sed -n '/^\.SH SEE ALSO/,$p' man/fdclose.8 | grep -q "^\.BR ${ref% *} ${ref#* }" ||
		fail "man page: SEE ALSO lacks ${ref/ /}"
done

warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l man/fdclose.8 2>&1 >/dev/null)
[ -z "$warnings" ] || fail "man page: $warnings"

help=$(./fdclose --help 2>/dev/null) || fail "./fdclose --help failed"
for opt in $(grep -o '{ "[a-z-]*", ' fdclose.c | grep -o '"[a-z-]*"' | tr -d '"'); do
	grep -q -- "--$opt" <<<"$help" || fail "--$opt is missing from --help"
	grep -q -- "\\\\-\\\\-$(sed 's/-/\\\\-/g' <<<"$opt")" man/fdclose.8 ||
		fail "--$opt is missing from man/fdclose.8"
	grep -q -- "--$opt" README.md || fail "--$opt is missing from README.md"
done

# complete WORD...: what completion/fdclose.bash offers for the line
# "fdclose WORD...", one entry a line, run as bash-completion runs it.
BASH_COMPLETION=/usr/share/bash-completion/bash_completion
complete_line() {
	bash --norc --noprofile -c '. "$1" && . completion/fdclose.bash || exit 1
		shift
		COMP_WORDS=(fdclose "$@")
		COMP_CWORD=$#
		COMP_LINE="fdclose $*"
		COMP_POINT=${#COMP_LINE}
		_fdclose fdclose "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' bash "$BASH_COMPLETION" "$@"
}
if [ -r "$BASH_COMPLETION" ]; then
	want=$(grep -oE '^ +(-[a-zA-Z], )?--[a-z-]+' <<<"$help" | grep -oE -- '-?-[a-zA-Z-]+' | sort)
	got=$(complete_line - | sort)
	[ "$want" = "$got" ] || fail "completion/fdclose.bash and --help differ in options:"$'\n'"$(
		diff <(echo "$want") <(echo "$got") | grep '^[<>]')"
	# fdclose names its methods in the usage error for an unknown one.
	want=$(./fdclose --method=? 1 1 2>&1 | sed -n 's/.*--method takes \(.*\), not .*/\1/p' | tr -d , | tr ' ' '\n')
	[ -n "$want" ] || fail "./fdclose --method=? no longer names the methods"
	got=$(complete_line --method '')
	[ "$want" = "$got" ] || fail "completion/fdclose.bash offers methods '${got//$'\n'/ }', fdclose takes '${want//$'\n'/ }'"
else
	fail "$BASH_COMPLETION is missing (make deps installs bash-completion)"
fi

# Every JSON field the code emits is named in the man page's description of
# --json (and the HARDENED/BACKTRACE prose does not count: only the OPTIONS
# section, from -j to the next option).
json_doc=$(awk '/^\.BR \\-j ", " \\-\\-json/ { on = 1 } on && /^\.TP$/ && seen++ { exit } on' man/fdclose.8
	awk '/^\.B \\-\\-backtrace$/ { on = 1 } on && /^\.TP$/ { exit } on' man/fdclose.8)
for key in $(grep -ohE 'json_(add_(str|i64|u64|bool|null)|array_begin|object_begin)\(&?j, "[a-z_]+"' cli/*.c |
	sed 's/.*"\(.*\)"/\1/' | sort -u); do
	[ "$key" = type ] && continue
	grep -qw -- "$key" <<<"$json_doc" || fail "JSON field '$key' is emitted but not described under --json (or --backtrace) in man/fdclose.8"
done

if grep -nE '#\s*if.*(__x86_64__|__i386__|__aarch64__|__arm__|__riscv|__powerpc)' \
	common scan injector cli fdclose.c -r; then
	fail "architecture #ifdef outside arch/"
fi

[ "$failed" -eq 0 ] && echo "lint: ok"
exit "$failed"
