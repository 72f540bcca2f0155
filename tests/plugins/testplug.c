/* The plugin of the plugin tests, built several times (meson.build): the
 * defines make it a plugin of another ABI version, one with no entry
 * point, an undefined symbol or unknown flags; its "mode" key makes it
 * misbehave in one way each (hang, run slow, emit half then fail, break
 * a rule of source_check). It appends "init" and "free" to count_file. */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vigie-plugin.h>

#ifndef TP_MAJOR
#define TP_MAJOR VIGIE_PLUGIN_ABI_MAJOR
#endif
#ifndef TP_MINOR
#define TP_MINOR VIGIE_PLUGIN_ABI_MINOR
#endif

struct tp {
        const struct vigie_host *host;
        char mode[32];
        char count_file[512];
        long sleep_ms;
        double collects;
        atomic_bool interrupted;
};

static void note(const struct tp *t, const char *what) {
        if (!t->count_file[0])
                return;
        FILE *f = fopen(t->count_file, "ae");
        if (f) {
                fprintf(f, "%s\n", what);
                (void) fclose(f);
        }
}

#ifdef TP_UNDEFINED
extern int tp_symbol_nobody_defines(void);
#endif

static int tp_init(vigie_host_ctx *ctx, const struct vigie_host *host, void **ret_state) {
        struct tp *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->host = host;
        const char *v = host->config_get(ctx, "mode");
        (void) snprintf(t->mode, sizeof(t->mode), "%s", v ? v : "ok");
        v = host->config_get(ctx, "count_file");
        (void) snprintf(t->count_file, sizeof(t->count_file), "%s", v ? v : "");
        v = host->config_get(ctx, "sleep_ms");
        t->sleep_ms = v ? strtol(v, NULL, 10) : 0;
#ifdef TP_UNDEFINED
        t->sleep_ms += tp_symbol_nobody_defines();
#endif
        if (strcmp(t->mode, "failinit") == 0) {
                host->log(ctx, VIGIE_LOG_ERROR, "told to fail\nits init");
                free(t);
                return -EINVAL;
        }
        note(t, "init");
        *ret_state = t;
        return 0;
}

static void nap(struct tp *t, long ms) {
        for (long i = 0; i < ms && !atomic_load(&t->interrupted); i += 10)
                (void) nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
}

static int tp_collect(void *state, vigie_host_ctx *ctx) {
        struct tp *t = state;
        const struct vigie_host *h = t->host;
        const char *kind[] = {"kind"};
        const char *a[] = {"a"};
        atomic_store(&t->interrupted, false);
        t->collects++;
        if (strcmp(t->mode, "hang") == 0)
                for (;;) /* interrupt or not */
                        (void) nanosleep(&(struct timespec){.tv_sec = 1}, NULL);
        if (t->sleep_ms)
                nap(t, t->sleep_ms);
        if (atomic_load(&t->interrupted))
                return -EINTR;
        int r = h->family(ctx, "tp_value", "A test plugin's value.", VIGIE_GAUGE, 1, kind);
        if (r >= 0)
                r = h->sample(ctx, 1, 1, a);
        if (r >= 0 && (r = h->family(ctx, "tp_collects_total", "Collects.", VIGIE_COUNTER, 0, NULL)) >= 0)
                r = h->sample(ctx, t->collects, 0, NULL);
        if (r < 0)
                return r;
        if (strcmp(t->mode, "half") == 0)
                return -EIO;
        if (strcmp(t->mode, "labels") == 0) {
                const char *two[] = {"a", "b"};
                (void) h->family(ctx, "tp_bad", "Wrong label count.", VIGIE_GAUGE, 1, kind);
                (void) h->sample(ctx, 1, 2, two); /* refused: the collect fails whatever it returns */
                return 0;
        }
        if (strcmp(t->mode, "utf8") == 0) {
                const char *bad[] = {"caf\xe9"};
                (void) h->family(ctx, "tp_bad", "Invalid UTF-8.", VIGIE_GAUGE, 1, kind);
                (void) h->sample(ctx, 1, 1, bad);
                return 0;
        }
        if (strcmp(t->mode, "dup") == 0) {
                (void) h->family(ctx, "tp_value", "A test plugin's value.", VIGIE_GAUGE, 1, kind);
                (void) h->sample(ctx, 2, 1, a);
                return 0;
        }
        if (strcmp(t->mode, "clash") == 0) {
                (void) h->family(ctx, "fake_builtin", "Not the built-in's help.", VIGIE_COUNTER, 0, NULL);
                (void) h->sample(ctx, 1, 0, NULL);
                return 0;
        }
        if (VIGIE_HOST_HAS(h, sample_suffix)) {
                const char *le1[] = {"0.1"}, *inf[] = {"+Inf"};
                const char *le[] = {"le"};
                if ((r = h->family(ctx, "tp_latency_seconds", "Latency.", VIGIE_HISTOGRAM, 1, le)) >= 0 &&
                    (r = h->sample_suffix(ctx, VIGIE_SUFFIX_BUCKET, 3, 1, le1)) >= 0 &&
                    (r = h->sample_suffix(ctx, VIGIE_SUFFIX_BUCKET, 5, 1, inf)) >= 0 &&
                    (r = h->family(ctx, "tp_latency_seconds", "Latency.", VIGIE_HISTOGRAM, 0, NULL)) >= 0 &&
                    (r = h->sample_suffix(ctx, VIGIE_SUFFIX_SUM, 0.4, 0, NULL)) >= 0)
                        r = h->sample_suffix(ctx, VIGIE_SUFFIX_COUNT, 5, 0, NULL);
        } else if ((r = h->family(ctx, "tp_degraded", "An older host: no histogram.", VIGIE_GAUGE, 0, NULL)) >= 0)
                r = h->sample(ctx, 1, 0, NULL); /* a 1.0 host: the histogram left out */
        return r;
}

static void tp_free(void *state) {
        struct tp *t = state;
        note(t, "free");
        free(t);
}

static void tp_interrupt(void *state) {
        struct tp *t = state;
        atomic_store(&t->interrupted, true);
}

#ifdef TP_NEWER
/* a descriptor of a later minor, with a field this host does not know */
static const struct {
        struct vigie_plugin base;
        void (*future)(void *state);
} tp = {
        {.size = sizeof(tp),
         .abi_major = 1,
         .abi_minor = 9,
         .name = "testplug",
         .version = "9",
         .init = tp_init,
         .collect = tp_collect,
         .free = tp_free,
         .interrupt = tp_interrupt},
        TP_NEWER ? tp_free : NULL,
};
#define TP_DESC (&tp.base)
#else
static const struct vigie_plugin tp = {
        .size = sizeof(struct vigie_plugin),
        .abi_major = TP_MAJOR,
        .abi_minor = TP_MINOR,
        .name = "testplug",
        .version = "1",
#ifdef TP_FLAGS
        .flags = UINT64_C(1) << 40,
#endif
        .init = tp_init,
        .collect = tp_collect,
        .free = tp_free,
        .interrupt = tp_interrupt,
};
#define TP_DESC (&tp)
#endif

#if defined(TP_ENTRY_V2)
VIGIE_PLUGIN_EXPORT const struct vigie_plugin *vigie_plugin_v2(const struct vigie_host *host, vigie_host_ctx *ctx);
VIGIE_PLUGIN_EXPORT const struct vigie_plugin *vigie_plugin_v2(const struct vigie_host *host, vigie_host_ctx *ctx) {
        (void) host;
        (void) ctx;
        return TP_DESC;
}
#elif !defined(TP_NOENTRY)
VIGIE_PLUGIN_EXPORT const struct vigie_plugin *vigie_plugin_v1(const struct vigie_host *host, vigie_host_ctx *ctx) {
        (void) host;
        (void) ctx;
        return TP_DESC;
}
#else
VIGIE_PLUGIN_EXPORT int tp_not_an_entry(void);
VIGIE_PLUGIN_EXPORT int tp_not_an_entry(void) {
        return TP_DESC->size;
}
#endif
