#!/usr/bin/env bash
# qdisc over rtnetlink, against node_exporter 1.5 on the same network
# namespace (one of the test's own): the root qdiscs of veths (htb with a
# pfifo under a class, tbf, mq over pfifo_fast queues, an ingress beside,
# a name with a quote) give the same series, help and types, counters
# moved by frames sent through them; the classes' qdiscs and ingress are
# left out as node_exporter leaves them. The device flags filter under
# vigie's name and node_exporter's (--collector.qdisk.*) alike; 1.5's own
# filter is broken (it takes the exclude pattern for both: include does
# nothing, exclude drops every device), so the filtered series are checked
# against node_exporter's unfiltered ones.
if [ -z "${VIGIE_IN_NS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "SKIP: interfaces in a private namespace need root here"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: unshare is missing"; exit 77; }
        exec unshare --mount --net --propagation private env VIGIE_IN_NS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
need ip tc curl python3 prometheus-node-exporter
ip link set lo up
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null || true
ip link add qd0 type veth peer name qd1 || skip "cannot make veth interfaces here"
ip link add 'qd"2' numtxqueues 3 type veth peer name qd3 numtxqueues 3
for i in qd0 qd1 'qd"2' qd3; do ip link set "$i" up; done
tc qdisc replace dev qd0 root handle 1: htb default 10 || skip "no htb qdisc in this kernel"
tc class add dev qd0 parent 1: classid 1:10 htb rate 100mbit
tc qdisc add dev qd0 parent 1:10 handle 10: pfifo limit 50
tc qdisc add dev qd0 ingress
tc qdisc replace dev qd1 root tbf rate 1mbit burst 32kbit latency 400ms
tc qdisc replace dev 'qd"2' root mq || skip "no mq qdisc in this kernel"
python3 - <<'PY' || fail "cannot send frames"
import socket
for dev, n in (("qd0", 7), ('qd"2', 3)):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    for _ in range(n):
        s.send(b"\xff" * 6 + b"\x02" * 6 + b"\x88\xb5" + b"x" * 50)
PY

port=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --collector.qdisc \
        >"$T/ne.log" 2>&1 &
PIDS+=($!)
wait_for 20 curl -fsS "http://127.0.0.1:$port/metrics" || fail "node_exporter did not start: $(cat "$T/ne.log")"
curl -fsS "http://127.0.0.1:$port/metrics" | grep 'node_qdisc_' | sort >"$T/ne.txt"
vigie() { "$VIGIE" --once --collector.disable-defaults --collector.qdisc "$@" | grep 'node_qdisc_' | sort; }
vigie >"$T/vigie.txt" || fail "vigie --once failed"
diff -u "$T/ne.txt" "$T/vigie.txt" || fail "vigie and node_exporter disagree (- node_exporter, + vigie)"
echo "qdisc: the same $(grep -vc '^#' "$T/vigie.txt") series as node_exporter"
grep -q '^node_qdisc_packets_total{device="qd0",kind="htb"} 7$' "$T/vigie.txt" ||
        fail "qd0's frames not counted: $(grep qd0 "$T/vigie.txt")"
grep -q '^node_qdisc_bytes_total{device="qd\\"2",kind="mq"} 192$' "$T/vigie.txt" ||
        fail "qd\"2's mq not reported: $(grep mq "$T/vigie.txt")"
! grep -q 'kind="\(pfifo\|ingress\|pfifo_fast\)"' "$T/vigie.txt" || fail "a qdisc that is not a root one reported"

# filtered SPELLING REGEX WANTED: the series of the devices WANTED (an ERE
# on the device label's text) of node_exporter's unfiltered reading
filtered() {
        local flag=$1 re=$2 want=$3
        vigie "$flag=$re" >"$T/filtered.txt" || fail "vigie --once $flag failed"
        grep -E "^#|device=\"($want)\"" "$T/ne.txt" | diff -u - "$T/filtered.txt" || fail "$flag=$re: not the series wanted"
}
for spelling in qdisc qdisk; do
        filtered "--collector.$spelling.device-include" '^qd[01]$' 'qd0|qd1'
        filtered "--collector.$spelling.device-exclude" '^(lo|qd0)$' 'qd1|qd\\"2|qd3'
done
echo "qdisc: ok"
