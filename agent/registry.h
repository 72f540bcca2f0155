/* The built-in collectors, in the order they run. */
#pragma once

#include <stddef.h>

#include "collector.h"

/* room for every collector, in the config's per-collector arrays too */
#define REGISTRY_MAX 96

extern const struct collector *const registry_collectors[];
extern const size_t registry_count;

/* Index of the collector called name, or -ENOENT. */
int registry_find(const char *name);
