#!/usr/bin/env bash
# package.sh deb|check: the Debian package and make install.
#   deb    builds build/fdclose_VERSION_ARCH.deb with dpkg-buildpackage from
#          a copy of the tree (the files git tracks or would track) in
#          build/deb/, so that the work tree stays as it is.
#   check  make check's packaging step: deb, then what the package holds
#          (dpkg-deb -c: the binary, static; the man page; the completion;
#          the copyright, changelog and lintian override; under
#          /usr/share/fdclose the systemd units, not enabled (no unit in a
#          systemd directory, no maintainer script that enables one), the
#          Ansible role and playbook and the Kubernetes manifest, each the
#          same as in contrib/; nothing else), then
#          lintian (no error, no warning that is not overridden), then make
#          install and make uninstall into a scratch DESTDIR.  Ends with one
#          line "package: ok (N s)" or exits 1.
set -u
cd "$(dirname "$0")/.." || exit 99
ROOT=$PWD
START=$SECONDS
failed=0
fail() { echo "package: $*" >&2; failed=1; }
die() { echo "package: $*" >&2; exit 1; }

need() {
	local t
	for t in dpkg-buildpackage dpkg-deb dh lintian git; do
		command -v "$t" >/dev/null ||
			die "$t is missing (make deps installs debhelper, dpkg-dev and lintian)"
	done
}

VERSION=$(dpkg-parsechangelog -S Version 2>/dev/null) || die "cannot read debian/changelog"
ARCH=$(dpkg --print-architecture) || die "dpkg --print-architecture failed"
DEB=build/fdclose_${VERSION}_$ARCH.deb
WORK=build/deb

# copy_tree DIR: the files git tracks, and those it would track (not
# ignored), as they are in the work tree.
copy_tree() {
	local f
	git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
		[ -e "$f" ] && printf '%s\0' "$f"
	done | tar --null -T - -cf - | tar -C "$1" -xf -
}

deb() {
	local src=$WORK/fdclose-$VERSION t0=$SECONDS
	need
	rm -rf "$WORK" "$DEB"
	mkdir -p "$src" || die "cannot make $src"
	copy_tree "$src" || die "cannot copy the tree into $src"
	[ -x "$src/debian/rules" ] || die "$src/debian/rules is missing: is debian/ tracked?"
	# No -dbgsym package: 4 s of xz for a file no check looks at.
	(cd "$src" && DEB_BUILD_OPTIONS="noddebs ${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -b -us -uc -Jauto) >"$WORK/build.log" 2>&1 ||
		die "dpkg-buildpackage failed (all of it in $WORK/build.log):"$'\n'"$(tail -30 "$WORK/build.log")"
	cp "$WORK/${DEB#build/}" "$DEB" || die "dpkg-buildpackage made no ${DEB#build/}"
	echo "package: built $DEB in $((SECONDS - t0)) s"
}

# The files of the package, and nothing else but their directories.
EXPECTED="./usr/sbin/fdclose
./usr/share/bash-completion/completions/fdclose
./usr/share/doc/fdclose/changelog.gz
./usr/share/doc/fdclose/copyright
./usr/share/fdclose/ansible/fdclose.yml
./usr/share/fdclose/ansible/inventory.example
./usr/share/fdclose/ansible/roles/fdclose/defaults/main.yml
./usr/share/fdclose/ansible/roles/fdclose/tasks/main.yml
./usr/share/fdclose/ansible/roles/fdclose/templates/report.md.j2
./usr/share/fdclose/kubernetes/fdclose-daemonset.yaml
./usr/share/fdclose/systemd/fdclose-metrics.service
./usr/share/fdclose/systemd/fdclose-metrics.timer
./usr/share/fdclose/systemd/fdclose-watch.service
./usr/share/lintian/overrides/fdclose
./usr/share/man/man8/fdclose.8.gz"

check_contents() {
	local list files dirs d x=$WORK/x
	list=$(dpkg-deb -c "$DEB") || { fail "dpkg-deb -c $DEB failed"; return; }
	files=$(awk '$1 !~ /^d/ { print $6 }' <<<"$list" | sort)
	[ "$files" = "$EXPECTED" ] ||
		fail "$DEB holds other files than expected (< expected, > held):"$'\n'"$(
			diff <(echo "$EXPECTED") <(echo "$files") | grep '^[<>]')"
	# Every directory is on the way to one of those files.
	dirs=$(awk '$1 ~ /^d/ { print $6 }' <<<"$list")
	for d in $dirs; do
		[ "$d" = ./ ] || grep -q "^${d%/}/" <<<"$EXPECTED" || fail "$DEB holds the directory $d, with none of its files"
	done
	grep -qE '^-rwxr-xr-x root/root .* \./usr/sbin/fdclose$' <<<"$list" ||
		fail "usr/sbin/fdclose is not -rwxr-xr-x root/root: $(grep sbin/fdclose <<<"$list")"

	rm -rf "$x"
	dpkg-deb -x "$DEB" "$x" || { fail "dpkg-deb -x $DEB failed"; return; }
	[ "$("$x/usr/sbin/fdclose" --version)" = "fdclose $VERSION" ] ||
		fail "usr/sbin/fdclose --version says '$("$x/usr/sbin/fdclose" --version)', debian/changelog $VERSION"
	grep -q "^\.TH FDCLOSE 8 [^ ]* \"fdclose $VERSION\"" man/fdclose.8 ||
		fail "man/fdclose.8's .TH does not say fdclose $VERSION"
	# Static: no program interpreter, no dynamic section.
	readelf -lW "$x/usr/sbin/fdclose" | grep -qE '^ +(INTERP|DYNAMIC) ' &&
		fail "usr/sbin/fdclose is not statically linked"
	# Hardened (hardening=+all): every compiler line had the flags, and
	# the binary has its RELRO segment.
	local cc
	cc=$(grep -E '^cc .* -c -o build/[^ ]+ [^ ]+\.c$' "$WORK/build.log" |
		awk '!index($0, " -D_FORTIFY_SOURCE=2 ") || !index($0, " -fstack-protector-strong ")')
	[ -z "$cc" ] || fail "compiled without fortify or the stack protector:"$'\n'"$cc"
	grep -qE '^cc .* -c -o build/fdclose\.o ' "$WORK/build.log" || fail "no compiler line in $WORK/build.log"
	grep -E '^cc .* -static .*-o fdclose ' "$WORK/build.log" | grep -qF -- '-Wl,-z,relro -Wl,-z,now' ||
		fail "fdclose was not linked with -z relro -z now"
	readelf -lW "$x/usr/sbin/fdclose" | grep -qE '^ +GNU_RELRO ' ||
		fail "usr/sbin/fdclose has no RELRO segment"
	cmp -s "$x/usr/share/bash-completion/completions/fdclose" completion/fdclose.bash ||
		fail "the packaged completion is not completion/fdclose.bash"
	zcat "$x/usr/share/man/man8/fdclose.8.gz" | cmp -s - man/fdclose.8 ||
		fail "the packaged man page is not man/fdclose.8"
	# contrib/ as it is, the units and the role where the man page says.
	local f src
	for f in $(grep '^\./usr/share/fdclose/' <<<"$EXPECTED"); do
		case $f in
		*/systemd/*) src=contrib/systemd/${f##*/} ;;
		*/kubernetes/*) src=contrib/kubernetes/${f##*/} ;;
		*/ansible/*) src=contrib/ansible/${f#./usr/share/fdclose/ansible/} ;;
		esac
		cmp -s "$x/$f" "$src" || fail "$f is not $src"
		grep -qE "^-rw-r--r-- root/root .* ${f//./\.}\$" <<<"$list" || fail "$f is not -rw-r--r-- root/root"
	done
	# Installed, not enabled: no unit where systemd looks, no script enabling one.
	grep -qE '\./(usr/)?lib/systemd/|\./etc/systemd/' <<<"$list" &&
		fail "$DEB puts units where systemd finds them: $(grep -E 'systemd/' <<<"$list")"
	dpkg-deb -e "$DEB" "$x/DEBIAN.ctl" && ! grep -qs 'deb-systemd-helper\|systemctl' "$x"/DEBIAN.ctl/* ||
		fail "$DEB has a maintainer script that enables or starts a unit"
	dpkg-deb -f "$DEB" Built-Using | grep -q 'glibc (= ' ||
		fail "Built-Using does not name glibc: '$(dpkg-deb -f "$DEB" Built-Using)'"
}

check_lintian() {
	local out rc t0=$SECONDS
	# lintian 2.116's --fail-on counts overridden tags too once
	# --show-overrides is given: the verdict is read from the output.
	out=$(lintian --fail-on none --show-overrides --display-info "$DEB" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v '^running with root privileges' | sed 's/^/  /'
	[ "$rc" = 0 ] || fail "lintian exited $rc"
	grep -qE '^[EW]: ' <<<"$out" && fail "lintian found errors or warnings that are not overridden"
	# The static binary is overridden, with the reason, and nothing else is.
	grep -q '^O: fdclose: statically-linked-binary \[usr/sbin/fdclose\]' <<<"$out" ||
		fail "lintian did not report the overridden statically-linked-binary"
	echo "package: lintian took $((SECONDS - t0)) s"
}

# make install and uninstall into a scratch DESTDIR, with PREFIX's default
# and another: exactly the three files, then none.
check_install() {
	local dest=$WORK/destdir prefix want got
	for prefix in "" /opt/fdc; do
		rm -rf "$dest"
		want="${prefix:-/usr/local}/sbin/fdclose
${prefix:-/usr/local}/share/bash-completion/completions/fdclose
${prefix:-/usr/local}/share/man/man8/fdclose.8"
		make -s install DESTDIR="$ROOT/$dest" ${prefix:+PREFIX=$prefix} >/dev/null ||
			{ fail "make install ${prefix:+PREFIX=$prefix }failed"; continue; }
		got=$(cd "$dest" && find . ! -type d | sed 's/^\.//' | sort)
		[ "$got" = "$want" ] || fail "make install ${prefix:+PREFIX=$prefix }installed:"$'\n'"$got"
		cmp -s "$dest${prefix:-/usr/local}/sbin/fdclose" fdclose ||
			fail "make install ${prefix:+PREFIX=$prefix }did not install ./fdclose"
		# Something of someone else's beside it stays.
		touch "$dest${prefix:-/usr/local}/sbin/other"
		make -s uninstall DESTDIR="$ROOT/$dest" ${prefix:+PREFIX=$prefix} >/dev/null ||
			{ fail "make uninstall ${prefix:+PREFIX=$prefix }failed"; continue; }
		got=$(cd "$dest" && find . ! -type d | sed 's/^\.//')
		[ "$got" = "${prefix:-/usr/local}/sbin/other" ] ||
			fail "after make uninstall ${prefix:+PREFIX=$prefix }there is:"$'\n'"$got"
	done
	rm -rf "$dest"
}

case "${1:-}" in
deb)
	deb
	;;
check)
	deb
	check_contents
	check_lintian
	check_install
	[ "$failed" = 0 ] || exit 1
	echo "package: ok ($((SECONDS - START)) s)"
	;;
*)
	echo "usage: $0 deb|check" >&2
	exit 2
	;;
esac
