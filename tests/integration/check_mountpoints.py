#!/usr/bin/env python3
"""Checks that every tmpfs made by filesystem-names.sh (NUL-separated
paths in argv[1]) appears in vigie's output (argv[2]) exactly once per
family, with its name intact; bytes that are not UTF-8 come back as U+FFFD."""
import sys

import expfmt

made = [p.decode("utf-8", "replace") for p in open(sys.argv[1], "rb").read().split(b"\0") if p]
fams = expfmt.parse(open(sys.argv[2], encoding="utf-8").read())
bad = 0
for fam in ("node_filesystem_size_bytes", "node_filesystem_device_error", "node_filesystem_mount_info"):
    got = [dict(k[1])["mountpoint"] for k in fams[fam]["samples"] if dict(k[1]).get("device") == "vigie-name-test"]
    if sorted(got) != sorted(made):
        print("%s: expected %r\n got %r" % (fam, sorted(made), sorted(got)))
        bad += 1
size = {dict(k[1])["mountpoint"]: v for k, v in fams["node_filesystem_size_bytes"]["samples"].items()}
for p in made:
    if size.get(p) != 1048576:
        print("size of %r: %r" % (p, size.get(p)))
        bad += 1
print("%d mount points checked" % len(made))
sys.exit(1 if bad else 0)
