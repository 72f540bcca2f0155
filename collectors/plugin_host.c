/* The plugin ABI's host side (plugin_host.h). A plugin links none of the
 * agent's symbols: everything it can do is a slot of the table below, and
 * every slot copies what it is given into the instance's staging set at
 * once, so that the plugin may free or reuse its strings as soon as the
 * call returns. A call refused (outside collect, wrong label count) makes
 * the whole collect fail: nothing of it is published. */
#include "plugin_host.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"

static const enum metric_type types[] = {
        [VIGIE_GAUGE] = METRIC_GAUGE,         [VIGIE_COUNTER] = METRIC_COUNTER, [VIGIE_UNTYPED] = METRIC_UNTYPED,
        [VIGIE_HISTOGRAM] = METRIC_HISTOGRAM, [VIGIE_SUMMARY] = METRIC_SUMMARY,
};

/* The first refusal of a collect is kept, with why. */
static int refuse(vigie_host_ctx *ctx, int err, const char *fmt, ...) _printf_(3, 4);
static int refuse(vigie_host_ctx *ctx, int err, const char *fmt, ...) {
        if (ctx->error == 0) {
                va_list ap;
                va_start(ap, fmt);
                (void) vsnprintf(ctx->why, sizeof(ctx->why), fmt, ap);
                va_end(ap);
                ctx->error = err;
        }
        return err;
}

static const char *host_config_get(vigie_host_ctx *ctx, const char *key) {
        const struct config_entry *e = key ? config_section_get(&ctx->section, key) : NULL;
        return e ? e->value : NULL;
}

static void host_log(vigie_host_ctx *ctx, int level, const char *message) {
        enum log_level l = level <= VIGIE_LOG_ERROR  ? LOG_LEVEL_ERROR
                           : level == VIGIE_LOG_WARN ? LOG_LEVEL_WARN
                           : level == VIGIE_LOG_INFO ? LOG_LEVEL_INFO
                                                     : LOG_LEVEL_DEBUG;
        /* one line: what a plugin writes cannot start records of its own */
        char line[512];
        size_t n = 0;
        for (const char *p = message ? message : ""; *p && n + 1 < sizeof(line); p++)
                line[n++] = *p == '\n' || *p == '\r' ? ' ' : *p;
        line[n] = '\0';
        log_msg(l, "plugin %s: %s", ctx->name, line);
}

static int host_family(vigie_host_ctx *ctx, const char *name, const char *help, int type, unsigned n_labels,
                       const char *const *label_names) {
        if (!ctx->collecting)
                return refuse(ctx, -EPERM, "family() called outside collect");
        ctx->family = NULL;
        if (!name)
                return refuse(ctx, -EINVAL, "family() without a name");
        if (type < 0 || (size_t) type >= ELEMENTSOF(types))
                return refuse(ctx, -EINVAL, "family '%.100s': type %d is none of VIGIE_GAUGE..VIGIE_SUMMARY", name,
                              type);
        if (n_labels > METRIC_MAX_LABELS)
                return refuse(ctx, -EINVAL, "family '%.100s': %u labels, more than %d", name, n_labels,
                              METRIC_MAX_LABELS);
        for (unsigned i = 0; i < n_labels; i++)
                if (!label_names || !label_names[i])
                        return refuse(ctx, -EINVAL, "family '%.100s': label name %u is NULL", name, i);
        /* the cache copies the strings and keeps one descriptor per value */
        const struct metric_desc *d =
                desc_cache_get(&ctx->descs, name, help ? help : "", types[type], n_labels, label_names);
        if (!d || metric_set_family(&ctx->staging, d) < 0)
                return refuse(ctx, -ENOMEM, "out of memory");
        ctx->family = d;
        return 0;
}

static int add_sample(vigie_host_ctx *ctx, int suffix, double value, unsigned n_values, const char *const *values) {
        if (!ctx->collecting)
                return refuse(ctx, -EPERM, "sample() called outside collect");
        const struct metric_desc *d = ctx->family;
        if (!d)
                return refuse(ctx, -EINVAL, "sample() before a family");
        if (n_values != d->n_labels)
                return refuse(ctx, -EINVAL, "family '%s': a sample with %u label values for %u label names", d->name,
                              n_values, d->n_labels);
        for (unsigned i = 0; i < n_values; i++)
                if (!values || !values[i])
                        return refuse(ctx, -EINVAL, "family '%s': label value %u is NULL", d->name, i);
        if (ctx->max_series && ctx->staging.n_samples >= ctx->max_series)
                return refuse(ctx, -E2BIG, "more than %zu series", ctx->max_series);
        if (metric_set_sample_suffix(&ctx->staging, value, values, (enum metric_suffix) suffix) < 0)
                return refuse(ctx, -ENOMEM, "out of memory");
        return 0;
}

static int host_sample(vigie_host_ctx *ctx, double value, unsigned n_values, const char *const *values) {
        return add_sample(ctx, METRIC_SUFFIX_NONE, value, n_values, values);
}

static int host_sample_suffix(vigie_host_ctx *ctx, int suffix, double value, unsigned n_values,
                              const char *const *values) {
        const struct metric_desc *d = ctx->family;
        if (suffix < VIGIE_SUFFIX_NONE || suffix > VIGIE_SUFFIX_COUNT)
                return refuse(ctx, -EINVAL, "sample_suffix(): suffix %d is none of VIGIE_SUFFIX_*", suffix);
        if (d && suffix != VIGIE_SUFFIX_NONE && d->type != METRIC_HISTOGRAM && d->type != METRIC_SUMMARY)
                return refuse(ctx, -EINVAL,
                              "family '%s': a _bucket, _sum or _count of neither a histogram nor a summary", d->name);
        return add_sample(ctx, suffix, value, n_values, values);
}

const struct vigie_host plugin_host_table = {
        .size = sizeof(struct vigie_host),
        .abi_major = VIGIE_PLUGIN_ABI_MAJOR,
        .abi_minor = VIGIE_PLUGIN_ABI_MINOR,
        .config_get = host_config_get,
        .log = host_log,
        .family = host_family,
        .sample = host_sample,
        .sample_suffix = host_sample_suffix,
};

const struct vigie_host plugin_host_table_1_0 = {
        .size = offsetof(struct vigie_host, sample_suffix),
        .abi_major = 1,
        .abi_minor = 0,
        .config_get = host_config_get,
        .log = host_log,
        .family = host_family,
        .sample = host_sample,
};

int plugin_ctx_init(struct vigie_host_ctx *ctx, const char *name, const struct config_section *section,
                    size_t max_series) {
        *ctx = (struct vigie_host_ctx){.max_series = max_series};
        static const struct config_section none = {.name = (char *) "", .kind = "plugin"};
        if (!(ctx->name = strdup(name)) || config_section_copy(&ctx->section, section ? section : &none) < 0) {
                plugin_ctx_free(ctx);
                return -ENOMEM;
        }
        return 0;
}

void plugin_ctx_free(struct vigie_host_ctx *ctx) {
        free(ctx->name);
        config_section_clear(&ctx->section);
        metric_set_free(&ctx->staging);
        desc_cache_free(&ctx->descs);
        *ctx = (struct vigie_host_ctx){0};
}

void plugin_ctx_begin(struct vigie_host_ctx *ctx) {
        metric_set_reset(&ctx->staging);
        ctx->family = NULL;
        ctx->error = 0;
        ctx->why[0] = '\0';
        ctx->collecting = true;
}

int plugin_ctx_end(struct vigie_host_ctx *ctx, int r) {
        ctx->collecting = false;
        ctx->family = NULL;
        if (r >= 0 && ctx->error < 0)
                r = ctx->error;
        if (r >= 0 && ctx->staging.error < 0) {
                (void) snprintf(ctx->why, sizeof(ctx->why), "out of memory");
                r = ctx->staging.error;
        }
        if (r < 0 && ctx->why[0] == '\0')
                (void) snprintf(ctx->why, sizeof(ctx->why), "collect returned %d (%s)", r,
                                r > -4096 ? strerror(-r) : "not an errno");
        return r < 0 ? r : 0;
}

/* What to do about a plugin built for ABI major, for the messages. */
static const char *advice(unsigned major) {
        return major > VIGIE_PLUGIN_ABI_MAJOR ? "upgrade vigie, or use a build of the plugin for ABI 1"
                                              : "rebuild the plugin against this vigie's vigie-plugin.h";
}

int plugin_load(const char *path, const struct vigie_host *table, struct vigie_host_ctx *ctx, struct vigie_plugin *ret,
                char *err, size_t size) {
        /* RTLD_LOCAL: its symbols stay its own; RTLD_NOW: an undefined one
         * fails here, not at its first call */
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                /* dlerror names the file: "PATH: undefined symbol: x" */
                (void) snprintf(err, size, "cannot load %s", dlerror());
                return -ENOENT;
        }
        /* never dlclose'd: a thread of it may still run, and its
         * destructors are no more trusted than its code */
        vigie_plugin_entry_fn entry;
        *(void **) &entry = dlsym(h, "vigie_plugin_v1");
        if (!entry) {
                for (unsigned major = 2; major <= 9; major++) {
                        char sym[32];
                        (void) snprintf(sym, sizeof(sym), "vigie_plugin_v%u", major);
                        if (dlsym(h, sym)) {
                                (void) snprintf(err, size,
                                                "%s: built for plugin ABI %u (it exports %s); this vigie speaks ABI "
                                                "%u.%u: %s",
                                                path, major, sym, table->abi_major, table->abi_minor, advice(major));
                                return -ENOEXEC;
                        }
                }
                (void) snprintf(err, size,
                                "%s: not a vigie plugin (no vigie_plugin_v1 exported; built with "
                                "VIGIE_PLUGIN_EXPORT from vigie-plugin.h?)",
                                path);
                return -ENOEXEC;
        }
        const struct vigie_plugin *d = entry(table, ctx);
        if (!d) {
                (void) snprintf(err, size, "%s: the plugin refused to load (its own log line says why)", path);
                return -ENOEXEC;
        }
        const char *name = d->size >= offsetof(struct vigie_plugin, name) + sizeof(d->name) && d->name ? d->name : path;
        if (d->abi_major != VIGIE_PLUGIN_ABI_MAJOR) {
                (void) snprintf(err, size, "plugin %s (%s): built for plugin ABI %u.%u, this vigie speaks %u.%u: %s",
                                name, path, d->abi_major, d->abi_minor, table->abi_major, table->abi_minor,
                                advice(d->abi_major));
                return -ENOEXEC;
        }
        if (d->size < offsetof(struct vigie_plugin, interrupt)) {
                (void) snprintf(err, size, "plugin %s (%s): a descriptor of %u bytes, smaller than ABI 1.0's: %s", name,
                                path, d->size, advice(0));
                return -ENOEXEC;
        }
        /* a newer plugin: what this host does not know must be unset */
        for (size_t i = sizeof(*ret); i < d->size; i++)
                if (((const unsigned char *) d)[i] != 0) {
                        (void) snprintf(err, size,
                                        "plugin %s (%s): built for plugin ABI %u.%u, newer than this vigie's %u.%u, "
                                        "and it sets fields this vigie does not know: upgrade vigie, or rebuild the "
                                        "plugin against vigie-plugin.h %u.%u",
                                        name, path, d->abi_major, d->abi_minor, table->abi_major, table->abi_minor,
                                        table->abi_major, table->abi_minor);
                        return -ENOEXEC;
                }
        struct vigie_plugin copy = {0};
        memcpy(&copy, d, d->size < sizeof(copy) ? d->size : sizeof(copy));
        if (copy.flags & ~VIGIE_PLUGIN_FLAGS_KNOWN) {
                (void) snprintf(err, size,
                                "plugin %s (%s): flags 0x%llx that this vigie (plugin ABI %u.%u) does not know; the "
                                "plugin was built for %u.%u: upgrade vigie",
                                name, path, (unsigned long long) (copy.flags & ~VIGIE_PLUGIN_FLAGS_KNOWN),
                                table->abi_major, table->abi_minor, copy.abi_major, copy.abi_minor);
                return -ENOEXEC;
        }
        if (!copy.init || !copy.collect || !copy.free) {
                (void) snprintf(err, size, "plugin %s (%s): its descriptor lacks init, collect or free", name, path);
                return -ENOEXEC;
        }
        if (!copy.name)
                copy.name = name;
        if (!copy.version)
                copy.version = "";
        *ret = copy;
        return 0;
}
