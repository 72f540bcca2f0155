/* The settings table (settings.h) and the few helpers that turn it into
 * words: durations as a person writes them, the range of a value, the
 * closest key or flag to a typo, node_exporter's names. */
#include "settings.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "macro.h"

#define F(field) offsetof(struct config, field)
#define S 1000ull
#define T "push.target.NAME"
#define P "probe.NAME"
#define L "plugin.NAME"
#define E "exec.NAME"
const struct setting settings[] = {
        {"log", "level", "log.level", SETTING_LOG_LEVEL, 0, F(log_level), 0, 0, "info", "error, warn, info or debug"},
        {"log", "target", "log.target", SETTING_LOG_TARGET, 0, F(log_target), 0, 0, "auto",
         "auto (the journal when systemd connected stderr to it, else stderr), stderr or journal"},
        {"log", "format", "log.format", SETTING_LOG_FORMAT, 0, F(log_format), 0, 0, "logfmt",
         "logfmt or json, on stderr (the journal gets its own records)"},
        {"web", "listen_address", "web.listen-address", SETTING_LISTEN, 0, 0, 0, 0, ":9100",
         "host:port, [ipv6]:port or :port (every address) to listen on; repeat it for several"},
        {"web", "telemetry_path", "web.telemetry-path", SETTING_TELEMETRY, 0, F(telemetry_path), 0, 0, "/metrics",
         "where the metrics are served"},
        {"web", "max_requests", "web.max-requests", SETTING_UINT, SETTING_UNLIMITED, F(max_requests), 0, 10000, "40",
         "most connections served at once, per address (0: no limit)"},
        {"web", "connection_timeout", NULL, SETTING_DURATION_S, 0, F(connection_timeout_s), 1 * S, 3600 * S, "90s",
         "an idle or slow connection is closed after this long"},
        {"web", "max_requests_per_client", NULL, SETTING_UINT, SETTING_UNLIMITED, F(max_requests_per_client), 0, 10000,
         "10", "most connections one client address holds at once, per address (0: no limit)"},
        {"web", "header_timeout", NULL, SETTING_DURATION_S, 0, F(header_timeout_s), 1 * S, 3600 * S, "10s",
         "a request (and its TLS handshake) must arrive whole within this long, however slowly it trickles"},
        {"web", "systemd_socket", "web.systemd-socket", SETTING_BOOL, 0, F(systemd_socket), 0, 0, "false",
         "refuse to start unless systemd passes the listening sockets"},
        {"web", "disable_exporter_metrics", "web.disable-exporter-metrics", SETTING_BOOL, 0,
         F(disable_exporter_metrics), 0, 0, "false", "leave out process_* and vigie_build_info"},
        {"web", "config_file", "web.config.file", SETTING_WEB_CONFIG, 0, F(web_config_file), 0, 0, "",
         "node_exporter's web configuration file (YAML: TLS, client certificates, basic auth, headers)"},
        {"paths", "procfs", "path.procfs", SETTING_PATH, 0, F(procfs), 0, 0, "/proc", "procfs mount point"},
        {"paths", "sysfs", "path.sysfs", SETTING_PATH, 0, F(sysfs), 0, 0, "/sys", "sysfs mount point"},
        {"paths", "rootfs", "path.rootfs", SETTING_PATH, 0, F(rootfs), 0, 0, "/", "root filesystem mount point"},
        {"paths", "udev_data", "path.udev.data", SETTING_PATH, 0, F(udev_data), 0, 0, "/run/udev/data",
         "udev data path"},
        {"collectors", "disable_defaults", "collector.disable-defaults", SETTING_BOOL, 0, F(disable_defaults), 0, 0,
         "false", "every collector off unless turned on by name"},
        {"plugins", "directory", "plugins.directory", SETTING_PATH, 0, F(plugin_dir), 0, 0, VIGIE_PLUGIN_DIR,
         "where the [plugin.NAME] sections' files are loaded from"},
        {"push", "interval", "push.interval", SETTING_DURATION_MS, 0, F(push_interval_ms), 1 * S, 86400 * S, "15s",
         "how often to collect and push"},
        {"push", "queue_dir", "push.queue-dir", SETTING_QUEUE_DIR, 0, F(push_queue_dir), 0, 0, "/var/lib/vigie/queue",
         "where batches wait until acknowledged"},
        {"push", "queue_max_bytes", NULL, SETTING_SIZE, 0, F(push_queue_max_bytes), 0, 0, "256MiB",
         "disk budget of each target's queue; past it the oldest batches go first"},
        {"push", "fsync", NULL, SETTING_BOOL, 0, F(push_fsync), 0, 0, "true",
         "fsync each batch before it is counted as queued"},
        {"push", "queue_memory_batches", NULL, SETTING_UINT, 0, F(push_queue_memory_batches), 1, 100000, "64",
         "batches collected while the disk is too slow to take them wait in memory, at most this many (the oldest "
         "are then dropped, counted as disk_slow)"},
        {"push", "instance", NULL, SETTING_STRING, 0, F(push_instance), 0, 0, "", "instance label (the host name)"},
        {"push", "job", NULL, SETTING_STRING, 0, F(push_job), 0, 0, "vigie", "job label"},
        {"push", "label.NAME", "push.label", SETTING_LABEL, 0, 0, 0, 0, "",
         "an external label on every pushed series (repeatable)"},
        {T, "url", "push.url", SETTING_PUSH_URL, 0, 0, 0, 0, "",
         "a Prometheus Remote-Write endpoint; a flag adds a target (url1, url2...)"},
        {T, "interval", NULL, SETTING_TARGET_KEY, 0, 0, 0, 0, "", "this target's interval ([push] interval)"},
        {T, "timeout", NULL, SETTING_TARGET_KEY, 0, 0, 0, 0, "10s", "how long one request may take"},
        {T, "max_batches_per_second", NULL, SETTING_TARGET_KEY, 0, 0, 0, 0, "10",
         "most batches sent a second, which paces the replay of a backlog (0: no ceiling)"},
        {T, "max_bytes_per_second", NULL, SETTING_TARGET_KEY, 0, 0, 0, 0, "0",
         "most bytes of request bodies sent a second, as 1MiB (0: no ceiling)"},
        {T, "ca_file", NULL, SETTING_TARGET_KEY, 0, 0, 0, 0, "", "the CA of the central side"},
        {T, "cert_file", NULL, SETTING_TARGET_KEY, 0, 0, 0, 0, "", "this server's client certificate (mTLS)"},
        {T, "key_file", NULL, SETTING_TARGET_KEY, 0, 0, 0, 0, "", "its key"},
        {T, "insecure_skip_verify", NULL, SETTING_TARGET_KEY, 0, 0, 0, 0, "false", "accept any server certificate"},
        {T, "bearer_token", NULL, SETTING_TARGET_KEY, SETTING_SECRET, 0, 0, 0, "", "a bearer token"},
        {T, "bearer_token_file", NULL, SETTING_TARGET_KEY, 0, 0, 0, 0, "", "a file holding it (chmod 600)"},
        {T, "username", NULL, SETTING_TARGET_KEY, 0, 0, 0, 0, "", "basic auth user"},
        {T, "password", NULL, SETTING_TARGET_KEY, SETTING_SECRET, 0, 0, 0, "", "basic auth password"},
        {T, "password_file", NULL, SETTING_TARGET_KEY, 0, 0, 0, 0, "", "a file holding it (chmod 600)"},
        {T, "header.NAME", NULL, SETTING_TARGET_KEY, 0, 0, 0, 0, "", "an extra header (a tenant)"},
        {P, "kind", NULL, SETTING_PROBE_KEY, 0, 0, 0, 0, "", "tcp, http, https or unix"},
        {P, "target", NULL, SETTING_PROBE_KEY, 0, 0, 0, 0, "",
         "tcp: host:port or [ipv6]:port; http, https: the URL; unix: the socket's path"},
        {P, "interval", NULL, SETTING_PROBE_KEY, 0, 0, 0, 0, "15s", "how often the probe runs"},
        {P, "timeout", NULL, SETTING_PROBE_KEY, 0, 0, 0, 0, "5s", "how long one run may take, at most the interval"},
        {P, "send", NULL, SETTING_PROBE_KEY, 0, 0, 0, 0, "",
         "tcp, unix: what to send once connected (\\r, \\n, \\t and \\\\ escapes)"},
        {P, "expect", NULL, SETTING_PROBE_KEY, 0, 0, 0, 0, "",
         "tcp, unix: a POSIX extended regex that what the server sends first must match"},
        {P, "valid_status_codes", NULL, SETTING_PROBE_KEY, 0, 0, 0, 0, "",
         "http, https: the status codes that succeed, as 200, 301 (none given: any 2xx)"},
        {P, "follow_redirects", NULL, SETTING_PROBE_KEY, 0, 0, 0, 0, "false",
         "http, https: follow redirects (at most 10) instead of judging the first answer"},
        {P, "ca_file", NULL, SETTING_PROBE_KEY, 0, 0, 0, 0, "",
         "https: the CA of the server's certificate (the system's by default)"},
        {P, "insecure_skip_verify", NULL, SETTING_PROBE_KEY, 0, 0, 0, 0, "false",
         "https: accept any server certificate (its expiry is still reported)"},
        {L, "file", NULL, SETTING_PLUGIN_KEY, 0, 0, 0, 0, "",
         "the plugin's shared object, a file name in [plugins] directory; any other key is the plugin's own"},
        {L, "interval", NULL, SETTING_PLUGIN_KEY, 0, 0, 0, 0, "15s", "how often the plugin collects"},
        {L, "timeout", NULL, SETTING_PLUGIN_KEY, 0, 0, 0, 0, "",
         "how long one collect may take before it is interrupted (the interval by default, at most ten)"},
        {E, "command", NULL, SETTING_EXEC_KEY, 0, 0, 0, 0, "",
         "the program and its arguments, split at blanks ('...' and \"...\" quote); no shell unless shell = true"},
        {E, "mode", NULL, SETTING_EXEC_KEY, 0, 0, 0, 0, "once",
         "once: run at each interval; stream: started once, asked for a frame ended by # EOF at each interval"},
        {E, "shell", NULL, SETTING_EXEC_KEY, 0, 0, 0, 0, "false", "run command through /bin/sh -c"},
        {E, "interval", NULL, SETTING_EXEC_KEY, 0, 0, 0, 0, "15s", "how often the program runs"},
        {E, "timeout", NULL, SETTING_EXEC_KEY, 0, 0, 0, 0, "5s",
         "how long one run may take, at most the interval; then SIGTERM, a second, SIGKILL"},
        {E, "env.NAME", NULL, SETTING_EXEC_KEY, 0, 0, 0, 0, "",
         "an environment variable for the program, which gets PATH and these only"},
        {E, "max_output_bytes", NULL, SETTING_EXEC_KEY, 0, 0, 0, 0, "1048576",
         "more output than this is refused whole (and the program killed)"},
        {E, "max_line_length", NULL, SETTING_EXEC_KEY, 0, 0, 0, 0, "65536", "a longer line refuses the output whole"},
        {E, "allow_root", NULL, SETTING_EXEC_KEY, 0, 0, 0, 0, "false",
         "let the program run when the agent runs as root (refused otherwise)"},
};
#undef E
#undef L
#undef P
#undef T
#undef S
#undef F
const size_t settings_count = ELEMENTSOF(settings);
_Static_assert(ELEMENTSOF(settings) <= SETTINGS_MAX, "SETTINGS_MAX is too small for the table");

/* "label.NAME" matches "label.site" */
static bool key_matches(const char *pattern, const char *key) {
        const char *star = strstr(pattern, ".NAME");
        if (!star)
                return strcmp(pattern, key) == 0;
        size_t n = (size_t) (star - pattern) + 1;
        return strncmp(pattern, key, n) == 0 && key[n] != '\0';
}

/* "push.target.NAME" matches "push.target.central", "probe.NAME" "probe.web" */
static bool section_matches(const char *pattern, const char *section) {
        size_t n = strlen(pattern);
        if (n > 5 && strcmp(pattern + n - 5, ".NAME") == 0)
                return strncmp(section, pattern, n - 4) == 0 && section[n - 4] != '\0';
        return strcmp(pattern, section) == 0;
}

int settings_find(const char *section, const char *key) {
        for (size_t i = 0; i < settings_count; i++)
                if (section_matches(settings[i].section, section) && key_matches(settings[i].key, key))
                        return (int) i;
        return -ENOENT;
}

int settings_find_flag(const char *flag) {
        for (size_t i = 0; i < settings_count; i++)
                if (settings[i].flag && strcmp(settings[i].flag, flag) == 0)
                        return (int) i;
        return -ENOENT;
}

bool settings_section_known(const char *section) {
        for (size_t i = 0; i < settings_count; i++)
                if (section_matches(settings[i].section, section))
                        return true;
        return false;
}

void settings_format_duration(uint64_t ms, char *out, size_t size) {
        static const struct {
                const char *unit;
                uint64_t ms;
        } units[] = {{"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
        size_t len = 0;
        out[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(units) && len < size; i++)
                if (ms >= units[i].ms || (len == 0 && units[i].ms == 1)) {
                        len += (size_t) snprintf(out + len, size - len, "%llu%s",
                                                 (unsigned long long) (ms / units[i].ms), units[i].unit);
                        ms %= units[i].ms;
                }
}

void settings_describe(const struct setting *s, char *out, size_t size) {
        char lo[32], hi[32];
        switch (s->type) {
        case SETTING_UINT:
                (void) snprintf(out, size, "a whole number from %llu%s to %llu", (unsigned long long) s->min,
                                s->flags & SETTING_UNLIMITED ? " (no limit)" : "", (unsigned long long) s->max);
                return;
        case SETTING_DURATION_S:
        case SETTING_DURATION_MS:
                settings_format_duration(s->min, lo, sizeof(lo));
                settings_format_duration(s->max, hi, sizeof(hi));
                (void) snprintf(out, size, "a duration %sfrom %s to %s (e.g. %s)",
                                s->type == SETTING_DURATION_S ? "in whole seconds " : "", lo, hi,
                                s->type == SETTING_DURATION_S ? "10s, 1m" : "15s, 1m");
                return;
        default: (void) snprintf(out, size, "a valid value"); return;
        }
}

/* Levenshtein distance, '-' and '_' alike, capped at 3. */
static unsigned edit_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        if (la > 63 || lb > 63)
                return la == lb && strcmp(a, b) == 0 ? 0 : 3;
        unsigned row[64];
        for (size_t j = 0; j <= lb; j++)
                row[j] = (unsigned) j;
        for (size_t i = 1; i <= la; i++) {
                unsigned diag = row[0];
                row[0] = (unsigned) i;
                for (size_t j = 1; j <= lb; j++) {
                        char ca = a[i - 1] == '-' ? '_' : a[i - 1], cb = b[j - 1] == '-' ? '_' : b[j - 1];
                        unsigned best = diag + (ca != cb);
                        if (row[j] + 1 < best)
                                best = row[j] + 1;
                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        diag = row[j];
                        row[j] = best;
                }
        }
        return row[lb] < 3 ? row[lb] : 3;
}

const char *settings_closest(const char *word, const char *const *candidates, size_t n) {
        const char *best = NULL;
        unsigned best_d = strlen(word) <= 4 ? 2 : 3;
        for (size_t i = 0; i < n; i++) {
                if (strcmp(word, candidates[i]) == 0)
                        return NULL;
                unsigned d = edit_distance(word, candidates[i]);
                if (d < best_d) {
                        best = candidates[i];
                        best_d = d;
                }
        }
        return best;
}

bool settings_node_exporter_collector(const char *name) {
        static const char names[] =
                " arp bcache bonding btrfs buddyinfo conntrack cpu cpufreq diskstats dmi drbd drm edac entropy ethtool"
                " fibrechannel filefd filesystem hwmon infiniband interrupts ipvs ksmd lnstat loadavg logind mdadm"
                " meminfo meminfo_numa mountstats netclass netdev netstat network_route nfs nfsd ntp nvme os perf"
                " powersupplyclass pressure processes qdisc rapl runit schedstat selinux slabinfo sockstat softnet"
                " stat supervisord systemd tapestats tcpstat textfile thermal_zone time timex udp_queues uname vmstat"
                " wifi xfs zfs zoneinfo ";
        size_t n = strlen(name);
        for (const char *p = strstr(names, name); n > 0 && p; p = strstr(p + 1, name))
                if (p[-1] == ' ' && p[n] == ' ')
                        return true;
        return false;
}

int settings_node_exporter_option(const char *name, const char *key, const char **ret_name, const char **ret_key,
                                  const char **ret_why) {
        /* node_exporter 1.5's flag (dashes made underscores), and what it is in vigie */
        static const struct {
                const char *name, *key, *vigie_name, *vigie_key, *why;
        } aliases[] = {
                {"powersupply", "ignored_supplies", "powersupplyclass", "ignored_supplies"},
                {"filesystem", "ignored_mount_points", "filesystem", "mount_points_exclude"},
                {"filesystem", "ignored_fs_types", "filesystem", "fs_types_exclude"},
                {"filesystem", "stat_workers", "filesystem", NULL},
                {"diskstats", "ignored_devices", "diskstats", "device_exclude"},
                {"netdev", "device_blacklist", "netdev", "device_exclude"},
                {"netdev", "device_whitelist", "netdev", "device_include"},
                {"netdev", "ignored_devices", "netdev", "device_exclude"},
                {"netdev", "netlink", "netdev", NULL},
                {"netclass", "netlink", "netclass", NULL},
                {"bcache", "priorityStats", "bcache", "priority_stats"},
                {"cpu", "info.flags_include", "cpu", "info_flags_include"},
                {"cpu", "info.bugs_include", "cpu", "info_bugs_include"},
                {"systemd", "unit_whitelist", "systemd", "unit_include"},
                {"systemd", "unit_blacklist", "systemd", "unit_exclude"},
                /* vigie's series are always there, over the system bus */
                {"systemd", "enable_restarts_metrics", "systemd", NULL},
                {"systemd", "enable_start_time_metrics", "systemd", NULL},
                {"systemd", "enable_task_metrics", "systemd", NULL},
                {"systemd", "private", "systemd", NULL},
                /* node_exporter 1.5's spelling */
                {"qdisk", "device_include", "qdisc", "device_include"},
                {"qdisk", "device_exclude", "qdisc", "device_exclude"},
                /* its test fixtures, a JSON file in place of the kernel's answer */
                {"qdisc", "fixtures", "qdisc", NULL},
                {"wifi", "fixtures", "wifi", NULL},
                /* 1.5's netclass over rtnetlink, its gauges of the counters netdev serves */
                {"netclass_rtnl", "with_stats", "netclass", NULL,
                 "netdev serves these counters, under the same names with --collector.netdev.enable-detailed-metrics"},
        };
        for (size_t i = 0; i < ELEMENTSOF(aliases); i++)
                if (strcmp(aliases[i].name, name) == 0 && strcmp(aliases[i].key, key) == 0) {
                        *ret_name = aliases[i].vigie_name;
                        *ret_key = aliases[i].vigie_key;
                        *ret_why = aliases[i].why;
                        return 0;
                }
        return -ENOENT;
}
