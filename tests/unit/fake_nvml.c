/* A stand-in for libnvidia-ml.so.1, for test-nvml: two GPUs, the second
 * without an energy counter, and an init that fails when
 * FAKE_NVML_INIT_FAIL is set. Built with FAKE_NVML_OLD, it is a driver
 * older than the energy counter and the UUID: those functions are absent. */
#include <stdlib.h>
#include <string.h>

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;

enum { SUCCESS = 0, UNINITIALIZED = 1, INVALID_ARGUMENT = 2, NOT_SUPPORTED = 3, DRIVER_NOT_LOADED = 9 };

struct nvmlDevice_st {
        const char *uuid, *name;
        unsigned long long energy_mj; /* 0: not supported */
        unsigned power_mw;
};
static struct nvmlDevice_st gpus[2] = {
        {"GPU-1f2e3d4c-0000-1111-2222-333344445555", "Fake GPU A100", 123456789, 250500},
        {"GPU-aaaabbbb-cccc-dddd-eeee-ffff00001111", "Fake GPU T4", 0, 70250},
};

/* how many inits are not shut down yet, for the test to check */
int fake_nvml_open;

nvmlReturn_t nvmlInit_v2(void);
nvmlReturn_t nvmlShutdown(void);
const char *nvmlErrorString(nvmlReturn_t r);
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned *count);
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned index, nvmlDevice_t *device);
nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned *power);
nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned length);

nvmlReturn_t nvmlInit_v2(void) {
        if (getenv("FAKE_NVML_INIT_FAIL"))
                return DRIVER_NOT_LOADED;
        fake_nvml_open++;
        return SUCCESS;
}

nvmlReturn_t nvmlShutdown(void) {
        if (fake_nvml_open == 0)
                return UNINITIALIZED;
        fake_nvml_open--;
        return SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t r) {
        switch (r) {
        case SUCCESS: return "Success";
        case UNINITIALIZED: return "Uninitialized";
        case NOT_SUPPORTED: return "Not Supported";
        case DRIVER_NOT_LOADED: return "Driver Not Loaded";
        default: return "Unknown Error";
        }
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned *count) {
        if (fake_nvml_open == 0)
                return UNINITIALIZED;
        *count = 2;
        return SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned index, nvmlDevice_t *device) {
        if (fake_nvml_open == 0)
                return UNINITIALIZED;
        if (index >= 2)
                return INVALID_ARGUMENT;
        *device = &gpus[index];
        return SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned *power) {
        *power = device->power_mw;
        return SUCCESS;
}

static nvmlReturn_t copy(const char *s, char *out, unsigned length) {
        if (strlen(s) >= length)
                return INVALID_ARGUMENT;
        strcpy(out, s);
        return SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned length) {
        return copy(device->name, name, length);
}

#ifndef FAKE_NVML_OLD
nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy);
nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned length);

/* the counter moves by a joule at each read, as a busy GPU's would */
nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy) {
        if (device->energy_mj == 0)
                return NOT_SUPPORTED;
        *energy = device->energy_mj;
        device->energy_mj += 1000;
        return SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned length) {
        return copy(device->uuid, uuid, length);
}
#endif
