/* interrupts (off by default, as in node_exporter 1.5): each interrupt's
 * count per CPU from /proc/interrupts, as node_exporter 1.5 labels it:
 * node_interrupts_total{cpu,type,info,devices}, type the line's name
 * ("24", "NMI"), info its controller or, for a named one, its
 * description, devices the rest of a numbered one's line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "optional_file.h"
#include "parse.h"

static const char *const interrupt_labels[] = {"cpu", "type", "info", "devices"};
static const struct metric_desc interrupts_desc = {"node_interrupts_total", "Interrupt details.", METRIC_COUNTER, 4,
                                                   interrupt_labels};

struct interrupts_state {
        const char *procfs;
        struct optional_file file_src;
        struct buf file, text; /* text: a line's type, info and devices */
        struct field *fields;  /* a line's, as many as it has */
        size_t cap_fields;
        size_t *names, cap_names; /* this scrape's types (offsets in names_text), to leave a repeat out */
        size_t n_names;
        struct buf names_text;
};

static int interrupts_init(const struct collector_env *env, _unused_ const struct config_section *section,
                           _unused_ struct diag *diag, void **ret_state) {
        struct interrupts_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void interrupts_free(void *state) {
        struct interrupts_state *s = state;
        if (!s)
                return;
        optional_file_close(&s->file_src);
        buf_free(&s->file);
        buf_free(&s->text);
        buf_free(&s->names_text);
        free(s->fields);
        free(s->names);
        free(s);
}

/* The line's fields into s->fields, however many: their number. */
static int interrupts_split(struct interrupts_state *s, const char *line, size_t len) {
        size_t n = 0;
        for (const char *p = line, *end = line + len;;) {
                while (p < end && (*p == ' ' || *p == '\t'))
                        p++;
                if (p == end)
                        return (int) n;
                const char *q = p;
                while (q < end && *q != ' ' && *q != '\t')
                        q++;
                if (array_reserve((void **) &s->fields, &s->cap_fields, n + 1, sizeof(*s->fields)) < 0)
                        return -ENOMEM;
                s->fields[n++] = (struct field){p, (size_t) (q - p)};
                p = q;
        }
}

/* fields [from, n) joined by single blanks, NUL-terminated, into text. */
static void interrupts_join(struct buf *text, const struct field *f, size_t from, size_t n) {
        for (size_t i = from; i < n; i++) {
                if (i > from)
                        buf_putc(text, ' ');
                buf_put(text, f[i].s, f[i].n);
        }
        buf_putc(text, '\0');
}

static bool interrupts_listed(const struct interrupts_state *s, struct field name) {
        for (size_t i = 0; i < s->n_names; i++) {
                const char *seen = s->names_text.data + s->names[i];
                if (strlen(seen) == name.n && memcmp(seen, name.s, name.n) == 0)
                        return true;
        }
        return false;
}

static int interrupts_collect(void *state, struct collect_ctx *ctx) {
        struct interrupts_state *s = state;
        int r = optional_file_read(&s->file_src, s->procfs, "interrupts", false, FILE_MAX_PROC_STAT, &s->file);
        if (r < 0)
                return r;
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len;
        if (!lines_next(&lines, &line, &len))
                return -EINVAL;
        /* "CPU0 CPU1 ...": one column per CPU online */
        int n_cpus = interrupts_split(s, line, len);
        if (n_cpus < 0)
                return n_cpus;
        s->n_names = 0;
        buf_reset(&s->names_text);
        (void) metric_set_family(ctx->set, &interrupts_desc);
        while (lines_next(&lines, &line, &len)) {
                int n = interrupts_split(s, line, len);
                if (n < 0)
                        return n;
                /* the name, a count per CPU and at least one word: ERR and MIS
                 * have a single count and are not exported */
                if (n < n_cpus + 2)
                        continue;
                struct field *f = s->fields;
                struct field name = {f[0].s, f[0].n - 1};
                bool numbered = name.n > 0;
                for (size_t i = 0; i < name.n; i++)
                        numbered = numbered && name.s[i] >= '0' && name.s[i] <= '9';
                uint64_t v;
                bool ok = f[0].s[f[0].n - 1] == ':' && name.n > 0 && !interrupts_listed(s, name);
                for (int c = 1; ok && c <= n_cpus; c++)
                        ok = parse_u64_field(f[c], &v) == 0;
                if (!ok) {
                        ctx->parse_errors++;
                        continue;
                }
                if (array_reserve((void **) &s->names, &s->cap_names, s->n_names + 1, sizeof(*s->names)) < 0)
                        return -ENOMEM;
                s->names[s->n_names++] = s->names_text.len;
                buf_put(&s->names_text, name.s, name.n);
                buf_putc(&s->names_text, '\0');

                buf_reset(&s->text);
                buf_put(&s->text, name.s, name.n); /* the type, without its colon */
                buf_putc(&s->text, '\0');
                size_t info = s->text.len;
                interrupts_join(&s->text, f, (size_t) n_cpus + 1, numbered ? (size_t) n_cpus + 2 : (size_t) n);
                size_t devices = s->text.len;
                interrupts_join(&s->text, f, numbered ? (size_t) n_cpus + 2 : (size_t) n, (size_t) n);
                if (s->text.error < 0 || s->names_text.error < 0)
                        return -ENOMEM;
                for (int c = 0; c < n_cpus; c++) {
                        char cpu[16];
                        (void) snprintf(cpu, sizeof(cpu), "%d", c);
                        (void) parse_u64_field(f[c + 1], &v);
                        const char *values[] = {cpu, s->text.data, s->text.data + info, s->text.data + devices};
                        (void) metric_set_sample(ctx->set, (double) v, values);
                }
        }
        return ctx->set->error;
}

const struct collector interrupts_collector = {
        .name = "interrupts",
        .help = "Each interrupt's count per CPU, from /proc/interrupts (off by default)",
        .default_enabled = false,
        .init = interrupts_init,
        .collect = interrupts_collect,
        .free = interrupts_free,
};
