/* entropy: the kernel's random pool, node_entropy_available_bits and
 * node_entropy_pool_size_bits, from /proc/sys/kernel/random/ as
 * node_exporter 1.5. */
#include <errno.h>
#include <stdlib.h>

#include "collector.h"
#include "optional_file.h"

static const struct {
        const char *rel;
        struct metric_desc desc;
} entropy_files[] = {
        {"sys/kernel/random/entropy_avail",
         {"node_entropy_available_bits", "Bits of available entropy.", METRIC_GAUGE, 0, NULL}},
        {"sys/kernel/random/poolsize", {"node_entropy_pool_size_bits", "Bits of entropy pool.", METRIC_GAUGE, 0, NULL}},
};

struct entropy_state {
        const char *procfs;
        struct optional_file files[ELEMENTSOF(entropy_files)];
        struct buf file;
};

static int entropy_init(const struct collector_env *env, _unused_ const struct config_section *section,
                        _unused_ struct diag *diag, void **ret_state) {
        struct entropy_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void entropy_free(void *state) {
        struct entropy_state *s = state;
        if (!s)
                return;
        for (size_t i = 0; i < ELEMENTSOF(s->files); i++)
                optional_file_close(&s->files[i]);
        buf_free(&s->file);
        free(s);
}

static int entropy_collect(void *state, struct collect_ctx *ctx) {
        struct entropy_state *s = state;
        int first_error = 0;
        bool any = false;
        for (size_t i = 0; i < ELEMENTSOF(entropy_files); i++) {
                uint64_t v;
                int r = optional_file_read_u64(&s->files[i], s->procfs, entropy_files[i].rel, &s->file, &v);
                if (r == -EBADMSG)
                        ctx->parse_errors++;
                if (r < 0) {
                        first_error = first_error ? first_error : r == -EBADMSG ? -EINVAL : r;
                        continue;
                }
                any = true;
                (void) metric_set_family(ctx->set, &entropy_files[i].desc);
                (void) metric_set_sample0(ctx->set, (double) v);
        }
        if (!any)
                return first_error;
        return ctx->set->error;
}

const struct collector entropy_collector = {
        .name = "entropy",
        .help = "Available entropy and pool size, from /proc/sys/kernel/random",
        .default_enabled = true,
        .init = entropy_init,
        .collect = entropy_collect,
        .free = entropy_free,
};
