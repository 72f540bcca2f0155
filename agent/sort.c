/* In-place sorting with a context: binary insertion for short arrays,
 * heapsort past them. */
#include "sort.h"

#include <stdint.h>
#include <string.h>

static void swap(char *a, char *b, size_t size) {
        char tmp[64];
        while (size > 0) {
                size_t k = size < sizeof(tmp) ? size : sizeof(tmp);
                memcpy(tmp, a, k);
                memcpy(a, b, k);
                memcpy(b, tmp, k);
                a += k;
                b += k;
                size -= k;
        }
}

static void sift_down(char *base, size_t root, size_t n, size_t size, int (*cmp)(const void *, const void *, void *),
                      void *ctx) {
        for (;;) {
                size_t child = 2 * root + 1;
                if (child >= n)
                        return;
                if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size, ctx) < 0)
                        child++;
                if (cmp(base + root * size, base + child * size, ctx) >= 0)
                        return;
                swap(base + root * size, base + child * size, size);
                root = child;
        }
}

/* Up to this many elements of at most INSERTION_ELEMENT_MAX bytes,
 * binary insertion: about n log2 n comparisons, half of heapsort's, and
 * memmove rather than element-wise swaps (a directory of a chip's sensor
 * files, hwmon's readings of 136 bytes). Past it, the n^2 / 4 elements
 * moved cost more than the comparisons saved. */
#define INSERTION_MAX 32
#define INSERTION_ELEMENT_MAX 256

static void insertion_sort(char *b, size_t n, size_t size, int (*cmp)(const void *, const void *, void *), void *ctx) {
        char tmp[INSERTION_ELEMENT_MAX];
        for (size_t i = 1; i < n; i++) {
                char *e = b + i * size;
                if (cmp(e - size, e, ctx) <= 0)
                        continue; /* in place already: a sorted run costs one comparison an element */
                /* the first of b[0, i - 1) greater than e */
                size_t lo = 0, hi = i - 1;
                while (lo < hi) {
                        size_t mid = lo + (hi - lo) / 2;
                        if (cmp(b + mid * size, e, ctx) <= 0)
                                lo = mid + 1;
                        else
                                hi = mid;
                }
                memcpy(tmp, e, size);
                memmove(b + (lo + 1) * size, b + lo * size, (i - lo) * size);
                memcpy(b + lo * size, tmp, size);
        }
}

void sort_r(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *, void *), void *ctx) {
        char *b = base;
        if (n < 2)
                return;
        if (n <= INSERTION_MAX && size <= INSERTION_ELEMENT_MAX) {
                insertion_sort(b, n, size, cmp, ctx);
                return;
        }
        for (size_t i = n / 2; i-- > 0;)
                sift_down(b, i, n, size, cmp, ctx);
        for (size_t end = n - 1; end > 0; end--) {
                swap(b, b + end * size, size);
                sift_down(b, 0, end, size, cmp, ctx);
        }
}

void *bsearch_r(const void *key, const void *base, size_t n, size_t size,
                int (*cmp)(const void *a, const void *b, void *ctx), void *ctx) {
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const char *e = (const char *) base + mid * size;
                int c = cmp(key, e, ctx);
                if (c == 0)
                        return (void *) (uintptr_t) e;
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return NULL;
}
