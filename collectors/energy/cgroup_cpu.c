/* Per-service CPU time from the cgroup tree: a walk of system.slice and
 * the other top-level groups, one small file read per group, into
 * buffers kept from one read to the next. */
#include "cgroup_cpu.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "buf.h"
#include "dirlist.h"
#include "fileio.h"
#include "macro.h"
#include "parse.h"

struct entry {
        size_t group, name; /* offsets in strings */
        uint64_t usage_ns;
};

struct cgroup_cpu {
        enum cgroup_layout layout;
        char root[PATH_MAX]; /* the hierarchy's root directory */
        struct dirlist lists[CGROUP_CPU_MAX_DEPTH + 1];
        struct buf file;
        struct buf strings;
        struct entry *entries;
        size_t n, cap;
        struct cgroup_cpu_usage *usage;
        size_t usage_cap;
        unsigned parse_errors, dropped;
};

static bool has_suffix(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);
        return n > m && memcmp(s + n - m, suffix, m) == 0;
}

static bool exists(const char *root, const char *rel) {
        char path[PATH_MAX];
        return path_join(path, sizeof(path), root, rel) == 0 && access(path, F_OK) == 0;
}

int cgroup_cpu_open(const char *sysfs, struct cgroup_cpu **ret) {
        static const struct {
                const char *dir, *probe;
                enum cgroup_layout layout;
        } layouts[] = {
                {"fs/cgroup", "cgroup.controllers", CGROUP_LAYOUT_V2},
                /* a hybrid setup's unified tree has no controllers, but its
                 * cpu.stat counts CPU time all the same (since Linux 4.15) */
                {"fs/cgroup/unified", "system.slice/cpu.stat", CGROUP_LAYOUT_HYBRID},
                {"fs/cgroup/cpuacct", "cpuacct.usage", CGROUP_LAYOUT_V1},
                {"fs/cgroup/cpu,cpuacct", "cpuacct.usage", CGROUP_LAYOUT_V1},
        };
        for (size_t i = 0; i < ELEMENTSOF(layouts); i++) {
                char root[PATH_MAX];
                if (path_join(root, sizeof(root), sysfs, layouts[i].dir) < 0)
                        return -ENAMETOOLONG;
                if (!exists(root, layouts[i].probe))
                        continue;
                struct cgroup_cpu *c = calloc(1, sizeof(*c));
                if (!c)
                        return -ENOMEM;
                c->layout = layouts[i].layout;
                memcpy(c->root, root, sizeof(root));
                *ret = c;
                return 0;
        }
        return -ENOENT;
}

enum cgroup_layout cgroup_cpu_layout(const struct cgroup_cpu *c) {
        return c->layout;
}

void cgroup_cpu_free(struct cgroup_cpu *c) {
        if (!c)
                return;
        for (size_t i = 0; i < ELEMENTSOF(c->lists); i++)
                dirlist_free(&c->lists[i]);
        buf_free(&c->file);
        buf_free(&c->strings);
        free(c->entries);
        free(c->usage);
        free(c);
}

/* v2's cpu.stat: "usage_usec N" among other "key value" lines. */
static int parse_cpu_stat(struct cgroup_cpu *c, uint64_t *ret) {
        struct lines l = lines_of(&c->file, &c->parse_errors);
        const char *line;
        size_t len;
        bool found = false;
        uint64_t usec = 0;
        while (lines_next(&l, &line, &len)) {
                struct field f[2];
                uint64_t v;
                if (split_fields(line, len, f, 2) != 2 || parse_u64_field(f[1], &v) < 0) {
                        c->parse_errors++;
                        continue;
                }
                if (FIELD_EQ(f[0], "usage_usec")) {
                        found = true;
                        usec = v;
                }
        }
        if (!found || usec > UINT64_MAX / 1000)
                return -EBADMSG;
        *ret = usec * 1000;
        return 0;
}

/* v1's cpuacct.usage: one number, in ns. */
static int parse_cpuacct_usage(struct cgroup_cpu *c, uint64_t *ret) {
        struct lines l = lines_of(&c->file, &c->parse_errors);
        const char *line;
        size_t len;
        struct field f[1];
        if (!lines_next(&l, &line, &len) || split_fields(line, len, f, 1) != 1 || parse_u64_field(f[0], ret) < 0)
                return -EBADMSG;
        return 0;
}

/* Reads group rel and adds it under name; a group that is gone adds
 * nothing. */
static int add_group(struct cgroup_cpu *c, const char *rel, const char *name, size_t name_len) {
        if (c->n >= CGROUP_CPU_MAX) {
                c->dropped++;
                return 0;
        }
        bool v1 = c->layout == CGROUP_LAYOUT_V1;
        char file[PATH_MAX];
        if (path_join(file, sizeof(file), rel, v1 ? "cpuacct.usage" : "cpu.stat") < 0) {
                c->parse_errors++;
                return 0;
        }
        int r = read_file_at(c->root, file, FILE_MAX_SMALL, &c->file);
        if (r == -ENOENT)
                return 0;
        uint64_t usage;
        if (r < 0 || (v1 ? parse_cpuacct_usage(c, &usage) : parse_cpu_stat(c, &usage)) < 0) {
                c->parse_errors += !fileio_fault_counted(r); /* a fault is counted by fileio */
                return 0;
        }
        r = array_reserve((void **) &c->entries, &c->cap, c->n + 1, sizeof(*c->entries));
        if (r < 0)
                return r;
        struct entry *e = &c->entries[c->n];
        e->group = c->strings.len;
        buf_put(&c->strings, rel, strlen(rel) + 1);
        e->name = c->strings.len;
        buf_put(&c->strings, name, name_len);
        buf_putc(&c->strings, '\0');
        if (c->strings.error < 0)
                return c->strings.error;
        e->usage_ns = usage;
        c->n++;
        return 0;
}

/* The services of a slice of system.slice, and its nested slices. */
static int walk_slice(struct cgroup_cpu *c, const char *rel, unsigned depth) {
        struct dirlist *l = &c->lists[depth];
        char dir[PATH_MAX];
        if (path_join(dir, sizeof(dir), c->root, rel) < 0)
                return -ENAMETOOLONG;
        int r = dirlist_read(l, dir);
        if (r < 0)
                return r;
        for (size_t i = 0; i < l->n; i++) {
                const char *entry = dirlist_name(l, i);
                bool service = has_suffix(entry, ".service"), slice = has_suffix(entry, ".slice");
                if (!service && !slice)
                        continue; /* the slice's own files, and scopes */
                char child[PATH_MAX];
                if (path_join(child, sizeof(child), rel, entry) < 0 || !utf8_valid(entry)) {
                        c->parse_errors++;
                        continue;
                }
                if (slice) {
                        r = depth < CGROUP_CPU_MAX_DEPTH ? walk_slice(c, child, depth + 1) : 0;
                        if (r == -ENOMEM)
                                return r;
                        /* one that vanished since it was listed is simply
                         * absent; one that cannot be listed is counted */
                        if (r < 0 && r != -ENOENT && r != -ENOTDIR)
                                c->parse_errors++;
                        continue;
                }
                /* "getty@tty1.service" counts as "getty@.service" */
                const char *at = strchr(entry, '@');
                if (!at) {
                        r = add_group(c, child, entry, strlen(entry));
                } else {
                        char name[NAME_MAX + 1];
                        size_t stem = (size_t) (at - entry) + 1;
                        memcpy(name, entry, stem);
                        memcpy(name + stem, ".service", sizeof(".service"));
                        r = add_group(c, child, name, strlen(name));
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

int cgroup_cpu_read(struct cgroup_cpu *c, struct cgroup_cpu_sample *ret) {
        c->n = 0;
        c->parse_errors = c->dropped = 0;
        buf_reset(&c->strings);
        struct dirlist *top = &c->lists[0];
        int r = dirlist_read(top, c->root);
        if (r < 0)
                return r;
        for (size_t i = 0; i < top->n; i++) {
                const char *entry = dirlist_name(top, i);
                if (strcmp(entry, "system.slice") == 0) {
                        r = walk_slice(c, entry, 1);
                        if (r < 0 && r != -ENOMEM) {
                                if (r != -ENOENT && r != -ENOTDIR)
                                        c->parse_errors++;
                                r = 0;
                        }
                } else if (strcmp(entry, "init.scope") == 0 || has_suffix(entry, ".slice")) {
                        if (utf8_valid(entry))
                                r = add_group(c, entry, entry, strlen(entry));
                        else
                                c->parse_errors++;
                }
                if (r < 0)
                        return r;
        }
        r = array_reserve((void **) &c->usage, &c->usage_cap, c->n, sizeof(*c->usage));
        if (r < 0)
                return r;
        /* the strings are in place now that nothing more is appended */
        for (size_t i = 0; i < c->n; i++)
                c->usage[i] = (struct cgroup_cpu_usage){
                        .group = c->strings.data + c->entries[i].group,
                        .name = c->strings.data + c->entries[i].name,
                        .usage_ns = c->entries[i].usage_ns,
                };
        *ret = (struct cgroup_cpu_sample){
                .usage = c->usage,
                .n = c->n,
                .parse_errors = c->parse_errors,
                .dropped = c->dropped,
        };
        return 0;
}
