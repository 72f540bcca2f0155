/* collectors/energy/nvml.c through the real dlopen path, against the fake
 * libnvidia-ml.so that meson builds from fake_nvml.c (FAKE_NVML and
 * FAKE_NVML_OLD give its paths). */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "energy/nvml.h"
#include "macro.h"

/* cmocka 1.1 has no assert_near */
#define assert_near(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

static const char *lib_path(const char *var) {
        const char *p = getenv(var);
        assert_non_null(p);
        return p;
}

/* The test keeps its own reference to the library, so that what NVML was
 * left with after nvml_close can be read. */
static int *open_count(const char *path, void **ret_handle) {
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        assert_non_null(h);
        int *count = dlsym(h, "fake_nvml_open");
        assert_non_null(count);
        *ret_handle = h;
        return count;
}

static void test_two_gpus(_unused_ void **state) {
        const char *path = lib_path("FAKE_NVML");
        void *h;
        int *inits = open_count(path, &h);
        struct nvml *n = NULL;
        char err[128] = "";
        assert_int_equal(nvml_open(path, &n, err, sizeof(err)), 0);
        assert_int_equal(*inits, 1);
        assert_int_equal(nvml_count(n), 2);

        struct nvml_reading r;
        assert_int_equal(nvml_read(n, 0, &r), 0);
        assert_string_equal(r.id, "GPU-1f2e3d4c-0000-1111-2222-333344445555");
        assert_string_equal(r.name, "Fake GPU A100");
        assert_true(r.has_energy);
        assert_true(r.has_power);
        assert_near(r.energy_joules, 123456.789, 1e-6);
        assert_near(r.power_watts, 250.5, 1e-9);
        assert_int_equal(nvml_read(n, 0, &r), 0);
        assert_near(r.energy_joules, 123457.789, 1e-6);

        /* no energy counter on this one: the power still reads */
        assert_int_equal(nvml_read(n, 1, &r), 0);
        assert_string_equal(r.id, "GPU-aaaabbbb-cccc-dddd-eeee-ffff00001111");
        assert_false(r.has_energy);
        assert_near(r.energy_joules, 0, 0);
        assert_true(r.has_power);
        assert_near(r.power_watts, 70.25, 1e-9);

        struct nvml_reading untouched = {.id = "x"};
        assert_int_equal(nvml_read(n, 2, &untouched), -EINVAL);
        assert_string_equal(untouched.id, "x");
        nvml_close(n);
        assert_int_equal(*inits, 0); /* shut down */
        nvml_close(NULL);
        (void) dlclose(h);
}

/* A driver older than the energy counter and the UUID: energy is not
 * supported anywhere, the GPUs are labelled by index, the rest works. */
static void test_old_driver(_unused_ void **state) {
        struct nvml *n = NULL;
        assert_int_equal(nvml_open(lib_path("FAKE_NVML_OLD"), &n, NULL, 0), 0);
        assert_int_equal(nvml_count(n), 2);
        for (unsigned i = 0; i < 2; i++) {
                struct nvml_reading r;
                char id[4];
                (void) snprintf(id, sizeof(id), "%u", i);
                assert_int_equal(nvml_read(n, i, &r), 0);
                assert_string_equal(r.id, id);
                assert_false(r.has_energy);
                assert_true(r.has_power);
        }
        nvml_close(n);
}

/* An init that fails says why and leaves nothing loaded or initialised. */
static void test_init_fails(_unused_ void **state) {
        const char *path = lib_path("FAKE_NVML");
        void *h;
        int *inits = open_count(path, &h);
        assert_int_equal(setenv("FAKE_NVML_INIT_FAIL", "1", 1), 0);
        struct nvml *n = (struct nvml *) 0x1;
        char err[128] = "";
        assert_int_equal(nvml_open(path, &n, err, sizeof(err)), -ENODEV);
        assert_string_equal(err, "nvmlInit_v2: Driver Not Loaded");
        assert_ptr_equal(n, (struct nvml *) 0x1);
        assert_int_equal(*inits, 0);
        assert_int_equal(unsetenv("FAKE_NVML_INIT_FAIL"), 0);
        (void) dlclose(h);
}

/* The usual host: no library. -ENOENT, the loader's words in err, and
 * nothing else. A library that is not NVML is refused as such. */
static void test_missing_library(_unused_ void **state) {
        struct nvml *n = (struct nvml *) 0x1;
        char err[256] = "";
        assert_int_equal(nvml_open("/nonexistent/libnvidia-ml.so.1", &n, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, "/nonexistent/libnvidia-ml.so.1"));
        assert_int_equal(nvml_open("libnvidia-ml-not-here.so.1", &n, NULL, 0), -ENOENT);
        assert_int_equal(nvml_open("libc.so.6", &n, err, sizeof(err)), -ELIBBAD);
        assert_non_null(strstr(err, "not an NVML library"));
        assert_ptr_equal(n, (struct nvml *) 0x1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_two_gpus),
                cmocka_unit_test(test_old_driver),
                cmocka_unit_test(test_init_fails),
                cmocka_unit_test(test_missing_library),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
