/* The textfile collector on directories written at test time: inputs too
 * big to commit as fixtures (a 200,000-byte label value, 20,000 series),
 * rewrites that change HELP texts, label names and file names, and the
 * edges of the directory (many files, FIFOs, invalid UTF-8). The small
 * cases are fixtures, in test-collectors.c. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
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
#include "prom_text.h"
#include "registry.h"

#if defined(__SANITIZE_ADDRESS__)
#define HEAP_FROM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_FROM_ASAN 1
#endif
#endif
#ifdef HEAP_FROM_ASAN
/* sanitizer/allocator_interface.h, which gcc does not install */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

/* Bytes the heap holds now: ASan keeps its own books. */
static size_t heap_in_use(void) {
#ifdef HEAP_FROM_ASAN
        return __sanitizer_get_current_allocated_bytes();
#else
        return mallinfo2().uordblks;
#endif
}

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

/* One scrape into a set and an encoder kept from one scrape to the next,
 * as the HTTP server keeps its own; the exposition (free it). */
struct tf_scraper {
        struct metric_set set;
        struct prom_encoder enc;
};

static char *tf_scrape(const struct tf_test *t, struct tf_scraper *sc) {
        metric_set_reset(&sc->set);
        struct scrape_cache cache = {0};
        struct collect_ctx ctx = {.set = &sc->set, .cache = &cache};
        assert_int_equal(t->c->collect(t->state, &ctx), 0);
        scrape_cache_free(&cache);
        struct buf out = {0};
        buf_puts(&out, "");
        assert_int_equal(prom_text_encode(&sc->enc, &sc->set, &out), 0);
        return out.data;
}

static void tf_scraper_free(struct tf_scraper *sc) {
        metric_set_free(&sc->set);
        prom_encoder_free(&sc->enc);
}

/* A cron job's files, rewritten: ten families whose HELP says when they
 * ran, label names that change, a file name that changes. */
static void rewrite_job(const struct tf_test *t, int run) {
        char name[128], text[2048];
        size_t n = 0;
        for (int f = 0; f < 10; f++)
                n += (size_t) snprintf(text + n, sizeof(text) - n, "# HELP job_%d Last run %d.\njob_%d{l%d=\"x\"} %d\n",
                                       f, run, f, run % 5, run);
        (void) snprintf(name, sizeof(name), "job-%d.prom", run % 3);
        tf_write(t, name, text, n);
        (void) snprintf(name, sizeof(name), "%s/job-%d.prom", t->dir, (run + 2) % 3);
        (void) unlink(name); /* the last run's */
}

/* What a rewrite leaves behind is freed at the next reading: the heap
 * stays as it was after a few hundred rewrites (each kept descriptor of
 * the old code took ~100 bytes, 1,000 of them per 100 rewrites). */
static void test_rewrites_leave_nothing(_unused_ void **state) {
        struct tf_test t;
        tf_start(&t);
        struct tf_scraper sc = {0};
        size_t before = 0;
        for (int run = 0; run < 400; run++) {
                rewrite_job(&t, run);
                char *got = tf_scrape(&t, &sc);
                char want[64];
                (void) snprintf(want, sizeof(want), "# HELP job_9 Last run %d.\n", run);
                assert_has(got, want);
                (void) snprintf(want, sizeof(want), "job_9{l%d=\"x\"} %d\n", run % 5, run);
                assert_has(got, want);
                free(got);
                if (run == 99)
                        before = heap_in_use();
        }
        size_t after = heap_in_use();
        if (after > before + 16384)
                fail_msg("the heap grew by %zu bytes over 300 rewrites", after - before);
        tf_scraper_free(&sc);
        tf_stop(&t);
}

/* A descriptor freed and another allocated in its place (same size, so
 * malloc hands back the same address): an encoder that remembers
 * descriptors by address must not print the old one's label names. The
 * encoder skips every other scrape, as the HTTP server's does when the
 * push sender collects in between. */
static void test_encoder_sees_new_descriptors(_unused_ void **state) {
        struct tf_test t;
        tf_start(&t);
        struct tf_scraper sc = {0}, other = {0};
        const char *label[] = {"a", "b", "c", "d"};
        for (int i = 0; i < 8; i++) {
                char text[64], want[64];
                (void) snprintf(text, sizeof(text), "m{%s=\"1\"} 1\n", label[i % 4]);
                tf_puts(&t, "m.prom", text);
                if (i % 2) {
                        free(tf_scrape(&t, &other));
                        continue;
                }
                char *got = tf_scrape(&t, &sc);
                assert_has(got, text);
                (void) snprintf(want, sizeof(want), "m{%s=", label[(i + 3) % 4]);
                assert_null(strstr(got, want));
                free(got);
        }
        tf_scraper_free(&sc);
        tf_scraper_free(&other);
        tf_stop(&t);
}

/* Past the 1,024th file, files used to be dropped. */
static void test_many_files(_unused_ void **state) {
        struct tf_test t;
        tf_start(&t);
        for (int i = 0; i < 1100; i++) {
                char name[32], text[64];
                (void) snprintf(name, sizeof(name), "f%04d.prom", i);
                (void) snprintf(text, sizeof(text), "file_metric{n=\"%d\"} %d\n", i, i);
                tf_puts(&t, name, text);
        }
        char *got = tf_collect(&t);
        for (int i = 0; i < 1100; i += 99) {
                char want[128];
                (void) snprintf(want, sizeof(want), "\nfile_metric{n=\"%d\"} %d\n", i, i);
                assert_has(got, want);
                (void) snprintf(want, sizeof(want), "node_textfile_mtime_seconds{file=\"%s/f%04d.prom\"}", t.dir, i);
                assert_has(got, want);
        }
        assert_has(got, "\nfile_metric{n=\"1099\"} 1099\n");
        assert_has(got, "node_textfile_scrape_error 0\n");
        free(got);
        tf_stop(&t);
}

/* A FIFO named .prom is skipped without being opened (that would block
 * the scrape for good), and the rest is served. */
static void test_fifo_skipped(_unused_ void **state) {
        struct tf_test t;
        tf_start(&t);
        char path[128];
        (void) snprintf(path, sizeof(path), "%s/fifo.prom", t.dir);
        assert_int_equal(mkfifo(path, 0600), 0);
        tf_puts(&t, "good.prom", "good 1\n");
        char *got = tf_collect(&t);
        assert_has(got, "\ngood 1\n");
        assert_has(got, "node_textfile_scrape_error 1\n");
        assert_null(strstr(got, "fifo.prom"));
        free(got);
        tf_stop(&t);
}

/* Two values that differ only in bytes that are not UTF-8 would both be
 * exposed as U+FFFD, one series twice: as node_exporter, a file with such
 * a value is refused whole. Valid UTF-8 is kept as it is. */
static void test_invalid_utf8_refused(_unused_ void **state) {
        struct tf_test t;
        tf_start(&t);
        tf_puts(&t, "a.prom", "m{a=\"x\xffy\"} 1\n");
        tf_puts(&t, "b.prom", "m{a=\"x\xfey\"} 2\n");
        tf_puts(&t, "c.prom", "m{a=\"caf\xc3\xa9\"} 3\nn{a=\"\xed\xa0\x80\"} 4\n"); /* a surrogate */
        tf_puts(&t, "d.prom", "m{a=\"caf\xc3\xa9\"} 3\n");
        struct fixture_run run;
        fixture_collect_state(t.c, t.state, &run);
        assert_int_equal(run.result, 0);
        assert_null(run.validation);
        assert_int_equal(run.parse_errors, 3);
        assert_null(strstr(run.text, "\xEF\xBF\xBD"));
        assert_null(strstr(run.text, "n{"));
        assert_has(run.text, "\nm{a=\"caf\xc3\xa9\"} 3\n");
        assert_has(run.text, "node_textfile_scrape_error 1\n");
        fixture_run_free(&run);
        tf_stop(&t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_big_label_value),
                cmocka_unit_test(test_many_series),
                cmocka_unit_test(test_rewrites_leave_nothing),
                cmocka_unit_test(test_encoder_sees_new_descriptors),
                cmocka_unit_test(test_many_files),
                cmocka_unit_test(test_fifo_skipped),
                cmocka_unit_test(test_invalid_utf8_refused),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
