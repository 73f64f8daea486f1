#!/usr/bin/env bash
# hotpaths.sh: writes arch/x86_64_layout.ld, the linker script that puts the
# library code fdclose runs next to fdclose's own, so a run faults in a few
# 64 kB windows of text instead of one for each scattered libc function.
# On this project's test host a page fault costs 10-16 us and each fault
# maps one such window: fdclose PID FD took 16 text faults before, 6 after.
#
#   tools/hotpaths.sh            regenerate the script (as root: it runs
#                                fdclose on fixtures of its own, in a pid
#                                and network namespace of its own)
#   tools/hotpaths.sh --check [BINARY]
#                                fail when BINARY (default ./fdclose) lost
#                                the layout: no .text.hot_paths, or one under
#                                half the size the script was made for (a
#                                libc whose objects have other names).
#
# How: tools/stepper.c single-steps fdclose through a close by hand (text
# and --json), --list, --all-closewait and --version, and records each
# instruction run.  The link map names the archive member and section each
# address came from; every member section of a static library that ran is
# listed.  fdclose's own objects come first in .text anyway.  A pattern that
# matches nothing (another libc) is ignored by the linker: the build never
# depends on the list being current, only its speed does.
set -euo pipefail
w=
cd "$(dirname "$0")/.."
ARCH=$(uname -m)
SCRIPT=arch/${ARCH}_layout.ld

die() { echo "hotpaths: $*" >&2; exit 1; }

hot_size() {
	local size
	size=$(readelf -SW "$1" | sed 's/^ *\[ *[0-9]*\]//' | awk '$1 == ".text.hot_paths" { print $5 }')
	[ -z "$size" ] || echo $((16#$size))
}

check() {
	local bin=${1:-fdclose} want have
	[ -f "$SCRIPT" ] || { echo "hotpaths: no $SCRIPT for $ARCH: nothing to check"; return 0; }
	[ -x "$bin" ] || die "$bin is not built"
	want=$(sed -n 's/^ \* hot bytes: \([0-9]*\).*/\1/p' "$SCRIPT")
	[ -n "$want" ] || die "$SCRIPT says no hot byte count"
	have=$(hot_size "$bin")
	[ -n "$have" ] || die "$bin has no .text.hot_paths: the Makefile no longer links with $SCRIPT"
	[ "$have" -ge $((want / 2)) ] ||
		die "$bin's .text.hot_paths holds $have bytes of the $want $SCRIPT was made for: this libc's objects have other names; run tools/hotpaths.sh"
	echo "hotpaths: $bin: .text.hot_paths holds $have bytes ($SCRIPT was made for $want)"
}

# In the namespaces: a fixture, then each command under the stepper.
run_commands() {
	local w=$1 bin pid fds lo hi size
	bin=$w/fdclose
	ip link set lo up
	build/fixtures/cwfix --ctl "$w/ctl" --ready "$w/ready" --mode accept --closewait 6 \
		--lifetime 120 </dev/null >"$w/cwfix.log" 2>&1 &
	for _ in $(seq 100); do grep -q '^closewait' "$w/ready" 2>/dev/null && break; sleep 0.1; done
	pid=$(awk '$1 == "pid" { print $2 }' "$w/ready")
	read -r -a fds <<<"$(awk '$1 == "closewait" { $1 = ""; print }' "$w/ready")"
	[ -n "$pid" ] && [ "${#fds[@]}" -ge 3 ] || die "the fixture did not start: $(cat "$w/cwfix.log")"
	read -r lo size < <(readelf -lW "$bin" | awk '$1 == "LOAD" && / R E / { print $3, $6 }')
	hi=$(printf '0x%x' $((lo + size)))
	step() { "$w/stepper" "$lo" "$hi" "$w/rips" "$bin" "$@"; }
	step --version >/dev/null || die "fdclose --version failed"
	step --no-syslog "$pid" "${fds[0]}" >"$w/out" 2>&1 || die "close: $(cat "$w/out")"
	step --json --no-syslog "$pid" "${fds[1]}" >"$w/out" 2>&1 || die "close --json: $(cat "$w/out")"
	step --list >"$w/out" 2>&1 || die "--list: $(cat "$w/out")"
	step --list --json >"$w/out" 2>&1 || die "--list --json: $(cat "$w/out")"
	step --all-closewait --no-syslog >"$w/out" 2>&1 || die "--all-closewait: $(cat "$w/out")"
}

# Link map + addresses run -> one linker-script line per library section that ran.
sections_run() {
	python3 - "$1" "$2" <<'EOF'
import bisect, re, sys
lines = open(sys.argv[1]).read().split('\n')
start = next(i for i, l in enumerate(lines) if l.startswith('Linker script and memory map'))
ents, pending, out_sec = [], None, None
for l in lines[start:]:
    # An output section: its name, alone on its line when long.
    m = re.match(r'^(\S+)(\s+0x[0-9a-f]+\s+0x[0-9a-f]+.*)?$', l)
    if m:
        out_sec = m.group(1)
        continue
    m = re.match(r'^ (\S+)\s*$', l)
    if m:
        pending = m.group(1)
        continue
    m = re.match(r'^ (\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$', l)
    name = (m.group(1) or pending) if m else None
    pending = None
    if m and name and out_sec in ('.text', '.text.hot_paths') and int(m.group(3), 16):
        ents.append((int(m.group(2), 16), int(m.group(3), 16), name, m.group(4)))
ents.sort()
starts = [e[0] for e in ents]
ran = set()
for l in open(sys.argv[2]):
    a = int(l, 16)
    i = bisect.bisect_right(starts, a) - 1
    if i >= 0 and a < ents[i][0] + ents[i][1]:
        ran.add(i)
total = 0
for i in sorted(ran):
    addr, size, sec, src = ents[i]
    m = re.match(r'.*/(lib[^/]*\.a)\((.*)\)$', src)
    if m:
        total += size
        print(f"\t\t*{m.group(1)}:{m.group(2)}({sec})")
print(f"bytes {total}", file=sys.stderr)
EOF
}

generate() {
	local lines bytes
	[ "$ARCH" = x86_64 ] || die "tools/stepper.c reads x86_64 registers only"
	[ "$(id -u)" = 0 ] || die "run as root: fdclose must trace the fixture"
	w=$(mktemp -d /tmp/fdclose-hotpaths.XXXXXX)
	trap 'rm -rf "$w"' EXIT
	make -s --no-print-directory fixtures
	# The same objects, linked with a map; with the current script or not, the map says where each went.
	make -s --no-print-directory build FDCLOSE="$w/fdclose" LDFLAGS="-Wl,-Map,$w/fdclose.map"
	cc -O2 -Wall -Werror -o "$w/stepper" tools/stepper.c
	export -f run_commands die
	unshare --pid --fork --mount-proc --net bash -c 'run_commands "$1"' _ "$w"
	lines=$(sections_run "$w/fdclose.map" "$w/rips" 2>"$w/bytes")
	bytes=$(sed -n 's/^bytes //p' "$w/bytes")
	[ "$(wc -l <<<"$lines")" -ge 20 ] || die "only $(wc -l <<<"$lines") library sections ran: $lines"
	{
		cat <<EOF
/*
 * Generated by tools/hotpaths.sh: the library code fdclose runs, placed
 * before .text, next to fdclose's own code (see that script for why).
 * hot bytes: $bytes in $(wc -l <<<"$lines") sections
 */
SECTIONS
{
	.text.hot_paths :
	{
$lines
	}
}
INSERT BEFORE .text;
EOF
	} >"$SCRIPT"
	echo "hotpaths: wrote $SCRIPT: $(wc -l <<<"$lines") sections, $bytes bytes"
}

case ${1:-} in
--check) check "${2:-}" ;;
"") generate ;;
*) die "usage: tools/hotpaths.sh [--check [BINARY]]" ;;
esac
