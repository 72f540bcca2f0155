#!/usr/bin/env bash
# The command line as a person meets it: help, version, --check-config,
# --once, and exit code 2 with file:line for every mistake.
source "$(dirname "$0")/lib.sh"

"$VIGIE" --help >"$T/help" || fail "--help exited non-zero"
for flag in --web.listen-address --web.telemetry-path --path.procfs --path.sysfs --path.rootfs \
        --collector.disable-defaults --config --check-config --once; do
        grep -q -- "$flag" "$T/help" || fail "--help does not mention $flag"
done
grep -q "^  cpu " "$T/help" || fail "--help does not list the cpu collector"
# node_exporter's --help-long and --help-man give the same
for flag in --help-long --help-man; do
        "$VIGIE" "$flag" | cmp -s - "$T/help" || fail "$flag is not --help"
done
# each collector's options with their defaults, as node_exporter shows them
grep -q -- "--collector.filesystem.mount-timeout" "$T/help" || fail "--help lacks the filesystem options"
grep -qF -- '(default "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$")' "$T/help" ||
        fail "--help lacks diskstats' default exclude"

"$VIGIE" --version | grep -Eq '^vigie [0-9]+\.[0-9]+\.[0-9]+ \(revision [0-9a-f]+|unknown\)$' ||
        fail "--version: $("$VIGIE" --version)"

# the shipped config is valid as it is
"$VIGIE" --check-config --config "$SOURCE_ROOT/packaging/vigie.conf" >"$T/out" 2>&1 ||
        fail "packaging/vigie.conf: $(cat "$T/out")"
grep -q "configuration is valid; collectors: cpu, stat, meminfo" "$T/out" || fail "check-config said: $(cat "$T/out")"
# and it prints the effective settings, each with where it came from
"$VIGIE" --check-config --web.max-requests=7 >"$T/out" 2>&1 || fail "--check-config: $(cat "$T/out")"
grep -Eq '^max_requests = 7 +; flag --web.max-requests$' "$T/out" || fail "check-config listing: $(cat "$T/out")"
grep -Eq '^telemetry_path = /metrics +; default$' "$T/out" || fail "check-config listing: $(cat "$T/out")"

# node_exporter's flags as in /etc/default/prometheus-node-exporter keep the service up
"$VIGIE" --check-config --no-collector.runit --collector.systemd --collector.powersupply.ignored-supplies='^BAT' \
        --collector.filesystem.ignored-mount-points='^/x' --collector.diskstats.ignored-devices='^x$' \
        --web.max-requests=0 --log.format=json >"$T/out" 2>"$T/err" || fail "node_exporter flags: $(cat "$T/err")"
grep -qF '"msg":"--no-collector.runit: vigie has no runit collector; ignored"' "$T/err" ||
        fail "--no-collector.runit: no JSON warning: $(cat "$T/err")"
grep -Eq '^ignored_supplies = \^BAT +; flag --collector.powersupplyclass.ignored-supplies$' "$T/out" ||
        fail "--collector.powersupply.ignored-supplies not applied: $(cat "$T/out")"

# expect_error EXPECTED_MESSAGE ARGS...: exit code 2, the message on stderr, nothing on stdout,
# within 30 s (124 if not)
expect_error() {
        local want=$1 rc=0
        shift
        timeout 30 "$VIGIE" "$@" >"$T/stdout" 2>"$T/stderr" || rc=$?
        [ $rc -eq 2 ] || fail "vigie $*: exit code $rc, expected 2"
        grep -qF -- "$want" "$T/stderr" || fail "vigie $*: stderr '$(cat "$T/stderr")' lacks '$want'"
        [ ! -s "$T/stdout" ] || fail "vigie $*: wrote to stdout: $(cat "$T/stdout")"
}

printf '[web]\nlisten_address = :9100\nmax_requests = lots\n' >"$T/bad.conf"
expect_error "$T/bad.conf:3: [web] max_requests: 'lots' is not a whole number from 0 (no limit) to 10000" \
        --check-config --config "$T/bad.conf"
# the same refusal when starting for real: nothing is started
expect_error "$T/bad.conf:3:" --config "$T/bad.conf" --web.listen-address=127.0.0.1:0
printf '[collector.cpu]\nguest = sometimes\n' >"$T/bad2.conf"
expect_error "$T/bad2.conf:2: [collector.cpu] guest: 'sometimes' is not a boolean" --check-config --config "$T/bad2.conf"
printf '[web]\nlisten_adress = :9100\n' >"$T/typo.conf"
expect_error "$T/typo.conf:2: [web] listen_adress: unknown key" --check-config --config "$T/typo.conf"
expect_error "$T/missing.conf: cannot open: No such file or directory" --check-config --config "$T/missing.conf"
printf '[web]\n' >"$T/unreadable.conf"
chmod 000 "$T/unreadable.conf"
if [ "$(id -u)" -ne 0 ]; then
        expect_error "$T/unreadable.conf: cannot open: Permission denied" --check-config --config "$T/unreadable.conf"
fi
# a file that never ends is refused at once, not read until memory runs out
expect_error "/dev/zero: more than 1 MiB: too large for a configuration file" --check-config --config /dev/zero
expect_error "$T: cannot read: Is a directory" --check-config --config "$T"
expect_error "unknown option '--bogus'" --bogus
expect_error "unknown option '--web.listen-adress'; did you mean --web.listen-address?" --web.listen-adress :9100
printf '[push.target.central]\n;url = https://central/api/v1/write\n' >"$T/nourl.conf"
expect_error "$T/nourl.conf:1: [push.target.central]: no url (this target would push nothing)" \
        --check-config --config "$T/nourl.conf"
printf 'tls_server_config:\n  cert_file: a.crt\n' >"$T/web.yml"
expect_error "--web.config.file: $T/web.yml:1: tls_server_config: missing key_file" \
        --web.config.file "$T/web.yml" --web.listen-address=127.0.0.1:0
expect_error "--web.listen-address: 'nope' is not host:port" --web.listen-address nope
expect_error "unknown option '--collector.nonexistent'" --collector.nonexistent

# --once prints one exposition and exits 0
"$VIGIE" --once >"$T/once" 2>"$T/once.err" || fail "--once failed: $(cat "$T/once.err")"
grep -q '^node_cpu_seconds_total{cpu="0",mode="idle"} ' "$T/once" || fail "--once has no cpu series"
grep -q '^node_scrape_collector_success{collector="stat"} 1$' "$T/once" || fail "--once: stat failed"

# flags pick collectors
"$VIGIE" --once --collector.disable-defaults --collector.stat >"$T/once2"
! grep -q '^node_cpu_seconds_total' "$T/once2" || fail "--collector.disable-defaults left cpu on"
grep -q '^node_boot_time_seconds ' "$T/once2" || fail "--collector.stat did not enable stat"
"$VIGIE" --once --no-collector.stat >"$T/once3"
! grep -q '^node_boot_time_seconds' "$T/once3" || fail "--no-collector.stat left stat on"

# --path.procfs reaches the collectors: a fixture tree instead of /proc
"$VIGIE" --once --path.procfs "$SOURCE_ROOT/tests/fixtures/cpu/regular/proc" >"$T/once4"
grep -q '^node_boot_time_seconds 1418183276$' "$T/once4" || fail "--path.procfs not used"
# and a procfs without /proc/stat is "no data": the collectors report failure, vigie goes on
"$VIGIE" --once --path.procfs "$T" >"$T/once5" 2>"$T/once5.err"
grep -q '^node_scrape_collector_success{collector="cpu"} 0$' "$T/once5" || fail "missing /proc/stat not reported"
grep -q 'collector cpu has no data on this host: No such file or directory' "$T/once5.err" ||
        fail "missing /proc/stat not logged: $(cat "$T/once5.err")"
# a procfs whose stat and loadavg never end (/dev/zero): those collectors
# fail at their size bound, quickly, and the others go on
mkdir "$T/zero"
ln -s /dev/zero "$T/zero/stat"
ln -s /dev/zero "$T/zero/loadavg"
timeout 30 "$VIGIE" --once --path.procfs "$T/zero" >"$T/once6" 2>"$T/once6.err" ||
        fail "--once on /dev/zero files: exit code $?: $(cat "$T/once6.err")"
for c in cpu stat loadavg; do
        grep -q "^node_scrape_collector_success{collector=\"$c\"} 0$" "$T/once6" || fail "$c on /dev/zero not reported"
        grep -q "collector $c failed; its series are left out until it recovers: File too large" "$T/once6.err" ||
                fail "$c on /dev/zero not logged: $(cat "$T/once6.err")"
done
grep -q '^node_scrape_collector_success{collector="uname"} 1$' "$T/once6" || fail "uname did not go on"
# a reload that changes nothing says nothing; one that changes something says so
printf '[collectors]\ncpu = true\n' >"$T/reload.conf"
start_vigie reload --config "$T/reload.conf"
lines=$(wc -l <"$T/reload.log")
kill -HUP "$VIGIE_PID"
sleep 1
kill -0 "$VIGIE_PID" || fail "vigie died on a reload"
[ "$(wc -l <"$T/reload.log")" -eq "$lines" ] || fail "a reload with no change logged: $(tail -n +$((lines + 1)) "$T/reload.log")"
printf '[collectors]\ncpu = false\n' >"$T/reload.conf"
kill -HUP "$VIGIE_PID"
wait_for 10 grep -q "configuration reloaded" "$T/reload.log" || fail "a changed reload not logged"
echo "cli: ok"
