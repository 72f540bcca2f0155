/* cpufreq: each CPU's frequency and its scaling limits, from
 * /sys/devices/system/cpu/cpuN/cpufreq, as node_exporter 1.5:
 * node_cpu_frequency{,_min,_max}_hertz (cpuinfo_*_freq, which the kernel
 * lets root alone read for the current one) and
 * node_cpu_scaling_frequency{,_min,_max}_hertz (scaling_*_freq), kHz made
 * Hz. A CPU without cpufreq (a virtual machine's, an offline one) is left
 * out. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "collector.h"
#include "dirlist.h"
#include "optional_file.h"
#include "sysfs_attr.h"

static const char *const cpu_label[] = {"cpu"};
static const struct {
        const char *attr;
        struct metric_desc desc;
} freq_attrs[] = {
        {"cpuinfo_cur_freq",
         {"node_cpu_frequency_hertz", "Current cpu thread frequency in hertz.", METRIC_GAUGE, 1, cpu_label}},
        {"cpuinfo_min_freq",
         {"node_cpu_frequency_min_hertz", "Minimum cpu thread frequency in hertz.", METRIC_GAUGE, 1, cpu_label}},
        {"cpuinfo_max_freq",
         {"node_cpu_frequency_max_hertz", "Maximum cpu thread frequency in hertz.", METRIC_GAUGE, 1, cpu_label}},
        {"scaling_cur_freq",
         {"node_cpu_scaling_frequency_hertz", "Current scaled CPU thread frequency in hertz.", METRIC_GAUGE, 1,
          cpu_label}},
        {"scaling_min_freq",
         {"node_cpu_scaling_frequency_min_hertz", "Minimum scaled CPU thread frequency in hertz.", METRIC_GAUGE, 1,
          cpu_label}},
        {"scaling_max_freq",
         {"node_cpu_scaling_frequency_max_hertz", "Maximum scaled CPU thread frequency in hertz.", METRIC_GAUGE, 1,
          cpu_label}},
};
#define N_FREQS ELEMENTSOF(freq_attrs)

/* One CPU's readings in this scrape. */
struct cpufreq_row {
        const char *cpu; /* "12": the directory's name past "cpu", in the listing */
        uint64_t khz[N_FREQS];
        unsigned has; /* bit k: khz[k] was read */
};

struct cpufreq_state {
        char dir[PATH_MAX]; /* sysfs/devices/system/cpu */
        /* CPUs without cpufreq (a virtual machine's) are looked at again
         * once a minute; until then the scrape says the same */
        uint64_t missing_until_ns;
        int absent_result;
        struct dirlist cpus;
        struct cpufreq_row *rows;
        size_t n_rows, cap_rows;
};

static int cpufreq_init(const struct collector_env *env, _unused_ const struct config_section *section,
                        _unused_ struct diag *diag, void **ret_state) {
        struct cpufreq_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "devices/system/cpu") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void cpufreq_free(void *state) {
        struct cpufreq_state *s = state;
        if (!s)
                return;
        dirlist_free(&s->cpus);
        free(s->rows);
        free(s);
}

/* One CPU's cpufreq directory; -ENOENT if it has none. */
static int cpufreq_read_cpu(struct cpufreq_state *s, const char *name, unsigned *parse_errors) {
        char dir[PATH_MAX];
        int n = snprintf(dir, sizeof(dir), "%s/%s/cpufreq", s->dir, name);
        if (n < 0 || (size_t) n >= sizeof(dir))
                return -ENAMETOOLONG;
        _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -errno;
        if (array_reserve((void **) &s->rows, &s->cap_rows, s->n_rows + 1, sizeof(*s->rows)) < 0)
                return -ENOMEM;
        struct cpufreq_row *row = &s->rows[s->n_rows++];
        row->cpu = name + 3;
        row->has = 0;
        for (size_t k = 0; k < N_FREQS; k++) {
                /* absent, or root's alone (cpuinfo_cur_freq): no value, as in node_exporter */
                int r = sysfs_attr_u64_fd(dirfd, freq_attrs[k].attr, &row->khz[k]);
                *parse_errors += r == -EBADMSG;
                if (r == 0)
                        row->has |= 1u << k;
        }
        return 0;
}

static int cpufreq_collect(void *state, struct collect_ctx *ctx) {
        struct cpufreq_state *s = state;
        if (optional_still_missing(&s->missing_until_ns))
                return s->absent_result;
        int r = dirlist_read_kept(&s->cpus, s->dir);
        if (r < 0)
                return s->absent_result = optional_note(&s->missing_until_ns, r);
        s->n_rows = 0;
        for (size_t i = 0; i < s->cpus.n; i++) {
                const char *name = dirlist_name(&s->cpus, i);
                if (!sysfs_numbered_name(name, "cpu", 0)) /* not cpufreq, cpuidle */
                        continue;
                r = cpufreq_read_cpu(s, name, &ctx->parse_errors);
                if (r == -ENOMEM)
                        return r;
        }
        /* CPUs, none with cpufreq: no series, but no failure either, as
         * node_exporter 1.5 says of a virtual machine */
        if (s->n_rows == 0) {
                (void) optional_note(&s->missing_until_ns, -ENOENT);
                return s->absent_result = 0;
        }

        for (size_t k = 0; k < N_FREQS; k++) {
                (void) metric_set_family(ctx->set, &freq_attrs[k].desc);
                for (size_t i = 0; i < s->n_rows; i++)
                        if (s->rows[i].has & (1u << k))
                                (void) metric_set_sample1(ctx->set, (double) s->rows[i].khz[k] * 1000.0,
                                                          s->rows[i].cpu);
        }
        return ctx->set->error;
}

const struct collector cpufreq_collector = {
        .name = "cpufreq",
        .help = "CPU frequencies and their scaling limits, from /sys/devices/system/cpu/cpuN/cpufreq",
        .default_enabled = true,
        .init = cpufreq_init,
        .collect = cpufreq_collect,
        .free = cpufreq_free,
};
