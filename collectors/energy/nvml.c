/* NVML through dlopen: the few types and functions of nvml.h that the
 * agent needs, declared here as the driver's ABI gives them, so that the
 * build needs neither CUDA nor the driver. */
#include "nvml.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* nvml.h's nvmlReturn_t values that change what the agent does */
enum {
        NVML_SUCCESS = 0,
        NVML_ERROR_NOT_SUPPORTED = 3,
        NVML_ERROR_NO_PERMISSION = 4,
        NVML_ERROR_DRIVER_NOT_LOADED = 9,
        NVML_ERROR_FUNCTION_NOT_FOUND = 13,
        NVML_ERROR_GPU_IS_LOST = 15,
};
/* NVML_DEVICE_UUID_V2_BUFFER_SIZE and NVML_DEVICE_NAME_V2_BUFFER_SIZE */
#define NVML_STRING_SIZE 96
/* far more than a server holds; bounds what a broken library can make
 * the agent allocate */
#define NVML_MAX_GPUS 256u

typedef int nvml_return_t;
typedef struct nvml_device_st *nvml_device_t;

struct nvml_api {
        nvml_return_t (*init)(void);
        nvml_return_t (*shutdown)(void);
        const char *(*error_string)(nvml_return_t);
        nvml_return_t (*get_count)(unsigned *);
        nvml_return_t (*get_handle)(unsigned, nvml_device_t *);
        /* since drivers of 2017 (Volta): may be missing */
        nvml_return_t (*get_energy)(nvml_device_t, unsigned long long *); /* mJ */
        nvml_return_t (*get_power)(nvml_device_t, unsigned *);            /* mW */
        nvml_return_t (*get_uuid)(nvml_device_t, char *, unsigned);
        nvml_return_t (*get_name)(nvml_device_t, char *, unsigned);
};

struct nvml_gpu {
        nvml_device_t handle;
        nvml_return_t handle_error; /* why there is no handle, or NVML_SUCCESS */
        char id[NVML_STRING_SIZE];
        char name[NVML_STRING_SIZE];
};

struct nvml {
        void *lib;
        struct nvml_api api;
        unsigned n;
        struct nvml_gpu *gpus;
};

static int errno_of(nvml_return_t r) {
        switch (r) {
        case NVML_ERROR_NO_PERMISSION: return -EACCES;
        case NVML_ERROR_DRIVER_NOT_LOADED:
        case NVML_ERROR_GPU_IS_LOST: return -ENODEV;
        default: return -EIO;
        }
}

static const char *error_text(const struct nvml *n, nvml_return_t r) {
        const char *s = n->api.error_string(r);
        return s ? s : "unknown error";
}

/* A label value must be text: UUIDs and product names are printable
 * ASCII, and anything else from the library is not used. */
static bool printable(const char *s) {
        if (*s == '\0')
                return false;
        for (; *s; s++)
                if (*s < 0x20 || *s > 0x7e)
                        return false;
        return true;
}

/* A string of the GPU's from get into out; false, out untouched, when the
 * driver has no such function, refuses, or gives no label value. */
static bool gpu_string(nvml_return_t (*get)(nvml_device_t, char *, unsigned), nvml_device_t handle,
                       char out[static NVML_STRING_SIZE]) {
        char s[NVML_STRING_SIZE];
        if (!get || get(handle, s, sizeof(s)) != NVML_SUCCESS || !memchr(s, '\0', sizeof(s)) || !printable(s))
                return false;
        memcpy(out, s, sizeof(s));
        return true;
}

void nvml_close(struct nvml *n) {
        if (!n)
                return;
        if (n->api.shutdown)
                (void) n->api.shutdown();
        free(n->gpus);
        (void) dlclose(n->lib);
        free(n);
}

static int nvml_start(struct nvml *n, char *err, size_t err_size) {
        /* dlsym returns void *; POSIX lets it be stored into a function pointer */
#define LOAD(field, symbol) *(void **) (&n->api.field) = dlsym(n->lib, symbol)
        LOAD(init, "nvmlInit_v2");
        LOAD(error_string, "nvmlErrorString");
        LOAD(get_count, "nvmlDeviceGetCount_v2");
        LOAD(get_handle, "nvmlDeviceGetHandleByIndex_v2");
        LOAD(get_energy, "nvmlDeviceGetTotalEnergyConsumption");
        LOAD(get_power, "nvmlDeviceGetPowerUsage");
        LOAD(get_uuid, "nvmlDeviceGetUUID");
        LOAD(get_name, "nvmlDeviceGetName");
        void *shutdown = dlsym(n->lib, "nvmlShutdown");
#undef LOAD
        if (!n->api.init || !shutdown || !n->api.error_string || !n->api.get_count || !n->api.get_handle) {
                (void) snprintf(err, err_size,
                                "not an NVML library: nvmlInit_v2, nvmlShutdown, nvmlErrorString, "
                                "nvmlDeviceGetCount_v2 or nvmlDeviceGetHandleByIndex_v2 missing");
                return -ELIBBAD;
        }
        nvml_return_t r = n->api.init();
        if (r != NVML_SUCCESS) {
                (void) snprintf(err, err_size, "nvmlInit_v2: %s", error_text(n, r));
                return errno_of(r);
        }
        /* shut down from here on, whatever fails next */
        *(void **) (&n->api.shutdown) = shutdown;
        unsigned count = 0;
        r = n->api.get_count(&count);
        if (r != NVML_SUCCESS) {
                (void) snprintf(err, err_size, "nvmlDeviceGetCount_v2: %s", error_text(n, r));
                return errno_of(r);
        }
        if (count == 0) {
                (void) snprintf(err, err_size, "no GPU");
                return -ENODEV;
        }
        n->n = count < NVML_MAX_GPUS ? count : NVML_MAX_GPUS;
        n->gpus = calloc(n->n, sizeof(*n->gpus));
        if (!n->gpus) {
                (void) snprintf(err, err_size, "out of memory");
                return -ENOMEM;
        }
        for (unsigned i = 0; i < n->n; i++) {
                struct nvml_gpu *g = &n->gpus[i];
                g->handle_error = n->api.get_handle(i, &g->handle);
                if (g->handle_error != NVML_SUCCESS || !gpu_string(n->api.get_uuid, g->handle, g->id))
                        (void) snprintf(g->id, sizeof(g->id), "%u", i);
                if (g->handle_error == NVML_SUCCESS)
                        (void) gpu_string(n->api.get_name, g->handle, g->name);
        }
        return 0;
}

int nvml_open(const char *lib, struct nvml **ret, char *err, size_t err_size) {
        char unused[1];
        if (!err) {
                err = unused;
                err_size = sizeof(unused);
        }
        struct nvml *n = calloc(1, sizeof(*n));
        if (!n) {
                (void) snprintf(err, err_size, "out of memory");
                return -ENOMEM;
        }
        n->lib = dlopen(lib ? lib : NVML_LIBRARY, RTLD_NOW | RTLD_LOCAL);
        if (!n->lib) {
                /* dlerror tells a missing file from a broken one only in
                 * words: both are "no library here" */
                (void) snprintf(err, err_size, "%s", dlerror());
                free(n);
                return -ENOENT;
        }
        int r = nvml_start(n, err, err_size);
        if (r < 0) {
                nvml_close(n);
                return r;
        }
        *ret = n;
        return 0;
}

unsigned nvml_count(const struct nvml *n) {
        return n->n;
}

/* NVML's "not supported", and a function the driver does not have, are
 * the same thing to the caller: no such figure on this GPU. */
static int figure(nvml_return_t r, bool *ret_has) {
        if (r == NVML_SUCCESS) {
                *ret_has = true;
                return 0;
        }
        if (r == NVML_ERROR_NOT_SUPPORTED || r == NVML_ERROR_FUNCTION_NOT_FOUND) {
                *ret_has = false;
                return 0;
        }
        return errno_of(r);
}

int nvml_read(struct nvml *n, unsigned index, struct nvml_reading *ret) {
        if (index >= n->n)
                return -EINVAL;
        const struct nvml_gpu *g = &n->gpus[index];
        if (g->handle_error != NVML_SUCCESS)
                return errno_of(g->handle_error);
        struct nvml_reading out = {.id = g->id, .name = g->name};
        unsigned long long mj = 0;
        unsigned mw = 0;
        int r = figure(n->api.get_energy ? n->api.get_energy(g->handle, &mj) : NVML_ERROR_FUNCTION_NOT_FOUND,
                       &out.has_energy);
        if (r < 0)
                return r;
        r = figure(n->api.get_power ? n->api.get_power(g->handle, &mw) : NVML_ERROR_FUNCTION_NOT_FOUND, &out.has_power);
        if (r < 0)
                return r;
        if (out.has_energy)
                out.energy_joules = (double) mj / 1e3;
        if (out.has_power)
                out.power_watts = (double) mw / 1e3;
        *ret = out;
        return 0;
}
