/* The host's side of the plugin ABI (include/vigie-plugin.h): loading a
 * shared object, checking what it says of itself against this host's ABI,
 * and the function table whose calls land in a staging set. Used by the
 * plugin collector (in the agent) and by vigie-plugin-run (a plugin in a
 * process of its own). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config_section.h"
#include "desc_cache.h"
#include "metric.h"
#include "vigie-plugin.h"

/* What a plugin's calls reach: one instance's keys and staging set. */
struct vigie_host_ctx {
        char *name;                       /* the instance's, [plugin.NAME] */
        struct config_section section;    /* its keys, the host's own copy */
        struct metric_set staging;        /* what the collect running builds */
        struct desc_cache descs;          /* its families, by value */
        const struct metric_desc *family; /* started last in this collect */
        bool collecting;
        int error;     /* the first call refused during this collect */
        char why[256]; /* and why */
        size_t max_series;
};

/* This host's table, ABI 1.1. */
extern const struct vigie_host plugin_host_table;
/* The table a 1.0 host had (without sample_suffix), for the tests of a
 * newer plugin in an older host. */
extern const struct vigie_host plugin_host_table_1_0;

/* Sets ctx up for instance name with a copy of section (NULL: no keys). */
int plugin_ctx_init(struct vigie_host_ctx *ctx, const char *name, const struct config_section *section,
                    size_t max_series);
void plugin_ctx_free(struct vigie_host_ctx *ctx);
/* Around one collect: empties the staging set; then says what the collect
 * amounts to: r, or the first refused call's error (why in ctx->why). */
void plugin_ctx_begin(struct vigie_host_ctx *ctx);
int plugin_ctx_end(struct vigie_host_ctx *ctx, int r);

/* Loads path (never unloaded) and takes its descriptor, copied into ret
 * as this host knows it. A refusal: -ENOEXEC (or dlopen's failure as
 * -ENOENT) with a message naming the plugin, both versions and what to
 * do in err. */
int plugin_load(const char *path, const struct vigie_host *table, struct vigie_host_ctx *ctx, struct vigie_plugin *ret,
                char *err, size_t size);
