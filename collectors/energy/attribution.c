/* Energy attribution: per-group CPU time deltas from one sample to the
 * next, summed per service, and the interval's energy split as
 * attribution.h says. Two group tables, the previous sample's and the
 * one being built, swap at each feed and keep their memory. */
#include "attribution.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "buf.h"
#include "sort.h"

struct group {
        size_t path; /* offset in the table's strings */
        uint64_t usage_ns;
};

struct group_table {
        struct buf strings;
        struct group *groups;
        size_t n, cap;
};

struct attribution {
        struct group_table tables[2];
        unsigned prev; /* the table of the previous sample */
        bool based;    /* the previous table holds a sample to take deltas from */
        struct attribution_service *services;
        size_t n_services, cap_services;
        struct attribution_totals totals;
};

int attribution_new(struct attribution **ret) {
        struct attribution *a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        *ret = a;
        return 0;
}

void attribution_free(struct attribution *a) {
        if (!a)
                return;
        for (size_t i = 0; i < 2; i++) {
                buf_free(&a->tables[i].strings);
                free(a->tables[i].groups);
        }
        for (size_t i = 0; i < a->n_services; i++)
                free(a->services[i].name);
        free(a->services);
        free(a);
}

const struct attribution_service *attribution_services(const struct attribution *a, size_t *ret_n) {
        *ret_n = a->n_services;
        return a->services;
}

const struct attribution_totals *attribution_totals(const struct attribution *a) {
        return &a->totals;
}

static int group_cmp(const void *x, const void *y, void *ctx) {
        const char *base = ctx;
        return strcmp(base + ((const struct group *) x)->path, base + ((const struct group *) y)->path);
}

/* bsearch_r's key is a path; the elements are groups of the table whose
 * strings ctx is */
static int group_path_cmp(const void *key, const void *element, void *ctx) {
        return strcmp(key, (const char *) ctx + ((const struct group *) element)->path);
}

static int service_name_cmp(const void *key, const void *element, _unused_ void *ctx) {
        return strcmp(key, ((const struct attribution_service *) element)->name);
}

/* The sample as a table sorted by path, for the next feed's lookups. */
static int table_fill(struct group_table *t, const struct cgroup_cpu_sample *s) {
        buf_reset(&t->strings);
        t->n = 0;
        int r = array_reserve((void **) &t->groups, &t->cap, s->n, sizeof(*t->groups));
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n; i++) {
                t->groups[i] = (struct group){.path = t->strings.len, .usage_ns = s->usage[i].usage_ns};
                buf_put(&t->strings, s->usage[i].group, strlen(s->usage[i].group) + 1);
        }
        if (t->strings.error < 0)
                return t->strings.error;
        t->n = s->n;
        sort_r(t->groups, t->n, sizeof(*t->groups), group_cmp, t->strings.data);
        return 0;
}

/* What a group's CPU time grew by since the previous sample, in seconds,
 * as attribution.h says. */
static double group_delta(const struct group_table *prev, const struct cgroup_cpu_usage *u, double cap) {
        const struct group *g =
                prev->n ? bsearch_r(u->group, prev->groups, prev->n, sizeof(*g), group_path_cmp, prev->strings.data)
                        : NULL;
        uint64_t ns = g && u->usage_ns >= g->usage_ns ? u->usage_ns - g->usage_ns : u->usage_ns;
        double s = (double) ns / 1e9;
        return s < cap ? s : cap;
}

/* The service called name, made if it is new and there is room; NULL
 * when there is none. */
static struct attribution_service *service_get(struct attribution *a, const char *name, int *ret_error) {
        size_t lo = 0, hi = a->n_services;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = service_name_cmp(name, &a->services[mid], NULL);
                if (c == 0)
                        return &a->services[mid];
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        if (a->n_services >= ATTRIBUTION_MAX_SERVICES)
                return NULL;
        int r = array_reserve((void **) &a->services, &a->cap_services, a->n_services + 1, sizeof(*a->services));
        char *copy = r < 0 ? NULL : strdup(name);
        if (!copy) {
                *ret_error = -ENOMEM;
                return NULL;
        }
        memmove(&a->services[lo + 1], &a->services[lo], (a->n_services - lo) * sizeof(*a->services));
        a->services[lo] = (struct attribution_service){.name = copy};
        a->n_services++;
        return &a->services[lo];
}

static bool figure_ok(double x) {
        return isfinite(x) && x >= 0;
}

/* Services not in this sample age, and those unseen for too long go. */
static void age(struct attribution *a, double seconds) {
        size_t kept = 0;
        for (size_t i = 0; i < a->n_services; i++) {
                struct attribution_service *s = &a->services[i];
                s->unseen_seconds = s->present ? 0 : s->unseen_seconds + seconds;
                if (s->unseen_seconds > ATTRIBUTION_KEEP_SECONDS) {
                        for (size_t k = 0; k < ATTRIBUTION_KINDS; k++)
                                a->totals.forgotten[k] += s->joules[k];
                        free(s->name);
                        continue;
                }
                a->services[kept++] = *s;
        }
        a->n_services = kept;
}

int attribution_feed(struct attribution *a, const struct attribution_interval *in) {
        if (!figure_ok(in->seconds) || !figure_ok(in->joules) || !figure_ok(in->idle_watts) ||
            !figure_ok(in->busy_seconds) || !figure_ok(in->idle_seconds) || (unsigned) in->kind >= ATTRIBUTION_KINDS)
                return -EINVAL;
        struct group_table *prev = &a->tables[a->prev], *next = &a->tables[a->prev ^ 1];
        int r = in->cpu ? table_fill(next, in->cpu) : 0;
        if (r < 0)
                return r;

        /* every service's CPU time in this interval, and all the groups' */
        for (size_t i = 0; i < a->n_services; i++) {
                a->services[i].cpu_seconds = 0;
                a->services[i].present = false;
        }
        double cap = in->busy_seconds + in->idle_seconds, groups_seconds = 0;
        unsigned long dropped = 0;
        for (size_t i = 0; in->cpu && i < in->cpu->n; i++) {
                const struct cgroup_cpu_usage *u = &in->cpu->usage[i];
                double d = a->based ? group_delta(prev, u, cap) : 0;
                struct attribution_service *s = service_get(a, u->name, &r);
                if (r < 0)
                        return r;    /* services made so far have nothing yet */
                groups_seconds += d; /* a service without room: its share is left over */
                if (s) {
                        s->cpu_seconds += d;
                        s->present = true;
                } else
                        dropped++;
        }

        /* the split: idle first, the rest by busy CPU time */
        double idle = in->idle_watts * in->seconds;
        if (idle > in->joules || in->busy_seconds <= 0)
                idle = in->joules;
        double dynamic = in->joules - idle;
        double shared_by = in->busy_seconds > groups_seconds ? in->busy_seconds : groups_seconds;
        double attributed = 0;
        enum attribution_kind k = in->kind;
        for (size_t i = 0; i < a->n_services && shared_by > 0; i++) {
                double j = dynamic * (a->services[i].cpu_seconds / shared_by);
                a->services[i].joules[k] += j;
                attributed += j;
        }
        double left = dynamic - attributed;
        a->totals.host[k] += in->joules;
        a->totals.idle[k] += idle;
        a->totals.unattributed[k] += left > 0 ? left : 0;
        a->totals.dropped += dropped;

        age(a, in->seconds);

        a->based = in->cpu != NULL;
        if (in->cpu)
                a->prev ^= 1;
        return 0;
}
