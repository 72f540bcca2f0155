/* time: the system clock (node_time_seconds), the local time zone and its
 * offset, and the kernel's clock sources from sysfs. The kernel makes its
 * clocksource devices at boot (one, clocksource0), so they are listed
 * once and their two attributes kept open: a scrape reads them afresh
 * with two pread()s instead of listing a directory and opening files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "collector.h"
#include "dirlist.h"
#include "fileio.h"

static const struct metric_desc time_desc = {"node_time_seconds", "System time in seconds since epoch (1970).",
                                             METRIC_GAUGE, 0, NULL};
static const char *const zone_labels[] = {"time_zone"};
static const struct metric_desc zone_desc = {"node_time_zone_offset_seconds", "System time zone offset in seconds.",
                                             METRIC_GAUGE, 1, zone_labels};
static const char *const clocksource_labels[] = {"clocksource", "device"};
static const struct metric_desc available_desc = {"node_time_clocksource_available_info",
                                                  "Available clocksources read from '/sys/devices/system/clocksource'.",
                                                  METRIC_GAUGE, 2, clocksource_labels};
static const struct metric_desc current_desc = {"node_time_clocksource_current_info",
                                                "Current clocksource read from '/sys/devices/system/clocksource'.",
                                                METRIC_GAUGE, 2, clocksource_labels};

enum { CS_AVAILABLE, CS_CURRENT, CS_ATTRS };
static const char *const cs_attrs[CS_ATTRS] = {"available_clocksource", "current_clocksource"};

struct time_state {
        char dir[4096]; /* sysfs/devices/system/clocksource */
        bool listed;
        struct clocksource {
                char id[16]; /* "0" for clocksource0 */
                int fd[CS_ATTRS];
        } * devices;
        size_t n, cap;
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

static void time_forget_devices(struct time_state *s) {
        for (size_t i = 0; i < s->n; i++)
                for (int a = 0; a < CS_ATTRS; a++)
                        if (s->devices[i].fd[a] >= 0)
                                close(s->devices[i].fd[a]);
        free(s->devices);
        s->devices = NULL;
        s->n = s->cap = 0;
        s->listed = false;
}

static void time_free(void *state) {
        struct time_state *s = state;
        if (s)
                time_forget_devices(s);
        free(s);
}

/* Lists the clocksourceN directories and opens their attributes; 0, or a
 * negative errno when there is no such directory (a container without
 * sysfs: the clock alone then). */
static int time_list_devices(struct time_state *s) {
        struct dirlist l = {0};
        int r = dirlist_read(&l, s->dir);
        if (r < 0) {
                dirlist_free(&l);
                return r;
        }
        for (size_t i = 0; i < l.n; i++) {
                const char *name = dirlist_name(&l, i);
                if (strncmp(name, "clocksource", 11) != 0 || name[11] == '\0' ||
                    strlen(name + 11) >= sizeof(s->devices->id))
                        continue;
                if (array_reserve((void **) &s->devices, &s->cap, s->n + 1, sizeof(*s->devices)) < 0)
                        break;
                struct clocksource *c = &s->devices[s->n++];
                strcpy(c->id, name + 11);
                for (int a = 0; a < CS_ATTRS; a++) {
                        char path[4200];
                        (void) snprintf(path, sizeof(path), "%s/%s/%s", s->dir, name, cs_attrs[a]);
                        c->fd[a] = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                }
        }
        dirlist_free(&l);
        s->listed = true;
        return 0;
}

/* clocksourceN/{available,current}_clocksource: space-separated names.
 * A device whose attribute cannot be read any more has the list made
 * again at the next scrape. */
static void time_clocksources(struct time_state *s, struct collect_ctx *ctx, int attr, const struct metric_desc *desc) {
        bool started = false;
        for (size_t i = 0; i < s->n; i++) {
                char value[1024];
                if (s->devices[i].fd[attr] < 0 || read_attr_pread(s->devices[i].fd[attr], value, sizeof(value)) < 0) {
                        s->listed = false;
                        continue;
                }
                for (char *save = NULL, *tok = strtok_r(value, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
                        if (!started) {
                                (void) metric_set_family(ctx->set, desc);
                                started = true;
                        }
                        (void) metric_set_sample2(ctx->set, 1, tok, s->devices[i].id);
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

        if (!s->listed) {
                time_forget_devices(s);
                if (time_list_devices(s) < 0)
                        return ctx->set->error;
        }
        time_clocksources(s, ctx, CS_AVAILABLE, &available_desc);
        time_clocksources(s, ctx, CS_CURRENT, &current_desc);
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
