/* Writes the scdoc source of a man page: the hand-written template with
 * its @FLAGS@, @COLLECTORS@, @COLLECTOR_SWITCHES@, @SETTINGS@ and
 * @COLLECTOR_SECTIONS@ lines
 * replaced by what the settings table and the collector registry say, so
 * that the pages list every setting and collector and never drift from
 * them. A build tool, not installed.
 *   man_source TEMPLATE OUTPUT   the page's source
 *   man_source --list            what the pages must name, a line each */
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "options.h"
#include "registry.h"
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

static int list(void) {
        for (size_t i = 0; i < settings_count; i++)
                printf("setting %s %s %s\n", settings[i].section, settings[i].key,
                       settings[i].flag ? settings[i].flag : "-");
        for (size_t i = 0; i < registry_count; i++) {
                printf("collector %s\n", registry_collectors[i]->name);
                for (const struct collector_option *o = registry_collectors[i]->options; o && o->key; o++)
                        printf("option %s %s\n", registry_collectors[i]->name, o->key);
        }
        return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
        if (argc == 2 && strcmp(argv[1], "--list") == 0)
                return list();
        if (argc != 3) {
                fprintf(stderr, "usage: man_source TEMPLATE OUTPUT | man_source --list\n");
                return 2;
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
