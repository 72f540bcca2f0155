/* The rule for a source a host may lack (no IPv6, nf_conntrack not
 * loaded, a kernel built without schedstats): once found missing, it is
 * not looked for again for a minute, so that an absent source costs a
 * clock read per scrape, not a failed open. collectors/optional_file.h
 * applies it to the files a collector keeps; the scrape cache to the files
 * several collectors share. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define ABSENCE_RETRY_NS (60 * 1000000000ull)

/* Whether the source was found missing less than a minute ago, so that the
 * caller does not look; *missing_until_ns (CLOCK_MONOTONIC) starts at 0. */
bool optional_still_missing(uint64_t *missing_until_ns);
/* What a look gave, r as is; -ENOENT starts the minute. */
int optional_note(uint64_t *missing_until_ns, int r);
