/* The landing page written from fake collectors: what each status reads
 * as (a source this host lacks is no failure), the summary at the top,
 * uptime and version, and every outside text HTML-escaped. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collector.h"
#include "config.h"
#include "landing_page.h"
#include "scrape.h"
#include "version.h"

static const struct metric_desc fake_desc = {"fake_value", "A fake series.", METRIC_GAUGE, 0, NULL};

/* Each fake returns the errno its state points at. */
static int fake_init(_unused_ const struct collector_env *env, _unused_ const struct config_section *section,
                     _unused_ struct diag *diag, void **ret_state) {
        *ret_state = NULL;
        return 0;
}
static void fake_free(_unused_ void *state) {}
#define FAKE(fn, result)                                                                                               \
        static int fn(_unused_ void *state, struct collect_ctx *ctx) {                                                 \
                (void) metric_set_family(ctx->set, &fake_desc);                                                        \
                (void) metric_set_sample0(ctx->set, 1);                                                                \
                return result;                                                                                         \
        }
FAKE(collect_ok, 0)
FAKE(collect_absent, -ENOENT)
FAKE(collect_failed, -EIO)
FAKE(collect_other_absent, -ENOENT)

static const struct collector ok_collector = {.name = "okay",
                                              .help = "Reads <b>bold</b> & \"quoted\" 'text'",
                                              .init = fake_init,
                                              .collect = collect_ok,
                                              .free = fake_free};
static const struct collector absent_collector = {
        .name = "hwmon", .help = "Sensors", .init = fake_init, .collect = collect_absent, .free = fake_free};
static const struct collector failed_collector = {
        .name = "disk<script>", .help = "Disks", .init = fake_init, .collect = collect_failed, .free = fake_free};
static const struct collector other_absent_collector = {
        .name = "edac", .help = "ECC", .init = fake_init, .collect = collect_other_absent, .free = fake_free};

static int consume_nothing(_unused_ const struct metric_set *set, _unused_ void *userdata) {
        return 0;
}

/* The page of an engine running the given collectors, collected once
 * (collect false: never), up 3 h 25 min since 2026-12-01 10:00:00 UTC. */
static void render(const struct collector *const *list, size_t n, bool collect, struct buf *out) {
        struct scrape_engine *e = NULL;
        struct config cfg;
        struct diag diag = {0};
        assert_int_equal(config_init_defaults(&cfg), 0);
        assert_int_equal(scrape_engine_new(&e), 0);
        assert_int_equal(scrape_engine_configure_collectors(e, &cfg, list, n, &diag), 0);
        if (collect)
                assert_int_equal(scrape_engine_collect(e, consume_nothing, NULL), 0);
        struct landing_page page = {
                .engine = e,
                .host = "mairie-<01>",
                .metrics_path = "/metrics?a=1&b=\"2\"",
                .started = 1796119200.0,
                .now = 1796119200.0 + 3 * 3600 + 25 * 60 + 7,
        };
        landing_page_write(out, &page);
        assert_int_equal(out->error, 0);
        scrape_engine_free(e);
        config_free(&cfg);
}

static void assert_has(const struct buf *b, const char *s) {
        if (!strstr(b->data, s))
                fail_msg("the page lacks %s:\n%s", s, b->data);
}
static void assert_lacks(const struct buf *b, const char *s) {
        if (strstr(b->data, s))
                fail_msg("the page has %s:\n%s", s, b->data);
}

static void test_absent_source_is_no_failure(_unused_ void **state) {
        const struct collector *list[] = {&ok_collector, &absent_collector};
        struct buf b = {0};
        render(list, 2, true, &b);
        assert_has(&b, "<tr class=\"absent\"><td>hwmon</td><td>no data on this host</td>");
        assert_lacks(&b, "No such file or directory");
        assert_lacks(&b, ">failed<");
        assert_has(&b, "<p class=\"summary\"><strong>All is well</strong>: 1 collector ok, 1 with no data on this "
                       "host.</p>");
        buf_free(&b);
}

static void test_failure_says_what_and_why(_unused_ void **state) {
        const struct collector *list[] = {&ok_collector, &failed_collector, &absent_collector, &other_absent_collector};
        struct buf b = {0};
        render(list, 4, true, &b);
        assert_has(&b, "<tr class=\"failed\"><td>disk&lt;script&gt;</td><td>failed</td>");
        assert_has(&b, "<td>Input/output error</td>");
        assert_has(&b, "<p class=\"summary bad\"><strong>1 collector failed</strong> (disk&lt;script&gt;); 1 "
                       "collector ok, 2 with no data on this host.</p>");
        assert_has(&b, "<tr class=\"ok\"><td>okay</td><td>ok</td>");
        buf_free(&b);
}

static void test_not_run_yet(_unused_ void **state) {
        const struct collector *list[] = {&ok_collector};
        struct buf b = {0};
        render(list, 1, false, &b);
        assert_has(&b, "<tr class=\"waiting\"><td>okay</td><td>not run yet</td><td class=\"n\"></td>");
        assert_has(&b, "0 collectors ok, 1 not run yet.");
        buf_free(&b);
}

static void test_header_version_uptime(_unused_ void **state) {
        const struct collector *list[] = {&ok_collector};
        struct buf b = {0};
        render(list, 1, true, &b);
        assert_has(&b, "<title>vigie on mairie-&lt;01&gt;</title>");
        assert_has(&b, "<h1>vigie on mairie-&lt;01&gt;</h1>");
        assert_has(&b, "Version " VIGIE_VERSION " (revision " VIGIE_REVISION "), up 3 h 25 min (since 2026-12-01 "
                       "10:00:00 UTC).");
        assert_has(&b, "<a href=\"/metrics?a=1&amp;b=&quot;2&quot;\">Metrics</a>");
        /* no push target, no push section */
        assert_lacks(&b, "Push targets");
        buf_free(&b);
}

static void test_everything_escaped(_unused_ void **state) {
        const struct collector *list[] = {&ok_collector, &failed_collector};
        struct buf b = {0};
        render(list, 2, true, &b);
        assert_has(&b, "Reads &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; &#39;text&#39;");
        assert_lacks(&b, "<script>");
        assert_lacks(&b, "<b>");
        /* one static page: no script, nothing fetched */
        assert_lacks(&b, "src=");
        assert_lacks(&b, "<link");
        assert_lacks(&b, "http://");
        assert_lacks(&b, "https://");
        buf_free(&b);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_absent_source_is_no_failure),
                cmocka_unit_test(test_failure_says_what_and_why),
                cmocka_unit_test(test_not_run_yet),
                cmocka_unit_test(test_header_version_uptime),
                cmocka_unit_test(test_everything_escaped),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
