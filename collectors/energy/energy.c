/* energy: the host's energy per source and zone, one host total, and the
 * carbon it stands for. The sources are a table in preference order; each
 * zone's joule counter is vigie's own (it never goes back, across the
 * kernel's wraps and resets), each series says its source and whether it
 * was measured or estimated. Collects in the scrape; the sources whose
 * counters wrap (RAPL) are also read on the scheduler (.sample), as often
 * as never missing a wrap needs and no more, so that a host with the
 * model only never wakes up. Each interval of the host total is split
 * among services, idle and not attributed (service_energy.c). */
#include "energy.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "log.h"
#include "service_energy.h"
#include "source.h"

/* The sources, by preference for the host total: the first that works
 * and has a host figure gives it. Adding a source is a row here. */
static const struct energy_source *const energy_sources[] = {
        &energy_ipmi_source,         /* the whole server at the wall, which the others only approach */
        &energy_rapl_source,         /* CPU packages and DRAM, or psys */
        &energy_hwmon_source,        /* an ACPI power meter */
        &energy_nvml_source,         /* GPUs: never a host figure, their zones reported apart */
        &energy_power_supply_source, /* a UPS, a discharging battery */
        &energy_model_source,        /* an estimate, where nothing measures */
};
#define N_SOURCES ELEMENTSOF(energy_sources)

static const char *const zone_labels[] = {"source", "zone", "method"};
static const char *const host_labels[] = {"source", "method"};
static const char *const up_labels[] = {"source", "reason"};
static const struct metric_desc joules_desc = {"vigie_energy_joules_total",
                                               "Energy used per source and zone since vigie started, in joules.",
                                               METRIC_COUNTER, 3, zone_labels};
static const struct metric_desc watts_desc = {
        "vigie_energy_power_watts", "Power per source and zone, averaged since the previous collection, in watts.",
        METRIC_GAUGE, 3, zone_labels};
static const struct metric_desc host_joules_desc = {
        "vigie_energy_host_joules_total",
        "Energy used by the host since vigie started, in joules, from the preferred source that works.", METRIC_COUNTER,
        2, host_labels};
static const struct metric_desc host_watts_desc = {
        "vigie_energy_host_power_watts", "Power drawn by the host, averaged since the previous collection, in watts.",
        METRIC_GAUGE, 2, host_labels};
static const struct metric_desc up_desc = {
        "vigie_energy_source_up",
        "Whether an energy source works (1), or why not (0): no_hardware, permission_denied, parse_error, error.",
        METRIC_GAUGE, 2, up_labels};
static const struct metric_desc carbon_desc = {
        "vigie_carbon_operational_grams_total",
        "Grams of CO2e of the host's energy since vigie started: joules / 3.6e6 x PUE x grid intensity, "
        "interval by interval.",
        METRIC_COUNTER, 2, host_labels};
static const struct metric_desc intensity_desc = {"vigie_carbon_grid_intensity_grams_per_kwh",
                                                  "The grid's carbon intensity in use, grams of CO2e per kWh.",
                                                  METRIC_GAUGE, 0, NULL};
static const struct metric_desc pue_desc = {"vigie_carbon_pue_ratio",
                                            "The power usage effectiveness in use (the site's energy over its IT's).",
                                            METRIC_GAUGE, 0, NULL};
static const struct metric_desc embodied_desc = {
        "vigie_carbon_embodied_grams_total",
        "Grams of CO2e of the host's manufacture, amortised over its configured lifetime, since vigie started.",
        METRIC_COUNTER, 0, NULL};

static const struct collector_option energy_options[] = {
        {"model", "tdp",
         "the estimate for a host without a sensor: tdp (the TDP curve), ccf (Cloud Carbon "
         "Footprint's watts per vCPU and per GiB) or off"},
        {"model_tdp_watts", "0", "tdp model: the TDP of the CPUs this host sees, in watts (0: 3.5 W per CPU)"},
        {"model_min_watts_per_cpu", "0.74", "ccf model: watts per CPU when idle"},
        {"model_max_watts_per_cpu", "3.5", "ccf model: watts per CPU when busy"},
        {"model_memory_watts_per_gib", "0.392", "ccf model: watts per GiB of memory"},
        {"rapl_max_watts", "0", "the most a RAPL zone draws, for the sampling period (0: its power constraints)"},
        {"ipmi_device", "/dev/ipmi0", "the OpenIPMI device of the BMC asked for DCMI power readings (empty: none)"},
        {"nvml_library", "libnvidia-ml.so.1", "NVIDIA's NVML library, loaded at run time for GPU energy (empty: none)"},
        {"grid_intensity", "32", "the grid's carbon intensity, grams of CO2e per kWh"},
        {"pue", "1", "the site's power usage effectiveness (1: no overhead counted)"},
        {"embodied_kgco2e", "0", "the host's manufacturing emissions, kg CO2e (0: no embodied counter)"},
        {"embodied_lifetime_years", "5", "the years the embodied emissions are spread over"},
        {"services", "true", "energy per service: the host total split among services by their CPU time (cgroups)"},
        {"idle_watts", "",
         "energy per service: the host's power at 0% CPU, kept apart as idle (none: the model's 0% point)"},
        {NULL, NULL, NULL},
};

struct source_state {
        const struct energy_source *src;
        void *state;
        struct energy_zones zones;
        int status;          /* its last read's: 0 or a negative errno */
        bool read_once;      /* status holds a read's */
        bool told_denied;    /* the permission line was logged */
        double host_joules;  /* while it gave the host total */
        double carbon_grams; /* of those joules */
};

struct energy_state {
        pthread_mutex_t lock; /* collect and sample run at once */
        struct source_state sources[N_SOURCES];
        double intensity, pue, embodied_grams_per_s;
        uint64_t started_ns;             /* the first collection, for the embodied counter */
        struct service_energy *services; /* NULL: services = false */
        double idle_watts;               /* configured; < 0: the sources' */
        bool services_based;             /* the services' first feed was made */
};

struct energy_zone *energy_zone_get(struct energy_zones *zones, const char *name) {
        for (size_t i = 0; i < zones->n; i++)
                if (strcmp(zones->v[i].name, name) == 0)
                        return &zones->v[i];
        if (array_reserve((void **) &zones->v, &zones->cap, zones->n + 1, sizeof(*zones->v)) < 0)
                return NULL;
        struct energy_zone *z = &zones->v[zones->n++];
        *z = (struct energy_zone){0};
        (void) snprintf(z->name, sizeof(z->name), "%s", name);
        return z;
}

static void energy_free(void *state) {
        struct energy_state *s = state;
        if (!s)
                return;
        for (size_t i = 0; i < N_SOURCES; i++) {
                if (s->sources[i].src)
                        s->sources[i].src->free(s->sources[i].state);
                free(s->sources[i].zones.v);
        }
        service_energy_free(s->services);
        (void) pthread_mutex_destroy(&s->lock);
        free(s);
}

static int energy_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                       void **ret_state) {
        double intensity, pue, embodied, years;
        int r = config_section_double(section, "grid_intensity", 32, 0, 10000, &intensity, diag);
        if (r >= 0)
                r = config_section_double(section, "pue", 1, 1, 10, &pue, diag);
        if (r >= 0)
                r = config_section_double(section, "embodied_kgco2e", 0, 0, 1e6, &embodied, diag);
        if (r >= 0)
                r = config_section_double(section, "embodied_lifetime_years", 5, 0.1, 100, &years, diag);
        bool services = true;
        double idle_watts = -1;
        if (r >= 0)
                r = config_section_bool(section, "services", true, &services, diag);
        if (r >= 0 && *config_section_string(section, "idle_watts", "") != '\0')
                r = config_section_double(section, "idle_watts", 0, 0, 1e6, &idle_watts, diag);
        if (r < 0)
                return r;
        struct energy_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        (void) pthread_mutex_init(&s->lock, NULL);
        s->intensity = intensity;
        s->pue = pue;
        s->embodied_grams_per_s = embodied * 1000 / (years * 365.25 * 86400);
        s->idle_watts = idle_watts;
        if (services && (r = service_energy_new(env->procfs, env->sysfs, sysconf(_SC_CLK_TCK), &s->services)) < 0) {
                energy_free(s);
                return r;
        }
        for (size_t i = 0; i < N_SOURCES; i++) {
                r = energy_sources[i]->init(env, section, diag, &s->sources[i].state);
                if (r < 0) {
                        energy_free(s);
                        return r;
                }
                s->sources[i].src = energy_sources[i];
                s->sources[i].status = -EAGAIN;
        }
        *ret_state = s;
        return 0;
}

static const char *status_reason(int status) {
        switch (status) {
        case 0: return "ok";
        case -ENOENT:
        case -ENODEV:
        case -ENXIO:
        case -ENOTTY: return "no_hardware"; /* not the device it should be */
        case -EACCES:
        case -EPERM: return "permission_denied";
        case -EBADMSG:
        case -EINVAL: return "parse_error";
        default: return "error";
        }
}

/* One read of a source, and the one log line a person needs when a
 * counter is root's: collectors leave logging to the engine, but the
 * collector as a whole works, so the engine has nothing to say. */
static void source_read(struct source_state *ss, const struct energy_read *rd) {
        ss->status = ss->src->read(ss->state, &ss->zones, rd);
        ss->read_once = true;
        /* a zone's counter starts at 0 at the read that finds it: the
         * start of its first interval */
        for (size_t k = 0; k < ss->zones.n; k++)
                if (ss->zones.v[k].seen && ss->zones.v[k].collected_ns == 0)
                        ss->zones.v[k].collected_ns = rd->now_ns;
        if (ss->status == -EACCES && !ss->told_denied) {
                ss->told_denied = true;
                log_warn("energy: the %s counters are readable by root only (CVE-2020-8694); install "
                         "packaging/udev/60-vigie-energy.rules as /etc/udev/rules.d/60-vigie-energy.rules, "
                         "run 'udevadm trigger' and give vigie the group vigie; until then the host's energy "
                         "comes from the next source",
                         ss->src->name);
        }
}

uint64_t energy_sample_at(void *state, uint64_t now_ns) {
        struct energy_state *s = state;
        struct energy_read rd = {.now_ns = now_ns};
        uint64_t next = 0;
        for (size_t i = 0; i < N_SOURCES; i++)
                if (s->sources[i].src->poll)
                        s->sources[i].src->poll(s->sources[i].state, now_ns);
        (void) pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < N_SOURCES; i++) {
                struct source_state *ss = &s->sources[i];
                /* the first, at start, reads every source, so that the
                 * first scrape has power over the time since */
                if (ss->read_once && !ss->src->max_gap_ms)
                        continue;
                source_read(ss, &rd);
                uint64_t gap = ss->src->max_gap_ms ? ss->src->max_gap_ms(ss->state) : 0;
                if (gap > 0 && (next == 0 || gap < next))
                        next = gap;
        }
        /* the services' CPU times as of the start of the sources' first
         * interval, so that the first collection splits it */
        if (s->services && !s->services_based) {
                unsigned parse_errors = 0;
                s->services_based =
                        service_energy_feed(s->services, NULL, now_ns, 0, ATTRIBUTION_ESTIMATED, 0, &parse_errors) == 0;
        }
        (void) pthread_mutex_unlock(&s->lock);
        return next;
}

static uint64_t energy_sample(void *state) {
        return energy_sample_at(state, clock_ns(CLOCK_MONOTONIC));
}

/* What a source's host zones came to at a collection. */
struct host_delta {
        double joules; /* since the previous collection */
        double watts;
        bool has_watts;
        bool closed; /* an interval of a host zone ended: joules is what it held */
};

/* Each zone's energy since the previous collection, and its power over
 * it; the sums of the host zones' (the host figure) in *ret. Whether the
 * source gives the host figure now. */
static bool source_host_delta(struct source_state *ss, uint64_t now_ns, struct host_delta *ret) {
        size_t n = ss->zones.n;
        struct energy_zone *zones = ss->zones.v;
        bool host = false;
        struct host_delta d = {0};
        for (size_t k = 0; k < n; k++) {
                struct energy_zone *z = &zones[k];
                /* power over less than a second says little (the model
                 * counts whole ticks): such an interval goes on */
                if (!z->seen || now_ns - z->collected_ns < 1000000000u) {
                        host |= z->seen && z->host;
                        d.watts += z->seen && z->host && z->has_watts ? z->watts : 0;
                        d.has_watts |= z->seen && z->host && z->has_watts;
                        continue;
                }
                double dj = z->joules - z->collected_joules;
                z->has_watts = ss->status == 0;
                if (z->has_watts)
                        z->watts = dj / ((double) (now_ns - z->collected_ns) / 1e9);
                z->collected_joules = z->joules;
                z->collected_ns = now_ns;
                if (z->host) {
                        host = true;
                        d.joules += dj;
                        d.watts += z->has_watts ? z->watts : 0;
                        d.has_watts |= z->has_watts;
                        d.closed = true;
                }
        }
        *ret = d;
        return host && ss->status == 0;
}

/* The host's power at 0% CPU for attribution: the configured figure, else
 * the first source's that knows one (the model's 0% point). */
static double idle_watts(const struct energy_state *s) {
        if (s->idle_watts >= 0)
                return s->idle_watts;
        for (size_t i = 0; i < N_SOURCES; i++) {
                const struct source_state *ss = &s->sources[i];
                double w = ss->src->idle_watts ? ss->src->idle_watts(ss->state) : 0;
                if (w > 0)
                        return w;
        }
        return 0;
}

static void emit_source(const struct source_state *ss, struct metric_set *set) {
        const char *method = ss->src->estimated ? "estimated" : "measured";
        size_t n = ss->zones.n;
        const struct energy_zone *zones = ss->zones.v;
        (void) metric_set_family(set, &joules_desc);
        for (size_t k = 0; k < n; k++)
                if (zones[k].seen) {
                        const char *v[] = {ss->src->name, zones[k].name, method};
                        (void) metric_set_sample(set, zones[k].joules, v);
                }
        (void) metric_set_family(set, &watts_desc);
        for (size_t k = 0; k < n; k++)
                if (zones[k].seen && zones[k].has_watts) {
                        const char *v[] = {ss->src->name, zones[k].name, method};
                        (void) metric_set_sample(set, zones[k].watts, v);
                }
}

int energy_collect_at(void *state, struct collect_ctx *ctx, uint64_t now_ns) {
        struct energy_state *s = state;
        struct energy_read rd = {.now_ns = now_ns, .cache = ctx->cache};
        (void) pthread_mutex_lock(&s->lock);
        if (s->started_ns == 0)
                s->started_ns = now_ns;
        struct source_state *host = NULL;
        struct host_delta hd = {0};
        for (size_t i = 0; i < N_SOURCES; i++) {
                struct source_state *ss = &s->sources[i];
                source_read(ss, &rd);
                struct host_delta d;
                if (source_host_delta(ss, now_ns, &d) && !host) {
                        host = ss;
                        hd = d;
                        ss->host_joules += d.joules;
                        ss->carbon_grams += d.joules / 3.6e6 * s->pue * s->intensity;
                }
        }
        /* every joule the host total adds is split among the services,
         * over the same interval */
        int r = 0;
        if (s->services && host && hd.closed) {
                r = service_energy_feed(s->services, ctx->cache, now_ns, hd.joules,
                                        host->src->estimated ? ATTRIBUTION_ESTIMATED : ATTRIBUTION_MEASURED,
                                        idle_watts(s), &ctx->parse_errors);
                s->services_based = r == 0;
        }

        /* a source that ran out of memory is not "error" on the host:
         * the collector fails and the next scrape reads it again (the
         * counters keep what the other sources read) */
        for (size_t i = 0; i < N_SOURCES; i++)
                if (s->sources[i].status == -ENOMEM)
                        r = -ENOMEM;
        if (r < 0) {
                (void) pthread_mutex_unlock(&s->lock);
                return r;
        }
        for (size_t i = 0; i < N_SOURCES; i++)
                emit_source(&s->sources[i], ctx->set);
        (void) metric_set_family(ctx->set, &up_desc);
        for (size_t i = 0; i < N_SOURCES; i++) {
                const struct source_state *ss = &s->sources[i];
                (void) metric_set_sample2(ctx->set, ss->status == 0, ss->src->name, status_reason(ss->status));
        }
        if (host) {
                const char *method = host->src->estimated ? "estimated" : "measured";
                (void) metric_set_family(ctx->set, &host_joules_desc);
                (void) metric_set_sample2(ctx->set, host->host_joules, host->src->name, method);
                if (hd.has_watts) {
                        (void) metric_set_family(ctx->set, &host_watts_desc);
                        (void) metric_set_sample2(ctx->set, hd.watts, host->src->name, method);
                }
                (void) metric_set_family(ctx->set, &carbon_desc);
                (void) metric_set_sample2(ctx->set, host->carbon_grams, host->src->name, method);
        }
        if (s->services)
                service_energy_emit(s->services, ctx->set);
        (void) metric_set_family(ctx->set, &intensity_desc);
        (void) metric_set_sample0(ctx->set, s->intensity);
        (void) metric_set_family(ctx->set, &pue_desc);
        (void) metric_set_sample0(ctx->set, s->pue);
        if (s->embodied_grams_per_s > 0) {
                (void) metric_set_family(ctx->set, &embodied_desc);
                (void) metric_set_sample0(ctx->set, s->embodied_grams_per_s * (double) (now_ns - s->started_ns) / 1e9);
        }
        (void) pthread_mutex_unlock(&s->lock);
        return ctx->set->error;
}

static int energy_collect(void *state, struct collect_ctx *ctx) {
        return energy_collect_at(state, ctx, clock_ns(CLOCK_MONOTONIC));
}

/* for vigie-collectors(7): what the fixture trees do not show */
static const struct metric_desc *const energy_families[] = {&embodied_desc, NULL};

const struct collector energy_collector = {
        .name = "energy",
        .help = "Energy per source and zone (RAPL, hwmon, power supplies, or a model from CPU use), the host's "
                "total and its carbon",
        .default_enabled = true,
        .options = energy_options,
        .init = energy_init,
        .collect = energy_collect,
        .free = energy_free,
        .sample = energy_sample,
        .host_families = energy_families,
};
