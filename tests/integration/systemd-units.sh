#!/usr/bin/env bash
# The systemd collector against a real systemd system instance (private
# PID, mount and network namespaces): the unit states are node_exporter
# 1.5's, a unit that exits 1 shows failed, a crash-looping unit's restart
# counter climbs, watched units that are masked or missing are reported
# so, a unit that runs and fails between two scrapes is seen through the
# signals alone (the refresh batch is an hour away), daemon-reexec and a
# D-Bus restart are survived without a leaked connection, and 1000
# transient units are reported with the right states.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/system-instance.sh"
need curl systemd-run

si_boot

si_unit vt-fail.service <<'EOF'
[Service]
ExecStart=/bin/sh -c 'exit 1'
EOF
si_unit vt-crash.service <<'EOF'
[Unit]
StartLimitIntervalSec=0
[Service]
ExecStart=/bin/sh -c 'sleep 0.3; exit 3'
Restart=always
RestartSec=200ms
EOF
si_unit vt-blip.service <<'EOF'
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'exit 7'
EOF
si systemctl mask --runtime --quiet vt-masked.service

: >"$T/vigie.log"
# the refresh batch an hour away: what changes below reaches vigie through
# systemd's signals (and the reads they trigger) alone
si systemd-run --quiet --unit=vigie-test -p StandardOutput="append:$T/vigie.log" \
        -p StandardError="append:$T/vigie.log" "$VIGIE" --web.listen-address=127.0.0.1:9100 --log.target=stderr \
        --collector.systemd.refresh-interval=1h \
        --collector.systemd.watch="vt-masked.service vt-missing.service vt-crash.service"

value() {
        sed -n "s/^$1 //p" "$M"
}
vigie_fds() {
        local pid
        pid=$(si systemctl show -p MainPID --value vigie-test)
        si ls "/proc/$pid/fd" | wc -l
}

scrapes_with 10 'node_scrape_collector_success{collector="systemd"} 1' ||
        fail "the systemd collector does not succeed: $(grep systemd "$M" | head -5; cat "$T/vigie.log")"
has '^node_systemd_version{version="[0-9]' || fail "no node_systemd_version"
has '^node_systemd_unit_state{name="dbus.service",state="active",type="notify"} 1' ||
        has '^node_systemd_unit_state{name="dbus.service",state="active",type="[a-z]*"} 1' ||
        fail "dbus.service not active: $(grep 'name="dbus.service"' "$M")"

if command -v prometheus-node-exporter >/dev/null; then
        echo "the same units, states and types as node_exporter 1.5"
        si systemd-run --quiet --unit=ne-test /usr/bin/prometheus-node-exporter --web.listen-address=127.0.0.1:9103 \
                --collector.disable-defaults --collector.systemd
        wait_for 10 si curl -fsS -o "$T/ne" http://127.0.0.1:9103/metrics || fail "node_exporter does not serve"
        scrape
        si curl -fsS -o "$T/ne" http://127.0.0.1:9103/metrics
        # Debian's node_exporter also leaves out .target units (vigie keeps
        # upstream's default); watched units are vigie's alone
        states() {
                grep '^node_systemd_unit_state{' "$1" | grep -v -e '\.target"' -e 'name="vigie-test' -e 'name="ne-test' \
                        -e 'name="vt-' |
                        sort
        }
        diff <(states "$M") <(states "$T/ne") >"$T/ne.diff" || fail "unit states differ: $(head -20 "$T/ne.diff")"
        si systemctl stop ne-test
fi

echo "a unit that exits 1 shows failed"
si systemctl start vt-fail.service
scrapes_with 10 '^node_systemd_unit_state{name="vt-fail.service",state="failed",type="simple"} 1' ||
        fail "vt-fail.service not failed: $(grep vt-fail "$M")"
has '^vigie_systemd_service_exit_status{name="vt-fail.service"} 1$' || fail "exit status of vt-fail: $(grep vt-fail "$M")"
has '^vigie_systemd_service_result{name="vt-fail.service",result="exit-code"} 1' ||
        fail "result of vt-fail: $(grep vt-fail "$M")"
# the node_exporter mixin's alert expression
has '^node_systemd_unit_state{name="vt-fail.service",state="failed",type="simple"} 1$' || fail "mixin alert"

echo "a crash-looping unit's restart counter climbs"
si systemctl start vt-crash.service
scrapes_with 15 '^node_systemd_service_restart_total{name="vt-crash.service"} [2-9]' ||
        fail "restart counter of vt-crash: $(grep 'restart_total{name="vt-crash' "$M")"
first=$(value 'node_systemd_service_restart_total{name="vt-crash.service"}')
scrapes_with 15 "^node_systemd_service_restart_total{name=\"vt-crash.service\"} $((first + 2))" ||
        fail "restart counter stuck at $first: $(grep 'restart_total{name="vt-crash' "$M")"
si systemctl stop vt-crash.service

echo "watched units: masked, missing"
has '^vigie_systemd_unit_load_state{name="vt-masked.service",state="masked"} 1' ||
        fail "vt-masked: $(grep vt-masked "$M")"
has '^vigie_systemd_unit_load_state{name="vt-missing.service",state="not-found"} 1' ||
        fail "vt-missing: $(grep vt-missing "$M")"
has '^node_systemd_unit_state{name="vt-missing.service",state="inactive",type=""} 1' ||
        fail "vt-missing has no unit state: $(grep vt-missing "$M")"
has '^vigie_systemd_unit_load_state{name="vt-crash.service",state="loaded"} 1' || fail "vt-crash load state"

echo "a unit that runs and fails between two scrapes, through the signals"
scrape
has 'name="vt-blip.service"' && fail "vt-blip.service already reported"
si systemctl start vt-blip.service || true
scrapes_with 5 '^node_systemd_unit_state{name="vt-blip.service",state="failed",type="oneshot"} 1' ||
        fail "vt-blip.service not seen failed: $(grep vt-blip "$M")"
has '^vigie_systemd_service_exit_status{name="vt-blip.service"} 7$' || fail "vt-blip exit status: $(grep vt-blip "$M")"

echo "daemon-reexec"
fds=$(vigie_fds)
si systemctl daemon-reexec
si systemd-run --quiet --unit=vt-after-reexec --remain-after-exit true
scrapes_with 15 '^node_systemd_unit_state{name="vt-after-reexec.service",state="active",type="simple"} 1' ||
        fail "no unit state after daemon-reexec: $(grep -E 'vt-after|collector="systemd"' "$M"; tail -5 "$T/vigie.log")"
has 'node_scrape_collector_success{collector="systemd"} 1' || fail "collector failed after reexec"

echo "D-Bus restart"
si systemctl restart dbus.service
si systemd-run --quiet --unit=vt-after-dbus --remain-after-exit true
scrapes_with 20 '^node_systemd_unit_state{name="vt-after-dbus.service",state="active",type="simple"} 1' ||
        fail "no unit state after a D-Bus restart: $(grep -E 'vt-after|collector="systemd"' "$M"; tail -5 "$T/vigie.log")"
has 'node_scrape_collector_success{collector="systemd"} 1' || fail "collector failed after the D-Bus restart"
# the connection to the old bus went with it: no descriptor more than before
now=$(vigie_fds)
[ "$now" -le "$fds" ] || fail "vigie has $now descriptors after reconnecting, $fds before: a connection leaked"

echo "1000 transient units"
si sh -c 'for i in $(seq 1 500); do systemd-run --quiet --no-block --unit=vt-bulk-$i --remain-after-exit true; done
        for i in $(seq 501 1000); do systemd-run --quiet --no-block --unit=vt-bulk-$i -p RemainAfterExit=no false; done'
count() {
        grep -c "^node_systemd_unit_state{name=\"vt-bulk-[0-9]*.service\",state=\"$1\",type=\"simple\"} 1" "$M" || true
}
deadline=$((SECONDS + 60))
while :; do
        scrape
        active=$(count active)
        failed=$(count failed)
        [ "$active" -eq 500 ] && [ "$failed" -eq 500 ] && break
        [ $SECONDS -lt $deadline ] || fail "1000 transient units: $active active, $failed failed (want 500 and 500)"
        sleep 0.5
done
if command -v promtool >/dev/null; then
        grep -E '^(# (HELP|TYPE) )?(node|vigie)_systemd_' "$M" >"$T/systemd.prom"
        out=$(promtool check metrics <"$T/systemd.prom" 2>&1) || fail "promtool: $out"
        [ -z "$out" ] || fail "promtool complained: $out"
fi
# vigie-collectors(7) lists what this collector served here, no fixture
# tree having a bus
if [ -n "${MAN_DIR:-}" ] && command -v man >/dev/null; then
        grep -E '^(# (HELP|TYPE) )?(node|vigie)_systemd_' "$M" >"$T/served.man"
        MANWIDTH=1000 man -l "$MAN_DIR/vigie-collectors.7" >"$T/collectors.7.wide" 2>/dev/null
        python3 "$SOURCE_ROOT/tests/integration/man_families.py" "$T/served.man" "$T/collectors.7.wide" ||
                fail "vigie-collectors(7) misses families served here"
fi
echo "ok"
