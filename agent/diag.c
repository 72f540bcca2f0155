/* Diagnostics for config and flag errors. */
#include "diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int diag_set(struct diag *d, const char *fmt, ...) {
        if (d && d->msg[0] == '\0') {
                va_list ap;
                va_start(ap, fmt);
                (void) vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

int diag_at(struct diag *d, const char *file, unsigned line, const char *fmt, ...) {
        if (d && d->msg[0] == '\0') {
                int n = file ? snprintf(d->msg, sizeof(d->msg), "%s:%u: ", file, line) : 0;
                if (n < 0 || (size_t) n >= sizeof(d->msg))
                        n = 0;
                va_list ap;
                va_start(ap, fmt);
                (void) vsnprintf(d->msg + n, sizeof(d->msg) - (size_t) n, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}
