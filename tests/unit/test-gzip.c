/* exporters/gzip.c: gzip bodies that zlib inflates back, codes kept and
 * made again, and Accept-Encoding parsing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

#include <cmocka.h>

#include "buf.h"
#include "gzip.h"
#include "macro.h"

/* Inflates gz with zlib, an independent decoder, and compares with text. */
static void assert_inflates_to(const struct buf *gz, const struct buf *text) {
        z_stream zs = {0};
        assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
        char *plain = malloc(text->len + 1);
        assert_non_null(plain);
        zs.next_in = (Bytef *) gz->data;
        zs.avail_in = (uInt) gz->len;
        zs.next_out = (Bytef *) plain;
        zs.avail_out = (uInt) text->len + 1;
        assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
        assert_int_equal(zs.total_out, text->len);
        assert_memory_equal(plain, text->data, text->len);
        inflateEnd(&zs);
        free(plain);
}

static void test_gzip_round_trip(_unused_ void **state) {
        struct buf text = {0};
        for (int i = 0; i < 5000; i++)
                buf_printf(&text, "node_cpu_seconds_total{cpu=\"%d\",mode=\"idle\"} %d.%02d\n", i, i * 37, i % 100);
        struct gzip_encoder gz = {0};
        struct buf out = {0};
        for (int round = 0; round < 2; round++) { /* the deflate state is reused */
                assert_int_equal(gzip_compress(&gz, text.data, text.len, &out), 0);
                assert_true(out.len < text.len / 4);
                assert_int_equal((unsigned char) out.data[0], 0x1f); /* gzip magic */
                assert_int_equal((unsigned char) out.data[1], 0x8b);
                assert_inflates_to(&out, &text);
        }
        /* empty input is a valid empty gzip member */
        assert_int_equal(gzip_compress(&gz, "", 0, &out), 0);
        assert_true(out.len >= 20);
        /* what does not compress still fits the reserved bound, and
         * round-trips with Huffman codes made from the text above: every
         * symbol has a code in them */
        struct buf saved = {0};
        buf_put(&saved, text.data, text.len);
        buf_reset(&text);
        uint32_t x = 2463534242u;
        for (int i = 0; i < 100000; i++) {
                x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift */
                buf_putc(&text, (char) x);
        }
        assert_int_equal(gzip_compress(&gz, text.data, text.len, &out), 0);
        assert_true(out.len > text.len);
        assert_inflates_to(&out, &text);
        gzip_encoder_free(&gz);
        /* codes made from an empty first body still serve the next ones */
        assert_int_equal(gzip_compress(&gz, "", 0, &out), 0);
        assert_int_equal(gzip_compress(&gz, saved.data, saved.len, &out), 0);
        assert_inflates_to(&out, &saved);
        assert_int_equal(gzip_compress(&gz, text.data, text.len, &out), 0);
        assert_inflates_to(&out, &text);
        gzip_encoder_free(&gz);
        /* codes made from random bytes do not stay: after enough bodies
         * they are made again from the text, which then compresses better */
        assert_int_equal(gzip_compress(&gz, text.data, text.len, &out), 0);
        assert_int_equal(gzip_compress(&gz, saved.data, saved.len, &out), 0);
        size_t with_random_codes = out.len;
        assert_inflates_to(&out, &saved);
        for (int i = 0; i < 300; i++)
                assert_int_equal(gzip_compress(&gz, saved.data, saved.len, &out), 0);
        assert_true(out.len < with_random_codes * 9 / 10);
        assert_inflates_to(&out, &saved);
        gzip_encoder_free(&gz);
        buf_free(&saved);
        buf_free(&out);
        buf_free(&text);
}

static void test_gzip_accepted(_unused_ void **state) {
        static const struct {
                const char *header;
                bool ok;
        } table[] = {
                {NULL, false},           {"", false},
                {"gzip", true},          {"GZIP", true},
                {"deflate, gzip", true}, {"gzip;q=1.0, identity; q=0.5, *;q=0", true},
                {"gzip;q=0", false},     {"gzip ; q=0.001", true},
                {"identity", false},     {"*", true},
                {"gzip;q=0, *", false},  {"x-gzip", false},
                {"gzipper", false},      {"br, zstd", false},
        };
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
                if (gzip_accepted(table[i].header) != table[i].ok)
                        fail_msg("Accept-Encoding '%s': expected %d", table[i].header ? table[i].header : "(none)",
                                 table[i].ok);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_gzip_round_trip),
                cmocka_unit_test(test_gzip_accepted),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
