#!/usr/bin/env bash
# The perf collector's software and tracepoint counters on this host, in
# a private mount namespace where tracefs is mounted (at
# /sys/kernel/tracing, and beneath debugfs where node_exporter 1.5 looks):
# every CPU has node_exporter 1.5's software families and the tracepoints
# asked for (the flag repeated, as node_exporter takes it), the same
# families, help texts, types and label sets as node_exporter 1.5 on the
# same host, counters that grow; --collector.perf.cpus with a list, a
# range and a stride; bad flags refused; events that cannot be opened on
# any CPU are no data, tried once and not on every scrape. Hardware and
# cache events: tests/integration/perf-hardware.sh.
if [ -z "${VIGIE_IN_NS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "SKIP: counting every process on a CPU and mounting tracefs need root"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: unshare is missing"; exit 77; }
        exec unshare --mount --propagation private env VIGIE_IN_NS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
need curl python3 strace
[ -e /proc/sys/kernel/perf_event_paranoid ] || skip "this kernel has no perf_event_open"
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing ||
        skip "tracefs cannot be mounted here"
[ -e /sys/kernel/tracing/events/sched/sched_switch/id ] || skip "no sched:sched_switch tracepoint"

SOFTWARE="node_perf_context_switches_total node_perf_cpu_migrations_total node_perf_major_faults_total
node_perf_minor_faults_total node_perf_page_faults_total"
TRACE=(--collector.perf.tracepoint=sched:sched_switch --collector.perf.tracepoint=syscalls:sys_enter_read)
ncpu=$(nproc)

# families FILE: the node_perf_* families with their type, help and label sets
families() {
        python3 "$(dirname "$0")/families.py" "$1" node_perf_
}
# total FILE FAMILY: the sum over the CPUs
total() {
        awk -v f="$2" 'index($0, f "{") == 1 { s += $2 } END { printf "%d\n", s }' "$1"
}

start_vigie perf --collector.disable-defaults --collector.perf "${TRACE[@]}"
curl -fsS "$VIGIE_URL/metrics" -o "$T/m1"
sleep 1
curl -fsS "$VIGIE_URL/metrics" -o "$T/m2"
grep -q '^node_scrape_collector_success{collector="perf"} 1$' "$T/m2" || fail "perf failed: $(grep perf "$T/m2")"
for f in $SOFTWARE node_perf_sched_sched_switch node_perf_syscalls_sys_enter_read; do
        [ "$(grep -c "^$f{cpu=\"[0-9]*\"} " "$T/m2")" = "$ncpu" ] || fail "$f: not one series per CPU: $(grep "^$f" "$T/m2")"
done
grep -q '^# HELP node_perf_sched_sched_switch Perf tracepoint sched:sched_switch$' "$T/m2" || fail "tracepoint help"
grep -q '^# TYPE node_perf_sched_sched_switch counter$' "$T/m2" || fail "tracepoint type"
for f in node_perf_context_switches_total node_perf_sched_sched_switch node_perf_syscalls_sys_enter_read; do
        [ "$(total "$T/m2" $f)" -gt "$(total "$T/m1" $f)" ] || fail "$f does not grow: $(grep "^$f" "$T/m1" "$T/m2")"
done
if [ ! -e /sys/bus/event_source/devices/cpu ]; then
        echo "no hardware PMU here: no hardware or cache family, and no failure"
        [ "$(families "$T/m2" | grep -c "^node_perf_")" = 7 ] || fail "families: $(families "$T/m2" | grep "^node_perf_" | cut -d' ' -f1)"
fi

if command -v prometheus-node-exporter >/dev/null; then
        echo "the same families, help texts, types and label sets as node_exporter 1.5"
        port=$(free_port)
        prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --collector.perf \
                "${TRACE[@]}" >"$T/ne.log" 2>&1 &
        PIDS+=($!)
        wait_for 20 curl -fsS -o "$T/ne" "http://127.0.0.1:$port/metrics" ||
                fail "node_exporter does not serve: $(tail -3 "$T/ne.log")"
        diff <(families "$T/m2") <(families "$T/ne") >"$T/ne.diff" || fail "families differ: $(head -20 "$T/ne.diff")"
fi
stop_pid "$VIGIE_PID" || true

echo "--collector.perf.cpus"
if [ "$ncpu" -ge 2 ]; then
        "$VIGIE" --collector.disable-defaults --collector.perf --collector.perf.cpus=1 --once >"$T/once"
        [ "$(grep '^node_perf_context_switches_total{' "$T/once" | cut -d' ' -f1)" = \
                'node_perf_context_switches_total{cpu="1"}' ] || fail "cpus=1: $(grep context_switches "$T/once")"
        "$VIGIE" --collector.disable-defaults --collector.perf --collector.perf.cpus=0-1:2 --once >"$T/once"
        [ "$(grep '^node_perf_context_switches_total{' "$T/once" | cut -d' ' -f1)" = \
                'node_perf_context_switches_total{cpu="0"}' ] || fail "cpus=0-1:2: $(grep context_switches "$T/once")"
fi
# a CPU named twice is counted once (node_exporter 1.5 fails the scrape on the duplicate series)
"$VIGIE" --collector.disable-defaults --collector.perf --collector.perf.cpus=0,0-0 --once >"$T/once"
[ "$(grep -c '^node_perf_page_faults_total{' "$T/once")" = 1 ] || fail "cpus=0,0-0: $(grep page_faults "$T/once")"

echo "bad flags are refused"
for bad in --collector.perf.cpus=1- --collector.perf.cpus=a --collector.perf.cpus=3-1:0 \
        --collector.perf.tracepoint=sched --collector.perf.tracepoint=../x:y --collector.perf.tracepoint=sched:nosuch; do
        rc=0
        "$VIGIE" --collector.disable-defaults --collector.perf "$bad" --once >/dev/null 2>"$T/err" || rc=$?
        [ $rc = 2 ] && grep -q -- "${bad%%=*}" "$T/err" || fail "$bad: exit $rc, $(cat "$T/err")"
done

echo "no event on any CPU: no data, and no open on every scrape"
start_vigie absent --collector.disable-defaults --collector.perf --collector.perf.cpus=4095
strace -f -qq -e trace=perf_event_open -o "$T/strace" -p "$VIGIE_PID" &
strace_pid=$!
PIDS+=($strace_pid)
sleep 1
for _ in 1 2 3 4 5; do
        curl -fsS "$VIGIE_URL/metrics" -o "$T/m"
done
grep -q '^node_scrape_collector_success{collector="perf"} 0$' "$T/m" || fail "absent: $(grep perf "$T/m")"
kill "$strace_pid"
wait "$strace_pid" 2>/dev/null || true
# the first scrape tries each of the 26 events once, the next ones none
[ "$(grep -c 'perf_event_open(' "$T/strace")" = 26 ] || fail "opens: $(grep -c 'perf_event_open(' "$T/strace")"
echo "perf: ok"
