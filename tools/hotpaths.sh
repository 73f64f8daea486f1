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
# How: tools/stepper.c single-steps every thread of fdclose through
# --version, a close by hand of a one-thread target (text and --json) and of
# one with more threads than CPUs, --list (text and --json) and
# --all-closewait, and records each instruction run; all of it twice, on
# fixtures of its own, because what threads run depends on timing.  The
# link map names the archive member and section each address came from;
# every member section of a static library that ran is listed, and after
# .text the other CPUs' variants of the string functions that ran (another
# CPU picks AVX2 where this one picks EVEX).  fdclose's own objects come
# first in .text anyway.  A pattern that matches nothing (another libc) is
# ignored by the linker: the build never depends on the list being
# current, only its speed does.
set -euo pipefail
w=
CALLER_DIR=$PWD
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
	local bin=fdclose want have
	# A BINARY named by the caller is relative to where the caller was.
	[ -z "$1" ] || bin=$(cd "$CALLER_DIR" && realpath -- "$1")
	[ -f "$SCRIPT" ] || { echo "hotpaths: no $SCRIPT for $ARCH: nothing to check"; return 0; }
	[ -x "$bin" ] || die "$bin is not built"
	readelf -h "$bin" >/dev/null 2>&1 || die "$bin is not an ELF file"
	want=$(sed -n 's/^ \* hot bytes: \([0-9]*\).*/\1/p' "$SCRIPT")
	[ -n "$want" ] || die "$SCRIPT says no hot byte count"
	have=$(hot_size "$bin")
	[ -n "$have" ] || die "$bin has no .text.hot_paths: the Makefile no longer links with $SCRIPT"
	[ "$have" -ge $((want / 2)) ] ||
		die "$bin's .text.hot_paths holds $have bytes of the $want $SCRIPT was made for: this libc's objects have other names; run tools/hotpaths.sh"
	echo "hotpaths: $bin: .text.hot_paths holds $have bytes ($SCRIPT was made for $want)"
}

# start_fixture DIR NAME ARGS...: a cwfix with CLOSE_WAIT sockets; sets pid, fds, fixture.
start_fixture() {
	local w=$1 name=$2
	shift 2
	rm -f "$w/$name.ready"
	build/fixtures/cwfix --ctl "$w/$name.ctl" --ready "$w/$name.ready" --closewait 4 \
		--lifetime 900 "$@" </dev/null >"$w/$name.log" 2>&1 &
	fixture=$!
	for _ in $(seq 100); do grep -q '^closewait' "$w/$name.ready" 2>/dev/null && break; sleep 0.1; done
	pid=$(awk '$1 == "pid" { print $2 }' "$w/$name.ready")
	read -r -a fds <<<"$(awk '$1 == "closewait" { $1 = ""; print }' "$w/$name.ready")"
	[ -n "$pid" ] && [ "${#fds[@]}" -ge 2 ] || die "fixture $name did not start: $(cat "$w/$name.log")"
}

# In the namespaces: fixtures, then each command under the stepper.
run_commands() {
	local w=$1 bin pid fds lo hi size fixture one many
	bin=$w/fdclose
	ip link set lo up
	read -r lo size < <(readelf -lW "$bin" | awk '$1 == "LOAD" && / R E / { print $3, $6 }')
	hi=$(printf '0x%x' $((lo + size)))
	step() { "$w/stepper" "$lo" "$hi" "$w/rips" "$bin" "$@"; }
	step --version >/dev/null || die "fdclose --version failed"
	# One thread, as the bench's target.
	start_fixture "$w" one --mode accept
	one=$fixture
	step --no-syslog "$pid" "${fds[0]}" >"$w/out" 2>&1 || die "close: $(cat "$w/out")"
	step --json --no-syslog "$pid" "${fds[1]}" >"$w/out" 2>&1 || die "close --json: $(cat "$w/out")"
	# More threads than CPUs, as a server has: fdclose then holds it at SCHED_FIFO.
	start_fixture "$w" many --mode threads --threads $(($(nproc) + 2))
	many=$fixture
	step --no-syslog "$pid" "${fds[0]}" >"$w/out" 2>&1 || die "close: $(cat "$w/out")"
	step --list >"$w/out" 2>&1 || die "--list: $(cat "$w/out")"
	step --list --json >"$w/out" 2>&1 || die "--list --json: $(cat "$w/out")"
	step --all-closewait --no-syslog >"$w/out" 2>&1 || die "--all-closewait: $(cat "$w/out")"
	kill "$one" "$many"
	wait "$one" "$many" 2>/dev/null || true
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
    if m and name and out_sec in ('.text', '.text.hot_paths', '.text.cpu_variants') and int(m.group(3), 16):
        ents.append((int(m.group(2), 16), int(m.group(3), 16), name, m.group(4)))
ents.sort()
starts = [e[0] for e in ents]
ran = set()
for l in open(sys.argv[2]):
    a = int(l, 16)
    i = bisect.bisect_right(starts, a) - 1
    if i >= 0 and a < ents[i][0] + ents[i][1]:
        ran.add(i)
def member(src):
    m = re.match(r'.*/(lib[^/]*\.a)\((.*)\)$', src)
    return m.groups() if m else None

total, variants = 0, {}
for i in sorted(ran):
    addr, size, sec, src = ents[i]
    if not member(src):
        continue
    lib, obj = member(src)
    total += size
    print(f"hot\t\t\t*{lib}:{obj}({sec})")
    # A variant for this CPU (strlen-evex.o's .text.evex): another CPU runs
    # another of that function's, so they are gathered too.
    if lib == 'libc.a' and re.match(r'\.text\.(sse|ssse|avx|evex)', sec) and '-' in obj:
        variants[obj.split('-')[0]] = True
for base in variants:
    print(f"variants\t\t\t*libc.a:{base}-*.o(.text .text.*)")
print(f"bytes {total}", file=sys.stderr)
EOF
}

generate() {
	local lines bytes variants
	[ "$ARCH" = x86_64 ] || die "tools/stepper.c reads x86_64 registers only"
	[ "$(id -u)" = 0 ] || die "run as root: fdclose must trace the fixture"
	w=$(mktemp -d /tmp/fdclose-hotpaths.XXXXXX)
	trap 'rm -rf "$w"' EXIT
	make -s --no-print-directory fixtures
	# The same objects, linked with a map; with the current script or not, the map says where each went.
	make -s --no-print-directory build FDCLOSE="$w/fdclose" LDFLAGS="-Wl,-Map,$w/fdclose.map"
	cc -O2 -Wall -Werror -o "$w/stepper" tools/stepper.c
	export -f run_commands start_fixture die
	# Twice, each on a fixture of its own: what threads run depends on
	# timing (a wait on a futex or not), and the list is their union.
	unshare --pid --fork --mount-proc --net bash -c \
		'run_commands "$1" && run_commands "$1"' _ "$w"
	lines=$(sections_run "$w/fdclose.map" "$w/rips" 2>"$w/bytes") ||
		die "reading the link map failed: $(cat "$w/bytes")"
	bytes=$(sed -n 's/^bytes //p' "$w/bytes")
	variants=$(sed -n 's/^variants\t//p' <<<"$lines")
	lines=$(sed -n 's/^hot\t//p' <<<"$lines")
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

/*
 * The other CPUs' variants of the string functions above, together after
 * .text: a CPU that runs the AVX2 ones rather than EVEX finds them in one
 * place.
 */
SECTIONS
{
	.text.cpu_variants :
	{
$variants
	}
}
INSERT AFTER .text;
EOF
	} >"$SCRIPT"
	echo "hotpaths: wrote $SCRIPT: $(wc -l <<<"$lines") sections, $bytes bytes"
}

case ${1:-} in
--check) check "${2:-}" ;;
"") generate ;;
*) die "usage: tools/hotpaths.sh [--check [BINARY]]" ;;
esac
