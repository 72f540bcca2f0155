/* The energy collector's model, for a host without a sensor (a virtual
 * machine): power estimated from CPU utilisation, busy / (busy + idle)
 * ticks of /proc/stat's cpu line with steal left out (time the host gave
 * to others), integrated into joules between two collections. It reads
 * nothing between scrapes, so it needs no clock of its own.
 *   tdp: the Teads / Boavizta curve through 0% -> 0.12, 10% -> 0.32,
 *        50% -> 0.75 and 100% -> 1.02 of the TDP, linear between them;
 *   ccf: Cloud Carbon Footprint's min + u x (max - min) watts per vCPU,
 *        plus watts per GiB of memory. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_ticks.h"
#include "fileio.h"
#include "parse.h"
#include "scrape_cache.h"
#include "source.h"

/* When no TDP is configured: per CPU the kernel counts (Cloud Carbon
 * Footprint's average maximum for AWS, 3.5 W per vCPU). */
#define MODEL_TDP_PER_CPU 3.5

enum model_kind { MODEL_OFF, MODEL_TDP, MODEL_CCF };

static const struct { double u, ratio; } tdp_curve[] = {{0, 0.12}, {0.10, 0.32}, {0.50, 0.75}, {1, 1.02}};

struct model_source {
        const char *procfs;
        enum model_kind kind;
        double tdp_watts; /* 0: MODEL_TDP_PER_CPU per CPU */
        double min_per_cpu, max_per_cpu, per_gib;
        struct buf stat, meminfo;
        uint64_t busy, total; /* ticks at the last read */
        uint64_t last_ns;     /* 0: not read yet */
        unsigned cpus;        /* at the last read */
        double gib;
};

static int model_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                      void **ret_state) {
        const char *kind = config_section_string(section, "model", "tdp");
        enum model_kind k = strcmp(kind, "tdp") == 0   ? MODEL_TDP
                            : strcmp(kind, "ccf") == 0 ? MODEL_CCF
                            : strcmp(kind, "off") == 0 ? MODEL_OFF
                                                       : (enum model_kind) - 1;
        if ((int) k < 0)
                return config_entry_error(section, config_section_get(section, "model"), diag,
                                          "'%s' is not tdp, ccf or off", kind);
        struct model_source m = {.procfs = env->procfs, .kind = k};
        int r = config_section_double(section, "model_tdp_watts", 0, 0, 100000, &m.tdp_watts, diag);
        if (r >= 0)
                r = config_section_double(section, "model_min_watts_per_cpu", 0.74, 0, 1000, &m.min_per_cpu, diag);
        if (r >= 0)
                r = config_section_double(section, "model_max_watts_per_cpu", 3.5, 0, 1000, &m.max_per_cpu, diag);
        if (r >= 0)
                r = config_section_double(section, "model_memory_watts_per_gib", 0.392, 0, 100, &m.per_gib, diag);
        if (r < 0)
                return r;
        struct model_source *s = malloc(sizeof(*s));
        if (!s)
                return -ENOMEM;
        *s = m;
        *ret_state = s;
        return 0;
}

static void model_free(void *state) {
        struct model_source *s = state;
        if (!s)
                return;
        buf_free(&s->stat);
        buf_free(&s->meminfo);
        free(s);
}

/* MemTotal in GiB. */
static int mem_gib(struct model_source *s, double *ret) {
        int r = read_file_at(s->procfs, "meminfo", FILE_MAX_SMALL, &s->meminfo);
        if (r < 0)
                return r;
        const char *p = strstr(s->meminfo.data, "MemTotal:");
        if (!p)
                return -EBADMSG;
        struct field f[3];
        size_t len = strcspn(p, "\n");
        uint64_t kb;
        if (split_fields(p, len, f, ELEMENTSOF(f)) != 3 || parse_u64_field(f[1], &kb) < 0)
                return -EBADMSG;
        *ret = (double) kb / (1024.0 * 1024.0);
        return 0;
}

static double tdp_ratio(double u) {
        for (size_t i = 1; i < ELEMENTSOF(tdp_curve); i++)
                if (u <= tdp_curve[i].u || i + 1 == ELEMENTSOF(tdp_curve)) {
                        double u0 = tdp_curve[i - 1].u, r0 = tdp_curve[i - 1].ratio;
                        double u1 = tdp_curve[i].u, r1 = tdp_curve[i].ratio;
                        return r0 + (u - u0) / (u1 - u0) * (r1 - r0);
                }
        return tdp_curve[ELEMENTSOF(tdp_curve) - 1].ratio;
}

/* The power at utilisation u, as of the last read's CPUs and memory. */
static double model_watts(const struct model_source *s, double u) {
        if (s->kind == MODEL_TDP)
                return (s->tdp_watts > 0 ? s->tdp_watts : MODEL_TDP_PER_CPU * s->cpus) * tdp_ratio(u);
        return s->cpus * (s->min_per_cpu + u * (s->max_per_cpu - s->min_per_cpu)) + s->gib * s->per_gib;
}

static int model_read(void *state, struct energy_zones *zones, const struct energy_read *rd) {
        struct model_source *s = state;
        if (s->kind == MODEL_OFF)
                return -ENOENT;
        const struct buf *stat = &s->stat;
        int r = rd->cache ? scrape_cache_file(rd->cache, s->procfs, "stat", true, FILE_MAX_PROC_STAT, &stat)
                          : read_file_at(s->procfs, "stat", FILE_MAX_PROC_STAT, &s->stat);
        if (r < 0)
                return r;
        struct cpu_ticks t;
        if ((r = cpu_ticks_parse(stat, &t)) < 0)
                return r;
        uint64_t busy = t.busy, total = t.total;
        unsigned cpus = t.cpus;
        double gib = 0;
        if (s->kind == MODEL_CCF && (r = mem_gib(s, &gib)) < 0)
                return r;
        s->cpus = cpus;
        s->gib = gib;
        struct energy_zone *z = energy_zone_get(zones, s->kind == MODEL_CCF ? "cpu_memory" : "cpu");
        if (!z)
                return -ENOMEM;
        z->seen = true;
        z->host = true;
        if (s->last_ns != 0 && busy >= s->busy && total == s->total)
                return 0; /* no tick since: the interval goes on */
        if (s->last_ns != 0 && busy >= s->busy && total > s->total) {
                double u = (double) (busy - s->busy) / (double) (total - s->total);
                u = u > 1 ? 1 : u;
                double w = model_watts(s, u);
                z->joules += w * (double) (rd->now_ns - s->last_ns) / 1e9;
        }
        s->busy = busy;
        s->total = total;
        s->last_ns = rd->now_ns;
        return 0;
}

/* The curve's 0% point: what attribution keeps apart as idle. */
static double model_idle_watts(void *state) {
        const struct model_source *s = state;
        return s->kind == MODEL_OFF || s->cpus == 0 ? 0 : model_watts(s, 0);
}

const struct energy_source energy_model_source = {
        .name = "model",
        .estimated = true,
        .init = model_init,
        .read = model_read,
        .idle_watts = model_idle_watts,
        .free = model_free,
};
