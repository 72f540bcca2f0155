#!/usr/bin/env python3
"""Checks hostile-names.sh's output (argv[2]) against what it made in its
directory (argv[1]): every mount point, interface name and textfile label
value comes back exactly once per family, bytes that are not UTF-8 as
U+FFFD."""
import os
import sys

import expfmt

base = sys.argv[1]
fams = expfmt.parse(open(sys.argv[2], encoding="utf-8").read())


def names(file):
    return [p.decode("utf-8", "replace") for p in open(os.path.join(base, file), "rb").read().split(b"\0") if p]


def values(fam, label, **match):
    return sorted(dict(k[1]).get(label) for k in fams.get(fam, {"samples": {}})["samples"]
                  if all(dict(k[1]).get(m) == v for m, v in match.items()))


bad = 0


def expect(what, got, want):
    global bad
    if sorted(got) != sorted(want):
        print("%s:\n  expected %r\n  got      %r" % (what, sorted(want), sorted(got)))
        bad += 1


mounts = names("mounts")
for fam in ("node_filesystem_size_bytes", "node_filesystem_device_error", "node_filesystem_mount_info"):
    expect(fam, values(fam, "mountpoint", device="vigie-name-test"), mounts)
ifaces = names("ifaces") + ["lo"]
for fam in ("node_network_receive_bytes_total", "node_network_transmit_packets_total", "node_network_up",
            "node_network_info", "node_network_mtu_bytes"):
    expect(fam, values(fam, "device"), ifaces)
expect("node_arp_entries", values("node_arp_entries", "device"), names("ifaces"))
expect("hostile_labels", values("hostile_labels", "v"),
       ['quote " backslash \\ newline \n end', '} 1\nnode_fake_total 2\n', "donn\u00e9es \u00e9t\u00e9 \u65e5\u672c"])
print("%d mount points, %d interfaces, 3 textfile values checked" % (len(mounts), len(ifaces)))
sys.exit(1 if bad else 0)
