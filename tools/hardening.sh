#!/usr/bin/env bash
# hardening.sh [BINARY]: checks that fdclose (default ./fdclose, as make
# builds it) still has every hardening make gives it, and fails naming the
# one that was lost:
#   - the Makefile's flags: -D_FORTIFY_SOURCE=3, -fstack-protector-strong,
#     -fstack-clash-protection, -fcf-protection (x86), -z relro -z now;
#   - every compilation unit of fdclose's own sources was compiled with
#     the three -f flags (DW_AT_producer of its DWARF);
#   - our code calls fortified libc functions (__*_chk, named in its DWARF)
#     and has stack-clash probes;
#   - full RELRO: a GNU_RELRO segment over .got, .got.plt, .data.rel.ro and
#     the init/fini arrays, and nothing bound lazily (a static binary has no
#     dynamic section; a dynamic one must say BIND_NOW); no executable stack.
# Debian's hardening-check (devscripts) is run too, for its report: it
# reads a dynamic binary's imports, so on a static, non-PIE one it cannot
# see the stack protector, fortify or stack-clash code (checked here
# instead), and PIE and BIND_NOW do not apply (see the Makefile).  Only its
# "Read-only relocations" verdict is required.  The binary's IBT/SHSTK
# note is reported, not required: Debian 12's libc.a, libcapstone.a and
# libunwind.a carry none, so a static link cannot have it.
set -u
cd "$(dirname "$0")/.." || exit 99
bin=${1:-fdclose}
failed=0
fail() { echo "hardening: $bin: $*" >&2; failed=1; }
[ -x "$bin" ] || { echo "hardening: $bin is not built" >&2; exit 1; }

flags=$(make -s --no-print-directory hardening-flags) || exit 99
arch=$(sed -n 's/^ARCH=//p' <<<"$flags")
want_f="-fstack-protector-strong -fstack-clash-protection"
case $arch in x86_64 | i?86) want_f="$want_f -fcf-protection" ;; esac
for f in -D_FORTIFY_SOURCE=3 $want_f; do
	grep -q -- "^CFLAGS=.* $f\( \|$\)" <<<"$flags" || fail "the Makefile no longer compiles with $f"
done
grep -q -- '^LDFLAGS=.*-z,relro,-z,now' <<<"$flags" || fail "the Makefile no longer links with -z relro -z now"

# Each unit of our own sources, with the flags it was compiled with.
units=$(readelf --debug-dump=info --dwarf-depth=1 "$bin" 2>/dev/null | awk '
	/DW_AT_producer/ { sub(/.*: /, ""); producer = $0 }
	/DW_AT_name/ { sub(/.*: /, ""); print $0 "\t" producer }' |
	grep -E '^(fdclose\.c|(common|scan|injector|cli|arch|proc)/[^/]*\.c)	')
nsrc=$(ls fdclose.c common/*.c scan/*.c injector/*.c cli/*.c arch/"$arch".c proc/*.c 2>/dev/null | wc -l)
[ "$(wc -l <<<"$units")" -ge "$nsrc" ] ||
	fail "has debug info for $(wc -l <<<"$units") of our $nsrc sources (built without -g?)"
for f in $want_f; do
	lost=$(grep -v -- " $f" <<<"$units" | cut -f1 | paste -sd' ')
	[ -z "$lost" ] || fail "compiled without $f: $lost"
done

# Our code's calls to fortified functions: libc's own objects carry no
# DWARF, so every __*_chk the debug info names is called from our units.
nchk=$(readelf --debug-dump=info "$bin" 2>/dev/null | grep -E 'DW_AT_name.*: __[a-z_]+_chk$' |
	sed 's/.*: //' | sort -u | wc -l)
[ "$nchk" -ge 3 ] || fail "our code calls $nchk fortified libc functions (__*_chk): _FORTIFY_SOURCE is off"
syms=$(nm "$bin" 2>/dev/null)
grep -q ' T __stack_chk_fail$' <<<"$syms" || fail "has no __stack_chk_fail: no stack protector"
disasm=$(objdump -d --no-show-raw-insn "$bin")
grep -qE 'or[q]?[[:space:]]+\$0x0,(0x[0-9a-f]+)?\(%rsp\)' <<<"$disasm" ||
	fail "has no stack-clash probe (or \$0x0,(%rsp)) where a frame exceeds a page"

headers=$(readelf -lW "$bin")
relro=$(awk '$1 == "GNU_RELRO" { print $3, $6 }' <<<"$headers")
[ -n "$relro" ] || fail "has no GNU_RELRO segment"
awk '$1 == "GNU_STACK" { exit $7 ~ /E/ ? 0 : 1 }' <<<"$headers" && fail "has an executable stack"
if [ -n "$relro" ]; then
	read -r start relro_size <<<"$relro"
	start=$((start))
	outside=
	while read -r name _ addr _ size _; do
		case $name in
		.got | .got.plt | .data.rel.ro | .init_array | .fini_array) ;;
		*) continue ;;
		esac
		[ $((0x$addr)) -ge $((start)) ] && [ $((0x$addr + 0x$size)) -le $((start + relro_size)) ] ||
			outside="$outside $name"
	done < <(readelf -SW "$bin" | sed -n 's/^ *\[ *[0-9]*\] *//p')
	[ -z "$outside" ] || fail "not under RELRO: $outside (partial RELRO)"
fi
dynamic=$(readelf -dW "$bin")
if grep -q 'There is no dynamic section' <<<"$dynamic"; then
	binding="static: nothing is bound lazily"
else
	grep -qE '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW' <<<"$dynamic" || fail "binds lazily (no BIND_NOW)"
	binding="BIND_NOW"
fi
cet=$(readelf -n "$bin" | grep -q 'x86 feature: IBT, SHSTK' && echo "IBT, SHSTK" ||
	echo "none (Debian 12's static libraries carry none)")

if command -v hardening-check >/dev/null; then
	report=$(hardening-check "$bin" 2>&1)
	echo "$report" | sed 's/^/hardening: hardening-check: /'
	grep -q 'Read-only relocations: yes' <<<"$report" || fail "hardening-check: no read-only relocations"
else
	fail "hardening-check is missing (make deps installs devscripts)"
fi
[ "$failed" -eq 0 ] || exit 1
echo "hardening: ok: $bin: fortify (level 3; $nchk distinct __*_chk called), stack protector, stack-clash probes," \
	"full RELRO ($binding), non-executable stack; all $nsrc sources compiled with" \
	"$(sed 's/ -/, -/g' <<<"$want_f"); CET note: $cet"
