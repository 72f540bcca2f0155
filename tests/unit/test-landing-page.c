/* The landing page written from fake collectors: what each status reads
 * as (a source this host lacks is no failure), the summary at the top,
 * uptime and version, every outside text HTML-escaped, and the host's
 * energy as the engine's observer copied it from a fake energy
 * collector's sets, with a fake clock: today's sums across a local
 * midnight and a counter reset, and the line said without energy. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* A fake energy collector: the energy collector's three host families,
 * with what fake_energy says, one sample each. */
static const char *const host_labels[] = {"source", "method"};
static const struct metric_desc host_joules_desc = {"vigie_energy_host_joules_total", "Joules.", METRIC_COUNTER, 2,
                                                    host_labels};
static const struct metric_desc host_watts_desc = {"vigie_energy_host_power_watts", "Watts.", METRIC_GAUGE, 2,
                                                   host_labels};
static const struct metric_desc carbon_desc = {"vigie_carbon_operational_grams_total", "Grams.", METRIC_COUNTER, 2,
                                               host_labels};
static struct fake_energy {
        bool host;  /* a source gives the whole host: the families are there */
        bool power; /* the power's too */
        const char *source, *method;
        double watts, joules, grams;
} fake_energy;

static int collect_energy(_unused_ void *state, struct collect_ctx *ctx) {
        if (!fake_energy.host)
                return 0;
        (void) metric_set_family(ctx->set, &host_joules_desc);
        (void) metric_set_sample2(ctx->set, fake_energy.joules, fake_energy.source, fake_energy.method);
        if (fake_energy.power) {
                (void) metric_set_family(ctx->set, &host_watts_desc);
                (void) metric_set_sample2(ctx->set, fake_energy.watts, fake_energy.source, fake_energy.method);
        }
        (void) metric_set_family(ctx->set, &carbon_desc);
        (void) metric_set_sample2(ctx->set, fake_energy.grams, fake_energy.source, fake_energy.method);
        return 0;
}
static const struct collector energy_fake = {
        .name = "energy", .help = "Energy", .init = fake_init, .collect = collect_energy, .free = fake_free};

static double fake_now;
static double fake_clock(void) {
        return fake_now;
}

/* An engine whose sets the landing page's observer sees, on fake_clock,
 * in the time zone tz. */
struct energy_env {
        struct scrape_engine *engine;
        struct landing_energy *energy;
        struct config cfg;
};

static void energy_env_start(struct energy_env *env, const char *tz, const struct collector *const *list, size_t n) {
        struct diag diag = {0};
        assert_int_equal(setenv("TZ", tz, 1), 0);
        tzset();
        fake_energy = (struct fake_energy){.host = true, .power = true, .source = "model", .method = "estimated"};
        assert_int_equal(config_init_defaults(&env->cfg), 0);
        assert_int_equal(scrape_engine_new(&env->engine), 0);
        assert_int_equal(scrape_engine_configure_collectors(env->engine, &env->cfg, list, n, &diag), 0);
        assert_int_equal(landing_energy_new(fake_clock, &env->energy), 0);
        scrape_engine_set_observer(env->engine, landing_energy_observe, env->energy);
}

static void energy_env_stop(struct energy_env *env) {
        scrape_engine_set_observer(env->engine, NULL, NULL);
        landing_energy_free(env->energy);
        scrape_engine_free(env->engine);
        config_free(&env->cfg);
}

/* One collection at now, the counters at joules and grams. */
static void collect_at(struct energy_env *env, double now, double joules, double grams) {
        fake_now = now;
        fake_energy.joules = joules;
        fake_energy.grams = grams;
        assert_int_equal(scrape_engine_collect(env->engine, consume_nothing, NULL), 0);
}

static void energy_page(const struct energy_env *env, double now, struct buf *out) {
        struct landing_page page = {
                .engine = env->engine,
                .energy = env->energy,
                .host = "h",
                .metrics_path = "/metrics",
                .started = 1796119200.0,
                .now = now,
        };
        buf_reset(out);
        landing_page_write(out, &page);
        assert_int_equal(out->error, 0);
}

#define T0 1796119200.0           /* 2026-12-01 10:00:00 UTC */
#define MIDNIGHT_CET 1796166000.0 /* 2026-12-02 00:00:00 CET, 2026-12-01 23:00:00 UTC */
#define KWH 3.6e6

static void test_energy_figures(_unused_ void **state) {
        const struct collector *list[] = {&ok_collector, &energy_fake};
        struct energy_env env;
        struct buf b = {0};
        energy_env_start(&env, "UTC0", list, 2);
        fake_energy.watts = 12.5;
        collect_at(&env, T0, 1000, 0.25);
        collect_at(&env, T0 + 60, 1000 + 0.5 * KWH, 16.25);
        energy_page(&env, T0 + 75, &b);
        assert_has(&b, "<h2>Energy</h2>");
        assert_has(&b, "<tr><td>power now</td><td class=\"n\">12.5 W</td><td>model, estimated</td></tr>");
        /* the agent started today: since its first collection */
        assert_has(&b, "<tr><td>energy since 10:00</td><td class=\"n\">0.500 kWh</td><td>model, estimated</td></tr>");
        assert_has(&b, "<tr><td>CO2e since 10:00</td><td class=\"n\">16.0 g</td><td>model, estimated</td></tr>");
        assert_has(&b, "As of the last collection, 15 s ago (2026-12-01 10:01:00 UTC).");

        /* a sensor takes over: its own series, which starts the sums from
         * where it stands (the model's 0.5 kWh stay counted) */
        fake_energy.source = "rapl";
        fake_energy.method = "measured";
        fake_energy.watts = 80;
        collect_at(&env, T0 + 120, 7 * KWH, 500);
        collect_at(&env, T0 + 180, 7.25 * KWH, 508);
        energy_page(&env, T0 + 180, &b);
        assert_has(&b, "<tr><td>power now</td><td class=\"n\">80.0 W</td><td>rapl, measured</td></tr>");
        assert_has(&b, "<tr><td>energy since 10:00</td><td class=\"n\">0.750 kWh</td><td>rapl, measured</td></tr>");
        assert_has(&b, "<tr><td>CO2e since 10:00</td><td class=\"n\">24.0 g</td><td>rapl, measured</td></tr>");

        /* a first interval too short for a power figure */
        fake_energy.power = false;
        collect_at(&env, T0 + 180.5, 7.25 * KWH, 508);
        energy_page(&env, T0 + 181, &b);
        assert_has(&b, "<tr><td>power now</td><td class=\"n\">not known yet</td><td>two collections a second apart "
                       "give it</td></tr>");
        assert_has(&b, "<td class=\"n\">0.750 kWh</td>");
        buf_free(&b);
        energy_env_stop(&env);
}

static void test_energy_midnight(_unused_ void **state) {
        const struct collector *list[] = {&energy_fake};
        struct energy_env env;
        struct buf b = {0};
        /* local midnight, not UTC's: one hour ahead of UTC */
        energy_env_start(&env, "CET-1", list, 1);
        collect_at(&env, MIDNIGHT_CET - 600, 100, 1); /* 23:50 local */
        collect_at(&env, MIDNIGHT_CET - 60, 100 + 0.125 * KWH, 5);
        energy_page(&env, MIDNIGHT_CET - 30, &b);
        assert_has(&b, "<tr><td>energy since 23:50</td><td class=\"n\">0.125 kWh</td>");
        assert_has(&b, "<tr><td>CO2e since 23:50</td><td class=\"n\">4.00 g</td>");

        /* the first collection after midnight: where today starts from;
         * what came before it went to yesterday */
        collect_at(&env, MIDNIGHT_CET + 30, 100 + 0.25 * KWH, 9);
        energy_page(&env, MIDNIGHT_CET + 40, &b);
        assert_has(&b, "<tr><td>energy today</td><td class=\"n\">0 kWh</td>");
        assert_has(&b, "<tr><td>CO2e today</td><td class=\"n\">0 g</td>");
        collect_at(&env, MIDNIGHT_CET + 3600, 100 + 1.25 * KWH, 41);
        energy_page(&env, MIDNIGHT_CET + 3610, &b);
        assert_has(&b, "<tr><td>energy today</td><td class=\"n\">1.00 kWh</td>");
        assert_has(&b, "<tr><td>CO2e today</td><td class=\"n\">32.0 g</td>");

        /* no collection since the next midnight: the figures say their day */
        energy_page(&env, MIDNIGHT_CET + 86400 + 300, &b);
        assert_has(&b, "<tr><td>energy on 2026-12-02</td><td class=\"n\">1.00 kWh</td>");
        assert_lacks(&b, "today");

        /* back after a whole day without a collection: not the day's sum */
        collect_at(&env, MIDNIGHT_CET + 2 * 86400 + 3600, 100 + 2 * KWH, 50);
        collect_at(&env, MIDNIGHT_CET + 2 * 86400 + 7200, 100 + 2.5 * KWH, 66);
        energy_page(&env, MIDNIGHT_CET + 2 * 86400 + 7200, &b);
        assert_has(&b, "<tr><td>energy since 01:00</td><td class=\"n\">0.500 kWh</td>");
        buf_free(&b);
        energy_env_stop(&env);
}

static void test_energy_counter_reset(_unused_ void **state) {
        const struct collector *list[] = {&energy_fake};
        struct energy_env env;
        struct buf b = {0};
        energy_env_start(&env, "UTC0", list, 1);
        collect_at(&env, T0, 5000, 2);
        collect_at(&env, T0 + 60, 5000 + 1 * KWH, 34);
        /* the collector restarted (a reload): its counters from 0 again */
        collect_at(&env, T0 + 120, 0.5 * KWH, 16);
        energy_page(&env, T0 + 125, &b);
        assert_has(&b, "<tr><td>energy since 10:00</td><td class=\"n\">1.50 kWh</td>");
        assert_has(&b, "<tr><td>CO2e since 10:00</td><td class=\"n\">48.0 g</td>");
        collect_at(&env, T0 + 180, 0.75 * KWH, 24);
        energy_page(&env, T0 + 185, &b);
        assert_has(&b, "<td class=\"n\">1.75 kWh</td>");
        assert_has(&b, "<td class=\"n\">56.0 g</td>");
        assert_lacks(&b, ">-");
        buf_free(&b);
        energy_env_stop(&env);
}

static void test_no_energy(_unused_ void **state) {
        const struct collector *without[] = {&ok_collector};
        const struct collector *with[] = {&ok_collector, &energy_fake};
        struct energy_env env;
        struct buf b = {0};

        energy_env_start(&env, "UTC0", without, 1);
        energy_page(&env, T0, &b);
        assert_has(&b, "<h2>Energy</h2>\n<p>No energy figures yet: no collection has run since the start (a scrape "
                       "of the metrics, or a push, makes one).</p>");
        collect_at(&env, T0, 0, 0);
        energy_page(&env, T0, &b);
        assert_has(&b, "<h2>Energy</h2>\n<p>No energy figures: the energy collector is off "
                       "(<code>--collector.energy</code> turns it on).</p>");
        assert_lacks(&b, "power now");
        energy_env_stop(&env);

        /* enabled, but no source for the whole host */
        energy_env_start(&env, "UTC0", with, 2);
        fake_energy.host = false;
        collect_at(&env, T0, 0, 0);
        energy_page(&env, T0, &b);
        assert_has(&b, "<h2>Energy</h2>\n<p>No energy figures in the last collection: the energy collector found no "
                       "source for the whole host, or failed (see its row under Collectors).</p>");
        assert_lacks(&b, "power now");
        buf_free(&b);
        energy_env_stop(&env);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_absent_source_is_no_failure),
                cmocka_unit_test(test_failure_says_what_and_why),
                cmocka_unit_test(test_not_run_yet),
                cmocka_unit_test(test_header_version_uptime),
                cmocka_unit_test(test_everything_escaped),
                cmocka_unit_test(test_energy_figures),
                cmocka_unit_test(test_energy_midnight),
                cmocka_unit_test(test_energy_counter_reset),
                cmocka_unit_test(test_no_energy),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
