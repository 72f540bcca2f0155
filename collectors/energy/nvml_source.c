/* The energy collector's NVML source: a zone per NVIDIA GPU (its UUID),
 * from the driver's total-energy counter where the GPU has one, else its
 * power integrated over time. NVML is loaded with dlopen at the first
 * poll, on the engine's scheduler, and asked every few seconds there,
 * never in a scrape (a GPU in trouble may take seconds to answer). A host
 * without the library loads nothing and logs one debug line. GPUs are
 * not within RAPL's zones, nor any CPU-side figure: their zones are
 * reported apart, never part of a host figure (an IPMI or ACPI power
 * meter already counts them). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "log.h"
#include "nvml.h"
#include "polled.h"

struct nvml_gpu_sum {
        struct energy_power_sum power; /* its joules are the GPU's, from the counter or integrated */
        double last_counter;           /* the driver's, in J */
        bool has_counter;
};

struct nvml_source {
        struct energy_polled out; /* first: polled.h */
        char library[PATH_MAX];   /* "": off */
        /* the poll's own */
        bool opened;
        struct nvml *nvml;
        struct nvml_gpu_sum *gpus; /* nvml_count of them */
};

static int nvml_source_init(_unused_ const struct collector_env *env, const struct config_section *section,
                            struct diag *diag, void **ret_state) {
        struct nvml_source *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        int r = energy_polled_init(&s->out, section, "nvml_library", NVML_LIBRARY, s->library, diag);
        if (r < 0) {
                free(s);
                return r;
        }
        *ret_state = s;
        return 0;
}

static void nvml_source_free(void *state) {
        struct nvml_source *s = state;
        if (!s)
                return;
        nvml_close(s->nvml);
        free(s->gpus);
        energy_polled_free(&s->out);
        free(s);
}

static int nvml_source_open(struct nvml_source *s) {
        char err[256] = "";
        int r = nvml_open(s->library, &s->nvml, err, sizeof(err));
        if (r < 0) {
                if (r != -ENOMEM)
                        log_debug("energy: no NVIDIA GPU through NVML (%s: %s)", s->library, err);
                return r;
        }
        s->gpus = calloc(nvml_count(s->nvml), sizeof(*s->gpus));
        if (!s->gpus) {
                nvml_close(s->nvml);
                s->nvml = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* One GPU's energy since it was first read: > 0 read, 0 no figure. */
static int gpu_poll(struct nvml_source *s, unsigned i, uint64_t now_ns) {
        struct nvml_reading rd;
        struct nvml_gpu_sum *g = &s->gpus[i];
        int r = nvml_read(s->nvml, i, &rd);
        if (r < 0) {
                g->power.last_ns = 0;
                return r;
        }
        double joules;
        if (rd.has_energy) {
                /* the counter restarts at 0 when the driver reloads */
                if (g->has_counter)
                        g->power.joules += rd.energy_joules >= g->last_counter ? rd.energy_joules - g->last_counter
                                                                               : rd.energy_joules;
                g->last_counter = rd.energy_joules;
                g->has_counter = true;
                joules = g->power.joules;
        } else if (rd.has_power) {
                energy_power_add(&g->power, rd.power_watts, now_ns);
                joules = g->power.joules;
        } else
                return 0;
        r = energy_polled_zone(&s->out, rd.id, joules, false);
        return r < 0 ? r : 1;
}

static void nvml_source_poll(void *state, uint64_t now_ns) {
        struct nvml_source *s = state;
        if (energy_polled_stopped(&s->out))
                return;
        if (!s->opened) {
                int r = nvml_source_open(s);
                s->opened = r != -ENOMEM; /* else tried again at the next poll */
                if (r < 0) {
                        energy_polled_done(&s->out, r, true);
                        return;
                }
        }
        struct energy_tally t = {0};
        for (unsigned i = 0; i < nvml_count(s->nvml); i++)
                energy_tally_add(&t, gpu_poll(s, i, now_ns));
        energy_polled_done(&s->out, energy_tally_result(&t), false);
}

const struct energy_source energy_nvml_source = {
        .name = "nvml",
        .init = nvml_source_init,
        .read = energy_polled_read,
        .poll = nvml_source_poll,
        .max_gap_ms = energy_polled_gap,
        .free = nvml_source_free,
};
