/* source_check: each rule a snapshot from outside the agent must keep,
 * one test per case, each refusal with its reason; and the family index
 * that sources are compared with (another owner's type or help refused,
 * the source's own family kept). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "macro.h"
#include "source_check.h"

static const char *const one[] = {"a"};
static const char *const le[] = {"le"};
static const char *const dunder[] = {"__name"};

struct sample {
        const struct metric_desc *desc; /* a new family entry when it changes */
        double value;
        const char *v; /* the label value, when the family has one */
        enum metric_suffix suffix;
};

static const struct metric_desc gauge = {"g", "A gauge.", METRIC_GAUGE, 1, one};
static const struct metric_desc gauge_other_help = {"g", "Another help.", METRIC_GAUGE, 1, one};
static const struct metric_desc counter = {"c_total", "A counter.", METRIC_COUNTER, 0, NULL};
static const struct metric_desc bad_name = {"1g", "Bad.", METRIC_GAUGE, 0, NULL};
static const struct metric_desc bad_label = {"g", "A gauge.", METRIC_GAUGE, 1, dunder};
static const struct metric_desc bad_help = {"g", "caf\xe9", METRIC_GAUGE, 0, NULL};
static const struct metric_desc hist_b = {"h", "A histogram.", METRIC_HISTOGRAM, 1, le};
static const struct metric_desc hist = {"h", "A histogram.", METRIC_HISTOGRAM, 0, NULL};

struct check_case {
        const char *name;
        struct sample samples[8];
        const char *why; /* NULL: accepted */
};

static const struct check_case cases[] = {
        {"regular", {{&gauge, 1, "x"}, {&gauge, 2, "y"}, {&counter, 3}}, NULL},
        {"empty label value is no label, once", {{&gauge, 1, ""}}, NULL},
        {"invalid name", {{&bad_name, 1}}, "'1g' is not a valid metric name"},
        {"__ label", {{&bad_label, 1, "x"}}, "'__name' is not a valid label name"},
        {"help not UTF-8", {{&bad_help, 1}}, "its help is not valid UTF-8"},
        {"value not UTF-8", {{&gauge, 1, "caf\xe9"}}, "a value of label 'a' is not valid UTF-8"},
        {"duplicate series", {{&gauge, 1, "x"}, {&counter, 1}, {&gauge, 2, "x"}}, "duplicate series g{a=\"x\"}"},
        {"two helps", {{&gauge, 1, "x"}, {&gauge_other_help, 2, "y"}}, "family 'g' declared twice with another help"},
        {"negative counter", {{&counter, -1}}, "family 'c_total': a counter of -1"},
        {"histogram",
         {{&hist_b, 1, "0.1", METRIC_SUFFIX_BUCKET},
          {&hist_b, 4, "+Inf", METRIC_SUFFIX_BUCKET},
          {&hist, 0.5, NULL, METRIC_SUFFIX_SUM},
          {&hist, 4, NULL, METRIC_SUFFIX_COUNT}},
         NULL},
        {"bucket shrinks",
         {{&hist_b, 5, "0.1", METRIC_SUFFIX_BUCKET},
          {&hist_b, 4, "+Inf", METRIC_SUFFIX_BUCKET},
          {&hist, 4, NULL, METRIC_SUFFIX_COUNT}},
         "bucket le=inf holds less than le=0.1"},
        {"no +Inf",
         {{&hist_b, 1, "0.1", METRIC_SUFFIX_BUCKET}, {&hist, 1, NULL, METRIC_SUFFIX_COUNT}},
         "no le=\"+Inf\" bucket"},
        {"+Inf is not the count",
         {{&hist_b, 4, "+Inf", METRIC_SUFFIX_BUCKET},
          {&hist, 0.5, NULL, METRIC_SUFFIX_SUM},
          {&hist, 3, NULL, METRIC_SUFFIX_COUNT}},
         "the +Inf bucket (4) is not its _count"},
        {"le not a number", {{&hist_b, 4, "lots", METRIC_SUFFIX_BUCKET}}, "a bucket without a numeric le label"},
};

static void build(const struct sample *samples, struct metric_set *set) {
        const struct metric_desc *last = NULL;
        for (const struct sample *s = samples; s->desc; s++) {
                if (s->desc != last)
                        assert_int_equal(metric_set_family(set, s->desc), 0);
                last = s->desc;
                const char *values[] = {s->v};
                assert_int_equal(metric_set_sample_suffix(set, s->value, values, s->suffix), 0);
        }
}

static void test_case(void **state) {
        const struct check_case *c = *state;
        struct metric_set set = {0};
        build(c->samples, &set);
        char why[256] = "";
        int r = source_check(&set, NULL, why, sizeof(why));
        if (!c->why && r != 0)
                fail_msg("refused: %s", why);
        if (c->why && (r != -EINVAL || !strstr(why, c->why)))
                fail_msg("%d '%s', not '%s'", r, why, c->why);
        metric_set_free(&set);
}

static void test_caps(_unused_ void **state) {
        struct metric_set set = {0};
        build((const struct sample[]){{&gauge, 1, "x"}, {&gauge, 2, "y"}, {&counter, 3}, {0}}, &set);
        char why[256];
        struct source_limits families = {.max_families = 1}, series = {.max_series = 2}, bytes = {.max_bytes = 10};
        assert_int_equal(source_check(&set, &families, why, sizeof(why)), -EINVAL);
        assert_non_null(strstr(why, "2 family entries, more than the 1 allowed"));
        assert_int_equal(source_check(&set, &series, why, sizeof(why)), -EINVAL);
        assert_non_null(strstr(why, "3 series, more than the 2 allowed"));
        assert_int_equal(source_check(&set, &bytes, why, sizeof(why)), -EINVAL);
        assert_non_null(strstr(why, "more than the 10 allowed"));
        metric_set_free(&set);
}

int main(void) {
        struct CMUnitTest tests[ELEMENTSOF(cases) + 1];
        size_t n = 0;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                tests[n++] = (struct CMUnitTest){cases[i].name, test_case, NULL, NULL, (void *) &cases[i]};
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_caps);
        return _cmocka_run_group_tests("source_check", tests, n, NULL, NULL);
}
