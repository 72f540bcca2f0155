/* hwmon: hardware sensors from /sys/class/hwmon, named and scaled as
 * node_exporter 1.5 does (node_hwmon_temp_celsius, node_hwmon_in_volts,
 * node_hwmon_fan_rpm, node_hwmon_power_average_watt, ...), with
 * node_hwmon_chip_names and node_hwmon_sensor_label, and the freq sensors
 * later releases added (node_hwmon_freq_freq_mhz). One difference: two
 * chips that get the same chip label (node_exporter 1.5 then emits
 * duplicate series) are told apart by their hwmon directory. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "collector.h"
#include "desc_cache.h"
#include "dirlist.h"
#include "fileio.h"
#include "optional_file.h"
#include "sort.h"

static const char *const sensor_types[] = {
        "vrm",  "beep_enable", "update_interval", "in",     "cpu",      "fan",       "pwm",
        "temp", "curr",        "power",           "energy", "humidity", "intrusion", "freq"};
static const char *const chip_sensor[] = {"chip", "sensor"};
static const char *const chip_names_labels[] = {"chip", "chip_name"};
static const struct metric_desc chip_names_desc = {
        "node_hwmon_chip_names", "Annotation metric for human-readable chip names", METRIC_GAUGE, 2, chip_names_labels};
static const char *const sensor_label_labels[] = {"chip", "label", "sensor"};
static const struct metric_desc sensor_label_desc = {"node_hwmon_sensor_label", "Label for given chip and sensor",
                                                     METRIC_GAUGE, 3, sensor_label_labels};

struct reading {
        char sensor[48];   /* "temp1" */
        char type[32];     /* "temp" */
        char property[48]; /* "input", "crit_alarm", "" */
        size_t value;      /* offset in values */
        size_t order;      /* as read: of two with one sensor and property, the later wins */
};

/* A chip's label depends on where its device link leads, which does not
 * change while the chip exists: resolved once per hwmon entry. */
struct chip_cache {
        char entry[64];
        char label[256];
};

struct hwmon_state {
        char dir[PATH_MAX];
        struct chip_cache *chips_seen;
        size_t n_chips_seen, cap_chips_seen;
        struct dirlist chips, files;
        /* /sys/class/hwmon is missing where no driver registered the class
         * (a VM): looked for once a minute then (optional_file.h) */
        uint64_t chips_missing_until_ns;
        struct desc_cache descs;
        struct reading *readings;
        size_t n, cap;
        struct reading_kind *kinds;
        size_t n_kinds, cap_kinds;
        struct buf values;
        struct buf chip_labels; /* labels used in this scrape, NUL-separated */
};

static int hwmon_init(const struct collector_env *env, _unused_ const struct config_section *section,
                      _unused_ struct diag *diag, void **ret_state) {
        struct hwmon_state *s = calloc(1, sizeof(*s));
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
        struct hwmon_state *s = state;
        if (!s)
                return;
        dirlist_free(&s->chips);
        dirlist_free(&s->files);
        free(s->chips_seen);
        desc_cache_free(&s->descs);
        free(s->readings);
        free(s->kinds);
        buf_free(&s->values);
        buf_free(&s->chip_labels);
        free(s);
}

/* node_exporter's cleanMetricName: lower case, [^a-z0-9:_] to '_', trimmed of '_'. */
static void clean_name(const char *in, char *out, size_t size) {
        size_t o = 0;
        for (const char *p = in; *p && o + 1 < size; p++) {
                char c = *p >= 'A' && *p <= 'Z' ? (char) (*p - 'A' + 'a') : *p;
                out[o++] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == '_' ? c : '_';
        }
        out[o] = '\0';
        size_t start = strspn(out, "_");
        while (o > start && out[o - 1] == '_')
                out[--o] = '\0';
        memmove(out, out + start, o - start + 1);
}

/* The chip label: "<bus>_<device>" of the device link, else the name
 * file, else the hwmon directory name; as node_exporter's hwmonName.
 * False when the name file is there but failed to read: the chip is
 * left out this time rather than served (and remembered) under another
 * label. */
static bool chip_label(const char *hwmon_dir, const char *entry, char *out, size_t size) {
        char link[PATH_MAX], real[PATH_MAX], a[120], b[120];
        if (path_join(link, sizeof(link), hwmon_dir, "device") == 0 && realpath(link, real)) {
                char *slash = strrchr(real, '/');
                if (slash && slash != real) {
                        *slash = '\0';
                        const char *parent = strrchr(real, '/');
                        clean_name(slash + 1, b, sizeof(b));
                        clean_name(parent ? parent + 1 : real, a, sizeof(a));
                        if (a[0] && b[0] && snprintf(out, size, "%s_%s", a, b) < (int) size)
                                return true;
                        if (b[0] && snprintf(out, size, "%s", b) < (int) size)
                                return true;
                }
        }
        char name[256];
        int r = read_attr_at(hwmon_dir, "name", name, sizeof(name));
        if (r > 0) {
                clean_name(name, out, size);
                if (out[0])
                        return true;
        }
        if (r < 0 && r != -ENOENT && r != -EFBIG)
                return false;
        clean_name(entry, out, size);
        return true;
}

static bool is_sensor_type(const char *t) {
        for (size_t i = 0; i < ELEMENTSOF(sensor_types); i++)
                if (strcmp(sensor_types[i], t) == 0)
                        return true;
        return false;
}

/* "temp1_crit_alarm" -> type "temp", sensor "temp1", property "crit_alarm" */
static bool explode(const char *file, struct reading *r) {
        size_t t = strcspn(file, "0123456789");
        size_t d = strspn(file + t, "0123456789");
        const char *rest = file + t + d;
        if (t == 0 || t >= sizeof(r->type) || t + d + 1 >= sizeof(r->sensor))
                return false;
        if (*rest != '\0' && (*rest != '_' || rest[1] == '\0' || strlen(rest + 1) >= sizeof(r->property)))
                return false;
        memcpy(r->type, file, t);
        r->type[t] = '\0';
        memcpy(r->sensor, file, t + d);
        r->sensor[t + d] = '\0';
        /* no number reads as 0, as node_exporter's Atoi: "beep_enable0" */
        if (d == 0)
                memcpy(r->sensor + t, "0", 2);
        size_t pn = *rest ? strlen(rest + 1) : 0; /* shorter than property: checked above */
        memcpy(r->property, rest + (*rest != '\0'), pn);
        r->property[pn] = '\0';
        return is_sensor_type(r->type);
}

static int reading_cmp(const void *a, const void *b, _unused_ void *ctx) {
        const struct reading *x = a, *y = b;
        int c = strcmp(x->sensor, y->sensor);
        if (c == 0)
                c = strcmp(x->property, y->property);
        return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* Sorted by sensor and property, the later of two alike kept, as a map
 * would keep it: the same property from the hwmon dir and device/, or
 * two names that read alike ("beep_enable" and "beep_enable0"). */
static void readings_sort(struct hwmon_state *s) {
        sort_r(s->readings, s->n, sizeof(*s->readings), reading_cmp, NULL);
        size_t w = 0;
        for (size_t i = 0; i < s->n; i++) {
                const struct reading *r = &s->readings[i];
                if (i + 1 < s->n && strcmp(r->sensor, r[1].sensor) == 0 && strcmp(r->property, r[1].property) == 0)
                        continue;
                s->readings[w++] = *r;
        }
        s->n = w;
}

/* Reads the sensor files of dir into s->readings. */
static int read_sensors(struct hwmon_state *s, const char *dir) {
        /* a dir that is missing or not a directory (device/ of a virtual
         * chip) has no sensors */
        _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return 0;
        int listed = dirlist_read_fd(&s->files, dirfd);
        if (listed == -ENOMEM)
                return listed;
        if (listed < 0)
                return 0;
        for (size_t i = 0; i < s->files.n; i++) {
                const char *file = dirlist_name(&s->files, i);
                struct reading r;
                if (!explode(file, &r))
                        continue;
                char v[256];
                /* directories, write-only files (pwm1_freq on some chips) and
                 * errors give no value: open or read fails */
                if (read_attr_fd(dirfd, file, v, sizeof(v)) < 0)
                        continue;
                /* one alike read before is dropped at the sort (readings_sort) */
                if (array_reserve((void **) &s->readings, &s->cap, s->n + 1, sizeof(*s->readings)) < 0)
                        return -ENOMEM;
                r.value = s->values.len;
                r.order = s->n;
                s->readings[s->n++] = r;
                buf_puts(&s->values, v);
                buf_putc(&s->values, '\0');
        }
        return s->values.error;
}

/* How a (type, property) reading is exported: its family and the factor
 * from sysfs units to base units. Worked out once per kind of reading,
 * since formatting names costs more than the rest of a scrape. */
struct reading_kind {
        char type[32], property[48];
        bool has_bare;
        const struct metric_desc *desc;
        double scale, div;
};

struct kind_out {
        const struct metric_desc *desc;
        double scale; /* node_exporter multiplies by 0.001 but divides by 1e6: */
        double div;   /* the same operations give the same bits */
};

static int emit(struct hwmon_state *s, struct kind_out *k, const char *name, const char *help, enum metric_type type,
                double scale) {
        k->desc = desc_cache_get(&s->descs, name, help, type, 2, chip_sensor);
        k->scale = scale == 1e-6 ? 1 : scale;
        k->div = scale == 1e-6 ? 1e6 : 1;
        return k->desc ? 0 : -ENOMEM;
}

static bool parse_double(const char *v, double *ret) {
        char *end;
        errno = 0;
        double x = strtod(v, &end);
        if (errno != 0 || end == v || *end != '\0')
                return false;
        *ret = x;
        return true;
}

/* How a reading of type t and property el is exported, by node_exporter
 * 1.5's rules: the family and the factor to base units. */
static int describe(struct hwmon_state *s, const char *t, const char *el, bool has_bare, struct kind_out *k) {
        char name[160], help[256];
        if (strcmp(t, "vrm") == 0)
                return emit(s, k, "node_hwmon_voltage_regulator_version", "Hardware voltage regulator", METRIC_GAUGE,
                            1);
        if (strcmp(t, "update_interval") == 0)
                return emit(s, k, "node_hwmon_update_interval_seconds", "Hardware monitor update interval",
                            METRIC_GAUGE, 0.001);

        char clean[64];
        if (strcmp(el, "input") == 0)
                (void) snprintf(name, sizeof(name), "node_hwmon_%s%s", t, has_bare ? "_input" : "");
        else if (el[0]) {
                clean_name(el, clean, sizeof(clean));
                (void) snprintf(name, sizeof(name), "node_hwmon_%s_%s", t, clean);
        } else
                (void) snprintf(name, sizeof(name), "node_hwmon_%s", t);
        size_t nl = strlen(name);

        if (strcmp(el, "fault") == 0 || strcmp(el, "alarm") == 0) {
                (void) snprintf(help, sizeof(help), "Hardware sensor %s status (%s)", el, t);
                return emit(s, k, name, help, METRIC_GAUGE, 1);
        }
        if (strcmp(el, "beep") == 0) {
                (void) snprintf(name + nl, sizeof(name) - nl, "_enabled");
                return emit(s, k, name, "Hardware monitor sensor has beeping enabled", METRIC_GAUGE, 1);
        }
        if (strcmp(t, "in") == 0 || strcmp(t, "cpu") == 0) {
                (void) snprintf(name + nl, sizeof(name) - nl, "_volts");
                (void) snprintf(help, sizeof(help), "Hardware monitor for voltage (%s)", el);
                return emit(s, k, name, help, METRIC_GAUGE, 0.001);
        }
        if (strcmp(t, "temp") == 0 && strcmp(el, "type") != 0) {
                (void) snprintf(name + nl, sizeof(name) - nl, "_celsius");
                (void) snprintf(help, sizeof(help), "Hardware monitor for temperature (%s)", el[0] ? el : "input");
                return emit(s, k, name, help, METRIC_GAUGE, 0.001);
        }
        if (strcmp(t, "curr") == 0) {
                (void) snprintf(name + nl, sizeof(name) - nl, "_amps");
                (void) snprintf(help, sizeof(help), "Hardware monitor for current (%s)", el);
                return emit(s, k, name, help, METRIC_GAUGE, 0.001);
        }
        if (strcmp(t, "energy") == 0) {
                (void) snprintf(name + nl, sizeof(name) - nl, "_joule_total");
                (void) snprintf(help, sizeof(help), "Hardware monitor for joules used so far (%s)", el);
                return emit(s, k, name, help, METRIC_COUNTER, 1e-6);
        }
        if (strcmp(t, "power") == 0 && strcmp(el, "accuracy") == 0)
                return emit(s, k, name, "Hardware monitor power meter accuracy, as a ratio", METRIC_GAUGE, 1e-6);
        if (strcmp(t, "power") == 0 && strncmp(el, "average_interval", 16) == 0 &&
            (el[16] == '\0' || strcmp(el + 16, "_min") == 0 || strcmp(el + 16, "_max") == 0)) {
                (void) snprintf(name + nl, sizeof(name) - nl, "_seconds");
                (void) snprintf(help, sizeof(help), "Hardware monitor power usage update interval (%s)", el);
                return emit(s, k, name, help, METRIC_GAUGE, 0.001);
        }
        if (strcmp(t, "power") == 0) {
                (void) snprintf(name + nl, sizeof(name) - nl, "_watt");
                (void) snprintf(help, sizeof(help), "Hardware monitor for power usage in watts (%s)", el);
                return emit(s, k, name, help, METRIC_GAUGE, 1e-6);
        }
        if (strcmp(t, "humidity") == 0) {
                (void) snprintf(help, sizeof(help),
                                "Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the humidity as "
                                "a percentage) (%s)",
                                el);
                return emit(s, k, name, help, METRIC_GAUGE, 1e-6);
        }
        if (strcmp(t, "fan") == 0 && (strcmp(el, "input") == 0 || strcmp(el, "min") == 0 || strcmp(el, "max") == 0 ||
                                      strcmp(el, "target") == 0)) {
                (void) snprintf(name + nl, sizeof(name) - nl, "_rpm");
                (void) snprintf(help, sizeof(help), "Hardware monitor for fan revolutions per minute (%s)", el);
                return emit(s, k, name, help, METRIC_GAUGE, 1);
        }
        /* later releases (amdgpu's clocks); 1.5 has no freq type */
        if (strcmp(t, "freq") == 0 && strcmp(el, "input") == 0) {
                (void) snprintf(name + nl, sizeof(name) - nl, "_freq_mhz");
                return emit(s, k, name, "Hardware monitor for GPU frequency in MHz", METRIC_GAUGE, 1e-6);
        }
        (void) snprintf(help, sizeof(help), "Hardware monitor %s element %s", t, el);
        return emit(s, k, name, help, METRIC_GAUGE, 1);
}

/* The export of a kind of reading, from the cache or worked out now. */
static int kind_of(struct hwmon_state *s, const struct reading *r, bool has_bare, struct kind_out *ret) {
        for (size_t i = 0; i < s->n_kinds; i++) {
                const struct reading_kind *k = &s->kinds[i];
                if (k->has_bare == has_bare && strcmp(k->type, r->type) == 0 && strcmp(k->property, r->property) == 0) {
                        *ret = (struct kind_out){k->desc, k->scale, k->div};
                        return 0;
                }
        }
        int e = describe(s, r->type, r->property, has_bare, ret);
        if (e < 0)
                return e;
        if (array_reserve((void **) &s->kinds, &s->cap_kinds, s->n_kinds + 1, sizeof(*s->kinds)) < 0)
                return -ENOMEM;
        struct reading_kind *k = &s->kinds[s->n_kinds++];
        *k = (struct reading_kind){.has_bare = has_bare, .desc = ret->desc, .scale = ret->scale, .div = ret->div};
        memcpy(k->type, r->type, sizeof(k->type));
        memcpy(k->property, r->property, sizeof(k->property));
        return 0;
}

/* One sensor reading; its series' sensor label is sensor. */
static int emit_reading(struct hwmon_state *s, struct collect_ctx *ctx, const char *chip, const char *sensor,
                        const struct reading *r, bool has_bare) {
        const char *v = s->values.data + r->value;
        double x;
        struct kind_out k;
        if (strcmp(r->type, "beep_enable") == 0) {
                int e = emit(s, &k, "node_hwmon_beep_enabled", "Hardware beep enabled", METRIC_GAUGE, 1);
                if (e < 0)
                        return e;
                x = strcmp(v, "1") == 0;
        } else {
                if (!parse_double(v, &x)) {
                        ctx->parse_errors++;
                        return 0;
                }
                int e = kind_of(s, r, has_bare, &k);
                if (e < 0)
                        return e;
                x = x * k.scale / k.div;
        }
        (void) metric_set_family(ctx->set, k.desc);
        return metric_set_sample2(ctx->set, x, chip, sensor);
}

static int hwmon_chip(struct hwmon_state *s, struct collect_ctx *ctx, const char *entry) {
        char dir[PATH_MAX], chip[256], device[PATH_MAX];
        struct stat st;
        if (path_join(dir, sizeof(dir), s->dir, entry) < 0 || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
                return 0;
        size_t c = 0;
        while (c < s->n_chips_seen && strcmp(s->chips_seen[c].entry, entry) != 0)
                c++;
        if (c < s->n_chips_seen)
                memcpy(chip, s->chips_seen[c].label, sizeof(chip));
        else {
                if (!chip_label(dir, entry, chip, sizeof(chip)))
                        return 0;
                if (strlen(entry) < sizeof(s->chips_seen->entry)) {
                        if (array_reserve((void **) &s->chips_seen, &s->cap_chips_seen, s->n_chips_seen + 1,
                                          sizeof(*s->chips_seen)) < 0)
                                return -ENOMEM;
                        struct chip_cache *cc = &s->chips_seen[s->n_chips_seen++];
                        (void) snprintf(cc->entry, sizeof(cc->entry), "%s", entry);
                        memcpy(cc->label, chip, sizeof(cc->label));
                }
        }
        /* a label another chip already has gets this chip's directory added */
        for (size_t off = 0; off < s->chip_labels.len; off += strlen(s->chip_labels.data + off) + 1)
                if (strcmp(s->chip_labels.data + off, chip) == 0) {
                        size_t l = strlen(chip);
                        (void) snprintf(chip + l, sizeof(chip) - l, "_");
                        clean_name(entry, chip + l + 1, sizeof(chip) - l - 1);
                        break;
                }
        buf_puts(&s->chip_labels, chip);
        buf_putc(&s->chip_labels, '\0');

        s->n = 0;
        buf_reset(&s->values);
        int r = read_sensors(s, dir);
        if (r >= 0 && path_join(device, sizeof(device), dir, "device") == 0)
                r = read_sensors(s, device);
        if (r < 0)
                return r;
        readings_sort(s);

        char name[256];
        if (read_attr_at(dir, "name", name, sizeof(name)) > 0) {
                (void) metric_set_family(ctx->set, &chip_names_desc);
                (void) metric_set_sample2(ctx->set, 1, chip, name);
        }
        for (size_t i = 0; i < s->n; i++) {
                const struct reading *rd = &s->readings[i];
                if (strcmp(rd->property, "label") == 0) {
                        const char *v[] = {chip, s->values.data + rd->value, rd->sensor};
                        (void) metric_set_family(ctx->set, &sensor_label_desc);
                        (void) metric_set_sample(ctx->set, 1, v);
                        continue;
                }
                bool has_bare = false;
                const char *label = NULL;
                for (size_t k = 0; k < s->n; k++) {
                        if (strcmp(s->readings[k].sensor, rd->sensor) != 0)
                                continue;
                        has_bare = has_bare || s->readings[k].property[0] == '\0';
                        if (strcmp(s->readings[k].property, "label") == 0)
                                label = s->values.data + s->readings[k].value;
                }
                /* a frequency is named by its label ("sclk"), as node_exporter
                 * does; one without a label is not exported */
                char freq_sensor[sizeof(name)];
                const char *sensor = rd->sensor;
                if (strcmp(rd->type, "freq") == 0 && strcmp(rd->property, "input") == 0) {
                        if (!label)
                                continue;
                        clean_name(label, freq_sensor, sizeof(freq_sensor));
                        sensor = freq_sensor;
                }
                r = emit_reading(s, ctx, chip, sensor, rd, has_bare);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int hwmon_collect(void *state, struct collect_ctx *ctx) {
        struct hwmon_state *s = state;
        int r = optional_dirlist_read(&s->chips_missing_until_ns, &s->chips, s->dir);
        if (r < 0)
                return r;
        buf_reset(&s->chip_labels);
        for (size_t i = 0; i < s->chips.n; i++) {
                r = hwmon_chip(s, ctx, dirlist_name(&s->chips, i));
                if (r < 0)
                        return r;
        }
        return ctx->set->error;
}

const struct collector hwmon_collector = {
        .name = "hwmon",
        .help = "Hardware sensors (temperatures, voltages, fans, power), from /sys/class/hwmon",
        .default_enabled = true,
        .init = hwmon_init,
        .collect = hwmon_collect,
        .free = hwmon_free,
};
