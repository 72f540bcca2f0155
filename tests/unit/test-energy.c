/* The energy collector on copies of its fixture trees (tests/fixtures/
 * energy/<case>), driven through its own clock: the kernel's counters are
 * rewritten between reads (a wrap, a reset, a permission change), the
 * model is fed a /proc/stat sequence, and what comes out is checked
 * against the expected exposition or against the formulas. One cmocka
 * test per case. VIGIE_FIXTURES_WRITE=1 rewrites the expected files. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "energy/energy.h"
#include "harness.h"
#include "prom_text.h"
#include "registry.h"

#define S 1000000000ull /* ns */
#define T0 (1000 * S)   /* any time but 0 */
#define RANGE 262143328850ull
#define POWERCAP "sys/devices/virtual/powercap/intel-rapl"

struct run {
        char dir[256];                /* the copy of the fixture */
        char procfs[300], sysfs[300]; /* the collector's roots: they outlive init, as the engine's do */
        const struct collector *c;
        void *state;
};

static void put(const struct run *r, const char *rel, const char *text) {
        char path[512];
        (void) snprintf(path, sizeof(path), "%s/%s", r->dir, rel);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

static void put_u64(const struct run *r, const char *rel, uint64_t v) {
        char text[32];
        (void) snprintf(text, sizeof(text), "%llu\n", (unsigned long long) v);
        put(r, rel, text);
}

/* Copies tests/fixtures/energy/<fixture> (NULL: an empty tree) and starts
 * the collector on it with keys = values (NULL-terminated pairs). The
 * host's own BMC and GPUs stay out of it: a missing IPMI device and NVML
 * library unless kv names others. */
static void start(struct run *r, const char *fixture, const char *const *kv) {
        (void) snprintf(r->dir, sizeof(r->dir), "/tmp/vigie-energy-XXXXXX");
        assert_non_null(mkdtemp(r->dir));
        assert_int_equal(chmod(r->dir, 0755), 0); /* readable to the test's unprivileged moments */
        char cmd[1024];
        if (fixture)
                (void) snprintf(cmd, sizeof(cmd), "cp -a %s/energy/%s/. %s/", FIXTURES_DIR, fixture, r->dir);
        else
                (void) snprintf(cmd, sizeof(cmd), "mkdir -p %s/sys %s/proc", r->dir, r->dir);
        assert_int_equal(system(cmd), 0);
        (void) snprintf(cmd, sizeof(cmd), "mkdir -p %s/proc %s/sys", r->dir, r->dir);
        assert_int_equal(system(cmd), 0);

        static struct config_entry entries[16];
        size_t n = 0;
        for (; kv && kv[2 * n]; n++)
                entries[n] =
                        (struct config_entry){.key = (char *) kv[2 * n], .value = (char *) kv[2 * n + 1], .line = 1};
        /* the first entry of a key wins */
        entries[n++] = (struct config_entry){.key = "ipmi_device", .value = "/nonexistent/ipmi0", .line = 1};
        entries[n++] =
                (struct config_entry){.key = "nvml_library", .value = "/nonexistent/libnvidia-ml.so.1", .line = 1};
        struct config_section sec = {
                .name = "energy", .kind = "collector", .file = "test.conf", .entries = entries, .n_entries = n};
        (void) snprintf(r->procfs, sizeof(r->procfs), "%s/proc", r->dir);
        (void) snprintf(r->sysfs, sizeof(r->sysfs), "%s/sys", r->dir);
        struct collector_env env = {r->procfs, r->sysfs, r->dir, r->dir};
        r->c = registry_collectors[registry_find("energy")];
        struct diag diag = {0};
        if (r->c->init(&env, &sec, &diag, &r->state) < 0)
                fail_msg("init: %s", diag.msg);
}

static void stop(struct run *r) {
        r->c->free(r->state);
        char cmd[300];
        (void) snprintf(cmd, sizeof(cmd), "rm -rf %s", r->dir);
        assert_int_equal(system(cmd), 0);
}

/* One collection at now, as /metrics would print it. */
static char *collect_at(struct run *r, uint64_t now) {
        struct metric_set set = {0};
        struct scrape_cache cache = {0};
        struct collect_ctx ctx = {.set = &set, .cache = &cache};
        assert_int_equal(energy_collect_at(r->state, &ctx, now), 0);
        scrape_cache_free(&cache);
        struct buf err = {0};
        if (metric_set_validate(&set, &err) < 0)
                fail_msg("invalid set: %s", err.data);
        buf_free(&err);
        struct prom_encoder enc = {0};
        struct buf out = {0};
        buf_puts(&out, "");
        assert_int_equal(prom_text_encode(&enc, &set, &out), 0);
        prom_encoder_free(&enc);
        metric_set_free(&set);
        char *text = out.data;
        /* checkout-dependent paths, as test-collectors writes them */
        for (char *p; (p = strstr(text, r->dir));)
                memmove(p, p + strlen(r->dir), strlen(p + strlen(r->dir)) + 1);
        return text;
}

/* The value of the series written exactly as series (name{labels}), or
 * NAN if it is not there. */
static double value_of(const char *text, const char *series) {
        size_t n = strlen(series);
        for (const char *p = text; (p = strstr(p, series)); p += n)
                if ((p == text || p[-1] == '\n') && p[n] == ' ')
                        return strtod(p + n + 1, NULL);
        return NAN;
}

static void check_value(const char *text, const char *series, double want) {
        double got = value_of(text, series);
        if (!(fabs(got - want) <= 1e-9 * fmax(1, fabs(want))))
                fail_msg("%s is %.17g, expected %.17g, in:\n%s", series, got, want, text);
}

static void expect_exposition(const char *text, const char *expected) {
        if (getenv("VIGIE_FIXTURES_WRITE")) {
                FILE *f = fopen(fixture_path(expected), "w");
                assert_non_null(f);
                fputs(text, f);
                assert_int_equal(fclose(f), 0);
                return;
        }
        char *want = fixture_read(expected);
        if (strcmp(text, want) != 0)
                fail_msg("the exposition differs from %s:\n%s", expected, text);
        free(want);
}

#define PKG0 POWERCAP "/intel-rapl:0/energy_uj"
#define ZONE(z) "vigie_energy_joules_total{source=\"rapl\",zone=\"" z "\",method=\"measured\"}"
#define WATTS(z) "vigie_energy_power_watts{source=\"rapl\",zone=\"" z "\",method=\"measured\"}"
#define HOST_J(src, m) "vigie_energy_host_joules_total{source=\"" src "\",method=\"" m "\"}"
#define HOST_W(src, m) "vigie_energy_host_power_watts{source=\"" src "\",method=\"" m "\"}"
#define UP(src, reason) "vigie_energy_source_up{source=\"" src "\",reason=\"" reason "\"}"

/* Intel: two packages with core, uncore and dram, psys, and package-0
 * again through MMIO. 10 s later every counter moved: each zone's joules
 * and watts, the MMIO twin counted once, psys the host total (it contains
 * the packages), and its carbon. */
static void test_intel(_unused_ void **state) {
        struct run r;
        start(&r, "intel", NULL);
        char *first = collect_at(&r, T0);
        expect_exposition(first, "energy/intel/expected.prom");
        free(first);
        static const struct {
                const char *rel;
                uint64_t uj;
        } moved[] = {
                {POWERCAP "/intel-rapl:0/energy_uj", 50123456789ull + 1000000000},
                {POWERCAP "/intel-rapl:0/intel-rapl:0:0/energy_uj", 30123456789ull + 600000000},
                {POWERCAP "/intel-rapl:0/intel-rapl:0:1/energy_uj", 1234567ull + 10000000},
                {POWERCAP "/intel-rapl:0/intel-rapl:0:2/energy_uj", 8123456789ull + 80000000},
                {POWERCAP "/intel-rapl:1/energy_uj", 40000000000ull + 800000000},
                {POWERCAP "/intel-rapl:1/intel-rapl:1:0/energy_uj", 25000000000ull + 500000000},
                {POWERCAP "/intel-rapl:1/intel-rapl:1:1/energy_uj", 7000000000ull + 60000000},
                {POWERCAP "/intel-rapl:2/energy_uj", 120000000000ull + 2500000000},
                {"sys/devices/virtual/powercap/intel-rapl-mmio/intel-rapl-mmio:0/energy_uj",
                 50123400000ull + 1000000000},
        };
        for (size_t i = 0; i < ELEMENTSOF(moved); i++)
                put_u64(&r, moved[i].rel, moved[i].uj);
        char *text = collect_at(&r, T0 + 10 * S);
        expect_exposition(text, "energy/intel/expected-10s.prom");
        check_value(text, ZONE("package-0"), 1000);
        check_value(text, WATTS("package-0"), 100);
        check_value(text, HOST_J("rapl", "measured"), 2500);
        check_value(text, HOST_W("rapl", "measured"), 250);
        check_value(text, "vigie_carbon_operational_grams_total{source=\"rapl\",method=\"measured\"}",
                    2500 / 3.6e6 * 32);
        free(text);
        stop(&r);
}

/* AMD: package and core only. The host total is the package, never
 * package plus core. */
static void test_amd(_unused_ void **state) {
        struct run r;
        start(&r, "amd", NULL);
        free(collect_at(&r, T0));
        put_u64(&r, PKG0, 9000000000ull + 500000000);
        put_u64(&r, POWERCAP "/intel-rapl:0/intel-rapl:0:0/energy_uj", 4000000000ull + 300000000);
        char *text = collect_at(&r, T0 + 10 * S);
        expect_exposition(text, "energy/amd/expected-10s.prom");
        check_value(text, ZONE("core-0"), 300);
        check_value(text, HOST_J("rapl", "measured"), 500);
        check_value(text, HOST_W("rapl", "measured"), 50);
        free(text);
        stop(&r);
}

/* The kernel's counter wraps at max_energy_range_uj between two reads: the
 * energy across the wrap is counted, and the sample between scrapes is
 * what sees it. */
static void test_rapl_wrap(_unused_ void **state) {
        struct run r;
        start(&r, "amd", NULL);
        put_u64(&r, PKG0, RANGE - 100000000); /* 100 J before the wrap */
        free(collect_at(&r, T0));
        put_u64(&r, PKG0, 50000000); /* wrapped, 50 J past it */
        (void) energy_sample_at(r.state, T0 + 5 * S);
        put_u64(&r, PKG0, 80000000);
        char *text = collect_at(&r, T0 + 10 * S);
        check_value(text, ZONE("package-0"), 180);
        check_value(text, HOST_J("rapl", "measured"), 180);
        free(text);
        stop(&r);
}

/* The counter goes back by more than a wrap at the zone's maximum power
 * could explain (the zone was reset): what it counted since is added,
 * never a negative amount or a made-up wrap. */
static void test_rapl_reset(_unused_ void **state) {
        struct run r;
        start(&r, "amd", NULL);
        free(collect_at(&r, T0));
        put_u64(&r, PKG0, 1000000); /* from 9000 J to 1 J in 1 s */
        char *text = collect_at(&r, T0 + S);
        check_value(text, ZONE("package-0"), 1);
        free(text);
        put_u64(&r, PKG0, 3000000);
        text = collect_at(&r, T0 + 2 * S);
        check_value(text, ZONE("package-0"), 3);
        free(text);
        stop(&r);
}

/* energy_uj becomes unreadable (mode 000; as root, the read is made with
 * an unprivileged filesystem uid, since root reads any mode): the source
 * says permission_denied, its counters keep their value, the host total
 * falls back to the next source; readable again, the energy used in the
 * meantime is counted. */
static void test_rapl_permission_denied(_unused_ void **state) {
        struct run r;
        start(&r, "amd", NULL);
        free(collect_at(&r, T0));
        put_u64(&r, PKG0, 9000000000ull + 100000000);
        char *text = collect_at(&r, T0 + 10 * S);
        check_value(text, ZONE("package-0"), 100);
        free(text);

        char path[512];
        (void) snprintf(path, sizeof(path), "%s/%s", r.dir, PKG0);
        assert_int_equal(chmod(path, 0), 0);
        bool root = geteuid() == 0;
        if (root)
                (void) setfsuid(65534);
        text = collect_at(&r, T0 + 20 * S);
        if (root)
                (void) setfsuid(0);
        check_value(text, UP("rapl", "permission_denied"), 0);
        check_value(text, ZONE("package-0"), 100);
        assert_true(isnan(value_of(text, HOST_J("rapl", "measured"))));
        assert_true(isnan(value_of(text, WATTS("package-0"))));
        free(text);

        assert_int_equal(chmod(path, 0644), 0);
        put_u64(&r, PKG0, 9000000000ull + 400000000);
        text = collect_at(&r, T0 + 30 * S);
        check_value(text, UP("rapl", "ok"), 1);
        check_value(text, ZONE("package-0"), 400);
        free(text);
        stop(&r);
}

/* The sampling period: half the time the fastest zone takes to wrap at
 * its maximum power. Intel's DRAM has no constraint: 1000 W, so
 * 262143328850 µJ / 1000 W / 2; with rapl_max_watts = 100 for all zones,
 * ten times longer; without RAPL (the model alone), no sampling at all. */
static void test_sample_period(_unused_ void **state) {
        struct run r;
        start(&r, "intel", NULL);
        assert_int_equal(energy_sample_at(r.state, T0), RANGE / 1000 / 2 / 1000);
        stop(&r);
        start(&r, "amd", NULL);
        /* AMD's package has no power constraint either */
        assert_int_equal(energy_sample_at(r.state, T0), RANGE / 1000 / 2 / 1000);
        stop(&r);
        const char *const bound[] = {"rapl_max_watts", "100", NULL};
        start(&r, "intel", bound);
        assert_int_equal(energy_sample_at(r.state, T0), RANGE / 100 / 2 / 1000);
        stop(&r);
        start(&r, NULL, NULL);
        put(&r, "proc/stat", "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 100 0 100 800 0 0 0 0 0 0\n");
        assert_int_equal(energy_sample_at(r.state, T0), 0);
        stop(&r);
}

/* /proc/stat as the model reads it: user nice system idle iowait irq
 * softirq steal guest guest_nice, on the total line and two CPUs. */
static void put_stat(const struct run *r, uint64_t busy, uint64_t idle, uint64_t steal) {
        char text[256];
        (void) snprintf(text, sizeof(text),
                        "cpu  %llu 0 %llu %llu 0 0 0 %llu 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0 0 0\n"
                        "intr 0\n",
                        (unsigned long long) (busy / 2), (unsigned long long) (busy - busy / 2),
                        (unsigned long long) idle, (unsigned long long) steal);
        put(r, "proc/stat", text);
}

#define MODEL_J(zone) "vigie_energy_joules_total{source=\"model\",zone=\"" zone "\",method=\"estimated\"}"
#define MODEL_W(zone) "vigie_energy_power_watts{source=\"model\",zone=\"" zone "\",method=\"estimated\"}"

/* The TDP curve, from its four points: 30% busy is 0.32 + (0.3 - 0.1) /
 * (0.5 - 0.1) x (0.75 - 0.32) of the TDP. Steal is not the guest's time. */
static void test_model_tdp(_unused_ void **state) {
        struct run r;
        const char *const kv[] = {"model_tdp_watts", "100", NULL};
        start(&r, NULL, kv);
        put_stat(&r, 1000, 9000, 0);
        free(collect_at(&r, T0));
        const double points[][2] = {{0.0, 0.12},
                                    {0.10, 0.32},
                                    {0.30, 0.32 + 0.2 / 0.4 * 0.43},
                                    {0.50, 0.75},
                                    {0.75, 0.75 + 0.25 / 0.5 * 0.27},
                                    {1.0, 1.02}};
        uint64_t busy = 1000, idle = 9000, steal = 0, t = T0;
        double joules = 0;
        for (size_t i = 0; i < ELEMENTSOF(points); i++) {
                busy += (uint64_t) (points[i][0] * 1000);
                idle += 1000 - (uint64_t) (points[i][0] * 1000);
                steal += 500;
                put_stat(&r, busy, idle, steal);
                t += 10 * S;
                char *text = collect_at(&r, t);
                joules += 100 * points[i][1] * 10;
                check_value(text, MODEL_W("cpu"), 100 * points[i][1]);
                check_value(text, MODEL_J("cpu"), joules);
                check_value(text, HOST_J("model", "estimated"), joules);
                free(text);
        }
        stop(&r);
}

/* Without a configured TDP: 3.5 W per CPU the kernel counts (two here). */
static void test_model_default_tdp(_unused_ void **state) {
        struct run r;
        start(&r, NULL, NULL);
        put_stat(&r, 0, 0, 0);
        free(collect_at(&r, T0));
        put_stat(&r, 1000, 0, 0);
        char *text = collect_at(&r, T0 + 10 * S);
        check_value(text, MODEL_W("cpu"), 2 * 3.5 * 1.02);
        free(text);
        stop(&r);
}

/* Cloud Carbon Footprint's: per vCPU min + u x (max - min), plus per GiB. */
static void test_model_ccf(_unused_ void **state) {
        struct run r;
        const char *const kv[] = {"model", "ccf", NULL};
        start(&r, NULL, kv);
        put(&r, "proc/meminfo", "MemTotal:        4194304 kB\nMemFree:          100000 kB\n");
        put_stat(&r, 0, 0, 0);
        free(collect_at(&r, T0));
        put_stat(&r, 300, 700, 400);
        char *text = collect_at(&r, T0 + 10 * S);
        double w = 2 * (0.74 + 0.3 * (3.5 - 0.74)) + 4 * 0.392;
        check_value(text, MODEL_W("cpu_memory"), w);
        check_value(text, MODEL_J("cpu_memory"), w * 10);
        free(text);
        stop(&r);
}

/* hwmon: an ACPI power meter (the host figure) and a GPU's power
 * integrated over time, a CPU's energy counter taken as it is. */
static void test_hwmon(_unused_ void **state) {
        struct run r;
        start(&r, "hwmon", NULL);
        free(collect_at(&r, T0));
        put(&r, "sys/devices/virtual/hwmon/hwmon0/power1_average", "218000000\n");
        put(&r, "sys/devices/virtual/hwmon/hwmon2/energy1_input", "123461789000\n");
        char *text = collect_at(&r, T0 + 10 * S);
        expect_exposition(text, "energy/hwmon/expected-10s.prom");
        /* the trapezoid between 182 W and 218 W */
        check_value(text, HOST_J("hwmon", "measured"), 2000);
        check_value(text, HOST_W("hwmon", "measured"), 200);
        check_value(
                text,
                "vigie_energy_joules_total{source=\"hwmon\",zone=\"amd_energy/hwmon2/energy1\",method=\"measured\"}",
                5);
        check_value(text,
                    "vigie_energy_joules_total{source=\"hwmon\",zone=\"amdgpu/hwmon1/power1\",method=\"measured\"}",
                    250);
        free(text);
        stop(&r);
}

/* A battery that discharges powers the host: its power_now integrated. */
static void test_power_supply(_unused_ void **state) {
        struct run r;
        start(&r, "power_supply", NULL);
        free(collect_at(&r, T0));
        char *text = collect_at(&r, T0 + 10 * S);
        expect_exposition(text, "energy/power_supply/expected-10s.prom");
        check_value(text, HOST_J("power_supply", "measured"), 95);
        free(text);
        /* charging: it delivers nothing, and the host total is the model's */
        put(&r, "sys/devices/platform/BAT0/power_supply/BAT0/status", "Charging\n");
        put_stat(&r, 0, 0, 0);
        free(collect_at(&r, T0 + 20 * S));
        put_stat(&r, 500, 500, 0);
        text = collect_at(&r, T0 + 30 * S);
        check_value(text, "vigie_energy_joules_total{source=\"power_supply\",zone=\"BAT0\",method=\"measured\"}", 95);
        assert_true(isnan(value_of(text, HOST_J("power_supply", "measured"))));
        assert_false(isnan(value_of(text, HOST_J("model", "estimated"))));
        free(text);
        stop(&r);
}

/* Carbon: joules / 3.6e6 x PUE x intensity, interval by interval; the
 * embodied counter spreads its kg over the lifetime; both factors are
 * exposed as gauges. */
static void test_carbon(_unused_ void **state) {
        struct run r;
        const char *const kv[] = {"grid_intensity",          "50", "pue", "1.5", "embodied_kgco2e", "1000",
                                  "embodied_lifetime_years", "4",  NULL};
        start(&r, "amd", kv);
        free(collect_at(&r, T0));
        put_u64(&r, PKG0, 9000000000ull + 3600000000ull); /* 3600 J, 1 Wh */
        char *text = collect_at(&r, T0 + 100 * S);
        check_value(text, "vigie_carbon_operational_grams_total{source=\"rapl\",method=\"measured\"}",
                    3600 / 3.6e6 * 1.5 * 50);
        check_value(text, "vigie_carbon_grid_intensity_grams_per_kwh", 50);
        check_value(text, "vigie_carbon_pue_ratio", 1.5);
        check_value(text, "vigie_carbon_embodied_grams_total", 1000e3 / (4 * 365.25 * 86400) * 100);
        free(text);
        stop(&r);

        start(&r, "amd", NULL);
        text = collect_at(&r, T0);
        assert_true(isnan(value_of(text, "vigie_carbon_embodied_grams_total")));
        free(text);
        stop(&r);
}

/* A cgroup v2 tree: each service's cpu.stat usage_usec. */
static void put_usage(const struct run *r, const char *group, uint64_t usec) {
        char rel[256], cmd[600], text[64];
        (void) snprintf(cmd, sizeof(cmd), "mkdir -p %s/sys/fs/cgroup/%s && touch %s/sys/fs/cgroup/cgroup.controllers",
                        r->dir, group, r->dir);
        assert_int_equal(system(cmd), 0);
        (void) snprintf(rel, sizeof(rel), "sys/fs/cgroup/%s/cpu.stat", group);
        (void) snprintf(text, sizeof(text), "usage_usec %llu\nuser_usec 0\nsystem_usec 0\n", (unsigned long long) usec);
        put(r, rel, text);
}

#define SERVICE_J(name, m) "vigie_energy_service_joules_total{service=\"" name "\",method=\"" m "\"}"
#define IDLE_J(m) "vigie_energy_idle_joules_total{method=\"" m "\"}"
#define UNATTRIBUTED_J(m) "vigie_energy_unattributed_joules_total{method=\"" m "\"}"

/* The parts of the host total: services, idle, not attributed. */
static double parts(const char *text, const char *const *services, size_t n, const char *method) {
        char series[256];
        double sum = 0;
        for (size_t i = 0; i < n; i++) {
                (void) snprintf(series, sizeof(series),
                                "vigie_energy_service_joules_total{service=\"%s\",method=\"%s\"}", services[i], method);
                sum += value_of(text, series);
        }
        (void) snprintf(series, sizeof(series), "vigie_energy_idle_joules_total{method=\"%s\"}", method);
        sum += value_of(text, series);
        (void) snprintf(series, sizeof(series), "vigie_energy_unattributed_joules_total{method=\"%s\"}", method);
        return sum + value_of(text, series);
}

/* Energy per service, wired to the host total: the model at 40% busy
 * over 10 s (100 W TDP: 0.6425 x 100 W), idle its 0% point (12 W), the
 * rest by the services' share of the 4 s of busy CPU time (a 2 s, b 1 s,
 * user.slice 0.5 s, the last 0.5 s not attributed). The sample at start
 * takes the base, as the engine's first sample does. Then a restarts (its
 * new cgroup's counter is below the old one: all of it is new) and
 * idle_watts is configured: 20 W. */
static void test_services(_unused_ void **state) {
        static const char *const services[] = {"a.service", "b.service", "user.slice"};
        struct run r;
        const char *const kv[] = {"model_tdp_watts", "100", NULL};
        start(&r, NULL, kv);
        put_stat(&r, 1000, 9000, 0);
        put_usage(&r, "system.slice/a.service", 5000000);
        put_usage(&r, "system.slice/b.service", 7000000);
        put_usage(&r, "user.slice", 1000000);
        (void) energy_sample_at(r.state, T0);
        put_stat(&r, 1000 + 400, 9000 + 600, 0);
        put_usage(&r, "system.slice/a.service", 5000000 + 2000000);
        put_usage(&r, "system.slice/b.service", 7000000 + 1000000);
        put_usage(&r, "user.slice", 1000000 + 500000);
        char *text = collect_at(&r, T0 + 10 * S);
        double host = 642.5, idle = 120, dynamic = host - idle;
        check_value(text, HOST_J("model", "estimated"), host);
        check_value(text, IDLE_J("estimated"), idle);
        check_value(text, SERVICE_J("a.service", "estimated"), dynamic * 2 / 4);
        check_value(text, SERVICE_J("b.service", "estimated"), dynamic * 1 / 4);
        check_value(text, SERVICE_J("user.slice", "estimated"), dynamic * 0.5 / 4);
        check_value(text, UNATTRIBUTED_J("estimated"), dynamic * 0.5 / 4);
        check_value(text, "vigie_energy_idle_power_watts", 12);
        check_value(text, HOST_J("model", "estimated"), parts(text, services, ELEMENTSOF(services), "estimated"));
        assert_true(isnan(value_of(text, IDLE_J("measured"))));
        free(text);

        put_stat(&r, 1400 + 400, 9600 + 600, 0);
        put_usage(&r, "system.slice/a.service", 1000000); /* restarted: 1 s since */
        put_usage(&r, "system.slice/b.service", 8000000 + 2000000);
        put_usage(&r, "user.slice", 1500000);
        text = collect_at(&r, T0 + 20 * S);
        check_value(text, SERVICE_J("a.service", "estimated"), dynamic * (2 + 1) / 4);
        check_value(text, SERVICE_J("b.service", "estimated"), dynamic * (1 + 2) / 4);
        check_value(text, SERVICE_J("user.slice", "estimated"), dynamic * 0.5 / 4);
        check_value(text, UNATTRIBUTED_J("estimated"), dynamic * (0.5 + 1) / 4);
        check_value(text, HOST_J("model", "estimated"), parts(text, services, ELEMENTSOF(services), "estimated"));
        free(text);
        stop(&r);

        const char *const idle_kv[] = {"model_tdp_watts", "100", "idle_watts", "20", NULL};
        start(&r, NULL, idle_kv);
        put_stat(&r, 1000, 9000, 0);
        put_usage(&r, "system.slice/a.service", 0);
        (void) energy_sample_at(r.state, T0);
        put_stat(&r, 1400, 9600, 0);
        put_usage(&r, "system.slice/a.service", 4000000);
        text = collect_at(&r, T0 + 10 * S);
        check_value(text, IDLE_J("estimated"), 200);
        check_value(text, SERVICE_J("a.service", "estimated"), host - 200);
        check_value(text, UNATTRIBUTED_J("estimated"), 0);
        check_value(text, "vigie_energy_idle_power_watts", 20);
        free(text);
        stop(&r);

        /* services = false: none of its series */
        const char *const off_kv[] = {"services", "false", NULL};
        start(&r, NULL, off_kv);
        put_stat(&r, 1000, 9000, 0);
        (void) energy_sample_at(r.state, T0);
        put_stat(&r, 1400, 9600, 0);
        text = collect_at(&r, T0 + 10 * S);
        assert_false(isnan(value_of(text, HOST_J("model", "estimated"))));
        assert_null(strstr(text, "vigie_energy_idle_joules_total"));
        assert_null(strstr(text, "vigie_energy_service_joules_total"));
        free(text);
        stop(&r);
}

/* IPMI without a BMC: a missing device, and one that is not an IPMI
 * device (/dev/null refuses the ioctl): no data, no_hardware, never
 * polled again (no sampling for it), the host total from the next source. */
static void test_ipmi_missing(_unused_ void **state) {
        static const char *const devices[] = {"/nonexistent/ipmi0", "/dev/null"};
        for (size_t i = 0; i < ELEMENTSOF(devices); i++) {
                struct run r;
                const char *const kv[] = {"ipmi_device", devices[i], NULL};
                start(&r, NULL, kv);
                put_stat(&r, 1000, 9000, 0);
                assert_int_equal(energy_sample_at(r.state, T0), 0);
                put_stat(&r, 1400, 9600, 0);
                char *text = collect_at(&r, T0 + 10 * S);
                check_value(text, UP("ipmi", "no_hardware"), 0);
                assert_null(strstr(text, "source=\"ipmi\",zone="));
                assert_false(isnan(value_of(text, HOST_J("model", "estimated"))));
                free(text);
                assert_int_equal(energy_sample_at(r.state, T0 + 20 * S), 0);
                stop(&r);
        }
}

#define NVML_J(uuid) "vigie_energy_joules_total{source=\"nvml\",zone=\"" uuid "\",method=\"measured\"}"
#define GPU_A "GPU-1f2e3d4c-0000-1111-2222-333344445555"
#define GPU_B "GPU-aaaabbbb-cccc-dddd-eeee-ffff00001111"

/* NVML through the fake libnvidia-ml.so that meson builds (FAKE_NVML),
 * loaded by the collector's own path at its first poll: GPU A's energy
 * counter (a joule more at each read) taken as it is, GPU B's 70.25 W
 * integrated over 10 s; GPUs apart from the host total; polled every 5 s.
 * A driver that is not loaded: no_hardware, never polled again. */
static void test_nvml(_unused_ void **state) {
        const char *lib = getenv("FAKE_NVML");
        if (!lib)
                skip();
        struct run r;
        const char *const kv[] = {"nvml_library", lib, NULL};
        start(&r, NULL, kv);
        put_stat(&r, 1000, 9000, 0);
        assert_int_equal(energy_sample_at(r.state, T0), 5000);
        assert_int_equal(energy_sample_at(r.state, T0 + 10 * S), 5000);
        put_stat(&r, 1400, 9600, 0);
        char *text = collect_at(&r, T0 + 10 * S);
        check_value(text, UP("nvml", "ok"), 1);
        check_value(text, NVML_J(GPU_A), 1);
        check_value(text, NVML_J(GPU_B), 70.25 * 10);
        assert_false(isnan(value_of(text, HOST_J("model", "estimated"))));
        assert_null(strstr(text, "vigie_energy_host_joules_total{source=\"nvml\""));
        free(text);
        stop(&r);

        assert_int_equal(setenv("FAKE_NVML_INIT_FAIL", "1", 1), 0);
        start(&r, NULL, kv);
        assert_int_equal(energy_sample_at(r.state, T0), 0);
        text = collect_at(&r, T0 + 10 * S);
        check_value(text, UP("nvml", "no_hardware"), 0);
        assert_null(strstr(text, "source=\"nvml\",zone="));
        free(text);
        stop(&r);
        assert_int_equal(unsetenv("FAKE_NVML_INIT_FAIL"), 0);
}

/* Bad values are refused at init with the key's line. */
static void test_bad_options(_unused_ void **state) {
        static const char *const cases[][2] = {{"model", "linear"},      {"pue", "0.5"},        {"grid_intensity", "x"},
                                               {"rapl_max_watts", "-1"}, {"services", "maybe"}, {"idle_watts", "-3"}};
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct config_entry e = {.key = (char *) cases[i][0], .value = (char *) cases[i][1], .line = 3};
                struct config_section sec = {
                        .name = "energy", .kind = "collector", .file = "t.conf", .entries = &e, .n_entries = 1};
                struct collector_env env = {"/nonexistent", "/nonexistent", "/", "/"};
                struct diag diag = {0};
                void *st = NULL;
                const struct collector *c = registry_collectors[registry_find("energy")];
                assert_int_equal(c->init(&env, &sec, &diag, &st), -EINVAL);
                if (!strstr(diag.msg, "t.conf:3") || !strstr(diag.msg, cases[i][0]))
                        fail_msg("%s = %s: %s", cases[i][0], cases[i][1], diag.msg);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_intel),
                cmocka_unit_test(test_amd),
                cmocka_unit_test(test_rapl_wrap),
                cmocka_unit_test(test_rapl_reset),
                cmocka_unit_test(test_rapl_permission_denied),
                cmocka_unit_test(test_sample_period),
                cmocka_unit_test(test_model_tdp),
                cmocka_unit_test(test_model_default_tdp),
                cmocka_unit_test(test_model_ccf),
                cmocka_unit_test(test_hwmon),
                cmocka_unit_test(test_power_supply),
                cmocka_unit_test(test_carbon),
                cmocka_unit_test(test_services),
                cmocka_unit_test(test_ipmi_missing),
                cmocka_unit_test(test_nvml),
                cmocka_unit_test(test_bad_options),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
