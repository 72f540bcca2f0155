/* The Remote-Write request as vigie builds it, decoded again: labels
 * sorted with __name__, identity and external labels added without ever
 * repeating a name, empty labels left out, non-UTF-8 bytes replaced,
 * histogram suffixes, one sample per series at the given timestamp, and
 * metadata. */
#include <setjmp.h>
#include <snappy-c.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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
        metric_set_sample2(&set, 1024, "sda", "");               /* empty instance: ours is added */
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

/* One metadata entry per name, however many families share it and in
 * whatever order they come (textfile's files each add their own). */
static void test_metadata_once_per_name(_unused_ void **state) {
        enum { NAMES = 3000 };
        static char names[NAMES][16];
        static struct metric_desc descs[2][NAMES];
        struct metric_set set = {0};
        for (int pass = 0; pass < 2; pass++)
                for (int i = 0; i < NAMES; i++) {
                        (void) snprintf(names[i], sizeof(names[i]), "m%d", i);
                        descs[pass][i] = (struct metric_desc){names[i], "Help.", METRIC_GAUGE, 0, NULL};
                        metric_set_family(&set, &descs[pass][i]);
                        metric_set_sample0(&set, i);
                }
        struct rw_labels extra = {NULL, NULL, 0};
        struct buf out = {0};
        size_t n = 0;
        assert_int_equal(remote_write_encode(&set, &extra, 1700000000123, &out, &n), 0);
        assert_int_equal(n, 2 * NAMES);
        Prometheus__WriteRequest *r = decode(&out);
        assert_int_equal(r->n_metadata, NAMES);
        for (int i = 0; i < NAMES; i++)
                assert_string_equal(r->metadata[i]->metric_family_name, names[i]);
        prometheus__write_request__free_unpacked(r, NULL);
        buf_free(&out);
        metric_set_free(&set);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_encode),
                cmocka_unit_test(test_metadata_once_per_name),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
