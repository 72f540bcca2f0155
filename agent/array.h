/* Growable arrays: the one way an array of the agent grows (doubling, so
 * that a steady state never grows again). */
#pragma once

#include <stddef.h>

int array_grow(void **array, size_t *cap, size_t need, size_t elem);

/* Makes room for need elements of elem bytes in *array (capacity *cap);
 * new elements are zeroed. 0 or -ENOMEM, and then nothing changed. Inline
 * for the case of every steady-state call, where there is room already
 * (parsers ask once a line). */
static inline int array_reserve(void **array, size_t *cap, size_t need, size_t elem) {
        return need <= *cap ? 0 : array_grow(array, cap, need, elem);
}
