#!/usr/bin/env bash
# The man pages vigie(8) and vigie.conf(5): man renders both without a
# warning at 80 columns, they name every setting of the table, every
# collector and every collector option (man_source --list reads the table
# and the registry), and the files vigie(8) says are installed are the
# ones meson installs.
source "$(dirname "$0")/lib.sh"
need man python3 meson
[ -n "${MAN_SOURCE:-}" ] || skip "the man pages are not built (scdoc is not installed; tools/setup.sh installs it)"
: "${MAN_DIR:?}" "${BUILD_ROOT:?}"

for page in vigie.8 vigie.conf.5; do
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
        name, key = f
        if not re.search(r"^           --collector\.%s\.%s$" % (re.escape(name), re.escape(key.replace("_", "-"))), page8, re.M):
            bad.append("vigie(8) lacks --collector.%s.%s" % (name, key.replace("_", "-")))
        if key not in sections5.get("collector." + name, ()):
            bad.append("vigie.conf(5) lacks [collector.%s] %s" % (name, key))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY

# FILES in vigie(8): every absolute path between FILES and the next
# section but the queue directory, which is made at run time
sed -n '/^FILES$/,/^[A-Z]/p' "$T/vigie.8.wide" | grep -o '/[^ ,]*' | sed 's/[.)]$//' |
        grep -vx /var/lib/vigie/queue | sort -u >"$T/stated"
meson introspect --installed "$BUILD_ROOT" | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin).values()))' |
        sort -u >"$T/installed"
diff -u "$T/installed" "$T/stated" ||
        fail "vigie(8)'s FILES differ from what meson installs (- installed only, + stated only)"
echo "man-pages: ok ($(wc -l <"$T/installed") installed files stated)"
