#!/usr/bin/env bash
# The btrfs collector's ioctls (BTRFS_IOC_FS_INFO, DEV_INFO, GET_DEV_STATS)
# on real Btrfs file systems in loop devices, mounted in a private mount
# and PID namespace (so that /proc/1/mounts, where vigie and node_exporter
# look, is this test's): a raid1 file system over three devices with the
# second removed (a gap in the device ids) mounted twice, and a single one;
# each device's size, unused bytes and five error counters are read, and
# every btrfs family and value is node_exporter 1.5's on the same mounts.
if [ -z "${VIGIE_IN_NS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "SKIP: loop devices and mounts need root"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: unshare is missing"; exit 77; }
        exec unshare --mount --pid --fork --mount-proc --propagation private env VIGIE_IN_NS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
need curl python3 losetup mkfs.btrfs btrfs
grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null || true
grep -qw btrfs /proc/filesystems || skip "this kernel has no Btrfs"

# the images on disk: $T is a small tmpfs in this namespace
IMG=$(mktemp -d /var/tmp/vigie-btrfs.XXXXXX)
LOOPS=()
before_cleanup() {
        umount "$T"/mnt* 2>/dev/null || true
        for l in "${LOOPS[@]}"; do
                losetup -d "$l" 2>/dev/null || true
        done
        rm -rf "$IMG"
}
# loop NAME: a 320 MiB sparse file as a loop device; prints its path
loop() {
        truncate -s 320M "$IMG/$1.img"
        losetup --find --show "$IMG/$1.img"
}
for n in a b c d; do
        l=$(loop $n) || skip "no loop device can be set up here"
        LOOPS+=("$l")
done
mkfs.btrfs -q -L vt-raid -d raid1 -m raid1 "${LOOPS[0]}" "${LOOPS[1]}" "${LOOPS[2]}" >/dev/null
mkfs.btrfs -q -L vt-single "${LOOPS[3]}" >/dev/null
mkdir -p "$T/mnt1" "$T/mnt 2" "$T/mnt3"
mount "${LOOPS[0]}" "$T/mnt1" || skip "Btrfs cannot be mounted here"
mount "${LOOPS[0]}" "$T/mnt 2"
mount "${LOOPS[3]}" "$T/mnt3"
dd if=/dev/urandom of="$T/mnt1/data" bs=1M count=20 status=none
sync
btrfs device remove "${LOOPS[1]}" "$T/mnt1"
sync

start_vigie btrfs --collector.disable-defaults --collector.btrfs
curl -fsS "$VIGIE_URL/metrics" -o "$T/m"
grep -q '^node_scrape_collector_success{collector="btrfs"} 1$' "$T/m" || fail "btrfs failed: $(grep btrfs "$T/m")"
raid=$(sed -n 's/^node_btrfs_info{uuid="\([^"]*\)",label="vt-raid"} 1$/\1/p' "$T/m")
[ -n "$raid" ] || fail "no vt-raid file system: $(grep node_btrfs_info "$T/m")"
a=$(basename "${LOOPS[0]}") b=$(basename "${LOOPS[1]}") c=$(basename "${LOOPS[2]}")
size=$((320 << 20))
grep -q "^node_btrfs_device_size_bytes{uuid=\"$raid\",device=\"$a\",btrfs_dev_uuid=\"[0-9a-f-]\{36\}\"} $size$" "$T/m" ||
        fail "size of $a: $(grep device_size "$T/m")"
grep -q "^node_btrfs_device_size_bytes{uuid=\"$raid\",device=\"$c\",btrfs_dev_uuid=\"[0-9a-f-]*\"} $size$" "$T/m" ||
        fail "size of $c"
grep -q "device=\"$b\"" "$T/m" && fail "the removed device is still reported"
[ "$(grep -c "^node_btrfs_device_errors_total{uuid=\"$raid\",device=\"$a\",btrfs_dev_uuid=\"[0-9a-f-]*\",type=\"[a-z]*\"} 0$" "$T/m")" = 5 ] ||
        fail "errors of $a: $(grep device_errors "$T/m")"
unused=$(sed -n "s/^node_btrfs_device_unused_bytes{uuid=\"$raid\",device=\"$a\",btrfs_dev_uuid=\"[0-9a-f-]*\"} //p" "$T/m")
[ -n "$unused" ] && [ "$unused" -lt "$size" ] && [ "$unused" -gt 0 ] || fail "unused bytes of $a: $unused"
# the file system mounted twice is reported once
[ "$(grep -c "^node_btrfs_device_size_bytes{uuid=\"$raid\"," "$T/m")" = 2 ] || fail "vt-raid's devices twice"

if command -v prometheus-node-exporter >/dev/null; then
        echo "the same families and values as node_exporter 1.5"
        port=$(free_port)
        prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --collector.btrfs \
                >"$T/ne.log" 2>&1 &
        PIDS+=($!)
        wait_for 20 curl -fsS -o "$T/ne" "http://127.0.0.1:$port/metrics" ||
                fail "node_exporter does not serve: $(tail -3 "$T/ne.log")"
        curl -fsS "$VIGIE_URL/metrics" -o "$T/m"
        samples() {
                python3 "$(dirname "$0")/families.py" "$1" node_btrfs_ --values
        }
        diff <(samples "$T/m") <(samples "$T/ne") >"$T/ne.diff" || fail "vigie and node_exporter differ: $(head -30 "$T/ne.diff")"
fi
echo "btrfs-ioctl: ok"
