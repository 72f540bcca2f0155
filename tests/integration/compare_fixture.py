#!/usr/bin/env python3
"""Compares a committed expected exposition (tests/fixtures/.../expected*.prom)
with what node_exporter says about the same fixture tree: the same families,
types, help, label sets and values, exactly.
Usage: compare_fixture.py EXPECTED NODE_EXPORTER_URL FIXTURES_DIR [--ignore-label NAME]...
                          [--decode-octal LABEL]... [--newer FAMILY[{LABEL="VALUE",...}]]...
--decode-octal: node_exporter 1.5 decodes only \040 and \011 in mount
points (a backslash stays "\134", a newline "\012"); vigie decodes every
octal escape. The option decodes node_exporter's label the same way.
Families that describe the exporter (scrape meta, go_, process_) are left
out; so are vigie's own additions (vigie_*, node_filesystem_mount_info).
--newer: series that node_exporter releases after 1.5 added (a family, or
its samples with the given labels). They are left out of the comparison
knowingly: each selector must match samples in vigie's expected output
and none in node_exporter 1.5's, else the comparison fails."""
import math
import re
import sys
import urllib.request

import expfmt

SKIP_PREFIXES = ("go_", "process_", "promhttp_", "node_exporter_build_info", "node_scrape_collector_", "vigie_")
VIGIE_ONLY = {"node_filesystem_mount_info"}


def decode_octal(v):
    return re.sub(r"\\([0-3][0-7][0-7])", lambda m: chr(int(m.group(1), 8)), v)


def strip(fams, ignore, decode=()):
    out = {}
    for name, fam in fams.items():
        if name.startswith(SKIP_PREFIXES) or name in VIGIE_ONLY:
            continue
        samples = {}
        for (sname, labels), v in fam["samples"].items():
            labels = tuple((k, decode_octal(v) if k in decode else v) for k, v in labels if k not in ignore)
            samples[(sname, labels)] = v
        out[name] = dict(fam, samples=samples)
    return out


def parse_selector(sel):
    m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?', sel)
    if not m:
        raise SystemExit("bad --newer selector %r" % sel)
    labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"', m.group(2) or ""))
    return m.group(1), labels


def take_newer(fams, selectors):
    """Removes the samples each selector names from fams; returns how many
    each one matched."""
    counts = []
    for name, labels in selectors:
        fam = fams.get(name)
        keys = [k for k in (fam["samples"] if fam else ()) if all((l, v) in k[1] for l, v in labels.items())]
        for k in keys:
            del fam["samples"][k]
        if fam is not None and not fam["samples"]:
            del fams[name]
        counts.append(len(keys))
    return counts


def main(argv):
    expected_path, url, fixtures = argv[1], argv[2], argv[3]
    ignore = {argv[i + 1] for i in range(4, len(argv) - 1) if argv[i] == "--ignore-label"}
    decode = {argv[i + 1] for i in range(4, len(argv) - 1) if argv[i] == "--decode-octal"}
    newer = [parse_selector(argv[i + 1]) for i in range(4, len(argv) - 1) if argv[i] == "--newer"]
    text = open(expected_path, encoding="utf-8").read().replace("@FIXTURES@", fixtures)
    mtime_masked = "@MTIME@" in text
    text = text.replace("@MTIME@", "0")
    want = strip(expfmt.parse(text), ignore)
    with urllib.request.urlopen(url, timeout=10) as r:
        got = strip(expfmt.parse(r.read().decode("utf-8")), ignore, decode)
    errors = []
    sels = [a for i, a in enumerate(argv) if i > 4 and argv[i - 1] == "--newer"]
    for sel, n_want, n_got in zip(sels, take_newer(want, newer), take_newer(got, newer)):
        if n_want == 0:
            errors.append("--newer %s: no such series in vigie's expected output" % sel)
        if n_got != 0:
            errors.append("--newer %s: node_exporter serves it too" % sel)
    for name in sorted(set(want) | set(got)):
        if name not in got:
            errors.append("%s: in vigie's expected output, not in node_exporter's" % name)
            continue
        if name not in want:
            errors.append("%s: in node_exporter's output, not in vigie's expected output" % name)
            continue
        a, b = want[name], got[name]
        if a["type"] != b["type"]:
            errors.append("%s: TYPE %s (vigie) vs %s (node_exporter)" % (name, a["type"], b["type"]))
        if a["help"] != b["help"]:
            errors.append("%s: HELP %r (vigie) vs %r (node_exporter)" % (name, a["help"], b["help"]))
        if set(a["samples"]) != set(b["samples"]):
            errors.append("%s: series differ\n  only vigie: %s\n  only node_exporter: %s" % (
                name, sorted(set(a["samples"]) - set(b["samples"]))[:4], sorted(set(b["samples"]) - set(a["samples"]))[:4]))
            continue
        if mtime_masked and name == "node_textfile_mtime_seconds":
            continue
        for k, v in a["samples"].items():
            w = b["samples"][k]
            same = (math.isnan(v) and math.isnan(w)) or v == w or abs(v - w) <= 1e-12 * max(abs(v), abs(w))
            if not same:
                errors.append("%s%s: vigie %r, node_exporter %r" % (k[0], dict(k[1]), v, w))
    for e in errors:
        print("MISMATCH " + e)
    print("%s: %d families compared, %d mismatches" % (expected_path.split("fixtures/")[-1], len(want), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
