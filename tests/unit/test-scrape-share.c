/* exporters/scrape_share.c: scrapes that come while a collection runs
 * share the next one, never the one that runs; one alone leads its own. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "macro.h"
#include "scrape_share.h"

/* What the rounds made: produce writes the round's number into answer,
 * which every member reads between join and done. */
struct rounds {
        struct scrape_share share;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        int made;          /* rounds produced */
        unsigned forms[8]; /* what each round was asked for */
        int answer;        /* the last round's, read by its members */
        bool hold;         /* the first round waits for release */
        bool holding;      /* it has started and waits */
        int fail_round;    /* this round returns -EIO */
};

static int produce(unsigned forms, void *userdata) {
        struct rounds *t = userdata;
        (void) pthread_mutex_lock(&t->lock);
        int n = ++t->made;
        t->forms[n < 8 ? n : 7] = forms;
        if (n == 1 && t->hold) {
                t->holding = true;
                (void) pthread_cond_broadcast(&t->cond);
                while (t->hold)
                        (void) pthread_cond_wait(&t->cond, &t->lock);
        }
        (void) pthread_mutex_unlock(&t->lock);
        t->answer = n; /* outside any lock: members read it after join */
        return n == t->fail_round ? -EIO : 0;
}

struct member {
        struct rounds *t;
        unsigned want;
        int result;
        int answer; /* the round it read */
};

static void *member_run(void *userdata) {
        struct member *m = userdata;
        m->result = scrape_share_join(&m->t->share, m->want, produce, m->t);
        m->answer = m->t->answer;
        usleep(1000); /* read slowly: the next round must wait for this */
        m->answer = m->answer == m->t->answer ? m->answer : -1;
        scrape_share_done(&m->t->share);
        return NULL;
}

static void rounds_init(struct rounds *t) {
        *t = (struct rounds){0};
        scrape_share_init(&t->share);
        (void) pthread_mutex_init(&t->lock, NULL);
        (void) pthread_cond_init(&t->cond, NULL);
}

static void rounds_free(struct rounds *t) {
        scrape_share_destroy(&t->share);
        (void) pthread_cond_destroy(&t->cond);
        (void) pthread_mutex_destroy(&t->lock);
}

/* the share's count of members waiting for the next round */
static unsigned waiting(struct rounds *t) {
        (void) pthread_mutex_lock(&t->share.lock);
        unsigned n = t->share.members_next;
        (void) pthread_mutex_unlock(&t->share.lock);
        return n;
}

/* One scrape after another: each leads a round of its own. */
static void test_alone(_unused_ void **state) {
        struct rounds t;
        rounds_init(&t);
        for (int i = 1; i <= 3; i++) {
                assert_int_equal(scrape_share_join(&t.share, SCRAPE_SHARE_GZIP, produce, &t), 0);
                assert_int_equal(t.answer, i);
                scrape_share_done(&t.share);
        }
        assert_int_equal(t.made, 3);
        assert_int_equal(t.forms[1], SCRAPE_SHARE_GZIP);
        assert_int_equal(t.share.scrapes_shared, 0);
        rounds_free(&t);
}

/* The scene of the next two tests: first leads round 1 and holds it in
 * produce, the n late members join meanwhile (all counted as waiting for
 * round 2), round 1 is let go, and every thread is joined. */
static void hold_round_one(struct rounds *t, struct member *first, struct member *late, size_t n) {
        pthread_t first_thread, late_threads[8];
        assert_true(n <= ELEMENTSOF(late_threads));
        t->hold = true;
        assert_int_equal(pthread_create(&first_thread, NULL, member_run, first), 0);
        (void) pthread_mutex_lock(&t->lock);
        while (!t->holding)
                (void) pthread_cond_wait(&t->cond, &t->lock);
        (void) pthread_mutex_unlock(&t->lock);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(pthread_create(&late_threads[i], NULL, member_run, &late[i]), 0);
        for (int i = 0; i < 20000 && waiting(t) < n; i++) /* 20 s, for a loaded machine */
                usleep(1000);
        assert_int_equal(waiting(t), n);
        (void) pthread_mutex_lock(&t->lock);
        t->hold = false;
        (void) pthread_cond_broadcast(&t->cond);
        (void) pthread_mutex_unlock(&t->lock);
        assert_int_equal(pthread_join(first_thread, NULL), 0);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(pthread_join(late_threads[i], NULL), 0);
}

/* A scrape leads round 1 and holds it; five come meanwhile, asking for
 * text or gzip. They get round 2, made once with both forms, and none
 * gets round 1's answer, collected before they came. */
static void test_latecomers_share_the_next_round(_unused_ void **state) {
        struct rounds t;
        rounds_init(&t);
        struct member first = {.t = &t, .want = SCRAPE_SHARE_GZIP}, late[5];
        for (size_t i = 0; i < ELEMENTSOF(late); i++)
                late[i] = (struct member){.t = &t, .want = i == 2 ? SCRAPE_SHARE_TEXT : SCRAPE_SHARE_GZIP};
        hold_round_one(&t, &first, late, ELEMENTSOF(late));
        assert_int_equal(first.result, 0);
        assert_int_equal(first.answer, 1);
        for (size_t i = 0; i < ELEMENTSOF(late); i++) {
                assert_int_equal(late[i].result, 0);
                assert_int_equal(late[i].answer, 2); /* and it did not change while read */
        }
        assert_int_equal(t.made, 2);
        assert_int_equal(t.forms[1], SCRAPE_SHARE_GZIP);
        assert_int_equal(t.forms[2], SCRAPE_SHARE_TEXT | SCRAPE_SHARE_GZIP);
        assert_int_equal(t.share.scrapes_shared, ELEMENTSOF(late) - 1);
        rounds_free(&t);
}

/* A round's failure is every member's; the next round is made anew. */
static void test_failure_shared(_unused_ void **state) {
        struct rounds t;
        rounds_init(&t);
        t.fail_round = 2;
        struct member first = {.t = &t, .want = SCRAPE_SHARE_TEXT}, late[3];
        for (size_t i = 0; i < ELEMENTSOF(late); i++)
                late[i] = (struct member){.t = &t, .want = SCRAPE_SHARE_TEXT};
        hold_round_one(&t, &first, late, ELEMENTSOF(late));
        assert_int_equal(first.result, 0);
        for (size_t i = 0; i < ELEMENTSOF(late); i++)
                assert_int_equal(late[i].result, -EIO);
        assert_int_equal(scrape_share_join(&t.share, SCRAPE_SHARE_TEXT, produce, &t), 0);
        assert_int_equal(t.answer, 3);
        scrape_share_done(&t.share);
        rounds_free(&t);
}

/* Many threads scraping in a loop: every answer is read whole (the round
 * did not change under its reader), and there are fewer rounds than
 * scrapes. */
static void *loop_run(void *userdata) {
        struct member *m = userdata;
        for (int i = 0; i < 300; i++) {
                m->result = scrape_share_join(&m->t->share, m->want, produce, m->t);
                int a = m->t->answer;
                for (int k = 0; k < 200; k++)
                        if (m->t->answer != a)
                                m->answer = -1;
                scrape_share_done(&m->t->share);
                if (m->result != 0)
                        break;
        }
        return NULL;
}

static void test_storm(_unused_ void **state) {
        struct rounds t;
        rounds_init(&t);
        struct member m[6];
        pthread_t threads[6];
        for (size_t i = 0; i < ELEMENTSOF(m); i++) {
                m[i] = (struct member){.t = &t, .want = SCRAPE_SHARE_GZIP};
                assert_int_equal(pthread_create(&threads[i], NULL, loop_run, &m[i]), 0);
        }
        for (size_t i = 0; i < ELEMENTSOF(m); i++) {
                assert_int_equal(pthread_join(threads[i], NULL), 0);
                assert_int_equal(m[i].result, 0);
                assert_int_equal(m[i].answer, 0);
        }
        assert_true(t.made <= 6 * 300);
        assert_int_equal((uint64_t) t.made + t.share.scrapes_shared, 6 * 300);
        assert_int_equal(t.share.readers, 0);
        assert_false(t.share.running);
        rounds_free(&t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_alone),
                cmocka_unit_test(test_latecomers_share_the_next_round),
                cmocka_unit_test(test_failure_shared),
                cmocka_unit_test(test_storm),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
