/* Writes the scdoc source of a man page: the hand-written template with
 * its %%FLAGS%%, %%COLLECTORS%%, %%COLLECTOR_SWITCHES%%, %%SETTINGS%%,
 * %%COLLECTOR_SECTIONS%% and %%FAMILIES%% lines replaced by what the
 * settings table and the collector registry say, so that the pages list
 * every setting, collector and metric family and never drift from them.
 * The families are what each collector serves when it runs over the
 * fixture trees of the tests (its own cases, and the whole machine of the
 * benchmark), with its defaults and with each true|false option turned,
 * collected twice a second apart where it refreshes or samples on its own
 * clock. A build tool, not installed.
 *   man_source TEMPLATE OUTPUT [FIXTURES]   the page's source
 *   man_source --list                       what the pages must name, a
 *     line each (a true|false option with its default) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array.h"
#include "collector.h"
#include "dirlist.h"
#include "fileio.h"
#include "macro.h"
#include "options.h"
#include "registry.h"
#include "scrape_cache.h"
#include "settings.h"

/* Text as scdoc reads it literally: its markup characters escaped. */
static void put_text(FILE *f, const char *s) {
        for (; *s; s++) {
                if (*s == '\\' || *s == '*' || *s == '_')
                        fputc('\\', f);
                fputc(*s, f);
        }
}

/* Last, with no period after it. A pattern goes on a line of its own,
 * verbatim, so that man neither hyphenates nor breaks it (a reader
 * copies it); in a literal block scdoc wants only backslashes doubled. */
static void put_default(FILE *f, const char *def, const char *indent) {
        if (!def || !def[0])
                return;
        if (!strpbrk(def, "^$|()\\")) {
                fputs(" Default: *", f);
                put_text(f, def);
                fputs("*", f);
                return;
        }
        fprintf(f, " Default:\n\n%s\t```\n%s\t", indent, indent);
        for (const char *p = def; *p; p++) {
                if (*p == '\\')
                        fputc('\\', f);
                fputc(*p, f);
        }
        fprintf(f, "\n%s\t```", indent);
}

static void put_range(FILE *f, const struct setting *s) {
        if (s->type != SETTING_UINT && s->type != SETTING_DURATION_S && s->type != SETTING_DURATION_MS)
                return;
        char range[160];
        settings_describe(s, range, sizeof(range));
        fputs(" It is ", f);
        put_text(f, range);
        fputs(".", f);
}

/* The table's help as a sentence; its first word may be a name
 * (node_exporter's, logfmt), so it keeps its case. */
static void put_sentence(FILE *f, const char *help) {
        put_text(f, help);
        fputs(".", f);
}

/* --flag VALUE, for each setting of the table that has one */
static void write_flags(FILE *f) {
        for (size_t i = 0; i < settings_count; i++) {
                const struct setting *s = &settings[i];
                if (!s->flag)
                        continue;
                const char *value = options_value_name(s->type);
                fputs("*--", f);
                put_text(f, s->flag);
                fputs("*", f);
                if (value[0]) {
                        fputs(" _", f);
                        put_text(f, value + 1);
                        fputs("_", f);
                }
                fputs("\n\t", f);
                put_sentence(f, s->help);
                put_range(f, s);
                fputs(" In the file: *[", f);
                put_text(f, s->section);
                fputs("] ", f);
                put_text(f, s->key);
                fputs("*.", f);
                put_default(f, s->def, "");
                fputs("\n\n", f);
        }
}

static void write_collector_options(FILE *f, const struct collector *c, const char *indent, bool as_flags) {
        for (const struct collector_option *o = c->options; o && o->key; o++) {
                fprintf(f, "%s*", indent);
                if (as_flags) {
                        char flag[128];
                        (void) snprintf(flag, sizeof(flag), "--collector.%s.%s", c->name, o->key);
                        for (char *p = flag + strlen("--collector.") + strlen(c->name); *p; p++)
                                if (*p == '_')
                                        *p = '-';
                        put_text(f, flag);
                } else
                        put_text(f, o->key);
                fprintf(f, "*\n%s\t", indent);
                put_sentence(f, o->help);
                put_default(f, o->def, indent);
                fputs("\n\n", f);
        }
}

/* Each collector, on or off by default, with its options as flags; or,
 * for the file's [collectors] section, as NAME = true|false */
static void write_collectors(FILE *f, bool as_flags) {
        for (size_t i = 0; i < registry_count; i++) {
                const struct collector *c = registry_collectors[i];
                fputs("*", f);
                put_text(f, c->name);
                if (as_flags)
                        fprintf(f, "* (%s by default)\n\t", c->default_enabled ? "on" : "off");
                else
                        fputs("* = _true|false_\n\t", f);
                put_sentence(f, c->help);
                if (!as_flags)
                        put_default(f, c->default_enabled ? "true" : "false", "");
                fputs("\n\n", f);
                if (as_flags)
                        write_collector_options(f, c, "\t", true);
        }
}

/* The file's sections, in the table's order, each key with its flag */
static void write_settings(FILE *f) {
        const char *section = NULL;
        for (size_t i = 0; i < settings_count; i++) {
                const struct setting *s = &settings[i];
                if (!section || strcmp(section, s->section) != 0) {
                        section = s->section;
                        fputs("## [", f);
                        put_text(f, section);
                        fputs("]\n\n", f);
                }
                /* label.NAME = VALUE in the file, NAME=VALUE as a flag */
                const char *value = s->type == SETTING_LABEL ? " VALUE" : options_value_name(s->type);
                fputs("*", f);
                put_text(f, s->key);
                fputs("* = _", f);
                put_text(f, value[0] ? value + 1 : "true|false");
                fputs("_\n\t", f);
                put_sentence(f, s->help);
                put_range(f, s);
                if (s->flags & SETTING_SECRET)
                        fputs(" A secret: *--check-config* shows it as \"(secret)\".", f);
                if (s->flag) {
                        fputs(" Flag: *--", f);
                        put_text(f, s->flag);
                        fputs("*.", f);
                }
                put_default(f, s->def, "");
                fputs("\n\n", f);
        }
}

/* [collector.NAME] sections, for the collectors that have options */
static void write_collector_sections(FILE *f) {
        for (size_t i = 0; i < registry_count; i++) {
                const struct collector *c = registry_collectors[i];
                if (!c->options || !c->options[0].key)
                        continue;
                fputs("## [collector.", f);
                put_text(f, c->name);
                fputs("]\n\n", f);
                write_collector_options(f, c, "", false);
        }
}

/* A family a collector served on a fixture tree, copied: a descriptor
 * that is not static goes with the collector's state. */
struct family {
        size_t collector;           /* its index in the registry */
        char *name, *help, *labels; /* labels: "a,b", or "" */
        enum metric_type type;
};

struct families {
        struct family *v;
        size_t n, cap;
};

static void families_free(struct families *f) {
        for (size_t i = 0; i < f->n; i++) {
                free(f->v[i].name);
                free(f->v[i].help);
                free(f->v[i].labels);
        }
        free(f->v);
        *f = (struct families){0};
}

static bool families_has(const struct families *f, size_t collector, const char *name) {
        for (size_t i = 0; i < f->n; i++)
                if (f->v[i].collector == collector && strcmp(f->v[i].name, name) == 0)
                        return true;
        return false;
}

static int families_add(struct families *f, size_t collector, const struct metric_desc *d) {
        if (families_has(f, collector, d->name))
                return 0;
        if (array_reserve((void **) &f->v, &f->cap, f->n + 1, sizeof(*f->v)) < 0)
                return -ENOMEM;
        struct buf labels = {0};
        buf_puts(&labels, "");
        for (unsigned i = 0; i < d->n_labels; i++) {
                if (i > 0)
                        buf_puts(&labels, ",");
                buf_puts(&labels, d->labels[i]);
        }
        struct family *e = &f->v[f->n];
        *e = (struct family){collector, strdup(d->name), strdup(d->help), labels.data, d->type};
        if (!e->name || !e->help || !e->labels) {
                free(e->name);
                free(e->help);
                free(e->labels);
                return -ENOMEM;
        }
        f->n++;
        return 0;
}

/* A collector started over one fixture tree (ROOT/proc, sys, root,
 * udev), as the agent starts it: with its defaults, or with one boolean
 * option turned the other way (a family only an option turns on). */
struct run {
        const struct collector *c;
        size_t index; /* in the registry */
        char procfs[1024], sysfs[1024], rootfs[1024], udev[1024];
        struct collector_env env;
        struct config_entry entry;
        struct config_section section;
        void *state;
};

struct runs {
        struct run *v;
        size_t n, cap;
};

static void runs_free(struct runs *runs) {
        for (size_t i = 0; i < runs->n; i++)
                runs->v[i].c->free(runs->v[i].state);
        free(runs->v);
        *runs = (struct runs){0};
}

/* One collection, sampled first if the collector samples between
 * scrapes; every family it starts, with samples or not. */
static int run_collect(struct run *run, struct families *ret) {
        if (run->c->sample)
                (void) run->c->sample(run->state);
        struct metric_set set = {0};
        struct scrape_cache cache = {0};
        struct collect_ctx ctx = {.set = &set, .cache = &cache};
        (void) run->c->collect(run->state, &ctx);
        int r = set.error;
        for (size_t i = 0; r == 0 && i < set.n_families; i++)
                r = families_add(ret, run->index, set.families[i].desc);
        scrape_cache_free(&cache);
        metric_set_free(&set);
        return r;
}

/* Starts c over root, with option turned from its default if not NULL,
 * and collects once. A collector with nothing to read there adds nothing.
 * One that refreshes or samples on its own clock is kept in runs for a
 * second collection (power is an average over at least a second); the
 * others are freed at once. */
static int run_start(size_t index, const char *root, const struct collector_option *option, struct runs *runs,
                     struct families *ret) {
        const struct collector *c = registry_collectors[index];
        if (array_reserve((void **) &runs->v, &runs->cap, runs->n + 1, sizeof(*runs->v)) < 0)
                return -ENOMEM;
        struct run *run = &runs->v[runs->n];
        *run = (struct run){.c = c, .index = index};
        const struct config_section *section = NULL;
        if (option) {
                run->entry = (struct config_entry){(char *) option->key,
                                                   (char *) (strcmp(option->def, "true") == 0 ? "false" : "true")};
                run->section = (struct config_section){.name = (char *) c->name,
                                                       .kind = "collector",
                                                       .file = "man_source",
                                                       .entries = &run->entry,
                                                       .n_entries = 1};
                section = &run->section;
        }
        if (path_join(run->procfs, sizeof(run->procfs), root, "proc") < 0 ||
            path_join(run->sysfs, sizeof(run->sysfs), root, "sys") < 0 ||
            path_join(run->rootfs, sizeof(run->rootfs), root, "root") < 0 ||
            path_join(run->udev, sizeof(run->udev), root, "udev") < 0)
                return -ENAMETOOLONG;
        run->env = (struct collector_env){run->procfs, run->sysfs, run->rootfs, run->udev};
        struct diag diag = {0};
        if (c->init(&run->env, section, &diag, &run->state) < 0)
                return 0;
        int r = run_collect(run, ret);
        if (r < 0 || (!c->schedule && !c->sample)) {
                c->free(run->state);
                return r;
        }
        runs->n++;
        return 0;
}

static bool option_is_bool(const struct collector_option *o) {
        return strcmp(o->def, "true") == 0 || strcmp(o->def, "false") == 0;
}

/* c over root with its defaults, then with each boolean option turned */
static int run_variants(size_t index, const char *root, struct runs *runs, struct families *ret) {
        int r = run_start(index, root, NULL, runs, ret);
        for (const struct collector_option *o = registry_collectors[index]->options; r >= 0 && o && o->key; o++)
                if (option_is_bool(o))
                        r = run_start(index, root, o, runs, ret);
        return r;
}

/* Every case of FIXTURES/NAME for each collector, then FIXTURES/bench;
 * after a second, the collectors kept collect again. */
static int collect_families(const char *fixtures, struct families *ret) {
        _cleanup_(runs_free) struct runs runs = {0};
        char dir[1024], root[1024];
        if (path_join(root, sizeof(root), fixtures, "bench") < 0)
                return -ENAMETOOLONG;
        for (size_t i = 0; i < registry_count; i++) {
                const struct collector *c = registry_collectors[i];
                struct dirlist cases = {0};
                if (path_join(dir, sizeof(dir), fixtures, c->name) < 0)
                        return -ENAMETOOLONG;
                int r = dirlist_read(&cases, dir);
                if (r < 0 && r != -ENOENT && r != -ENOTDIR)
                        return r;
                for (size_t k = 0; r >= 0 && k < cases.n; k++) {
                        char case_root[1024];
                        r = path_join(case_root, sizeof(case_root), dir, dirlist_name(&cases, k));
                        if (r >= 0)
                                r = run_variants(i, case_root, &runs, ret);
                }
                dirlist_free(&cases);
                if (r == -ENOENT || r == -ENOTDIR)
                        r = 0;
                if (r >= 0)
                        r = run_variants(i, root, &runs, ret);
                if (r < 0)
                        return r;
        }
        if (runs.n > 0)
                (void) nanosleep(&(struct timespec){.tv_sec = 1, .tv_nsec = 100000000L}, NULL);
        for (size_t i = 0; i < runs.n; i++) {
                int r = run_collect(&runs.v[i], ret);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* By collector, in the registry's order, then by name */
static int family_cmp(const void *a, const void *b) {
        const struct family *x = a, *y = b;
        if (x->collector != y->collector)
                return x->collector < y->collector ? -1 : 1;
        return strcmp(x->name, y->name);
}

/* One family: NAME{LABELS} (TYPE), then its help */
static void put_family(FILE *f, const char *name, const char *labels, enum metric_type type, const char *help) {
        fputs("*", f);
        put_text(f, name);
        fputs("*", f);
        if (labels[0]) {
                fputs("{", f);
                put_text(f, labels);
                fputs("}", f);
        }
        fprintf(f, " (%s)\n\t", metric_type_name(type));
        put_text(f, help);
        fputs("\n\n", f);
}

/* Each collector, then its families by name, and those it declares that
 * the fixture trees do not show */
static void write_families(FILE *f, struct families *fam) {
        if (fam->n > 0)
                qsort(fam->v, fam->n, sizeof(*fam->v), family_cmp);
        size_t start = 0;
        for (size_t i = 0; i < registry_count; i++) {
                const struct collector *c = registry_collectors[i];
                size_t end = start;
                while (end < fam->n && fam->v[end].collector == i)
                        end++;
                fputs("## ", f);
                put_text(f, c->name);
                fprintf(f, "\n\n%s by default. ", c->default_enabled ? "On" : "Off");
                put_sentence(f, c->help);
                if (end == start && c->host_families)
                        fputs(" What it serves depends on the host and its configuration: these families.", f);
                else if (end == start)
                        fputs(" Nothing on the fixture trees: what it serves depends on the host"
                              " and its configuration.",
                              f);
                fputs("\n\n", f);
                for (size_t k = start; k < end; k++)
                        put_family(f, fam->v[k].name, fam->v[k].labels, fam->v[k].type, fam->v[k].help);
                for (const struct metric_desc *const *d = c->host_families; d && *d; d++) {
                        bool shown = false;
                        for (size_t k = start; k < end && !shown; k++)
                                shown = strcmp(fam->v[k].name, (*d)->name) == 0;
                        if (shown)
                                continue;
                        char labels[512] = "";
                        for (unsigned l = 0, at = 0; l < (*d)->n_labels && at < sizeof(labels); l++)
                                at += (unsigned) snprintf(labels + at, sizeof(labels) - at, "%s%s", l ? "," : "",
                                                          (*d)->labels[l]);
                        put_family(f, (*d)->name, labels, (*d)->type, (*d)->help);
                }
                start = end;
        }
}

static int list(void) {
        for (size_t i = 0; i < settings_count; i++)
                printf("setting %s %s %s\n", settings[i].section, settings[i].key,
                       settings[i].flag ? settings[i].flag : "-");
        for (size_t i = 0; i < registry_count; i++) {
                printf("collector %s\n", registry_collectors[i]->name);
                for (const struct collector_option *o = registry_collectors[i]->options; o && o->key; o++)
                        printf("option %s %s%s%s\n", registry_collectors[i]->name, o->key, option_is_bool(o) ? " " : "",
                               option_is_bool(o) ? o->def : "");
        }
        return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
        if (argc == 2 && strcmp(argv[1], "--list") == 0)
                return list();
        if (argc != 3 && argc != 4) {
                fprintf(stderr, "usage: man_source TEMPLATE OUTPUT [FIXTURES] | man_source --list\n");
                return 2;
        }
        _cleanup_(families_free) struct families families = {0};
        if (argc == 4) {
                int r = collect_families(argv[3], &families);
                if (r < 0) {
                        fprintf(stderr, "man_source: cannot collect over %s: %s\n", argv[3], strerror(-r));
                        return 1;
                }
        }
        FILE *in = fopen(argv[1], "re");
        if (!in) {
                perror(argv[1]);
                return 1;
        }
        FILE *out = fopen(argv[2], "we");
        if (!out) {
                perror(argv[2]);
                (void) fclose(in);
                return 1;
        }
        char line[4096];
        while (fgets(line, sizeof(line), in)) {
                if (strcmp(line, "%%FLAGS%%\n") == 0)
                        write_flags(out);
                else if (strcmp(line, "%%COLLECTORS%%\n") == 0)
                        write_collectors(out, true);
                else if (strcmp(line, "%%COLLECTOR_SWITCHES%%\n") == 0)
                        write_collectors(out, false);
                else if (strcmp(line, "%%SETTINGS%%\n") == 0)
                        write_settings(out);
                else if (strcmp(line, "%%COLLECTOR_SECTIONS%%\n") == 0)
                        write_collector_sections(out);
                else if (strcmp(line, "%%FAMILIES%%\n") == 0)
                        write_families(out, &families);
                else
                        fputs(line, out);
        }
        int bad = ferror(in);
        (void) fclose(in);
        if (fclose(out) != 0 || bad) {
                fprintf(stderr, "man_source: cannot write %s\n", argv[2]);
                return 1;
        }
        return 0;
}
