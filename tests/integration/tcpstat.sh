#!/usr/bin/env bash
# tcpstat counts the TCP sockets of its network namespace by state through
# a sock_diag dump, as node_exporter 1.5 does: sockets made here in a
# namespace of the test's own, in known states (listening, established
# with unread bytes, half closed both ways, in TIME_WAIT; bound only, which
# node_exporter 1.5 does not ask for and vigie leaves out likewise; IPv4
# and IPv6), must be counted exactly, IPv6's left out when --path.procfs
# has no net/tcp6, and node_exporter must see the same, give or take the
# sockets of its own listener and of the scrape.
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/lib.sh"
need ip curl python3 prometheus-node-exporter
ip link set lo up

# the sockets, kept until the test closes the pipe
mkfifo "$T/hold"
python3 - "$T/hold" >"$T/sockets.log" 2>&1 <<'PY' &
import socket, sys, time
keep = []
def listener(family, host, backlog):
    s = socket.socket(family)
    s.bind((host, 0))
    s.listen(backlog)
    keep.append(s)
    return s
def pair(l):
    c = socket.create_connection(l.getsockname()[:2])
    a, _ = l.accept()
    keep.extend([c, a])
    return c, a
l4 = listener(socket.AF_INET, "127.0.0.1", 5)
listener(socket.AF_INET, "127.0.0.2", 7)
l6 = listener(socket.AF_INET6, "::1", 3)
c, a = pair(l4)
c.sendall(b"x" * 100)            # 100 bytes a's owner never reads
c, a = pair(l4)
a.close()                        # a: FIN_WAIT2, c: CLOSE_WAIT
c, a = pair(l4)
c.close(); a.close()             # c: TIME_WAIT, a: gone
pair(l6)                         # two established over IPv6
b = socket.socket()
b.bind(("127.0.0.1", 0))         # bound only: not in node_exporter's states
keep.append(b)
time.sleep(0.3)
print("ready", flush=True)
open(sys.argv[1]).read()
PY
PIDS+=($!)
wait_for 10 grep -q ready "$T/sockets.log" || fail "sockets not made: $(cat "$T/sockets.log")"
exec 3>"$T/hold"

states() { "$VIGIE" --once --collector.disable-defaults --collector.tcpstat "$@" | grep '^node_tcp_connection_states'; }
states >"$T/vigie.txt" || fail "vigie --once failed"
# rx_queued_bytes: the 100 bytes unread, and the FIN c has not read (the
# kernel's rcv_nxt - copied_seq); tx_queued_bytes: the listeners' backlogs
cat >"$T/want.txt" <<'TXT'
node_tcp_connection_states{state="close_wait"} 1
node_tcp_connection_states{state="established"} 4
node_tcp_connection_states{state="fin_wait2"} 1
node_tcp_connection_states{state="listen"} 3
node_tcp_connection_states{state="rx_queued_bytes"} 101
node_tcp_connection_states{state="time_wait"} 1
node_tcp_connection_states{state="tx_queued_bytes"} 15
TXT
diff -u "$T/want.txt" "$T/vigie.txt" || fail "tcpstat: not the sockets made (above: - made, + vigie)"

# a kernel that refuses the one-walk request (TCPDIAG_GETSOCK, 18): the
# helper has this kernel answer it EINVAL; vigie must ask per family
# (SOCK_DIAG_BY_FAMILY, 20), and count the same
: "${SOCK_DIAG_REFUSE:?SOCK_DIAG_REFUSE must point at the refusing helper (meson sets it)}"
# vigie alone runs with the helper (a sanitized build's helper cannot load
# into the other programs of a pipeline); $1 names the log of its asks
refused() {
        cat >"$T/vigie-refused.$1" <<SH
#!/bin/sh
SOCK_DIAG_LOG="$T/asked.$1" LD_PRELOAD="$SOCK_DIAG_REFUSE" \\
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" exec "$VIGIE" "\$@"
SH
        chmod +x "$T/vigie-refused.$1"
        VIGIE="$T/vigie-refused.$1" "${@:2}"
}
refused once states >"$T/vigie-refused.txt" || fail "vigie --once failed when refused"
diff -u "$T/want.txt" "$T/vigie-refused.txt" || fail "tcpstat per family: not the sockets made (above: - made, + vigie)"
printf '18\n20\n20\n' | diff -u - "$T/asked.once" || fail "tcpstat refused: not one refused request, then one per family"

# no net/tcp6 under --path.procfs: IPv4's sockets alone, as node_exporter 1.5
mkdir "$T/proc"
states --path.procfs="$T/proc" >"$T/vigie4.txt" || fail "vigie --once --path.procfs=$T/proc failed"
grep -q '^node_tcp_connection_states{state="established"} 2$' "$T/vigie4.txt" &&
        grep -q '^node_tcp_connection_states{state="listen"} 2$' "$T/vigie4.txt" &&
        grep -q '^node_tcp_connection_states{state="tx_queued_bytes"} 12$' "$T/vigie4.txt" ||
        fail "tcpstat without net/tcp6: IPv6's sockets counted: $(cat "$T/vigie4.txt")"

# node_exporter in the same namespace: its listener (backlog somaxconn)
# and the scrape's connection are sockets too
port=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
        --collector.tcpstat >"$T/ne.log" 2>&1 &
ne_pid=$!
PIDS+=("$ne_pid")
wait_for 20 curl -fsS -o /dev/null "http://127.0.0.1:$port/" || fail "node_exporter did not start"
curl -fsS "http://127.0.0.1:$port/metrics" -o "$T/ne.prom"
somaxconn=$(cat /proc/sys/net/core/somaxconn)
python3 - "$T/ne.prom" "$T/want.txt" "$somaxconn" <<'PY' || fail "node_exporter does not see the sockets made"
import re, sys
ne, want = {}, {}
for path, vals in ((sys.argv[1], ne), (sys.argv[2], want)):
    for line in open(path):
        m = re.match(r'node_tcp_connection_states\{state="(\w+)"\} (\S+)$', line)
        if m:
            vals[m.group(1)] = float(m.group(2))
# its listener (backlog somaxconn) and the scrape's two ends; the look at
# "/" before left one in TIME_WAIT
ne["listen"] -= 1
ne["established"] -= 2
ne["time_wait"] -= 1
ne["tx_queued_bytes"] -= int(sys.argv[3])
# the request being read may still be queued on the scrape's server end
if want["rx_queued_bytes"] <= ne["rx_queued_bytes"]:
    ne["rx_queued_bytes"] = want["rx_queued_bytes"]
if ne != want:
    sys.exit("node_exporter, less its own sockets: %s; made: %s" % (ne, want))
PY
grep '^# .* node_tcp_connection_states' "$T/ne.prom" >"$T/ne-meta.txt"
grep '^# .* node_tcp_connection_states' <("$VIGIE" --once --collector.disable-defaults --collector.tcpstat) |
        diff -u "$T/ne-meta.txt" - || fail "HELP or TYPE differ (above: - node_exporter, + vigie)"
# and, running, not ask again: last, with node_exporter stopped, as the
# scrapes leave sockets in TIME_WAIT that it would count
stop_pid "$ne_pid" || true
refused daemon launch_vigie refused --collector.disable-defaults --collector.tcpstat
for _ in 1 2 3; do
        curl -fsS "http://127.0.0.1:$VIGIE_PORT/metrics" -o "$T/refused.prom" || fail "scrape failed when refused"
        grep -q '^node_tcp_connection_states{state="listen"} 4$' "$T/refused.prom" ||
                fail "tcpstat per family, daemon: $(grep node_tcp "$T/refused.prom")"
done
stop_pid "$VIGIE_PID" || fail "vigie exited $? when refused"
[ "$(grep -c '^18$' "$T/asked.daemon")" -eq 1 ] && [ "$(grep -c '^20$' "$T/asked.daemon")" -ge 6 ] ||
        fail "tcpstat asked the refused request again, or not per family: $(tr '\n' ' ' <"$T/asked.daemon")"

exec 3>&-
echo "tcpstat: ok"
