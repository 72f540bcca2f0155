/* The energy collector's collect and sample at a given time, for tests
 * that drive its clock (the descriptor's own read CLOCK_MONOTONIC). */
#pragma once

#include <stdint.h>

#include "collector.h"

int energy_collect_at(void *state, struct collect_ctx *ctx, uint64_t now_ns);
/* The delay in ms before the next sample; 0: none needed. */
uint64_t energy_sample_at(void *state, uint64_t now_ns);
