/* Growable arrays: the one way an array of the agent grows (doubling, so
 * that a steady state never grows again). */
#pragma once

#include <stddef.h>

/* Makes room for need elements of elem bytes in *array (capacity *cap);
 * new elements are zeroed. 0 or -ENOMEM, and then nothing changed. */
int array_reserve(void **array, size_t *cap, size_t need, size_t elem);
