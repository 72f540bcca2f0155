/* arp: the entries of the kernel's ARP table per interface,
 * node_arp_entries{device}, from /proc/net/arp, as node_exporter 1.5
 * (every entry counts, incomplete ones included), for the devices that
 * [collector.arp] device_include and device_exclude let through. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "filter.h"
#include "optional_file.h"
#include "parse.h"
#include "parse_hex.h"

static const char *const device_label[] = {"device"};
static const struct metric_desc entries_desc = {"node_arp_entries", "ARP entries by device", METRIC_GAUGE, 1,
                                                device_label};
static const struct collector_option arp_options[] = {
        {"device_include", "", "the interfaces whose ARP entries node_arp_entries counts (a pattern); empty: all"},
        {"device_exclude", "", "the interfaces left out (a pattern)"},
        {NULL, NULL, NULL},
};

#define ARP_COLUMNS 6      /* IP address, HW type, Flags, HW address, Mask, Device */
#define ARP_HEADER_WORDS 9 /* "IP address       HW type     Flags       HW address            Mask     Device" */

struct arp_device {
        char name[IFNAMSIZ];
        uint32_t entries;
};

struct arp_state {
        const char *procfs;
        struct filter filter;
        struct optional_file arp_file;
        struct buf file;
        /* this scrape's devices, sorted by name; the array is kept */
        struct arp_device *devices;
        size_t n_devices, cap_devices;
};

static int arp_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                    void **ret_state) {
        struct arp_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        int r = filter_from_config(&s->filter, section, "device_include", NULL, "device_exclude", NULL, diag);
        if (r < 0) {
                free(s);
                return r;
        }
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void arp_free(void *state) {
        struct arp_state *s = state;
        if (!s)
                return;
        filter_free(&s->filter);
        optional_file_close(&s->arp_file);
        buf_free(&s->file);
        free(s->devices);
        free(s);
}

/* One more entry of the device called name (NUL-terminated, shorter than
 * IFNAMSIZ): binary search, and an insertion where it belongs the first
 * time the scrape meets it. */
static int arp_count(struct arp_state *s, const char *name) {
        size_t lo = 0, hi = s->n_devices;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(s->devices[mid].name, name);
                if (c == 0) {
                        s->devices[mid].entries++;
                        return 0;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (array_reserve((void **) &s->devices, &s->cap_devices, s->n_devices + 1, sizeof(*s->devices)) < 0)
                return -ENOMEM;
        memmove(s->devices + lo + 1, s->devices + lo, (s->n_devices - lo) * sizeof(*s->devices));
        struct arp_device *d = &s->devices[lo];
        strcpy(d->name, name);
        d->entries = 1;
        s->n_devices++;
        return 0;
}

/* "10.0.0.1 0x1 0x2 52:54:00:12:34:56 * eth0": an IPv4 address, the
 * hardware type and the flags in hex, and a device name as the kernel
 * makes them; the hardware address (its format depends on the type) and
 * the mask are not read. */
static bool arp_line_valid(const struct field *f, char *ret_device) {
        char ip[INET_ADDRSTRLEN];
        struct in_addr addr;
        uint64_t v;
        if (f[0].n >= sizeof(ip) || f[5].n >= IFNAMSIZ)
                return false;
        memcpy(ip, f[0].s, f[0].n);
        ip[f[0].n] = '\0';
        for (size_t i = 1; i <= 2; i++)
                if (f[i].n < 3 || f[i].s[0] != '0' || f[i].s[1] != 'x' || parse_hex_u64(f[i].s + 2, f[i].n - 2, &v) < 0)
                        return false;
        if (inet_pton(AF_INET, ip, &addr) != 1)
                return false;
        memcpy(ret_device, f[5].s, f[5].n);
        ret_device[f[5].n] = '\0';
        return true;
}

static int arp_collect(void *state, struct collect_ctx *ctx) {
        struct arp_state *s = state;
        /* a line a neighbour: two addresses, the flags, the device */
        int r = optional_file_read_records(&s->arp_file, s->procfs, "net/arp", 256, FILE_MAX_TABLE, &s->file);
        if (r < 0)
                return r;
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len;
        bool first = true;
        unsigned bad = 0, good = 0;
        s->n_devices = 0;
        while (lines_next(&lines, &line, &len)) {
                struct field f[ARP_HEADER_WORDS];
                int n = split_fields(line, len, f, ELEMENTSOF(f));
                bool header = first && n == ARP_HEADER_WORDS && FIELD_EQ(f[0], "IP");
                first = false;
                if (n == 0 || header)
                        continue;
                char device[IFNAMSIZ];
                if (n != ARP_COLUMNS || !arp_line_valid(f, device)) {
                        bad++;
                        continue;
                }
                good++;
                if (filter_pass(&s->filter, device) && arp_count(s, device) < 0)
                        return -ENOMEM;
        }
        ctx->parse_errors += bad;
        if (good == 0 && bad > 0)
                return -EINVAL; /* an empty table is no error; a table of garbage is */
        if (s->n_devices == 0)
                return 0;
        (void) metric_set_family(ctx->set, &entries_desc);
        for (size_t i = 0; i < s->n_devices; i++)
                (void) metric_set_sample1(ctx->set, s->devices[i].entries, s->devices[i].name);
        return ctx->set->error;
}

const struct collector arp_collector = {
        .name = "arp",
        .help = "ARP table entries per interface, from /proc/net/arp",
        .default_enabled = true,
        .options = arp_options,
        .init = arp_init,
        .collect = arp_collect,
        .free = arp_free,
};
