/* A diagnostic for the person who wrote a config or typed a flag:
 * "file:line: what is wrong". Filled where the problem is found, printed
 * once by main (or logged by the reload path). */
#pragma once

#include "macro.h"

struct diag {
        char msg[512];
};

/* Sets the message (the first one wins) and returns -EINVAL. */
int diag_set(struct diag *d, const char *fmt, ...) _printf_(2, 3);
/* Same, prefixed with "file:line: " when file is set. */
int diag_at(struct diag *d, const char *file, unsigned line, const char *fmt, ...) _printf_(4, 5);
