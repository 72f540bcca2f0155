/* perf: per-CPU counters of perf_event_open(2) as node_exporter 1.5's
 * perf collector names them: hardware (cycles, instructions, branches,
 * cache references), software (page faults, context switches,
 * migrations), hardware cache events, and the tracepoints asked for
 * (node_perf_<subsystem>_<event>). Counting starts when the collector
 * first runs; values are the kernel's raw counts, unscaled, as
 * node_exporter's. An event the machine lacks (no PMU on most virtual
 * machines) is left out; events are opened once, and again a minute
 * later only when none could be. Needs CAP_PERFMON or CAP_SYS_ADMIN, or
 * kernel.perf_event_paranoid at 0 or below. */
#include <errno.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "collector.h"
#include "fileio.h"
#include "macro.h"
#include "parse.h"

#define RETRY_NS (60 * 1000000000ull)

static const char *const cpu_label[] = {"cpu"};

#define HW(name, help, config)                                                                                         \
        { {"node_perf_" name, help, METRIC_COUNTER, 1, cpu_label}, PERF_TYPE_HARDWARE, config }
#define SW(name, help, config)                                                                                         \
        { {"node_perf_" name, help, METRIC_COUNTER, 1, cpu_label}, PERF_TYPE_SOFTWARE, config }
#define CACHE(name, help, cache, op, result)                                                                           \
        {                                                                                                              \
                {"node_perf_" name, help, METRIC_COUNTER, 1, cpu_label}, PERF_TYPE_HW_CACHE,                           \
                        PERF_COUNT_HW_CACHE_##cache | PERF_COUNT_HW_CACHE_OP_##op << 8 |                               \
                                PERF_COUNT_HW_CACHE_RESULT_##result << 16                                              \
        }

/* node_exporter 1.5's hardware, software and cache profilers */
static const struct perf_kind {
        struct metric_desc desc;
        uint32_t type;
        uint64_t config;
} kinds[] = {
        HW("cpucycles_total", "Number of CPU cycles (frequency scaled)", PERF_COUNT_HW_CPU_CYCLES),
        HW("instructions_total", "Number of CPU instructions", PERF_COUNT_HW_INSTRUCTIONS),
        HW("branch_instructions_total", "Number of CPU branch instructions", PERF_COUNT_HW_BRANCH_INSTRUCTIONS),
        HW("branch_misses_total", "Number of CPU branch misses", PERF_COUNT_HW_BRANCH_MISSES),
        HW("cache_refs_total", "Number of cache references (non frequency scaled)", PERF_COUNT_HW_CACHE_REFERENCES),
        HW("cache_misses_total", "Number of cache misses", PERF_COUNT_HW_CACHE_MISSES),
        HW("ref_cpucycles_total", "Number of CPU cycles", PERF_COUNT_HW_REF_CPU_CYCLES),
        HW("stalled_cycles_backend_total", "Number of stalled backend CPU cycles",
           PERF_COUNT_HW_STALLED_CYCLES_BACKEND),
        HW("stalled_cycles_frontend_total", "Number of stalled frontend CPU cycles",
           PERF_COUNT_HW_STALLED_CYCLES_FRONTEND),
        SW("page_faults_total", "Number of page faults", PERF_COUNT_SW_PAGE_FAULTS),
        SW("context_switches_total", "Number of context switches", PERF_COUNT_SW_CONTEXT_SWITCHES),
        SW("cpu_migrations_total", "Number of CPU process migrations", PERF_COUNT_SW_CPU_MIGRATIONS),
        SW("minor_faults_total", "Number of minor page faults", PERF_COUNT_SW_PAGE_FAULTS_MIN),
        SW("major_faults_total", "Number of major page faults", PERF_COUNT_SW_PAGE_FAULTS_MAJ),
        CACHE("cache_l1d_read_hits_total", "Number L1 data cache read hits", L1D, READ, ACCESS),
        CACHE("cache_l1d_read_misses_total", "Number L1 data cache read misses", L1D, READ, MISS),
        CACHE("cache_l1d_write_hits_total", "Number L1 data cache write hits", L1D, WRITE, ACCESS),
        CACHE("cache_l1_instr_read_misses_total", "Number instruction L1 instruction read misses", L1I, READ, MISS),
        CACHE("cache_tlb_instr_read_hits_total", "Number instruction TLB read hits", ITLB, READ, ACCESS),
        CACHE("cache_tlb_instr_read_misses_total", "Number instruction TLB read misses", ITLB, READ, MISS),
        CACHE("cache_ll_read_hits_total", "Number last level read hits", LL, READ, ACCESS),
        CACHE("cache_ll_read_misses_total", "Number last level read misses", LL, READ, MISS),
        CACHE("cache_ll_write_hits_total", "Number last level write hits", LL, WRITE, ACCESS),
        CACHE("cache_ll_write_misses_total", "Number last level write misses", LL, WRITE, MISS),
        CACHE("cache_bpu_read_hits_total", "Number BPU read hits", BPU, READ, ACCESS),
        CACHE("cache_bpu_read_misses_total", "Number BPU read misses", BPU, READ, MISS),
};
#define N_KINDS ELEMENTSOF(kinds)

static const struct collector_option perf_options[] = {
        {"cpus", "", "CPUs to count on: \"0-3,8\", a range with a stride \"0-15:4\"; all of them when empty"},
        {"tracepoint", "",
         "tracepoints to count, SUBSYSTEM:EVENT, separated by spaces or commas; the flag may be repeated", true},
        {NULL, NULL, NULL},
};

struct tracepoint {
        char name[288], help[288]; /* node_perf_sched_sched_switch; Perf tracepoint sched:sched_switch */
        struct metric_desc desc;
        uint64_t id;
};

struct perf_state {
        int *cpus;
        char (*cpu_names)[12];
        size_t n_cpus;
        struct tracepoint *tracepoints;
        size_t n_tracepoints;
        int *fds; /* [cpu][kind, then tracepoint]; -1: not open */
        size_t n_open;
        bool tried;
        int open_error;       /* why nothing could be opened */
        uint64_t next_try_ns; /* CLOCK_MONOTONIC */
};

static size_t n_events(const struct perf_state *s) {
        return N_KINDS + s->n_tracepoints;
}

/* A CPU number, digits only, below the 8192 CPUs Linux can have at most
 * (a range past them would open millions of counters for nothing). */
static int parse_cpu(const char *p, size_t n, int *ret) {
        uint64_t v;
        if (parse_u64(p, n, &v) < 0 || v >= 8192)
                return -EINVAL;
        *ret = (int) v;
        return 0;
}

/* Adds cpu to the list unless it is there: a CPU named twice would give
 * its series twice. */
static int cpu_add(struct perf_state *s, size_t *cap, int cpu) {
        for (size_t i = 0; i < s->n_cpus; i++)
                if (s->cpus[i] == cpu)
                        return 0;
        if (array_reserve((void **) &s->cpus, cap, s->n_cpus + 1, sizeof(*s->cpus)) < 0)
                return -ENOMEM;
        s->cpus[s->n_cpus++] = cpu;
        return 0;
}

/* node_exporter's perfCPUFlagToCPUs: "N", "A-B" and "A-B:STRIDE",
 * separated by commas; empty: CPUs 0 to the number this process may run
 * on, less one (Go's runtime.NumCPU). */
static int cpus_parse(struct perf_state *s, const char *list) {
        size_t cap = 0;
        if (!*list) {
                cpu_set_t set;
                int n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set)
                                                                     : (int) sysconf(_SC_NPROCESSORS_ONLN);
                if (n < 1)
                        n = 1; /* CPU 0 is always there */
                for (int i = 0; i < n; i++)
                        if (cpu_add(s, &cap, i) < 0)
                                return -ENOMEM;
                return 0;
        }
        for (const char *p = list;;) {
                size_t n = strcspn(p, ",");
                const char *dash = memchr(p, '-', n), *colon = memchr(p, ':', n);
                int start, end, stride = 1;
                if (!dash) {
                        if (colon || parse_cpu(p, n, &start) < 0)
                                return -EINVAL;
                        end = start;
                } else {
                        const char *range_end = colon ? colon : p + n;
                        if (parse_cpu(p, (size_t) (dash - p), &start) < 0 ||
                            parse_cpu(dash + 1, (size_t) (range_end - dash - 1), &end) < 0 ||
                            (colon && (parse_cpu(colon + 1, (size_t) (p + n - colon - 1), &stride) < 0 || stride < 1)))
                                return -EINVAL;
                }
                for (int c = start; c <= end; c += stride)
                        if (cpu_add(s, &cap, c) < 0)
                                return -ENOMEM;
                if (!p[n])
                        return s->n_cpus > 0 ? 0 : -EINVAL;
                p += n + 1;
        }
}

static bool tracepoint_word(const char *p, size_t n) {
        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') ||
                      p[i] == '_'))
                        return false;
        return true;
}

/* The tracepoint's id in tracefs under sysfs: kernel/tracing (where
 * tracefs is mounted today) or kernel/debug/tracing (where node_exporter
 * 1.5 looks, beneath debugfs). */
static int tracepoint_id(const char *sysfs, const char *sub, const char *event, uint64_t *ret) {
        static const char *const roots[] = {"kernel/tracing", "kernel/debug/tracing"};
        int r = -ENOENT;
        for (size_t i = 0; i < ELEMENTSOF(roots); i++) {
                char rel[256], v[32];
                (void) snprintf(rel, sizeof(rel), "%s/events/%s/%s", roots[i], sub, event);
                char dir[4096];
                if (path_join(dir, sizeof(dir), sysfs, rel) < 0)
                        return -ENAMETOOLONG;
                r = read_attr_at(dir, "id", v, sizeof(v));
                if (r == -ENOENT || r == -ENOTDIR)
                        continue;
                if (r < 0)
                        return r;
                return parse_u64(v, strlen(v), ret) < 0 ? -EBADMSG : 0;
        }
        return r;
}

/* "sched:sched_switch syscalls:sys_enter_read", each resolved to its id. */
static int tracepoints_parse(struct perf_state *s, const char *sysfs, const struct config_section *section,
                             struct diag *diag) {
        const char *list = config_section_string(section, "tracepoint", "");
        const struct config_entry *entry = section ? config_section_get(section, "tracepoint") : NULL;
        size_t cap = 0;
        for (const char *p = list; *p;) {
                size_t n = strcspn(p, " \t,");
                if (n > 0) {
                        const char *colon = memchr(p, ':', n);
                        size_t sl = colon ? (size_t) (colon - p) : 0, el = colon ? n - sl - 1 : 0;
                        if (!colon || !tracepoint_word(p, sl) || !tracepoint_word(colon + 1, el) || n > 120)
                                return config_entry_error(section, entry, diag,
                                                          "'%.*s': not SUBSYSTEM:EVENT (letters, digits, _)", (int) n,
                                                          p);
                        if (array_reserve((void **) &s->tracepoints, &cap, s->n_tracepoints + 1,
                                          sizeof(*s->tracepoints)) < 0)
                                return -ENOMEM;
                        struct tracepoint *t = &s->tracepoints[s->n_tracepoints];
                        char sub[128], event[128];
                        (void) snprintf(sub, sizeof(sub), "%.*s", (int) sl, p);
                        (void) snprintf(event, sizeof(event), "%.*s", (int) el, colon + 1);
                        int r = tracepoint_id(sysfs, sub, event, &t->id);
                        if (r < 0)
                                return config_entry_error(section, entry, diag,
                                                          "'%s:%s': no id under %s/kernel/tracing/events or "
                                                          "%s/kernel/debug/tracing/events (is tracefs mounted?): %s",
                                                          sub, event, sysfs, sysfs, strerror(-r));
                        (void) snprintf(t->name, sizeof(t->name), "node_perf_%s_%s", sub, event);
                        (void) snprintf(t->help, sizeof(t->help), "Perf tracepoint %s:%s", sub, event);
                        s->n_tracepoints++;
                }
                p += n;
                p += strspn(p, " \t,");
        }
        /* the descriptors point into the array once it stops moving */
        for (size_t i = 0; i < s->n_tracepoints; i++) {
                struct tracepoint *t = &s->tracepoints[i];
                t->desc = (struct metric_desc){t->name, t->help, METRIC_COUNTER, 1, cpu_label};
        }
        return 0;
}

static void perf_close(struct perf_state *s) {
        for (size_t i = 0; s->fds && i < s->n_cpus * n_events(s); i++)
                if (s->fds[i] >= 0) {
                        (void) close(s->fds[i]);
                        s->fds[i] = -1;
                }
        s->n_open = 0;
}

static void perf_free(void *state) {
        struct perf_state *s = state;
        if (!s)
                return;
        perf_close(s);
        free(s->fds);
        free(s->cpus);
        free(s->cpu_names);
        free(s->tracepoints);
        free(s);
}

static int perf_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                     void **ret_state) {
        struct perf_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        const char *cpus = config_section_string(section, "cpus", "");
        int r = cpus_parse(s, cpus);
        if (r == -EINVAL)
                r = config_entry_error(section, config_section_get(section, "cpus"), diag,
                                       "'%s': not a list of CPUs (\"0-3,8\", \"0-15:4\")", cpus);
        if (r >= 0)
                r = tracepoints_parse(s, env->sysfs, section, diag);
        if (r >= 0 && s->n_cpus == 0)
                r = -EINVAL; /* cpus_parse gives at least one */
        if (r >= 0 && !(s->cpu_names = calloc(s->n_cpus, sizeof(*s->cpu_names))))
                r = -ENOMEM;
        if (r >= 0 && !(s->fds = malloc(s->n_cpus * n_events(s) * sizeof(*s->fds))))
                r = -ENOMEM;
        if (r < 0) {
                perf_free(s);
                return r;
        }
        for (size_t i = 0; i < s->n_cpus; i++)
                (void) snprintf(s->cpu_names[i], sizeof(s->cpu_names[i]), "%d", s->cpus[i]);
        for (size_t i = 0; i < s->n_cpus * n_events(s); i++)
                s->fds[i] = -1;
        *ret_state = s;
        return 0;
}

/* One counter for every process on cpu, as node_exporter's profilers
 * open it (pid -1), enabled; -errno when it cannot be. */
static int perf_open(uint32_t type, uint64_t config, int cpu) {
        struct perf_event_attr attr = {
                .type = type,
                .size = sizeof(attr),
                .config = config,
                .read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING,
                .disabled = 1,
                .exclude_hv = 1,
        };
        int fd = (int) syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
                int r = -errno;
                (void) close(fd);
                return r;
        }
        return fd;
}

/* Whether an open failed because the machine has no such event (no PMU,
 * an event this CPU model lacks, a CPU that is not there). */
static bool perf_absent(int r) {
        return r == -ENOENT || r == -EOPNOTSUPP || r == -EINVAL || r == -ENODEV || r == -ENXIO;
}

/* Opens every event on every CPU; what is not there stays closed. */
static void perf_open_all(struct perf_state *s) {
        s->open_error = -ENOENT;
        for (size_t c = 0; c < s->n_cpus; c++)
                for (size_t e = 0; e < n_events(s); e++) {
                        int fd = e < N_KINDS
                                         ? perf_open(kinds[e].type, kinds[e].config, s->cpus[c])
                                         : perf_open(PERF_TYPE_TRACEPOINT, s->tracepoints[e - N_KINDS].id, s->cpus[c]);
                        if (fd >= 0) {
                                s->fds[c * n_events(s) + e] = fd;
                                s->n_open++;
                        } else if (!perf_absent(fd) && s->open_error == -ENOENT)
                                s->open_error = fd; /* the first real failure: no permission, no descriptor */
                }
}

static int perf_collect(void *state, struct collect_ctx *ctx) {
        struct perf_state *s = state;
        uint64_t now = clock_ns(CLOCK_MONOTONIC);
        if (s->n_open == 0 && (!s->tried || now >= s->next_try_ns)) {
                s->tried = true;
                s->next_try_ns = now + RETRY_NS;
                perf_open_all(s);
        }
        if (s->n_open == 0)
                return s->open_error;
        const size_t ne = n_events(s);
        for (size_t e = 0; e < ne; e++) {
                const struct metric_desc *desc = e < N_KINDS ? &kinds[e].desc : &s->tracepoints[e - N_KINDS].desc;
                bool started = false;
                for (size_t c = 0; c < s->n_cpus; c++) {
                        int fd = s->fds[c * ne + e];
                        uint64_t v[3]; /* value, time enabled, time running */
                        /* a CPU gone offline reads nothing */
                        if (fd < 0 || read(fd, v, sizeof(v)) != (ssize_t) sizeof(v))
                                continue;
                        if (!started) {
                                (void) metric_set_family(ctx->set, desc);
                                started = true;
                        }
                        (void) metric_set_sample1(ctx->set, (double) v[0], s->cpu_names[c]);
                }
        }
        return ctx->set->error;
}

const struct collector perf_collector = {
        .name = "perf",
        .help = "Hardware, software, cache and tracepoint counters per CPU, from perf_event_open",
        .default_enabled = false,
        .options = perf_options,
        .init = perf_init,
        .collect = perf_collect,
        .free = perf_free,
};
