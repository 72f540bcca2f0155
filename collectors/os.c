/* os: node_os_info and node_os_version from os-release(5), read under
 * --path.rootfs: etc/os-release, or usr/lib/os-release when absent. As in
 * node_exporter, the file is parsed again only when stat() says it
 * changed (an upgrade replaces it); a scrape costs one stat() otherwise. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fileio.h"
#include "parse.h"

/* os-release keys, in the label order of node_os_info */
static const char *const os_keys[] = {"BUILD_ID",      "ID",      "ID_LIKE",          "IMAGE_ID",
                                      "IMAGE_VERSION", "NAME",    "PRETTY_NAME",      "VARIANT",
                                      "VARIANT_ID",    "VERSION", "VERSION_CODENAME", "VERSION_ID"};
#define N_OS_KEYS ELEMENTSOF(os_keys)
enum { K_ID = 1, K_ID_LIKE = 2, K_NAME = 5, K_VERSION_ID = 11 };

static const char *const os_labels[N_OS_KEYS] = {"build_id",      "id",      "id_like",          "image_id",
                                                 "image_version", "name",    "pretty_name",      "variant",
                                                 "variant_id",    "version", "version_codename", "version_id"};
static const struct metric_desc os_info_desc = {
        "node_os_info",
        "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, "
        "pretty_name, variant, variant_id, version, version_codename, version_id.",
        METRIC_GAUGE, N_OS_KEYS, os_labels};
static const char *const version_labels[] = {"id", "id_like", "name"};
static const struct metric_desc os_version_desc = {"node_os_version",
                                                   "Metric containing the major.minor part of the OS version.",
                                                   METRIC_GAUGE, 3, version_labels};

struct os_state {
        const char *rootfs;
        struct file_stamp etc_stamp, lib_stamp; /* etc/os-release, usr/lib/os-release */
        bool parsed;                            /* what follows holds for those stamps */
        int result;
        unsigned parse_errors; /* lines the parse skipped, counted again at each scrape */
        struct buf file;
        struct buf values; /* the unquoted values, NUL-separated */
        size_t offs[N_OS_KEYS];
        bool have[N_OS_KEYS];
};

static int os_init(const struct collector_env *env, _unused_ const struct config_section *section,
                   _unused_ struct diag *diag, void **ret_state) {
        struct os_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->rootfs = env->rootfs;
        *ret_state = s;
        return 0;
}

static void os_free(void *state) {
        struct os_state *s = state;
        if (!s)
                return;
        buf_free(&s->file);
        buf_free(&s->values);
        free(s);
}

/* Shell-style value: "double" (with \" \\ \$ \` escapes), 'single' or bare.
 * Appends the value and a NUL to out; -EINVAL for an unclosed quote. */
static int os_unquote(const char *v, size_t n, struct buf *out) {
        if (n > 0 && (v[0] == '"' || v[0] == '\'')) {
                char q = v[0];
                size_t i = 1;
                for (; i < n && v[i] != q; i++) {
                        if (q == '"' && v[i] == '\\' && i + 1 < n && strchr("\"\\$`", v[i + 1]))
                                i++;
                        buf_putc(out, v[i]);
                }
                if (i != n - 1)
                        return -EINVAL;
        } else
                buf_put(out, v, n);
        buf_putc(out, '\0');
        return 0;
}

/* The major.minor part of VERSION_ID ("12", "22.04", "9.2.1" -> 9.2), or -1. */
static double os_version_number(const char *v) {
        size_t a = strspn(v, "0123456789");
        if (a == 0)
                return -1;
        size_t b = v[a] == '.' ? strspn(v + a + 1, "0123456789") : 0;
        char tmp[64];
        size_t n = a + (b ? b + 1 : 0);
        if (n >= sizeof(tmp))
                return -1;
        memcpy(tmp, v, n);
        tmp[n] = '\0';
        return strtod(tmp, NULL);
}

/* Reads and parses os-release into s->values, s->offs and s->have. */
static int os_parse(struct os_state *s) {
        s->parse_errors = 0;
        int r = read_file_at(s->rootfs, "etc/os-release", FILE_MAX_SMALL, &s->file);
        if (r == -ENOENT)
                r = read_file_at(s->rootfs, "usr/lib/os-release", FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r;

        memset(s->have, 0, sizeof(s->have));
        buf_reset(&s->values);
        buf_putc(&s->values, '\0'); /* offset 0: the empty value of a missing key */
        struct lines lines = lines_of(&s->file, &s->parse_errors);
        const char *line;
        size_t len;
        while (lines_next(&lines, &line, &len)) {
                while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
                        len--;
                if (len == 0 || line[0] == '#')
                        continue;
                const char *eq = memchr(line, '=', len);
                if (!eq) {
                        s->parse_errors++;
                        continue;
                }
                size_t kl = (size_t) (eq - line);
                for (size_t k = 0; k < N_OS_KEYS; k++) {
                        if (strlen(os_keys[k]) != kl || memcmp(os_keys[k], line, kl) != 0)
                                continue;
                        size_t off = s->values.len;
                        if (os_unquote(eq + 1, len - kl - 1, &s->values) < 0) {
                                s->values.len = off;
                                s->parse_errors++;
                        } else {
                                s->offs[k] = off; /* a later assignment wins, as in a shell */
                                s->have[k] = true;
                        }
                        break;
                }
        }
        return s->values.error;
}

static int os_collect(void *state, struct collect_ctx *ctx) {
        struct os_state *s = state;
        /* usr/lib/os-release counts only while etc/os-release is missing
         * (stat follows etc's usual symlink to it) */
        bool same = file_stamp_unchanged(&s->etc_stamp, s->rootfs, "etc/os-release");
        if (s->etc_stamp.err == ENOENT)
                same = file_stamp_unchanged(&s->lib_stamp, s->rootfs, "usr/lib/os-release") && same;
        if (!s->parsed || !same) {
                s->result = os_parse(s);
                /* kept until the file changes; running out of memory or
                 * a read fault (EIO, a read cut short) is not what the
                 * file says, so the next scrape tries again */
                s->parsed = s->result != -ENOMEM && !fileio_fault_counted(s->result);
        }
        ctx->parse_errors += s->parse_errors; /* as when the file was read at every scrape */
        if (s->result < 0)
                return s->result;

        const char *values[N_OS_KEYS];
        for (size_t k = 0; k < N_OS_KEYS; k++)
                values[k] = s->values.data + (s->have[k] ? s->offs[k] : 0);
        (void) metric_set_family(ctx->set, &os_info_desc);
        (void) metric_set_sample(ctx->set, 1, values);
        double version = os_version_number(values[K_VERSION_ID]);
        if (version >= 0) {
                (void) metric_set_family(ctx->set, &os_version_desc);
                (void) metric_set_sample(ctx->set, version,
                                         (const char *const[]){values[K_ID], values[K_ID_LIKE], values[K_NAME]});
        }
        return ctx->set->error;
}

const struct collector os_collector = {
        .name = "os",
        .help = "Operating system name and version, from os-release",
        .default_enabled = true,
        .init = os_init,
        .collect = os_collect,
        .free = os_free,
};
