/* Clock readings as plain integers, and deadlines as the timespecs that
 * pthread_cond_timedwait wants (on CLOCK_MONOTONIC condition variables). */
#pragma once

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ns(clockid_t clock) {
        struct timespec ts;
        (void) clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static inline uint64_t clock_ms(clockid_t clock) {
        return clock_ns(clock) / 1000000u;
}

/* CLOCK_MONOTONIC now plus ms. */
static inline struct timespec monotonic_after_ms(uint64_t ms) {
        uint64_t t = clock_ns(CLOCK_MONOTONIC) + ms * 1000000u;
        return (struct timespec){.tv_sec = (time_t) (t / 1000000000u), .tv_nsec = (long) (t % 1000000000u)};
}
