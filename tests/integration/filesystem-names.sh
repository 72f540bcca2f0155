#!/usr/bin/env bash
# Hostile mount point names: real tmpfs mounts on paths with spaces,
# quotes, backslashes, a newline, a tab, non-ASCII and an attempt to inject
# a sample. The exposition stays valid for promtool, every name comes back
# exactly (decoded from mountinfo's octal escapes, escaped in the output),
# and no sample is injected. Runs in a private mount and PID namespace.
if [ -z "${VIGIE_IN_NS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "SKIP: mounting tmpfs in a private namespace needs root here"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: unshare is missing"; exit 77; }
        exec unshare --mount --pid --fork --mount-proc --propagation private env VIGIE_IN_NS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
need python3 promtool

python3 - "$T" >"$T/made" <<'PY'
import os, subprocess, sys
base = sys.argv[1]
names = ["with space", 'quo"te', "back\\slash", "new\nline", "tab\there", "données été", "日本",
         'inject"} 1\nnode_fake_total 2\n#', "trailing\\", "\\012 literally", "latin1 \xe9".encode("latin-1")]
for n in names:
    p = os.path.join(base.encode(), n.encode() if isinstance(n, str) else n)
    os.makedirs(p)
    subprocess.check_call([b"mount", b"-t", b"tmpfs", b"-o", b"size=1m", b"vigie-name-test", p])
    sys.stdout.buffer.write(p + b"\0")
PY

"$VIGIE" --once --collector.disable-defaults --collector.filesystem >"$T/out.prom" 2>"$T/err"
out=$(promtool check metrics <"$T/out.prom" 2>&1) || fail "promtool: $out"
[ -z "$out" ] || fail "promtool complained: $out"
! grep -q '^node_fake' "$T/out.prom" || fail "a sample was injected through a mount point"

python3 "$(dirname "$0")/check_mountpoints.py" "$T/made" "$T/out.prom" || fail "mount points did not come back exactly"
echo "filesystem-names: ok"
