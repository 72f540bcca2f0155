#!/usr/bin/env bash
# netdev and netclass keep the links of the last full rtnetlink dump and
# ask only for the counters while the kernel notifies no change: after
# each change made here (mtu, alias, address, txqlen, group, down and up,
# rename, a link deleted, one made, one moved to another namespace,
# thousands at once that overflow the notification socket) the very next
# scrape of a running agent must equal a fresh agent's, whose first scrape
# dumps in full; and the counters must move with frames sent while
# nothing changes. lo's duplex and speed, which its driver refuses, are
# asked once, then again only when lo's flags change. veth pairs in a
# network namespace of the test's own.
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/lib.sh"
need ip curl python3 strace
mount -t sysfs sysfs /sys
ip link set lo up
# no IPv6 on the interfaces made below: its router solicitations and MLD
# reports would move the counters between the two scrapes compared
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null || true
ip link add nc0 type veth peer name nc1 || skip "cannot make veth interfaces here"
ip link add nc2 type veth peer name nc3
for i in nc0 nc1 nc2 nc3; do ip link set "$i" up; done

collectors=(--collector.disable-defaults --collector.netdev --collector.netclass)
# lo's counters move with the scrapes themselves
network() { grep '^node_network_' | grep -v 'device="lo"' | sort; }
start_vigie vigie "${collectors[@]}"
scrape() { curl -fsS "$VIGIE_URL/metrics" -o "$T/page" && network <"$T/page"; }
# two scrapes: the first reads what the last change notified, the second
# finds nothing new and asks only for the counters
steady() { scrape >/dev/null && scrape >/dev/null; }
# check WHAT REGEX: after a change, and a pause for what linkwatch tells a
# moment later (carrier, operstate), the agent's next scrape against a
# fresh one's; REGEX must match, which says the change was made
check() {
        sleep 0.3
        scrape >"$T/agent.txt" || fail "$1: the scrape failed"
        "$VIGIE" --once "${collectors[@]}" | network >"$T/fresh.txt" || fail "$1: vigie --once failed"
        diff -u "$T/fresh.txt" "$T/agent.txt" || fail "$1: the scrape after the change is not a fresh one's (- fresh, + agent)"
        grep -q -- "$2" "$T/agent.txt" || fail "$1: not seen ($2): $(grep -c . "$T/agent.txt") series"
        echo "$1: ok"
}
steady
check "start" '^node_network_up{device="nc3"} 1$'

steady && ip link set nc0 mtu 1400
check "mtu" '^node_network_mtu_bytes{device="nc0"} 1400$'
steady && ip link set nc0 alias "cache test"
check "alias" 'device="nc0".*ifalias="cache test"'
steady && ip link set nc0 address 02:00:00:00:00:42
check "address" 'address="02:00:00:00:00:42".*device="nc0"'
steady && ip link set nc0 txqueuelen 77
check "txqlen" '^node_network_transmit_queue_length{device="nc0"} 77$'
steady && ip link set nc0 group 5
check "group" '^node_network_net_dev_group{device="nc0"} 5$'
changes=$(sed -n 's/^node_network_carrier_changes_total{device="nc0"} //p' "$T/agent.txt")
steady && ip link set nc1 down
check "down" '^node_network_up{device="nc1"} 0$'
grep -q "^node_network_carrier_changes_total{device=\"nc0\"} $((changes + 1))\$" "$T/agent.txt" ||
        fail "down: nc0's carrier changes not $((changes + 1)): $(grep 'carrier_changes.*nc0' "$T/agent.txt")"
grep -q '^node_network_info{.*device="nc0".*operstate="lowerlayerdown"' "$T/agent.txt" ||
        fail "down: nc0 not lowerlayerdown: $(grep 'info.*nc0' "$T/agent.txt")"
steady && ip link set nc1 up
check "up" '^node_network_carrier{device="nc0"} 1$'
steady && ip link set nc1 down && ip link set nc1 name nc9 && ip link set nc9 up
check "rename" '^node_network_up{device="nc9"} 1$'
grep -q 'device="nc1"' "$T/agent.txt" && fail "rename: nc1 still reported"
steady && ip link del nc2
check "delete" '^node_network_up{device="nc0"} 1$'
grep -q 'device="nc[23]"' "$T/agent.txt" && fail "delete: nc2 or nc3 still reported"
steady && ip link add nc4 type veth peer name nc5
check "add" '^node_network_mtu_bytes{device="nc5"} 1500$'
unshare --net sleep 600 &
PIDS+=($!)
wait_for 5 test -e "/proc/$!/ns/net" && sleep 0.2
steady && ip link set nc5 netns "$!"
check "netns" '^node_network_mtu_bytes{device="nc4"} 1500$'
grep -q 'device="nc5"' "$T/agent.txt" && fail "netns: nc5 still reported"

# the counters, with no change the kernel notifies: frames of an unknown
# ethertype from nc0 to nc9, each counted once on either side
steady
scrape >"$T/before.txt"
python3 - <<'PY' || fail "cannot send frames on nc0"
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("nc0", 0))
for _ in range(5):
    s.send(b"\xff" * 6 + b"\x02" * 6 + b"\x88\xb5" + b"x" * 50)
PY
check "counters" '^node_network_receive_packets_total{device="nc9"}'
for k in 'transmit_packets_total{device="nc0"}' 'receive_packets_total{device="nc9"}'; do
        before=$(grep -F "node_network_$k " "$T/before.txt" | cut -d' ' -f2)
        after=$(grep -F "node_network_$k " "$T/agent.txt" | cut -d' ' -f2)
        [ "$after" = $((before + 5)) ] || fail "counters: $k went from $before to $after, not by 5"
done

# thousands of changes between two scrapes: the notification socket
# overflows (the kernel counts the notifications dropped), and the next
# scrape is right all the same
steady
for i in $(seq 3000); do echo "link set nc0 mtu $((1000 + i % 500))"; done >"$T/batch"
echo "link set nc0 mtu 1357" >>"$T/batch"
ip -batch "$T/batch"
check "overflow" '^node_network_mtu_bytes{device="nc0"} 1357$'
# /proc/net/netlink: sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode;
# the agent's socket is this namespace's only one in RTNLGRP_LINK alone
drops=$(awk '$2 == 0 && $4 == "00000001" { print $9 }' /proc/net/netlink)
[ -n "$drops" ] || fail "overflow: no socket subscribed to RTNLGRP_LINK: $(cat /proc/net/netlink)"
[ "$drops" -gt 0 ] || fail "overflow: the socket dropped nothing: $(cat /proc/net/netlink)"
echo "overflow: $drops notifications dropped"

# lo's driver has no link settings: sysfs refuses its duplex and speed
# while it is up. They are asked at the first scrape that follows a change
# of lo's flags (promiscuous mode on, then off), and not at the two scrapes
# after (within the minute the refusal is remembered for, from the read).
# refusals N: the reads of lo's duplex and speed over N scrapes.
refusals() {
        strace -f -qq -y -e trace=pread64 -o "$T/lo.strace" -p "$VIGIE_PID" &
        local spid=$!
        wait_for 5 grep -q "^TracerPid:[[:space:]]*$spid\$" "/proc/$VIGIE_PID/status"
        sleep 0.5 # strace attaches to the other threads after the first
        for _ in $(seq "$1"); do scrape >/dev/null || fail "refusals: the scrape failed"; done
        kill "$spid" && wait "$spid" 2>/dev/null
        grep -c 'net/lo/\(duplex\|speed\)>' "$T/lo.strace" || true
}
steady
for mode in on off; do
        ip link set lo promisc "$mode"
        [ "$(refusals 3)" = 2 ] ||
                fail "lo, promisc $mode: duplex and speed not read once each over three scrapes: $(grep 'net/lo/' "$T/lo.strace")"
        grep -q 'net/lo/duplex>.*EINVAL' "$T/lo.strace" || fail "lo: duplex not refused: $(grep 'net/lo/' "$T/lo.strace")"
done
echo "refusals: ok"

stop_pid "$VIGIE_PID" || fail "vigie exited with $?"
echo "netlink-cache: ok"
