/* The per-thread count of failed allocations (alloc_failures.h). */
#include "alloc_failures.h"

static _Thread_local unsigned long failures;

void alloc_failure_note(void) {
        failures++;
}

unsigned long alloc_failures(void) {
        return failures;
}
