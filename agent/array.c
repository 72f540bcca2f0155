/* Growable arrays. */
#include "array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_failures.h"

/* array_reserve's growth, where need > *cap (or no array yet) */
int array_grow(void **array, size_t *cap, size_t need, size_t elem) {
        if (need <= *cap)
                return 0;
        size_t n = *cap ? *cap * 2 : 16;
        while (n < need) {
                if (n > SIZE_MAX / 2) { /* doubling again would wrap to 0 */
                        alloc_failure_note();
                        return -ENOMEM;
                }
                n *= 2;
        }
        char *p = reallocarray(*array, n, elem);
        if (!p) {
                alloc_failure_note();
                return -ENOMEM;
        }
        memset(p + *cap * elem, 0, (n - *cap) * elem);
        *array = p;
        *cap = n;
        return 0;
}
