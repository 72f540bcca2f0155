/* time: the system clock (node_time_seconds), the local time zone and its
 * offset, and the kernel's clock sources from sysfs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector.h"
#include "dirlist.h"
#include "fileio.h"

static const struct metric_desc time_desc = {
        "node_time_seconds", "System time in seconds since epoch (1970).", METRIC_GAUGE, 0, NULL};
static const char *const zone_labels[] = {"time_zone"};
static const struct metric_desc zone_desc = {
        "node_time_zone_offset_seconds", "System time zone offset in seconds.", METRIC_GAUGE, 1, zone_labels};
static const char *const clocksource_labels[] = {"clocksource", "device"};
static const struct metric_desc available_desc = {
        "node_time_clocksource_available_info",
        "Available clocksources read from '/sys/devices/system/clocksource'.", METRIC_GAUGE, 2, clocksource_labels};
static const struct metric_desc current_desc = {
        "node_time_clocksource_current_info", "Current clocksource read from '/sys/devices/system/clocksource'.",
        METRIC_GAUGE, 2, clocksource_labels};

struct time_state {
        char dir[4096]; /* sysfs/devices/system/clocksource */
        struct dirlist devices;
};

static int time_init(const struct collector_env *env, _unused_ const struct config_section *section,
                     _unused_ struct diag *diag, void **ret_state) {
        struct time_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "devices/system/clocksource") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        tzset(); /* once: localtime_r() does not re-read the zone */
        *ret_state = s;
        return 0;
}

static void time_free(void *state) {
        struct time_state *s = state;
        if (s)
                dirlist_free(&s->devices);
        free(s);
}

/* clocksourceN/{available,current}_clocksource: space-separated names */
static void time_clocksources(struct time_state *s, struct collect_ctx *ctx, const char *attr,
                              const struct metric_desc *desc) {
        bool started = false;
        for (size_t i = 0; i < s->devices.n; i++) {
                const char *name = dirlist_name(&s->devices, i);
                if (strncmp(name, "clocksource", 11) != 0 || name[11] == '\0')
                        continue;
                char dir[4200], value[1024];
                (void) snprintf(dir, sizeof(dir), "%s/%s", s->dir, name);
                if (read_attr_at(dir, attr, value, sizeof(value)) < 0)
                        continue;
                for (char *save = NULL, *tok = strtok_r(value, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
                        if (!started) {
                                (void) metric_set_family(ctx->set, desc);
                                started = true;
                        }
                        (void) metric_set_sample2(ctx->set, 1, tok, name + 11);
                }
        }
}

static int time_collect(void *state, struct collect_ctx *ctx) {
        struct time_state *s = state;
        struct timespec ts;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        (void) localtime_r(&ts.tv_sec, &tm);

        (void) metric_set_family(ctx->set, &time_desc);
        (void) metric_set_sample0(ctx->set, (double) ts.tv_sec + (double) ts.tv_nsec / 1e9);
        (void) metric_set_family(ctx->set, &zone_desc);
        (void) metric_set_sample1(ctx->set, (double) tm.tm_gmtoff, tm.tm_zone ? tm.tm_zone : "");

        /* no clocksource directory (a container without sysfs): the clock alone */
        if (dirlist_read(&s->devices, s->dir) == 0) {
                time_clocksources(s, ctx, "available_clocksource", &available_desc);
                time_clocksources(s, ctx, "current_clocksource", &current_desc);
        }
        return ctx->set->error;
}

const struct collector time_collector = {
        .name = "time",
        .help = "System clock, time zone and clock sources",
        .default_enabled = true,
        .init = time_init,
        .collect = time_collect,
        .free = time_free,
};
