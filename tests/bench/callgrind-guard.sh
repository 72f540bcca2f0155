#!/usr/bin/env bash
# Instructions per scrape, counted by callgrind on a fixed machine made of
# fixtures (tests/fixtures/bench), must not grow by more than 10% over the
# figure kept in tests/bench/callgrind-baseline.txt. Instruction counts do
# not depend on how busy the machine is, unlike times. A change that makes
# scrapes dearer on purpose updates the file in the same commit:
#   UPDATE_BASELINE=1 meson test -C build callgrind-guard
source "$(dirname "$0")/../integration/lib.sh"
need valgrind
[ -n "${BENCH_SCRAPE:-}" ] && [ -x "$BENCH_SCRAPE" ] || skip "bench_scrape is not built (sanitizer builds leave it out)"
B="$SOURCE_ROOT/tests/fixtures/bench"
baseline_file="$SOURCE_ROOT/tests/bench/callgrind-baseline.txt"
n=10
# every collector but those whose input is the live machine (uname, time,
# timex, textfile, and systemd, whose bus this host may or may not have,
# which made the count vary by 3%) and without the agent's own process_*
# metrics
valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" --toggle-collect=measure \
        "$BENCH_SCRAPE" "$n" --gzip --path.procfs="$B/proc" --path.sysfs="$B/sys" --path.rootfs="$B/root" \
        --path.udev.data="$B/udev" --no-collector.uname --no-collector.time --no-collector.timex --no-collector.textfile \
        --no-collector.systemd --web.disable-exporter-metrics >"$T/bench.out" 2>"$T/valgrind.log" || fail "callgrind run failed: $(tail "$T/valgrind.log")"
total=$(sed -n 's/^summary: \([0-9]*\).*/\1/p' "$T/cg.out")
[ -n "$total" ] || fail "no callgrind summary"
per_scrape=$((total / n))
echo "instructions per scrape: $per_scrape ($(cat "$T/bench.out"))"
if [ -n "${UPDATE_BASELINE:-}" ]; then
        echo "instructions_per_scrape=$per_scrape" >"$baseline_file"
        echo "baseline updated"
        exit 0
fi
baseline=$(sed -n 's/^instructions_per_scrape=//p' "$baseline_file")
[ -n "$baseline" ] || fail "no baseline in $baseline_file"
limit=$((baseline * 110 / 100))
echo "baseline: $baseline; limit (+10%): $limit"
[ "$per_scrape" -le "$limit" ] ||
        fail "a scrape costs $per_scrape instructions, over 110% of the baseline $baseline: make it cheaper, or update tests/bench/callgrind-baseline.txt in the same commit and say why"
if [ "$per_scrape" -lt $((baseline * 90 / 100)) ]; then
        echo "note: more than 10% under the baseline; UPDATE_BASELINE=1 records the gain"
fi
echo "callgrind-guard: ok"
