#!/usr/bin/env bash
# netclass keeps interface attributes open between scrapes: an interface
# that goes away must disappear from the next scrape and give its
# descriptors back, and one made again under the same name must show its
# new attributes, from netlink and from sysfs alike. And the attributes
# taken from one netlink dump equal sysfs's, interface by interface, and
# netdev's counters from the same dump equal /proc/net/dev's. veth pairs
# in a network namespace of the test's own. Attributes fixed for an
# interface's life are read once: one made again must not keep them.
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/lib.sh"
need ip curl
mount -t sysfs sysfs /sys
ip link set lo up
# no IPv6 on the interfaces made below: its router solicitations and MLD
# reports go out on the kernel's own schedule and, on a loaded machine,
# land between the two reads of the counters compared further down
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null || true
ip link add churn0 type veth peer name churn1 || skip "cannot make veth interfaces here"
ip link set churn0 mtu 1400
ip link add churn2 type veth peer name churn3
ip link set churn2 alias "uplink \"A\" été"
ip link set churn2 up
ip link set churn3 up
ip link set churn3 txqueuelen 77

# --path.sysfs=/sys/. is the same tree, but not the live /sys by name: read whole from sysfs
netclass() { "$VIGIE" --once --collector.disable-defaults --collector.netclass "$@" | grep '^node_network_'; }
netclass >"$T/netlink.txt" || fail "vigie --once failed"
netclass --path.sysfs=/sys/. >"$T/sysfs.txt" || fail "vigie --once --path.sysfs=/sys/. failed"
diff -u "$T/sysfs.txt" "$T/netlink.txt" || fail "netlink and sysfs disagree (above: - sysfs, + netlink)"
grep -q 'ifalias="uplink \\"A\\" été"' "$T/netlink.txt" || fail "alias not reported: $(grep churn2 "$T/netlink.txt")"
# duplex and speed: sysfs has them for the veths that are up, refuses them
# for those that are down, which netlink's flags tell without asking
grep -q '^node_network_speed_bytes{device="churn3"} 1250000000$' "$T/netlink.txt" ||
        fail "no speed for churn3, up: $(grep churn3 "$T/netlink.txt" | grep speed)"
grep -q '^node_network_info{.*device="churn3",duplex="full"' "$T/netlink.txt" || fail "no duplex for churn3, up"
grep -q '^node_network_speed_bytes{device="churn0"}' "$T/netlink.txt" && fail "a speed for churn0, down"
grep -q '^node_network_info{.*device="churn0",duplex="",' "$T/netlink.txt" || fail "a duplex for churn0, down"
echo "netlink and sysfs agree on $(grep -c . "$T/netlink.txt") series"

# netdev: frames sent from churn2 to churn3 (an unknown ethertype: counted
# as dropped too), then the dump's counters against /proc/net/dev's
python3 - <<'PY' || fail "cannot send frames on churn2"
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("churn2", 0))
for _ in range(5):
    s.send(b"\xff" * 6 + b"\x02" * 6 + b"\x88\xb5" + b"x" * 50)
PY
netdev() { "$VIGIE" --once --collector.disable-defaults --collector.netdev "$@" | grep '^node_network_' | sort; }
netdev >"$T/netdev-netlink.txt" || fail "vigie --once (netdev) failed"
netdev --path.procfs=/proc/. >"$T/netdev-file.txt" || fail "vigie --once --path.procfs=/proc/. (netdev) failed"
grep -v _nohandler_ "$T/netdev-netlink.txt" | diff -u "$T/netdev-file.txt" - ||
        fail "netdev: the netlink dump and /proc/net/dev disagree (above: - file, + netlink)"
grep -q '^node_network_receive_nohandler_total{device="churn3"} 0$' "$T/netdev-netlink.txt" ||
        fail "netdev: no receive_nohandler from the dump"
grep -q '^node_network_receive_drop_total{device="churn3"} [1-9]' "$T/netdev-netlink.txt" ||
        fail "netdev: the frames sent are not counted: $(grep churn3 "$T/netdev-netlink.txt")"
echo "netdev: netlink and /proc/net/dev agree on $(grep -c . "$T/netdev-file.txt") series"
ip link del churn2

start_vigie vigie --collector.disable-defaults --collector.netclass
mtu() { serves "$VIGIE_URL/metrics" "^node_network_mtu_bytes{device=\"churn0\"} $1\$"; }
mtu 1400 || fail "churn0 not reported with mtu 1400"
fds0=$(ls "/proc/$VIGIE_PID/fd" | wc -l)

ip link del churn0
serves_without "$VIGIE_URL/metrics" 'device="churn0"' || fail "churn0 still reported after it was deleted"
serves_without "$VIGIE_URL/metrics" 'device="churn1"' || fail "churn1 still reported after it was deleted"
fds1=$(ls "/proc/$VIGIE_PID/fd" | wc -l)
[ "$fds1" -lt "$fds0" ] || fail "descriptors of deleted interfaces kept: $fds0 -> $fds1"

ip link add churn0 type veth peer name churn1
ip link set churn0 mtu 1300
ip link set churn0 up
mtu 1300 || fail "churn0 made again: the new mtu is not reported"
# flags come from sysfs: the old descriptor must not answer for the new interface
serves "$VIGIE_URL/metrics" '^node_network_flags{device="churn0"} 4099$' ||
        fail "churn0 made again and up: flags not 4099 (IFF_UP|BROADCAST|MULTICAST)"
for i in $(seq 20); do curl -fsS -o /dev/null "$VIGIE_URL/metrics"; done
fds2=$(ls "/proc/$VIGIE_PID/fd" | wc -l)
# name_assign_type is read once per interface: made again under the same
# name (named by the kernel, then renamed), it must not keep the old one
serves "$VIGIE_URL/metrics" '^node_network_name_assign_type{device="churn0"} 3$' ||
        fail "churn0, named at creation: name_assign_type not 3 (NET_NAME_USER)"
ip link del churn0
ip link add type veth
ip link set veth0 name churn0
serves "$VIGIE_URL/metrics" '^node_network_name_assign_type{device="churn0"} 4$' ||
        fail "churn0 renamed from veth0: name_assign_type not 4 (NET_NAME_RENAMED)"
ip link del churn0
[ "$fds2" -le "$fds0" ] || fail "descriptors grew over scrapes: $fds0 -> $fds2"
echo "fds: $fds0 with two veths, $fds1 without, $fds2 with them again"
stop_pid "$VIGIE_PID" || fail "vigie exited with $?"
echo "netclass-churn: ok"
