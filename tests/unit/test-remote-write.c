/* The Remote-Write request as vigie builds it, decoded again: labels
 * sorted with __name__, identity and external labels added without ever
 * repeating a name, empty labels left out, non-UTF-8 bytes replaced,
 * histogram suffixes, one sample per series at the given timestamp, and
 * metadata. Then the disk queue: order, budget, corruption, restart. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <snappy-c.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "push_queue.h"
#include "remote_write.h"
#include "remote_write.pb-c.h"

static Prometheus__WriteRequest *decode(const struct buf *b) {
        size_t len;
        assert_int_equal(snappy_uncompressed_length(b->data, b->len, &len), SNAPPY_OK);
        char *plain = malloc(len);
        assert_int_equal(snappy_uncompress(b->data, b->len, plain, &len), SNAPPY_OK);
        Prometheus__WriteRequest *r = prometheus__write_request__unpack(NULL, len, (uint8_t *) plain);
        free(plain);
        assert_non_null(r);
        return r;
}

static const char *label(const Prometheus__TimeSeries *ts, const char *name) {
        for (size_t i = 0; i < ts->n_labels; i++)
                if (strcmp(ts->labels[i]->name, name) == 0)
                        return ts->labels[i]->value;
        return NULL;
}

static void test_encode(_unused_ void **state) {
        static const char *const two[] = {"device", "instance"};
        static const char *const le[] = {"le"};
        static const struct metric_desc disk = {"node_disk_read_bytes_total", "Read.", METRIC_COUNTER, 2, two};
        static const struct metric_desc hist = {"req_seconds", "Latency.", METRIC_HISTOGRAM, 1, le};
        struct metric_set set = {0};
        metric_set_family(&set, &disk);
        metric_set_sample2(&set, 1024, "sda", "");            /* empty instance: ours is added */
        metric_set_sample2(&set, 2048, "bad\xff", "other-host"); /* its own instance wins */
        metric_set_family(&set, &hist);
        metric_set_sample_suffix(&set, 3, (const char *const[]){"0.1"}, METRIC_SUFFIX_BUCKET);

        const char *names[] = {"instance", "job", "site"}, *values[] = {"srv1", "vigie", "mairie"};
        struct rw_labels extra = {names, values, 3};
        struct buf out = {0};
        size_t n = 0;
        assert_int_equal(remote_write_encode(&set, &extra, 1700000000123, &out, &n), 0);
        assert_int_equal(n, 3);
        size_t counted;
        assert_int_equal(remote_write_count(out.data, out.len, &counted), 0);
        assert_int_equal(counted, 3);

        Prometheus__WriteRequest *r = decode(&out);
        assert_int_equal(r->n_timeseries, 3);
        for (size_t i = 0; i < r->n_timeseries; i++) {
                const Prometheus__TimeSeries *ts = r->timeseries[i];
                for (size_t k = 1; k < ts->n_labels; k++)
                        assert_true(strcmp(ts->labels[k - 1]->name, ts->labels[k]->name) < 0); /* sorted, unique */
                assert_int_equal(ts->n_samples, 1);
                assert_int_equal(ts->samples[0]->timestamp, 1700000000123);
                assert_string_equal(label(ts, "job"), "vigie");
                assert_string_equal(label(ts, "site"), "mairie");
        }
        assert_string_equal(label(r->timeseries[0], "__name__"), "node_disk_read_bytes_total");
        assert_string_equal(label(r->timeseries[0], "instance"), "srv1");
        assert_string_equal(label(r->timeseries[0], "device"), "sda");
        assert_true(r->timeseries[0]->samples[0]->value == 1024);
        assert_string_equal(label(r->timeseries[1], "instance"), "other-host");
        assert_string_equal(label(r->timeseries[1], "device"), "bad\xEF\xBF\xBD");
        assert_string_equal(label(r->timeseries[2], "__name__"), "req_seconds_bucket");
        assert_string_equal(label(r->timeseries[2], "le"), "0.1");
        assert_int_equal(r->n_metadata, 2);
        assert_string_equal(r->metadata[0]->metric_family_name, "node_disk_read_bytes_total");
        assert_int_equal(r->metadata[0]->type, PROMETHEUS__METRIC_METADATA__METRIC_TYPE__COUNTER);
        assert_string_equal(r->metadata[0]->help, "Read.");
        assert_int_equal(r->metadata[1]->type, PROMETHEUS__METRIC_METADATA__METRIC_TYPE__HISTOGRAM);
        prometheus__write_request__free_unpacked(r, NULL);
        buf_free(&out);
        metric_set_free(&set);
}

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
        if (st.records != first_kept - 10) fail_msg("records after reopen %llu, before %llu - 10", (unsigned long long) st.records, (unsigned long long) first_kept);
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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_encode),
                cmocka_unit_test(test_queue_order_and_restart),
                cmocka_unit_test(test_queue_corruption),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
