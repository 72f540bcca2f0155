/* The file of a fixture case that a collector parses, for the tests that
 * mutate it (fixture_targets.c). */
#pragma once

#include <stddef.h>

#include "collector.h"
#include "config_section.h"

struct fixture_target {
        const char *collector; /* its name in the registry */
        const char *case_dir;  /* relative to tests/fixtures */
        const char *file;      /* relative to the case */
        const char *directory; /* NULL, or the collector's directory key, relative to the case */
        /* NULL, or another key the collector needs and its value as is
         * (the sysctls that sysctl reads) */
        const char *option, *option_value;
};

extern const struct fixture_target fixture_targets[];
extern const size_t n_fixture_targets;

/* The [collector.NAME] section a target needs, for its copy under root:
 * NULL when it needs none, else sec, whose one entry (directory, or the
 * target's option) lives in the storage handed in. */
struct fixture_section {
        struct config_section sec;
        struct config_entry entry;
        char value[4096];
};
const struct config_section *fixture_target_section(const struct fixture_target *t, const char *root,
                                                    struct fixture_section *storage);

/* The roots of a fixture tree copied under root: root/proc, root/sys,
 * root/root and root/udev. */
struct fixture_env {
        char procfs[1024], sysfs[1024], rootfs[1024], udev[1024];
        struct collector_env env;
};
void fixture_env_at(const char *root, struct fixture_env *ret);
