/* The once-a-minute look for a source found missing. */
#include "absence.h"

#include <errno.h>

#include "clock.h"

bool optional_still_missing(uint64_t *missing_until_ns) {
        if (*missing_until_ns == 0)
                return false;
        if (clock_ns(CLOCK_MONOTONIC) < *missing_until_ns)
                return true;
        *missing_until_ns = 0;
        return false;
}

int optional_note(uint64_t *missing_until_ns, int r) {
        if (r == -ENOENT)
                *missing_until_ns = clock_ns(CLOCK_MONOTONIC) + ABSENCE_RETRY_NS;
        return r;
}
