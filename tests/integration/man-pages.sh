#!/usr/bin/env bash
# The man pages vigie(8), vigie.conf(5) and vigie-collectors(7): man
# renders them without a warning at 80 columns, they name every setting of
# the table, every collector and every collector option (man_source --list
# reads the table and the registry), every metric family the agent serves
# on the fixture trees is in vigie-collectors(7) with its type and help,
# and the files vigie(8) says are installed are the ones meson installs.
source "$(dirname "$0")/lib.sh"
need man python3 meson
[ -n "${MAN_SOURCE:-}" ] || skip "the man pages are not built (scdoc is not installed; tools/setup.sh installs it)"
: "${MAN_DIR:?}" "${BUILD_ROOT:?}"

for page in vigie.8 vigie.conf.5 vigie-collectors.7; do
        MANWIDTH=80 man --warnings -l "$MAN_DIR/$page" >"$T/$page.txt" 2>"$T/$page.err" ||
                fail "man cannot render $page: $(cat "$T/$page.err")"
        [ ! -s "$T/$page.err" ] || fail "man warns on $page: $(cat "$T/$page.err")"
        # wide, so that no name is broken or hyphenated across lines
        MANWIDTH=1000 man -l "$MAN_DIR/$page" 2>/dev/null >"$T/$page.wide"
done

"$MAN_SOURCE" --list >"$T/list" || fail "man_source --list failed"
[ "$(grep -c '^setting ' "$T/list")" -gt 20 ] && [ "$(grep -c '^collector ' "$T/list")" -gt 30 ] ||
        fail "man_source --list lists too little: $(wc -l <"$T/list") lines"

python3 - "$T/list" "$T/vigie.8.wide" "$T/vigie.conf.5.wide" <<'PY' || fail "the pages miss what the table and the registry have"
import re, sys
listing, page8, page5 = (open(p).read() for p in sys.argv[1:])
# a name, then each of [section] key in vigie.conf(5), under its section
sections5 = {}
current = None
for line in page5.splitlines():
    m = re.match(r"^   \[(.+)\]$", line)
    if m:
        current = m.group(1)
        sections5.setdefault(current, set())
    elif current:
        m = re.match(r"^       (\S+)( = \S+)?$", line)
        if m:
            sections5[current].add(m.group(1))
bad = []
for line in listing.splitlines():
    kind, *f = line.split()
    if kind == "setting":
        section, key, flag = f
        if key not in sections5.get(section, ()):
            bad.append("vigie.conf(5) lacks [%s] %s" % (section, key))
        if flag != "-" and not re.search(r"^       --%s( |$)" % re.escape(flag), page8, re.M):
            bad.append("vigie(8) lacks --%s" % flag)
    elif kind == "collector":
        (name,) = f
        if not re.search(r"^       %s \((on|off) by default\)$" % re.escape(name), page8, re.M):
            bad.append("vigie(8) lacks the collector %s" % name)
        if name not in sections5.get("collectors", ()):
            bad.append("vigie.conf(5) lacks [collectors] %s" % name)
    elif kind == "option":
        name, key = f[:2]
        if not re.search(r"^           --collector\.%s\.%s$" % (re.escape(name), re.escape(key.replace("_", "-"))), page8, re.M):
            bad.append("vigie(8) lacks --collector.%s.%s" % (name, key.replace("_", "-")))
        if key not in sections5.get("collector." + name, ()):
            bad.append("vigie.conf(5) lacks [collector.%s] %s" % (name, key))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY

# Every family the agent serves on each fixture tree, every collector on:
# with their defaults, then with each true|false option turned the other
# way. The agent's own families (the scrape's, process_*, vigie_build_info)
# are vigie(8)'s.
collectors=() turned=()
while read -r kind name key def; do
        case $kind in
        collector) collectors+=("--collector.$name") ;;
        option)
                [ -n "$def" ] || continue
                flag="collector.$name.${key//_/-}"
                if [ "$def" = true ]; then turned+=("--no-$flag"); else turned+=("--$flag"); fi
                ;;
        esac
done <"$T/list"
: >"$T/served"
n=0
for tree in "$SOURCE_ROOT"/tests/fixtures/*/*/ "$SOURCE_ROOT"/tests/fixtures/bench/; do
        [ -d "$tree/proc" ] || [ -d "$tree/sys" ] || [ -d "$tree/root" ] || continue
        for variant in defaults turned; do
                flags=("${collectors[@]}")
                [ $variant = defaults ] || flags+=("${turned[@]}")
                "$VIGIE" --once --path.procfs="$tree/proc" --path.sysfs="$tree/sys" --path.rootfs="$tree/root" \
                        --path.udev.data="$tree/udev" "${flags[@]}" >>"$T/served" 2>"$T/once.log" ||
                        fail "vigie --once failed on $tree: $(tail -3 "$T/once.log")"
        done
        n=$((n + 1))
done
[ "$n" -gt 100 ] || fail "only $n fixture trees found under $SOURCE_ROOT/tests/fixtures"

# the families that depend on the configuration, configured: a program
# of the exec collector, a tcp probe, a textfile directory, embodied carbon
cat >"$T/configured.conf" <<CONF
[collectors]
disable_defaults = true
exec = true
probe = true
textfile = true
energy = true
[collector.textfile]
directory = $SOURCE_ROOT/tests/fixtures/textfile/regular/dir
[collector.energy]
embodied_kgco2e = 1000
[exec.man]
command = echo man_example 1
allow_root = true
[probe.man]
kind = tcp
target = 127.0.0.1:1
CONF
"$VIGIE" --config "$T/configured.conf" --once >>"$T/served" 2>"$T/once.log" ||
        fail "vigie --once with an exec program and a probe: $(tail -3 "$T/once.log")"
grep -q '^vigie_exec_success{program="man"} 1$' "$T/served" || fail "the exec program did not run: $(cat "$T/once.log")"
grep -q '^probe_success{probe="man"} 0$' "$T/served" || fail "the probe did not run: $(cat "$T/once.log")"
grep -q '^node_textfile_mtime_seconds{' "$T/served" || fail "the textfile directory was not read"
grep -q '^vigie_carbon_embodied_grams_total ' "$T/served" || fail "no embodied carbon"
# what the programs and the textfiles print is theirs, not the page's
textfiles=$(cat "$SOURCE_ROOT"/tests/fixtures/textfile/regular/dir/*.prom |
        sed -n -e 's/^# [A-Z]* \([^ ]*\).*/\1/p' -e 's/^\([a-zA-Z_:][a-zA-Z0-9_:]*\).*/\1/p' | sort -u | paste -sd'|')
grep -v -E "man_example|^(# (HELP|TYPE) )?(${textfiles:-none})[ {]" "$T/served" >"$T/served.own"
python3 "$SOURCE_ROOT/tests/integration/man_families.py" "$T/served.own" "$T/vigie-collectors.7.wide" 300 ||
        fail "vigie-collectors(7) misses families the collectors serve"

# FILES in vigie(8): every absolute path between FILES and the next
# section but the directories made at run time: the queue, and the
# textfile directory (by the tmpfiles.d entry)
sed -n '/^FILES$/,/^[A-Z]/p' "$T/vigie.8.wide" | grep -o '/[^ ,]*' | sed 's/[.)]$//' |
        grep -vx -e /var/lib/vigie/queue -e /var/lib/prometheus/node-exporter | sort -u >"$T/stated"
meson introspect --installed "$BUILD_ROOT" | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin).values()))' |
        sort -u >"$T/installed"
diff -u "$T/installed" "$T/stated" ||
        fail "vigie(8)'s FILES differ from what meson installs (- installed only, + stated only)"
echo "man-pages: ok ($n fixture trees, $(wc -l <"$T/installed") installed files stated)"
