/* Fixture harness for collector tests. */
#include "harness.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "fileio.h"
#include "prom_text.h"
#include "scrape.h"

static int encode_text(const struct metric_set *set, void *userdata) {
        struct prom_encoder enc = {0};
        buf_puts(userdata, "");
        int r = prom_text_encode(&enc, set, userdata);
        prom_encoder_free(&enc);
        return r;
}

char *scrape_text_within(struct scrape_engine *e, uint64_t max_ms) {
        struct buf out = {0};
        uint64_t t0 = clock_ms(CLOCK_MONOTONIC);
        assert_int_equal(scrape_engine_collect(e, encode_text, &out), 0);
        uint64_t dt = clock_ms(CLOCK_MONOTONIC) - t0;
        if (dt > max_ms)
                fail_msg("the scrape took %llu ms", (unsigned long long) dt);
        return out.data;
}

const char *fixture_path(const char *rel) {
        static char path[PATH_MAX];
        assert_int_equal(path_join(path, sizeof(path), FIXTURES_DIR, rel), 0);
        return path;
}

char *fixture_read(const char *rel) {
        struct buf b = {0};
        int r = read_file_at(FIXTURES_DIR, rel, FILE_MAX_TABLE, &b);
        if (r < 0)
                fail_msg("cannot read fixture %s: %s", rel, strerror(-r));
        return b.data;
}

void fixture_collect_state(const struct collector *c, void *state, struct fixture_run *ret) {
        struct scrape_cache cache = {0};
        fixture_collect_cached(c, state, &cache, ret);
        scrape_cache_free(&cache);
}

void fixture_collect_cached(const struct collector *c, void *state, struct scrape_cache *cache,
                            struct fixture_run *ret) {
        struct metric_set set = {0};
        struct collect_ctx ctx = {.set = &set, .cache = cache};
        *ret = (struct fixture_run){0};
        scrape_cache_next(cache);
        ret->result = c->collect(state, &ctx);
        ret->parse_errors = ctx.parse_errors;

        struct buf err = {0};
        if (metric_set_validate(&set, &err) < 0)
                ret->validation = strdup(err.data ? err.data : "?");
        buf_free(&err);

        struct prom_encoder enc = {0};
        struct buf out = {0};
        buf_puts(&out, "");
        assert_int_equal(prom_text_encode(&enc, &set, &out), 0);
        ret->text = out.data;
        prom_encoder_free(&enc);
        metric_set_free(&set);
}

void fixture_collect(const struct collector *c, const char *case_dir, const struct config_section *section,
                     struct fixture_run *ret) {
        char procfs[PATH_MAX], sysfs[PATH_MAX], rootfs[PATH_MAX], udev[PATH_MAX];
        (void) snprintf(procfs, sizeof(procfs), "%s/%s/proc", FIXTURES_DIR, case_dir);
        (void) snprintf(sysfs, sizeof(sysfs), "%s/%s/sys", FIXTURES_DIR, case_dir);
        (void) snprintf(rootfs, sizeof(rootfs), "%s/%s/root", FIXTURES_DIR, case_dir);
        (void) snprintf(udev, sizeof(udev), "%s/%s/udev", FIXTURES_DIR, case_dir);
        struct collector_env env = {procfs, sysfs, rootfs, udev};

        struct diag diag = {0};
        void *state = NULL;
        int r = c->init(&env, section, &diag, &state);
        if (r < 0)
                fail_msg("%s init failed: %s", c->name, diag.msg);

        fixture_collect_state(c, state, ret);
        c->free(state);
}

void fixture_run_free(struct fixture_run *run) {
        free(run->text);
        free(run->validation);
        *run = (struct fixture_run){0};
}
