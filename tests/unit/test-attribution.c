/* collectors/energy/attribution.c: the host's energy split among
 * services, idle and not attributed, fed from the fixture cgroup trees of
 * tests/fixtures/cgroup (services starting, stopping and restarting
 * between snapshots) through cgroup_cpu, in each layout; and the edge
 * cases of the model on samples made up here. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "energy/attribution.h"
#include "energy/cgroup_cpu.h"
#include "harness.h"
#include "macro.h"

/* cmocka 1.1 has no assert_double_equal */
#define assert_near(a, b) assert_true(fabs((double) (a) - (double) (b)) <= 1e-9 * (1 + fabs((double) (b))))

#define M ATTRIBUTION_MEASURED
#define E ATTRIBUTION_ESTIMATED

static const struct attribution_service *service(const struct attribution *a, const char *name) {
        size_t n;
        const struct attribution_service *s = attribution_services(a, &n);
        for (size_t i = 0; i < n; i++)
                if (strcmp(s[i].name, name) == 0)
                        return &s[i];
        return NULL;
}

/* Services, idle, not attributed and forgotten add up to the host total
 * (the 1% of the design, met to rounding), kind by kind. */
static void check_sum(const struct attribution *a) {
        const struct attribution_totals *t = attribution_totals(a);
        size_t n;
        const struct attribution_service *s = attribution_services(a, &n);
        for (size_t k = 0; k < ATTRIBUTION_KINDS; k++) {
                double parts = t->idle[k] + t->unattributed[k] + t->forgotten[k];
                for (size_t i = 0; i < n; i++)
                        parts += s[i].joules[k];
                assert_near(parts, t->host[k]);
                assert_true(fabs(parts - t->host[k]) <= 0.01 * t->host[k]);
        }
}

struct expect {
        const char *name;
        double joules[ATTRIBUTION_KINDS];
        bool present;
};

struct step {
        const char *snapshot;
        struct attribution_interval in;
        double idle[ATTRIBUTION_KINDS], unattributed[ATTRIBUTION_KINDS];
        struct expect services[8];
};

/* The three snapshots of generate.py, ten seconds apart on a 4-CPU host
 * whose idle power is 50 W:
 * 1. the base: 800 J, all of it idle (500 J) or not attributed (300 J),
 *    every service there with 0 J;
 * 2. 1000 J measured, 8 CPU-seconds busy, 500 J above idle: nginx grew by
 *    2 s (2/8 of 500 J), postgresql restarted and used 0.5 s since, backup
 *    started and used 1 s, getty@ is tty1's 0.1 s and the new tty2's
 *    0.05 s, user.slice 3 s, init.scope 0.1 s; the 1.25 s no service
 *    used (8 - 6.75) is not attributed;
 * 3. 900 J estimated, 7 s busy, 400 J above idle: nginx 4 s, postgresql
 *    1 s, user.slice 1 s, 1 s not attributed; backup stopped and keeps its
 *    counter, as getty@ does without tty2. */
static const struct step steps[] = {
        {"1",
         {10, 800, ATTRIBUTION_MEASURED, 50, 4, 36, NULL},
         {500, 0},
         {300, 0},
         {{"getty@.service", {0, 0}, true},
          {"init.scope", {0, 0}, true},
          {"nginx.service", {0, 0}, true},
          {"postgresql.service", {0, 0}, true},
          {"user-runtime-dir@.service", {0, 0}, true},
          {"user.slice", {0, 0}, true}}},
        {"2",
         {10, 1000, ATTRIBUTION_MEASURED, 50, 8, 32, NULL},
         {1000, 0},
         {300 + 500 * 1.25 / 8, 0},
         {{"backup.service", {500 * 1.0 / 8, 0}, true},
          {"getty@.service", {500 * 0.15 / 8, 0}, true},
          {"init.scope", {500 * 0.1 / 8, 0}, true},
          {"nginx.service", {500 * 2.0 / 8, 0}, true},
          {"postgresql.service", {500 * 0.5 / 8, 0}, true},
          {"user-runtime-dir@.service", {0, 0}, true},
          {"user.slice", {500 * 3.0 / 8, 0}, true}}},
        {"3",
         {10, 900, ATTRIBUTION_ESTIMATED, 50, 7, 33, NULL},
         {1000, 500},
         {300 + 500 * 1.25 / 8, 400 * 1.0 / 7},
         {{"backup.service", {500 * 1.0 / 8, 0}, false},
          {"getty@.service", {500 * 0.15 / 8, 0}, true},
          {"init.scope", {500 * 0.1 / 8, 0}, true},
          {"nginx.service", {500 * 2.0 / 8, 400 * 4.0 / 7}, true},
          {"postgresql.service", {500 * 0.5 / 8, 400 * 1.0 / 7}, true},
          {"user-runtime-dir@.service", {0, 0}, true},
          {"user.slice", {500 * 3.0 / 8, 400 * 1.0 / 7}, true}}},
};

/* A sysfs root that is a link to one snapshot, swapped between feeds as
 * the kernel's tree changes under a reader that stays open. */
static void point(const char *link, const char *layout, const char *snapshot) {
        char target[4096], tmp[4200];
        (void) snprintf(target, sizeof(target), "cgroup/%s/%s", layout, snapshot);
        (void) snprintf(tmp, sizeof(tmp), "%s.new", link);
        (void) unlink(tmp);
        assert_int_equal(symlink(fixture_path(target), tmp), 0);
        assert_int_equal(rename(tmp, link), 0);
}

static void test_fixture_snapshots(_unused_ void **state) {
        static const char *const layouts[] = {"v2", "hybrid", "v1"};
        for (size_t l = 0; l < ELEMENTSOF(layouts); l++) {
                print_message("%s\n", layouts[l]);
                char dir[] = "/tmp/vigie-test-attribution.XXXXXX", link[64];
                assert_non_null(mkdtemp(dir));
                (void) snprintf(link, sizeof(link), "%s/sys", dir);
                point(link, layouts[l], steps[0].snapshot);
                struct cgroup_cpu *c = NULL;
                assert_int_equal(cgroup_cpu_open(link, &c), 0);
                struct attribution *a = NULL;
                assert_int_equal(attribution_new(&a), 0);
                struct {
                        char name[64];
                        double joules[ATTRIBUTION_KINDS];
                } before[16];
                size_t n_before = 0;
                for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                        const struct step *st = &steps[i];
                        point(link, layouts[l], st->snapshot);
                        struct cgroup_cpu_sample sample;
                        assert_int_equal(cgroup_cpu_read(c, &sample), 0);
                        struct attribution_interval in = st->in;
                        in.cpu = &sample;
                        assert_int_equal(attribution_feed(a, &in), 0);

                        const struct attribution_totals *t = attribution_totals(a);
                        size_t n_expect = 0;
                        for (size_t k = 0; k < ATTRIBUTION_KINDS; k++) {
                                assert_near(t->idle[k], st->idle[k]);
                                assert_near(t->unattributed[k], st->unattributed[k]);
                        }
                        for (const struct expect *e = st->services; e->name; e++, n_expect++) {
                                const struct attribution_service *s = service(a, e->name);
                                print_message("  %s: %g J measured, %g J estimated\n", e->name, s ? s->joules[M] : -1,
                                              s ? s->joules[E] : -1);
                                assert_non_null(s);
                                assert_int_equal(s->present, e->present);
                                for (size_t k = 0; k < ATTRIBUTION_KINDS; k++)
                                        assert_near(s->joules[k], e->joules[k]);
                        }
                        size_t n;
                        const struct attribution_service *s = attribution_services(a, &n);
                        assert_int_equal(n, n_expect);
                        check_sum(a);
                        /* never backwards, the restart of postgresql included */
                        for (size_t j = 0; j < n; j++)
                                for (size_t p = 0; p < n_before; p++)
                                        if (strcmp(before[p].name, s[j].name) == 0)
                                                for (size_t k = 0; k < ATTRIBUTION_KINDS; k++)
                                                        assert_true(s[j].joules[k] >= before[p].joules[k]);
                        assert_true(n <= ELEMENTSOF(before));
                        for (n_before = 0; n_before < n; n_before++) {
                                (void) snprintf(before[n_before].name, sizeof(before[n_before].name), "%s",
                                                s[n_before].name);
                                memcpy(before[n_before].joules, s[n_before].joules, sizeof(s->joules));
                        }
                }

                /* backup.service, stopped, stays for an hour unseen and is
                 * then forgotten, its joules kept in the sum */
                for (int i = 0; i < 4; i++) {
                        struct cgroup_cpu_sample sample;
                        assert_int_equal(cgroup_cpu_read(c, &sample), 0);
                        struct attribution_interval in = {1000, 0, ATTRIBUTION_MEASURED, 50, 0, 4000, &sample};
                        assert_int_equal(attribution_feed(a, &in), 0);
                        assert_true((service(a, "backup.service") != NULL) == (i < 3));
                        check_sum(a);
                }
                assert_near(attribution_totals(a)->forgotten[M], 500 * 1.0 / 8);
                assert_non_null(service(a, "nginx.service"));

                attribution_free(a);
                cgroup_cpu_free(c);
                assert_int_equal(unlink(link), 0);
                assert_int_equal(rmdir(dir), 0);
        }
}

/* A made-up sample of groups, one per name. */
struct made {
        struct cgroup_cpu_usage usage[4];
        struct cgroup_cpu_sample sample;
};

static const struct cgroup_cpu_sample *made(struct made *m, uint64_t a_ns, uint64_t b_ns) {
        m->usage[0] = (struct cgroup_cpu_usage){"system.slice/a.service", "a.service", a_ns};
        m->usage[1] = (struct cgroup_cpu_usage){"system.slice/b.service", "b.service", b_ns};
        m->sample = (struct cgroup_cpu_sample){.usage = m->usage, .n = 2};
        return &m->sample;
}

#define S(x) ((uint64_t) ((x) *1e9))

static void test_model_edges(_unused_ void **state) {
        struct attribution *a = NULL;
        assert_int_equal(attribution_new(&a), 0);
        struct made m;
        assert_int_equal(attribution_feed(a, &(struct attribution_interval){1, 100, M, 10, 1, 3, made(&m, 0, 0)}), 0);

        /* the services used 6 s of a host that says 4 were busy: they
         * share all that is above idle, nothing is left unattributed */
        assert_int_equal(attribution_feed(a, &(struct attribution_interval){1, 100, M, 10, 4, 0, made(&m, S(3), S(3))}),
                         0);
        assert_near(service(a, "a.service")->joules[M], 45);
        assert_near(service(a, "b.service")->joules[M], 45);
        assert_near(attribution_totals(a)->unattributed[M], 90); /* the first feed's */

        /* no busy time: idle throughout, whatever the groups say */
        assert_int_equal(attribution_feed(a, &(struct attribution_interval){1, 100, M, 10, 0, 4, made(&m, S(4), S(3))}),
                         0);
        assert_near(service(a, "a.service")->joules[M], 45);
        assert_near(attribution_totals(a)->idle[M], 10 + 10 + 100);

        /* less energy than idle power: all of it idle */
        assert_int_equal(attribution_feed(a, &(struct attribution_interval){2, 15, M, 10, 4, 0, made(&m, S(5), S(3))}),
                         0);
        assert_near(service(a, "a.service")->joules[M], 45);
        assert_near(attribution_totals(a)->idle[M], 135);

        /* a counter that went back (a new cgroup after a restart) counts
         * from 0; none counts for more than the host's CPU time (4 s) */
        assert_int_equal(
                attribution_feed(a, &(struct attribution_interval){1, 90, M, 10, 4, 0, made(&m, S(1), S(1000))}), 0);
        assert_near(service(a, "a.service")->joules[M], 45 + 80 * 1 / 5.0);
        assert_near(service(a, "b.service")->joules[M], 45 + 80 * 4 / 5.0);

        /* groups unreadable: nothing to services; the next feed is a base */
        assert_int_equal(attribution_feed(a, &(struct attribution_interval){1, 50, M, 10, 4, 0, NULL}), 0);
        assert_int_equal(
                attribution_feed(a, &(struct attribution_interval){1, 50, M, 10, 4, 0, made(&m, S(3), S(1003))}), 0);
        assert_near(service(a, "a.service")->joules[M], 61);
        assert_near(service(a, "b.service")->joules[M], 109);
        assert_near(attribution_totals(a)->unattributed[M], 90 + 40 + 40);
        check_sum(a);

        /* refused figures change nothing */
        struct attribution_totals before = *attribution_totals(a);
        const struct attribution_interval bad[] = {
                {-1, 10, M, 10, 1, 1, NULL},      {1, NAN, M, 10, 1, 1, NULL},
                {1, 10, M, INFINITY, 1, 1, NULL}, {1, 10, M, 10, -1, 1, NULL},
                {1, 10, M, 10, 1, -0.5, NULL},    {1, 10, (enum attribution_kind) 7, 10, 1, 1, NULL},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(attribution_feed(a, &bad[i]), -EINVAL);
        assert_memory_equal(&before, attribution_totals(a), sizeof(before));
        attribution_free(a);
        attribution_free(NULL);
}

/* Past ATTRIBUTION_MAX_SERVICES names, the newcomers' share is left
 * unattributed and counted; the sum still holds. */
static void test_bound(_unused_ void **state) {
        enum { N = ATTRIBUTION_MAX_SERVICES + 6 };
        struct cgroup_cpu_usage *u = calloc(N, sizeof(*u));
        char(*names)[32] = calloc(N, sizeof(*names));
        assert_non_null(u);
        assert_non_null(names);
        struct attribution *a = NULL;
        assert_int_equal(attribution_new(&a), 0);
        for (int round = 0; round < 2; round++) {
                for (size_t i = 0; i < N; i++) {
                        (void) snprintf(names[i], sizeof(names[i]), "s%04zu.service", i);
                        u[i] = (struct cgroup_cpu_usage){names[i], names[i], round * S(0.001)};
                }
                struct cgroup_cpu_sample s = {.usage = u, .n = N};
                assert_int_equal(attribution_feed(a, &(struct attribution_interval){1, 100, M, 0, N * 0.001, 0, &s}),
                                 0);
        }
        size_t n;
        (void) attribution_services(a, &n);
        assert_int_equal(n, ATTRIBUTION_MAX_SERVICES);
        assert_int_equal(attribution_totals(a)->dropped, 12);
        assert_near(attribution_totals(a)->unattributed[M], 100 + 100 * 6.0 / N);
        check_sum(a);
        attribution_free(a);
        free(u);
        free(names);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fixture_snapshots),
                cmocka_unit_test(test_model_edges),
                cmocka_unit_test(test_bound),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
