/* collectors/energy/cgroup_cpu.c: per-service CPU time from the fixture
 * cgroup trees of tests/fixtures/cgroup (generate.py there says what each
 * holds), for cgroup v2, hybrid and v1, and a tree full of garbage. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "energy/cgroup_cpu.h"
#include "harness.h"
#include "macro.h"

struct want {
        const char *group, *name;
        uint64_t usage_ns;
};

/* The sample holds exactly the wanted groups, in any order. */
static void check_sample(const struct cgroup_cpu_sample *s, const struct want *want, size_t n) {
        for (size_t i = 0; i < s->n; i++)
                print_message("  %s as %s: %llu ns\n", s->usage[i].group, s->usage[i].name,
                              (unsigned long long) s->usage[i].usage_ns);
        assert_int_equal(s->n, n);
        for (size_t i = 0; i < n; i++) {
                size_t j = 0;
                while (j < s->n && strcmp(s->usage[j].group, want[i].group) != 0)
                        j++;
                assert_true(j < s->n);
                assert_string_equal(s->usage[j].name, want[i].name);
                assert_int_equal(s->usage[j].usage_ns, want[i].usage_ns);
        }
}

/* The first snapshot, read through each layout: the same services with
 * the same times. A template's instances count under the template, user
 * sessions as user.slice alone, scopes of system.slice not at all. */
static void test_layouts(_unused_ void **state) {
        static const struct {
                const char *root;
                enum cgroup_layout layout;
        } cases[] = {
                {"cgroup/v2/1", CGROUP_LAYOUT_V2},
                {"cgroup/hybrid/1", CGROUP_LAYOUT_HYBRID},
                {"cgroup/v1/1", CGROUP_LAYOUT_V1},
        };
        static const struct want want[] = {
                {"system.slice/nginx.service", "nginx.service", 10000000000},
                {"system.slice/postgresql.service", "postgresql.service", 50000000000},
                {"system.slice/system-getty.slice/getty@tty1.service", "getty@.service", 100000000},
                {"system.slice/user-runtime-dir@1000.service", "user-runtime-dir@.service", 5000000},
                {"user.slice", "user.slice", 20000000000},
                {"init.scope", "init.scope", 3000000000},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                print_message("%s\n", cases[i].root);
                struct cgroup_cpu *c = NULL;
                assert_int_equal(cgroup_cpu_open(fixture_path(cases[i].root), &c), 0);
                assert_int_equal(cgroup_cpu_layout(c), cases[i].layout);
                struct cgroup_cpu_sample s;
                for (int round = 0; round < 2; round++) { /* buffers reused */
                        assert_int_equal(cgroup_cpu_read(c, &s), 0);
                        check_sample(&s, want, ELEMENTSOF(want));
                        assert_int_equal(s.parse_errors, 0);
                        assert_int_equal(s.dropped, 0);
                }
                cgroup_cpu_free(c);
        }
}

/* Between the second and the third snapshot, backup.service and
 * getty@tty2.service stop: they are simply absent. */
static void test_stopped(_unused_ void **state) {
        static const struct want second[] = {
                {"system.slice/nginx.service", "nginx.service", 12000000000},
                {"system.slice/postgresql.service", "postgresql.service", 500000000},
                {"system.slice/backup.service", "backup.service", 1000000000},
                {"system.slice/system-getty.slice/getty@tty1.service", "getty@.service", 200000000},
                {"system.slice/system-getty.slice/getty@tty2.service", "getty@.service", 50000000},
                {"system.slice/user-runtime-dir@1000.service", "user-runtime-dir@.service", 5000000},
                {"user.slice", "user.slice", 23000000000},
                {"init.scope", "init.scope", 3100000000},
        };
        static const struct want third[] = {
                {"system.slice/nginx.service", "nginx.service", 16000000000},
                {"system.slice/postgresql.service", "postgresql.service", 1500000000},
                {"system.slice/system-getty.slice/getty@tty1.service", "getty@.service", 200000000},
                {"system.slice/user-runtime-dir@1000.service", "user-runtime-dir@.service", 5000000},
                {"user.slice", "user.slice", 24000000000},
                {"init.scope", "init.scope", 3100000000},
        };
        struct cgroup_cpu *c = NULL;
        struct cgroup_cpu_sample s;
        assert_int_equal(cgroup_cpu_open(fixture_path("cgroup/v1/2"), &c), 0);
        assert_int_equal(cgroup_cpu_read(c, &s), 0);
        check_sample(&s, second, ELEMENTSOF(second));
        cgroup_cpu_free(c);
        assert_int_equal(cgroup_cpu_open(fixture_path("cgroup/v2/3"), &c), 0);
        assert_int_equal(cgroup_cpu_read(c, &s), 0);
        check_sample(&s, third, ELEMENTSOF(third));
        cgroup_cpu_free(c);
}

/* Garbage lines are skipped and counted, a value is still read among
 * them; a file without the value, with one out of range, or cut before
 * it leaves its service out and counts; a service whose file is gone is
 * absent without a count. */
static void test_garbage(_unused_ void **state) {
        static const struct want want[] = {
                {"system.slice/good.service", "good.service", 1000000},
                {"system.slice/noisy.service", "noisy.service", 2000000},
                {"system.slice/inner.slice/deep.service", "deep.service", 5000},
                {"user.slice", "user.slice", 4000000},
        };
        struct cgroup_cpu *c = NULL;
        assert_int_equal(cgroup_cpu_open(fixture_path("cgroup/garbage/1"), &c), 0);
        struct cgroup_cpu_sample s;
        assert_int_equal(cgroup_cpu_read(c, &s), 0);
        check_sample(&s, want, ELEMENTSOF(want));
        /* noisy: 4 lines, the empty one too; nousage, huge: 1 each; cut:
         * the cut line and the missing value */
        assert_int_equal(s.parse_errors, 8);
        cgroup_cpu_free(c);
}

/* A root without any cgroup hierarchy. */
static void test_missing(_unused_ void **state) {
        struct cgroup_cpu *c = (struct cgroup_cpu *) 0x1;
        assert_int_equal(cgroup_cpu_open(fixture_path("cgroup"), &c), -ENOENT);
        assert_int_equal(cgroup_cpu_open("/nonexistent", &c), -ENOENT);
        assert_ptr_equal(c, (struct cgroup_cpu *) 0x1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_layouts),
                cmocka_unit_test(test_stopped),
                cmocka_unit_test(test_garbage),
                cmocka_unit_test(test_missing),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
