"""What collector-faults.sh and collector-recover.sh share: the fixture
trees served through fuse_faults, the arguments that point a collector at
one, the exposition read as series -> value, and the control file that
breaks one file of the tree."""
import os
import re

ROOTS = (("proc", "--path.procfs"), ("sys", "--path.sysfs"), ("root", "--path.rootfs"), ("udev", "--path.udev.data"))
# what a collector that reads nothing by default reads (the sysctls of
# tests/unit/test-collectors.c)
OPTIONS = {"sysctl": ["--collector.sysctl.include=vm.swappiness net.ipv4.ip_local_port_range:min,max "
                      "net.ipv4.tcp_rmem fs.file-nr kernel.perf_event_paranoid net.ipv4.conf.lo.forwarding",
                      "--collector.sysctl.include-info=kernel.ostype kernel.version kernel.printk"]}


def collector_args(mnt, collector, case):
    """the flags that run collector alone on the fixture tree case"""
    args = ["--collector.disable-defaults", "--collector." + collector] + OPTIONS.get(collector, [])
    return args + ["%s=%s/%s/%s/%s" % (flag, mnt, collector, case, d) for d, flag in ROOTS
                   if os.path.isdir(os.path.join(mnt, collector, case, d))]


def trees(mnt, only):
    """(collector, its regular tree, the tree's files relative to mnt)"""
    for c in sorted(os.listdir(mnt)):
        tree = os.path.join(mnt, c, "regular")
        if (only and c not in only) or not os.path.isdir(tree):
            continue
        yield c, sorted(os.path.relpath(os.path.join(d, f), mnt) for d, _, fs in os.walk(tree) for f in fs)


def samples(out):
    """series -> value of an exposition, the engine's own timings aside"""
    got = {}
    for line in out.splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            got[series] = value
    return got


# series never compared: the engine's own, a daemon's HTTP server's, and
# what the host's own file systems give (filesystem's statfs)
NOT_COMPARED = ("node_scrape_collector_", "vigie_collector_parse_errors_total", "vigie_http_", "process_",
                "node_filesystem_files_free", "node_filesystem_free", "node_filesystem_avail",
                "node_filesystem_files{")


def moving(whole, again):
    """the series not compared: what moved between two clean scrapes
    (durations, clocks), and NOT_COMPARED"""
    m = {k for k in whole if again.get(k) != whole[k]} | {k for k in again if k not in whole}
    return m | {k for k in whole if k.startswith(NOT_COMPARED)}


LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def split(series):
    name, _, labels = series.partition("{")
    return name, dict(LABEL.findall(labels))


def fault(control, kind, rel):
    """breaks rel (relative to the mount) the way kind says, from the
    next request on; "none -" mends it"""
    with open(control + ".tmp", "w") as f:
        f.write("%s %s\n" % (kind, rel))
    os.rename(control + ".tmp", control)


def report(collectors, runs, what, failures, only):
    """prints the count and the first failures; the driver's exit status
    (at least 30 collectors ran, unless FAULTS_ONLY chose some)"""
    print("%d collectors, %d %s, %d failures" % (collectors, runs, what, len(failures)))
    for f in failures[:int(os.environ.get("FAULTS_SHOWN", "60"))]:
        print("FAIL " + f)
    return 1 if failures or collectors < (1 if only else 30) else 0
