#!/usr/bin/env bash
# Hostile names from the kernel and from textfiles: tmpfs mounts on paths
# with spaces, quotes, backslashes, a newline, a tab, non-ASCII, bytes that
# are not UTF-8 and an attempt to inject a sample; network interfaces
# (veth) with quotes, backslashes, braces and non-UTF-8 bytes; textfile
# label values with every escape. The exposition stays valid for promtool,
# every name comes back exactly (bytes that are not UTF-8 as U+FFFD), and
# nothing is injected; the interfaces have ARP entries, for arp's device
# label. Runs in mount, PID and network namespaces of its own.
if [ -z "${VIGIE_IN_NS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "SKIP: mounts and interfaces in private namespaces need root here"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: unshare is missing"; exit 77; }
        exec unshare --mount --pid --net --fork --mount-proc --propagation private env VIGIE_IN_NS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
need python3 promtool ip

# sysfs as this network namespace sees it
mount -t sysfs sysfs /sys

python3 - "$T" <<'PY' || skip "cannot make mounts or veth interfaces here"
import os, subprocess, sys
base = sys.argv[1].encode()
mounts = [b"with space", b'quo"te', b"back\\slash", b"new\nline", b"tab\there", "donn\u00e9es \u00e9t\u00e9".encode(),
          "\u65e5\u672c".encode(), b'inject"} 1\nnode_fake_total 2\n#', b"trailing\\", b"\\012 literally", b"latin1 \xe9"]
with open(os.path.join(base, b"mounts"), "wb") as out:
    for n in mounts:
        p = os.path.join(base, n)
        os.makedirs(p)
        subprocess.check_call([b"mount", b"-t", b"tmpfs", b"-o", b"size=1m", b"vigie-name-test", p])
        out.write(p + b"\0")
# interface names: at most 15 bytes, no '/', ':' or white space
pairs = [(b'q"uote', b"back\\sl"), ("\u00e9-\u00fc".encode(), b'a{b="c"}'), (b"\xffbad", b"ok0")]
with open(os.path.join(base, b"ifaces"), "wb") as out:
    for i, (a, b) in enumerate(pairs):
        subprocess.check_call([b"ip", b"link", b"add", a, b"type", b"veth", b"peer", b"name", b])
        out.write(a + b"\0" + b + b"\0")
        # an ARP entry on each, for node_arp_entries{device}
        for k, dev in enumerate((a, b)):
            subprocess.check_call([b"ip", b"neigh", b"add", b"10.9.%d.%d" % (i, k + 1), b"lladdr",
                                   b"02:00:00:00:00:01", b"dev", dev, b"nud", b"permanent"])
PY

mkdir "$T/textfile"
cat >"$T/textfile/hostile.prom" <<'PROM'
# HELP hostile_labels Label values with every escape.
# TYPE hostile_labels gauge
hostile_labels{v="quote \" backslash \\ newline \n end"} 1
hostile_labels{v="} 1\nnode_fake_total 2\n"} 2
hostile_labels{v="données été 日本"} 3
PROM

"$VIGIE" --once --collector.disable-defaults --collector.filesystem --collector.netdev --collector.netclass --collector.arp \
        --collector.textfile --collector.textfile.directory="$T/textfile" >"$T/out.prom" 2>"$T/err"
out=$(promtool check metrics <"$T/out.prom" 2>&1) || fail "promtool: $out"
[ -z "$out" ] || fail "promtool complained: $out"
! grep -q '^node_fake' "$T/out.prom" || fail "a sample was injected through a name"
python3 "$(dirname "$0")/check_names.py" "$T" "$T/out.prom" || fail "names did not come back exactly"
echo "hostile-names: ok"
