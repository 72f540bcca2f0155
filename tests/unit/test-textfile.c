/* The textfile collector on directories written at test time: inputs too
 * big to commit as fixtures (a 200,000-byte label value, 20,000 series),
 * rewrites that change HELP texts, label names and file names, and the
 * edges of the directory (many files, FIFOs, invalid UTF-8). The small
 * cases are fixtures, in test-collectors.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "registry.h"

struct tf_test {
        char dir[64];
        const struct collector *c;
        void *state;
};

static void tf_start(struct tf_test *t) {
        (void) snprintf(t->dir, sizeof(t->dir), "/tmp/vigie-test-textfile.XXXXXX");
        assert_non_null(mkdtemp(t->dir));
        t->c = registry_collectors[registry_find("textfile")];
        struct config_entry e = {.key = "directory", .value = t->dir, .line = 1};
        struct config_section sec = {.name = "textfile", .file = "test.conf", .entries = &e, .n_entries = 1};
        struct collector_env env = {"/nonexistent", "/nonexistent", "/nonexistent", "/nonexistent"};
        assert_int_equal(t->c->init(&env, &sec, &(struct diag){0}, &t->state), 0);
}

static void tf_stop(struct tf_test *t) {
        t->c->free(t->state);
        char cmd[128];
        (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
        assert_int_equal(system(cmd), 0);
}

/* Writes text (len bytes) to dir/name by rename, as the textfile
 * convention asks. */
static void tf_write(const struct tf_test *t, const char *name, const char *text, size_t len) {
        char path[256], tmp[300];
        (void) snprintf(path, sizeof(path), "%s/%s", t->dir, name);
        (void) snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", t->dir, name);
        FILE *f = fopen(tmp, "w");
        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(rename(tmp, path), 0);
}

static void tf_puts(const struct tf_test *t, const char *name, const char *text) {
        tf_write(t, name, text, strlen(text));
}

/* One scrape, checked by metric_set_validate; the exposition (free it). */
static char *tf_collect(const struct tf_test *t) {
        struct fixture_run run;
        fixture_collect_state(t->c, t->state, &run);
        assert_int_equal(run.result, 0);
        if (run.validation)
                fail_msg("invalid set: %s", run.validation);
        char *text = run.text;
        run.text = NULL;
        fixture_run_free(&run);
        return text;
}

static void assert_has(const char *text, const char *want) {
        if (!strstr(text, want))
                fail_msg("no \"%.200s\" in the exposition (%zu bytes): %.2000s", want, strlen(text), text);
}

/* A label value of 200,000 bytes: the series key is built from strings of
 * the same buffer it is appended to, which grows meanwhile. */
static void test_big_label_value(_unused_ void **state) {
        struct tf_test t;
        tf_start(&t);
        size_t n = 200000;
        char *text = malloc(n + 32);
        assert_non_null(text);
        int k = snprintf(text, n + 32, "m{a=\"");
        memset(text + k, 'x', n);
        (void) snprintf(text + k + n, 32, "\"} 1\n");
        tf_puts(&t, "big.prom", text);
        char *got = tf_collect(&t);
        /* the same line, served */
        text[strlen(text) - 1] = '\0';
        assert_has(got, text);
        assert_has(got, "node_textfile_scrape_error 0\n");
        free(got);
        free(text);
        tf_stop(&t);
}

/* 20,000 series, one family each. */
static void test_many_series(_unused_ void **state) {
        struct tf_test t;
        tf_start(&t);
        struct buf b = {0};
        for (int i = 0; i < 20000; i++)
                buf_printf(&b, "m%d %d\n", i, i);
        tf_write(&t, "lines.prom", b.data, b.len);
        char *got = tf_collect(&t);
        for (int i = 0; i < 20000; i += 997) {
                char want[64];
                (void) snprintf(want, sizeof(want), "\nm%d %d\n", i, i);
                assert_has(got, want);
        }
        assert_has(got, "\nm19999 19999\n");
        assert_has(got, "node_textfile_scrape_error 0\n");
        free(got);
        buf_free(&b);
        tf_stop(&t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_big_label_value),
                cmocka_unit_test(test_many_series),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
