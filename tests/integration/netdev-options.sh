#!/usr/bin/env bash
# netdev's options from node_exporter 1.5, on the live /proc (rtnetlink).
# enable_detailed_metrics, as
# node_exporter 1.5 with --collector.netdev.enable-detailed-metrics: every
# counter apart, under node_exporter's names. A veth pair in a network
# namespace of the test's own gets frames of an EtherType no one takes,
# which nd1 counts as received and dropped; then vigie and node_exporter
# must give every interface's series alike, with the same HELP and TYPE,
# lo aside (the scrapes move it), and without the option vigie must keep
# its usual names. address_info, as --collector.netdev.address-info: the
# addresses given to the pair (IPv4, link-local, a point-to-point one
# whose peer is not its own, IPv6 global and link-local) must come out as
# node_exporter's node_network_address_info, label for label.
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/lib.sh"
need ip curl python3 prometheus-node-exporter
ip link set lo up
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null || true
ip link add nd0 type veth peer name nd1 || skip "cannot make veth interfaces here"
ip link set nd0 up
ip link set nd1 up

# frames from nd0 to nd1: 3 unicast, 5 multicast, 2 broadcast, all of
# EtherType 0x88b5 (local experimental), which nothing on nd1 takes: the
# kernel drops them (veth counts no multicast)
python3 - "$(ip -br link show nd1 | awk '{print $3}')" <<'PY' || fail "could not send frames on nd0"
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("nd0", 0))
src = s.getsockname()[4]
dst = bytes.fromhex(sys.argv[1].replace(":", ""))
for mac, n in ((dst, 3), (bytes.fromhex("01005e000001"), 5), (b"\xff" * 6, 2)):
    for _ in range(n):
        s.send(mac + src + b"\x88\xb5" + b"x" * 60)
PY
sleep 0.3

detailed=(--collector.disable-defaults --collector.netdev --collector.netdev.enable-detailed-metrics)
network() { grep '^\(# [A-Z]* \)\?node_network_' | grep -v 'device="lo"' | sort; }
"$VIGIE" --once "${detailed[@]}" | network >"$T/vigie.txt" || fail "vigie --once failed"
grep -q '^node_network_receive_dropped_total{device="nd1"} 10$' "$T/vigie.txt" &&
        grep -q '^node_network_receive_packets_total{device="nd1"} 10$' "$T/vigie.txt" &&
        grep -q '^node_network_transmit_packets_total{device="nd0"} 10$' "$T/vigie.txt" ||
        fail "the frames sent are not counted apart: $(grep 'nd[01]' "$T/vigie.txt")"
[ "$(grep -c '^node_network_.*device="nd1"' "$T/vigie.txt")" -eq 24 ] ||
        fail "not 24 families for nd1: $(grep -c 'device="nd1"' "$T/vigie.txt")"

port=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.netdev.device-exclude= \
        "${detailed[@]}" >"$T/ne.log" 2>&1 &
PIDS+=($!)
wait_for 20 curl -fsS -o /dev/null "http://127.0.0.1:$port/" || fail "node_exporter did not start"
curl -fsS "http://127.0.0.1:$port/metrics" | network >"$T/ne.txt" || fail "node_exporter's scrape failed"
diff -u "$T/ne.txt" "$T/vigie.txt" || fail "detailed netdev differs (above: - node_exporter, + vigie)"

"$VIGIE" --once --collector.disable-defaults --collector.netdev | network >"$T/plain.txt"
grep -q '^node_network_receive_drop_total{device="nd1"} 10$' "$T/plain.txt" &&
        ! grep -q 'node_network_receive_crc_errors_total' "$T/plain.txt" ||
        fail "without the option, not netdev's usual names: $(grep 'nd1' "$T/plain.txt")"

ip addr add 10.9.0.1/24 dev nd0
ip addr add 169.254.3.4/16 dev nd0
ip addr add 10.8.0.1 peer 10.8.0.2/32 dev nd0
echo 0 >/proc/sys/net/ipv6/conf/nd1/disable_ipv6
ip addr add fd12::1/64 dev nd1 nodad
wait_for 10 sh -c 'ip -6 addr show dev nd1 | grep -q "inet6 fe80"' || fail "no IPv6 link-local address on nd1"
addresses() { grep '^node_network_address_info' | grep 'device="nd[01]"'; }
"$VIGIE" --once --collector.disable-defaults --collector.netdev --collector.netdev.address-info |
        addresses >"$T/vigie-addr.txt" || fail "vigie --once with address_info failed"
port2=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$port2" --collector.disable-defaults --collector.netdev \
        --collector.netdev.address-info >"$T/ne2.log" 2>&1 &
PIDS+=($!)
wait_for 20 curl -fsS -o /dev/null "http://127.0.0.1:$port2/" || fail "node_exporter did not start"
curl -fsS "http://127.0.0.1:$port2/metrics" | addresses >"$T/ne-addr.txt"
python3 - "$T/ne-addr.txt" "$T/vigie-addr.txt" <<'PY' || fail "node_network_address_info differs"
import re, sys
def series(path):
    out = set()
    for line in open(path):
        m = re.match(r'node_network_address_info\{(.*)\} 1$', line.strip())
        if not m:
            sys.exit("%s: not a sample of 1: %r" % (path, line))
        out.add(tuple(sorted(re.findall(r'(\w+)="([^"]*)"', m.group(1)))))
    return out
ne, vigie = series(sys.argv[1]), series(sys.argv[2])
if ne != vigie or len(ne) != 5:
    sys.exit("node_exporter only: %s\nvigie only: %s\n(%d alike)" % (sorted(ne - vigie), sorted(vigie - ne), len(ne & vigie)))
print("address_info: %d series alike" % len(ne))
PY
grep -q 'address="10.8.0.1",netmask="32",scope="global"' "$T/vigie-addr.txt" &&
        grep -q 'address="169.254.3.4",netmask="16",scope="link-local"' "$T/vigie-addr.txt" ||
        fail "address_info: $(cat "$T/vigie-addr.txt")"
echo "netdev-options: ok ($(grep -c '^node_network_' "$T/vigie.txt") detailed series alike)"
