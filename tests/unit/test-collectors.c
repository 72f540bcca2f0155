/* Every collector on its fixture trees (tests/fixtures/<collector>/<case>):
 * what collect returns, how many lines it skipped, and the exposition
 * written out in full in expected.prom. Checkout-dependent paths read as
 * @FIXTURES@ and file times as @MTIME@.
 * VIGIE_FIXTURES_WRITE=1 rewrites the expected files instead of comparing
 * (then review the diff, and let node-exporter-fixtures check them). */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture_targets.h"
#include "harness.h"
#include "registry.h"
#include "timex.h"

struct option_kv {
        const char *key, *value; /* value may hold @FIXTURES@ */
};

/* the sysctls of the sysctl fixtures, read as numbers and as text */
#define SYSCTL_NUMBERS                                                                                                 \
        "vm.swappiness net.ipv4.ip_local_port_range:min,max net.ipv4.tcp_rmem fs.file-nr kernel.perf_event_paranoid "  \
        "net.ipv4.conf.lo.forwarding"
#define SYSCTL_TEXTS "kernel.ostype kernel.version kernel.printk"

static const struct {
        const char *collector, *case_dir;
        int result;
        unsigned parse_errors;
        struct option_kv option;
} cases[] = {
        /* cpu fixtures are in USER_HZ = 100 ticks (cpu/generate.py) */
        {"cpu", "regular", 0, 0, {0}},
        {"cpu", "regular", 0, 0, {"guest", "false"}},
        /* /proc/cpuinfo: two packages of two cores; a flags or bugs pattern
         * turns info on */
        {"cpu", "regular", 0, 0, {"info", "true"}},
        {"cpu", "regular", 0, 0, {"info_flags_include", "^(aes|avx2|sse4_2)$"}},
        {"cpu", "regular", 0, 0, {"info_bugs_include", "spectre"}},
        /* cut inside cpu2's line: the piece is counted, cpu0 and cpu1 stay */
        {"cpu", "truncated", 0, 1, {0}},
        /* not a number, a repeated CPU, a huge id, an overflow, too few and
         * too many fields, a negative; "cpuX" and "cpu-" are other keys, not
         * CPU lines, and are ignored like any key the collector does not read */
        {"cpu", "garbage", 0, 7, {0}},
        /* and cpuinfo: a field before any processor (left alone), processor
         * x, 0 again, 70000; a quote and a backslash in a model name, an
         * empty bugs line; with a flags pattern, fpu twice */
        {"cpu", "garbage", 0, 10, {"info", "true"}},
        {"cpu", "garbage", 0, 11, {"info_flags_include", "."}},
        {"cpu", "nocpu", -EINVAL, 0, {0}},
        {"cpu", "missing", -ENOENT, 0, {0}},
        {"cpu", "cpu256", 0, 0, {0}},
        {"stat", "regular", 0, 0, {0}},
        {"stat", "regular", 0, 0, {"softirq", "true"}},
        /* cut inside the btime value: no btime at all rather than a wrong one */
        {"stat", "truncated", 0, 1, {0}},
        /* ctxt abc, btime -5, processes 1 2, a second procs_running, an
         * overflowing procs_blocked, a bare ctxt */
        {"stat", "garbage", 0, 6, {0}},
        /* and with softirq: a line too short, a vector not a number, a
         * negative total, and a second line after one with a vector more
         * than this collector knows (its first ten read) */
        {"stat", "garbage", 0, 10, {"softirq", "true"}},
        {"stat", "empty", -EINVAL, 0, {0}},
        {"stat", "missing", -ENOENT, 0, {0}},
        {"meminfo", "regular", 0, 0, {0}},
        {"meminfo", "truncated", 0, 1, {0}},
        /* abc, no colon, MB, "Weird key!", -1, no value, MemTotal again, four fields */
        {"meminfo", "garbage", 0, 8, {0}},
        {"meminfo", "missing", -ENOENT, 0, {0}},
        {"loadavg", "regular", 0, 0, {0}},
        {"loadavg", "truncated", -EINVAL, 1, {0}},
        {"loadavg", "garbage", -EINVAL, 1, {0}},
        {"loadavg", "missing", -ENOENT, 0, {0}},
        {"pressure", "regular", 0, 0, {0}},
        /* io's some total and its short full line */
        {"pressure", "garbage", 0, 2, {0}},
        {"pressure", "missing", -ENOENT, 0, {0}},
        {"os", "regular", 0, 0, {0}},
        {"os", "usrlib", 0, 0, {0}},
        /* the unclosed quote and the line without '=' */
        {"os", "garbage", 0, 2, {0}},
        {"os", "missing", -ENOENT, 0, {0}},
        {"netdev", "regular", 0, 0, {0}},
        {"netdev", "truncated", 0, 1, {0}},
        /* too few columns, letters, no colon, lo twice */
        {"netdev", "garbage", 0, 4, {0}},
        {"netdev", "missing", -ENOENT, 0, {0}},
        {"netdev", "hostile", -EINVAL, 1, {0}},
        {"netdev", "regular", 0, 0, {"device_exclude", "^(lo|docker.*)$"}},
        /* node_exporter 1.5's detailed names: errors and dropped */
        {"netdev", "regular", 0, 0, {"enable_detailed_metrics", "true"}},
        {"netclass", "regular", 0, 0, {0}},
        /* mtu, speed and flags are not numbers; carrier is empty */
        {"netclass", "garbage", 0, 4, {0}},
        {"netclass", "missing", -ENOENT, 0, {0}},
        /* speeds of +-2^63: not a 32-bit int as the kernel prints, counted */
        {"netclass", "hostile", 0, 2, {0}},
        {"diskstats", "regular", 0, 0, {0}},
        {"diskstats", "truncated", 0, 1, {0}},
        /* 3 columns, x major, "eleven", sda again, 13 columns */
        {"diskstats", "garbage", 0, 5, {0}},
        {"diskstats", "missing", -ENOENT, 0, {0}},
        {"diskstats", "disks64", 0, 0, {0}},
        {"diskstats", "regular", 0, 0, {"device_include", "^sd"}},
        {"filesystem", "regular", 0, 0, {0}},
        {"filesystem", "selfonly", 0, 0, {0}},
        {"filesystem", "truncated", 0, 1, {0}},
        /* no "-", x major, two fields, no source after the type */
        {"filesystem", "garbage", 0, 4, {0}},
        {"filesystem", "missing", -ENOENT, 0, {0}},
        /* 40 fields, without and with a "-"; /var again, as xfs (left out) */
        {"filesystem", "hostile", 0, 2, {0}},
        {"filesystem", "mounts500", 0, 0, {0}},
        {"filesystem", "regular", 0, 0, {"fs_types_exclude", "^(sysfs|proc|nfs4)$"}},
        {"hwmon", "regular", 0, 0, {0}},
        {"hwmon", "duplicate", 0, 0, {0}},
        /* abc, "" and 12.5.6 */
        {"hwmon", "garbage", 0, 3, {0}},
        {"hwmon", "missing", -ENOENT, 0, {0}},
        {"hwmon", "sensors100", 0, 0, {0}},
        {"thermal_zone", "regular", 0, 0, {0}},
        {"thermal_zone", "garbage", 0, 2, {0}},
        {"thermal_zone", "missing", -ENOENT, 0, {0}},
        {"powersupplyclass", "regular", 0, 0, {0}},
        {"powersupplyclass", "garbage", 0, 2, {0}},
        {"powersupplyclass", "missing", -ENOENT, 0, {0}},
        /* two packages with core, uncore and dram, psys, and package-0 again through MMIO */
        {"rapl", "intel", 0, 0, {0}},
        {"rapl", "intel", 0, 0, {"enable_zone_label", "true"}},
        {"rapl", "amd", 0, 0, {0}},
        /* an energy_uj that is not a number fails the scrape, as in node_exporter */
        {"rapl", "garbage", -EBADMSG, 0, {0}},
        {"rapl", "missing", -ENOENT, 0, {0}},
        /* the first collection: every zone found, at 0 J (test-energy drives the rest) */
        {"energy", "intel", 0, 0, {0}},
        {"energy", "amd", 0, 0, {0}},
        {"energy", "hwmon", 0, 0, {0}},
        {"energy", "power_supply", 0, 0, {0}},
        /* no sensor and no /proc/stat: every source says why */
        {"energy", "missing", 0, 0, {0}},
        {"textfile", "regular", 0, 0, {"directory", "@FIXTURES@/textfile/regular/dir"}},
        /* six refused files, one line each */
        {"textfile", "garbage", 0, 6, {"directory", "@FIXTURES@/textfile/garbage/dir"}},
        {"textfile", "missing", 0, 0, {"directory", "@FIXTURES@/textfile/missing/nonexistent"}},
        {"entropy", "regular", 0, 0, {0}},
        /* entropy_avail cut short; poolsize stays */
        {"entropy", "truncated", 0, 1, {0}},
        /* entropy_avail -1 */
        {"entropy", "garbage", 0, 1, {0}},
        {"entropy", "missing", -ENOENT, 0, {0}},
        {"filefd", "regular", 0, 0, {0}},
        {"filefd", "truncated", -EINVAL, 1, {0}},
        /* two numbers, not three */
        {"filefd", "garbage", -EINVAL, 1, {0}},
        {"filefd", "missing", -ENOENT, 0, {0}},
        /* mem_bytes is mem in pages of 4096 bytes (test_fixtures checks the page size) */
        {"sockstat", "regular", 0, 0, {0}},
        {"sockstat", "ipv4only", 0, 0, {0}},
        {"sockstat", "truncated", 0, 1, {0}},
        /* an odd field count, x, no colon, Bad-Name, a bare UDPLITE:, FRAG
         * again, inuse twice; FRAG's unknown key is ignored, as
         * sockstat6's sockets line is */
        {"sockstat", "garbage", 0, 7, {0}},
        {"sockstat", "missing", -ENOENT, 0, {0}},
        {"softnet", "regular", 0, 0, {0}},
        /* cut inside cpu1's line: cpu0 stays */
        {"softnet", "truncated", 0, 1, {0}},
        /* four columns, a "g", nine digits; the cpu label stays the line's position */
        {"softnet", "garbage", 0, 3, {0}},
        {"softnet", "missing", -ENOENT, 0, {0}},
        {"softnet", "softnet256", 0, 0, {0}},
        {"conntrack", "regular", 0, 0, {0}},
        /* size and limit alone, as in a network namespace without statistics */
        {"conntrack", "nostat", 0, 0, {0}},
        /* cut inside cpu3's line: the sums of the first three */
        {"conntrack", "truncated", 0, 1, {0}},
        /* 16 columns (Linux before 2.6.35), an x */
        {"conntrack", "garbage", 0, 2, {0}},
        {"conntrack", "missing", -ENOENT, 0, {0}},
        {"udp_queues", "regular", 0, 0, {0}},
        {"udp_queues", "ipv4only", 0, 0, {0}},
        /* cut inside the last v4 socket: the sums of the others */
        {"udp_queues", "truncated", 0, 1, {0}},
        /* too few columns, a 7-digit address, an x, no colon after sl; a v4 address in udp6 */
        {"udp_queues", "garbage", 0, 5, {0}},
        {"udp_queues", "missing", -ENOENT, 0, {0}},
        {"schedstat", "regular", 0, 0, {0}},
        /* cut inside cpu2's line */
        {"schedstat", "truncated", 0, 1, {0}},
        /* eight numbers, an x, cpu0 again, cpuX; cpu3's tenth number is let be */
        {"schedstat", "garbage", 0, 4, {0}},
        {"schedstat", "missing", -ENOENT, 0, {0}},
        {"schedstat", "schedstat256", 0, 0, {0}},
        /* the default fields: oom_kill, pgpg*, pswp*, pg*fault* */
        {"vmstat", "regular", 0, 0, {0}},
        {"vmstat", "regular", 0, 0, {"fields", "^(nr_free_pages|pgsteal_.*|thp_fault_alloc)$"}},
        /* cut inside pgfault's line: the paging lines before it stay */
        {"vmstat", "truncated", 0, 1, {0}},
        /* abc, one field, three fields, pg-fault, -1, 2^64, pgfault again;
         * the x of a field the filter leaves out is not read */
        {"vmstat", "garbage", 0, 7, {0}},
        {"vmstat", "missing", -ENOENT, 0, {0}},
        /* Tcp MaxConn is -1: signed values */
        {"netstat", "regular", 0, 0, {0}},
        {"netstat", "regular", 0, 0, {"fields", "^(Tcp_.*|Ip6_In.*|IcmpMsg_.*)$"}},
        {"netstat", "ipv4only", 0, 0, {0}},
        /* cut inside Tcp's values: the cut line, and Tcp's names without values */
        {"netstat", "truncated", 0, 2, {0}},
        /* netstat: too few values, an x, Bad-Proto, names of MPTcpExt with
         * values of TcpExt, a name twice; snmp: 2^64, Tcp again, Icmp's names
         * alone; snmp6: an x, no value, no 6, three fields, Ip6OutOctets again */
        {"netstat", "garbage", 0, 13, {0}},
        {"netstat", "missing", -ENOENT, 0, {0}},
        {"nfs", "regular", 0, 0, {0}},
        /* no proc2 and 48 NFSv4 operations: those past them read 0 */
        {"nfs", "oldkernel", 0, 0, {0}},
        /* cut inside proc3: its samples and proc4's are left out, not read as 0 */
        {"nfs", "truncated", 0, 1, {0}},
        /* net with 3 values, rpc with an x, proc2 counting 18 with 17, proc3
         * again; proc7 is not read */
        {"nfs", "garbage", 0, 4, {0}},
        {"nfs", "missing", -ENOENT, 0, {0}},
        {"nfsd", "regular", 0, 0, {0}},
        /* no proc2 (read as 0); wdeleg_getattr, which node_exporter 1.5
         * fails on, is not read */
        {"nfsd", "newkernel", 0, 0, {0}},
        /* cut inside net: the lines from there on are left out */
        {"nfsd", "truncated", 0, 1, {0}},
        /* rc with 4 values, io -1, th with one, rpc with 6, proc3 counting 23
         * with 22, proc4ops counting 38 with 13, fh again */
        {"nfsd", "garbage", 0, 7, {0}},
        {"nfsd", "missing", -ENOENT, 0, {0}},
        /* sda1 and dm-0 (vnodes without free); the global stats are not read */
        {"xfs", "regular", 0, 0, {0}},
        /* cut inside sda1's blk_map: the lines from there on are left out */
        {"xfs", "truncated", 0, 1, {0}},
        /* sda1: extent_alloc with 3 values, abt with an x, dir with 5, ig -1,
         * rw again, vnodes with 6; trans is not read; sdb is fine */
        {"xfs", "garbage", 0, 6, {0}},
        {"xfs", "missing", -ENOENT, 0, {0}},
        /* an incomplete entry (flags 0x0) counts, as in node_exporter */
        {"arp", "regular", 0, 0, {0}},
        {"arp", "regular", 0, 0, {"device_include", "^eth"}},
        {"arp", "regular", 0, 0, {"device_exclude", "^(docker|virbr)"}},
        /* cut inside virbr0's line */
        {"arp", "truncated", 0, 1, {0}},
        /* five and seven columns, 192.168.1.256, an IPv6 address, flags
         * without 0x and 0xZ, a 20-byte name, the header again */
        {"arp", "garbage", 0, 8, {0}},
        {"arp", "empty", 0, 0, {0}},
        {"arp", "nonsense", -EINVAL, 1, {0}},
        /* a quote, a backslash, braces and UTF-8 in names */
        {"arp", "hostile", 0, 0, {0}},
        {"arp", "missing", -ENOENT, 0, {0}},
        /* intel_pstate: no cpuinfo_cur_freq; an offline CPU without cpufreq */
        {"cpufreq", "regular", 0, 0, {0}},
        /* acpi-cpufreq: cpuinfo_cur_freq */
        {"cpufreq", "acpi", 0, 0, {0}},
        /* abc, -1, "", 1.5e6, 2^64 */
        {"cpufreq", "garbage", 0, 5, {0}},
        /* CPUs without cpufreq, as in a virtual machine: no series, no
         * failure, as node_exporter says */
        {"cpufreq", "nocpufreq", 0, 0, {0}},
        {"cpufreq", "missing", -ENOENT, 0, {0}},
        /* three controllers, one without csrows; csrow10 after csrow1 */
        {"edac", "regular", 0, 0, {0}},
        /* mc0: abc, -1, "" (no ue_noinfo_count either), csrow0's 1.5,
         * csrow1's 2^64 (no ue_count either); mcX and csrowX are other
         * entries, left alone; mc1 is fine */
        {"edac", "garbage", 0, 5, {0}},
        /* the module loaded, no memory controller driver: no series */
        {"edac", "nomc", 0, 0, {0}},
        /* no EDAC at all: no series and no failure either, as
         * node_exporter says */
        {"edac", "missing", 0, 0, {0}},
        /* two controllers, their model and serial padded with blanks */
        {"nvme", "regular", 0, 0, {0}},
        /* a quote, a backslash, braces and UTF-8 in the model */
        {"nvme", "hostile", 0, 0, {0}},
        /* nvme0 without serial, left out; nvme1's model past 256 bytes */
        {"nvme", "garbage", 0, 1, {0}},
        {"nvme", "missing", -ENOENT, 0, {0}},
        /* raid0/1/5/6/10 and linear; resync, recovery, check, DELAYED and
         * PENDING; inactive arrays, failed and spare disks, bitmaps */
        {"mdadm", "regular", 0, 0, {0}},
        {"mdadm", "md64", 0, 0, {0}},
        /* cut inside md120's line */
        {"mdadm", "truncated", 0, 1, {0}},
        /* no colon, a state "clean", a status line not indented (and
         * read as a device line), "sectors", [UX], a sign, a percentage
         * "lots", blocks "many", a 35-byte name, md0 again, a device
         * line alone */
        {"mdadm", "garbage", 0, 12, {0}},
        {"mdadm", "empty", 0, 0, {0}},
        {"mdadm", "nonsense", -EINVAL, 1, {0}},
        {"mdadm", "missing", -ENOENT, 0, {0}},
        /* lower_ links, and slave_ ones (before Linux 4.13); a master
         * without slaves; "going back" is not up */
        {"bonding", "regular", 0, 0, {0}},
        /* a quote, a backslash, braces and UTF-8 in master names */
        {"bonding", "hostile", 0, 0, {0}},
        /* a master and a slave past 15 bytes, a master with a slash; a
         * master without a directory (gone between the reads) left out,
         * bond0 listed twice */
        {"bonding", "garbage", 0, 4, {0}},
        {"bonding", "nomasters", 0, 0, {0}},
        {"bonding", "missing", -ENOENT, 0, {0}},
        /* st0 and st1; their other modes (nst0, st0a...) are not read */
        {"tapestats", "regular", 0, 0, {0}},
        {"tapestats", "regular", 0, 0, {"ignored_devices", "^st1$"}},
        /* st0: abc, -1, "", 2^64; st1 is fine */
        {"tapestats", "garbage", 0, 4, {0}},
        {"tapestats", "missing", -ENOENT, 0, {0}},
        /* host0 with every counter; host1 with counters its firmware does
         * not keep (left out), one the kernel lacks (0) and a quote and a
         * backslash in a label */
        {"fibrechannel", "regular", 0, 0, {0}},
        /* a 300-byte symbolic_name (an empty label), abc, 0x, -1, "0x1 2", 2^64 */
        {"fibrechannel", "garbage", 0, 6, {0}},
        {"fibrechannel", "missing", -ENOENT, 0, {0}},
        /* mlx5_0 with one port; mlx4_0 with the legacy counters_ext, a port
         * down, a counter "N/A (no PMA)" (no sample, not garbage), a quote
         * and a backslash in hca_type */
        {"infiniband", "regular", 0, 0, {0}},
        /* a 200-byte board_id; port 1: x: ACTIVE, no colon, fast, abc, -1,
         * "1 2"; port a; port 2: two colons, 1e3 */
        {"infiniband", "garbage", 0, 10, {0}},
        {"infiniband", "missing", -ENOENT, 0, {0}},
        /* a set with two backing devices and a cache; register and the
         * other files of /sys/fs/bcache are not sets */
        {"bcache", "regular", 0, 0, {0}},
        {"bcache", "regular", 0, 0, {"priority_stats", "true"}},
        /* 12x, "", 1..2, -5, 1.5Q; abc/sec, -4.0k without /sec, .5; the
         * second rate line is taken, the first being garbage */
        {"bcache", "garbage", 0, 8, {0}},
        /* and priority_stats: x%, -1%; Unused twice (the first taken), a
         * percentage without its sign; a file past 4 KiB */
        {"bcache", "garbage", 0, 13, {"priority_stats", "true"}},
        /* no /sys/fs/bcache: no series, and a success, as node_exporter says */
        {"bcache", "missing", 0, 0, {0}},
        /* enforce 1 and SELINUX=enforcing among comments */
        {"selinux", "enforcing", 0, 0, {0}},
        /* enforce 0, SELINUX="enforcing" (quoted) */
        {"selinux", "permissive", 0, 0, {0}},
        /* no /etc/selinux/config: configured mode -1 */
        {"selinux", "noconfig", 0, 0, {0}},
        /* no selinuxfs: node_selinux_enabled 0, as node_exporter says */
        {"selinux", "absent", 0, 0, {0}},
        /* enforce x (no current mode); "SELINUX = enforcing" is another key */
        {"selinux", "garbage", 0, 1, {0}},
        /* a server's firmware: every attribute, empty ones too */
        {"dmi", "regular", 0, 0, {0}},
        /* a virtual machine's: a few attributes, no serials */
        {"dmi", "qemu", 0, 0, {0}},
        /* quotes, a backslash, a newline, blanks around, bytes that are not
         * UTF-8, and a value past 128 bytes: cut there, as node_exporter
         * cuts it, and counted */
        {"dmi", "hostile", 0, 1, {0}},
        /* an empty attribute, one without its newline */
        {"dmi", "truncated", 0, 0, {0}},
        /* a directory and a symlink where attributes are: skipped, counted */
        {"dmi", "garbage", 0, 2, {0}},
        {"dmi", "missing", -ENOENT, 0, {0}},
        /* a root file system on one disk, one of three disks in raid5 with
         * raid1c3 metadata being converted from raid1 */
        {"btrfs", "regular", 0, 0, {0}},
        /* a label of quotes, a backslash and a newline; raid0, raid6, raid10;
         * raid5 and raid6 over one device (ratios of +Inf and -1, as
         * node_exporter works them out); no label file */
        {"btrfs", "hostile", 0, 0, {0}},
        /* a number and a device size cut to nothing: counted, no sample */
        {"btrfs", "truncated", 0, 3, {0}},
        /* -1, abc, "1 2", 0x10; no metadata_uuid (the name is the UUID); no
         * system allocation (nothing for it); a file named like a file system */
        {"btrfs", "garbage", 0, 5, {0}},
        {"btrfs", "missing", -ENOENT, 0, {0}},
        {"btrfs", "mounted", 0, 0, {0}},
        /* IPv4, IPv6 (one IPv4-mapped) and firewall-mark services */
        {"ipvs", "regular", 0, 0, {0}},
        /* the backends alike in protocol and local port, summed */
        {"ipvs", "regular", 0, 0, {"backend_labels", "proto,local_port"}},
        /* the module loaded, no service: totals, no backend series */
        {"ipvs", "empty", 0, 0, {0}},
        /* cut inside a backend line: the piece is counted */
        {"ipvs", "truncated", 0, 1, {0}},
        /* a short address, a bad port, a weight x, -1 connections, five
         * fields, a service whose address is not hex and its backend; an
         * SCTP service is one */
        {"ipvs", "garbage", 0, 7, {0}},
        /* a total that is not hex: no data */
        {"ipvs", "badstats", -EINVAL, 1, {0}},
        {"ipvs", "missing", -ENOENT, 0, {0}},
        /* every kstat file node_exporter reads, two pools with datasets */
        {"zfs", "regular", 0, 0, {0}},
        /* a pool of 200 datasets */
        {"zfs", "datasets200", 0, 0, {0}},
        /* pool and dataset names with quotes, a backslash, a space; a
         * suspended pool (every state node_exporter knows 0) */
        {"zfs", "hostile", 0, 0, {0}},
        /* an older ZFS: two kstat files, no pool */
        {"zfs", "old", 0, 0, {0}},
        /* arcstats cut inside a line; an io file without its values */
        {"zfs", "truncated", 0, 1, {0}},
        /* x, a repeated name, a name that makes no metric name, -1, a line
         * without its value; an io line short of a value. Values of other
         * types than uint64 are not exported, as in node_exporter */
        {"zfs", "garbage", 0, 6, {0}},
        /* two objset files naming one dataset (the first one's series
         * kept, the second counted), and a name cut by a NUL byte */
        {"zfs", "duplicate", 0, 3, {0}},
        {"zfs", "missing", -ENOENT, 0, {0}},
        /* running, sleeping, idle, zombie (no task directory: no thread
         * state, as in node_exporter), stopped, a command of blanks and
         * parentheses, threads in other states than their process; one gone
         * between listing and reading */
        {"processes", "regular", 0, 0, {0}},
        /* a stat line cut short, pid_max empty: counted, passed over */
        {"processes", "truncated", 0, 2, {0}},
        /* a state of two letters, too few fields, no ")", threads x; limits
         * abc and -1 */
        {"processes", "garbage", 0, 6, {0}},
        {"processes", "missing", -ENOENT, 0, {0}},
        /* numbered interrupts (controller as info, the rest as devices),
         * named ones (their description as info), ERR and MIS left out */
        {"interrupts", "regular", 0, 0, {0}},
        /* 256 CPUs */
        {"interrupts", "interrupts256", 0, 0, {0}},
        /* cut inside a line: the piece is counted */
        {"interrupts", "truncated", 0, 1, {0}},
        /* a count x, one of -12, a name without its colon, a name repeated */
        {"interrupts", "garbage", 0, 4, {0}},
        {"interrupts", "missing", -ENOENT, 0, {0}},
        /* two nodes, with the node directory's other entries */
        {"meminfo_numa", "regular", 0, 0, {0}},
        /* cut inside node0's last line: the piece is counted */
        {"meminfo_numa", "truncated", 0, 1, {0}},
        /* x, MB, a key without its colon, Slab twice; numastat with three
         * fields and an x */
        {"meminfo_numa", "garbage", 0, 6, {0}},
        {"meminfo_numa", "missing", -ENOENT, 0, {0}},
        /* two nodes, four zones of eleven orders */
        {"buddyinfo", "regular", 0, 0, {0}},
        /* cut inside the last line: the piece is counted */
        {"buddyinfo", "truncated", 0, 1, {0}},
        /* a count x, a zone listed twice, a zone of ten orders, a line of
         * three fields */
        {"buddyinfo", "garbage", 0, 4, {0}},
        {"buddyinfo", "missing", -ENOENT, 0, {0}},
        /* every file node_exporter reads, and others it does not */
        {"ksmd", "regular", 0, 0, {0}},
        /* an older kernel without pages_volatile and merge_across_nodes: no
         * sample for them, where node_exporter fails the collector */
        {"ksmd", "old", 0, 0, {0}},
        /* x, -1, an empty file */
        {"ksmd", "garbage", 0, 3, {0}},
        {"ksmd", "missing", -ENOENT, 0, {0}},
        /* two nodes, seven zones: each node's own statistics in its first
         * zone (as node_exporter reports them), unpopulated zones with
         * watermarks and protection alone, the pagesets' "high:" left alone */
        {"zoneinfo", "regular", 0, 0, {0}},
        /* cut inside a value of node 1's statistics: the piece is counted */
        {"zoneinfo", "truncated", 0, 1, {0}},
        /* a key before any zone, x, -1, min twice, a key with two values, a
         * protection with an x, a header without its comma, a zone twice */
        {"zoneinfo", "garbage", 0, 8, {0}},
        {"zoneinfo", "missing", -ENOENT, 0, {0}},
        /* nothing named: nothing read */
        {"sysctl", "regular", 0, 0, {0}},
        /* one number, two mapped to keys, three and more indexed, a
         * negative, a name with a dash (made '_' in the metric name) */
        {"sysctl", "regular", 0, 0, {"include", SYSCTL_NUMBERS}},
        /* one word, several, numbers read as text */
        {"sysctl", "regular", 0, 0, {"include_info", SYSCTL_TEXTS}},
        /* a range cut to one value: no longer two for its two keys */
        {"sysctl", "truncated", 0, 1, {"include", SYSCTL_NUMBERS}},
        /* sixty, past INT64_MAX, empty, three values for two keys, blanks */
        {"sysctl", "garbage", 0, 5, {"include", SYSCTL_NUMBERS}},
        /* a word that is not UTF-8 */
        {"sysctl", "garbage", 0, 1, {"include_info", SYSCTL_TEXTS}},
        /* no /proc/sys: each named one counted, no data */
        {"sysctl", "missing", -ENOENT, 6, {"include", SYSCTL_NUMBERS}},
        /* five files of four CPUs; columns alike in several files */
        {"lnstat", "regular", 0, 0, {0}},
        /* cut inside rt_cache's third CPU line: the piece is counted */
        {"lnstat", "truncated", 0, 1, {0}},
        /* a value not in hex, a line a field short, a column twice in a
         * header, one that makes no metric name; a directory passed over */
        {"lnstat", "garbage", 0, 4, {0}},
        {"lnstat", "missing", -ENOENT, 0, {0}},
        /* 22 caches, the version line and the header */
        {"slabinfo", "regular", 0, 0, {0}},
        {"slabinfo", "regular", 0, 0, {"slabs_include", "^kmalloc-"}},
        {"slabinfo", "regular", 0, 0, {"slabs_exclude", "^(dentry|inode_cache|kmalloc-.*)$"}},
        /* cut inside the last line: the piece is counted */
        {"slabinfo", "truncated", 0, 1, {0}},
        /* x, -1, a line without its slabdata, a cache listed twice (the
         * first line kept) */
        {"slabinfo", "garbage", 0, 4, {0}},
        {"slabinfo", "missing", -ENOENT, 0, {0}},
        /* an NFSv4 mount over TCP, an NFSv3 one over UDP (mountinfo's
         * addr= for both), the first mounted again (its series once), and
         * mounts without statistics */
        {"mountstats", "regular", 0, 0, {0}},
        {"mountstats", "nonfs", 0, 0, {0}},
        /* cut inside the NFSv3 mount's operations: the piece is counted,
         * and the mount whose block it ends */
        {"mountstats", "truncated", 0, 2, {0}},
        /* an event x, an xprt of 12 numbers, an operation of seven numbers,
         * statvers=1.2, an rdma transport, a device line of five fields,
         * statistics on an ext4 mount: only the last NFS mount is read */
        {"mountstats", "garbage", 0, 7, {0}},
        {"mountstats", "missing", -ENOENT, 0, {0}},
        /* cgroup v1 controllers, one disabled; a cgroup v2 host */
        {"cgroups", "regular", 0, 0, {0}},
        {"cgroups", "unified", 0, 0, {0}},
        /* cut inside the last line: the piece is counted */
        {"cgroups", "truncated", 0, 1, {0}},
        /* a count x, memory twice, lines of three and five fields, -1 */
        {"cgroups", "garbage", 0, 5, {0}},
        {"cgroups", "missing", -ENOENT, 0, {0}},
        /* two AMD GPUs, their connectors and render nodes beside them */
        {"drm", "regular", 0, 0, {0}},
        /* an Intel GPU left out, an AMD one, a twelfth card */
        {"drm", "mixed", 0, 0, {0}},
        /* an APU without visible VRAM nor its vendor: no sample for
         * them; an empty busy percentage, counted */
        {"drm", "truncated", 0, 1, {0}},
        /* 17%, x, -1, hex */
        {"drm", "garbage", 0, 4, {0}},
        /* no class/drm: no card, not a failure, as in node_exporter */
        {"drm", "missing", 0, 0, {0}},
};

/* Replaces every occurrence of what in text (freed) with with. */
static char *replace_all(char *text, const char *what, const char *with) {
        struct buf b = {0};
        buf_puts(&b, "");
        const char *p = text, *q;
        while ((q = strstr(p, what))) {
                buf_put(&b, p, (size_t) (q - p));
                buf_puts(&b, with);
                p = q + strlen(what);
        }
        buf_puts(&b, p);
        free(text);
        return b.data;
}

static char *mask_mtimes(char *text) {
        regex_t re;
        assert_int_equal(regcomp(&re, "^node_textfile_mtime_seconds\\{[^}]*\\} [0-9]+$", REG_EXTENDED | REG_NEWLINE),
                         0);
        regmatch_t m;
        struct buf b = {0};
        buf_puts(&b, "");
        const char *p = text;
        while (regexec(&re, p, 1, &m, 0) == 0) {
                const char *sp = strrchr(p + m.rm_so, ' ');
                /* strrchr can run past the match: find the space within it */
                for (sp = p + m.rm_eo; *sp != ' '; sp--)
                        ;
                buf_put(&b, p, (size_t) (sp + 1 - p));
                buf_puts(&b, "@MTIME@");
                p += m.rm_eo;
        }
        buf_puts(&b, p);
        regfree(&re);
        free(text);
        return b.data;
}

/* One fixture case (cases[*state]): a cmocka test of its own, so that the
 * first mismatch does not hide the others. */
static void test_fixture_case(void **state) {
        const size_t i = *(const size_t *) *state;
        bool write_mode = getenv("VIGIE_FIXTURES_WRITE") != NULL;
        if (sysconf(_SC_CLK_TCK) != 100)
                fail_msg("USER_HZ is %ld here; the cpu fixtures are written for 100", sysconf(_SC_CLK_TCK));
        if (sysconf(_SC_PAGESIZE) != 4096)
                fail_msg("pages are %ld bytes here; the sockstat fixtures are written for 4096", sysconf(_SC_PAGESIZE));
        int idx = registry_find(cases[i].collector);
        assert_true(idx >= 0);
        char dir[256], expected[300], value[4096];
        (void) snprintf(dir, sizeof(dir), "%s/%s", cases[i].collector, cases[i].case_dir);
        struct config_entry e = {0};
        struct config_section sec = {.name = (char *) cases[i].collector, .file = "test.conf"};
        if (cases[i].option.key) {
                char *v = replace_all(strdup(cases[i].option.value), "@FIXTURES@", FIXTURES_DIR);
                (void) snprintf(value, sizeof(value), "%s", v);
                free(v);
                e = (struct config_entry){.key = (char *) cases[i].option.key, .value = value, .line = 1};
                sec.entries = &e;
                sec.n_entries = 1;
                (void) snprintf(expected, sizeof(expected), "%s/expected-%s.prom", dir, cases[i].option.key);
        } else
                (void) snprintf(expected, sizeof(expected), "%s/expected.prom", dir);

        struct fixture_run run;
        fixture_collect(registry_collectors[idx], dir, cases[i].option.key ? &sec : NULL, &run);
        if (run.result != cases[i].result)
                fail_msg("%s: collect returned %d, expected %d", dir, run.result, cases[i].result);
        if (run.parse_errors != cases[i].parse_errors)
                fail_msg("%s: %u lines skipped, expected %u", dir, run.parse_errors, cases[i].parse_errors);
        if (run.validation)
                fail_msg("%s: %s", dir, run.validation);
        char *got = mask_mtimes(replace_all(run.text, FIXTURES_DIR, "@FIXTURES@"));
        run.text = NULL;
        if (run.result < 0) {
                assert_string_equal(got, "");
        } else if (write_mode) {
                FILE *f = fopen(fixture_path(expected), "w");
                assert_non_null(f);
                fputs(got, f);
                fclose(f);
        } else {
                char *want = fixture_read(expected);
                if (strcmp(got, want) != 0)
                        fail_msg("%s: the exposition differs from %s:\n%s", dir, expected, got);
                free(want);
        }
        free(got);
        fixture_run_free(&run);
}

static void put_file(const char *dir, const char *rel, const char *text) {
        char path[512], tmp[520];
        (void) snprintf(path, sizeof(path), "%s/%s", dir, rel);
        (void) snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        FILE *f = fopen(tmp, "w");
        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(rename(tmp, path), 0); /* as udev and package managers replace files */
}

/* Rewrites dir/rel in place, as the kernel changes what its files say
 * (the collectors keep procfs and sysfs files open). */
static void overwrite(const char *dir, const char *rel, const char *text) {
        char path[512];
        (void) snprintf(path, sizeof(path), "%s/%s", dir, rel);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
}

/* collects once and checks that the exposition holds want; the lines it
 * skipped */
static unsigned assert_collects(const struct collector *c, void *state, const char *want) {
        struct fixture_run run;
        fixture_collect_state(c, state, &run);
        assert_int_equal(run.result, 0);
        if (!strstr(run.text, want))
                fail_msg("%s: no \"%s\" in:\n%s", c->name, want, run.text);
        unsigned skipped = run.parse_errors;
        fixture_run_free(&run);
        return skipped;
}

/* rm (unlink or rmdir) on dir/rels[i], the last first */
static void remove_all(const char *dir, const char *const *rels, size_t n, int (*rm)(const char *)) {
        while (n-- > 0) {
                char path[512];
                (void) snprintf(path, sizeof(path), "%s/%s", dir, rels[n]);
                assert_int_equal(rm(path), 0);
        }
}

/* The registry's collector name, set up with every root at root (kept by
 * the caller for the state's life); its state in *ret_state. */
static const struct collector *collector_at(const char *name, const char *root, void **ret_state) {
        struct collector_env env = {root, root, root, root};
        const struct collector *c = registry_collectors[registry_find(name)];
        *ret_state = NULL;
        assert_int_equal(c->init(&env, NULL, &(struct diag){0}, ret_state), 0);
        return c;
}

/* rm -rf dir, a test's own temporary tree */
static void remove_tree(const char *dir) {
        char cmd[600];
        (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

/* hwmon: the same property in a chip's directory and its device/ is
 * served once, device/'s value (read last, as node_exporter's map keeps
 * the last). */
static void test_hwmon_device_overrides(_unused_ void **state) {
        char dir[] = "/tmp/vigie-test-hwmon.XXXXXX", sysfs[256], cmd[300];
        assert_non_null(mkdtemp(dir));
        (void) snprintf(sysfs, sizeof(sysfs), "%s/sys", dir);
        (void) snprintf(cmd, sizeof(cmd), "mkdir -p '%s/class/hwmon/hwmon0/device'", sysfs);
        assert_int_equal(system(cmd), 0);
        put_file(dir, "sys/class/hwmon/hwmon0/name", "chip\n");
        put_file(dir, "sys/class/hwmon/hwmon0/temp1_input", "1000\n");
        put_file(dir, "sys/class/hwmon/hwmon0/temp2_input", "3000\n");
        put_file(dir, "sys/class/hwmon/hwmon0/device/temp1_input", "2000\n");
        void *st;
        const struct collector *c = collector_at("hwmon", sysfs, &st);
        struct fixture_run run;
        fixture_collect_state(c, st, &run);
        assert_int_equal(run.result, 0);
        if (!strstr(run.text, "sensor=\"temp1\"} 2\n") || !strstr(run.text, "sensor=\"temp2\"} 3\n") ||
            strstr(run.text, "sensor=\"temp1\"} 1\n"))
                fail_msg("temp1 not device/'s alone:\n%s", run.text);
        fixture_run_free(&run);
        c->free(st);
        remove_tree(dir);
}

/* udp_queues believes sockstat's count: a family with no socket in use is
 * not walked (its file is not read), and is read again once it has one. */
static void test_udp_queues_none_in_use(_unused_ void **state) {
        char dir[] = "/tmp/vigie-test-udp.XXXXXX", procfs[256], net[280];
        assert_non_null(mkdtemp(dir));
        (void) snprintf(procfs, sizeof(procfs), "%s/proc", dir);
        (void) snprintf(net, sizeof(net), "%s/net", procfs);
        assert_int_equal(mkdir(procfs, 0700), 0);
        assert_int_equal(mkdir(net, 0700), 0);
        static const char udp[] =
                "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
                "  456: 0100007F:0035 00000000:0000 07 00000300:00001A40 00:00000000 00000000   101        0 21245 2\n";
        put_file(dir, "proc/net/udp", udp);
        put_file(dir, "proc/net/sockstat", "sockets: used 5\nUDP: inuse 0 mem 0\n");
        void *st;
        const struct collector *c = collector_at("udp_queues", procfs, &st);
        /* the first scrape finds the file; sockstat is asked from the next */
        assert_int_equal(assert_collects(c, st, "node_udp_queues{ip=\"v4\",queue=\"rx\"} 6720\n"), 0);
        assert_int_equal(assert_collects(c, st, "node_udp_queues{ip=\"v4\",queue=\"rx\"} 0\n"), 0);
        assert_int_equal(assert_collects(c, st, "node_udp_queues{ip=\"v4\",queue=\"tx\"} 0\n"), 0);
        overwrite(dir, "proc/net/sockstat", "sockets: used 5\nUDP: inuse 1 mem 0\n");
        assert_int_equal(assert_collects(c, st, "node_udp_queues{ip=\"v4\",queue=\"tx\"} 768\n"), 0);
        /* no sockstat, or a line that does not say: the table is read */
        overwrite(dir, "proc/net/sockstat", "sockets: used 5\nUDP: inuse x mem 0\n");
        assert_int_equal(assert_collects(c, st, "node_udp_queues{ip=\"v4\",queue=\"rx\"} 6720\n"), 0);
        c->free(st);
        remove_tree(dir);
}

/* A host without udev's data directory (a container) is not asked for it
 * at every scrape: once found missing, it is looked for again within the
 * minute, as any source the host lacks; a fresh instance finds it. */
static void test_udev_directory_remembered(_unused_ void **state) {
        char dir[] = "/tmp/vigie-test-udev.XXXXXX", procfs[256], udev[256];
        assert_non_null(mkdtemp(dir));
        (void) snprintf(procfs, sizeof(procfs), "%s/proc", dir);
        (void) snprintf(udev, sizeof(udev), "%s/udev", dir);
        assert_int_equal(mkdir(procfs, 0700), 0);
        put_file(dir, "proc/diskstats", "   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n");
        struct collector_env env = {procfs, dir, dir, udev};
        const struct collector *c = registry_collectors[registry_find("diskstats")];
        void *st = NULL;
        assert_int_equal(c->init(&env, NULL, &(struct diag){0}, &st), 0);
        assert_collects(c, st, "node_disk_info{device=\"sda\",major=\"8\",minor=\"0\",model=\"\"");
        assert_int_equal(mkdir(udev, 0700), 0);
        put_file(dir, "udev/b8:0", "E:ID_MODEL=found\n");
        assert_collects(c, st, "node_disk_info{device=\"sda\",major=\"8\",minor=\"0\",model=\"\"");
        c->free(st);
        assert_int_equal(c->init(&env, NULL, &(struct diag){0}, &st), 0);
        assert_collects(c, st, "model=\"found\"");
        c->free(st);
        remove_tree(dir);
}

struct cached_collectors {
        const struct collector *os, *disk, *textfile;
        void *os_state, *disk_state, *textfile_state;
};

/* os-release's VERSION_ID, sda's udev model and textfile/a.prom's value,
 * written when dir is set (a.prom in place), then collected. os-release's
 * garbage line and the broken textfile/c.prom are counted at every scrape,
 * whether the files are read again or kept. */
static void change_and_collect(const struct cached_collectors *t, const char *dir, const char *version,
                               const char *model) {
        char text[128];
        if (dir) {
                (void) snprintf(text, sizeof(text), "ID=debian\ngarbage\nVERSION_ID=\"%s\"\n", version);
                put_file(dir, "root/etc/os-release", text);
                (void) snprintf(text, sizeof(text), "E:ID_MODEL=%s\n", model);
                put_file(dir, "udev/b8:0", text);
                (void) snprintf(text, sizeof(text), "backup_ok %s\n", version);
                overwrite(dir, "textfile/a.prom", text);
        }
        (void) snprintf(text, sizeof(text), "version_id=\"%s\"} 1", version);
        assert_int_equal(assert_collects(t->os, t->os_state, text), 1);
        (void) snprintf(text, sizeof(text), "model=\"%s\"", model);
        assert_collects(t->disk, t->disk_state, text);
        (void) snprintf(text, sizeof(text), "\nbackup_ok %s\n", version);
        assert_int_equal(assert_collects(t->textfile, t->textfile_state, text), 1);
}

/* Collectors that keep what they read from files that seldom change
 * (os-release, udev's device data, the textfile directory) see a change at
 * the next scrape, whether it comes right after the last one or long
 * after. */
static void test_cached_files_follow_changes(_unused_ void **state) {
        char dir[] = "/tmp/vigie-test-cached.XXXXXX", path[256];
        assert_non_null(mkdtemp(dir));
        const char *subdirs[] = {"proc",
                                 "sys",
                                 "sys/devices",
                                 "sys/devices/system",
                                 "sys/devices/system/clocksource",
                                 "sys/devices/system/clocksource/clocksource0",
                                 "root",
                                 "root/etc",
                                 "udev",
                                 "textfile"};
        for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
                (void) snprintf(path, sizeof(path), "%s/%s", dir, subdirs[i]);
                assert_int_equal(mkdir(path, 0700), 0);
        }
        char procfs[256], sysfs[256], rootfs[256], udev[256];
        (void) snprintf(procfs, sizeof(procfs), "%s/proc", dir);
        (void) snprintf(sysfs, sizeof(sysfs), "%s/sys", dir);
        (void) snprintf(rootfs, sizeof(rootfs), "%s/root", dir);
        (void) snprintf(udev, sizeof(udev), "%s/udev", dir);
        struct collector_env env = {procfs, sysfs, rootfs, udev};
        put_file(dir, "proc/diskstats", "   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n");
        put_file(dir, "udev/b8:0", "E:ID_MODEL=first\n");
        put_file(dir, "root/etc/os-release", "ID=debian\ngarbage\nVERSION_ID=\"12\"\n");
        put_file(dir, "textfile/a.prom", "backup_ok 12\n");
        put_file(dir, "textfile/c.prom", "broken{ 1\n");
        const char *cs = "sys/devices/system/clocksource/clocksource0/";
        (void) snprintf(path, sizeof(path), "%savailable_clocksource", cs);
        put_file(dir, path, "tsc hpet acpi_pm \n");
        (void) snprintf(path, sizeof(path), "%scurrent_clocksource", cs);
        put_file(dir, path, "tsc\n");
        const struct collector *tm = registry_collectors[registry_find("time")];
        void *tm_state = NULL;
        assert_int_equal(tm->init(&env, NULL, &(struct diag){0}, &tm_state), 0);
        assert_collects(tm, tm_state, "node_time_clocksource_current_info{clocksource=\"tsc\",device=\"0\"} 1");
        overwrite(dir, path, "hpet\n");
        assert_collects(tm, tm_state, "node_time_clocksource_current_info{clocksource=\"hpet\",device=\"0\"} 1");
        assert_collects(tm, tm_state, "node_time_clocksource_available_info{clocksource=\"acpi_pm\",device=\"0\"} 1");
        tm->free(tm_state);

        struct cached_collectors t = {registry_collectors[registry_find("os")],
                                      registry_collectors[registry_find("diskstats")],
                                      registry_collectors[registry_find("textfile")]};
        struct diag diag = {0};
        char textfile_dir[256];
        (void) snprintf(textfile_dir, sizeof(textfile_dir), "%s/textfile", dir);
        struct config_entry e = {.key = "directory", .value = textfile_dir, .line = 1};
        struct config_section sec = {.name = "textfile", .file = "test.conf", .entries = &e, .n_entries = 1};
        assert_int_equal(t.os->init(&env, NULL, &diag, &t.os_state), 0);
        assert_int_equal(t.disk->init(&env, NULL, &diag, &t.disk_state), 0);
        assert_int_equal(t.textfile->init(&env, &sec, &diag, &t.textfile_state), 0);
        change_and_collect(&t, NULL, "12", "first");
        change_and_collect(&t, dir, "13", "second"); /* changed right after a scrape */
        /* changed long after the last change, when the stamps are trusted */
        usleep(1100 * 1000);
        change_and_collect(&t, NULL, "13", "second");
        change_and_collect(&t, NULL, "13", "second");
        change_and_collect(&t, dir, "14", "third");
        /* a .prom file that appears is read, one that goes is forgotten */
        put_file(dir, "textfile/b.prom", "restore_ok 1\n");
        assert_collects(t.textfile, t.textfile_state, "\nrestore_ok 1\n");
        (void) snprintf(path, sizeof(path), "%s/textfile/a.prom", dir);
        assert_int_equal(unlink(path), 0);
        struct fixture_run run;
        fixture_collect_state(t.textfile, t.textfile_state, &run);
        assert_null(strstr(run.text, "backup_ok"));
        assert_non_null(strstr(run.text, "\nrestore_ok 1\n"));
        fixture_run_free(&run);
        t.textfile->free(t.textfile_state);

        /* a device that appears is read, one udev forgot is empty again */
        overwrite(dir, "proc/diskstats",
                  "   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n   8      16 sdb 1 2 3 4 5 6 7 8 9 10 11\n");
        put_file(dir, "udev/b8:16", "E:ID_MODEL=fourth\n");
        assert_collects(t.disk, t.disk_state, "model=\"fourth\"");
        (void) snprintf(path, sizeof(path), "%s/udev/b8:0", dir);
        assert_int_equal(unlink(path), 0);
        assert_collects(t.disk, t.disk_state, "device=\"sda\",major=\"8\",minor=\"0\",model=\"\"");
        t.os->free(t.os_state);
        t.disk->free(t.disk_state);

        const char *files[] = {"proc/diskstats",
                               "udev/b8:16",
                               "root/etc/os-release",
                               "textfile/b.prom",
                               "textfile/c.prom",
                               "sys/devices/system/clocksource/clocksource0/available_clocksource",
                               "sys/devices/system/clocksource/clocksource0/current_clocksource"};
        remove_all(dir, files, sizeof(files) / sizeof(files[0]), unlink);
        remove_all(dir, subdirs, sizeof(subdirs) / sizeof(subdirs[0]), rmdir);
        assert_int_equal(rmdir(dir), 0);
}

/* A tree whose every file is /dev/zero, which never ends: each collector
 * that reads a whole file refuses it with -EFBIG at its bound, at once,
 * instead of growing a buffer until memory runs out; a udev data file that
 * never ends leaves the device's udev values empty. */
static void test_endless_files(_unused_ void **state) {
        char dir[] = "/tmp/vigie-test-endless.XXXXXX", path[256];
        assert_non_null(mkdtemp(dir));
        static const char *const subdirs[] = {"proc",          "proc/1", "proc/self", "proc/net", "proc/net/rpc",
                                              "proc/pressure", "root",   "root/etc",  "udev",     "good"};
        for (size_t i = 0; i < ELEMENTSOF(subdirs); i++) {
                (void) snprintf(path, sizeof(path), "%s/%s", dir, subdirs[i]);
                assert_int_equal(mkdir(path, 0700), 0);
        }
        static const char *const zeros[] = {"proc/stat",
                                            "proc/loadavg",
                                            "proc/meminfo",
                                            "proc/pressure/cpu",
                                            "proc/pressure/io",
                                            "proc/pressure/memory",
                                            "proc/net/dev",
                                            "proc/diskstats",
                                            "proc/1/mountinfo",
                                            "proc/self/mountinfo",
                                            "root/etc/os-release",
                                            "udev/b8:0",
                                            "proc/net/softnet_stat",
                                            "proc/schedstat",
                                            "proc/net/sockstat",
                                            "proc/net/udp",
                                            "proc/vmstat",
                                            "proc/net/netstat",
                                            "proc/net/rpc/nfs",
                                            "proc/net/rpc/nfsd",
                                            "proc/net/arp",
                                            "proc/mdstat"};
        for (size_t i = 0; i < ELEMENTSOF(zeros); i++) {
                (void) snprintf(path, sizeof(path), "%s/%s", dir, zeros[i]);
                assert_int_equal(symlink("/dev/zero", path), 0);
        }
        char procfs[256], rootfs[256], udev[256], good[256];
        (void) snprintf(procfs, sizeof(procfs), "%s/proc", dir);
        (void) snprintf(rootfs, sizeof(rootfs), "%s/root", dir);
        (void) snprintf(udev, sizeof(udev), "%s/udev", dir);
        (void) snprintf(good, sizeof(good), "%s/good", dir);
        struct collector_env env = {procfs, "/nonexistent", rootfs, udev};
        static const char *const names[] = {"cpu",        "stat",       "loadavg", "meminfo", "pressure",  "netdev",
                                            "diskstats",  "filesystem", "os",      "softnet", "schedstat", "sockstat",
                                            "udp_queues", "vmstat",     "netstat", "nfs",     "arp"};
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                const struct collector *c = registry_collectors[registry_find(names[i])];
                void *cs = NULL;
                assert_int_equal(c->init(&env, NULL, &(struct diag){0}, &cs), 0);
                struct fixture_run run;
                fixture_collect_state(c, cs, &run);
                if (run.result != -EFBIG)
                        fail_msg("%s on /dev/zero: collect returned %d, expected -EFBIG", names[i], run.result);
                fixture_run_free(&run);
                c->free(cs);
        }

        put_file(dir, "good/diskstats", "   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n");
        env.procfs = good;
        const struct collector *c = registry_collectors[registry_find("diskstats")];
        void *cs = NULL;
        assert_int_equal(c->init(&env, NULL, &(struct diag){0}, &cs), 0);
        assert_collects(c, cs, "device=\"sda\",major=\"8\",minor=\"0\",model=\"\"");
        c->free(cs);

        remove_all(dir, zeros, ELEMENTSOF(zeros), unlink);
        const char *good_files[] = {"good/diskstats"};
        remove_all(dir, good_files, 1, unlink);
        remove_all(dir, subdirs, ELEMENTSOF(subdirs), rmdir);
        assert_int_equal(rmdir(dir), 0);
}

/* Deterministic xorshift64: the same mutations on every run, so that a
 * failure is found again. */
static uint64_t fuzz_next(uint64_t *x) {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        return *x;
}

/* One to four mutations of text, in place (cap bytes of room): a byte
 * changed to one that means something to the parsers, a range cut, an
 * extreme number put in, a field repeated up to 48 times (lines with
 * more fields than any array holds), a line repeated, the end cut. */
static size_t fuzz_mutate(uint64_t *x, char *text, size_t len, size_t cap) {
        static const char bytes[] = "0123456789 \t\n-:.=\"\\/x()";
        static const char *const numbers[] = {
                "18446744073709551615", "18446744073709551616", "-9223372036854775808",   "9223372036854775807", "-1",
                "4294967296",           "0x7fffffffffffffff",   "99999999999999999999999"};
        for (uint64_t k = fuzz_next(x) % 4 + 1; k > 0 && len > 0; k--) {
                text[len] = '\0'; /* the field and line scans below stop there */
                size_t at = fuzz_next(x) % len;
                const char *piece = NULL;
                size_t piece_len = 0, times = 1;
                switch (fuzz_next(x) % 6) {
                case 0: text[at] = bytes[fuzz_next(x) % (sizeof(bytes) - 1)]; break;
                case 1: {
                        size_t n = fuzz_next(x) % 16 + 1;
                        n = n > len - at ? len - at : n;
                        memmove(text + at, text + at + n, len - at - n);
                        len -= n;
                        break;
                }
                case 2: { /* in place of the field at 'at' */
                        while (at > 0 && text[at - 1] != ' ' && text[at - 1] != '\n')
                                at--;
                        size_t n = strcspn(text + at, " \n");
                        memmove(text + at, text + at + n, len - at - n);
                        len -= n;
                        piece = numbers[fuzz_next(x) % ELEMENTSOF(numbers)];
                        piece_len = strlen(piece);
                        break;
                }
                case 3: /* the field at 'at', with the space before it, after it */
                        while (at > 0 && text[at - 1] != ' ' && text[at - 1] != '\n')
                                at--;
                        if (at == 0)
                                continue;
                        piece = text + at - 1;
                        piece_len = strcspn(text + at, " \n") + 1;
                        at += piece_len - 1;
                        times = fuzz_next(x) % 48 + 1;
                        break;
                case 4:
                        while (at > 0 && text[at - 1] != '\n')
                                at--;
                        piece = text + at;
                        piece_len = strcspn(text + at, "\n") + 1;
                        piece_len = piece_len > len - at ? len - at : piece_len;
                        break;
                default: len = at; break;
                }
                char copy[4096];
                if (piece_len == 0 || piece_len > sizeof(copy) || len + piece_len * times >= cap)
                        continue;
                memcpy(copy, piece, piece_len);
                for (size_t t = 0; t < times; t++) {
                        memmove(text + at + piece_len, text + at, len - at);
                        memcpy(text + at, copy, piece_len);
                        len += piece_len;
                }
        }
        text[len] = '\0';
        return len;
}

/* Every collector's parser on random mutations of its regular fixture,
 * the mutated file rewritten in place (as the kernel changes its files)
 * and collected by one instance: whatever it returns, the set it makes
 * must be valid (no duplicate series); under the sanitized build, no
 * read past an array or overflow either (40-field mountinfo lines and
 * speeds of 2^63 are among what it makes). */
static void test_mutated_fixtures(_unused_ void **state) {
        enum { ITERATIONS = 300 };
        uint64_t x = 0x9e3779b97f4a7c15u;
        static char text[65536];
        for (size_t t = 0; t < n_fixture_targets; t++) {
                char dir[] = "/tmp/vigie-test-fuzz.XXXXXX", cmd[1024], path[512];
                assert_non_null(mkdtemp(dir));
                (void) snprintf(cmd, sizeof(cmd), "cp -a '%s/%s/.' '%s'", FIXTURES_DIR, fixture_targets[t].case_dir,
                                dir);
                assert_int_equal(system(cmd), 0);
                (void) snprintf(path, sizeof(path), "%s/%s", fixture_targets[t].case_dir, fixture_targets[t].file);
                char *orig = fixture_read(path);
                size_t orig_len = strlen(orig);
                assert_true(orig_len < sizeof(text) / 4);

                struct fixture_env fenv;
                fixture_env_at(dir, &fenv);
                const struct collector *c = registry_collectors[registry_find(fixture_targets[t].collector)];
                void *cs = NULL;
                struct fixture_section storage;
                const struct config_section *sec = fixture_target_section(&fixture_targets[t], dir, &storage);
                assert_int_equal(c->init(&fenv.env, sec, &(struct diag){0}, &cs), 0);
                (void) snprintf(path, sizeof(path), "%s/%s", dir, fixture_targets[t].file);
                for (unsigned i = 0; i < ITERATIONS; i++) {
                        memcpy(text, orig, orig_len + 1);
                        size_t len = fuzz_mutate(&x, text, orig_len, sizeof(text));
                        int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
                        assert_true(fd >= 0);
                        assert_int_equal(write(fd, text, len), (ssize_t) len);
                        assert_int_equal(close(fd), 0);
                        struct fixture_run run;
                        fixture_collect_state(c, cs, &run);
                        if (run.result > 0 || run.validation)
                                fail_msg("%s, %s mutated to:\n%s\nreturned %d: %s", fixture_targets[t].collector,
                                         fixture_targets[t].file, text, run.result,
                                         run.validation ? run.validation : "");
                        fixture_run_free(&run);
                }
                c->free(cs);
                free(orig);
                remove_tree(dir);
        }
}

/* A source found missing is not looked for again at the next scrapes (a
 * host without IPv6 or nf_conntrack pays no failed open per scrape): the
 * file made after the first scrape is not read yet. */
static const struct {
        const char *collector, *rel, *content, *rel2, *content2; /* rel2: a second file it needs, if any */
} optional_sources[] = {
        {"entropy", "proc/sys/kernel/random/poolsize", "4096\n"},
        {"filefd", "proc/sys/fs/file-nr", "768\t0\t2466170\n"},
        {"sockstat", "proc/net/sockstat", "sockets: used 1\n"},
        {"softnet", "proc/net/softnet_stat", "00000001 00000000 00000000 0 0 0 0 0 0 0 0\n"},
        {"conntrack", "proc/sys/net/netfilter/nf_conntrack_count", "1\n", "proc/sys/net/netfilter/nf_conntrack_max",
         "2\n"},
        {"udp_queues", "proc/net/udp6", "  sl  local_address\n"},
        {"schedstat", "proc/schedstat", "version 15\ncpu0 0 0 1 2 3 4 5 6 7\n"},
        {"nfs", "proc/net/rpc/nfs", "net 0 0 0 0\n"},
        {"nfsd", "proc/net/rpc/nfsd", "th 8 0\n"},
        {"xfs", "proc/fs/xfs/sda1/stats/stats", "rw 1 2\n"},
        {"arp", "proc/net/arp", "IP address HW type Flags HW address Mask Device\n"},
        /* sysfs is the same tree here */
        {"cpufreq", "proc/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "800000\n"},
        {"nvme", "proc/class/nvme/.keep", ""},
        {"mdadm", "proc/mdstat", "Personalities : [raid1]\nunused devices: <none>\n"},
        {"bonding", "proc/class/net/bonding_masters", "\n"},
        {"tapestats", "proc/class/scsi_tape/st0/stats/read_cnt", "1\n"},
        {"fibrechannel", "proc/class/fc_host/host0/port_state", "Online\n"},
        {"infiniband", "proc/class/infiniband/mlx5_0/fw_ver", "16.35.2000\n"},
        {"dmi", "proc/class/dmi/id/sys_vendor", "QEMU\n"},
        {"btrfs", "proc/fs/btrfs/features/.keep", ""},
        {"ipvs", "proc/net/ip_vs_stats", "\n\n 0 0 0 0 0\n", "proc/net/ip_vs", "IP Virtual Server\n"},
        {"zfs", "proc/spl/kstat/zfs/zil", "1 1 0x01\nname type data\nzil_commit_count 4 1\n"},
        {"interrupts", "proc/interrupts", "  CPU0\n  0:  1  IO-APIC  2-edge  timer\n"},
        {"meminfo_numa", "proc/devices/system/node/node0/numastat", "numa_hit 1\n"},
        {"buddyinfo", "proc/buddyinfo", "Node 0, zone DMA 1 2\n"},
        {"ksmd", "proc/kernel/mm/ksm/run", "1\n"},
        {"zoneinfo", "proc/zoneinfo", "Node 0, zone DMA\n  pages free 1\n"},
        {"lnstat", "proc/net/stat/arp_cache", "entries\n00000001\n"},
        {"slabinfo", "proc/slabinfo", "slabinfo - version: 2.1\n"},
        {"mountstats", "proc/self/mountstats", "device proc mounted on /proc with fstype proc\n", "proc/self/mountinfo",
         "23 27 0:22 / /proc rw - proc proc rw\n"},
        {"cgroups", "proc/cgroups", "cpu\t1\t2\t1\n"},
};

static void test_missing_source_remembered(_unused_ void **state) {
        for (size_t i = 0; i < sizeof(optional_sources) / sizeof(optional_sources[0]); i++) {
                char dir[] = "/tmp/vigie-test-optional.XXXXXX", procfs[256];
                assert_non_null(mkdtemp(dir));
                (void) snprintf(procfs, sizeof(procfs), "%s/proc", dir);
                void *st;
                const struct collector *c = collector_at(optional_sources[i].collector, procfs, &st);
                struct fixture_run run;
                /* an engine's scrapes: the files collectors share
                 * (sockstat's) are remembered by the scrape cache */
                struct scrape_cache cache = {0};
                fixture_collect_cached(c, st, &cache, &run);
                assert_int_equal(run.result, -ENOENT);
                fixture_run_free(&run);

                /* the file appears: still no data until the next look */
                const char *rels[] = {optional_sources[i].rel, optional_sources[i].rel2};
                const char *contents[] = {optional_sources[i].content, optional_sources[i].content2};
                for (size_t k = 0; k < 2 && rels[k]; k++) {
                        char sub[512];
                        (void) snprintf(sub, sizeof(sub), "%s/%s", dir, rels[k]);
                        for (char *p = sub + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
                                *p = '\0';
                                assert_true(mkdir(sub, 0700) == 0 || errno == EEXIST);
                                *p = '/';
                        }
                        put_file(dir, rels[k], contents[k]);
                }
                fixture_collect_cached(c, st, &cache, &run);
                if (run.result != -ENOENT)
                        fail_msg("%s read %s again right after finding it missing", c->name, optional_sources[i].rel);
                fixture_run_free(&run);
                c->free(st);
                scrape_cache_free(&cache);

                /* a fresh instance finds it */
                c = collector_at(optional_sources[i].collector, procfs, &st);
                fixture_collect_state(c, st, &run);
                assert_int_equal(run.result, 0);
                fixture_run_free(&run);
                c->free(st);
                remove_tree(dir);
        }
}

/* adjtimex(2) cannot be pointed at a fixture tree: the timex collector
 * reads these answers instead, worked out by hand. The same raw offset
 * (1500000) and jitter (2500) read as nanoseconds under STA_NANO and as
 * microseconds without it; maxerror, esterror and tick are microseconds
 * either way; freq, ppsfreq and stabil are ppm with 16 fractional bits
 * (655360 is 10 ppm: a ratio of 1.00001); TIME_ERROR is sync_status 0. */
static int timex_nano_synced(struct timex *t) {
        *t = (struct timex){.offset = 1500000,
                            .freq = 655360,
                            .maxerror = 250000,
                            .esterror = 1500,
                            .status = STA_PLL | STA_NANO,
                            .constant = 7,
                            .tick = 10000,
                            .ppsfreq = -131072,
                            .jitter = 2500,
                            .shift = 4,
                            .stabil = 32768,
                            .jitcnt = 3,
                            .calcnt = 12,
                            .errcnt = 1,
                            .stbcnt = 2,
                            .tai = 37};
        return TIME_OK;
}

static int timex_micro_unsynced(struct timex *t) {
        *t = (struct timex){.offset = 1500000,
                            .freq = -2621440,
                            .maxerror = 16000000,
                            .esterror = 16000000,
                            .status = STA_UNSYNC,
                            .constant = 2,
                            .tick = 10000,
                            .jitter = 2500};
        return TIME_ERROR;
}

static int timex_refused(_unused_ struct timex *t) {
        errno = EPERM;
        return -1;
}

static int timex_invalid(_unused_ struct timex *t) {
        errno = EINVAL;
        return -1;
}

static const char timex_nano_synced_prom[] =
        "# HELP node_timex_estimated_error_seconds Estimated error in seconds.\n"
        "# TYPE node_timex_estimated_error_seconds gauge\n"
        "node_timex_estimated_error_seconds 0.0015\n"
        "# HELP node_timex_frequency_adjustment_ratio Local clock frequency adjustment.\n"
        "# TYPE node_timex_frequency_adjustment_ratio gauge\n"
        "node_timex_frequency_adjustment_ratio 1.00001\n"
        "# HELP node_timex_loop_time_constant Phase-locked loop time constant.\n"
        "# TYPE node_timex_loop_time_constant gauge\n"
        "node_timex_loop_time_constant 7\n"
        "# HELP node_timex_maxerror_seconds Maximum error in seconds.\n"
        "# TYPE node_timex_maxerror_seconds gauge\n"
        "node_timex_maxerror_seconds 0.25\n"
        "# HELP node_timex_offset_seconds Time offset in between local system and reference clock.\n"
        "# TYPE node_timex_offset_seconds gauge\n"
        "node_timex_offset_seconds 0.0015\n"
        "# HELP node_timex_pps_calibration_total Pulse per second count of calibration intervals.\n"
        "# TYPE node_timex_pps_calibration_total counter\n"
        "node_timex_pps_calibration_total 12\n"
        "# HELP node_timex_pps_error_total Pulse per second count of calibration errors.\n"
        "# TYPE node_timex_pps_error_total counter\n"
        "node_timex_pps_error_total 1\n"
        "# HELP node_timex_pps_frequency_hertz Pulse per second frequency.\n"
        "# TYPE node_timex_pps_frequency_hertz gauge\n"
        "node_timex_pps_frequency_hertz -0.000002\n"
        "# HELP node_timex_pps_jitter_seconds Pulse per second jitter.\n"
        "# TYPE node_timex_pps_jitter_seconds gauge\n"
        "node_timex_pps_jitter_seconds 0.0000025\n"
        "# HELP node_timex_pps_jitter_total Pulse per second count of jitter limit exceeded events.\n"
        "# TYPE node_timex_pps_jitter_total counter\n"
        "node_timex_pps_jitter_total 3\n"
        "# HELP node_timex_pps_shift_seconds Pulse per second interval duration.\n"
        "# TYPE node_timex_pps_shift_seconds gauge\n"
        "node_timex_pps_shift_seconds 4\n"
        "# HELP node_timex_pps_stability_exceeded_total Pulse per second count of stability limit exceeded events.\n"
        "# TYPE node_timex_pps_stability_exceeded_total counter\n"
        "node_timex_pps_stability_exceeded_total 2\n"
        "# HELP node_timex_pps_stability_hertz Pulse per second stability, average of recent frequency changes.\n"
        "# TYPE node_timex_pps_stability_hertz gauge\n"
        "node_timex_pps_stability_hertz 0.0000005\n"
        "# HELP node_timex_status Value of the status array bits.\n"
        "# TYPE node_timex_status gauge\n"
        "node_timex_status 8193\n"
        "# HELP node_timex_sync_status Is clock synchronized to a reliable server (1 = yes, 0 = no).\n"
        "# TYPE node_timex_sync_status gauge\n"
        "node_timex_sync_status 1\n"
        "# HELP node_timex_tai_offset_seconds International Atomic Time (TAI) offset.\n"
        "# TYPE node_timex_tai_offset_seconds gauge\n"
        "node_timex_tai_offset_seconds 37\n"
        "# HELP node_timex_tick_seconds Seconds between clock ticks.\n"
        "# TYPE node_timex_tick_seconds gauge\n"
        "node_timex_tick_seconds 0.01\n";

static const char timex_micro_unsynced_prom[] =
        "# HELP node_timex_estimated_error_seconds Estimated error in seconds.\n"
        "# TYPE node_timex_estimated_error_seconds gauge\n"
        "node_timex_estimated_error_seconds 16\n"
        "# HELP node_timex_frequency_adjustment_ratio Local clock frequency adjustment.\n"
        "# TYPE node_timex_frequency_adjustment_ratio gauge\n"
        "node_timex_frequency_adjustment_ratio 0.99996\n"
        "# HELP node_timex_loop_time_constant Phase-locked loop time constant.\n"
        "# TYPE node_timex_loop_time_constant gauge\n"
        "node_timex_loop_time_constant 2\n"
        "# HELP node_timex_maxerror_seconds Maximum error in seconds.\n"
        "# TYPE node_timex_maxerror_seconds gauge\n"
        "node_timex_maxerror_seconds 16\n"
        "# HELP node_timex_offset_seconds Time offset in between local system and reference clock.\n"
        "# TYPE node_timex_offset_seconds gauge\n"
        "node_timex_offset_seconds 1.5\n"
        "# HELP node_timex_pps_calibration_total Pulse per second count of calibration intervals.\n"
        "# TYPE node_timex_pps_calibration_total counter\n"
        "node_timex_pps_calibration_total 0\n"
        "# HELP node_timex_pps_error_total Pulse per second count of calibration errors.\n"
        "# TYPE node_timex_pps_error_total counter\n"
        "node_timex_pps_error_total 0\n"
        "# HELP node_timex_pps_frequency_hertz Pulse per second frequency.\n"
        "# TYPE node_timex_pps_frequency_hertz gauge\n"
        "node_timex_pps_frequency_hertz 0\n"
        "# HELP node_timex_pps_jitter_seconds Pulse per second jitter.\n"
        "# TYPE node_timex_pps_jitter_seconds gauge\n"
        "node_timex_pps_jitter_seconds 0.0025\n"
        "# HELP node_timex_pps_jitter_total Pulse per second count of jitter limit exceeded events.\n"
        "# TYPE node_timex_pps_jitter_total counter\n"
        "node_timex_pps_jitter_total 0\n"
        "# HELP node_timex_pps_shift_seconds Pulse per second interval duration.\n"
        "# TYPE node_timex_pps_shift_seconds gauge\n"
        "node_timex_pps_shift_seconds 0\n"
        "# HELP node_timex_pps_stability_exceeded_total Pulse per second count of stability limit exceeded events.\n"
        "# TYPE node_timex_pps_stability_exceeded_total counter\n"
        "node_timex_pps_stability_exceeded_total 0\n"
        "# HELP node_timex_pps_stability_hertz Pulse per second stability, average of recent frequency changes.\n"
        "# TYPE node_timex_pps_stability_hertz gauge\n"
        "node_timex_pps_stability_hertz 0\n"
        "# HELP node_timex_status Value of the status array bits.\n"
        "# TYPE node_timex_status gauge\n"
        "node_timex_status 64\n"
        "# HELP node_timex_sync_status Is clock synchronized to a reliable server (1 = yes, 0 = no).\n"
        "# TYPE node_timex_sync_status gauge\n"
        "node_timex_sync_status 0\n"
        "# HELP node_timex_tai_offset_seconds International Atomic Time (TAI) offset.\n"
        "# TYPE node_timex_tai_offset_seconds gauge\n"
        "node_timex_tai_offset_seconds 0\n"
        "# HELP node_timex_tick_seconds Seconds between clock ticks.\n"
        "# TYPE node_timex_tick_seconds gauge\n"
        "node_timex_tick_seconds 0.01\n";

static void test_timex_conversion(_unused_ void **state) {
        static const struct {
                timex_source_fn source;
                int result;
                const char *want;
        } answers[] = {
                {timex_nano_synced, 0, timex_nano_synced_prom},
                {timex_micro_unsynced, 0, timex_micro_unsynced_prom},
                /* refused by a seccomp filter: no data */
                {timex_refused, -ENOENT, ""},
                {timex_invalid, -EINVAL, ""},
        };
        const struct collector *c = registry_collectors[registry_find("timex")];
        struct collector_env env = {"/nonexistent", "/nonexistent", "/nonexistent", "/nonexistent"};
        for (size_t i = 0; i < ELEMENTSOF(answers); i++) {
                void *cs = NULL;
                assert_int_equal(c->init(&env, NULL, &(struct diag){0}, &cs), 0);
                timex_use_source(cs, answers[i].source);
                struct fixture_run run;
                fixture_collect_state(c, cs, &run);
                assert_int_equal(run.result, answers[i].result);
                assert_int_equal(run.parse_errors, 0);
                assert_null(run.validation);
                assert_string_equal(run.text, answers[i].want);
                fixture_run_free(&run);
                c->free(cs);
        }
}

/* The defaults a collector declares in .options (what --help, vigie.conf
 * and the README say) are the ones its init applies: on its regular
 * fixture, no section and a section giving every declared default collect
 * the same. */
/* [collector.perf] as node_exporter's flags read them: cpus as lists,
 * ranges and strides, and the tracepoints' ids found in tracefs under
 * kernel/tracing or kernel/debug/tracing; anything else refused at init,
 * naming the flag. Init opens no counter. */
static void test_perf_options(_unused_ void **state) {
        const struct collector *c = registry_collectors[registry_find("perf")];
        static const struct {
                const char *tree, *key, *value;
                const char *error; /* NULL: accepted */
        } perf_cases[] = {
                {"perf/missing", "cpus", "0", NULL},
                {"perf/missing", "cpus", "0-3,8", NULL},
                {"perf/missing", "cpus", "0-15:4,0", NULL},
                {"perf/missing", "cpus", "1-", "--collector.perf.cpus: '1-': not a list of CPUs"},
                {"perf/missing", "cpus", "a", "not a list of CPUs"},
                {"perf/missing", "cpus", "", NULL},
                {"perf/missing", "cpus", "0-3:0", "not a list of CPUs"},
                {"perf/missing", "cpus", "3-1", "not a list of CPUs"},
                {"perf/missing", "cpus", "0,,1", "not a list of CPUs"},
                {"perf/missing", "cpus", "-1", "not a list of CPUs"},
                {"perf/missing", "cpus", "0-8191:4096", NULL},
                {"perf/missing", "cpus", "0-8192", "not a list of CPUs"},
                {"perf/tracefs", "tracepoint", "sched:sched_switch", NULL},
                {"perf/debugfs", "tracepoint", "sched:sched_switch", NULL},
                {"perf/tracefs", "tracepoint", "sched:sched_switch, sched:sched_switch", NULL},
                {"perf/tracefs", "tracepoint", "sched", "'sched': not SUBSYSTEM:EVENT"},
                {"perf/tracefs", "tracepoint", "../../x:y", "not SUBSYSTEM:EVENT"},
                {"perf/tracefs", "tracepoint", "sched:", "not SUBSYSTEM:EVENT"},
                {"perf/tracefs", "tracepoint", "sched:nosuch", "'sched:nosuch': no id under "},
                {"perf/garbage", "tracepoint", "sched:sched_switch", "Bad message"},
                {"perf/missing", "tracepoint", "sched:sched_switch", "is tracefs mounted?"},
        };
        for (size_t i = 0; i < ELEMENTSOF(perf_cases); i++) {
                struct config_entry e = {(char *) perf_cases[i].key, (char *) perf_cases[i].value, 0};
                struct config_section sec = {(char *) "perf", "collector", "test.conf", 1, &e, 1, 0};
                char sys[256];
                (void) snprintf(sys, sizeof(sys), "%s/sys", perf_cases[i].tree);
                struct collector_env env = {"/nonexistent", fixture_path(sys), "/nonexistent", "/nonexistent"};
                struct diag diag = {0};
                void *st = NULL;
                int r = c->init(&env, &sec, &diag, &st);
                if (perf_cases[i].error && (r != -EINVAL || !strstr(diag.msg, perf_cases[i].error)))
                        fail_msg("%s=%s on %s: %d, '%s'; expected '%s'", perf_cases[i].key, perf_cases[i].value,
                                 perf_cases[i].tree, r, diag.msg, perf_cases[i].error);
                if (!perf_cases[i].error && r != 0)
                        fail_msg("%s=%s on %s refused: %d, '%s'", perf_cases[i].key, perf_cases[i].value,
                                 perf_cases[i].tree, r, diag.msg);
                c->free(st);
        }
}

/* [collector.ipvs] backend_labels as node_exporter's flag reads it: an
 * unknown label is refused, naming it; repeats and order do not matter
 * (the series keep node_exporter's order); none leaves one series per
 * family, every backend summed. */
static void test_ipvs_backend_labels(_unused_ void **state) {
        const struct collector *c = registry_collectors[registry_find("ipvs")];
        struct config_entry e = {(char *) "backend_labels", (char *) "proto,port", 1};
        struct config_section sec = {(char *) "ipvs", "collector", "test.conf", 1, &e, 1, 0};
        struct collector_env env = {"/nonexistent", "/nonexistent", "/nonexistent", "/nonexistent"};
        struct diag diag = {0};
        void *st = NULL;
        assert_int_equal(c->init(&env, &sec, &diag, &st), -EINVAL);
        assert_non_null(strstr(diag.msg, "unknown IPVS backend label 'port'"));

        struct fixture_run run;
        e.value = (char *) "local_port,,proto,proto";
        fixture_collect(c, "ipvs/regular", &sec, &run);
        char *want = fixture_read("ipvs/regular/expected-backend_labels.prom");
        assert_string_equal(run.text, want);
        free(want);
        fixture_run_free(&run);

        e.value = (char *) "";
        fixture_collect(c, "ipvs/regular", &sec, &run);
        assert_int_equal(run.result, 0);
        assert_non_null(strstr(run.text, "\nnode_ipvs_backend_connections_active 3753\n"));
        assert_non_null(strstr(run.text, "\nnode_ipvs_backend_weight 515\n"));
        fixture_run_free(&run);
}

/* [collector.sysctl]: what node_exporter 1.5 would fail at every scrape is
 * refused at start, naming the sysctl: a text one mapped to keys, a key
 * that makes no metric name, and two that would make the same series. */
static void test_sysctl_refused(_unused_ void **state) {
        static const struct {
                const char *key, *value, *msg;
        } table[] = {
                {"include_info", "kernel.ostype:a,b", "'kernel.ostype:a,b': a text sysctl maps to no keys"},
                {"include", "vm.swappiness:a-b", "'vm.swappiness:a-b': key 'a-b' makes no metric name"},
                {"include", "vm.swappiness vm.swappiness", "node_sysctl_vm_swappiness made twice"},
                {"include", "a.b_c a.b.c", "node_sysctl_a_b_c made twice"},
                {"include", "a:x,x", "node_sysctl_a_x made twice"},
                {"include", "a:b a_b", "node_sysctl_a_b made twice"},
                {"include_info", "kernel.ostype kernel.ostype", "sysctl kernel.ostype named twice"},
                {"include", ":a", "':a': no sysctl name"},
        };
        const struct collector *c = registry_collectors[registry_find("sysctl")];
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                struct config_entry e = {(char *) table[i].key, (char *) table[i].value, 1};
                struct config_section sec = {(char *) "sysctl", "collector", "test.conf", 1, &e, 1, 0};
                struct collector_env env = {"/nonexistent", "/nonexistent", "/nonexistent", "/nonexistent"};
                struct diag diag = {0};
                void *st = NULL;
                assert_int_equal(c->init(&env, &sec, &diag, &st), -EINVAL);
                if (!strstr(diag.msg, table[i].msg))
                        fail_msg("%s = %s: '%s', expected '%s'", table[i].key, table[i].value, diag.msg, table[i].msg);
        }
}

static void test_declared_defaults_apply(_unused_ void **state) {
        size_t checked = 0;
        for (size_t i = 0; i < registry_count; i++) {
                const struct collector *c = registry_collectors[i];
                char dir[128];
                struct stat st;
                (void) snprintf(dir, sizeof(dir), "%s/regular", c->name);
                if (!c->options || stat(fixture_path(dir), &st) < 0)
                        continue;
                struct config_entry entries[32];
                size_t n = 0;
                for (const struct collector_option *o = c->options; o->key && n < ELEMENTSOF(entries); o++)
                        entries[n++] = (struct config_entry){(char *) o->key, (char *) o->def, 1};
                struct config_section sec = {(char *) c->name, "collector", "test.conf", 1, entries, n, 0};
                struct fixture_run plain, declared;
                fixture_collect(c, dir, NULL, &plain);
                fixture_collect(c, dir, &sec, &declared);
                if (plain.result != declared.result || strcmp(plain.text, declared.text) != 0)
                        fail_msg("%s: its declared defaults collect otherwise than no section:\n%s\n---\n%s", c->name,
                                 plain.text, declared.text);
                fixture_run_free(&plain);
                fixture_run_free(&declared);
                checked++;
        }
        assert_true(checked >= 5);
}

int main(void) {
        enum { N_CASES = sizeof(cases) / sizeof(cases[0]) };
        static size_t case_index[N_CASES];
        static char case_names[N_CASES][128];
        static struct CMUnitTest case_tests[N_CASES];
        for (size_t i = 0; i < N_CASES; i++) {
                case_index[i] = i;
                if (cases[i].option.key)
                        (void) snprintf(case_names[i], sizeof(case_names[i]), "%s/%s [%s=%s]", cases[i].collector,
                                        cases[i].case_dir, cases[i].option.key, cases[i].option.value);
                else
                        (void) snprintf(case_names[i], sizeof(case_names[i]), "%s/%s", cases[i].collector,
                                        cases[i].case_dir);
                case_tests[i] = (struct CMUnitTest){case_names[i], test_fixture_case, NULL, NULL, &case_index[i]};
        }
        int failed = _cmocka_run_group_tests("fixtures", case_tests, N_CASES, NULL, NULL);

        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cached_files_follow_changes),
                cmocka_unit_test(test_declared_defaults_apply),
                cmocka_unit_test(test_endless_files),
                cmocka_unit_test(test_ipvs_backend_labels),
                cmocka_unit_test(test_sysctl_refused),
                cmocka_unit_test(test_perf_options),
                cmocka_unit_test(test_mutated_fixtures),
                cmocka_unit_test(test_missing_source_remembered),
                cmocka_unit_test(test_udp_queues_none_in_use),
                cmocka_unit_test(test_udev_directory_remembered),
                cmocka_unit_test(test_hwmon_device_overrides),
                cmocka_unit_test(test_timex_conversion),
        };
        return failed + cmocka_run_group_tests(tests, NULL, NULL);
}
