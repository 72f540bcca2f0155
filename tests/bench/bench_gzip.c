/* gzip alone, on a saved exposition: vigie's gzip_compress (ISA-L's igzip,
 * level 0 with a table made from the body) against zlib at level 1, its
 * cheapest setting, each with its state reused as a server would. Usage: bench_gzip FILE N
 * Prints isal_us, isal_bytes, zlib_us, zlib_bytes (per compression, the
 * best of ten batches of N). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <zlib.h>

#include "buf.h"
#include "gzip.h"

static double cpu_us(void) {
        struct rusage ru;
        (void) getrusage(RUSAGE_SELF, &ru);
        return (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
               (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static size_t zlib_once(z_stream *zs, const struct buf *in, unsigned char *out, size_t cap) {
        (void) deflateReset(zs);
        zs->next_in = (Bytef *) in->data;
        zs->avail_in = (uInt) in->len;
        zs->next_out = out;
        zs->avail_out = (uInt) cap;
        return deflate(zs, Z_FINISH) == Z_STREAM_END ? zs->total_out : 0;
}

int main(int argc, char **argv) {
        if (argc != 3)
                return 2;
        long n = strtol(argv[2], NULL, 10);
        FILE *f = fopen(argv[1], "r");
        if (!f || n <= 0)
                return 2;
        struct buf in = {0};
        char chunk[65536];
        size_t got;
        while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
                buf_put(&in, chunk, got);
        fclose(f);

        struct gzip_encoder g = {0};
        struct buf gz = {0};
        double isal_us = 1e18, zlib_us = 1e18;
        for (int batch = 0; batch < 10; batch++) {
                double t0 = cpu_us();
                for (long i = 0; i < n; i++)
                        if (gzip_compress(&g, in.data, in.len, &gz) < 0)
                                return 1;
                double t = (cpu_us() - t0) / (double) n;
                isal_us = t < isal_us ? t : isal_us;
        }

        z_stream zs = {0};
        if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                return 1;
        size_t cap = in.len + in.len / 8 + 1024, zlen = 0;
        unsigned char *out = malloc(cap);
        if (!out)
                return 1;
        for (int batch = 0; batch < 10; batch++) {
                double t0 = cpu_us();
                for (long i = 0; i < n; i++)
                        zlen = zlib_once(&zs, &in, out, cap);
                double t = (cpu_us() - t0) / (double) n;
                zlib_us = t < zlib_us ? t : zlib_us;
        }
        printf("input_bytes=%zu isal_us=%.1f isal_bytes=%zu zlib_us=%.1f zlib_bytes=%zu\n", in.len, isal_us, gz.len,
               zlib_us, zlen);
        (void) deflateEnd(&zs);
        free(out);
        gzip_encoder_free(&g);
        buf_free(&gz);
        buf_free(&in);
        return zlen > 0 ? 0 : 1;
}
