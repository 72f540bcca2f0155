/* The push disk queue: order, budget, restart, corruption and space
 * reclaim; budget drops that stay dropped after a restart; ids that go on
 * after the queue empties; heads that point past their segment or at one
 * that is gone; symbolic links never followed and a directory others may
 * write refused; push_queue_stats answering while the disk is busy; and a
 * resync through a tampered segment in bounded time. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "diag.h"
#include "push_queue.h"

static char *temp_dir(void) {
        char *d = strdup("/tmp/vigie-queue-XXXXXX");
        assert_non_null(mkdtemp(d));
        return d;
}

static void remove_dir(const char *d) {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
        assert_int_equal(system(cmd), 0);
}

static void test_queue_order_and_restart(_unused_ void **state) {
        char *dir = temp_dir();
        struct push_queue *q;
        assert_int_equal(push_queue_open(dir, 1 << 20, true, &q), 0);
        char payload[3000];
        for (int i = 0; i < 900; i++) { /* crosses segment boundaries (1 MiB) */
                memset(payload, 'a' + i % 26, sizeof(payload));
                assert_int_equal(push_queue_append(q, payload, 1500 + (size_t) i % 7, (uint32_t) i, 1000 + i), 0);
        }
        struct push_queue_stats st;
        push_queue_stats(q, &st);
        /* 1 MiB budget: the oldest went to make room */
        assert_true(st.dropped_budget_samples > 0);
        assert_true(st.bytes <= 1 << 20);
        uint64_t first_kept = st.records;
        struct buf out = {0};
        uint32_t n;
        int64_t ts, last = 0;
        for (int i = 0; i < 10; i++) {
                assert_int_equal(push_queue_peek(q, &out, &n, &ts), 0);
                assert_true(ts > last);
                last = ts;
                assert_int_equal(push_queue_pop(q), 0);
        }
        push_queue_close(q);
        /* a restart (or a kill -9) resumes after the last acknowledged batch */
        assert_int_equal(push_queue_open(dir, 1 << 20, true, &q), 0);
        push_queue_stats(q, &st);
        if (st.records != first_kept - 10)
                fail_msg("records after reopen %llu, before %llu - 10", (unsigned long long) st.records,
                         (unsigned long long) first_kept);
        assert_int_equal(push_queue_peek(q, &out, &n, &ts), 0);
        assert_int_equal(ts, last + 1);
        /* drain in order */
        size_t count = 0;
        while (push_queue_peek(q, &out, &n, &ts) == 0) {
                assert_true(ts > last);
                last = ts;
                assert_int_equal(push_queue_pop(q), 0);
                count++;
        }
        assert_int_equal(count, first_kept - 10);
        assert_int_equal(last, 1899);
        push_queue_stats(q, &st);
        assert_int_equal(st.records, 0);
        assert_int_equal(st.bytes, 0);
        /* an empty queue holds no segment: its disk space is back */
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "ls %s/*.seg >/dev/null 2>&1", dir);
        assert_int_not_equal(system(cmd), 0);
        /* and it works on */
        assert_int_equal(push_queue_append(q, "abc", 3, 1, 5000), 0);
        assert_int_equal(push_queue_peek(q, &out, &n, &ts), 0);
        assert_int_equal(ts, 5000);
        push_queue_close(q);
        buf_free(&out);
        remove_dir(dir);
        free(dir);
}

static void test_queue_corruption(_unused_ void **state) {
        char *dir = temp_dir();
        struct push_queue *q;
        assert_int_equal(push_queue_open(dir, 64 << 20, false, &q), 0);
        char payload[500];
        for (int i = 0; i < 20; i++) {
                memset(payload, 'x', sizeof(payload));
                assert_int_equal(push_queue_append(q, payload, sizeof(payload), 1, i), 0);
        }
        push_queue_close(q);
        /* flip a byte in the 5th record's payload, and cut the last record */
        char path[300];
        snprintf(path, sizeof(path), "%s/%016x.seg", dir, 1);
        (void) path;
        int fd = open(path, O_RDWR);
        assert_true(fd >= 0);
        off_t rec = 24 + 500;
        assert_int_equal(pwrite(fd, "Z", 1, 4 * rec + 24 + 100), 1);
        assert_int_equal(ftruncate(fd, 20 * rec - 10), 0);
        close(fd);

        assert_int_equal(push_queue_open(dir, 64 << 20, false, &q), 0);
        struct buf out = {0};
        uint32_t n;
        int64_t ts;
        int64_t seen[20];
        size_t k = 0;
        while (push_queue_peek(q, &out, &n, &ts) == 0) {
                seen[k++] = ts;
                assert_int_equal(push_queue_pop(q), 0);
        }
        /* 0-3 and 5-18 delivered: the damaged one and the cut one skipped and counted */
        assert_int_equal(k, 18);
        assert_int_equal(seen[3], 3);
        assert_int_equal(seen[4], 5);
        assert_int_equal(seen[17], 18);
        struct push_queue_stats st;
        push_queue_stats(q, &st);
        assert_int_equal(st.corrupt_records, 2);
        push_queue_close(q);
        buf_free(&out);
        remove_dir(dir);
        free(dir);
}

static void write_file(const char *dir, const char *name, const char *text) {
        char path[300];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path) {
        static char b[256];
        FILE *f = fopen(path, "re");
        assert_non_null(f);
        size_t n = fread(b, 1, sizeof(b) - 1, f);
        b[n] = '\0';
        fclose(f);
        return b;
}

/* Appends batches first..last (ts = their number) of size bytes each. */
static void append_range(struct push_queue *q, int first, int last, size_t size) {
        static char payload[200000];
        assert_true(size <= sizeof(payload));
        memset(payload, 'p', size);
        for (int i = first; i <= last; i++)
                assert_int_equal(push_queue_append(q, payload, size, 1, i), 0);
}

/* The timestamps peek and pop find, until empty, into seen; their count. */
static size_t drain(struct push_queue *q, int64_t *seen, size_t max) {
        struct buf out = {0};
        uint32_t n;
        int64_t ts;
        size_t k = 0;
        while (push_queue_peek(q, &out, &n, &ts) == 0) {
                assert_true(k < max);
                seen[k++] = ts;
                assert_int_equal(push_queue_pop(q), 0);
        }
        buf_free(&out);
        return k;
}

/* Past the budget the oldest are dropped, and stay dropped after a
 * restart: they were counted as dropped, they must not be sent. */
static void test_queue_budget_drop_persists(_unused_ void **state) {
        char *dir = temp_dir();
        struct push_queue *q;
        assert_int_equal(push_queue_open(dir, 10000, true, &q), 0);
        append_range(q, 1, 10, 1976); /* 2000 bytes a record: 5 fit */
        struct push_queue_stats st;
        push_queue_stats(q, &st);
        assert_int_equal(st.dropped_budget_samples, 5);
        assert_int_equal(st.records, 5);
        push_queue_close(q);
        assert_int_equal(push_queue_open(dir, 10000, true, &q), 0);
        push_queue_stats(q, &st);
        assert_int_equal(st.records, 5);
        assert_int_equal(st.oldest_ms, 6);
        int64_t seen[20];
        assert_int_equal(drain(q, seen, 20), 5);
        assert_int_equal(seen[0], 6);
        assert_int_equal(seen[4], 10);
        push_queue_close(q);
        remove_dir(dir);
        free(dir);
}

/* An emptied queue goes on from the head's segment id, not from 1: a head
 * from before (a kill between the last segment's deletion and the head's
 * rewrite leaves one) must never name a new segment. */
static void test_queue_ids_go_on(_unused_ void **state) {
        char *dir = temp_dir();
        struct push_queue *q;
        assert_int_equal(push_queue_open(dir, 1 << 20, true, &q), 0);
        append_range(q, 1, 3, 100000); /* two to a segment: segments 1 and 2 */
        int64_t seen[8];
        assert_int_equal(drain(q, seen, 8), 3);
        push_queue_close(q);
        char path[300];
        snprintf(path, sizeof(path), "%s/head", dir);
        assert_string_equal(read_file(path), "0000000000000003 0\n");
        /* the kill: the head as it was before the last pop */
        write_file(dir, "head", "0000000000000002 0\n");
        assert_int_equal(push_queue_open(dir, 1 << 20, true, &q), 0);
        append_range(q, 4, 5, 3000);
        push_queue_close(q);
        snprintf(path, sizeof(path), "%s/0000000000000003.seg", dir);
        assert_int_equal(access(path, F_OK), 0);
        assert_int_equal(push_queue_open(dir, 1 << 20, true, &q), 0);
        assert_int_equal(drain(q, seen, 8), 2);
        assert_int_equal(seen[0], 4);
        assert_int_equal(seen[1], 5);
        push_queue_close(q);
        remove_dir(dir);
        free(dir);
}

/* A head past the end of its segment (cut by a power cut): the segment is
 * done, counted as one damaged place, the rest delivered; a head naming a
 * segment that is gone: those before it were acknowledged. */
static void test_queue_odd_heads(_unused_ void **state) {
        static const struct {
                const char *head;
                size_t n;
                int64_t first;
                uint64_t corrupt;
        } cases[] = {
                {"0000000000000001 999999\n", 3, 3, 1},
                {"0000000000000001 100024\n", 4, 2, 0},
                {"0000000000000002 0\n", 3, 3, 0},
                {"0000000000000009 0\n", 0, 0, 0},
                {"garbage\n", 5, 1, 0},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *dir = temp_dir();
                struct push_queue *q;
                assert_int_equal(push_queue_open(dir, 1 << 20, false, &q), 0);
                append_range(q, 1, 5, 100000); /* segments 1 {1, 2}, 2 {3, 4}, 3 {5} */
                push_queue_close(q);
                write_file(dir, "head", cases[i].head);
                assert_int_equal(push_queue_open(dir, 1 << 20, false, &q), 0);
                struct push_queue_stats st;
                push_queue_stats(q, &st);
                assert_int_equal(st.records, cases[i].n);
                assert_int_equal(st.corrupt_records, cases[i].corrupt);
                int64_t seen[8];
                assert_int_equal(drain(q, seen, 8), cases[i].n);
                if (cases[i].n > 0) {
                        assert_int_equal(seen[0], cases[i].first);
                        assert_int_equal(seen[cases[i].n - 1], 5);
                }
                push_queue_close(q);
                /* ids go on past what the head named */
                assert_int_equal(push_queue_open(dir, 1 << 20, false, &q), 0);
                append_range(q, 6, 6, 100);
                assert_int_equal(drain(q, seen, 8), 1);
                push_queue_close(q);
                remove_dir(dir);
                free(dir);
        }
}

static void make_victim(const char *dir, char *path, size_t size) {
        snprintf(path, size, "%s.victim", dir);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fputs("precious\n", f);
        fclose(f);
}

static void plant_link(const char *dir, const char *name, const char *target) {
        char path[300];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        assert_int_equal(symlink(target, path), 0);
}

static mode_t mode_of(const char *dir, const char *name) {
        char path[300];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        assert_int_equal(lstat(path, &st), 0);
        return st.st_mode;
}

/* Links in the queue directory are never written through: a head.tmp is
 * made anew (0600, as every file), a link for a segment or the head is
 * refused with a message, and a segment planted under the next id is not
 * appended to. */
static void test_queue_symlinks(_unused_ void **state) {
        char *dir = temp_dir(), victim[300];
        make_victim(dir, victim, sizeof(victim));
        struct push_queue *q;
        struct diag diag = {0};
        struct buf out = {0};
        uint32_t n;
        int64_t ts;

        plant_link(dir, "head.tmp", victim);
        assert_int_equal(push_queue_open(dir, 1 << 20, true, &q), 0);
        append_range(q, 1, 2, 100);
        assert_int_equal(push_queue_peek(q, &out, &n, &ts), 0);
        assert_int_equal(push_queue_pop(q), 0);
        assert_string_equal(read_file(victim), "precious\n");
        assert_true(S_ISREG(mode_of(dir, "head")));
        assert_int_equal(mode_of(dir, "head") & 07777, 0600);
        assert_int_equal(mode_of(dir, "0000000000000001.seg") & 07777, 0600);
        /* a link under the next segment's name: that append fails, counted */
        plant_link(dir, "0000000000000002.seg", victim);
        static char big[270000]; /* does not fit segment 1 */
        assert_int_equal(push_queue_append(q, big, sizeof(big), 1, 3), -EEXIST);
        struct push_queue_stats st;
        push_queue_stats(q, &st);
        assert_int_equal(st.dropped_write_samples, 1);
        push_queue_close(q);
        assert_string_equal(read_file(victim), "precious\n");

        /* at the next start the link is refused, with a message */
        assert_int_equal(push_queue_open_diag(dir, 1 << 20, true, &diag, &q), -ELOOP);
        assert_non_null(strstr(diag.msg, "0000000000000002.seg is not a plain file but a symbolic link"));
        char path[300];
        snprintf(path, sizeof(path), "%s/0000000000000002.seg", dir);
        assert_int_equal(unlink(path), 0);
        snprintf(path, sizeof(path), "%s/head", dir);
        assert_int_equal(unlink(path), 0);
        plant_link(dir, "head", victim);
        diag.msg[0] = '\0';
        assert_int_equal(push_queue_open_diag(dir, 1 << 20, true, &diag, &q), -ELOOP);
        assert_non_null(strstr(diag.msg, "head is a symbolic link"));
        assert_string_equal(read_file(victim), "precious\n");
        buf_free(&out);
        remove_dir(dir);
        unlink(victim);
        free(dir);
}

/* A queue directory that others may write, or that another user owns, is
 * refused with a message that says what to do; nothing is made in it. */
static void test_queue_dir_refused(_unused_ void **state) {
        char *dir = temp_dir();
        struct push_queue *q;
        struct diag diag = {0};
        assert_int_equal(chmod(dir, 0777), 0);
        assert_int_equal(push_queue_open_diag(dir, 1 << 20, true, &diag, &q), -EPERM);
        assert_non_null(strstr(diag.msg, dir));
        assert_non_null(strstr(diag.msg, "mode 0777"));
        assert_non_null(strstr(diag.msg, "chmod 0700"));
        assert_int_equal(chmod(dir, 0700), 0);
        if (geteuid() == 0) {
                assert_int_equal(chown(dir, 65534, 65534), 0);
                diag.msg[0] = '\0';
                assert_int_equal(push_queue_open_diag(dir, 1 << 20, true, &diag, &q), -EPERM);
                assert_non_null(strstr(diag.msg, "owned by uid 65534"));
        }
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", dir);
        assert_int_equal(system(cmd), 0);
        /* and the directory it makes itself is 0700 */
        char sub[300];
        snprintf(sub, sizeof(sub), "%s/made", dir);
        assert_int_equal(chown(dir, 0, 0), 0);
        assert_int_equal(push_queue_open(sub, 1 << 20, true, &q), 0);
        push_queue_close(q);
        assert_int_equal(mode_of(dir, "made") & 07777, 0700);
        remove_dir(dir);
        free(dir);
}

/* fdatasync as the queue sees it: held while hold_sync is set, so that an
 * append stays inside the queue's disk lock as long as a test wants. */
static atomic_bool hold_sync;
static sem_t sync_entered, sync_release;

int fdatasync(int fd) {
        if (atomic_load(&hold_sync)) {
                sem_post(&sync_entered);
                sem_wait(&sync_release);
        }
        return (int) syscall(SYS_fdatasync, fd);
}

struct call {
        struct push_queue *q;
        struct push_queue_stats st;
        int r;
        sem_t done;
};

static void *append_thread(void *arg) {
        struct call *c = arg;
        c->r = push_queue_append(c->q, "abc", 3, 7, 42);
        return NULL;
}

static void *stats_thread(void *arg) {
        struct call *c = arg;
        push_queue_stats(c->q, &c->st);
        sem_post(&c->done);
        return NULL;
}

static bool wait_done(sem_t *s, int seconds) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_sec += seconds;
        return sem_timedwait(s, &t) == 0;
}

/* push_queue_stats answers at once while another thread holds the queue
 * on a slow disk (an fsync that does not return). */
static void test_queue_stats_do_not_wait(_unused_ void **state) {
        char *dir = temp_dir();
        struct push_queue *q;
        assert_int_equal(push_queue_open(dir, 1 << 20, true, &q), 0);
        append_range(q, 1, 2, 100);
        sem_init(&sync_entered, 0, 0);
        sem_init(&sync_release, 0, 0);
        struct call a = {.q = q}, s = {.q = q};
        sem_init(&s.done, 0, 0);
        atomic_store(&hold_sync, true);
        pthread_t ta, ts;
        assert_int_equal(pthread_create(&ta, NULL, append_thread, &a), 0);
        assert_true(wait_done(&sync_entered, 10));
        assert_int_equal(pthread_create(&ts, NULL, stats_thread, &s), 0);
        bool answered = wait_done(&s.done, 2);
        atomic_store(&hold_sync, false);
        sem_post(&sync_release);
        if (!answered)
                fail_msg("push_queue_stats waited for an append stuck in fdatasync");
        assert_int_equal(s.st.records, 2);
        assert_int_equal(s.st.oldest_ms, 1);
        pthread_join(ta, NULL);
        pthread_join(ts, NULL);
        assert_int_equal(a.r, 0);
        push_queue_stats(q, &s.st);
        assert_int_equal(s.st.records, 3);
        assert_int_equal(s.st.samples, 9);
        push_queue_close(q);
        remove_dir(dir);
        free(dir);
}

struct peek_call {
        struct push_queue *q;
        int r;
        int64_t ts;
        sem_t done;
};

static void *peek_thread(void *arg) {
        struct peek_call *c = arg;
        struct buf out = {0};
        uint32_t n;
        c->r = push_queue_peek(c->q, &out, &n, &c->ts);
        buf_free(&out);
        sem_post(&c->done);
        return NULL;
}

/* A 16 MiB segment with a plausible header (length 8 MiB) every 8 bytes,
 * before sound ones: the resync gets through it at once (it took 82 s of
 * CPU, under the lock that stats took), skips and counts it, and the
 * sound batches behind are delivered. */
static void test_queue_tampered_segment(_unused_ void **state) {
        char *dir = temp_dir();
        struct push_queue *q;
        assert_int_equal(push_queue_open(dir, 64 << 20, false, &q), 0);
        append_range(q, 1, 3, 1000);
        push_queue_close(q);
        char from[300], to[300];
        snprintf(from, sizeof(from), "%s/0000000000000001.seg", dir);
        snprintf(to, sizeof(to), "%s/0000000000000002.seg", dir);
        assert_int_equal(rename(from, to), 0);
        size_t size = 16u << 20;
        uint32_t *words = malloc(size);
        assert_non_null(words);
        for (size_t i = 0; i < size / 4; i += 2) {
                words[i] = 0x31514756u;
                words[i + 1] = 8u << 20;
        }
        int fd = open(from, O_WRONLY | O_CREAT | O_EXCL, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, words, size), (ssize_t) size);
        close(fd);
        free(words);

        assert_int_equal(push_queue_open(dir, 64 << 20, false, &q), 0);
        struct peek_call c = {.q = q};
        sem_init(&c.done, 0, 0);
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, peek_thread, &c), 0);
        if (!wait_done(&c.done, 5))
                fail_msg("the resync through the tampered segment took more than 5 s");
        pthread_join(t, NULL);
        assert_int_equal(c.r, 0);
        assert_int_equal(c.ts, 1);
        struct push_queue_stats st;
        push_queue_stats(q, &st);
        assert_int_equal(st.corrupt_records, 1);
        assert_int_equal(st.corrupt_bytes, size);
        int64_t seen[8];
        assert_int_equal(drain(q, seen, 8), 3);
        push_queue_close(q);
        remove_dir(dir);
        free(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_queue_order_and_restart),
                cmocka_unit_test(test_queue_corruption),
                cmocka_unit_test(test_queue_budget_drop_persists),
                cmocka_unit_test(test_queue_ids_go_on),
                cmocka_unit_test(test_queue_odd_heads),
                cmocka_unit_test(test_queue_symlinks),
                cmocka_unit_test(test_queue_dir_refused),
                cmocka_unit_test(test_queue_stats_do_not_wait),
                cmocka_unit_test(test_queue_tampered_segment),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
