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

static const struct {
        const char *name;
        enum cgroup_layout layout;
} layouts[] = {
        {"v2", CGROUP_LAYOUT_V2},
        {"hybrid", CGROUP_LAYOUT_HYBRID},
        {"v1", CGROUP_LAYOUT_V1},
};

/* One snapshot of a tree, read twice by one reader (its buffers are
 * reused), holds what is wanted and no more. */
static void check_tree(const char *layout, const char *snapshot, enum cgroup_layout want_layout,
                       const struct want *want, size_t n, unsigned parse_errors) {
        char rel[64];
        (void) snprintf(rel, sizeof(rel), "cgroup/%s/%s", layout, snapshot);
        print_message("%s\n", rel);
        struct cgroup_cpu *c = NULL;
        assert_int_equal(cgroup_cpu_open(fixture_path(rel), &c), 0);
        assert_int_equal(cgroup_cpu_layout(c), want_layout);
        for (int round = 0; round < 2; round++) {
                struct cgroup_cpu_sample s;
                assert_int_equal(cgroup_cpu_read(c, &s), 0);
                check_sample(&s, want, n);
                assert_int_equal(s.parse_errors, parse_errors);
                assert_int_equal(s.dropped, 0);
        }
        cgroup_cpu_free(c);
}

/* The three snapshots, each read through each layout: the same services
 * with the same times. A template's instances count under the template,
 * user sessions as user.slice alone, scopes of system.slice not at all;
 * a service that stopped between snapshots (backup, getty@tty2) is simply
 * absent. */
static void test_snapshots(_unused_ void **state) {
        static const struct want first[] = {
                {"system.slice/nginx.service", "nginx.service", 10000000000},
                {"system.slice/postgresql.service", "postgresql.service", 50000000000},
                {"system.slice/system-getty.slice/getty@tty1.service", "getty@.service", 100000000},
                {"system.slice/user-runtime-dir@1000.service", "user-runtime-dir@.service", 5000000},
                {"user.slice", "user.slice", 20000000000},
                {"init.scope", "init.scope", 3000000000},
        };
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
        for (size_t i = 0; i < ELEMENTSOF(layouts); i++) {
                check_tree(layouts[i].name, "1", layouts[i].layout, first, ELEMENTSOF(first), 0);
                check_tree(layouts[i].name, "2", layouts[i].layout, second, ELEMENTSOF(second), 0);
                check_tree(layouts[i].name, "3", layouts[i].layout, third, ELEMENTSOF(third), 0);
        }
}

/* Garbage lines are skipped and counted, a value is still read among
 * them; a file without the value, with one out of range, or cut before
 * it leaves its service out and counts; a service whose file is gone is
 * absent without a count. noisy: 4 lines, the empty one too; nousage,
 * huge: 1 each; cut: the cut line and the missing value; loop.slice,
 * which cannot be listed: 1. */
static void test_garbage(_unused_ void **state) {
        static const struct want want[] = {
                {"system.slice/good.service", "good.service", 1000000},
                {"system.slice/noisy.service", "noisy.service", 2000000},
                {"system.slice/inner.slice/deep.service", "deep.service", 5000},
                {"user.slice", "user.slice", 4000000},
        };
        check_tree("garbage", "1", CGROUP_LAYOUT_V2, want, ELEMENTSOF(want), 9);
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
                cmocka_unit_test(test_snapshots),
                cmocka_unit_test(test_garbage),
                cmocka_unit_test(test_missing),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
