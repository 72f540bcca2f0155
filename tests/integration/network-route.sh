#!/usr/bin/env bash
# network_route reads the routes of its network namespace from one
# rtnetlink dump, as node_exporter 1.5 does: routes made here on veth
# interfaces in a namespace of the test's own (a default one, through a
# gateway with a metric, with a preferred source, of protocols node_exporter
# names and one it does not, multipath with weights, in another table,
# IPv6, on an interface named with a quote and a backslash, and a
# blackhole one, which is no unicast route and is left out)
# must be reported as node_exporter reports them, series by series, and
# one route in two tables is one series, counted twice.
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/lib.sh"
need ip curl python3 prometheus-node-exporter
ip link set lo up
ip link add rt0 type veth peer name rt0p || skip "cannot make veth interfaces here"
ip link add rt1 type veth peer name rt1p
ip link add 'rt"2\' type veth peer name rt2p
for i in rt0 rt0p rt1 rt1p 'rt"2\' rt2p; do ip link set "$i" up; done
ip addr add 10.1.0.1/24 dev rt0
ip addr add 10.2.0.1/24 dev rt1
ip -6 addr add 2001:db8:1::1/64 dev rt0 nodad
ip route add default via 10.1.0.254
ip route add 10.10.0.0/16 via 10.1.0.254 metric 5 proto static
ip route add 10.20.0.0/16 dev rt1 src 10.2.0.1 proto bird
ip route add 10.30.0.0/16 dev rt1 proto 99
ip route add 10.40.0.0/16 nexthop via 10.1.0.253 weight 2 nexthop via 10.2.0.253 weight 1
ip route add blackhole 10.50.0.0/16
ip route add 10.60.0.0/16 dev rt1 table 100
ip -6 route add 2001:db8:2::/48 via 2001:db8:1::fe dev rt0 metric 7
ip route add 10.70.0.0/16 dev 'rt"2\'

routes() { grep -E '^node_network_route(s|_info)[{ ]' "$1" | sort; }
"$VIGIE" --once --collector.disable-defaults --collector.network_route >"$T/vigie.prom" || fail "vigie --once failed"
port=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
        --collector.network_route >"$T/ne.log" 2>&1 &
ne_pid=$!
PIDS+=($ne_pid)
wait_for 20 curl -fsS -o "$T/ne.prom" "http://127.0.0.1:$port/metrics" || fail "node_exporter did not start"
routes "$T/ne.prom" >"$T/ne.txt"
routes "$T/vigie.prom" >"$T/vigie.txt"
diff -u "$T/ne.txt" "$T/vigie.txt" || fail "network_route: node_exporter and vigie disagree (above: - node_exporter, + vigie)"
diff -u <(grep '^# .* node_network_route' "$T/ne.prom") <(grep '^# .* node_network_route' "$T/vigie.prom") ||
        fail "HELP or TYPE differ (above: - node_exporter, + vigie)"
for want in 'dest="10.40.0.0/16",device="rt0",gw="10.1.0.253",priority="0",proto="boot",src="",weight="2"' \
        'dest="10.30.0.0/16",device="rt1",gw="",priority="0",proto="unknown"' 'dest="10.60.0.0/16",device="rt1"' \
        'dest="2001:db8:2::/48",device="rt0",gw="2001:db8:1::fe",priority="7"'; do
        grep -qF "$want" "$T/vigie.txt" || fail "network_route: no series with $want"
done
! grep -q 10.50.0.0 "$T/vigie.txt" || fail "network_route: the blackhole route is reported"
grep -qF 'device="rt\"2\\"' "$T/vigie.txt" || fail "network_route: the hostile interface name is not escaped"
if command -v promtool >/dev/null; then
        promtool check metrics <"$T/vigie.prom" || fail "promtool check metrics complains"
fi
echo "network_route: node_exporter and vigie agree on $(grep -c . "$T/vigie.txt") series"

# the same route in a second table: one series, two routes of rt1
before=$(sed -n 's/^node_network_routes{device="rt1"} //p' "$T/vigie.txt")
ip route add 10.20.0.0/16 dev rt1 src 10.2.0.1 proto bird table 101
"$VIGIE" --once --collector.disable-defaults --collector.network_route >"$T/vigie2.prom" || fail "vigie --once failed"
[ "$(grep -c 'dest="10.20.0.0/16"' "$T/vigie2.prom")" -eq 1 ] || fail "network_route: a route in two tables is not one series"
grep -q "^node_network_routes{device=\"rt1\"} $((before + 1))\$" "$T/vigie2.prom" ||
        fail "network_route: the route of table 101 not counted: $(grep routes "$T/vigie2.prom")"
echo "network-route: ok"
