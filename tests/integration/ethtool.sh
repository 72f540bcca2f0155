#!/usr/bin/env bash
# ethtool through SIOCETHTOOL, against node_exporter 1.5 on the same
# network namespace (one of the test's own, its sysfs mounted for
# node_exporter's list of interfaces): veth pairs, one with two queues
# each way and a name with a quote, and lo (no ethtool support) give the
# same node_ethtool_info, driver statistics (their names made from the
# driver's, rx and tx spelled out) and node_network_* link bits, help and
# types; so do the device include and exclude and metrics_include.
if [ -z "${VIGIE_IN_NS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "SKIP: interfaces in a private namespace need root here"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: unshare is missing"; exit 77; }
        exec unshare --mount --net --propagation private env VIGIE_IN_NS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
need ip curl prometheus-node-exporter
mount -t sysfs sysfs /sys
ip link set lo up
ip link add et0 type veth peer name et1 || skip "cannot make veth interfaces here"
ip link add 'et"2' numrxqueues 2 numtxqueues 2 type veth peer name et3 numrxqueues 2 numtxqueues 2
for i in et0 et1 'et"2' et3; do ip link set "$i" up; done

port=$(free_port)
families='^(# (HELP|TYPE) )?node_(ethtool|network)_'
ne() {
        prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
                --collector.ethtool "$@" >"$T/ne.log" 2>&1 &
        local pid=$!
        PIDS+=($pid)
        wait_for 20 curl -fsS "http://127.0.0.1:$port/metrics" || fail "node_exporter did not start: $(cat "$T/ne.log")"
        curl -fsS "http://127.0.0.1:$port/metrics" | grep -E "$families" | sort
        kill "$pid"
        wait "$pid" 2>/dev/null || true
}
vigie() { "$VIGIE" --once --collector.disable-defaults --collector.ethtool "$@" | grep -E "$families" | sort; }

# compare NAME FLAGS...: the same flags to both
compare() {
        local name=$1
        shift
        ne "$@" >"$T/$name-ne.txt"
        vigie "$@" >"$T/$name-vigie.txt" || fail "vigie --once $* failed"
        diff -u "$T/$name-ne.txt" "$T/$name-vigie.txt" ||
                fail "$name: vigie and node_exporter disagree (- node_exporter, + vigie)"
        echo "ethtool $name: the same $(grep -vc '^#' "$T/$name-vigie.txt") series"
}
compare all
grep -q '^node_ethtool_info{bus_info="",device="et\\"2",driver="veth",' "$T/all-vigie.txt" ||
        fail "et\"2's driver not reported"
grep -q '^node_ethtool_received_queue_1_xdp_transmitted_errors{device="et3"} 0$' "$T/all-vigie.txt" ||
        fail "et3's second queue not reported"
! grep -q 'device="lo"' "$T/all-vigie.txt" || fail "lo reported"
compare include --collector.ethtool.device-include='^et[01]$'
compare exclude --collector.ethtool.device-exclude='^et[01]$'
compare metrics --collector.ethtool.metrics-include='^(peer|rx_queue_1)'
echo "ethtool: ok"
