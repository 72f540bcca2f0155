/* The scrape engine with fake collectors handed to it in place of the
 * registry's: rollback of a failing collector, its success series,
 * background collectors (a blocked refresh, a stale snapshot, a reload,
 * a descriptor that wakes one), no thread at all without them, and what
 * an outside source adds checked against the built-ins' families from
 * the first scrape on. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "collector.h"
#include "config.h"
#include "fileio.h"
#include "harness.h"
#include "prom_text.h"
#include "scrape.h"
#include "source_merge.h"

/* Allocations made by the scraping thread, counted by interposing malloc
 * and friends as tests/bench/bench_scrape.c does; not under ASan, which
 * has its own. */
#include <stdatomic.h>
static _Thread_local bool counting;
static atomic_long allocs;
#if defined(__SANITIZE_ADDRESS__)
#define ALLOCS_COUNTED false
#else
#define ALLOCS_COUNTED true
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
void *malloc(size_t n) {
        if (counting)
                atomic_fetch_add(&allocs, 1);
        return __libc_malloc(n);
}
void *calloc(size_t a, size_t b) {
        if (counting)
                atomic_fetch_add(&allocs, 1);
        return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n) {
        if (counting)
                atomic_fetch_add(&allocs, 1);
        return __libc_realloc(p, n);
}
#endif

/* A fake collector: its state is this control block, which the test
 * drives and the collector reports on. */
struct fake {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        struct metric_desc desc; /* fake_NAME, no labels */
        int result;              /* what collect returns, after writing its sample */
        double value;            /* the sample's value; a descriptor adds what it reads */
        uint64_t period_ms, max_age_ms;
        int fd;
        uint64_t next_ms;  /* if not 0: the next delay it asks for */
        bool block;        /* collect waits while set (5 s at most) */
        bool blocked;      /* a collect is waiting now */
        unsigned collects; /* collects that returned */
        unsigned samples;  /* sample calls (a synchronous collector's .sample) */
        bool sample_fault; /* each sample meets a read fault (EIO) */
        bool freed;
};

/* The fakes' condition variables are statically initialised, so on
 * CLOCK_REALTIME. */
static struct timespec realtime_after_ms(uint64_t ms) {
        uint64_t t = clock_ns(CLOCK_REALTIME) + ms * 1000000u;
        return (struct timespec){.tv_sec = (time_t) (t / 1000000000u), .tv_nsec = (long) (t % 1000000000u)};
}

#define FAKE_INIT(n)                                                                                                   \
        {                                                                                                              \
                .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,                                   \
                .desc = {"fake_" n, "A fake collector's series.", METRIC_GAUGE, 0, NULL}, .fd = -1                     \
        }

static struct fake fake_a = FAKE_INIT("a"), fake_b = FAKE_INIT("b"), fake_c = FAKE_INIT("c");

static void fake_reset(struct fake *f) {
        (void) pthread_mutex_lock(&f->lock);
        f->result = 0;
        f->value = 1;
        f->period_ms = f->max_age_ms = f->next_ms = 0;
        f->fd = -1;
        f->block = f->blocked = f->freed = f->sample_fault = false;
        f->collects = f->samples = 0;
        (void) pthread_mutex_unlock(&f->lock);
}

static int fake_collect(void *state, struct collect_ctx *ctx) {
        struct fake *f = state;
        (void) pthread_mutex_lock(&f->lock);
        uint64_t n;
        if (f->fd >= 0 && read(f->fd, &n, sizeof(n)) == sizeof(n))
                f->value += (double) n;
        struct timespec deadline = realtime_after_ms(5000);
        while (f->block && !f->freed) {
                f->blocked = true;
                (void) pthread_cond_broadcast(&f->cond);
                if (pthread_cond_timedwait(&f->cond, &f->lock, &deadline) == ETIMEDOUT)
                        break;
        }
        f->blocked = false;
        (void) metric_set_family(ctx->set, &f->desc);
        (void) metric_set_sample0(ctx->set, f->value);
        if (f->next_ms > 0)
                ctx->next_refresh_ms = f->next_ms;
        int r = f->result;
        f->collects++;
        (void) pthread_cond_broadcast(&f->cond);
        (void) pthread_mutex_unlock(&f->lock);
        return r;
}

static void fake_free(void *state) {
        struct fake *f = state;
        (void) pthread_mutex_lock(&f->lock);
        f->freed = true;
        (void) pthread_cond_broadcast(&f->cond);
        (void) pthread_mutex_unlock(&f->lock);
}

static int fake_schedule(void *state, struct collector_schedule *ret) {
        struct fake *f = state;
        ret->period_ms = f->period_ms;
        ret->fd = f->fd;
        ret->max_age_ms = f->max_age_ms;
        return 0;
}

/* A synchronous collector's sample: counts, and asks for the next in
 * period_ms (0: none). */
static uint64_t fake_sample(void *state) {
        struct fake *f = state;
        if (f->sample_fault) {
                /* a read of /proc/self/mem at 0, unmapped, fails with EIO */
                struct buf b = {0};
                (void) read_file_at("/proc/self", "mem", 64, &b);
                buf_free(&b);
        }
        (void) pthread_mutex_lock(&f->lock);
        f->samples++;
        uint64_t next = f->period_ms;
        (void) pthread_cond_broadcast(&f->cond);
        (void) pthread_mutex_unlock(&f->lock);
        return next;
}

#define FAKE_COLLECTORS(n)                                                                                             \
        static int init_##n(const struct collector_env *env, const struct config_section *section, struct diag *diag,  \
                            void **ret_state) {                                                                        \
                (void) env, (void) section, (void) diag;                                                               \
                *ret_state = &fake_##n;                                                                                \
                return 0;                                                                                              \
        }                                                                                                              \
        static const struct collector sync_##n = {                                                                     \
                .name = #n, .help = "fake", .init = init_##n, .collect = fake_collect, .free = fake_free};             \
        static const struct collector bg_##n = {.name = #n,                                                            \
                                                .help = "fake",                                                        \
                                                .init = init_##n,                                                      \
                                                .collect = fake_collect,                                               \
                                                .free = fake_free,                                                     \
                                                .schedule = fake_schedule};
FAKE_COLLECTORS(a)
FAKE_COLLECTORS(b)
FAKE_COLLECTORS(c)
static const struct collector sampled_a = {
        .name = "a", .help = "fake", .init = init_a, .collect = fake_collect, .free = fake_free, .sample = fake_sample};

/* An outside source as exec is one: two programs' outputs, marked, then
 * its own series. Against fake_a and fake_b (no labels, the fakes' help). */
static const char *const k_label[] = {"k"}, *const x_label[] = {"x"};
static const struct metric_desc clash_a = {"fake_a", "Another help.", METRIC_GAUGE, 0, NULL};
static const struct metric_desc join_b = {"fake_b", "A fake collector's series.", METRIC_GAUGE, 0, NULL};
static const struct metric_desc join_bx = {"fake_b", "A fake collector's series.", METRIC_GAUGE, 1, x_label};
static const struct metric_desc own = {"outside_own", "Its own.", METRIC_GAUGE, 0, NULL};
static const struct metric_desc shared1 = {"outside_shared", "Both print it.", METRIC_GAUGE, 1, k_label};
static const struct metric_desc shared2 = {"outside_shared", "Both print it.", METRIC_GAUGE, 1, k_label};
static const struct metric_desc outside_status = {"outside_status", "The source's own.", METRIC_GAUGE, 0, NULL};
static const char *const collector_label_name[] = {"collector"};
static const struct metric_desc agents = {"node_scrape_collector_success", "Mine.", METRIC_GAUGE, 1,
                                          collector_label_name};

static int outside_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                        void **ret_state) {
        (void) env, (void) section, (void) diag;
        *ret_state = NULL;
        return 0;
}
static int outside_collect(void *state, struct collect_ctx *ctx) {
        (void) state;
        struct metric_set *set = ctx->set;
        source_merge_mark(ctx->merge, set, "outside.p1");
        (void) metric_set_family(set, &clash_a);
        (void) metric_set_sample0(set, 7);
        (void) metric_set_family(set, &join_b);
        (void) metric_set_sample0(set, 9);
        (void) metric_set_family(set, &join_bx);
        (void) metric_set_sample1(set, 5, "1");
        (void) metric_set_family(set, &own);
        (void) metric_set_sample0(set, 3);
        (void) metric_set_family(set, &shared1);
        (void) metric_set_sample1(set, 1, "1");
        source_merge_mark(ctx->merge, set, "outside.p2");
        (void) metric_set_family(set, &shared2);
        (void) metric_set_sample1(set, 2, "1");
        (void) metric_set_sample1(set, 2, "2");
        (void) metric_set_family(set, &agents);
        (void) metric_set_sample1(set, 1, "a");
        source_merge_mark(ctx->merge, set, NULL);
        (void) metric_set_family(set, &outside_status);
        return metric_set_sample0(set, 1);
}
static void outside_free(void *state) {
        (void) state;
}
static const struct collector outside = {
        .name = "outside", .init = outside_init, .collect = outside_collect, .free = outside_free, .outside = true};

/* An outside source whose family joins one of its own earlier program's
 * and grows from scrape to scrape: the table of series seen grows under
 * it, and nothing else of the check's goes with the old one. */
static unsigned growing_n = 10;
static int growing_collect(void *state, struct collect_ctx *ctx) {
        (void) state;
        struct metric_set *set = ctx->set;
        char v[16];
        source_merge_mark(ctx->merge, set, "outside.p1");
        (void) metric_set_family(set, &shared1);
        (void) metric_set_sample1(set, 1, "0");
        source_merge_mark(ctx->merge, set, "outside.p2");
        (void) metric_set_family(set, &shared2);
        for (unsigned i = 0; i < growing_n; i++) {
                (void) snprintf(v, sizeof(v), "%u", i);
                (void) metric_set_sample1(set, 2, v);
        }
        (void) metric_set_family(set, &agents);
        (void) metric_set_sample1(set, 1, "a");
        source_merge_mark(ctx->merge, set, NULL);
        return set->error;
}
static const struct collector growing = {
        .name = "outside", .init = outside_init, .collect = growing_collect, .free = outside_free, .outside = true};

static struct config cfg;
/* The test's engine, stopped by teardown too, so that a failed test
 * leaves no refresh running into the next one's fakes. */
static struct scrape_engine *engine;

static void set_block(struct fake *f, bool block) {
        (void) pthread_mutex_lock(&f->lock);
        f->block = block;
        (void) pthread_cond_broadcast(&f->cond);
        (void) pthread_mutex_unlock(&f->lock);
}

static void engine_stop(void) {
        scrape_engine_free(engine);
        engine = NULL;
}

static int setup(void **state) {
        (void) state;
        fake_reset(&fake_a);
        fake_reset(&fake_b);
        fake_reset(&fake_c);
        return config_init_defaults(&cfg);
}

static int teardown(void **state) {
        (void) state;
        struct fake *fakes[] = {&fake_a, &fake_b, &fake_c};
        for (size_t i = 0; i < 3; i++)
                set_block(fakes[i], false);
        engine_stop();
        for (size_t i = 0; i < 3; i++)
                if (fakes[i]->fd >= 0)
                        (void) close(fakes[i]->fd);
        config_free(&cfg);
        return 0;
}

static struct scrape_engine *engine_with(const struct collector *const *list, size_t n) {
        struct diag diag = {0};
        assert_null(engine);
        assert_int_equal(scrape_engine_new(&engine), 0);
        assert_int_equal(scrape_engine_configure_collectors(engine, &cfg, list, n, &diag), 0);
        return engine;
}

static char *scrape(struct scrape_engine *e) {
        return scrape_text_within(e, 500);
}

static bool has_line(const char *text, const char *line) {
        size_t n = strlen(line);
        for (const char *p = text; (p = strstr(p, line)); p += n)
                if ((p == text || p[-1] == '\n') && p[n] == '\n')
                        return true;
        return false;
}

static void expect_line(struct scrape_engine *e, const char *line, bool present) {
        char *text = scrape(e);
        if (has_line(text, line) != present)
                fail_msg("'%s' %s in:\n%s", line, present ? "missing" : "present", text);
        free(text);
}

/* For what a refresh publishes just after its collect returns. */
static void expect_line_soon(struct scrape_engine *e, const char *line) {
        for (int i = 0; i < 200; i++) {
                char *text = scrape(e);
                bool found = has_line(text, line);
                free(text);
                if (found)
                        return;
                (void) usleep(10 * 1000);
        }
        expect_line(e, line, true);
}

/* Waits (2 s at most) until f has returned from min collects; with
 * blocked, until a collect is blocked. */
static void wait_for(struct fake *f, unsigned min, bool blocked) {
        struct timespec deadline = realtime_after_ms(2000);
        (void) pthread_mutex_lock(&f->lock);
        while (f->collects < min || (blocked && !f->blocked))
                if (pthread_cond_timedwait(&f->cond, &f->lock, &deadline) == ETIMEDOUT)
                        break;
        unsigned n = f->collects;
        bool is_blocked = f->blocked;
        (void) pthread_mutex_unlock(&f->lock);
        if (n < min || (blocked && !is_blocked))
                fail_msg("%s: %u collect(s), blocked %d, after 2 s", f->desc.name, n, is_blocked);
}

static unsigned collects(struct fake *f) {
        (void) pthread_mutex_lock(&f->lock);
        unsigned n = f->collects;
        (void) pthread_mutex_unlock(&f->lock);
        return n;
}

static bool freed(struct fake *f) {
        (void) pthread_mutex_lock(&f->lock);
        bool b = f->freed;
        (void) pthread_mutex_unlock(&f->lock);
        return b;
}

static size_t thread_count(void) {
        DIR *d = opendir("/proc/self/task");
        assert_non_null(d);
        size_t n = 0;
        for (struct dirent *de; (de = readdir(d));)
                n += de->d_name[0] != '.';
        (void) closedir(d);
        return n;
}

/* The thread count once it is down to n, or after 2 s: a thread joined
 * may still be listed in /proc/self/task a moment after the join returns
 * (the kernel wakes the joiner at the thread's exit, before it reaps the
 * task), and a worker left to finish exits just after the free it calls;
 * on a loaded machine the moment grows. */
static size_t thread_count_down_to(size_t n) {
        size_t now = thread_count();
        for (int i = 0; i < 200 && now > n; i++) {
                (void) usleep(10 * 1000);
                now = thread_count();
        }
        return now;
}

/* Context switches of every thread but the caller: a thread that sleeps
 * in epoll or on a condition variable without a deadline adds none. */
static unsigned long long other_threads_switches(void) {
        DIR *d = opendir("/proc/self/task");
        assert_non_null(d);
        char self[32];
        (void) snprintf(self, sizeof(self), "%d", gettid());
        unsigned long long sum = 0;
        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_name[0] == '.' || strcmp(de->d_name, self) == 0)
                        continue;
                char path[300], line[256];
                (void) snprintf(path, sizeof(path), "/proc/self/task/%s/status", de->d_name);
                FILE *fp = fopen(path, "re");
                assert_non_null(fp);
                while (fgets(line, sizeof(line), fp)) {
                        unsigned long long v;
                        if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1 ||
                            sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
                                sum += v;
                }
                (void) fclose(fp);
        }
        (void) closedir(d);
        return sum;
}

static void test_failure_rolls_back(void **state) {
        (void) state;
        const struct collector *list[] = {&sync_a, &sync_b, &sync_c};
        fake_b.result = -EIO; /* b writes its sample, then fails */
        fake_c.value = 3;
        struct scrape_engine *e = engine_with(list, 3);
        char *text = scrape(e);
        assert_true(has_line(text, "fake_a 1"));
        assert_null(strstr(text, "fake_b"));
        assert_true(has_line(text, "fake_c 3"));
        free(text);
        engine_stop();
}

static void test_failure_success_zero(void **state) {
        (void) state;
        const struct collector *list[] = {&sync_a, &sync_b};
        fake_b.result = -EIO;
        struct scrape_engine *e = engine_with(list, 2);
        expect_line(e, "node_scrape_collector_success{collector=\"a\"} 1", true);
        expect_line(e, "node_scrape_collector_success{collector=\"b\"} 0", true);
        fake_b.result = 0;
        expect_line(e, "node_scrape_collector_success{collector=\"b\"} 1", true);
        expect_line(e, "fake_b 1", true);
        engine_stop();
}

static void test_background_blocked_serves_snapshot(void **state) {
        (void) state;
        const struct collector *list[] = {&sync_a, &bg_b};
        fake_b.period_ms = 20;
        fake_b.value = 7;
        struct scrape_engine *e = engine_with(list, 2);
        /* configure waited for the first refresh */
        expect_line(e, "fake_b 7", true);
        set_block(&fake_b, true);
        wait_for(&fake_b, 0, true);
        /* the refresh now waits 5 s; scrapes do not */
        for (int i = 0; i < 5; i++) {
                char *text = scrape_text_within(e, 200);
                assert_true(has_line(text, "fake_b 7"));
                assert_true(has_line(text, "node_scrape_collector_success{collector=\"b\"} 1"));
                assert_non_null(strstr(text, "vigie_collector_last_refresh_timestamp_seconds{collector=\"b\"} "));
                /* only background collectors have one */
                assert_null(strstr(text, "vigie_collector_last_refresh_timestamp_seconds{collector=\"a\"}"));
                free(text);
        }
        set_block(&fake_b, false);
        engine_stop();
}

static void test_background_blocked_holds_no_other(void **state) {
        (void) state;
        const struct collector *list[] = {&bg_a, &bg_b, &bg_c};
        fake_a.period_ms = fake_b.period_ms = fake_c.period_ms = 10;
        (void) engine_with(list, 3);
        set_block(&fake_a, true);
        set_block(&fake_b, true);
        wait_for(&fake_a, 0, true);
        wait_for(&fake_b, 0, true);
        /* two refreshes blocked: the third collector refreshes on */
        wait_for(&fake_c, collects(&fake_c) + 5, false);
        set_block(&fake_a, false);
        set_block(&fake_b, false);
        engine_stop();
}

static void test_background_stale_dropped(void **state) {
        (void) state;
        const struct collector *list[] = {&bg_a};
        fake_a.period_ms = 20;
        fake_a.max_age_ms = 150;
        struct scrape_engine *e = engine_with(list, 1);
        expect_line(e, "fake_a 1", true);
        set_block(&fake_a, true);
        wait_for(&fake_a, 0, true);
        (void) usleep(300 * 1000);
        char *text = scrape(e);
        assert_null(strstr(text, "fake_a"));
        assert_true(has_line(text, "node_scrape_collector_success{collector=\"a\"} 0"));
        /* the last success still says when it was */
        assert_non_null(strstr(text, "vigie_collector_last_refresh_timestamp_seconds{collector=\"a\"} "));
        free(text);
        unsigned n = collects(&fake_a);
        set_block(&fake_a, false);
        wait_for(&fake_a, n + 1, false);
        expect_line_soon(e, "node_scrape_collector_success{collector=\"a\"} 1");
        expect_line(e, "fake_a 1", true);
        engine_stop();
}

static void test_background_failure_publishes_nothing(void **state) {
        (void) state;
        const struct collector *list[] = {&bg_a};
        fake_a.period_ms = 10;
        struct scrape_engine *e = engine_with(list, 1);
        expect_line(e, "fake_a 1", true);
        (void) pthread_mutex_lock(&fake_a.lock);
        fake_a.result = -EIO;
        (void) pthread_mutex_unlock(&fake_a.lock);
        unsigned n = collects(&fake_a);
        wait_for(&fake_a, n + 2, false);
        expect_line_soon(e, "node_scrape_collector_success{collector=\"a\"} 0");
        char *text = scrape(e);
        assert_null(strstr(text, "fake_a"));
        assert_true(has_line(text, "node_scrape_collector_success{collector=\"a\"} 0"));
        free(text);
        engine_stop();
}

static void test_background_computed_period(void **state) {
        (void) state;
        const struct collector *list[] = {&bg_a};
        fake_a.period_ms = 60000;
        fake_a.next_ms = 10; /* it asks for sooner than its schedule says */
        (void) engine_with(list, 1);
        wait_for(&fake_a, 5, false);
        engine_stop();
}

static void test_reload_swaps_collectors(void **state) {
        (void) state;
        size_t threads = thread_count();
        const struct collector *first[] = {&sync_c, &bg_a};
        fake_a.period_ms = fake_b.period_ms = 10;
        fake_b.value = 2;
        struct scrape_engine *e = engine_with(first, 2);
        expect_line(e, "fake_a 1", true);
        assert_true(thread_count() > threads);

        const struct collector *second[] = {&sync_c, &bg_b};
        struct diag diag = {0};
        assert_int_equal(scrape_engine_configure_collectors(e, &cfg, second, 2, &diag), 0);
        assert_true(freed(&fake_a));
        unsigned n = collects(&fake_a);
        assert_false(freed(&fake_b));
        expect_line(e, "fake_b 2", true);
        char *text = scrape(e);
        assert_null(strstr(text, "fake_a"));
        assert_null(strstr(text, "collector=\"a\""));
        free(text);
        wait_for(&fake_b, collects(&fake_b) + 3, false);
        assert_int_equal(collects(&fake_a), n);

        /* back to synchronous collectors only: no scheduler thread left */
        const struct collector *third[] = {&sync_c};
        assert_int_equal(scrape_engine_configure_collectors(e, &cfg, third, 1, &diag), 0);
        assert_true(freed(&fake_b));
        assert_int_equal(thread_count_down_to(threads), threads);
        engine_stop();
}

static void test_reload_leaves_blocked_refresh(void **state) {
        (void) state;
        size_t threads = thread_count();
        const struct collector *first[] = {&bg_a};
        const struct collector *second[] = {&sync_b};
        fake_a.period_ms = 10;
        struct scrape_engine *e = engine_with(first, 1);
        set_block(&fake_a, true);
        wait_for(&fake_a, 0, true);
        struct diag diag = {0};
        uint64_t t0 = clock_ms(CLOCK_MONOTONIC);
        assert_int_equal(scrape_engine_configure_collectors(e, &cfg, second, 1, &diag), 0);
        /* the stop waits a second for the refresh, then leaves it */
        assert_true(clock_ms(CLOCK_MONOTONIC) - t0 < 2000);
        assert_false(freed(&fake_a));
        expect_line(e, "fake_b 1", true);
        /* once the refresh returns, its worker frees the collector */
        set_block(&fake_a, false);
        struct timespec deadline = realtime_after_ms(2000);
        (void) pthread_mutex_lock(&fake_a.lock);
        while (!fake_a.freed && pthread_cond_timedwait(&fake_a.cond, &fake_a.lock, &deadline) == 0)
                ;
        (void) pthread_mutex_unlock(&fake_a.lock);
        assert_true(freed(&fake_a));
        engine_stop();
        assert_int_equal(thread_count_down_to(threads), threads);
}

static void test_background_fd_driven(void **state) {
        (void) state;
        int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        assert_true(fd >= 0);
        fake_a.fd = fd;
        fake_a.value = 0;
        const struct collector *list[] = {&bg_a};
        struct scrape_engine *e = engine_with(list, 1);
        expect_line(e, "fake_a 0", true);
        /* no period: nothing runs until the descriptor is readable */
        (void) usleep(100 * 1000);
        assert_int_equal(collects(&fake_a), 1);
        uint64_t five = 5;
        assert_int_equal(write(fd, &five, sizeof(five)), sizeof(five));
        wait_for(&fake_a, 2, false);
        expect_line_soon(e, "fake_a 5");
        assert_int_equal(write(fd, &five, sizeof(five)), sizeof(five));
        wait_for(&fake_a, 3, false);
        expect_line_soon(e, "fake_a 10");
        /* the refresh read it all: not called again for a drained descriptor */
        (void) usleep(100 * 1000);
        assert_int_equal(collects(&fake_a), 3);
        engine_stop();
}

static void test_idle_no_thread_no_wakeup(void **state) {
        (void) state;
        size_t threads = thread_count();
        const struct collector *sync_only[] = {&sync_a, &sync_b};
        struct scrape_engine *e = engine_with(sync_only, 2);
        expect_line(e, "fake_a 1", true);
        assert_int_equal(thread_count(), threads);
        engine_stop();

        /* a background collector with nothing due: its threads sleep */
        int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        assert_true(fd >= 0);
        fake_a.fd = fd;
        const struct collector *fd_only[] = {&bg_a};
        unsigned n = collects(&fake_a);
        e = engine_with(fd_only, 1);
        assert_true(thread_count() > threads);
        (void) usleep(50 * 1000);
        unsigned long long before = other_threads_switches();
        (void) usleep(300 * 1000);
        assert_int_equal(other_threads_switches(), before);
        assert_int_equal(collects(&fake_a), n + 1);
        engine_stop();
        assert_int_equal(thread_count_down_to(threads), threads);
}

static unsigned samples(struct fake *f) {
        (void) pthread_mutex_lock(&f->lock);
        unsigned n = f->samples;
        (void) pthread_mutex_unlock(&f->lock);
        return n;
}

/* The read faults a sample meets between scrapes are the collector's:
 * counted in its vigie_collector_parse_errors_total at the next scrape. */
static void test_sampler_faults_counted(void **state) {
        (void) state;
        fake_a.period_ms = 20;
        fake_a.sample_fault = true;
        const struct collector *list[] = {&sampled_a};
        struct scrape_engine *e = engine_with(list, 1);
        (void) usleep(200 * 1000);
        char *text = scrape(e);
        unsigned n = 0;
        const char *at = strstr(text, "vigie_collector_parse_errors_total{collector=\"a\"} ");
        assert_non_null(at);
        n = (unsigned) strtoul(at + strlen("vigie_collector_parse_errors_total{collector=\"a\"} "), NULL, 10);
        if (n < 3)
                fail_msg("%u faults counted after %u samples:\n%s", n, samples(&fake_a), text);
        free(text);
}

/* A synchronous collector with .sample: collect runs in each scrape, as
 * any synchronous one's, and sample on the scheduler, at once and then
 * as it asks; asking for none leaves nothing to wake up. The state is
 * freed once, with the generation. */
static void test_sync_collector_sampled(void **state) {
        (void) state;
        fake_a.period_ms = 20;
        const struct collector *list[] = {&sampled_a};
        struct scrape_engine *e = engine_with(list, 1);
        assert_true(samples(&fake_a) >= 1); /* the first, waited for at configure */
        (void) usleep(200 * 1000);
        assert_true(samples(&fake_a) >= 4);
        unsigned before = collects(&fake_a);
        expect_line(e, "fake_a 1", true);
        expect_line(e, "node_scrape_collector_success{collector=\"a\"} 1", true);
        assert_int_equal(collects(&fake_a), before + 2);
        engine_stop();
        assert_true(fake_a.freed);

        fake_reset(&fake_a);
        size_t threads = thread_count();
        e = engine_with(list, 1);
        assert_int_equal(samples(&fake_a), 1);
        (void) usleep(50 * 1000);
        unsigned long long switches = other_threads_switches();
        (void) usleep(200 * 1000);
        assert_int_equal(other_threads_switches(), switches);
        assert_int_equal(samples(&fake_a), 1);
        expect_line(e, "fake_a 1", true);
        engine_stop();
        assert_int_equal(thread_count_down_to(threads), threads);
}

/* What the observer saw: how often, and the set, which the consumer
 * sees after it. */
struct observed {
        unsigned calls, consumed_after;
        const struct metric_set *set;
};

static void observe(const struct metric_set *set, void *userdata) {
        struct observed *o = userdata;
        o->calls++;
        o->set = set;
}

static int consume_observed(const struct metric_set *set, void *userdata) {
        struct observed *o = userdata;
        if (o->set == set)
                o->consumed_after++;
        o->set = NULL;
        return 0;
}

static void test_observer_sees_each_collection(void **state) {
        (void) state;
        const struct collector *list[] = {&sync_a};
        struct observed o = {0};
        (void) engine_with(list, 1);
        scrape_engine_set_observer(engine, observe, &o);
        for (int i = 0; i < 3; i++)
                assert_int_equal(scrape_engine_collect(engine, consume_observed, &o), 0);
        assert_int_equal(o.calls, 3);
        assert_int_equal(o.consumed_after, 3); /* the same set, before the consumer */
        scrape_engine_set_observer(engine, NULL, NULL);
        assert_int_equal(scrape_engine_collect(engine, consume_observed, &o), 0);
        assert_int_equal(o.calls, 3);
        engine_stop();
}

static int count_samples(const struct metric_set *set, void *userdata) {
        *(size_t *) userdata = set->n_samples;
        return 0;
}

/* The allocations of 100 scrapes of the test's engine; *n: their series. */
static long scrape_allocs(size_t *n) {
        atomic_store(&allocs, 0);
        counting = true;
        for (int i = 0; i < 100; i++)
                (void) scrape_engine_collect(engine, count_samples, n);
        counting = false;
        return atomic_load(&allocs);
}

static void test_background_scrape_allocates_nothing(void **state) {
        (void) state;
        if (!ALLOCS_COUNTED)
                skip();
        int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        assert_true(fd >= 0);
        fake_a.fd = fd; /* no refresh during the count */
        const struct collector *list[] = {&sync_b, &bg_a};
        (void) engine_with(list, 2);
        size_t n = 0;
        for (int i = 0; i < 3; i++)
                assert_int_equal(scrape_engine_collect(engine, count_samples, &n), 0);
        assert_int_equal(scrape_allocs(&n), 0);
        assert_true(n > 10);
}

static size_t count_lines(const char *text, const char *prefix) {
        size_t n = 0, len = strlen(prefix);
        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                n += strncmp(p, prefix, len) == 0;
        return n;
}

static void test_outside_join_grows(void **state) {
        (void) state;
        const struct collector *list[] = {&growing, &sync_a};
        struct scrape_engine *e = engine_with(list, 2);
        for (growing_n = 10; growing_n <= 2560; growing_n *= 4) {
                char *text = scrape(e);
                /* k="0" from the first program only; the rest from the second */
                assert_int_equal(count_lines(text, "outside_shared{"), growing_n);
                assert_true(has_line(text, "outside_shared{k=\"0\"} 1"));
                assert_null(strstr(text, "Mine."));
                free(text);
        }
}

/* Listed before the built-ins, the outside source still comes after
 * them; from the first scrape on, no series twice and no name with two
 * types or helps, whatever it prints; the rest of it is served. */
static void test_outside_checked_from_first_scrape(void **state) {
        (void) state;
        const struct collector *list[] = {&outside, &sync_a, &sync_b};
        struct scrape_engine *e = engine_with(list, 3);
        for (int i = 1; i <= 3; i++) {
                char *text = scrape(e);
                assert_true(has_line(text, "fake_a 1"));
                assert_null(strstr(text, "fake_a 7"));
                assert_null(strstr(text, "Another help."));
                assert_int_equal(count_lines(text, "# TYPE fake_b "), 1);
                assert_true(has_line(text, "fake_b 1"));
                assert_null(strstr(text, "fake_b 9"));
                assert_true(has_line(text, "fake_b{x=\"1\"} 5"));
                assert_true(has_line(text, "outside_own 3"));
                assert_true(has_line(text, "outside_shared{k=\"1\"} 1"));
                assert_null(strstr(text, "outside_shared{k=\"1\"} 2"));
                assert_true(has_line(text, "outside_shared{k=\"2\"} 2"));
                assert_true(has_line(text, "outside_status 1"));
                /* the agent's own, which come after the sources: left out */
                assert_null(strstr(text, "Mine."));
                assert_int_equal(count_lines(text, "node_scrape_collector_success{collector=\"a\"} "), 1);
                /* three series left out each scrape, and the agent's one from
                 * the second on (the first's counts are written when the
                 * agent's families come): counted as the source's */
                char line[128];
                (void) snprintf(line, sizeof(line), "vigie_collector_parse_errors_total{collector=\"outside\"} %d",
                                3 * i + (i - 1));
                if (!has_line(text, line))
                        fail_msg("'%s' missing in:\n%s", line, text);
                free(text);
        }
        /* the built-ins first: the outside source's row comes last */
        char *text = scrape(e);
        const char *a = strstr(text, "node_scrape_collector_success{collector=\"a\"}");
        const char *o = strstr(text, "node_scrape_collector_success{collector=\"outside\"}");
        assert_true(a && o && a < o);
        free(text);
        if (!ALLOCS_COUNTED)
                return;
        size_t n = 0;
        assert_int_equal(scrape_allocs(&n), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_failure_rolls_back, setup, teardown),
                cmocka_unit_test_setup_teardown(test_failure_success_zero, setup, teardown),
                cmocka_unit_test_setup_teardown(test_background_blocked_serves_snapshot, setup, teardown),
                cmocka_unit_test_setup_teardown(test_background_blocked_holds_no_other, setup, teardown),
                cmocka_unit_test_setup_teardown(test_background_stale_dropped, setup, teardown),
                cmocka_unit_test_setup_teardown(test_background_failure_publishes_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_background_computed_period, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reload_swaps_collectors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reload_leaves_blocked_refresh, setup, teardown),
                cmocka_unit_test_setup_teardown(test_background_fd_driven, setup, teardown),
                cmocka_unit_test_setup_teardown(test_idle_no_thread_no_wakeup, setup, teardown),
                cmocka_unit_test_setup_teardown(test_background_scrape_allocates_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sync_collector_sampled, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sampler_faults_counted, setup, teardown),
                cmocka_unit_test_setup_teardown(test_observer_sees_each_collection, setup, teardown),
                cmocka_unit_test_setup_teardown(test_outside_checked_from_first_scrape, setup, teardown),
                cmocka_unit_test_setup_teardown(test_outside_join_grows, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
