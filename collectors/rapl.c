/* rapl: the kernel's RAPL energy counters from /sys/class/powercap, as
 * node_exporter 1.5's rapl collector prints them:
 * node_rapl_<zone>_joules_total{index,path}, or with enable_zone_label
 * node_rapl_joules_total{index,path,rapl_zone}. The raw counters, which
 * wrap at max_energy_range_uj; the energy collector keeps monotonic ones. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "desc_cache.h"
#include "powercap_zones.h"

static const char *const zone_labels[] = {"index", "path", "rapl_zone"};
static const struct metric_desc zone_label_desc = {"node_rapl_joules_total", "Current RAPL value in joules",
                                                   METRIC_COUNTER, 3, zone_labels};

static const struct collector_option rapl_options[] = {
        {"enable_zone_label", "false", "one family node_rapl_joules_total with the zone in label rapl_zone"},
        {NULL, NULL, NULL},
};

struct rapl_state {
        bool zone_label;
        struct powercap_zones zones;
        struct desc_cache descs;
};

static int rapl_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                     void **ret_state) {
        bool zone_label;
        int r = config_section_bool(section, "enable_zone_label", false, &zone_label, diag);
        if (r < 0)
                return r;
        struct rapl_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->zone_label = zone_label;
        if (powercap_zones_init(&s->zones, env->sysfs) < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void rapl_free(void *state) {
        struct rapl_state *s = state;
        if (!s)
                return;
        powercap_zones_free(&s->zones);
        desc_cache_free(&s->descs);
        free(s);
}

/* node_exporter's SanitizeMetricName: each run of _*[^0-9A-Za-z_]+_* becomes one '_'. */
static void sanitize_name(const char *in, char *out, size_t size) {
        size_t o = 0;
        for (const char *p = in; *p && o + 1 < size;) {
                const char *q = p;
                while (*q == '_')
                        q++;
                const char *bad = q;
                while (*q &&
                       !((*q >= '0' && *q <= '9') || (*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || *q == '_'))
                        q++;
                if (q == bad) { /* no invalid run here: keep the character */
                        out[o++] = *p++;
                        continue;
                }
                while (*q == '_')
                        q++;
                out[o++] = '_';
                p = q;
        }
        out[o] = '\0';
}

static int rapl_collect(void *state, struct collect_ctx *ctx) {
        struct rapl_state *s = state;
        int r = powercap_zones_read(&s->zones);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->zones.n; i++) {
                const struct powercap_zone *z = &s->zones.zones[i];
                uint64_t uj;
                /* as node_exporter, the first zone that cannot be read fails
                 * the scrape: -EACCES for a root-only energy_uj */
                r = powercap_zone_energy_uj(&s->zones, z, &uj);
                if (r < 0)
                        return r;
                char index[16];
                (void) snprintf(index, sizeof(index), "%u", z->index);
                if (s->zone_label) {
                        const char *v[] = {index, z->path, z->name};
                        (void) metric_set_family(ctx->set, &zone_label_desc);
                        (void) metric_set_sample(ctx->set, (double) uj / 1000000.0, v);
                        continue;
                }
                char clean[64], name[128], help[128];
                sanitize_name(z->name, clean, sizeof(clean));
                (void) snprintf(name, sizeof(name), "node_rapl_%s_joules_total", clean);
                (void) snprintf(help, sizeof(help), "Current RAPL %s value in joules", z->name);
                static const char *const labels[] = {"index", "path"};
                const struct metric_desc *d = desc_cache_get(&s->descs, name, help, METRIC_COUNTER, 2, labels);
                if (!d)
                        return -ENOMEM;
                (void) metric_set_family(ctx->set, d);
                (void) metric_set_sample2(ctx->set, (double) uj / 1000000.0, index, z->path);
        }
        return ctx->set->error;
}

const struct collector rapl_collector = {
        .name = "rapl",
        .help = "RAPL energy counters of CPU packages and DRAM, from /sys/class/powercap",
        .default_enabled = true,
        .options = rapl_options,
        .init = rapl_init,
        .collect = rapl_collect,
        .free = rapl_free,
};
