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

/* The total cpu line's busy and counted ticks, and how many cpuN lines. */
static int parse_stat(const struct buf *b, uint64_t *ret_busy, uint64_t *ret_total, unsigned *ret_cpus) {
        struct lines lines = lines_of(b, NULL);
        const char *line;
        size_t len;
        bool found = false;
        unsigned cpus = 0;
        uint64_t busy = 0, total = 0;
        while (lines_next(&lines, &line, &len)) {
                if (len > 3 && memcmp(line, "cpu", 3) == 0 && line[3] >= '0' && line[3] <= '9') {
                        cpus++;
                        continue;
                }
                if (len < 4 || memcmp(line, "cpu ", 4) != 0)
                        continue;
                struct field f[11];
                int n = split_fields(line, len, f, ELEMENTSOF(f));
                if (n < 9) /* cpu, then user to steal at least */
                        return -EBADMSG;
                uint64_t v[8];
                for (size_t i = 0; i < 8; i++)
                        if (parse_u64_field(f[i + 1], &v[i]) < 0)
                                return -EBADMSG;
                /* user nice system idle iowait irq softirq steal; guest is within user */
                busy = v[0] + v[1] + v[2] + v[5] + v[6];
                total = busy + v[3] + v[4];
                found = true;
        }
        if (!found || cpus == 0)
                return -EBADMSG;
        *ret_busy = busy;
        *ret_total = total;
        *ret_cpus = cpus;
        return 0;
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

static int model_read(void *state, struct energy_zones *zones, const struct energy_read *rd) {
        struct model_source *s = state;
        if (s->kind == MODEL_OFF)
                return -ENOENT;
        const struct buf *stat = &s->stat;
        int r = rd->cache ? scrape_cache_file(rd->cache, s->procfs, "stat", true, FILE_MAX_PROC_STAT, &stat)
                          : read_file_at(s->procfs, "stat", FILE_MAX_PROC_STAT, &s->stat);
        if (r < 0)
                return r;
        uint64_t busy, total;
        unsigned cpus;
        if ((r = parse_stat(stat, &busy, &total, &cpus)) < 0)
                return r;
        double gib = 0;
        if (s->kind == MODEL_CCF && (r = mem_gib(s, &gib)) < 0)
                return r;
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
                double tdp = s->tdp_watts > 0 ? s->tdp_watts : MODEL_TDP_PER_CPU * cpus;
                double w = s->kind == MODEL_TDP
                                   ? tdp * tdp_ratio(u)
                                   : cpus * (s->min_per_cpu + u * (s->max_per_cpu - s->min_per_cpu)) + gib * s->per_gib;
                z->joules += w * (double) (rd->now_ns - s->last_ns) / 1e9;
        }
        s->busy = busy;
        s->total = total;
        s->last_ns = rd->now_ns;
        return 0;
}

const struct energy_source energy_model_source = {
        .name = "model",
        .estimated = true,
        .init = model_init,
        .read = model_read,
        .free = model_free,
};
