/* Plugins: the ABI through the real dlopen path on the test plugins of
 * tests/plugins (a 1.0 plugin in this 1.1 host, a 1.1 plugin in a 1.0
 * host's table, another major, no entry point, an undefined symbol,
 * unknown flags, a longer descriptor), and instances run by the engine
 * (a collect that never returns, one taking 1.5 intervals, half a
 * snapshot then an error, each rule of source_check, a clash with a
 * built-in's family from the first scrape on, two instances printing the
 * same series, init and free once per instance across reloads).
 * The field offsets of the public header are held here at compile time. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "collector.h"
#include "config.h"
#include "harness.h"
#include "plugin.h"
#include "plugin_host.h"
#include "prom_text.h"
#include "scrape.h"
#include "vigie-plugin.h"

/* ABI 1's layout: an offset that moves is an incompatible change. */
#define P sizeof(void *)
_Static_assert(offsetof(struct vigie_host, size) == 0, "vigie_host.size");
_Static_assert(offsetof(struct vigie_host, abi_major) == 4, "vigie_host.abi_major");
_Static_assert(offsetof(struct vigie_host, abi_minor) == 6, "vigie_host.abi_minor");
_Static_assert(offsetof(struct vigie_host, config_get) == 8, "vigie_host.config_get");
_Static_assert(offsetof(struct vigie_host, log) == 8 + P, "vigie_host.log");
_Static_assert(offsetof(struct vigie_host, family) == 8 + 2 * P, "vigie_host.family");
_Static_assert(offsetof(struct vigie_host, sample) == 8 + 3 * P, "vigie_host.sample");
_Static_assert(offsetof(struct vigie_host, sample_suffix) == 8 + 4 * P, "vigie_host.sample_suffix");
_Static_assert(sizeof(struct vigie_host) == 8 + 5 * P, "vigie_host grew: append, bump the minor, update this");
_Static_assert(offsetof(struct vigie_plugin, size) == 0, "vigie_plugin.size");
_Static_assert(offsetof(struct vigie_plugin, abi_major) == 4, "vigie_plugin.abi_major");
_Static_assert(offsetof(struct vigie_plugin, abi_minor) == 6, "vigie_plugin.abi_minor");
_Static_assert(offsetof(struct vigie_plugin, name) == 8, "vigie_plugin.name");
_Static_assert(offsetof(struct vigie_plugin, version) == 8 + P, "vigie_plugin.version");
_Static_assert(offsetof(struct vigie_plugin, flags) == 8 + 2 * P, "vigie_plugin.flags");
_Static_assert(offsetof(struct vigie_plugin, init) == 16 + 2 * P, "vigie_plugin.init");
_Static_assert(offsetof(struct vigie_plugin, collect) == 16 + 3 * P, "vigie_plugin.collect");
_Static_assert(offsetof(struct vigie_plugin, free) == 16 + 4 * P, "vigie_plugin.free");
_Static_assert(offsetof(struct vigie_plugin, interrupt) == 16 + 5 * P, "vigie_plugin.interrupt");
_Static_assert(sizeof(struct vigie_plugin) == 16 + 6 * P, "vigie_plugin grew: append, bump the minor, update this");
_Static_assert(VIGIE_GAUGE == 0 && VIGIE_COUNTER == 1 && VIGIE_UNTYPED == 2 && VIGIE_HISTOGRAM == 3 &&
                       VIGIE_SUMMARY == 4,
               "metric types");
_Static_assert(VIGIE_SUFFIX_BUCKET == 1 && VIGIE_SUFFIX_SUM == 2 && VIGIE_SUFFIX_COUNT == 3, "suffixes");
#undef P

static const char *so(const char *name) {
        static char path[512];
        (void) snprintf(path, sizeof(path), "%s/%s.so", TEST_PLUGINS_DIR, name);
        return path;
}

struct loaded {
        struct vigie_host_ctx ctx;
        struct vigie_plugin plugin;
        int r;
        char err[512];
};

static void load(const char *name, const struct vigie_host *table, struct loaded *l) {
        assert_int_equal(plugin_ctx_init(&l->ctx, "t", NULL, 0), 0);
        l->r = plugin_load(so(name), table, &l->ctx, &l->plugin, l->err, sizeof(l->err));
}

/* Loads, inits and collects once: whether the families came. */
static void load_collect(const char *name, const struct vigie_host *table, const char *want, const char *not_want) {
        struct loaded l;
        load(name, table, &l);
        if (l.r < 0)
                fail_msg("%s", l.err);
        void *state = NULL;
        assert_int_equal(l.plugin.init(&l.ctx, table, &state), 0);
        plugin_ctx_begin(&l.ctx);
        assert_int_equal(plugin_ctx_end(&l.ctx, l.plugin.collect(state, &l.ctx)), 0);
        struct prom_encoder enc = {0};
        struct buf out = {0};
        assert_int_equal(prom_text_encode(&enc, &l.ctx.staging, &out), 0);
        buf_puts(&out, "");
        if (!strstr(out.data, want))
                fail_msg("no %s in\n%s", want, out.data);
        if (not_want && strstr(out.data, not_want))
                fail_msg("%s in\n%s", not_want, out.data);
        buf_free(&out);
        prom_encoder_free(&enc);
        l.plugin.free(state);
        plugin_ctx_free(&l.ctx);
}

static void refused(const char *name, const struct vigie_host *table, int err, const char *const *words) {
        struct loaded l;
        load(name, table, &l);
        assert_int_equal(l.r, err);
        for (const char *const *w = words; *w; w++)
                if (!strstr(l.err, *w))
                        fail_msg("'%s' lacks '%s'", l.err, *w);
        plugin_ctx_free(&l.ctx);
}

static void test_v10_plugin_in_v11_host(_unused_ void **state) {
        load_collect("tp_v10", &plugin_host_table, "tp_value{kind=\"a\"} 1", NULL);
}

static void test_v11_plugin_in_v10_host(_unused_ void **state) {
        /* it sees the smaller table and leaves its histogram out */
        load_collect("tp_v11", &plugin_host_table_1_0, "tp_degraded 1", "tp_latency_seconds");
        load_collect("tp_v11", &plugin_host_table, "tp_latency_seconds_bucket{le=\"+Inf\"} 5", "tp_degraded");
}

static void test_wrong_major(_unused_ void **state) {
        refused("tp_major2", &plugin_host_table, -ENOEXEC,
                (const char *const[]){"plugin testplug", "ABI 2.1", "speaks 1.1", "upgrade vigie", NULL});
}

static void test_entry_of_another_major(_unused_ void **state) {
        refused("tp_entry_v2", &plugin_host_table, -ENOEXEC,
                (const char *const[]){"built for plugin ABI 2", "vigie_plugin_v2", "upgrade vigie", NULL});
}

static void test_missing_entry_point(_unused_ void **state) {
        refused("tp_noentry", &plugin_host_table, -ENOEXEC, (const char *const[]){"no vigie_plugin_v1", NULL});
}

static void test_undefined_symbol_fails_at_load(_unused_ void **state) {
        refused("tp_undefined", &plugin_host_table, -ENOENT,
                (const char *const[]){"cannot load", "tp_symbol_nobody_defines", NULL});
}

static void test_unknown_flags(_unused_ void **state) {
        refused("tp_flags", &plugin_host_table, -ENOEXEC, (const char *const[]){"flags 0x10000000000", NULL});
}

static void test_longer_descriptor(_unused_ void **state) {
        refused("tp_newer_set", &plugin_host_table, -ENOEXEC,
                (const char *const[]){"ABI 1.9", "newer than this vigie's 1.1", "does not know", NULL});
        /* the same with its unknown field unset: what it means is ABI 1.1's */
        load_collect("tp_newer_zero", &plugin_host_table, "tp_value{kind=\"a\"} 1", NULL);
}

static void test_calls_outside_collect(_unused_ void **state) {
        struct vigie_host_ctx ctx;
        assert_int_equal(plugin_ctx_init(&ctx, "t", NULL, 0), 0);
        assert_int_equal(plugin_host_table.family(&ctx, "x", "", VIGIE_GAUGE, 0, NULL), -EPERM);
        assert_int_equal(plugin_host_table.sample(&ctx, 1, 0, NULL), -EPERM);
        plugin_ctx_begin(&ctx);
        assert_int_equal(plugin_host_table.sample(&ctx, 1, 0, NULL), -EINVAL); /* no family yet */
        assert_int_equal(plugin_ctx_end(&ctx, 0), -EINVAL);
        assert_non_null(strstr(ctx.why, "before a family"));
        plugin_ctx_free(&ctx);
}

/* --- instances run by the engine --- */

/* A built-in collector beside the plugins: its family, and whether it
 * stays fresh. */
static const struct metric_desc builtin_desc = {"fake_builtin", "The built-in's help.", METRIC_GAUGE, 0, NULL};
static int builtin_init(_unused_ const struct collector_env *env, _unused_ const struct config_section *s,
                        _unused_ struct diag *diag, void **ret) {
        *ret = NULL;
        return 0;
}
static int builtin_collect(_unused_ void *state, struct collect_ctx *ctx) {
        (void) metric_set_family(ctx->set, &builtin_desc);
        return metric_set_sample0(ctx->set, (double) clock_ns(CLOCK_MONOTONIC));
}
static void builtin_free(_unused_ void *state) {}
static const struct collector builtin = {
        .name = "builtin", .init = builtin_init, .collect = builtin_collect, .free = builtin_free};

/* An engine with the built-in and one plugin per [plugin.NAME] of conf,
 * listed in that order or, builtin_last, the other way round. */
static struct scrape_engine *engine_listed(const char *conf, bool builtin_last) {
        char text[4096], msg[512];
        (void) snprintf(text, sizeof(text), "[plugins]\ndirectory = %s\n%s", TEST_PLUGINS_DIR, conf);
        struct config cfg;
        if (load_config(text, &cfg, msg, sizeof(msg)) < 0)
                fail_msg("%s", msg);
        const struct collector *list[1 + CONFIG_PLUGINS_MAX] = {&builtin};
        size_t n = 1;
        for (size_t i = 0; i < cfg.n_plugins; i++)
                list[n++] = plugin_collector_named(cfg.plugins[i].name);
        if (builtin_last) {
                list[0] = list[n - 1];
                list[n - 1] = &builtin;
        }
        struct scrape_engine *e;
        struct diag diag = {0};
        assert_int_equal(scrape_engine_new(&e), 0);
        if (scrape_engine_configure_collectors(e, &cfg, list, n, &diag) < 0)
                fail_msg("%s", diag.msg);
        config_free(&cfg);
        return e;
}

static struct scrape_engine *engine_with(const char *conf) {
        return engine_listed(conf, false);
}

static void has(const char *text, const char *line) {
        if (!strstr(text, line))
                fail_msg("no '%s' in\n%s", line, text);
}

static void has_not(const char *text, const char *line) {
        if (strstr(text, line))
                fail_msg("'%s' in\n%s", line, text);
}

static double value_of(const char *text, const char *series) {
        const char *p = strstr(text, series);
        if (!p)
                fail_msg("no '%s' in\n%s", series, text);
        return strtod(p + strlen(series), NULL);
}

static unsigned threads(void) {
        DIR *d = opendir("/proc/self/task");
        unsigned n = 0;
        for (struct dirent *de; (de = readdir(d));)
                n += de->d_name[0] != '.';
        closedir(d);
        return n;
}

static void test_collect_that_never_returns(_unused_ void **state) {
        unsigned before = threads();
        struct scrape_engine *e =
                engine_with("[plugin.hung]\nfile = tp_v11.so\nmode = hang\ninterval = 1s\ntimeout = 100ms\n"
                            "[plugin.fine]\nfile = tp_v11.so\ninterval = 1s\n");
        double last_builtin = 0;
        uint64_t t0 = clock_ms(CLOCK_MONOTONIC);
        while (clock_ms(CLOCK_MONOTONIC) - t0 < 3500) {
                char *text = scrape_text_within(e, 50); /* never waits on the plugin */
                double v = value_of(text, "\nfake_builtin ");
                assert_true(v > last_builtin); /* the built-in stays fresh */
                last_builtin = v;
                has(text, "vigie_plugin_up{plugin=\"fine\"} 1");
                has(text, "tp_value{kind=\"a\"} 1");
                free(text);
                usleep(100 * 1000);
        }
        /* two intervals past its deadline it is quarantined, and says so */
        char *text = scrape_text_within(e, 50);
        has(text, "vigie_plugin_quarantined{plugin=\"hung\"} 1");
        has(text, "vigie_plugin_up{plugin=\"hung\"} 0");
        has(text, "node_scrape_collector_success{collector=\"plugin.hung\"} 0");
        has(text, "node_scrape_collector_success{collector=\"plugin.fine\"} 1");
        has(text, "vigie_plugin_overruns_total{plugin=\"hung\"} 1");
        free(text);
        /* one thread per instance, one worker per task, the scheduler: no pile-up */
        assert_true(threads() <= before + 5);
        scrape_engine_free(e); /* the hung thread is left to itself */
}

static void test_collect_of_one_and_a_half_intervals(_unused_ void **state) {
        struct scrape_engine *e =
                engine_with("[plugin.slow]\nfile = tp_v11.so\nsleep_ms = 1500\ninterval = 1s\ntimeout = 3s\n");
        usleep(3800 * 1000);
        char *text = scrape_text_within(e, 50);
        has(text, "tp_value{kind=\"a\"} 1");
        has(text, "node_scrape_collector_success{collector=\"plugin.slow\"} 1");
        assert_true(value_of(text, "vigie_plugin_ticks_skipped_total{plugin=\"slow\"} ") >= 1);
        has(text, "vigie_plugin_overruns_total{plugin=\"slow\"} 0");
        free(text);
        scrape_engine_free(e);
}

static void test_half_then_failure_publishes_nothing(_unused_ void **state) {
        struct scrape_engine *e = engine_with("[plugin.half]\nfile = tp_v11.so\nmode = half\n");
        char *text = scrape_text_within(e, 50);
        has_not(text, "tp_value");
        has_not(text, "tp_collects_total");
        has(text, "node_scrape_collector_success{collector=\"plugin.half\"} 0");
        has(text, "vigie_plugin_up{plugin=\"half\"} 1");
        has(text, "fake_builtin ");
        free(text);
        scrape_engine_free(e);
}

/* A rule broken: only that source's snapshot is refused. */
static void rejected(const char *mode, bool counted) {
        char conf[512];
        (void) snprintf(conf, sizeof(conf),
                        "[plugin.bad]\nfile = tp_v11.so\nmode = %s\n[plugin.good]\nfile = tp_v11.so\n", mode);
        struct scrape_engine *e = engine_with(conf);
        char *text = scrape_text_within(e, 50);
        has(text, "node_scrape_collector_success{collector=\"plugin.bad\"} 0");
        has(text, "node_scrape_collector_success{collector=\"plugin.good\"} 1");
        has(text, "vigie_plugin_up{plugin=\"bad\"} 1");
        has(text, counted ? "vigie_plugin_rejected_total{plugin=\"bad\"} 1"
                          : "vigie_plugin_rejected_total{plugin=\"bad\"} 0");
        has_not(text, "tp_bad");
        has(text, "tp_collects_total 1\n"); /* good's alone: bad's is not there */
        has(text, "fake_builtin ");
        free(text);
        scrape_engine_free(e);
}

static void test_bad_label_count(_unused_ void **state) {
        rejected("labels", false); /* refused at the call: the collect fails */
}

static void test_invalid_utf8(_unused_ void **state) {
        rejected("utf8", true);
}

static void test_duplicate_series(_unused_ void **state) {
        rejected("dup", true);
}

static void test_clash_with_builtin(_unused_ void **state) {
        /* refresh after refresh, the family is left out of each scrape and
         * counted, and the plugin stays up: its other families are served */
        struct scrape_engine *e = engine_with("[plugin.bad]\nfile = tp_v11.so\nmode = clash\ninterval = 1s\n");
        char *text = scrape_text_within(e, 50);
        double first = value_of(text, "vigie_collector_parse_errors_total{collector=\"plugin.bad\"} ");
        free(text);
        usleep(1200 * 1000);
        text = scrape_text_within(e, 50);
        has(text, "node_scrape_collector_success{collector=\"plugin.bad\"} 1");
        has(text, "vigie_plugin_rejected_total{plugin=\"bad\"} 0");
        assert_true(value_of(text, "vigie_collector_parse_errors_total{collector=\"plugin.bad\"} ") > first);
        assert_true(value_of(text, "\ntp_collects_total ") >= 2);
        has(text, "# HELP fake_builtin The built-in's help.\n# TYPE fake_builtin gauge\n");
        has_not(text, "Not the built-in's help");
        free(text);
        scrape_engine_free(e);
}

static size_t lines_starting(const char *text, const char *prefix) {
        size_t n = 0, len = strlen(prefix);
        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                n += strncmp(p, prefix, len) == 0;
        return n;
}

/* The first scrape already: the built-in's family (listed after the
 * plugin, it still runs first) and not the plugin's, which is counted as
 * left out; the rest of the plugin is served. */
static void test_clash_first_scrape(_unused_ void **state) {
        struct scrape_engine *e = engine_listed("[plugin.bad]\nfile = tp_v11.so\nmode = clash\n", true);
        char *text = scrape_text_within(e, 50);
        has(text, "# HELP fake_builtin The built-in's help.\n# TYPE fake_builtin gauge\n");
        has_not(text, "Not the built-in's help");
        assert_int_equal(lines_starting(text, "fake_builtin "), 1);
        has(text, "tp_value{kind=\"a\"} 1");
        assert_true(value_of(text, "vigie_collector_parse_errors_total{collector=\"plugin.bad\"} ") >= 1);
        free(text);
        scrape_engine_free(e);
}

/* Two instances of one plugin print the same families: one block each,
 * the second's series left out as the first's already, its status kept. */
static void test_two_instances_no_duplicate(_unused_ void **state) {
        struct scrape_engine *e = engine_with("[plugin.one]\nfile = tp_v11.so\n[plugin.two]\nfile = tp_v11.so\n");
        char *text = scrape_text_within(e, 50);
        assert_int_equal(lines_starting(text, "# TYPE tp_value "), 1);
        assert_int_equal(lines_starting(text, "tp_value{kind=\"a\"} "), 1);
        assert_int_equal(lines_starting(text, "tp_latency_seconds_bucket{le=\"+Inf\"} "), 1);
        has(text, "vigie_plugin_up{plugin=\"one\"} 1");
        has(text, "vigie_plugin_up{plugin=\"two\"} 1");
        assert_true(value_of(text, "vigie_collector_parse_errors_total{collector=\"plugin.two\"} ") >= 1);
        assert_true(value_of(text, "vigie_collector_parse_errors_total{collector=\"plugin.one\"} ") == 0);
        free(text);
        scrape_engine_free(e);
}

static void test_load_and_init_failures(_unused_ void **state) {
        struct scrape_engine *e = engine_with("[plugin.missing]\nfile = nothere.so\n"
                                              "[plugin.noinit]\nfile = tp_v11.so\nmode = failinit\n"
                                              "[plugin.fine]\nfile = tp_v11.so\n");
        char *text = scrape_text_within(e, 50);
        has(text, "vigie_plugin_up{plugin=\"missing\"} 0");
        has(text, "vigie_plugin_up{plugin=\"noinit\"} 0");
        has(text, "node_scrape_collector_success{collector=\"plugin.noinit\"} 0");
        has(text, "vigie_plugin_up{plugin=\"fine\"} 1");
        free(text);
        scrape_engine_free(e);
}

static unsigned count_lines(const char *path, const char *word) {
        FILE *f = fopen(path, "re");
        if (!f)
                return 0;
        char line[64];
        unsigned n = 0;
        while (fgets(line, sizeof(line), f))
                n += strncmp(line, word, strlen(word)) == 0;
        fclose(f);
        return n;
}

/* Reloads: each instance inits and frees exactly once, on its thread. */
static void test_init_free_once_across_reloads(_unused_ void **state) {
        char *path = temp_file("", 0);
        char conf[1024];
        (void) snprintf(
                conf, sizeof(conf),
                "[plugin.a]\nfile = tp_v11.so\ncount_file = %s\n[plugin.b]\nfile = tp_v10.so\ncount_file = %s\n", path,
                path);
        unsigned cycles = getenv("PLUGIN_CYCLES") ? (unsigned) atoi(getenv("PLUGIN_CYCLES")) : 50;
        for (unsigned i = 0; i < cycles; i++) {
                struct scrape_engine *e = engine_with(conf);
                char *text = scrape_text_within(e, 50);
                has(text, "tp_value{kind=\"a\"} 1");
                free(text);
                scrape_engine_free(e);
        }
        assert_int_equal(count_lines(path, "init"), 2 * cycles);
        assert_int_equal(count_lines(path, "free"), 2 * cycles);
        unlink(path);
        free(path);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_v10_plugin_in_v11_host),
                cmocka_unit_test(test_v11_plugin_in_v10_host),
                cmocka_unit_test(test_wrong_major),
                cmocka_unit_test(test_entry_of_another_major),
                cmocka_unit_test(test_missing_entry_point),
                cmocka_unit_test(test_undefined_symbol_fails_at_load),
                cmocka_unit_test(test_unknown_flags),
                cmocka_unit_test(test_longer_descriptor),
                cmocka_unit_test(test_calls_outside_collect),
                cmocka_unit_test(test_half_then_failure_publishes_nothing),
                cmocka_unit_test(test_bad_label_count),
                cmocka_unit_test(test_invalid_utf8),
                cmocka_unit_test(test_duplicate_series),
                cmocka_unit_test(test_clash_with_builtin),
                cmocka_unit_test(test_clash_first_scrape),
                cmocka_unit_test(test_two_instances_no_duplicate),
                cmocka_unit_test(test_load_and_init_failures),
                cmocka_unit_test(test_init_free_once_across_reloads),
                cmocka_unit_test(test_collect_of_one_and_a_half_intervals),
                /* last: it leaves a thread that never returns */
                cmocka_unit_test(test_collect_that_never_returns),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
