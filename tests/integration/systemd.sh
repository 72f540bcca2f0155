#!/usr/bin/env bash
# The shipped vigie.service under a real systemd (a user manager in a
# private mount namespace, DESIGN.md §8): Type=notify readiness, STATUS=,
# the watchdog (kept alive, and firing when vigie is frozen), reload through
# ExecReload, a clean stop; and vigie.socket's socket activation.
source "$(dirname "$0")/lib.sh"
need unshare systemctl systemd-run curl
[ -x /lib/systemd/systemd ] || skip "/lib/systemd/systemd is missing"
[ "$(id -u)" -eq 0 ] || skip "a user manager in a private mount namespace needs root here"

D="$T/run"
mkdir -m 700 "$D"
mkdir -p "$T/config/systemd/user"
unshare -m sh -c "mount -t tmpfs none /run/systemd && mkdir -p /run/systemd/system &&
        XDG_RUNTIME_DIR=$D XDG_CONFIG_HOME=$T/config exec /lib/systemd/systemd --user" >"$T/manager.log" 2>&1 &
PIDS+=($!)
export XDG_RUNTIME_DIR=$D
# (is-system-running says "offline" without a system manager; the user
# manager answers all the same)
wait_for 20 systemctl --user show-environment ||
        skip "no systemd user manager here: $(systemctl --user show-environment 2>&1 | head -1); $(tail -3 "$T/manager.log")"

port=$(free_port)
# The shipped unit, less what a user manager cannot do (another user,
# sandboxing that needs privileges) and with this build's binary.
sed -e "s|^ExecStart=/usr/sbin/vigie .*|ExecStart=$VIGIE --web.listen-address=127.0.0.1:$port --config $T/vigie.conf|" \
        -e 's|^WatchdogSec=.*|WatchdogSec=2s|' \
        -e '/^\(DynamicUser\|User\|Group\|BindReadOnlyPaths\|DeviceAllow\|StateDirectory\|CapabilityBoundingSet\|AmbientCapabilities\|Protect\|Private\|Restrict\|LockPersonality\|MemoryDeny\|SystemCall\)/d' \
        "$SOURCE_ROOT/packaging/systemd/vigie.service" >"$T/config/systemd/user/vigie.service"
grep -q '^Type=notify$' "$T/config/systemd/user/vigie.service" || fail "the shipped unit is not Type=notify"
cp "$SOURCE_ROOT/packaging/vigie.conf" "$T/vigie.conf"
systemctl --user daemon-reload

prop() { systemctl --user show vigie.service -p "$1" --value; }

systemctl --user start vigie.service || fail "start failed: $(systemctl --user status vigie.service 2>&1)"
# Type=notify: start returns once READY=1 arrived, so it serves right away
[ "$(prop ActiveState)" = active ] || fail "not active after start"
serves "http://127.0.0.1:$port/metrics" '^node_cpu_seconds_total{' || fail "not serving when READY"
[[ "$(prop StatusText)" == "serving; collectors: cpu, stat, meminfo, "* ]] || fail "STATUS: $(prop StatusText)"

# the watchdog is kept alive well past WatchdogSec
pid=$(prop MainPID)
sleep 5
[ "$(prop ActiveState)" = active ] && [ "$(prop MainPID)" = "$pid" ] || fail "watchdog: restarted or failed"

# reload: ExecReload sends SIGHUP, a new config applies
printf '[collectors]\ncpu = false\n' >"$T/vigie.conf"
systemctl --user reload vigie.service || fail "reload failed"
wait_for 10 serves_without "http://127.0.0.1:$port/metrics" '^node_cpu_seconds_total' ||
        fail "reload did not apply"
[ "$(prop MainPID)" = "$pid" ] || fail "reload restarted the process"

# a frozen agent is caught by the watchdog and restarted
kill -STOP "$pid"
wait_for 15 sh -c "[ \"\$(systemctl --user show vigie.service -p MainPID --value)\" != $pid ] &&
        [ \"\$(systemctl --user show vigie.service -p ActiveState --value)\" = active ]" ||
        fail "watchdog did not restart a frozen vigie: $(prop ActiveState) $(prop Result)"
[ "$(prop NRestarts)" -ge 1 ] || fail "NRestarts did not count the watchdog restart"

systemctl --user stop vigie.service
[ "$(prop ActiveState)" = inactive ] && [ "$(prop Result)" = success ] ||
        fail "stop: $(prop ActiveState) $(prop Result) $(prop ExecMainStatus)"

# socket activation through the shipped vigie.socket (on a free port)
sport=$(free_port)
sed "s|^ListenStream=.*|ListenStream=127.0.0.1:$sport|" "$SOURCE_ROOT/packaging/systemd/vigie.socket" \
        >"$T/config/systemd/user/vigie.socket"
sed -i "s|--web.listen-address=127.0.0.1:$port ||" "$T/config/systemd/user/vigie.service"
systemctl --user daemon-reload
systemctl --user start vigie.socket
[ "$(prop ActiveState)" = inactive ] || fail "vigie started before any connection"
serves "http://127.0.0.1:$sport/metrics" '^node_boot_time_seconds ' || fail "no answer on the activated socket"
[ "$(prop ActiveState)" = active ] || fail "socket activation did not start vigie.service"
systemctl --user stop vigie.service vigie.socket
echo "systemd: ok"
