#!/usr/bin/env bash
# lint.sh: static checks that make check runs before the tests.
#   - cppcheck over every C source (warnings are errors)
#   - clang -fsyntax-only with the project's warnings (gcc builds it already)
#   - the man page renders without warnings
#   - --help, the man page and README.md name the same options
#   - no architecture #ifdef outside arch/
set -u
cd "$(dirname "$0")/.." || exit 99
failed=0
fail() { echo "lint: $*" >&2; failed=1; }

SRCS=$(ls fdclose.c common/*.c scan/*.c injector/*.c cli/*.c arch/*.c fixtures/*.c)
CFLAGS_LINT="-I. -D_GNU_SOURCE $(pkg-config --cflags capstone libunwind-ptrace) \
-Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 -Wshadow \
-Wpointer-arith -Wvla -Wno-format-nonliteral"

if command -v cppcheck >/dev/null; then
	cppcheck -q --enable=warning,performance,portability --error-exitcode=1 \
		--inline-suppr -I. -D_GNU_SOURCE --suppress=missingIncludeSystem \
		$SRCS tests/unit/*.c || fail "cppcheck found problems"
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

warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l man/fdclose.8 2>&1 >/dev/null)
[ -z "$warnings" ] || fail "man page: $warnings"

help=$(./fdclose --help 2>/dev/null) || fail "./fdclose --help failed"
for opt in $(grep -o '{ "[a-z-]*", ' fdclose.c | grep -o '"[a-z-]*"' | tr -d '"'); do
	grep -q -- "--$opt" <<<"$help" || fail "--$opt is missing from --help"
	grep -q -- "\\\\-\\\\-$(sed 's/-/\\\\-/g' <<<"$opt")" man/fdclose.8 ||
		fail "--$opt is missing from man/fdclose.8"
	grep -q -- "--$opt" README.md || fail "--$opt is missing from README.md"
done

if grep -nE '#\s*if.*(__x86_64__|__i386__|__aarch64__|__arm__|__riscv|__powerpc)' \
	common scan injector cli fdclose.c -r; then
	fail "architecture #ifdef outside arch/"
fi

[ "$failed" -eq 0 ] && echo "lint: ok"
exit "$failed"
