#!/usr/bin/env bash
# contrib.sh: make check's checks of contrib/ that need no running system
# (the Ansible role runs for real in tests/integration/t_ansible.sh):
#   - systemd-analyze verify accepts the units of contrib/systemd/ (in a
#     scratch root holding ./fdclose as /usr/sbin/fdclose and the host's
#     own unit files), with not a word of warning, and
#     systemd-analyze security rates each service's exposure at most 4.0
#   - the Kubernetes manifest parses as YAML (python3-yaml) and its
#     DaemonSet has what the README says it has: hostPID, the capabilities
#     SYS_PTRACE, SYS_ADMIN and DAC_READ_SEARCH and no other, AppArmor
#     unconfined, no privilege escalation, a read-only root, the textfile
#     hostPath mounted where --textfile writes, and a command line that
#     ./fdclose accepts
#   - ansible-playbook --syntax-check of the playbook
# Run from the top of the tree after make build.
set -u
cd "$(dirname "$0")/.." || exit 99
failed=0
fail() { echo "contrib: $*" >&2; failed=1; }
PY=/usr/bin/python3

[ -x ./fdclose ] || { echo "contrib: ./fdclose is not built (make build)" >&2; exit 1; }

check_systemd() {
	local root out u
	command -v systemd-analyze >/dev/null || { fail "systemd-analyze is missing (tools/deps.sh vm installs systemd)"; return; }
	root=$(mktemp -d /tmp/fdclose-units.XXXXXX) || { fail "mktemp failed"; return; }
	mkdir -p "$root/usr/sbin" "$root/usr/bin" "$root/usr/lib/systemd" "$root/etc/systemd/system" &&
		cp ./fdclose "$root/usr/sbin/fdclose" && cp /usr/bin/touch "$root/usr/bin/touch" &&
		cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/" &&
		cp contrib/systemd/*.service contrib/systemd/*.timer "$root/etc/systemd/system/" ||
		{ fail "cannot stage the units in $root"; rm -rf "$root"; return; }
	for u in contrib/systemd/*.service contrib/systemd/*.timer; do
		out=$(systemd-analyze verify --man=no --root="$root" "${u##*/}" 2>&1) ||
			fail "systemd-analyze verify ${u##*/} failed: $out"
		[ -z "$out" ] || fail "systemd-analyze verify ${u##*/} says: $out"
	done
	for u in contrib/systemd/*.service; do
		out=$(systemd-analyze security --offline=true --threshold=40 --root="$root" \
			"/etc/systemd/system/${u##*/}" 2>&1) ||
			fail "${u##*/}: exposure above 4.0: $(grep -i 'overall' <<<"$out")"
	done
	rm -rf "$root"
}

check_kubernetes() {
	local out
	"$PY" -c 'import yaml' 2>/dev/null || { fail "python3-yaml is missing (tools/deps.sh vm installs it)"; return; }
	out=$("$PY" - contrib/kubernetes/fdclose-daemonset.yaml <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
bad = []
def want(cond, what):
    if not cond:
        bad.append(what)
ds = [d for d in docs if d.get("kind") == "DaemonSet"]
want(len(ds) == 1, "one DaemonSet")
ds = ds[0] if ds else {}
want(ds.get("apiVersion") == "apps/v1", "apiVersion apps/v1")
spec = ds.get("spec", {})
tmpl = spec.get("template", {})
labels = tmpl.get("metadata", {}).get("labels", {})
sel = spec.get("selector", {}).get("matchLabels", {})
want(sel and all(labels.get(k) == v for k, v in sel.items()), "selector matches the pod labels")
pod = tmpl.get("spec", {})
want(pod.get("hostPID") is True, "hostPID: true")
cs = pod.get("containers", [])
want(len(cs) == 1, "one container")
c = cs[0] if cs else {}
sc = c.get("securityContext", {})
caps = sc.get("capabilities", {})
want(caps.get("drop") == ["ALL"], "capabilities drop ALL")
want(sorted(caps.get("add", [])) == ["DAC_READ_SEARCH", "SYS_ADMIN", "SYS_PTRACE"],
     "capabilities add exactly SYS_PTRACE, SYS_ADMIN, DAC_READ_SEARCH")
want(sc.get("privileged") is not True, "not privileged")
want(sc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation: false")
want(sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem: true")
want(sc.get("appArmorProfile", {}).get("type") == "Unconfined", "appArmorProfile Unconfined")
ann = tmpl.get("metadata", {}).get("annotations", {})
want(ann.get("container.apparmor.security.beta.kubernetes.io/" + c.get("name", "")) == "unconfined",
     "the AppArmor annotation for Kubernetes before 1.30")
cmd = c.get("command", [])
want(cmd[:1] == ["/usr/sbin/fdclose"] and "--watch" in cmd and "--textfile" in cmd,
     "command /usr/sbin/fdclose --watch ... --textfile DIR")
tf = cmd[cmd.index("--textfile") + 1] if "--textfile" in cmd[:-1] else None
mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
vols = {v["name"]: v for v in pod.get("volumes", [])}
tfvol = [n for n, p in mounts.items() if p == tf]
want(tfvol and "hostPath" in vols.get(tfvol[0], {}), "the --textfile directory is a hostPath volume")
want(any(p == "/run/fdclose.lock" and "hostPath" in vols.get(n, {}) for n, p in mounts.items()),
     "the run lock shared with the node")
for b in bad:
    print(b)
print("ARGS", " ".join(cmd[1:]))
PY
) || { fail "cannot read contrib/kubernetes/fdclose-daemonset.yaml: $out"; return; }
	grep -v '^ARGS ' <<<"$out" | while read -r line; do
		[ -n "$line" ] && echo "contrib: contrib/kubernetes/fdclose-daemonset.yaml: not $line" >&2
	done
	grep -qv '^ARGS ' <<<"$out" && failed=1
	# The command line parses: with --version after it, fdclose stops there.
	# shellcheck disable=SC2046
	./fdclose $(sed -n 's/^ARGS //p' <<<"$out") --version >/dev/null 2>&1 ||
		fail "./fdclose refuses the DaemonSet's command line: $(sed -n 's/^ARGS //p' <<<"$out")"
}

check_ansible() {
	local out home
	command -v ansible-playbook >/dev/null || { fail "ansible-playbook is missing (tools/deps.sh installs ansible-core)"; return; }
	home=$(mktemp -d /tmp/fdclose-ansible.XXXXXX) || { fail "mktemp failed"; return; }
	out=$(HOME=$home ANSIBLE_LOCAL_TEMP=$home/tmp ansible-playbook --syntax-check -i localhost, \
		contrib/ansible/fdclose.yml 2>&1) || fail "ansible-playbook --syntax-check: $out"
	rm -rf "$home"
}

check_systemd
check_kubernetes
check_ansible
[ "$failed" -eq 0 ] && echo "contrib: ok"
exit "$failed"
