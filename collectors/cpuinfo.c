/* /proc/cpuinfo for the cpu collector's info option (cpuinfo.h). */
#include "cpuinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "parse.h"

/* node_exporter 1.5's labels, in its order, and the cpuinfo field of each
 * (cpu is the processor line's number) */
enum {
        L_PACKAGE,
        L_CORE,
        L_CPU,
        L_VENDOR,
        L_FAMILY,
        L_MODEL,
        L_MODEL_NAME,
        L_MICROCODE,
        L_STEPPING,
        L_CACHE,
        N_LABELS
};
static const char *const info_labels[N_LABELS] = {
        "package", "core", "cpu", "vendor", "family", "model", "model_name", "microcode", "stepping", "cachesize",
};
static const char *const info_fields[N_LABELS] = {
        "physical id", "core id",    "processor", "vendor_id", "cpu family",
        "model",       "model name", "microcode", "stepping",  "cache size",
};
static const struct metric_desc info_desc = {"node_cpu_info", "CPU information from /proc/cpuinfo.", METRIC_GAUGE,
                                             N_LABELS, info_labels};
static const char *const flag_label[] = {"flag"};
static const struct metric_desc flag_desc = {
        "node_cpu_flag_info", "The `flags` field of CPU information from /proc/cpuinfo taken from the first core.",
        METRIC_GAUGE, 1, flag_label};
static const char *const bug_label[] = {"bug"};
static const struct metric_desc bug_desc = {
        "node_cpu_bug_info", "The `bugs` field of CPU information from /proc/cpuinfo taken from the first core.",
        METRIC_GAUGE, 1, bug_label};

/* Larger numbers are garbage rather than processors: Linux caps NR_CPUS at 8192. */
#define MAX_PROCESSOR 65535

/* One processor's block as read: its fields, in the file. */
struct cpuinfo_block {
        struct field v[N_LABELS];
        struct field flags, bugs;
        bool valid; /* its processor line was a number not seen before */
};

int cpuinfo_init(struct cpuinfo *c, const struct config_section *section, struct diag *diag) {
        *c = (struct cpuinfo){0};
        int r = filter_from_config(&c->flags, section, "info_flags_include", NULL, NULL, NULL, diag);
        if (r < 0)
                return r;
        r = filter_from_config(&c->bugs, section, "info_bugs_include", NULL, NULL, NULL, diag);
        if (r < 0)
                filter_free(&c->flags);
        return r;
}

void cpuinfo_free(struct cpuinfo *c) {
        filter_free(&c->flags);
        filter_free(&c->bugs);
        kernel_file_close(&c->file);
        buf_free(&c->text);
        buf_free(&c->values);
        free(c->seen);
}

/* The words of a flags or bugs line that f passes, one series each (a
 * word twice once, the second counted). */
static void cpuinfo_words(struct cpuinfo *c, struct filter *f, const struct metric_desc *desc, struct field line,
                          struct collect_ctx *ctx) {
        buf_reset(&c->values);
        const char *p = line.s, *end = line.s + line.n;
        while (p < end) {
                while (p < end && (*p == ' ' || *p == '\t'))
                        p++;
                const char *w = p;
                while (p < end && *p != ' ' && *p != '\t')
                        p++;
                if (p == w)
                        break;
                size_t off = c->values.len, len = (size_t) (p - w);
                bool twice = false;
                for (size_t o = 0; o < off && !twice; o += strlen(c->values.data + o) + 1)
                        twice = strlen(c->values.data + o) == len && memcmp(c->values.data + o, w, len) == 0;
                if (twice) {
                        ctx->parse_errors++;
                        continue;
                }
                buf_put(&c->values, w, len);
                buf_putc(&c->values, '\0');
        }
        if (c->values.error < 0)
                return;
        bool family = false;
        for (size_t o = 0; o < c->values.len; o += strlen(c->values.data + o) + 1) {
                const char *word = c->values.data + o;
                if (!filter_pass(f, word))
                        continue;
                if (!family)
                        (void) metric_set_family(ctx->set, desc);
                family = true;
                (void) metric_set_sample1(ctx->set, 1, word);
        }
}

/* One block's node_cpu_info series. */
static void cpuinfo_emit(struct cpuinfo *c, const struct cpuinfo_block *b, struct collect_ctx *ctx) {
        buf_reset(&c->values);
        size_t offs[N_LABELS];
        for (size_t i = 0; i < N_LABELS; i++) {
                offs[i] = c->values.len;
                buf_put(&c->values, b->v[i].s ? b->v[i].s : "", b->v[i].n);
                buf_putc(&c->values, '\0');
        }
        if (c->values.error < 0)
                return;
        const char *values[N_LABELS];
        for (size_t i = 0; i < N_LABELS; i++)
                values[i] = c->values.data + offs[i];
        (void) metric_set_sample(ctx->set, 1, values);
}

/* The block just read, at the next processor line or the file's end: its
 * series (the family started with the first), and the first one kept for
 * its flags and bugs. */
static void cpuinfo_end_block(struct cpuinfo *c, const struct cpuinfo_block *b, struct cpuinfo_block *first,
                              struct collect_ctx *ctx) {
        if (!b->valid)
                return;
        if (!first->valid) {
                (void) metric_set_family(ctx->set, &info_desc);
                *first = *b;
        }
        cpuinfo_emit(c, b, ctx);
}

/* The processor line's number starts a block: valid unless garbage or seen. */
static int cpuinfo_start(struct cpuinfo *c, struct cpuinfo_block *b, struct field value, struct collect_ctx *ctx) {
        *b = (struct cpuinfo_block){0};
        uint64_t id;
        if (parse_u64_field(value, &id) < 0 || id > MAX_PROCESSOR) {
                ctx->parse_errors++;
                return 0;
        }
        if (array_reserve((void **) &c->seen, &c->cap_seen, (size_t) id + 1, 1) < 0)
                return -ENOMEM;
        if (c->seen[id]) {
                ctx->parse_errors++;
                return 0;
        }
        c->seen[id] = 1;
        b->valid = true;
        return 0;
}

int cpuinfo_collect(struct cpuinfo *c, const char *procfs, struct collect_ctx *ctx) {
        int r = kernel_file_read(&c->file, procfs, "cpuinfo", FILE_MAX_TABLE, &c->text);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                ctx->parse_errors += r != -ENOENT; /* past 16 MiB, a read error */
                return 0;
        }
        if (c->seen)
                memset(c->seen, 0, c->cap_seen);
        struct cpuinfo_block b = {0}, first = {0};
        struct lines lines = lines_of(&c->text, &ctx->parse_errors);
        const char *line;
        size_t len;
        while (lines_next(&lines, &line, &len)) {
                /* "model name\t: AMD EPYC": the key, its padding, ':' and one space */
                const char *colon = memchr(line, ':', len);
                if (!colon)
                        continue;
                size_t key_len = (size_t) (colon - line);
                while (key_len > 0 && (line[key_len - 1] == '\t' || line[key_len - 1] == ' '))
                        key_len--;
                const char *v = colon + 1, *end = line + len;
                if (v < end && *v == ' ')
                        v++;
                struct field value = {v, (size_t) (end - v)};
                if (key_len == 9 && memcmp(line, "processor", 9) == 0) {
                        cpuinfo_end_block(c, &b, &first, ctx);
                        if ((r = cpuinfo_start(c, &b, value, ctx)) < 0)
                                return r;
                }
                if (!b.valid)
                        continue; /* before the first processor, or in a skipped one */
                for (size_t i = 0; i < N_LABELS; i++)
                        if (strlen(info_fields[i]) == key_len && memcmp(line, info_fields[i], key_len) == 0)
                                b.v[i] = value;
                if (key_len == 5 && memcmp(line, "flags", 5) == 0)
                        b.flags = value;
                else if (key_len == 4 && memcmp(line, "bugs", 4) == 0)
                        b.bugs = value;
        }
        cpuinfo_end_block(c, &b, &first, ctx);
        if (first.valid && c->flags.include_re)
                cpuinfo_words(c, &c->flags, &flag_desc, first.flags, ctx);
        if (first.valid && c->bugs.include_re)
                cpuinfo_words(c, &c->bugs, &bug_desc, first.bugs, ctx);
        return 0;
}
