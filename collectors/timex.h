/* timex's one seam: adjtimex(2) reads the kernel's clock discipline and
 * nothing else, so tests cannot point it at a fixture tree; they give the
 * collector another source of struct timex instead. */
#pragma once

#include <sys/timex.h>

/* A source of what adjtimex(2) gives: the clock state (TIME_OK ..
 * TIME_ERROR) with *t filled, or -1 with errno set. */
typedef int (*timex_source_fn)(struct timex *t);

/* Makes the timex collector's state (from its init) read source rather
 * than the kernel. */
void timex_use_source(void *state, timex_source_fn source);
