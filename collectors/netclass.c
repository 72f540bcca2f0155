/* netclass: interface properties from /sys/class/net/<iface>/, as
 * node_exporter 1.5: node_network_up, node_network_info and one gauge (or
 * counter) per numeric attribute. An attribute the kernel refuses to read
 * (speed of a link that is down) is left out, not reported as 0.
 *
 * On the live /sys, sixteen of the twenty-two attributes come from one
 * rtnetlink dump for all interfaces (netlink_links.c), with sysfs's
 * meaning. Of the six that netlink does not carry, two are fixed for an
 * interface's life and read once (dev_id, set by its driver, and
 * name_assign_type, which a rename changes, and with it the name); four
 * are read from sysfs at every scrape (duplex, speed, flags as sysfs shows
 * them, addr_assign_type), but duplex and speed of a link whose driver
 * has no link settings (lo, dummy, ifb, wireguard): refused while the
 * link is up, they are not asked again for a minute or until the link's
 * flags or carrier change. An interface made again under the same name
 * has another ifindex, and is read anew. A sysfs tree elsewhere
 * (--path.sysfs) is read whole, as is an interface the dump did not list. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <net/if.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absence.h"
#include "array.h"
#include "clock.h"
#include "collector.h"
#include "dirlist.h"
#include "fileio.h"
#include "filter.h"
#include "netlink_links.h"

#ifndef IFF_DORMANT
#define IFF_DORMANT 0x20000 /* linux/if.h, which clashes with net/if.h */
#endif

static const char *const device_label[] = {"device"};
static const struct metric_desc up_desc = {"node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.",
                                           METRIC_GAUGE, 1, device_label};
static const char *const info_labels[] = {"address", "broadcast", "device", "duplex", "ifalias", "operstate"};
static const struct metric_desc info_desc = {"node_network_info",
                                             "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
                                             METRIC_GAUGE, 6, info_labels};

#define PROPERTY(metric, type)                                                                                         \
        { "node_network_" metric, "Network device property: " metric, type, 1, device_label }
/* sysfs attribute -> family, in node_exporter's order */
static const struct {
        const char *attr;
        struct metric_desc desc;
} properties[] = {
        {"addr_assign_type", PROPERTY("address_assign_type", METRIC_GAUGE)},
        {"carrier", PROPERTY("carrier", METRIC_GAUGE)},
        {"carrier_changes", PROPERTY("carrier_changes_total", METRIC_COUNTER)},
        {"carrier_up_count", PROPERTY("carrier_up_changes_total", METRIC_COUNTER)},
        {"carrier_down_count", PROPERTY("carrier_down_changes_total", METRIC_COUNTER)},
        {"dev_id", PROPERTY("device_id", METRIC_GAUGE)},
        {"dormant", PROPERTY("dormant", METRIC_GAUGE)},
        {"flags", PROPERTY("flags", METRIC_GAUGE)},
        {"ifindex", PROPERTY("iface_id", METRIC_GAUGE)},
        {"iflink", PROPERTY("iface_link", METRIC_GAUGE)},
        {"link_mode", PROPERTY("iface_link_mode", METRIC_GAUGE)},
        {"mtu", PROPERTY("mtu_bytes", METRIC_GAUGE)},
        {"name_assign_type", PROPERTY("name_assign_type", METRIC_GAUGE)},
        {"netdev_group", PROPERTY("net_dev_group", METRIC_GAUGE)},
        {"speed", PROPERTY("speed_bytes", METRIC_GAUGE)},
        {"tx_queue_len", PROPERTY("transmit_queue_length", METRIC_GAUGE)},
        {"type", PROPERTY("protocol_type", METRIC_GAUGE)},
};
#define N_PROPERTIES ELEMENTSOF(properties)
/* indexes in properties[] */
enum {
        P_ADDR_ASSIGN_TYPE,
        P_CARRIER,
        P_CARRIER_CHANGES,
        P_CARRIER_UP,
        P_CARRIER_DOWN,
        P_DEV_ID,
        P_DORMANT,
        P_FLAGS,
        P_IFINDEX,
        P_IFLINK,
        P_LINK_MODE,
        P_MTU,
        P_NAME_ASSIGN_TYPE,
        P_GROUP,
        P_SPEED,
        P_TXQLEN,
        P_TYPE,
};

static const struct collector_option netclass_options[] = {
        {"ignored_devices", "^$", "interfaces to leave out (a pattern)"},
        {"ignore_invalid_speed", "false", "leave out node_network_speed_bytes when the kernel reports -1"},
        {NULL, NULL, NULL},
};

/* The text attributes, then the numeric ones (properties[]), in one list:
 * the order of an interface's cached descriptors. */
static const char *const text_attrs[] = {"operstate", "address", "broadcast", "duplex", "ifalias"};
#define N_TEXT ELEMENTSOF(text_attrs)
#define N_ATTRS (N_TEXT + N_PROPERTIES)
enum { T_OPERSTATE, T_ADDRESS, T_BROADCAST, T_DUPLEX, T_IFALIAS };

/* The attributes a netlink dump gives, by index in the list above. */
static const bool from_netlink[N_ATTRS] = {
        [T_OPERSTATE] = true,           [T_ADDRESS] = true,
        [T_BROADCAST] = true,           [T_IFALIAS] = true,
        [N_TEXT + P_CARRIER] = true,    [N_TEXT + P_CARRIER_CHANGES] = true,
        [N_TEXT + P_CARRIER_UP] = true, [N_TEXT + P_CARRIER_DOWN] = true,
        [N_TEXT + P_DORMANT] = true,    [N_TEXT + P_IFINDEX] = true,
        [N_TEXT + P_IFLINK] = true,     [N_TEXT + P_LINK_MODE] = true,
        [N_TEXT + P_MTU] = true,        [N_TEXT + P_GROUP] = true,
        [N_TEXT + P_TXQLEN] = true,     [N_TEXT + P_TYPE] = true,
};
/* Attributes fixed for an interface's life: read once, with netlink (which
 * tells when an interface was made again). */
static const bool fixed_for_life[N_ATTRS] = {[N_TEXT + P_DEV_ID] = true, [N_TEXT + P_NAME_ASSIGN_TYPE] = true};
#define FD_NOT_OPENED (-2) /* left to netlink, or read once, when the interface was first seen */

static const char *attr_name(size_t a) {
        return a < N_TEXT ? text_attrs[a] : properties[a - N_TEXT].attr;
}
/* Most descriptors kept open across scrapes, all interfaces together: a
 * host with hundreds of interfaces must not run out of them (with netlink,
 * four per interface: 128 interfaces kept open). */
#define MAX_CACHED_FDS 512

/* An interface's attributes stay open from one scrape to the next: sysfs
 * regenerates an attribute on every pread at offset 0, and open and close
 * were two thirds of the syscalls of a scrape. */
struct iface_fds {
        char name[32];
        int fd[N_ATTRS];  /* -1: the interface has no such attribute; or FD_NOT_OPENED */
        bool seen;        /* in this scrape's listing */
        uint32_t ifindex; /* from the dump, when one listed it */
        bool fixed_read;  /* the fixed_for_life values below were read */
        bool fixed_have[N_PROPERTIES];
        int64_t fixed_value[N_PROPERTIES];
        /* duplex [0] and speed [1] refused while the link was up, with
         * the link's flags and carrier changes then (link_setting_refused);
         * until CLOCK_MONOTONIC ns, 0: not refused */
        uint64_t refused_until_ns[2];
        uint32_t refused_flags[2], refused_carrier_changes[2];
};

struct netclass_iface {
        size_t name;    /* offset in the dirlist */
        signed char up; /* 1, 0, or -1 for an operstate that could not be read */
        bool have[N_PROPERTIES];
        int64_t value[N_PROPERTIES];
        char address[64], broadcast[64], duplex[16], operstate[16];
        char ifalias[256];
};

struct netclass_state {
        char dir[4096];
        int dirfd; /* sysfs/class/net, opened at the first scrape */
        struct iface_fds *cache;
        size_t n_cache, cap_cache;
        size_t n_fds; /* descriptors the cache holds open */
        struct filter ignored;
        bool ignore_invalid_speed;
        struct dirlist ifaces;
        struct netclass_iface *info;
        size_t cap;
        bool use_netlink; /* sysfs is the live /sys */
};

static int netclass_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                         void **ret_state) {
        struct netclass_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        int r = config_section_bool(section, "ignore_invalid_speed", false, &s->ignore_invalid_speed, diag);
        if (r >= 0)
                r = filter_from_config(&s->ignored, section, NULL, NULL, "ignored_devices", "^$", diag);
        if (r >= 0 && path_join(s->dir, sizeof(s->dir), env->sysfs, "class/net") < 0)
                r = -ENAMETOOLONG;
        if (r < 0) {
                free(s);
                return r;
        }
        s->dirfd = -1;
        s->use_netlink = netlink_live_root(env->sysfs, "/sys");
        *ret_state = s;
        return 0;
}

static void cache_drop(struct netclass_state *s, size_t i) {
        for (size_t a = 0; a < N_ATTRS; a++)
                if (s->cache[i].fd[a] >= 0) {
                        (void) close(s->cache[i].fd[a]);
                        s->n_fds--;
                }
        s->cache[i] = s->cache[--s->n_cache];
}

static struct iface_fds *cache_find(struct netclass_state *s, const char *name) {
        for (size_t i = 0; i < s->n_cache; i++)
                if (strcmp(s->cache[i].name, name) == 0)
                        return &s->cache[i];
        return NULL;
}

/* Opens the descriptors of a new interface, but those of attributes that
 * netlink gives, or that are read once, when k (its dump entry) is given;
 * NULL when the cache is full (the caller then opens and closes as it
 * goes). */
static struct iface_fds *cache_add(struct netclass_state *s, const char *name, int dirfd,
                                   const struct netlink_link *k) {
        bool with_netlink = k != NULL;
        size_t want = 0;
        for (size_t a = 0; a < N_ATTRS; a++)
                want += !(with_netlink && (from_netlink[a] || fixed_for_life[a]));
        if (strlen(name) >= sizeof(s->cache->name) || s->n_fds + want > MAX_CACHED_FDS)
                return NULL;
        if (array_reserve((void **) &s->cache, &s->cap_cache, s->n_cache + 1, sizeof(*s->cache)) < 0)
                return NULL;
        struct iface_fds *c = &s->cache[s->n_cache++];
        *c = (struct iface_fds){.ifindex = k ? k->ifindex : 0};
        (void) snprintf(c->name, sizeof(c->name), "%s", name);
        for (size_t a = 0; a < N_ATTRS; a++)
                c->fd[a] = with_netlink && (from_netlink[a] || fixed_for_life[a])
                                   ? FD_NOT_OPENED
                                   : openat(dirfd, attr_name(a), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        for (size_t a = 0; a < N_ATTRS; a++)
                s->n_fds += c->fd[a] >= 0;
        return c;
}

/* Attribute a of interface name: from its cached descriptor, or through
 * its directory, opened in *dirfd on first need. */
static int attr_read(const struct netclass_state *s, const struct iface_fds *c, int *dirfd, const char *name, size_t a,
                     char *buf, size_t size) {
        if (c && c->fd[a] >= 0)
                return read_attr_pread(c->fd[a], buf, size);
        if (c && c->fd[a] == -1)
                return -ENOENT;
        if (*dirfd < 0) {
                *dirfd = openat(s->dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (*dirfd < 0)
                        return -errno;
        }
        return read_attr_fd(*dirfd, attr_name(a), buf, size);
}

/* Property p from the dump, as sysfs would give it; false where sysfs
 * would refuse the read. */
static bool netlink_property(const struct netlink_link *k, size_t p, int64_t *v) {
        switch (p) {
        /* sysfs refuses carrier on an interface that is not up */
        case P_CARRIER: *v = k->carrier != 0; return k->has_carrier && (k->flags & IFF_UP);
        case P_CARRIER_CHANGES: *v = k->carrier_changes; return k->has_carrier_changes;
        case P_CARRIER_UP: *v = k->carrier_up; return k->has_carrier_up;
        case P_CARRIER_DOWN: *v = k->carrier_down; return k->has_carrier_down;
        /* sysfs refuses dormant too on an interface that is not up */
        case P_DORMANT: *v = (k->flags & IFF_DORMANT) != 0; return k->flags & IFF_UP;
        case P_IFINDEX: *v = k->ifindex; return true;
        case P_IFLINK: *v = k->iflink; return true;
        case P_LINK_MODE: *v = k->link_mode; return k->has_link_mode;
        case P_MTU: *v = k->mtu; return k->has_mtu;
        case P_GROUP: *v = k->group; return k->has_group;
        case P_TXQLEN: *v = k->txqlen; return k->has_txqlen;
        case P_TYPE: *v = k->type; return true;
        default: return false;
        }
}

/* Whether sysfs refuses attribute a of the interface k describes without
 * being asked: duplex and speed are -EINVAL on an interface that is not
 * up (their show functions ask the driver only when netif_running), as
 * are most of the interfaces of a host with many (veths of stopped
 * containers, spare ports). */
static bool netlink_refuses(const struct netlink_link *k, size_t a) {
        return k && !(k->flags & IFF_UP) && (a == T_DUPLEX || a == N_TEXT + P_SPEED);
}

/* Which of duplex (0) and speed (1) attribute a is; -1 for the others. */
static int link_setting(size_t a) {
        return a == T_DUPLEX ? 0 : a == N_TEXT + P_SPEED ? 1 : -1;
}

/* Whether link setting l was refused while the link was up, less than a
 * minute ago, and the link's flags and carrier changes are still what they
 * were: its driver has no link settings (speed_show and duplex_show are
 * -EINVAL when __ethtool_get_link_ksettings fails: lo, dummy, ifb,
 * wireguard), which a driver does not grow, so asking at every scrape
 * would only fail again. The minute, and a change of the link, let a
 * driver that refused for a moment answer again. */
static bool link_setting_refused(const struct iface_fds *c, const struct netlink_link *k, int l, uint64_t now_ns) {
        return c->refused_until_ns[l] > now_ns && c->refused_flags[l] == k->flags &&
               c->refused_carrier_changes[l] == k->carrier_changes;
}

/* Attribute a, read from sysfs unless sysfs would refuse it. */
static int sysfs_attr(const struct netclass_state *s, struct iface_fds *c, int *dirfd, const char *name,
                      const struct netlink_link *k, size_t a, char *buf, size_t size, uint64_t now_ns) {
        if (netlink_refuses(k, a))
                return -EINVAL;
        int l = c && k ? link_setting(a) : -1;
        if (l >= 0 && link_setting_refused(c, k, l, now_ns))
                return -EINVAL;
        int r = attr_read(s, c, dirfd, name, a, buf, size);
        if (l < 0)
                return r;
        c->refused_until_ns[l] = r == -EINVAL && (k->flags & IFF_UP) ? now_ns + ABSENCE_RETRY_NS : 0;
        c->refused_flags[l] = k->flags;
        c->refused_carrier_changes[l] = k->carrier_changes;
        return r;
}

/* Reads an interface's attributes into f, from k (the dump's entry, or
 * NULL) and sysfs; -ENODEV when a cached descriptor belongs to an
 * interface since removed (and perhaps made again under the same name). */
static int read_iface(const struct netclass_state *s, struct iface_fds *c, int *dirfd, const char *name,
                      const struct netlink_link *k, struct netclass_iface *f, unsigned *parse_errors, uint64_t now_ns) {
        char *text[N_TEXT] = {f->operstate, f->address, f->broadcast, f->duplex, f->ifalias};
        const size_t text_size[N_TEXT] = {sizeof(f->operstate), sizeof(f->address), sizeof(f->broadcast),
                                          sizeof(f->duplex), sizeof(f->ifalias)};
        int operstate_r = 0;
        for (size_t a = 0; a < N_TEXT; a++) {
                if (k && from_netlink[a]) {
                        const char *v = a == T_OPERSTATE   ? netlink_operstate_name(k->operstate)
                                        : a == T_ADDRESS   ? k->address
                                        : a == T_BROADCAST ? k->broadcast
                                                           : k->ifalias;
                        str_copy(text[a], text_size[a], v);
                        continue;
                }
                int r = sysfs_attr(s, c, dirfd, name, k, a, text[a], text_size[a], now_ns);
                if (r == -ENODEV && c)
                        return r;
                if (r < 0)
                        text[a][0] = '\0';
                if (a == T_OPERSTATE)
                        operstate_r = r;
        }
        /* missing: down, as node_exporter reads it; failing: not known */
        f->up = operstate_r < 0 && operstate_r != -ENOENT ? -1 : strcmp(f->operstate, "up") == 0;
        for (size_t p = 0; p < N_PROPERTIES; p++) {
                if (k && from_netlink[N_TEXT + p]) {
                        f->have[p] = netlink_property(k, p, &f->value[p]);
                        continue;
                }
                bool fixed = k && c && fixed_for_life[N_TEXT + p];
                if (fixed && c->fixed_read) {
                        f->have[p] = c->fixed_have[p];
                        f->value[p] = c->fixed_value[p];
                        continue;
                }
                char v[32];
                int r = sysfs_attr(s, c, dirfd, name, k, N_TEXT + p, v, sizeof(v), now_ns);
                if (r == -ENODEV && c)
                        return r;
                if (r >= 0) {
                        char *end;
                        errno = 0;
                        long long x = strtoll(v, &end, 0); /* base 0: dev_id and flags are hex */
                        r = errno != 0 || end == v || *end != '\0' ? -EBADMSG : 0;
                        /* the kernel prints speed as a 32-bit int (ethtool's
                         * u32 Mb/s, -1 unknown): anything wider is not a
                         * speed, and its bytes would overflow int64 below */
                        if (p == P_SPEED && (x < INT32_MIN || x > INT32_MAX))
                                r = -EBADMSG;
                        f->value[p] = x;
                }
                f->have[p] = r == 0;
                if (r == -EBADMSG)
                        (*parse_errors)++;
                if (fixed) {
                        c->fixed_have[p] = f->have[p];
                        c->fixed_value[p] = f->value[p];
                }
        }
        if (k && c)
                c->fixed_read = true;
        if (f->have[P_SPEED]) {
                if (f->value[P_SPEED] < 0 && s->ignore_invalid_speed)
                        f->have[P_SPEED] = false;
                else
                        f->value[P_SPEED] = f->value[P_SPEED] * 1000 * 1000 / 8;
        }
        return 0;
}

static void netclass_free(void *state) {
        struct netclass_state *s = state;
        if (!s)
                return;
        while (s->n_cache > 0)
                cache_drop(s, 0);
        free(s->cache);
        filter_free(&s->ignored);
        dirlist_free(&s->ifaces);
        if (s->dirfd >= 0)
                (void) close(s->dirfd);
        free(s->info);
        free(s);
}

static int netclass_collect(void *state, struct collect_ctx *ctx) {
        struct netclass_state *s = state;
        if (s->dirfd < 0) {
                s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (s->dirfd < 0)
                        return -errno;
        }
        int r = dirlist_read_kept(&s->ifaces, s->dir);
        if (r < 0)
                return r;
        if (array_reserve((void **) &s->info, &s->cap, s->ifaces.n, sizeof(*s->info)) < 0)
                return -ENOMEM;

        /* a failed dump leaves sysfs to say everything, this scrape */
        const struct netlink_links *nl = NULL;
        bool with_netlink = s->use_netlink && shared_links_dump(ctx->cache, &nl) == 0;
        for (size_t c = 0; c < s->n_cache; c++)
                s->cache[c].seen = false;
        size_t n = 0;
        uint64_t now_ns = clock_ns(CLOCK_MONOTONIC);
        for (size_t i = 0; i < s->ifaces.n; i++) {
                const char *name = dirlist_name(&s->ifaces, i);
                if (!filter_pass(&s->ignored, name))
                        continue;
                const struct netlink_link *k = with_netlink ? netlink_links_find(nl, name) : NULL;
                struct iface_fds *c = cache_find(s, name);
                if (c && k && c->ifindex != k->ifindex) {
                        /* made again under the same name (or first seen without a dump) */
                        cache_drop(s, (size_t) (c - s->cache));
                        c = NULL;
                }
                _cleanup_close_ int dirfd = -1;
                if (!c) {
                        /* bonding_masters and other plain files are not interfaces */
                        dirfd = openat(s->dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (dirfd < 0)
                                continue;
                        c = cache_add(s, name, dirfd, k);
                }
                struct netclass_iface *f = &s->info[n];
                r = read_iface(s, c, &dirfd, name, k, f, &ctx->parse_errors, now_ns);
                if (r == -ENODEV) {
                        /* removed and perhaps made again: open it anew, once */
                        cache_drop(s, (size_t) (c - s->cache));
                        if (dirfd < 0)
                                dirfd = openat(s->dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (dirfd < 0)
                                continue;
                        c = cache_add(s, name, dirfd, k);
                        if (read_iface(s, c, &dirfd, name, k, f, &ctx->parse_errors, now_ns) < 0)
                                continue;
                }
                if (c)
                        c->seen = true;
                f->name = s->ifaces.offsets[i];
                n++;
        }
        /* interfaces gone since the last scrape give their descriptors back */
        for (size_t c = 0; c < s->n_cache;)
                if (!s->cache[c].seen)
                        cache_drop(s, c);
                else
                        c++;
        if (n == 0)
                return 0;

        (void) metric_set_family(ctx->set, &up_desc);
        for (size_t i = 0; i < n; i++)
                if (s->info[i].up >= 0)
                        (void) metric_set_sample1(ctx->set, s->info[i].up, s->ifaces.names.data + s->info[i].name);
        (void) metric_set_family(ctx->set, &info_desc);
        for (size_t i = 0; i < n; i++) {
                const struct netclass_iface *f = &s->info[i];
                const char *v[] = {f->address, f->broadcast, s->ifaces.names.data + f->name,
                                   f->duplex,  f->ifalias,   f->operstate};
                (void) metric_set_sample(ctx->set, 1, v);
        }
        for (size_t p = 0; p < N_PROPERTIES; p++) {
                bool started = false;
                for (size_t i = 0; i < n; i++) {
                        if (!s->info[i].have[p])
                                continue;
                        if (!started) {
                                (void) metric_set_family(ctx->set, &properties[p].desc);
                                started = true;
                        }
                        (void) metric_set_sample1(ctx->set, (double) s->info[i].value[p],
                                                  s->ifaces.names.data + s->info[i].name);
                }
        }
        return ctx->set->error;
}

const struct collector netclass_collector = {
        .name = "netclass",
        .help = "Network interface properties, from /sys/class/net",
        .default_enabled = true,
        .options = netclass_options,
        .init = netclass_init,
        .collect = netclass_collect,
        .free = netclass_free,
};
