/* Scrapes in-process, without HTTP: the cost of collecting and encoding,
 * and the allocations a steady-state scrape makes (malloc and friends are
 * interposed here and forwarded to glibc, so allocations inside libc count
 * too). Usage: bench_scrape N [--gzip] [vigie flags...]
 * Prints one line: scrapes, cpu_us_per_scrape, allocs_per_scrape, series,
 * bytes. Under callgrind, --toggle-collect=measure counts the N scrapes
 * alone. The landing page's observer sees each set, as in the daemon. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "config.h"
#include "gzip.h"
#include "landing_page.h"
#include "options.h"
#include "prom_text.h"
#include "scrape.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static atomic_long allocs;
static atomic_bool counting;

void *malloc(size_t n) {
        if (atomic_load_explicit(&counting, memory_order_relaxed))
                atomic_fetch_add(&allocs, 1);
        return __libc_malloc(n);
}
void *calloc(size_t a, size_t b) {
        if (atomic_load_explicit(&counting, memory_order_relaxed))
                atomic_fetch_add(&allocs, 1);
        return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n) {
        if (atomic_load_explicit(&counting, memory_order_relaxed))
                atomic_fetch_add(&allocs, 1);
        return __libc_realloc(p, n);
}
void free(void *p) {
        __libc_free(p);
}

struct out {
        struct prom_encoder enc;
        struct buf text, gz;
        struct gzip_encoder gzip;
        bool use_gzip;
        size_t series;
        double encode_us; /* CPU spent encoding (and compressing), measured scrapes only */
};

static double thread_cpu_us(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static int consume(const struct metric_set *set, void *userdata) {
        struct out *o = userdata;
        double t0 = thread_cpu_us();
        buf_reset(&o->text);
        int r = prom_text_encode(&o->enc, set, &o->text);
        if (r >= 0 && o->use_gzip)
                r = gzip_compress(&o->gzip, o->text.data, o->text.len, &o->gz);
        o->series = set->n_samples;
        if (atomic_load_explicit(&counting, memory_order_relaxed))
                o->encode_us += thread_cpu_us() - t0;
        return r;
}

static int scrape_n(struct scrape_engine *e, struct out *o, long n) {
        for (long i = 0; i < n; i++) {
                int r = scrape_engine_collect(e, consume, o);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* What callgrind measures (--toggle-collect=measure): the N scrapes after
 * the warm-up, nothing else. */
__attribute__((noinline)) int measure(struct scrape_engine *e, struct out *o, long n);
__attribute__((noinline)) int measure(struct scrape_engine *e, struct out *o, long n) {
        return scrape_n(e, o, n);
}

static double cpu_us(void) {
        struct rusage ru;
        (void) getrusage(RUSAGE_SELF, &ru);
        return (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
               (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

int main(int argc, char **argv) {
        if (argc < 2)
                return 2;
        long n = strtol(argv[1], NULL, 10);
        bool use_gzip = argc > 2 && strcmp(argv[2], "--gzip") == 0;
        int skip = use_gzip ? 2 : 1;
        argv[skip] = argv[0];
        struct options opts;
        struct diag diag = {0};
        struct config cfg;
        /* --config FILE as the agent reads it (a plugin's section, say), the flags on top */
        if (options_parse(argc - skip, argv + skip, &opts, &diag) < 0 || config_init_defaults(&cfg) < 0 ||
            (opts.config_path && config_load(&cfg, opts.config_path, &diag) < 0) ||
            options_apply(&opts, &cfg, &diag) < 0) {
                fprintf(stderr, "bench_scrape: %s\n", diag.msg);
                return 2;
        }
        log_setup(LOG_LEVEL_ERROR, LOG_TARGET_STDERR);
        struct scrape_engine *e;
        if (scrape_engine_new(&e) < 0 || scrape_engine_configure(e, &cfg, &diag) < 0) {
                fprintf(stderr, "bench_scrape: %s\n", diag.msg);
                return 2;
        }
        struct landing_energy *energy;
        if (landing_energy_new(NULL, &energy) < 0)
                return 1;
        scrape_engine_set_observer(e, landing_energy_observe, energy);
        struct out o = {.use_gzip = use_gzip};
        /* warm up: buffers, caches and descriptors reach their size */
        if (scrape_n(e, &o, 20) < 0)
                return 1;
        atomic_store(&allocs, 0);
        double t0 = cpu_us();
        atomic_store(&counting, true);
        int r = measure(e, &o, n);
        atomic_store(&counting, false);
        double t1 = cpu_us();
        if (r < 0)
                return 1;
        printf("scrapes=%ld cpu_us_per_scrape=%.2f encode_us_per_scrape=%.2f allocs_per_scrape=%.3f series=%zu "
               "bytes=%zu\n",
               n, (t1 - t0) / (double) n, o.encode_us / (double) n, (double) atomic_load(&allocs) / (double) n,
               o.series, use_gzip ? o.gz.len : o.text.len);
        prom_encoder_free(&o.enc);
        buf_free(&o.text);
        buf_free(&o.gz);
        gzip_encoder_free(&o.gzip);
        scrape_engine_set_observer(e, NULL, NULL);
        landing_energy_free(energy);
        scrape_engine_free(e);
        config_free(&cfg);
        options_free(&opts);
        return 0;
}
