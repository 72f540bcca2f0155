/* cpu: per-CPU time by mode from the cpuN lines of /proc/stat, as
 * node_exporter's cpu collector: node_cpu_seconds_total{cpu,mode} and
 * node_cpu_guest_seconds_total{cpu,mode}. Values are the kernel's running
 * totals in USER_HZ ticks divided by the tick rate. With the info option,
 * /proc/cpuinfo's node_cpu_info and flag and bug series too (cpuinfo.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "collector.h"
#include "cpuinfo.h"
#include "fileio.h"
#include "parse.h"

/* Field order of a cpuN line after the name (proc(5)). */
enum { F_USER, F_NICE, F_SYSTEM, F_IDLE, F_IOWAIT, F_IRQ, F_SOFTIRQ, F_STEAL, F_GUEST, F_GUEST_NICE, F_MAX };
/* Lines with fewer fields come from kernels before 2.6.11 or from a cut
 * file; either way they are skipped and counted, not guessed at. */
#define MIN_FIELDS (F_STEAL + 1)
/* Larger ids are garbage rather than CPUs: Linux caps NR_CPUS at 8192. */
#define MAX_CPU_ID 65535

static const char *const cpu_labels[] = {"cpu", "mode"};
static const struct metric_desc cpu_seconds_desc = {
        "node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", METRIC_COUNTER, 2, cpu_labels,
};
static const struct metric_desc cpu_guest_desc = {
        "node_cpu_guest_seconds_total",
        "Seconds the CPUs spent in guests (VMs) for each mode.",
        METRIC_COUNTER,
        2,
        cpu_labels,
};

/* Modes in label order, as node_exporter prints them. */
static const struct {
        const char *mode;
        int field;
} cpu_modes[] = {
        {"idle", F_IDLE},       {"iowait", F_IOWAIT}, {"irq", F_IRQ},       {"nice", F_NICE},
        {"softirq", F_SOFTIRQ}, {"steal", F_STEAL},   {"system", F_SYSTEM}, {"user", F_USER},
};
static const struct {
        const char *mode;
        int field;
} guest_modes[] = {{"nice", F_GUEST_NICE}, {"user", F_GUEST}};

struct cpu_line {
        unsigned id;
        unsigned n_fields;
        uint64_t ticks[F_MAX];
};

struct cpu_state {
        const char *procfs;
        bool guest;
        double hz;
        struct cpu_line *lines; /* reused from scrape to scrape */
        size_t cap_lines;
        unsigned char *seen; /* one byte per CPU id, to refuse a repeated line */
        size_t cap_seen;
        bool info;
        struct cpuinfo cpuinfo;
};

static const struct collector_option cpu_options[] = {
        {"guest", "true", "node_cpu_guest_seconds_total (time spent running virtual machines)"},
        {"info", "false", "node_cpu_info, one series a processor from /proc/cpuinfo"},
        {"info_flags_include", "",
         "node_cpu_flag_info, the first processor's flags that match this pattern (implies info)"},
        {"info_bugs_include", "",
         "node_cpu_bug_info, the first processor's bugs that match this pattern (implies info)"},
        {NULL, NULL, NULL},
};

static int cpu_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                    void **ret_state) {
        bool guest, info;
        int r = config_section_bool(section, "guest", true, &guest, diag);
        if (r >= 0)
                r = config_section_bool(section, "info", false, &info, diag);
        if (r < 0)
                return r;
        long hz = sysconf(_SC_CLK_TCK);
        if (hz <= 0)
                return -EINVAL;
        struct cpu_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        r = cpuinfo_init(&s->cpuinfo, section, diag);
        if (r < 0) {
                free(s);
                return r;
        }
        s->procfs = env->procfs;
        s->guest = guest;
        /* a flags or bugs pattern turns info on, as in node_exporter */
        s->info = info || cpuinfo_patterns(&s->cpuinfo);
        s->hz = (double) hz;
        *ret_state = s;
        return 0;
}

static void cpu_free(void *state) {
        struct cpu_state *s = state;
        if (!s)
                return;
        free(s->lines);
        free(s->seen);
        cpuinfo_free(&s->cpuinfo);
        free(s);
}

/* Parses one "cpuN v v v ..." line; -EINVAL for anything but that. */
static int cpu_parse_line(const char *line, size_t len, struct cpu_line *ret) {
        struct field f[1 + F_MAX];
        int n = split_fields(line, len, f, ELEMENTSOF(f));
        if (n < 1 + MIN_FIELDS) /* -E2BIG too */
                return -EINVAL;
        uint64_t id;
        if (f[0].n <= 3 || parse_u64(f[0].s + 3, f[0].n - 3, &id) < 0 || id > MAX_CPU_ID)
                return -EINVAL;
        struct cpu_line c = {.id = (unsigned) id, .n_fields = (unsigned) (n - 1)};
        for (size_t i = 1; i < (size_t) n; i++)
                if (parse_u64_field(f[i], &c.ticks[i - 1]) < 0)
                        return -EINVAL;
        *ret = c;
        return 0;
}

static int cpu_reserve(struct cpu_state *s, size_t n_lines, unsigned max_id) {
        if (array_reserve((void **) &s->lines, &s->cap_lines, n_lines, sizeof(*s->lines)) < 0 ||
            array_reserve((void **) &s->seen, &s->cap_seen, (size_t) max_id + 1, sizeof(*s->seen)) < 0)
                return -ENOMEM;
        return 0;
}

static int cpu_collect(void *state, struct collect_ctx *ctx) {
        struct cpu_state *s = state;
        const struct buf *file; /* /proc/stat, which stat reads in the same scrape */
        int r = scrape_cache_file(ctx->cache, s->procfs, "stat", true, FILE_MAX_PROC_STAT, &file);
        if (r < 0)
                return r;

        if (s->seen)
                memset(s->seen, 0, s->cap_seen);
        size_t n = 0;
        bool any_guest = false;
        struct lines lines = lines_of(file, &ctx->parse_errors);
        const char *line;
        size_t len;
        while (lines_next(&lines, &line, &len)) {
                /* "cpu " is the sum of all CPUs, which node_exporter does not export. */
                if (len < 4 || memcmp(line, "cpu", 3) != 0 || line[3] < '0' || line[3] > '9')
                        continue;
                struct cpu_line c;
                if (cpu_parse_line(line, len, &c) < 0) {
                        ctx->parse_errors++;
                        continue;
                }
                if (cpu_reserve(s, n + 1, c.id) < 0)
                        return -ENOMEM; /* not a garbage line: the collection fails */
                if (s->seen[c.id]) {
                        ctx->parse_errors++; /* the same CPU twice would be a duplicate series */
                        continue;
                }
                s->seen[c.id] = 1;
                any_guest |= c.n_fields > F_GUEST;
                s->lines[n++] = c;
        }
        if (n == 0)
                return -EINVAL; /* /proc/stat without a single CPU is not something to report as 0 */

        char cpu[21];
        (void) metric_set_family(ctx->set, &cpu_seconds_desc);
        for (size_t i = 0; i < n; i++) {
                (void) fmt_u64(cpu, s->lines[i].id);
                for (size_t m = 0; m < ELEMENTSOF(cpu_modes); m++)
                        (void) metric_set_sample2(ctx->set, (double) s->lines[i].ticks[cpu_modes[m].field] / s->hz, cpu,
                                                  cpu_modes[m].mode);
        }
        if (s->guest && any_guest) {
                (void) metric_set_family(ctx->set, &cpu_guest_desc);
                for (size_t i = 0; i < n; i++) {
                        if (s->lines[i].n_fields <= F_GUEST)
                                continue;
                        (void) fmt_u64(cpu, s->lines[i].id);
                        for (size_t m = 0; m < ELEMENTSOF(guest_modes); m++) {
                                if ((unsigned) guest_modes[m].field >= s->lines[i].n_fields)
                                        continue;
                                (void) metric_set_sample2(ctx->set,
                                                          (double) s->lines[i].ticks[guest_modes[m].field] / s->hz, cpu,
                                                          guest_modes[m].mode);
                        }
                }
        }
        if (s->info && (r = cpuinfo_collect(&s->cpuinfo, s->procfs, ctx)) < 0)
                return r;
        return ctx->set->error;
}

const struct collector cpu_collector = {
        .name = "cpu",
        .help = "Seconds the CPUs spent in each mode, from /proc/stat (with info, /proc/cpuinfo too)",
        .default_enabled = true,
        .options = cpu_options,
        .init = cpu_init,
        .collect = cpu_collect,
        .free = cpu_free,
};
