#!/usr/bin/env python3
"""Prints the families of an exposition whose names start with PREFIX, one
line each (name, type, help), then, with --values, each sample's sorted
labels and value, and without it the sorted label sets alone: two
expositions print the same when they agree on those, whatever the order
of their labels and lines (vigie keeps node_exporter's label order per
family, node_exporter sorts them). Usage: families.py FILE PREFIX [--values]"""
import sys

import expfmt


def main(argv):
    path, prefix, values = argv[1], argv[2], "--values" in argv[3:]
    with open(path, encoding="utf-8") as f:
        fams = expfmt.parse(f.read())
    for name, fam in sorted(fams.items()):
        if not name.startswith(prefix):
            continue
        print(name, fam["type"], repr(fam["help"]))
        if values:
            for (_, labels), v in sorted(fam["samples"].items()):
                print(" ", sorted(labels), v)
        else:
            print(" ", sorted(sorted(labels) for _, labels in fam["samples"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
