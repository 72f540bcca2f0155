/* Energy per service: what the energy collector feeds attribution with
 * (cgroup CPU times, /proc/stat's busy and idle time), and the series it
 * gives back. */
#include "service_energy.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "cpu_ticks.h"
#include "fileio.h"
#include "macro.h"
#include "optional_file.h"

static const char *const service_labels[] = {"service", "method"};
static const char *const method_labels[] = {"method"};
static const struct metric_desc service_desc = {
        "vigie_energy_service_joules_total",
        "Energy of the host total above idle given to a service (or a top-level slice) by its share of the busy "
        "CPU time, in joules.",
        METRIC_COUNTER, 2, service_labels};
static const struct metric_desc idle_desc = {
        "vigie_energy_idle_joules_total",
        "Energy of the host total at idle (idle power x time), given to no service, in joules.", METRIC_COUNTER, 1,
        method_labels};
static const struct metric_desc unattributed_desc = {
        "vigie_energy_unattributed_joules_total",
        "Energy of the host total above idle that no service's CPU time accounts for (the kernel, processes outside "
        "any service), in joules.",
        METRIC_COUNTER, 1, method_labels};
static const struct metric_desc forgotten_desc = {
        "vigie_energy_service_forgotten_joules_total",
        "Energy that services unseen for an hour had when their series were dropped, in joules.", METRIC_COUNTER, 1,
        method_labels};
static const struct metric_desc idle_watts_desc = {
        "vigie_energy_idle_power_watts", "The host's power at 0% CPU that energy per service keeps apart as idle.",
        METRIC_GAUGE, 0, NULL};

static const char *const kind_names[ATTRIBUTION_KINDS] = {
        [ATTRIBUTION_MEASURED] = "measured",
        [ATTRIBUTION_ESTIMATED] = "estimated",
};

struct service_energy {
        const char *procfs, *sysfs;
        double ticks_per_s;
        struct attribution *a;
        struct cgroup_cpu *cg;        /* NULL until a cgroup hierarchy is found */
        uint64_t cg_missing_until_ns; /* optional_file.h */
        struct buf stat;              /* /proc/stat when there is no scrape cache */
        struct cpu_ticks ticks;
        bool has_ticks;
        uint64_t fed_ns; /* the previous feed; 0: none */
        double pending;  /* joules of feeds that failed, for the next one */
        bool fed[ATTRIBUTION_KINDS];
        double idle_watts;
};

int service_energy_new(const char *procfs, const char *sysfs, long ticks_per_s, struct service_energy **ret) {
        struct service_energy *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        int r = attribution_new(&s->a);
        if (r < 0) {
                free(s);
                return r;
        }
        s->procfs = procfs;
        s->sysfs = sysfs;
        s->ticks_per_s = ticks_per_s > 0 ? (double) ticks_per_s : 100;
        *ret = s;
        return 0;
}

void service_energy_free(struct service_energy *s) {
        if (!s)
                return;
        attribution_free(s->a);
        cgroup_cpu_free(s->cg);
        buf_free(&s->stat);
        free(s);
}

/* /proc/stat now, and the busy and idle CPU seconds since the previous
 * feed (0 and 0 without a previous one or a readable file). */
static int cpu_seconds(struct service_energy *s, struct scrape_cache *cache, struct cpu_ticks *ret_ticks, bool *ret_has,
                       double *ret_busy, double *ret_idle) {
        const struct buf *stat = &s->stat;
        int r = cache ? scrape_cache_file(cache, s->procfs, "stat", true, FILE_MAX_PROC_STAT, &stat)
                      : read_file_at(s->procfs, "stat", FILE_MAX_PROC_STAT, &s->stat);
        if (r == -ENOMEM)
                return r;
        *ret_has = r >= 0 && cpu_ticks_parse(stat, ret_ticks) >= 0;
        *ret_busy = *ret_idle = 0;
        const struct cpu_ticks *t = ret_ticks, *p = &s->ticks;
        if (*ret_has && s->has_ticks && t->busy >= p->busy && t->total - t->busy >= p->total - p->busy) {
                *ret_busy = (double) (t->busy - p->busy) / s->ticks_per_s;
                *ret_idle = (double) ((t->total - t->busy) - (p->total - p->busy)) / s->ticks_per_s;
        }
        return 0;
}

int service_energy_feed(struct service_energy *s, struct scrape_cache *cache, uint64_t now_ns, double joules,
                        enum attribution_kind kind, double idle_watts, unsigned *parse_errors) {
        /* a feed that fails leaves its interval to the next: the CPU
         * times, the clock and the joules alike */
        s->pending += joules;
        struct cpu_ticks ticks = {0};
        bool has_ticks;
        double busy, idle;
        int r = cpu_seconds(s, cache, &ticks, &has_ticks, &busy, &idle);
        if (r < 0)
                return r;
        /* a host without cgroups (or not yet mounted) is looked at again
         * once a minute: until then, its energy is idle and not attributed */
        if (!s->cg && !optional_still_missing(&s->cg_missing_until_ns) &&
            optional_note(&s->cg_missing_until_ns, cgroup_cpu_open(s->sysfs, &s->cg)) == -ENOMEM)
                return -ENOMEM;
        struct cgroup_cpu_sample sample;
        const struct cgroup_cpu_sample *cpu = NULL;
        if (s->cg) {
                r = cgroup_cpu_read(s->cg, &sample);
                if (r == -ENOMEM)
                        return r;
                if (r >= 0) {
                        cpu = &sample;
                        *parse_errors += sample.parse_errors;
                }
        }
        struct attribution_interval in = {
                .seconds = s->fed_ns != 0 && now_ns > s->fed_ns ? (double) (now_ns - s->fed_ns) / 1e9 : 0,
                .joules = s->pending,
                .kind = kind,
                .idle_watts = idle_watts,
                .busy_seconds = busy,
                .idle_seconds = idle,
                .cpu = cpu,
        };
        r = attribution_feed(s->a, &in);
        if (r < 0)
                return r;
        s->fed_ns = now_ns;
        s->pending = 0;
        s->ticks = ticks;
        s->has_ticks = has_ticks;
        s->fed[kind] |= in.seconds > 0 || in.joules > 0;
        s->idle_watts = idle_watts;
        return 0;
}

void service_energy_emit(const struct service_energy *s, struct metric_set *set) {
        if (!s->fed[ATTRIBUTION_MEASURED] && !s->fed[ATTRIBUTION_ESTIMATED])
                return;
        size_t n;
        const struct attribution_service *services = attribution_services(s->a, &n);
        const struct attribution_totals *t = attribution_totals(s->a);
        (void) metric_set_family(set, &service_desc);
        for (size_t k = 0; k < ATTRIBUTION_KINDS; k++)
                for (size_t i = 0; s->fed[k] && i < n; i++) {
                        const char *v[] = {services[i].name, kind_names[k]};
                        (void) metric_set_sample(set, services[i].joules[k], v);
                }
        const struct metric_desc *const descs[] = {&idle_desc, &unattributed_desc, &forgotten_desc};
        const double *const values[] = {t->idle, t->unattributed, t->forgotten};
        for (size_t p = 0; p < ELEMENTSOF(descs); p++) {
                (void) metric_set_family(set, descs[p]);
                for (size_t k = 0; k < ATTRIBUTION_KINDS; k++)
                        if (s->fed[k])
                                (void) metric_set_sample1(set, values[p][k], kind_names[k]);
        }
        (void) metric_set_family(set, &idle_watts_desc);
        (void) metric_set_sample0(set, s->idle_watts);
}
