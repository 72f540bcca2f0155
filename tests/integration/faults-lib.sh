# What collector-faults.sh and collector-recover.sh share (sourced): a
# private mount and PID namespace, so that nothing outlives the test, and
# the fixture trees served under $mnt through fuse_faults, which breaks
# the file that $T/control names (fault_tree.py writes it).
if [ -z "${VIGIE_IN_NS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "SKIP: mounting FUSE in a private namespace needs root here"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: unshare is missing"; exit 77; }
        exec unshare --mount --pid --fork --mount-proc --propagation private env VIGIE_IN_NS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
need python3
[ -n "${FUSE_FAULTS:-}" ] && [ -x "$FUSE_FAULTS" ] || skip "fuse_faults was not built (libfuse3-dev missing)"
[ -c /dev/fuse ] || skip "/dev/fuse is missing"

mnt="$T/fixtures"
mkdir -p "$mnt"
echo none >"$T/control"
"$FUSE_FAULTS" "$T/control" "$SOURCE_ROOT/tests/fixtures" "$mnt" -f -o fsname=vigie-faults >"$T/fuse.log" 2>&1 &
PIDS+=($!)
wait_for 10 grep -q "vigie-faults" /proc/self/mountinfo || skip "cannot mount FUSE here: $(cat "$T/fuse.log")"
# the drivers import fault_tree.py from beside this file
export PYTHONPATH="$(dirname "$0")${PYTHONPATH:+:$PYTHONPATH}"
