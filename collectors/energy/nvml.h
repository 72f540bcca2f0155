/* NVIDIA GPUs through NVML, loaded with dlopen when the agent starts: no
 * build dependency, and a host without the driver's library loads
 * nothing and logs nothing above debug. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define NVML_LIBRARY "libnvidia-ml.so.1"

struct nvml;

/* One GPU's figures. energy_joules is the driver's counter since it was
 * loaded (it restarts at 0 when the driver reloads: the caller keeps its
 * own monotonic counter); power_watts is the draw now, averaged by the
 * driver over about a second. A figure the GPU or an old driver does not
 * give is marked not supported and left at 0. */
struct nvml_reading {
        const char *id;   /* the GPU's UUID ("GPU-4c2f..."), or its index where none: stable across reboots */
        const char *name; /* the product name ("NVIDIA A100-SXM4-40GB"), or "" */
        bool has_energy, has_power;
        double energy_joules;
        double power_watts;
};

/* Loads lib (NULL: NVML_LIBRARY, found as the dynamic loader finds it)
 * and initialises NVML. -ENOENT when the library cannot be loaded (none on
 * this host: the usual case); -ELIBBAD when it lacks a function every
 * NVML has; -ENODEV when the driver is not loaded or sees no GPU;
 * -EACCES, -EIO for NVML's other refusals. On failure err, when not NULL,
 * says why in a few words ("nvmlInit_v2: Driver Not Loaded"). */
int nvml_open(const char *lib, struct nvml **ret, char *err, size_t err_size);
/* The number of GPUs NVML saw when it was opened. */
unsigned nvml_count(const struct nvml *n);
/* Reads GPU index (below nvml_count) into *ret, whose strings stay valid
 * until nvml_close. -ENODEV for a GPU that fell off the bus, -EACCES or
 * -EIO when NVML refuses a figure it says it supports. The driver may take
 * seconds to answer for a GPU in trouble: call it off the scrape path. */
int nvml_read(struct nvml *n, unsigned index, struct nvml_reading *ret);
/* Shuts NVML down and unloads it; NULL is fine. */
void nvml_close(struct nvml *n);
