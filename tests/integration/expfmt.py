"""A small parser of the Prometheus text format, for the tests: families
with their HELP, TYPE and samples, label values unescaped."""
import re

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def _labels(s, i):
    labels = {}
    while True:
        if s[i] == "}":
            return labels, i + 1
        m = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*").match(s, i)
        if not m or s[m.end():m.end() + 2] != '="':
            raise ValueError("bad label at %r" % s[i:])
        name, i = m.group(0), m.end() + 2
        val = []
        while s[i] != '"':
            if s[i] == "\\":
                val.append({"n": "\n", "\\": "\\", '"': '"'}[s[i + 1]])
                i += 2
            else:
                val.append(s[i])
                i += 1
        labels[name] = "".join(val)
        i += 1
        if s[i] == ",":
            i += 1


def parse(text):
    """Returns {family: {"help": str, "type": str, "samples": {labels tuple: value}}}."""
    fams = {}

    def fam(name):
        return fams.setdefault(name, {"help": None, "type": "untyped", "samples": {}})

    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("# HELP "):
            name, _, help_ = line[7:].partition(" ")
            fam(name)["help"] = help_
            continue
        if line.startswith("# TYPE "):
            name, _, type_ = line[7:].partition(" ")
            fam(name)["type"] = type_
            continue
        if line.startswith("#"):
            continue
        m = _NAME.match(line)
        name, i = m.group(0), m.end()
        labels = {}
        if line[i] == "{":
            labels, i = _labels(line, i + 1)
        value = float(line[i:].split()[0])
        base = name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and name[: -len(suffix)] in fams:
                base = name[: -len(suffix)]
        # an empty label value is no label, as in Prometheus
        key = tuple(sorted((k, v) for k, v in labels.items() if v != ""))
        samples = fam(base)["samples"]
        if (name, key) in samples:
            raise ValueError("duplicate series %s %s" % (name, key))
        samples[(name, key)] = value
    return fams
