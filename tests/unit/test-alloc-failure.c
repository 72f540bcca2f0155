/* Every collector and both encoders under a failing allocator: the Nth
 * allocation of a fresh engine's first configure and scrape fails, for
 * every N up to the number that scrape makes (steady-state scrapes make
 * none). Whatever fails, nothing crashes; a scrape that is served holds
 * each collector's families whole (success 1 and the same series as
 * without the failure) or not at all (success 0); the remote-write encoder
 * fails whole or encodes what the text encoder printed; and the next scrape
 * is whole again. The allocator is wrapped at link time
 * (-Wl,--wrap=malloc,...), so only vigie's own calls fail. */
#include <errno.h>
#include <execinfo.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "config.h"
#include "fixture_targets.h"
#include "macro.h"
#include "prom_text.h"
#include "registry.h"
#include "remote_write.h"
#include "scrape.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__real_reallocarray(void *p, size_t n, size_t size);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
void *__wrap_reallocarray(void *p, size_t n, size_t size);

static unsigned long n_allocs, fail_at; /* fail_at 0: none fails */

static bool fails(void) {
        bool f = ++n_allocs == fail_at;
        if (f && getenv("BT")) {
                void *frames[16];
                backtrace_symbols_fd(frames, backtrace(frames, 16), 2);
        }
        return f;
}
void *__wrap_malloc(size_t n) {
        return fails() ? NULL : __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t size) {
        return fails() ? NULL : __real_calloc(n, size);
}
void *__wrap_realloc(void *p, size_t n) {
        return fails() ? NULL : __real_realloc(p, n);
}
char *__wrap_strdup(const char *s) {
        return fails() ? NULL : __real_strdup(s);
}
char *__wrap_strndup(const char *s, size_t n) {
        return fails() ? NULL : __real_strndup(s, n);
}
void *__wrap_reallocarray(void *p, size_t n, size_t size) {
        return fails() ? NULL : __real_reallocarray(p, n, size);
}

struct encoded {
        struct prom_encoder enc;
        struct buf text;
        struct buf rw;
        int rw_result;
        size_t rw_samples, text_samples;
};

/* The text without the lines that differ from scrape to scrape
 * (durations) or that say what failed (success), which are checked apart. */
static char *stable_lines(const char *text) {
        struct buf b = {0};
        for (const char *l = text; *l;) {
                const char *nl = strchr(l, '\n');
                size_t n = nl ? (size_t) (nl - l) + 1 : strlen(l);
                if (strncmp(l, "node_scrape_collector_duration_seconds", 38) != 0 &&
                    strncmp(l, "node_scrape_collector_success", 29) != 0)
                        buf_put(&b, l, n);
                l += n;
        }
        buf_puts(&b, "");
        return b.data;
}

/* Samples in text; with own_only, only the collector's own (not the
 * engine's node_scrape_collector_* and vigie_collector_* about it). */
static size_t count_samples(const char *text, bool own_only) {
        size_t n = 0;
        for (const char *l = text; *l;) {
                const char *nl = strchr(l, '\n');
                if (*l != '#' && *l != '\n' &&
                    !(own_only &&
                      (strncmp(l, "node_scrape_collector_", 22) == 0 || strncmp(l, "vigie_collector_", 16) == 0)))
                        n++;
                if (!nl)
                        break;
                l = nl + 1;
        }
        return n;
}

/* The first line where a and b differ, from a and from b. */
static void first_difference(const char *a, const char *b, char *out, size_t size) {
        size_t i = 0, line = 0;
        while (a[i] && a[i] == b[i])
                if (a[i++] == '\n')
                        line = i;
        (void) snprintf(out, size, "expected: %.*s\n     got: %.*s", (int) strcspn(a + line, "\n"), a + line,
                        (int) strcspn(b + line, "\n"), b + line);
}

static int encode(const struct metric_set *set, void *userdata) {
        struct encoded *e = userdata;
        buf_reset(&e->text);
        int r = prom_text_encode(&e->enc, set, &e->text);
        if (r < 0)
                return r;
        e->rw_result = remote_write_encode(set, &(struct rw_labels){0}, 1700000000000, &e->rw, &e->rw_samples);
        return 0;
}

struct target {
        const char *collector, *case_dir, *directory, *option, *option_value;
};

static int configure(struct scrape_engine **ret, const struct target *t) {
        struct config cfg;
        int r = config_init_defaults(&cfg);
        if (r < 0)
                return r;
        char procfs[1024], sysfs[1024], rootfs[1024], udev[1024];
        (void) snprintf(procfs, sizeof(procfs), "%s/%s/proc", FIXTURES_DIR, t->case_dir);
        (void) snprintf(sysfs, sizeof(sysfs), "%s/%s/sys", FIXTURES_DIR, t->case_dir);
        (void) snprintf(rootfs, sizeof(rootfs), "%s/%s/root", FIXTURES_DIR, t->case_dir);
        (void) snprintf(udev, sizeof(udev), "%s/%s/udev", FIXTURES_DIR, t->case_dir);
        char *roots[] = {procfs, sysfs, rootfs, udev};
        char **fields[] = {&cfg.procfs, &cfg.sysfs, &cfg.rootfs, &cfg.udev_data};
        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                free(*fields[i]);
                *fields[i] = strdup(roots[i]);
                if (!*fields[i])
                        r = -ENOMEM;
        }
        cfg.disable_exporter_metrics = true;
        if (r >= 0 && t->directory) {
                char dir[1024];
                (void) snprintf(dir, sizeof(dir), "%s/%s/%s", FIXTURES_DIR, t->case_dir, t->directory);
                r = config_set_collector_option(&cfg, t->collector, "directory", dir);
        }
        if (r >= 0 && t->option)
                r = config_set_collector_option(&cfg, t->collector, t->option, t->option_value);
        struct scrape_engine *e = NULL;
        if (r >= 0)
                r = scrape_engine_new(&e);
        const struct collector *c = registry_collectors[registry_find(t->collector)];
        struct diag diag = {0};
        if (r >= 0)
                r = scrape_engine_configure_collectors(e, &cfg, &c, 1, &diag);
        config_free(&cfg);
        if (r < 0) {
                scrape_engine_free(e);
                return r;
        }
        *ret = e;
        return 0;
}

static void encoded_free(struct encoded *e) {
        prom_encoder_free(&e->enc);
        buf_free(&e->text);
        buf_free(&e->rw);
}

static void check_target(const struct target *t) {
        /* the reference, and the allocations it takes */
        struct scrape_engine *e = NULL;
        struct encoded ref = {0};
        n_allocs = 0;
        fail_at = 0;
        assert_int_equal(configure(&e, t), 0);
        assert_int_equal(scrape_engine_collect(e, encode, &ref), 0);
        unsigned long total = n_allocs;
        assert_int_equal(ref.rw_result, 0);
        char *want = stable_lines(ref.text.data);
        size_t want_samples = ref.rw_samples;
        scrape_engine_free(e);
        encoded_free(&ref);

        for (unsigned long k = 1; k <= total; k++) {
                n_allocs = 0;
                fail_at = k;
                e = NULL;
                struct encoded got = {0};
                if (configure(&e, t) == 0) {
                        int r = scrape_engine_collect(e, encode, &got);
                        fail_at = 0; /* the test's own allocations from here */
                        if (r == 0) {
                                char *stable = stable_lines(got.text.data);
                                char success[256];
                                (void) snprintf(success, sizeof(success),
                                                "node_scrape_collector_success{collector=\"%s\"} 1\n", t->collector);
                                if (strstr(got.text.data, success)) {
                                        if (strcmp(stable, want) != 0) {
                                                char diff[1024];
                                                first_difference(want, stable, diff, sizeof(diff));
                                                fail_msg("%s: allocation %lu of %lu failed and the scrape "
                                                         "says success 1 with other series:\n%s",
                                                         t->collector, k, total, diff);
                                        }
                                } else if (count_samples(stable, true) != 0) {
                                        fail_msg("%s: allocation %lu failed, success 0, yet it served:\n%s",
                                                 t->collector, k, stable);
                                }
                                /* remote-write: all of the set, or an error */
                                if (got.rw_result == 0 && got.rw_samples != count_samples(got.text.data, false))
                                        fail_msg("%s: allocation %lu failed and remote-write encoded %zu "
                                                 "samples of %zu",
                                                 t->collector, k, got.rw_samples, count_samples(got.text.data, false));
                                free(stable);
                        } else {
                                assert_int_equal(r, -ENOMEM);
                        }
                        /* the next scrape is whole again */
                        fail_at = 0;
                        struct encoded again = {0};
                        assert_int_equal(scrape_engine_collect(e, encode, &again), 0);
                        char *stable = stable_lines(again.text.data);
                        if (strcmp(stable, want) != 0) {
                                char diff[1024];
                                first_difference(want, stable, diff, sizeof(diff));
                                fail_msg("%s: the scrape after allocation %lu failed is not whole:\n%s\n%s",
                                         t->collector, k, diff, stable);
                        }
                        assert_int_equal(again.rw_result, 0);
                        assert_int_equal(again.rw_samples, want_samples);
                        free(stable);
                        encoded_free(&again);
                        scrape_engine_free(e);
                }
                fail_at = 0;
                encoded_free(&got);
        }
        free(want);
}

static void test_every_allocation_of_every_collector(_unused_ void **state) {
        for (size_t i = 0; i < n_fixture_targets; i++) {
                const struct fixture_target *f = &fixture_targets[i];
                bool seen = false;
                for (size_t j = 0; j < i; j++)
                        seen |= strcmp(fixture_targets[j].collector, f->collector) == 0;
                if (!seen)
                        check_target(
                                &(struct target){f->collector, f->case_dir, f->directory, f->option, f->option_value});
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_allocation_of_every_collector),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
