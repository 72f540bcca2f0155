/* Growable arrays: the one way an array of the agent grows (doubling, so
 * that a steady state never grows again). */
#pragma once

#include <stddef.h>

int array_grow(void **array, size_t *cap, size_t need, size_t elem);

/* Makes room for need elements of elem bytes in *array (capacity *cap);
 * new elements are zeroed. 0 or -ENOMEM, and then nothing changed. Inline
 * for the case of every steady-state call, where there is room already
 * (parsers ask once a line). The array is checked too, although a
 * capacity never comes without one: the static analyser cannot know it,
 * and would take an array a caller tests for NULL to be NULL past here. */
static inline int array_reserve(void **array, size_t *cap, size_t need, size_t elem) {
        return need <= *cap && *array ? 0 : array_grow(array, cap, need, elem);
}
