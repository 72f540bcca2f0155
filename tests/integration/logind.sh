#!/usr/bin/env bash
# The logind collector against a real systemd system instance (private
# PID, mount and network namespaces) running systemd-logind: sessions that
# pam_systemd opens for services (PAMName=) of several types and classes
# are counted under node_exporter 1.5's labels, the same 70 series per
# seat as node_exporter 1.5 reading the same logind, a session that ends
# leaves the count through logind's signals alone, and a restart of
# logind is survived.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/system-instance.sh"
need curl systemd-run loginctl python3
ls /lib/*/security/pam_systemd.so /usr/lib/*/security/pam_systemd.so >/dev/null 2>&1 ||
        skip "pam_systemd is not installed (libpam-systemd; tools/setup.sh test installs it)"

si_boot
si systemctl start systemd-logind.service ||
        skip "systemd-logind does not start in the instance: $(si journalctl -b -u systemd-logind --no-pager | tail -3)"

# session NAME TYPE CLASS: a service whose PAM session pam_systemd registers
session() {
        si systemd-run --quiet --unit="$1" -p PAMName=other -p User=nobody -E XDG_SESSION_TYPE="$2" \
                -E XDG_SESSION_CLASS="$3" sleep 600
}
session lt-a unspecified user
session lt-b tty background
session lt-c web greeter
session lt-d unspecified user
wait_for 10 sh -c "[ \$(nsenter -t $SI_PID -a loginctl list-sessions --no-legend | wc -l) -ge 4 ]" ||
        fail "pam_systemd registered no sessions: $(si loginctl list-sessions; si journalctl -b --no-pager | tail -20)"

: >"$T/vigie.log"
si systemd-run --quiet --unit=vigie-test -p StandardOutput="append:$T/vigie.log" \
        -p StandardError="append:$T/vigie.log" "$VIGIE" --web.listen-address=127.0.0.1:9100 --log.target=stderr \
        --collector.disable-defaults --collector.logind

# count SEAT REMOTE TYPE CLASS: the value of that series
count() {
        sed -n "s/^node_logind_sessions{seat=\"$1\",remote=\"$2\",type=\"$3\",class=\"$4\"} //p" "$M"
}
# sessions FILE: its node_logind_sessions series, labels in one order
sessions() {
        python3 "$(dirname "$0")/families.py" "$1" node_logind_sessions --values
}

scrapes_with 10 'node_scrape_collector_success{collector="logind"} 1' ||
        fail "the logind collector does not succeed: $(grep logind "$M"; cat "$T/vigie.log")"
has '^node_logind_sessions{seat="",remote="false",type="unspecified",class="user"} 2$' ||
        fail "two unspecified user sessions: $(grep -v ' 0$' "$M" | grep logind_sessions)"
[ "$(count "" false tty background)" = 1 ] && [ "$(count "" false web greeter)" = 1 ] ||
        fail "tty background and web greeter: $(grep logind_sessions "$M" | grep -v ' 0$')"
[ "$(grep -c '^node_logind_sessions{seat="",' "$M")" = 70 ] || fail "not 70 series for the empty seat"
seats=$(si loginctl list-seats --no-legend | wc -l)
[ "$(grep -c '^node_logind_sessions{' "$M")" = $((70 * (seats + 1))) ] ||
        fail "not 70 series for each of the $seats seats and the empty one"

if command -v prometheus-node-exporter >/dev/null; then
        echo "the same series and counts as node_exporter 1.5"
        si systemd-run --quiet --unit=ne-test /usr/bin/prometheus-node-exporter --web.listen-address=127.0.0.1:9103 \
                --collector.disable-defaults --collector.logind
        wait_for 10 si curl -fsS -o "$T/ne" http://127.0.0.1:9103/metrics || fail "node_exporter does not serve"
        scrape
        diff <(sessions "$M") <(sessions "$T/ne") >"$T/ne.diff" || fail "sessions differ: $(head -20 "$T/ne.diff")"
        grep -q '^# HELP node_logind_sessions Number of sessions registered in logind.$' "$T/ne" ||
                fail "help text: $(grep 'HELP node_logind' "$T/ne")"
        si systemctl stop ne-test
fi

echo "a session that ends, through logind's signals (the period is a minute)"
si systemctl stop lt-d
scrapes_with 5 '^node_logind_sessions{seat="",remote="false",type="unspecified",class="user"} 1$' ||
        fail "the ended session is still counted: $(grep logind_sessions "$M" | grep -v ' 0$')"
session lt-f x11 lock-screen
scrapes_with 5 '^node_logind_sessions{seat="",remote="false",type="x11",class="lock-screen"} 1$' ||
        fail "the new session is not counted: $(grep logind_sessions "$M" | grep -v ' 0$')"

echo "logind restarted"
si systemctl restart systemd-logind.service
session lt-g wayland user
scrapes_with 10 '^node_logind_sessions{seat="",remote="false",type="wayland",class="user"} 1$' ||
        fail "no session after logind's restart: $(grep logind "$M"; tail -5 "$T/vigie.log")"
has '^node_logind_sessions{seat="",remote="false",type="tty",class="background"} 1$' ||
        fail "the sessions from before the restart: $(grep logind_sessions "$M" | grep -v ' 0$')"
[ "$(si systemctl show -p NRestarts --value vigie-test)" = 0 ] || fail "vigie restarted"
# vigie-collectors(7) lists what this collector served here, no fixture
# tree having a bus
if [ -n "${MAN_DIR:-}" ] && command -v man >/dev/null; then
        grep -E '^(# (HELP|TYPE) )?node_logind_' "$M" >"$T/served.man"
        MANWIDTH=1000 man -l "$MAN_DIR/vigie-collectors.7" >"$T/collectors.7.wide" 2>/dev/null
        python3 "$SOURCE_ROOT/tests/integration/man_families.py" "$T/served.man" "$T/collectors.7.wide" ||
                fail "vigie-collectors(7) misses families served here"
fi
echo "logind: ok"
