/* RAPL zones of /sys/class/powercap, as node_exporter 1.5 lists them. */
#include "powercap_zones.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "fileio.h"
#include "macro.h"
#include "optional_file.h"
#include "sysfs_attr.h"

/* Go's path.Clean, which filepath.Join applies to the path label: no
 * empty or "." elements, ".." taken back lexically, no trailing slash. */
static void path_clean(const char *in, char *out, size_t size) {
        size_t o = 0, n = strlen(in);
        bool rooted = in[0] == '/';
        size_t dotdot = 0; /* where out's elements start for ".." to stop */
        if (rooted && size > 1)
                out[o++] = '/', dotdot = 1;
        for (size_t i = rooted ? 1 : 0; i < n;) {
                size_t len = strcspn(in + i, "/");
                const char *e = in + i;
                i += len + (in[i + len] == '/');
                if (len == 0 || (len == 1 && e[0] == '.'))
                        continue;
                if (len == 2 && e[0] == '.' && e[1] == '.') {
                        if (o > dotdot) {
                                while (o > dotdot && out[o - 1] != '/')
                                        o--;
                                if (o > dotdot)
                                        o--;
                                continue;
                        }
                        if (rooted)
                                continue;
                        /* a leading ".." of a relative path stays */
                        if (o > 0 && o + 1 < size)
                                out[o++] = '/';
                        if (o + 2 < size)
                                out[o++] = '.', out[o++] = '.';
                        dotdot = o;
                        continue;
                }
                if (o > (rooted ? 1u : 0u) && o + 1 < size)
                        out[o++] = '/';
                for (size_t k = 0; k < len && o + 1 < size; k++)
                        out[o++] = e[k];
        }
        if (o == 0 && size > 1)
                out[o++] = '.';
        out[o] = '\0';
}

/* Go's strconv.Atoi on the part after the dash: a sign, then digits. */
static bool parse_index(const char *s, unsigned *ret) {
        if (*s == '+')
                s++;
        uint64_t v;
        if (*s == '\0' || parse_u64(s, strlen(s), &v) < 0 || v > UINT_MAX)
                return false;
        *ret = (unsigned) v;
        return true;
}

int powercap_zones_init(struct powercap_zones *z, const char *sysfs) {
        *z = (struct powercap_zones){0};
        return path_join(z->dir, sizeof(z->dir), sysfs, "class/powercap");
}

/* procfs's getIndexAndName: "package-0" splits into a name and an index
 * when it has exactly one dash and an integer after it; any other name is
 * indexed by how often it was seen before. */
static void zone_name(const struct powercap_zones *z, const char *raw, struct powercap_zone *ret) {
        const char *dash = strchr(raw, '-');
        if (dash && !strchr(dash + 1, '-') && (size_t) (dash - raw) < sizeof(ret->name) &&
            parse_index(dash + 1, &ret->index)) {
                memcpy(ret->name, raw, (size_t) (dash - raw));
                ret->name[dash - raw] = '\0';
                return;
        }
        (void) snprintf(ret->name, sizeof(ret->name), "%s", raw);
        ret->index = 0;
        for (size_t i = 0; i < z->n; i++)
                if (strcmp(z->zones[i].name, ret->name) == 0)
                        ret->index = z->zones[i].index + 1; /* a map of name to last index + 1 */
}

int powercap_zones_read(struct powercap_zones *z) {
        z->n = 0;
        int r = optional_dirlist_read(&z->missing_until_ns, &z->entries, z->dir);
        if (r < 0)
                return r;
        char clean[PATH_MAX];
        path_clean(z->dir, clean, sizeof(clean));
        for (size_t i = 0; i < z->entries.n; i++) {
                const char *entry = dirlist_name(&z->entries, i);
                if (strlen(entry) >= sizeof(z->zones->entry))
                        continue;
                char dir[PATH_MAX];
                if (path_join(dir, sizeof(dir), z->dir, entry) < 0)
                        continue;
                _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dirfd < 0)
                        continue;
                /* only zones have a name; the control types beside them (intel-rapl) do not */
                char text[128];
                int err;
                const char *raw = sysfs_attr_text_fd(dirfd, "name", text, sizeof(text), &err);
                if (!raw)
                        continue;
                struct powercap_zone zone = {0};
                r = sysfs_attr_u64_fd(dirfd, "max_energy_range_uj", &zone.max_energy_range_uj);
                if (r < 0)
                        return r;
                (void) snprintf(zone.entry, sizeof(zone.entry), "%s", entry);
                (void) snprintf(zone.raw_name, sizeof(zone.raw_name), "%s", raw);
                zone_name(z, raw, &zone);
                if (snprintf(zone.path, sizeof(zone.path), "%s/%s", clean, entry) >= (int) sizeof(zone.path))
                        continue;
                const char *colon = strchr(entry, ':');
                for (const char *p = colon; p && (p = strchr(p + 1, ':'));)
                        zone.depth++;
                zone.mmio = strncmp(entry, "intel-rapl-mmio:", 16) == 0;
                if (array_reserve((void **) &z->zones, &z->cap, z->n + 1, sizeof(*z->zones)) < 0)
                        return -ENOMEM;
                z->zones[z->n++] = zone;
        }
        return 0;
}

int powercap_zone_energy_uj(const struct powercap_zones *z, const struct powercap_zone *zone, uint64_t *ret) {
        char dir[PATH_MAX];
        if (path_join(dir, sizeof(dir), z->dir, zone->entry) < 0)
                return -ENAMETOOLONG;
        _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -errno;
        return sysfs_attr_u64_fd(dirfd, "energy_uj", ret);
}

void powercap_zones_free(struct powercap_zones *z) {
        dirlist_free(&z->entries);
        free(z->zones);
        *z = (struct powercap_zones){0};
}
