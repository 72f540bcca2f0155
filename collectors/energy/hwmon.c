/* The energy collector's hwmon source: power*_input or power*_average
 * (µW) integrated over time into joules (the trapezoid between two
 * reads), energy*_input (µJ) taken as the counter it is. The host figure
 * is an ACPI power meter's (chip "power_meter", the whole system); other
 * chips (a GPU, a CPU's energy counters) are zones of their own. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "dirlist.h"
#include "fileio.h"
#include "optional_file.h"
#include "source.h"
#include "sysfs_attr.h"

struct hwmon_sensor {
        bool energy;      /* energy*_input, else power */
        uint64_t last;    /* µW or µJ at the last read */
        uint64_t last_ns; /* 0: not read yet */
};

struct hwmon_source {
        char dir[PATH_MAX];
        uint64_t missing_until_ns; /* optional_file.h: looked for once a minute when absent */
        struct dirlist chips, files;
        struct hwmon_sensor *sensors; /* parallel to the zones */
        size_t cap_sensors;
};

static int hwmon_init(const struct collector_env *env, _unused_ const struct config_section *section,
                      _unused_ struct diag *diag, void **ret_state) {
        struct hwmon_source *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "class/hwmon") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void hwmon_free(void *state) {
        struct hwmon_source *s = state;
        if (!s)
                return;
        dirlist_free(&s->chips);
        dirlist_free(&s->files);
        free(s->sensors);
        free(s);
}

/* "power1_input" -> "power1", or NULL for a file that is no reading of
 * ours. power*_input wins over power*_average when a sensor has both. */
static bool sensor_file(const struct dirlist *files, const char *file, char *sensor, size_t size, bool *energy) {
        static const char *const kinds[][2] = {{"power", "_input"}, {"power", "_average"}, {"energy", "_input"}};
        for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                size_t pl = strlen(kinds[k][0]), fl = strlen(file), sl = strlen(kinds[k][1]);
                if (strncmp(file, kinds[k][0], pl) != 0 || fl <= pl + sl || strcmp(file + fl - sl, kinds[k][1]) != 0)
                        continue;
                size_t digits = fl - pl - sl;
                if (strspn(file + pl, "0123456789") != digits || digits + pl >= size)
                        continue;
                memcpy(sensor, file, pl + digits);
                sensor[pl + digits] = '\0';
                if (k == 1) { /* an average beside an input is the same sensor, read once */
                        char input[64];
                        (void) snprintf(input, sizeof(input), "%s_input", sensor);
                        if (dirlist_has(files, input))
                                return false;
                }
                *energy = k == 2;
                return true;
        }
        return false;
}

static int hwmon_sensor_read(struct hwmon_source *s, struct energy_zones *zones, int dirfd, const char *chip,
                             const char *entry, const char *file, const struct energy_read *rd) {
        char sensor[48], label[192];
        bool energy;
        if (!sensor_file(&s->files, file, sensor, sizeof(sensor), &energy))
                return 0;
        (void) snprintf(label, sizeof(label), "%s/%s/%s", chip, entry, sensor);
        size_t before = zones->n;
        struct energy_zone *z = energy_zone_get(zones, label);
        if (!z || array_reserve((void **) &s->sensors, &s->cap_sensors, zones->n, sizeof(*s->sensors)) < 0)
                return -ENOMEM;
        struct hwmon_sensor *h = &s->sensors[z - zones->v];
        if (zones->n > before)
                *h = (struct hwmon_sensor){.energy = energy};
        uint64_t v;
        int r = sysfs_attr_u64_fd(dirfd, file, &v);
        if (r < 0)
                return r;
        z->seen = true;
        z->host = strcmp(chip, "power_meter") == 0;
        if (h->last_ns != 0) {
                if (h->energy)
                        z->joules += v >= h->last ? (double) (v - h->last) / 1e6 : 0; /* a reset: counted from now */
                else
                        z->joules += ((double) h->last + (double) v) / 2e6 * (double) (rd->now_ns - h->last_ns) / 1e9;
        }
        h->last = v;
        h->last_ns = rd->now_ns;
        return 1;
}

static int hwmon_read(void *state, struct energy_zones *zones, const struct energy_read *rd) {
        struct hwmon_source *s = state;
        int r = optional_dirlist_read(&s->missing_until_ns, &s->chips, s->dir);
        if (r < 0)
                return r;
        struct energy_tally t = {0};
        for (size_t i = 0; i < s->chips.n; i++) {
                const char *entry = dirlist_name(&s->chips, i);
                char dir[PATH_MAX], text[64], chip[64];
                if (path_join(dir, sizeof(dir), s->dir, entry) < 0 || dirlist_read(&s->files, dir) < 0)
                        continue;
                _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dirfd < 0)
                        continue;
                int err;
                const char *name = sysfs_attr_text_fd(dirfd, "name", text, sizeof(text), &err);
                (void) snprintf(chip, sizeof(chip), "%s", name && name[0] ? name : entry);
                for (size_t k = 0; k < s->files.n; k++) {
                        int e = hwmon_sensor_read(s, zones, dirfd, chip, entry, dirlist_name(&s->files, k), rd);
                        if (e == -ENOMEM)
                                return e;
                        energy_tally_add(&t, e);
                }
        }
        return energy_tally_result(&t);
}

const struct energy_source energy_hwmon_source = {
        .name = "hwmon",
        .init = hwmon_init,
        .read = hwmon_read,
        .free = hwmon_free,
};
