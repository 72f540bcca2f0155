#!/usr/bin/env python3
"""man_families.py SERVED PAGE [MIN]: every family in SERVED (expositions
one after the other) is listed in PAGE (vigie-collectors(7) as man renders
it, wide) with the same type and help; the agent's own families
(the scrape's, process_*, vigie_build_info, vigie_push_*) are vigie(8)'s.
At least MIN families must be served (default 1)."""
import re, sys
served, page = (open(p).read() for p in sys.argv[1:3])
minimum = int(sys.argv[3]) if len(sys.argv) > 3 else 1
own = re.compile(r"^(node_scrape_collector_|vigie_collector_|process_|vigie_build_info$|vigie_push_)")
def unescape(s):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), s)
want = {}
for line in served.splitlines():
    m = re.match(r"^# (HELP|TYPE) (\S+) ?(.*)$", line)
    if m and not own.match(m.group(2)):
        want.setdefault(m.group(2), {})[m.group(1)] = unescape(m.group(3))
# NAME{LABELS} (TYPE), then its help on the next line, as man renders them
listed = {}
lines = page.splitlines()
for i, line in enumerate(lines):
    m = re.match(r"^       ([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? \((\w+)\)$", line)
    if m and i + 1 < len(lines):
        listed.setdefault(m.group(1), set()).add((m.group(3), lines[i + 1].strip()))
# man renders quotes and dashes typographically: compare the letters
def letters(s):
    return re.sub(r"[^A-Za-z0-9]", "", s)
bad = []
for name, f in sorted(want.items()):
    if name not in listed:
        bad.append("%s (%s) is not listed" % (name, f.get("TYPE")))
    elif not any(t == f.get("TYPE") and letters(h) == letters(f.get("HELP", "")) for t, h in listed[name]):
        bad.append("%s is listed as %s, served as %s: %s" % (name, sorted(listed[name]), f.get("TYPE"), f.get("HELP")))
for b in bad:
    print("FAIL:", b)
print("%d families served, %d listed" % (len(want), len(listed)))
sys.exit(1 if bad or len(want) < minimum else 0)
