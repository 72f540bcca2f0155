/* vigie's plugin ABI: the one header a plugin is built with (C99; it
 * links no symbol of the agent). A plugin is a shared object exporting
 * one function, vigie_plugin_v1, which receives the host's function table
 * and returns the plugin's descriptor. Both structs start with their own
 * size and ABI version and only ever grow at their end: a field, once
 * released, keeps its offset, type and meaning for the whole major
 * version. A change of meaning is a new major version, with a new entry
 * point name (vigie_plugin_v2).
 *
 * The promise, for ABI 1:
 * - the host's table never has a NULL slot: a call this host does not
 *   implement is a stub returning -ENOSYS. A plugin built against a newer
 *   minor checks VIGIE_HOST_HAS(host, field) before a slot that its host
 *   may not have, and degrades without it;
 * - the host copies every string and value it is given, at call time:
 *   neither side frees or keeps the other's memory;
 * - what collect emits is published only when it returns 0; an error, a
 *   call refused by the host or a collect past its deadline publishes
 *   nothing of that collect;
 * - init, collect and free of one instance run on one thread of its own,
 *   never two at once; interrupt (optional) is called from another thread
 *   while collect runs past its deadline, and must only make it return
 *   (it may come just as collect returns: what it sets, the next collect
 *   clears at its start). */
#ifndef VIGIE_PLUGIN_H
#define VIGIE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VIGIE_PLUGIN_ABI_MAJOR 1
#define VIGIE_PLUGIN_ABI_MINOR 1

/* Marks the entry point as exported, whatever -fvisibility the plugin is
 * built with. */
#if defined(__GNUC__)
#define VIGIE_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define VIGIE_PLUGIN_EXPORT
#endif

/* Metric types (family's type). */
#define VIGIE_GAUGE 0
#define VIGIE_COUNTER 1
#define VIGIE_UNTYPED 2
#define VIGIE_HISTOGRAM 3
#define VIGIE_SUMMARY 4

/* What follows a histogram's or summary's name (sample_suffix's suffix). */
#define VIGIE_SUFFIX_NONE 0
#define VIGIE_SUFFIX_BUCKET 1
#define VIGIE_SUFFIX_SUM 2
#define VIGIE_SUFFIX_COUNT 3

/* log's levels. */
#define VIGIE_LOG_ERROR 0
#define VIGIE_LOG_WARN 1
#define VIGIE_LOG_INFO 2
#define VIGIE_LOG_DEBUG 3

/* The host's side of one plugin instance, opaque to the plugin. */
typedef struct vigie_host_ctx vigie_host_ctx;

/* The host's function table. Every call returns 0 or a negative errno
 * unless said otherwise, and takes the ctx the plugin was given. */
struct vigie_host {
        uint32_t size; /* sizeof the host's table */
        uint16_t abi_major;
        uint16_t abi_minor;

        /* --- 1.0 --- */
        /* The value of key in the plugin's own [plugin.NAME] section, or
         * NULL; valid until the plugin's free returns. */
        const char *(*config_get)(vigie_host_ctx *ctx, const char *key);
        /* One line in the agent's log, the plugin's name in front. */
        void (*log)(vigie_host_ctx *ctx, int level, const char *message);
        /* During collect: starts a family. name and label names as
         * Prometheus has them; help one line of UTF-8. */
        int (*family)(vigie_host_ctx *ctx, const char *name, const char *help, int type, unsigned n_labels,
                      const char *const *label_names);
        /* During collect: a sample of the family started last, its label
         * values by position (n_values must be the family's n_labels). */
        int (*sample)(vigie_host_ctx *ctx, double value, unsigned n_values, const char *const *label_values);

        /* --- 1.1 --- */
        /* During collect: a _bucket (le as its last label value), _sum or
         * _count sample of the histogram or summary started last. */
        int (*sample_suffix)(vigie_host_ctx *ctx, int suffix, double value, unsigned n_values,
                             const char *const *label_values);
};

/* Whether host's table has the slot field (a newer minor's). */
#define VIGIE_HOST_HAS(host, field) ((host)->size >= offsetof(struct vigie_host, field) + sizeof((host)->field))

/* No flag is defined in ABI 1.1: a host refuses a plugin that sets one it
 * does not know, rather than ignore what it may mean. */
#define VIGIE_PLUGIN_FLAGS_KNOWN UINT64_C(0)

/* The plugin's descriptor, returned by the entry point; it must stay
 * valid (static) for as long as the shared object is loaded. */
struct vigie_plugin {
        uint32_t size; /* sizeof(struct vigie_plugin) as the plugin was built */
        uint16_t abi_major;
        uint16_t abi_minor;
        const char *name;    /* for messages */
        const char *version; /* the plugin's own */
        uint64_t flags;      /* VIGIE_PLUGIN_FLAGS_KNOWN only */
        /* Reads the plugin's keys (config_get), returns its state. */
        int (*init)(vigie_host_ctx *ctx, const struct vigie_host *host, void **ret_state);
        /* Emits one snapshot through host->family and host->sample. */
        int (*collect)(void *state, vigie_host_ctx *ctx);
        void (*free)(void *state);
        /* Optional (NULL): makes a collect past its deadline return soon. */
        void (*interrupt)(void *state);
};

/* The entry point, by this name. NULL refuses to load (say why with
 * host->log first). */
#define VIGIE_PLUGIN_ENTRY vigie_plugin_v1
typedef const struct vigie_plugin *(*vigie_plugin_entry_fn)(const struct vigie_host *host, vigie_host_ctx *ctx);
VIGIE_PLUGIN_EXPORT const struct vigie_plugin *vigie_plugin_v1(const struct vigie_host *host, vigie_host_ctx *ctx);

/* Fills in the size and ABI version a plugin was built with. */
#define VIGIE_PLUGIN_INIT                                                                                              \
        .size = sizeof(struct vigie_plugin), .abi_major = VIGIE_PLUGIN_ABI_MAJOR, .abi_minor = VIGIE_PLUGIN_ABI_MINOR

#ifdef __cplusplus
}
#endif

#endif
