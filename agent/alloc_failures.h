/* A count, per thread, of the allocations that failed in the growth
 * helpers (buf, array). The scrape engine compares it before and after a
 * collector runs: a collector that met a failed allocation fails whole,
 * even where its code took the failure for something else (a file it
 * could not read, a line it skipped), so that a scrape never serves part
 * of a collector's families as all of them. */
#pragma once

/* Counts one failed allocation of the calling thread. */
void alloc_failure_note(void);
/* The calling thread's count so far. */
unsigned long alloc_failures(void);
