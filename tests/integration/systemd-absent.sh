#!/usr/bin/env bash
# The systemd collector where there is no systemd, and where the system
# bus it is pointed at is not there: one log line, node_scrape_collector_
# success 0, the other collectors as usual; and no retry storm.
source "$(dirname "$0")/lib.sh"
need curl

# count_lines FILE: the log lines about the systemd collector
systemd_lines() {
        grep -c 'collector systemd' "$1" || true
}

echo "no systemd: --once"
if [ -e /run/systemd/system ] || [ -e /run/dbus/system_bus_socket ] || [ -n "${DBUS_SYSTEM_BUS_ADDRESS:-}" ]; then
        # hide this host's systemd and bus behind an empty /run
        [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null ||
                skip "this host runs systemd, and hiding it needs root and unshare"
        env -u DBUS_SYSTEM_BUS_ADDRESS unshare --mount sh -c \
                'mount --make-rprivate / && mount -t tmpfs tmpfs /run && exec "$0" --once --log.target=stderr' \
                "$VIGIE" >"$T/once.prom" 2>"$T/once.log"
else
        "$VIGIE" --once --log.target=stderr >"$T/once.prom" 2>"$T/once.log"
fi
grep -q '^node_scrape_collector_success{collector="systemd"} 0$' "$T/once.prom" ||
        fail "no success 0 for systemd: $(grep 'collector="systemd"' "$T/once.prom")"
grep -q '^node_load1 ' "$T/once.prom" || fail "the other collectors are missing"
grep -q '^node_systemd_' "$T/once.prom" && fail "systemd series without systemd"
[ "$(systemd_lines "$T/once.log")" -eq 1 ] || fail "want one log line about systemd: $(cat "$T/once.log")"

echo "a system bus that is not there: retried with backoff, said once"
DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/no-bus" start_vigie vigie
for _ in 1 2 3 4; do
        serves "$VIGIE_URL/metrics" '^node_scrape_collector_success{collector="systemd"} 0$' ||
                fail "no success 0 for systemd: $(grep 'collector="systemd"' "$T/served")"
        sleep 1
done
grep -q '^node_load1 ' "$T/served" || fail "the other collectors are missing"
[ "$(systemd_lines "$T/vigie.log")" -eq 1 ] || fail "want one log line about systemd: $(cat "$T/vigie.log")"
echo "ok"
