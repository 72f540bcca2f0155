/* agent/sort.c: sort_r's insertion sort and heapsort with a context, and
 * bsearch_r over what it sorted. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "macro.h"
#include "sort.h"

/* ctx is the direction: 1 ascending, -1 descending. */
static int int_cmp(const void *a, const void *b, void *ctx) {
        int x = *(const int *) a, y = *(const int *) b, dir = *(const int *) ctx;
        return dir * ((x > y) - (x < y));
}

struct sort_case {
        const char *name;
        int dir;
        size_t n;
        int in[9], want[9];
};

static const struct sort_case sort_cases[] = {
        {"sort: empty", 1, 0, {0}, {0}},
        {"sort: one", 1, 1, {5}, {5}},
        {"sort: two reversed", 1, 2, {2, 1}, {1, 2}},
        {"sort: already sorted", 1, 7, {1, 2, 3, 4, 5, 6, 7}, {1, 2, 3, 4, 5, 6, 7}},
        {"sort: reversed", 1, 9, {9, 8, 7, 6, 5, 4, 3, 2, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9}},
        {"sort: duplicates", 1, 6, {3, 1, 3, 2, 1, 3}, {1, 1, 2, 3, 3, 3}},
        {"sort: all equal", 1, 5, {4, 4, 4, 4, 4}, {4, 4, 4, 4, 4}},
        {"sort: extremes", 1, 5, {0, INT_MAX, -1, INT_MIN, 7}, {INT_MIN, -1, 0, 7, INT_MAX}},
        {"sort: descending through the context", -1, 6, {3, 1, 3, 2, 1, 3}, {3, 3, 3, 2, 1, 1}},
};

static void test_sort(void **state) {
        const struct sort_case *c = *state;
        int a[9];
        memcpy(a, c->in, sizeof(a));
        sort_r(a, c->n, sizeof(a[0]), int_cmp, (void *) &c->dir);
        for (size_t i = 0; i < c->n; i++)
                if (a[i] != c->want[i])
                        fail_msg("element %zu is %d, expected %d", i, a[i], c->want[i]);
        for (size_t i = c->n; i < ELEMENTSOF(a); i++) /* nothing written past n */
                assert_int_equal(a[i], c->in[i]);
}

struct search_case {
        const char *name;
        int key;
        size_t n;
        int found; /* the index of an element equal to key, or -1 */
};

/* over {1, 3, 3, 5, 8}, or its first n elements */
static const int sorted[] = {1, 3, 3, 5, 8};
static const struct search_case search_cases[] = {
        {"bsearch: the first", 1, 5, 0},          {"bsearch: a duplicate", 3, 5, 1},
        {"bsearch: the middle", 5, 5, 3},         {"bsearch: the last", 8, 5, 4},
        {"bsearch: below all", 0, 5, -1},         {"bsearch: between two", 4, 5, -1},
        {"bsearch: above all", 9, 5, -1},         {"bsearch: empty", 1, 0, -1},
        {"bsearch: one element, found", 1, 1, 0}, {"bsearch: one element, missing", 3, 1, -1},
};

static void test_search(void **state) {
        const struct search_case *c = *state;
        int dir = 1;
        const int *e = bsearch_r(&c->key, sorted, c->n, sizeof(sorted[0]), int_cmp, &dir);
        if (c->found < 0)
                assert_null(e);
        else {
                assert_non_null(e);
                assert_int_equal(*e, c->key);
                if (c->key != 3) /* which of equal elements is found is not said */
                        assert_ptr_equal(e, &sorted[c->found]);
        }
}

/* Elements wider than the swap's 64-byte chunk, sorted by a key the
 * context names, come out whole. */
struct wide {
        char pad[70];
        int key;
        char tail[30];
};

static int wide_cmp(const void *a, const void *b, void *ctx) {
        size_t off = *(const size_t *) ctx;
        int x, y;
        memcpy(&x, (const char *) a + off, sizeof(x));
        memcpy(&y, (const char *) b + off, sizeof(y));
        return (x > y) - (x < y);
}

static void test_sort_wide(_unused_ void **state) {
        struct wide w[50];
        for (int i = 0; i < 50; i++) {
                int key = (i * 37) % 50;
                memset(&w[i], 'a' + key % 26, sizeof(w[i]));
                w[i].key = key;
        }
        size_t off = offsetof(struct wide, key);
        sort_r(w, 50, sizeof(w[0]), wide_cmp, &off);
        for (int i = 0; i < 50; i++) {
                assert_int_equal(w[i].key, i);
                assert_int_equal(w[i].pad[0], 'a' + i % 26);
                assert_int_equal(w[i].pad[69], 'a' + i % 26);
                assert_int_equal(w[i].tail[29], 'a' + i % 26);
        }
        for (int i = 0; i < 50; i++) {
                struct wide key = {.key = i};
                const struct wide *e = bsearch_r(&key, w, 50, sizeof(w[0]), wide_cmp, &off);
                assert_ptr_equal(e, &w[i]);
        }
}

static int qsort_cmp(const void *a, const void *b) {
        int x = *(const int *) a, y = *(const int *) b;
        return (x > y) - (x < y);
}

/* 10,000 seeded values, with repeats, sorted as glibc's qsort sorts them. */
static void test_sort_random(_unused_ void **state) {
        enum { N = 10000 };
        static int a[N], b[N];
        uint32_t x = 2463534242u;
        for (size_t i = 0; i < N; i++) {
                x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift */
                a[i] = b[i] = (int) (x % 5000) - 2500;
        }
        int dir = 1;
        sort_r(a, N, sizeof(a[0]), int_cmp, &dir);
        qsort(b, N, sizeof(b[0]), qsort_cmp);
        assert_memory_equal(a, b, sizeof(a));
}

/* Every length from 0 to 80, across the switch from insertion to
 * heapsort at 32: seeded values with repeats sorted as qsort sorts them,
 * and elements of 100 bytes (sorted by insertion up to 32) and of 300
 * (always by heapsort) come out whole and in order. */
struct wider {
        int key;
        char body[296];
};

static int wider_cmp(const void *a, const void *b, _unused_ void *ctx) {
        int x = ((const struct wider *) a)->key, y = ((const struct wider *) b)->key;
        return (x > y) - (x < y);
}

static void test_sort_lengths(_unused_ void **state) {
        enum { N = 80 };
        static int a[N], b[N];
        static struct wide w[N];
        static struct wider v[N];
        uint32_t x = 88172645u;
        for (size_t n = 0; n <= N; n++) {
                for (size_t i = 0; i < n; i++) {
                        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
                        a[i] = b[i] = (int) (x % 40);
                        memset(&w[i], 'a' + a[i] % 26, sizeof(w[i]));
                        w[i].key = a[i];
                        memset(&v[i], 'A' + a[i] % 26, sizeof(v[i]));
                        v[i].key = a[i];
                }
                int dir = 1;
                size_t off = offsetof(struct wide, key);
                sort_r(a, n, sizeof(a[0]), int_cmp, &dir);
                sort_r(w, n, sizeof(w[0]), wide_cmp, &off);
                sort_r(v, n, sizeof(v[0]), wider_cmp, NULL);
                qsort(b, n, sizeof(b[0]), qsort_cmp);
                for (size_t i = 0; i < n; i++) {
                        assert_int_equal(a[i], b[i]);
                        assert_int_equal(w[i].key, b[i]);
                        assert_int_equal(w[i].pad[0], 'a' + b[i] % 26);
                        assert_int_equal(w[i].tail[29], 'a' + b[i] % 26);
                        assert_int_equal(v[i].key, b[i]);
                        assert_int_equal(v[i].body[295], 'A' + b[i] % 26);
                }
        }
}

int main(void) {
        enum { N_FIXED = 3 };
        struct CMUnitTest tests[N_FIXED + ELEMENTSOF(sort_cases) + ELEMENTSOF(search_cases)] = {
                cmocka_unit_test(test_sort_wide),
                cmocka_unit_test(test_sort_random),
                cmocka_unit_test(test_sort_lengths),
        };
        size_t n = N_FIXED;
        for (size_t i = 0; i < ELEMENTSOF(sort_cases); i++)
                tests[n++] = (struct CMUnitTest){sort_cases[i].name, test_sort, NULL, NULL, (void *) &sort_cases[i]};
        for (size_t i = 0; i < ELEMENTSOF(search_cases); i++)
                tests[n++] =
                        (struct CMUnitTest){search_cases[i].name, test_search, NULL, NULL, (void *) &search_cases[i]};
        return _cmocka_run_group_tests("test-sort", tests, n, NULL, NULL);
}
