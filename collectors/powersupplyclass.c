/* powersupplyclass: batteries, mains and UPS attached over USB, from
 * /sys/class/power_supply, as node_exporter 1.5's powersupplyclass:
 * node_power_supply_<attribute>{power_supply} scaled to base units, and
 * node_power_supply_info with the text attributes as labels. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "desc_cache.h"
#include "dirlist.h"
#include "fileio.h"
#include "filter.h"

/* sysfs attribute -> metric name and divisor: raw counts, micro-units
 * (µA, µV, µW, µWh, µAh) to base units, tenths of a degree to degrees */
static const struct {
        const char *attr, *metric;
        double divisor;
} numeric[] = {
        {"authentic", "authentic", 1},
        {"calibrate", "calibrate", 1},
        {"capacity", "capacity", 1},
        {"capacity_alert_max", "capacity_alert_max", 1},
        {"capacity_alert_min", "capacity_alert_min", 1},
        {"cycle_count", "cyclecount", 1},
        {"online", "online", 1},
        {"present", "present", 1},
        {"time_to_empty_now", "time_to_empty_seconds", 1},
        {"time_to_full_now", "time_to_full_seconds", 1},
        {"current_boot", "current_boot", 1e6},
        {"current_max", "current_max", 1e6},
        {"current_now", "current_ampere", 1e6},
        {"energy_empty", "energy_empty", 1e6},
        {"energy_empty_design", "energy_empty_design", 1e6},
        {"energy_full", "energy_full", 1e6},
        {"energy_full_design", "energy_full_design", 1e6},
        {"energy_now", "energy_watthour", 1e6},
        {"voltage_boot", "voltage_boot", 1e6},
        {"voltage_max", "voltage_max", 1e6},
        {"voltage_max_design", "voltage_max_design", 1e6},
        {"voltage_min", "voltage_min", 1e6},
        {"voltage_min_design", "voltage_min_design", 1e6},
        {"voltage_now", "voltage_volt", 1e6},
        {"voltage_ocv", "voltage_ocv", 1e6},
        {"charge_control_limit", "charge_control_limit", 1e6},
        {"charge_control_limit_max", "charge_control_limit_max", 1e6},
        {"charge_counter", "charge_counter", 1e6},
        {"charge_empty", "charge_empty", 1e6},
        {"charge_empty_design", "charge_empty_design", 1e6},
        {"charge_full", "charge_full", 1e6},
        {"charge_full_design", "charge_full_design", 1e6},
        {"charge_now", "charge_ampere", 1e6},
        {"charge_term_current", "charge_term_current", 1e6},
        {"constant_charge_current", "constant_charge_current", 1e6},
        {"constant_charge_current_max", "constant_charge_current_max", 1e6},
        {"constant_charge_voltage", "constant_charge_voltage", 1e6},
        {"constant_charge_voltage_max", "constant_charge_voltage_max", 1e6},
        {"precharge_current", "precharge_current", 1e6},
        {"input_current_limit", "input_current_limit", 1e6},
        {"power_now", "power_watt", 1e6},
        {"temp", "temp_celsius", 10},
        {"temp_alert_max", "temp_alert_max_celsius", 10},
        {"temp_alert_min", "temp_alert_min_celsius", 10},
        {"temp_ambient", "temp_ambient_celsius", 10},
        {"temp_ambient_max", "temp_ambient_max_celsius", 10},
        {"temp_ambient_min", "temp_ambient_min_celsius", 10},
        {"temp_max", "temp_max_celsius", 10},
        {"temp_min", "temp_min_celsius", 10},
};

/* text attributes, the labels of node_power_supply_info (an absent one is
 * an empty label, which Prometheus reads as no label, as node_exporter
 * leaves it out) */
static const char *const info_attrs[] = {"capacity_level", "charge_type", "health",        "manufacturer",
                                         "model_name",     "scope",       "serial_number", "status",
                                         "technology",     "type",        "usb_type"};
#define N_INFO ELEMENTSOF(info_attrs)
static const char *const info_labels[N_INFO + 1] = {"capacity_level", "charge_type",  "health", "manufacturer",
                                                    "model_name",     "power_supply", "scope",  "serial_number",
                                                    "status",         "technology",   "type",   "usb_type"};
static const struct metric_desc info_desc = {"node_power_supply_info",
                                             "info of /sys/class/power_supply/<power_supply>.", METRIC_GAUGE,
                                             N_INFO + 1, info_labels};
static const char *const supply_label[] = {"power_supply"};

static const struct collector_option powersupply_options[] = {
        {"ignored_supplies", "^$", "power supplies to leave out (a pattern)"},
        {NULL, NULL, NULL},
};

struct powersupply_state {
        char dir[PATH_MAX];
        struct filter ignored;
        struct dirlist supplies, attrs;
        struct desc_cache descs;
};

static int powersupply_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                            void **ret_state) {
        struct powersupply_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        int r = filter_from_config(&s->ignored, section, NULL, NULL, "ignored_supplies", "^$", diag);
        if (r >= 0 && path_join(s->dir, sizeof(s->dir), env->sysfs, "class/power_supply") < 0)
                r = -ENAMETOOLONG;
        if (r < 0) {
                free(s);
                return r;
        }
        *ret_state = s;
        return 0;
}

static void powersupply_free(void *state) {
        struct powersupply_state *s = state;
        if (!s)
                return;
        filter_free(&s->ignored);
        dirlist_free(&s->supplies);
        dirlist_free(&s->attrs);
        desc_cache_free(&s->descs);
        free(s);
}

static int powersupply_collect(void *state, struct collect_ctx *ctx) {
        struct powersupply_state *s = state;
        int r = dirlist_read_kept(&s->supplies, s->dir);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->supplies.n; i++) {
                const char *name = dirlist_name(&s->supplies, i);
                if (!filter_pass(&s->ignored, name))
                        continue;
                char dir[PATH_MAX];
                if (path_join(dir, sizeof(dir), s->dir, name) < 0)
                        continue;
                r = dirlist_read(&s->attrs, dir);
                if (r == -ENOMEM)
                        return r; /* a supply left out for lack of memory would look gone */
                if (r < 0)
                        continue;
                _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dirfd < 0)
                        continue;
                /* only the attributes this supply has: a battery has a few
                 * dozen of the fifty known, a mains adapter two */
                for (size_t k = 0; k < ELEMENTSOF(numeric); k++) {
                        if (!dirlist_has(&s->attrs, numeric[k].attr))
                                continue;
                        int64_t v;
                        r = read_attr_i64_fd(dirfd, numeric[k].attr, &v);
                        ctx->parse_errors += r == -EBADMSG;
                        if (r < 0)
                                continue;
                        char metric[96], help[160];
                        (void) snprintf(metric, sizeof(metric), "node_power_supply_%s", numeric[k].metric);
                        (void) snprintf(help, sizeof(help), "%s value of /sys/class/power_supply/<power_supply>.",
                                        numeric[k].metric);
                        const struct metric_desc *d =
                                desc_cache_get(&s->descs, metric, help, METRIC_GAUGE, 1, supply_label);
                        if (!d)
                                return -ENOMEM;
                        (void) metric_set_family(ctx->set, d);
                        (void) metric_set_sample1(ctx->set, (double) v / numeric[k].divisor, name);
                }
                char text[N_INFO][128];
                const char *values[N_INFO + 1];
                for (size_t k = 0, l = 0; l < N_INFO + 1; l++) {
                        if (strcmp(info_labels[l], "power_supply") == 0) {
                                values[l] = name;
                                continue;
                        }
                        if (read_attr_fd(dirfd, info_attrs[k], text[k], sizeof(text[k])) < 0)
                                text[k][0] = '\0';
                        values[l] = text[k];
                        k++;
                }
                (void) metric_set_family(ctx->set, &info_desc);
                (void) metric_set_sample(ctx->set, 1, values);
        }
        return ctx->set->error;
}

const struct collector powersupplyclass_collector = {
        .name = "powersupplyclass",
        .help = "Batteries, mains and UPS power supplies, from /sys/class/power_supply",
        .default_enabled = true,
        .options = powersupply_options,
        .init = powersupply_init,
        .collect = powersupply_collect,
        .free = powersupply_free,
};
