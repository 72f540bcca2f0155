/* Clock readings as plain integers, and deadlines as the timespecs that
 * pthread_cond_timedwait wants (on CLOCK_MONOTONIC condition variables). */
#pragma once

#include <pthread.h>
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

/* A condition variable whose timed waits read CLOCK_MONOTONIC, so that
 * a change of the wall clock moves no deadline. */
static inline void clock_cond_init_monotonic(pthread_cond_t *c) {
        pthread_condattr_t ca;
        (void) pthread_condattr_init(&ca);
        (void) pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        (void) pthread_cond_init(c, &ca);
        (void) pthread_condattr_destroy(&ca);
}

/* The timespec of a CLOCK_MONOTONIC reading in ns. */
static inline struct timespec monotonic_at_ns(uint64_t t) {
        return (struct timespec){.tv_sec = (time_t) (t / 1000000000u), .tv_nsec = (long) (t % 1000000000u)};
}

/* CLOCK_MONOTONIC now plus ms. */
static inline struct timespec monotonic_after_ms(uint64_t ms) {
        return monotonic_at_ns(clock_ns(CLOCK_MONOTONIC) + ms * 1000000u);
}
