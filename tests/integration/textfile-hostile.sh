#!/usr/bin/env bash
# Ordinary .prom files that used to kill the agent or get lost, served by
# the daemon: a series whose label value is 200,000 bytes long, 20,000
# series in one file (both a heap use-after-free at the first scrape), and
# a directory of 1,100 files (past the 1,024th, files were dropped). A
# FIFO named .prom is skipped without blocking, and said to be a FIFO; a
# broken file is warned of once, not again while it stays as it was.
source "$(dirname "$0")/lib.sh"
need curl python3
D=$T/textfile
mkdir "$D"
python3 - "$D" <<'PY'
import sys
d = sys.argv[1]
open(f"{d}/big.prom", "w").write('big_label{a="' + "x" * 200000 + '"} 1\n')
open(f"{d}/lines.prom", "w").write("".join(f"line{i} {i}\n" for i in range(20000)))
PY
mkfifo "$D/fifo.prom"
# the big series, whole: 200,000 x between the quotes (grep counts no further than 32,767)
big_served() { [ "$(sed -n 's/^big_label{a="\(x*\)"} 1$/\1/p' "$1" | awk '{ print length($0) }')" = 200000 ]; }
printf 'broken{ 1\n' >"$D/broken.prom"

# --once: the exit code and the series
"$VIGIE" --once --log.target=stderr --collector.disable-defaults --collector.textfile \
        --collector.textfile.directory="$D" >"$T/once.prom" 2>"$T/once.log" || fail "vigie --once failed ($?)"
big_served "$T/once.prom" || fail "--once: no 200,000-byte label value"
[ "$(grep -c '^line[0-9]* ' "$T/once.prom")" -eq 20000 ] || fail "--once: not the 20,000 series"

start_vigie vigie --collector.disable-defaults --collector.textfile --collector.textfile.directory="$D"
for _ in 1 2 3; do
        curl -fsS --max-time 20 "$VIGIE_URL/metrics" -o "$T/metrics" || fail "/metrics did not answer"
        big_served "$T/metrics" || fail "no 200,000-byte label value"
        [ "$(grep -c '^line[0-9]* ' "$T/metrics")" -eq 20000 ] || fail "not the 20,000 series"
        grep -q '^line19999 19999$' "$T/metrics" || fail "no line19999"
        grep -q '^node_textfile_scrape_error 1$' "$T/metrics" || fail "the FIFO and broken.prom are not errors"
done
grep -q 'level=warn msg="textfile: [^"]*/fifo.prom skipped: not a regular file (a FIFO)"' "$T/vigie.log" ||
        fail "the FIFO is not said to be one: $(grep fifo "$T/vigie.log")"
grep -q 'level=warn msg="textfile: [^"]*/broken.prom skipped: line 1: invalid label name"' "$T/vigie.log" ||
        fail "broken.prom is not warned of"
# another file changes: the directory is read again, broken.prom is not warned of again
echo "other 1" >"$D/other.prom"
wait_for 10 serves "$VIGIE_URL/metrics" '^other 1$' || fail "other.prom is not served"
[ "$(grep -c 'level=warn msg="textfile: [^"]*/broken.prom skipped' "$T/vigie.log")" -eq 1 ] ||
        fail "broken.prom warned of more than once while unchanged"
# broken.prom rewritten, still broken: warned of again
printf 'broken{ 2\n' >"$D/broken.prom.tmp" && mv "$D/broken.prom.tmp" "$D/broken.prom"
warned_again() { curl -fsS "$VIGIE_URL/metrics" -o /dev/null && [ "$(grep -c 'broken.prom skipped' "$T/vigie.log")" -ge 2 ]; }
wait_for 10 warned_again ||
        fail "broken.prom, changed, is not warned of again"
kill -0 "$VIGIE_PID" || fail "vigie died"
stop_pid "$VIGIE_PID" || fail "vigie exited with $? at SIGTERM"

# 1,100 files, every one served
M=$T/many
mkdir "$M"
for i in $(seq 0 1099); do echo "file_metric{n=\"$i\"} $i" >"$M/f$i.prom"; done
start_vigie many --collector.disable-defaults --collector.textfile --collector.textfile.directory="$M"
curl -fsS --max-time 20 "$VIGIE_URL/metrics" -o "$T/many.prom" || fail "/metrics did not answer"
[ "$(grep -c '^file_metric{' "$T/many.prom")" -eq 1100 ] || fail "not the 1,100 files' series"
[ "$(grep -c '^node_textfile_mtime_seconds{' "$T/many.prom")" -eq 1100 ] || fail "not 1,100 mtimes"
grep -q '^node_textfile_scrape_error 0$' "$T/many.prom" || fail "scrape error with 1,100 good files"
stop_pid "$VIGIE_PID" || fail "vigie exited with $? at SIGTERM"

# no directory configured: node_textfile_scrape_error 0, as node_exporter serves
"$VIGIE" --once --collector.disable-defaults --collector.textfile >"$T/nodir.prom" || fail "--once failed"
grep -q '^node_textfile_scrape_error 0$' "$T/nodir.prom" || fail "no scrape_error 0 without a directory"

# a directory that does not exist: an error at every scrape, logged once;
# made later, read from the next scrape on, and that said too
G=$T/gone
start_vigie gone --collector.disable-defaults --collector.textfile --collector.textfile.directory="$G"
for _ in 1 2 3; do
        curl -fsS --max-time 20 "$VIGIE_URL/metrics" -o "$T/gone.prom" || fail "/metrics did not answer"
        grep -q '^node_textfile_scrape_error 1$' "$T/gone.prom" || fail "a missing directory is not an error"
done
[ "$(grep -c 'level=error msg="textfile: cannot read the directory [^"]*/gone' "$T/gone.log")" -eq 1 ] ||
        fail "the missing directory is not logged once at error: $(grep textfile "$T/gone.log")"
mkdir "$G" && echo "back 1" >"$G/back.prom"
wait_for 10 serves "$VIGIE_URL/metrics" '^back 1$' || fail "the directory made later is not read"
grep -q '^node_textfile_scrape_error 0$' <(curl -fsS "$VIGIE_URL/metrics") || fail "still an error once made"
grep -q 'msg="textfile: the directory [^"]*/gone can be read again"' "$T/gone.log" || fail "the recovery is not logged"
echo "textfile-hostile: ok"
