/* The settings table against what a person reads: packaging/vigie.conf,
 * the README and --help must each have every setting, every collector
 * and every collector option the table and the registry have (and
 * vigie.conf the same defaults). Each test lists everything it misses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collector.h"
#include "options.h"
#include "registry.h"
#include "settings.h"

#define SOURCE_ROOT FIXTURES_DIR "/../.."

static char *read_file(const char *path) {
        FILE *f = fopen(path, "re");
        if (!f)
                fail_msg("cannot open %s", path);
        char *text = NULL;
        size_t cap = 0, len = 0;
        for (;;) {
                if (len + 4096 + 1 > cap) {
                        cap = (len + 4096 + 1) * 2;
                        text = realloc(text, cap);
                        assert_non_null(text);
                }
                size_t n = fread(text + len, 1, 4096, f);
                len += n;
                if (n == 0)
                        break;
        }
        fclose(f);
        text[len] = '\0';
        return text;
}

/* What is missing, gathered so that one run names all of it. */
struct misses {
        char text[8192];
        size_t len;
};

_printf_(2, 3) static void miss(struct misses *m, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(m->text + m->len, sizeof(m->text) - m->len, fmt, ap);
        va_end(ap);
        if (n > 0 && m->len + (size_t) n + 2 < sizeof(m->text)) {
                m->len += (size_t) n;
                m->text[m->len++] = '\n';
                m->text[m->len] = '\0';
        }
}

static void no_misses(const struct misses *m, const char *what) {
        if (m->len)
                fail_msg("%s lacks:\n%s", what, m->text);
}

/* vigie.conf: "[section]" or ";[section]" headers (a target's or a
 * probe's, a plugin's or a program's name made NAME), and "key = value" or ";key = value" lines under them */
static const char *conf_value(const char *conf, const char *section, const char *key) {
        static char value[2048];
        char current[128] = "";
        const char *line = conf;
        size_t klen = strlen(key);
        bool any_name = strstr(key, ".NAME") != NULL;
        while (*line) {
                size_t len = strcspn(line, "\n");
                const char *p = line + (line[0] == ';');
                if (p[0] == '[' && p[len - 1 - (size_t) (p - line)] == ']') {
                        (void) snprintf(current, sizeof(current), "%.*s", (int) (len - 2 - (size_t) (p - line)), p + 1);
                        if (strncmp(current, "push.target.", 12) == 0)
                                strcpy(current + 12, "NAME");
                        if (strncmp(current, "probe.", 6) == 0)
                                strcpy(current + 6, "NAME");
                        if (strncmp(current, "plugin.", 7) == 0)
                                strcpy(current + 7, "NAME");
                        if (strncmp(current, "exec.", 5) == 0)
                                strcpy(current + 5, "NAME");
                } else if (strcmp(current, section) == 0) {
                        size_t n = any_name ? klen - 4 : klen;
                        if (strncmp(p, key, n) == 0 && (any_name || strncmp(p + n, " =", 2) == 0)) {
                                const char *eq = strchr(p, '=');
                                if (eq && eq < line + len) {
                                        const char *v = eq + 1 + (eq[1] == ' ');
                                        (void) snprintf(value, sizeof(value), "%.*s", (int) (line + len - v), v);
                                        return value;
                                }
                        }
                }
                line += len + (line[len] == '\n');
        }
        return NULL;
}

/* The keys the packaged file sets to another value than vigie's own
 * default, uncommented: the package's choices, which the README's "on
 * purpose" section gives. */
static const struct {
        const char *section, *key, *value;
} package_set[] = {
        {"collector.textfile", "directory", "/var/lib/prometheus/node-exporter"},
};

/* The package's value of section's key, or NULL where vigie's own default
 * stands. */
static const char *package_value(const char *section, const char *key) {
        for (size_t i = 0; i < sizeof(package_set) / sizeof(package_set[0]); i++)
                if (strcmp(package_set[i].section, section) == 0 && strcmp(package_set[i].key, key) == 0)
                        return package_set[i].value;
        return NULL;
}

/* Whether conf has "key = value" uncommented in [section]. */
static bool conf_sets(const char *conf, const char *section, const char *key, const char *value) {
        char header[160], line[4096];
        (void) snprintf(header, sizeof(header), "\n[%s]\n", section);
        (void) snprintf(line, sizeof(line), "\n%s = %s\n", key, value);
        const char *h = strstr(conf, header);
        if (!h)
                return false;
        const char *next = strstr(h + 1, "\n[");
        const char *l = strstr(h, line);
        return l && (!next || l < next);
}

static void test_vigie_conf(_unused_ void **state) {
        char *conf = read_file(SOURCE_ROOT "/packaging/vigie.conf");
        struct misses m = {0};
        for (size_t i = 0; i < settings_count; i++) {
                const struct setting *s = &settings[i];
                const char *v = conf_value(conf, s->section, s->key);
                bool example = s->type == SETTING_TARGET_KEY || s->type == SETTING_PROBE_KEY ||
                               s->type == SETTING_PLUGIN_KEY || s->type == SETTING_EXEC_KEY ||
                               s->type == SETTING_PUSH_URL || s->type == SETTING_LABEL;
                if (!v)
                        miss(&m, "[%s] %s", s->section, s->key);
                else if (!example && strcmp(v, s->def) != 0)
                        miss(&m, "[%s] %s = %s (vigie.conf says %s)", s->section, s->key, s->def, v);
        }
        for (size_t i = 0; i < registry_count; i++) {
                const struct collector *c = registry_collectors[i];
                const char *v = conf_value(conf, "collectors", c->name);
                const char *def = c->default_enabled ? "true" : "false";
                if (!v || strcmp(v, def) != 0)
                        miss(&m, "[collectors] %s = %s", c->name, def);
                char section[128];
                (void) snprintf(section, sizeof(section), "collector.%s", c->name);
                for (const struct collector_option *o = c->options; o && o->key; o++) {
                        v = conf_value(conf, section, o->key);
                        const char *package = package_value(section, o->key);
                        if (package && !conf_sets(conf, section, o->key, package))
                                miss(&m, "[%s] %s = %s, uncommented (the package's value)", section, o->key, package);
                        else if (!package && (!v || strcmp(v, o->def) != 0))
                                miss(&m, "[%s] %s = %s", section, o->key, o->def);
                }
        }
        free(conf);
        no_misses(&m, "packaging/vigie.conf");
}

static void test_readme(_unused_ void **state) {
        char *readme = read_file(SOURCE_ROOT "/README.md");
        struct misses m = {0};
        char want[256];
        for (size_t i = 0; i < settings_count; i++) {
                const struct setting *s = &settings[i];
                if (s->flag) {
                        (void) snprintf(want, sizeof(want), "`--%s", s->flag);
                        if (!strstr(readme, want))
                                miss(&m, "the flag %s", want + 1);
                }
                (void) snprintf(want, sizeof(want), "`[%s]`", s->section);
                if (!strstr(readme, want))
                        miss(&m, "the section %s", want);
                (void) snprintf(want, sizeof(want), "`%s`", s->key);
                if (!strstr(readme, want))
                        miss(&m, "[%s] %s", s->section, want);
        }
        for (size_t i = 0; i < registry_count; i++) {
                const struct collector *c = registry_collectors[i];
                (void) snprintf(want, sizeof(want), "| `%s` |", c->name);
                if (!strstr(readme, want))
                        miss(&m, "the collector %s (a row of the Metrics table)", c->name);
                if (!c->options)
                        continue;
                (void) snprintf(want, sizeof(want), "`[collector.%s]`", c->name);
                if (!strstr(readme, want))
                        miss(&m, "the section %s", want);
                const char *row = strstr(readme, want);
                for (const struct collector_option *o = c->options; row && o && o->key; o++) {
                        (void) snprintf(want, sizeof(want), "`%s`", o->key);
                        if (!strstr(row, want))
                                miss(&m, "[collector.%s] %s", c->name, want);
                }
        }
        free(readme);
        no_misses(&m, "README.md");
}

static void test_help(_unused_ void **state) {
        char *help = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&help, &len);
        assert_non_null(f);
        options_print_help(f, "vigie");
        assert_int_equal(fclose(f), 0);
        struct misses m = {0};
        char want[2200];
        for (size_t i = 0; i < settings_count; i++) {
                const struct setting *s = &settings[i];
                (void) snprintf(want, sizeof(want), "[%s] %s", s->section, s->key);
                if (!strstr(help, want))
                        miss(&m, "%s", want);
                if (s->flag) {
                        (void) snprintf(want, sizeof(want), "--%s", s->flag);
                        if (!strstr(help, want))
                                miss(&m, "%s", want);
                }
        }
        for (size_t i = 0; i < registry_count; i++) {
                const struct collector *c = registry_collectors[i];
                (void) snprintf(want, sizeof(want), "\n  %s ", c->name);
                if (!strstr(help, want))
                        miss(&m, "the collector %s", c->name);
                for (const struct collector_option *o = c->options; o && o->key; o++) {
                        int n = snprintf(want, sizeof(want), "--collector.%s.%s", c->name, o->key);
                        for (int k = n - (int) strlen(o->key); k < n; k++)
                                if (want[k] == '_')
                                        want[k] = '-';
                        const char *at = strstr(help, want);
                        if (!at)
                                miss(&m, "%s", want);
                        (void) snprintf(want, sizeof(want), "default %s", o->def);
                        if (at && o->def[0] && !strstr(at, want) &&
                            (snprintf(want, sizeof(want), "default \"%s\"", o->def), !strstr(at, want)))
                                miss(&m, "--collector.%s.%s's default %s", c->name, o->key, o->def);
                }
        }
        free(help);
        no_misses(&m, "--help");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_vigie_conf),
                cmocka_unit_test(test_readme),
                cmocka_unit_test(test_help),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
