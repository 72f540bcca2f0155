/* bonding: the slaves of each bonding interface and those whose link is
 * up, node_bonding_slaves{master} and node_bonding_active{master}, from
 * /sys/class/net/bonding_masters, <master>/bonding/slaves and each
 * slave's bonding_slave/mii_status, as node_exporter 1.5. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "collector.h"
#include "optional_file.h"
#include "parse.h"

static const char *const master_label[] = {"master"};
static const struct metric_desc slaves_desc = {
        "node_bonding_slaves", "Number of configured slaves per bonding interface.", METRIC_GAUGE, 1, master_label};
static const struct metric_desc active_desc = {"node_bonding_active", "Number of active slaves per bonding interface.",
                                               METRIC_GAUGE, 1, master_label};

#define BONDING_ATTR_MAX 4096 /* a sysfs attribute is at most a page */

struct bonding_master {
        char name[IFNAMSIZ];
        uint32_t slaves, active;
};

struct bonding_state {
        const char *sysfs;
        char net_dir[PATH_MAX]; /* sysfs/class/net */
        struct optional_file masters_file;
        struct buf masters;
        char slaves[BONDING_ATTR_MAX];
        struct bonding_master *rows; /* this scrape's, in bonding_masters' order; the array is kept */
        size_t n_rows, cap_rows;
};

static int bonding_init(const struct collector_env *env, _unused_ const struct config_section *section,
                        _unused_ struct diag *diag, void **ret_state) {
        struct bonding_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->net_dir, sizeof(s->net_dir), env->sysfs, "class/net") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        s->sysfs = env->sysfs;
        *ret_state = s;
        return 0;
}

static void bonding_free(void *state) {
        struct bonding_state *s = state;
        if (!s)
                return;
        optional_file_close(&s->masters_file);
        buf_free(&s->masters);
        free(s->rows);
        free(s);
}

/* An interface name as the kernel allows them: 1 to 15 bytes, no '/'. */
static bool bonding_name_valid(struct field f) {
        return f.n > 0 && f.n < IFNAMSIZ && !memchr(f.s, '/', f.n) && !memchr(f.s, '\0', f.n);
}

/* The next word of a list of interface names, as the kernel writes
 * bonding_masters and slaves: false at the end. */
static bool bonding_next_name(const char **p, const char *end, struct field *ret) {
        while (*p < end && (**p == ' ' || **p == '\t' || **p == '\n'))
                (*p)++;
        ret->s = *p;
        while (*p < end && **p != ' ' && **p != '\t' && **p != '\n')
                (*p)++;
        ret->n = (size_t) (*p - ret->s);
        return ret->n > 0;
}

/* One slave's link: up or not; -ENOENT if it has no bonding_slave
 * directory under either name the kernel gave it (lower_, or slave_
 * before Linux 4.13). */
static int bonding_slave_up(int master_fd, struct field slave, bool *ret_up) {
        static const char *const prefixes[] = {"lower_", "slave_"};
        int r = -ENOENT;
        char path[64], status[32];
        for (size_t i = 0; i < ELEMENTSOF(prefixes) && r == -ENOENT; i++) {
                (void) snprintf(path, sizeof(path), "%s%.*s/bonding_slave/mii_status", prefixes[i], (int) slave.n,
                                slave.s);
                r = read_attr_fd(master_fd, path, status, sizeof(status));
        }
        if (r < 0 && r != -EFBIG)
                return r;
        *ret_up = r >= 0 && strcmp(status, "up") == 0; /* "down", "going back", "going down" */
        return 0;
}

static bool bonding_listed(const struct bonding_state *s, struct field name) {
        for (size_t i = 0; i < s->n_rows; i++)
                if (strlen(s->rows[i].name) == name.n && memcmp(s->rows[i].name, name.s, name.n) == 0)
                        return true;
        return false;
}

/* One master's slaves: -ENOENT (and so left out) if it went away, or one
 * of its slaves, between the reads. */
static int bonding_read_master(struct bonding_state *s, struct field master, struct bonding_master *ret,
                               unsigned *parse_errors) {
        char dir[PATH_MAX];
        int n = snprintf(dir, sizeof(dir), "%s/%.*s", s->net_dir, (int) master.n, master.s);
        if (n < 0 || (size_t) n >= sizeof(dir))
                return -ENAMETOOLONG;
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int len = read_attr_fd(fd, "bonding/slaves", s->slaves, sizeof(s->slaves));
        if (len < 0)
                return len;
        memcpy(ret->name, master.s, master.n);
        ret->name[master.n] = '\0';
        ret->slaves = ret->active = 0;
        const char *p = s->slaves;
        struct field slave;
        while (bonding_next_name(&p, s->slaves + len, &slave)) {
                if (!bonding_name_valid(slave)) {
                        (*parse_errors)++;
                        continue;
                }
                bool up;
                int r = bonding_slave_up(fd, slave, &up);
                if (r < 0)
                        return r;
                ret->slaves++;
                ret->active += up;
        }
        return 0;
}

static int bonding_collect(void *state, struct collect_ctx *ctx) {
        struct bonding_state *s = state;
        int r = optional_file_read(&s->masters_file, s->sysfs, "class/net/bonding_masters", true, FILE_MAX_SMALL,
                                   &s->masters);
        if (r < 0)
                return r;
        struct lines lines = lines_of(&s->masters, &ctx->parse_errors);
        const char *p = lines.pos;
        struct field name;
        s->n_rows = 0;
        while (bonding_next_name(&p, lines.end, &name)) {
                /* the kernel lists a master once: a repeat is garbage, not a second series */
                if (!bonding_name_valid(name) || bonding_listed(s, name)) {
                        ctx->parse_errors++;
                        continue;
                }
                if (array_reserve((void **) &s->rows, &s->cap_rows, s->n_rows + 1, sizeof(*s->rows)) < 0)
                        return -ENOMEM;
                r = bonding_read_master(s, name, &s->rows[s->n_rows], &ctx->parse_errors);
                if (r == -ENOMEM)
                        return r;
                if (r == 0)
                        s->n_rows++;
        }
        if (s->n_rows == 0)
                return 0;
        (void) metric_set_family(ctx->set, &slaves_desc);
        for (size_t i = 0; i < s->n_rows; i++)
                (void) metric_set_sample1(ctx->set, s->rows[i].slaves, s->rows[i].name);
        (void) metric_set_family(ctx->set, &active_desc);
        for (size_t i = 0; i < s->n_rows; i++)
                (void) metric_set_sample1(ctx->set, s->rows[i].active, s->rows[i].name);
        return ctx->set->error;
}

const struct collector bonding_collector = {
        .name = "bonding",
        .help = "Slaves of each bonding interface and those whose link is up, from /sys/class/net",
        .default_enabled = true,
        .init = bonding_init,
        .collect = bonding_collect,
        .free = bonding_free,
};
