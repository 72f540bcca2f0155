#!/usr/bin/env bash
# The textfile collector's cost grows with its families, not with their
# square: callgrind counts the instructions of a run (the first scrape,
# which reads the directory, then three with it unchanged) on 1,000 and
# 4,000 families. Linear code costs about 4 times more for 4 times the
# families (n log n a little more); the quadratic code this guards against
# cost 16 times more. Instruction counts do not depend on how busy the
# machine is.
source "$(dirname "$0")/../integration/lib.sh"
need valgrind callgrind_annotate python3
[ -n "${BENCH_SCRAPE:-}" ] && [ -x "$BENCH_SCRAPE" ] || skip "bench_scrape is not built (sanitizer builds leave it out)"
for n in 1000 4000; do
        mkdir "$T/d$n"
        python3 -c "import sys; n = int(sys.argv[1]); sys.stdout.write(''.join(
                f'# HELP m{i} Family {i}.\n# TYPE m{i} gauge\nm{i}{{job=\"j{i % 7}\"}} {i}\n' for i in range(n)))" \
                "$n" >"$T/d$n/families.prom"
done
# a file changed less than a second ago is read again at every scrape
# (racily clean): let the stamps be trusted
sleep 1.2
declare -A total measured
for n in 1000 4000; do
        valgrind --tool=callgrind --callgrind-out-file="$T/cg.$n" "$BENCH_SCRAPE" 3 --collector.disable-defaults \
                --collector.textfile --collector.textfile.directory="$T/d$n" --web.disable-exporter-metrics \
                >"$T/bench.$n" 2>"$T/valgrind.log" || fail "callgrind run failed: $(tail "$T/valgrind.log")"
        grep -q "^scrapes=3 " "$T/bench.$n" || fail "bench_scrape: $(cat "$T/bench.$n")"
        total[$n]=$(sed -n 's/^summary: \([0-9]*\).*/\1/p' "$T/cg.$n")
        # the unchanged scrapes alone
        measured[$n]=$(callgrind_annotate --inclusive=yes "$T/cg.$n" | sed -n 's/^ *\([0-9,]*\) .*bench_scrape.c:measure .*/\1/p' | head -n 1 | tr -d ,)
        [ -n "${total[$n]}" ] && [ -n "${measured[$n]}" ] || fail "no callgrind figures for $n families"
        echo "$n families: ${total[$n]} instructions in all, ${measured[$n]} in the 3 unchanged scrapes"
done
check() {
        local what=$1 small=$2 big=$3
        local ratio=$((big * 10 / small))
        echo "$what: 4 times the families cost $((ratio / 10)).$((ratio % 10)) times more"
        [ "$ratio" -le 60 ] || fail "$what grows faster than the families (x$((ratio / 10)).$((ratio % 10)) for x4): quadratic again?"
}
check "whole run" "${total[1000]}" "${total[4000]}"
check "unchanged scrapes" "${measured[1000]}" "${measured[4000]}"
echo "textfile-scaling: ok"
