/* Sorting without allocating and with a context argument. glibc's qsort
 * is a merge sort that allocates a buffer past 1 KiB and takes no context,
 * which pushed callers into file-scope statics; scrapes sort on every run,
 * so neither is wanted. Binary insertion for short arrays, heapsort past
 * them: in place, O(n log n), not stable (give cmp a tie-break when order
 * matters). */
#pragma once

#include <stddef.h>

void sort_r(void *base, size_t n, size_t size, int (*cmp)(const void *a, const void *b, void *ctx), void *ctx);
/* bsearch with a context, over what sort_r sorted with the same cmp: an
 * element equal to *key (cmp(key, element, ctx) == 0), or NULL. */
void *bsearch_r(const void *key, const void *base, size_t n, size_t size,
                int (*cmp)(const void *a, const void *b, void *ctx), void *ctx);
