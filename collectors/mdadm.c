/* mdadm: the Linux software RAID arrays of /proc/mdstat, as node_exporter
 * 1.5 reads them: node_md_disks{device,state} (active, failed, spare),
 * node_md_disks_required, node_md_state{device,state}, node_md_blocks and
 * node_md_blocks_synced. An array's block whose lines do not read as the
 * kernel writes them is skipped and counted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "optional_file.h"
#include "parse.h"

static const char *const device_label[] = {"device"};
static const char *const device_state_labels[] = {"device", "state"};
static const struct metric_desc blocks_desc = {"node_md_blocks", "Total number of blocks on device.", METRIC_GAUGE, 1,
                                               device_label};
static const struct metric_desc blocks_synced_desc = {"node_md_blocks_synced", "Number of blocks synced on device.",
                                                      METRIC_GAUGE, 1, device_label};
static const struct metric_desc disks_desc = {"node_md_disks", "Number of active/failed/spare disks of device.",
                                              METRIC_GAUGE, 2, device_state_labels};
static const struct metric_desc disks_required_desc = {"node_md_disks_required", "Total number of disks of device.",
                                                       METRIC_GAUGE, 1, device_label};
static const struct metric_desc state_desc = {"node_md_state", "Indicates the state of md-device.", METRIC_GAUGE, 2,
                                              device_state_labels};

/* node_md_state's values, in node_exporter's order */
enum md_state { MD_ACTIVE, MD_INACTIVE, MD_RECOVERING, MD_RESYNC, MD_CHECK, N_MD_STATES };
static const char *const md_state_names[N_MD_STATES] = {"active", "inactive", "recovering", "resync", "check"};

#define MD_NAME_MAX 32     /* the kernel's DISK_NAME_LEN, NUL included */
#define MD_DEVICE_FIELDS 3 /* "md0 : active", then the personality and the disks */

struct md_array {
        char name[MD_NAME_MAX];
        enum md_state state;
        uint64_t disks_required, active, failed, spare, blocks, synced;
};

struct mdadm_state {
        const char *procfs;
        struct optional_file mdstat;
        struct buf file;
        struct md_array *arrays; /* this scrape's, in the file's order; the array is kept */
        size_t n_arrays, cap_arrays;
};

static int mdadm_init(const struct collector_env *env, _unused_ const struct config_section *section,
                      _unused_ struct diag *diag, void **ret_state) {
        struct mdadm_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void mdadm_free(void *state) {
        struct mdadm_state *s = state;
        if (!s)
                return;
        optional_file_close(&s->mdstat);
        buf_free(&s->file);
        free(s->arrays);
        free(s);
}

static unsigned mdadm_count(const char *s, size_t len, const char *what) {
        size_t n = strlen(what);
        unsigned count = 0;
        for (const char *p = s, *end = s + len; (p = memmem(p, (size_t) (end - p), what, n)); p += n)
                count++;
        return count;
}

static bool mdadm_contains(const char *s, size_t len, const char *what) {
        return memmem(s, len, what, strlen(what)) != NULL;
}

/* Digits, with a fraction or not: "8.5", "17.0", "259783". */
static bool mdadm_decimal(const char *s, size_t n) {
        size_t digits = 0, dots = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '.' && dots++ == 0 && digits > 0)
                        continue;
                if (s[i] < '0' || s[i] > '9')
                        return false;
                digits++;
        }
        return digits > 0 && s[n - 1] != '.';
}

/* The n bytes at s are "[digits/digits]": *ret_a and *ret_b. */
static bool mdadm_ratio(const char *s, size_t n, char open, char close, uint64_t *ret_a, uint64_t *ret_b) {
        if (n < 5 || s[0] != open || s[n - 1] != close)
                return false;
        const char *slash = memchr(s, '/', n);
        if (!slash)
                return false;
        return parse_u64(s + 1, (size_t) (slash - s - 1), ret_a) == 0 &&
               parse_u64(slash + 1, (size_t) (s + n - 1 - slash - 1), ret_b) == 0;
}

/* "[4/3] [UU_U]" at the end of a status line: the disks the array needs
 * and those it has; the last such pair, as node_exporter's greedy match. */
static bool mdadm_status_disks(const struct field *f, int n, uint64_t *ret_required, uint64_t *ret_active) {
        for (int i = n - 2; i >= 2; i--) {
                const struct field u = f[i + 1];
                if (u.n < 3 || u.s[0] != '[' || u.s[u.n - 1] != ']')
                        continue;
                bool health = true;
                for (size_t k = 1; k + 1 < u.n; k++)
                        health = health && (u.s[k] == 'U' || u.s[k] == '_');
                if (health && mdadm_ratio(f[i].s, f[i].n, '[', ']', ret_required, ret_active))
                        return true;
        }
        return false;
}

/* After "key", up to the first end byte (any capital letter for 0), as
 * the regular expressions node_exporter reads a sync line with: a decimal
 * number. */
static bool mdadm_sync_value(const char *line, size_t len, const char *key, char end) {
        const char *p = memmem(line, len, key, strlen(key));
        if (!p)
                return false;
        p += strlen(key);
        const char *stop = line + len;
        while (p < stop && *p == ' ')
                p++;
        const char *q = p;
        while (q < stop && (end ? *q != end : *q < 'A' || *q > 'Z'))
                q++;
        return q < stop && mdadm_decimal(p, (size_t) (q - p));
}

/* "[=>....]  recovery =  8.5% (16775552/195310144) finish=17.0min
 * speed=259783K/sec": the blocks synced so far. */
static bool mdadm_sync_line(const char *line, size_t len, uint64_t *ret_synced) {
        struct field f[16];
        int n = split_fields(line, len, f, ELEMENTSOF(f));
        if (n == -E2BIG)
                n = ELEMENTSOF(f);
        bool found = false;
        uint64_t total;
        for (int i = 0; i < n && !found; i++)
                found = mdadm_ratio(f[i].s, f[i].n, '(', ')', ret_synced, &total);
        return found && mdadm_sync_value(line, len, "= ", '%') && mdadm_sync_value(line, len, "finish=", 'm') &&
               mdadm_sync_value(line, len, "speed=", 0);
}

/* One array: its "md0 : active raid1 sda1[0] sdb1[1]" line, the status
 * line after it ("1953260544 blocks super 1.2 [2/2] [UU]"), then a bitmap
 * line or not, then a resync, recovery or check line or not. lines is
 * left where it was: the lines after a device line start with blanks and
 * are passed over by the caller. */
static bool mdadm_read_array(const char *line, size_t len, struct lines after, struct md_array *ret) {
        struct field f[MD_DEVICE_FIELDS];
        if (!split_leading_fields(line, len, f, MD_DEVICE_FIELDS) || !FIELD_EQ(f[1], ":") || f[0].n >= MD_NAME_MAX)
                return false;
        bool inactive = FIELD_EQ(f[2], "inactive");
        if (!inactive && !FIELD_EQ(f[2], "active"))
                return false;

        const char *status;
        size_t status_len;
        if (!lines_next(&after, &status, &status_len) || status_len == 0 || (status[0] != ' ' && status[0] != '\t'))
                return false;
        struct field sf[32];
        int n = split_fields(status, status_len, sf, ELEMENTSOF(sf));
        if (n == -E2BIG)
                n = ELEMENTSOF(sf);
        if (n < 2 || parse_u64_field(sf[0], &ret->blocks) < 0 || !FIELD_EQ(sf[1], "blocks"))
                return false;

        memcpy(ret->name, f[0].s, f[0].n);
        ret->name[f[0].n] = '\0';
        ret->state = inactive ? MD_INACTIVE : MD_ACTIVE;
        ret->failed = mdadm_count(line, len, "(F)");
        ret->spare = mdadm_count(line, len, "(S)");
        /* as node_exporter: raid0 and linear arrays have no [n/m], their
         * disks are the bracketed numbers of the device line; an inactive
         * array has none active */
        if (mdadm_contains(line, len, "raid0") || mdadm_contains(line, len, "linear"))
                ret->disks_required = ret->active = mdadm_count(line, len, "[");
        else if (inactive)
                ret->disks_required = ret->active = 0;
        else if (!mdadm_status_disks(sf, n, &ret->disks_required, &ret->active))
                return false;

        ret->synced = ret->blocks;
        const char *sync;
        size_t sync_len;
        if (!lines_next(&after, &sync, &sync_len))
                return true;
        if (mdadm_contains(sync, sync_len, "bitmap") && !lines_next(&after, &sync, &sync_len))
                return true;
        if (sync_len == 0 || (sync[0] != ' ' && sync[0] != '\t'))
                return true;
        bool recovering = mdadm_contains(sync, sync_len, "recovery");
        bool checking = mdadm_contains(sync, sync_len, "check");
        if (!recovering && !checking && !mdadm_contains(sync, sync_len, "resync"))
                return true;
        ret->state = recovering ? MD_RECOVERING : checking ? MD_CHECK : MD_RESYNC;
        /* resync=PENDING, resync=DELAYED: none synced yet */
        if (mdadm_contains(sync, sync_len, "PENDING") || mdadm_contains(sync, sync_len, "DELAYED")) {
                ret->synced = 0;
                return true;
        }
        return mdadm_sync_line(sync, sync_len, &ret->synced);
}

static bool mdadm_listed(const struct mdadm_state *s, const char *name) {
        for (size_t i = 0; i < s->n_arrays; i++)
                if (strcmp(s->arrays[i].name, name) == 0)
                        return true;
        return false;
}

static bool mdadm_blank(const char *line, size_t len) {
        for (size_t i = 0; i < len; i++)
                if (line[i] != ' ' && line[i] != '\t')
                        return false;
        return true;
}

static int mdadm_collect(void *state, struct collect_ctx *ctx) {
        struct mdadm_state *s = state;
        int r = optional_file_read(&s->mdstat, s->procfs, "mdstat", false, FILE_MAX_TABLE, &s->file);
        if (r < 0)
                return r;
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len;
        unsigned bad = 0;
        s->n_arrays = 0;
        while (lines_next(&lines, &line, &len)) {
                if (mdadm_blank(line, len) || line[0] == ' ' || line[0] == '\t' ||
                    (len >= 13 && memcmp(line, "Personalities", 13) == 0) ||
                    (len >= 6 && memcmp(line, "unused", 6) == 0))
                        continue;
                if (array_reserve((void **) &s->arrays, &s->cap_arrays, s->n_arrays + 1, sizeof(*s->arrays)) < 0)
                        return -ENOMEM;
                /* an array is listed once: a repeat is garbage, not a second series */
                if (mdadm_read_array(line, len, lines, &s->arrays[s->n_arrays]) &&
                    !mdadm_listed(s, s->arrays[s->n_arrays].name))
                        s->n_arrays++;
                else
                        bad++;
        }
        ctx->parse_errors += bad;
        if (s->n_arrays == 0)
                return bad > 0 ? -EINVAL : 0; /* no arrays is no error; a file of garbage is */

        const struct md_array *a = s->arrays, *end = s->arrays + s->n_arrays;
        (void) metric_set_family(ctx->set, &blocks_desc);
        for (const struct md_array *m = a; m < end; m++)
                (void) metric_set_sample1(ctx->set, (double) m->blocks, m->name);
        (void) metric_set_family(ctx->set, &blocks_synced_desc);
        for (const struct md_array *m = a; m < end; m++)
                (void) metric_set_sample1(ctx->set, (double) m->synced, m->name);
        (void) metric_set_family(ctx->set, &disks_desc);
        for (const struct md_array *m = a; m < end; m++) {
                (void) metric_set_sample2(ctx->set, (double) m->active, m->name, "active");
                (void) metric_set_sample2(ctx->set, (double) m->failed, m->name, "failed");
                (void) metric_set_sample2(ctx->set, (double) m->spare, m->name, "spare");
        }
        (void) metric_set_family(ctx->set, &disks_required_desc);
        for (const struct md_array *m = a; m < end; m++)
                (void) metric_set_sample1(ctx->set, (double) m->disks_required, m->name);
        (void) metric_set_family(ctx->set, &state_desc);
        for (const struct md_array *m = a; m < end; m++)
                for (size_t k = 0; k < N_MD_STATES; k++)
                        (void) metric_set_sample2(ctx->set, m->state == (enum md_state) k ? 1 : 0, m->name,
                                                  md_state_names[k]);
        return ctx->set->error;
}

const struct collector mdadm_collector = {
        .name = "mdadm",
        .help = "Software RAID arrays, their disks and sync progress, from /proc/mdstat",
        .default_enabled = true,
        .init = mdadm_init,
        .collect = mdadm_collect,
        .free = mdadm_free,
};
