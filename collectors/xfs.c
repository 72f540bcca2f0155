/* xfs: each mounted XFS file system's counters, from
 * /sys/fs/xfs/<device>/stats/stats, as node_exporter 1.5: extent
 * allocation, the allocation and block map B-trees, block mapping,
 * directory, inode and vnode operations, read and write calls, labelled
 * by device. No XFS mounted, no /sys/fs/xfs. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "counter_lines.h"
#include "dirlist.h"
#include "optional_file.h"

enum { LINE_EXTENT_ALLOC, LINE_ABT, LINE_BLK_MAP, LINE_BMBT, LINE_DIR, LINE_IG, LINE_RW, LINE_VNODES, N_LINES };

/* node_exporter reads only these lines, so a bad value elsewhere is not seen */
static const struct counter_line_kind xfs_lines[N_LINES] = {
        [LINE_EXTENT_ALLOC] = {"extent_alloc", SHAPE_FIXED, 4, 0},
        [LINE_ABT] = {"abt", SHAPE_FIXED, 4, 0},
        [LINE_BLK_MAP] = {"blk_map", SHAPE_FIXED, 7, 0},
        [LINE_BMBT] = {"bmbt", SHAPE_FIXED, 4, 0},
        [LINE_DIR] = {"dir", SHAPE_FIXED, 4, 0},
        [LINE_IG] = {"ig", SHAPE_FIXED, 7, 0},
        [LINE_RW] = {"rw", SHAPE_FIXED, 2, 0},
        /* seven before Linux 2.6.29 added "free", which is not exported */
        [LINE_VNODES] = {"vnodes", SHAPE_AT_LEAST, 7, 0},
};

static const char *const device_label[] = {"device"};
#define XFS_FAMILY(field, text)                                                                                        \
        { "node_xfs_" field "_total", "Number of " text, METRIC_COUNTER, 1, device_label }
static const struct metric_desc xfs_descs[] = {
        XFS_FAMILY("extent_allocation_extents_allocated", "extents allocated for a filesystem."),
        XFS_FAMILY("extent_allocation_blocks_allocated", "blocks allocated for a filesystem."),
        XFS_FAMILY("extent_allocation_extents_freed", "extents freed for a filesystem."),
        XFS_FAMILY("extent_allocation_blocks_freed", "blocks freed for a filesystem."),
        XFS_FAMILY("allocation_btree_lookups", "allocation B-tree lookups for a filesystem."),
        XFS_FAMILY("allocation_btree_compares", "allocation B-tree compares for a filesystem."),
        XFS_FAMILY("allocation_btree_records_inserted", "allocation B-tree records inserted for a filesystem."),
        XFS_FAMILY("allocation_btree_records_deleted", "allocation B-tree records deleted for a filesystem."),
        XFS_FAMILY("block_mapping_reads", "block map for read operations for a filesystem."),
        XFS_FAMILY("block_mapping_writes", "block map for write operations for a filesystem."),
        XFS_FAMILY("block_mapping_unmaps", "block unmaps (deletes) for a filesystem."),
        XFS_FAMILY("block_mapping_extent_list_insertions", "extent list insertions for a filesystem."),
        XFS_FAMILY("block_mapping_extent_list_deletions", "extent list deletions for a filesystem."),
        XFS_FAMILY("block_mapping_extent_list_lookups", "extent list lookups for a filesystem."),
        XFS_FAMILY("block_mapping_extent_list_compares", "extent list compares for a filesystem."),
        XFS_FAMILY("block_map_btree_lookups", "block map B-tree lookups for a filesystem."),
        XFS_FAMILY("block_map_btree_compares", "block map B-tree compares for a filesystem."),
        XFS_FAMILY("block_map_btree_records_inserted", "block map B-tree records inserted for a filesystem."),
        XFS_FAMILY("block_map_btree_records_deleted", "block map B-tree records deleted for a filesystem."),
        XFS_FAMILY("directory_operation_lookup", "file name directory lookups which miss the operating systems "
                                                 "directory name lookup cache."),
        XFS_FAMILY("directory_operation_create", "times a new directory entry was created for a filesystem."),
        /* sic: node_exporter 1.5's help */
        XFS_FAMILY("directory_operation_remove", "times an existing directory entry was created for a filesystem."),
        XFS_FAMILY("directory_operation_getdents",
                   "times the directory getdents operation was performed for a filesystem."),
        XFS_FAMILY("inode_operation_attempts", "times the OS looked for an XFS inode in the inode cache."),
        XFS_FAMILY("inode_operation_found", "times the OS looked for and found an XFS inode in the inode cache."),
        XFS_FAMILY("inode_operation_recycled",
                   "times the OS found an XFS inode in the cache, but could not use it as it was being recycled."),
        XFS_FAMILY("inode_operation_missed", "times the OS looked for an XFS inode in the cache, but did not find it."),
        XFS_FAMILY("inode_operation_duplicates", "times the OS tried to add a missing XFS inode to the inode cache, "
                                                 "but found it had already been added by another process."),
        XFS_FAMILY("inode_operation_reclaims", "times the OS reclaimed an XFS inode from the inode cache to free "
                                               "memory for another purpose."),
        XFS_FAMILY("inode_operation_attribute_changes",
                   "times the OS explicitly changed the attributes of an XFS inode."),
        /* the kernel counts write calls first */
        XFS_FAMILY("write_calls", "write(2) system calls made to files in a filesystem."),
        XFS_FAMILY("read_calls", "read(2) system calls made to files in a filesystem."),
        XFS_FAMILY("vnode_active", "vnodes not on free lists for a filesystem."),
        XFS_FAMILY("vnode_allocate", "times vn_alloc called for a filesystem."),
        XFS_FAMILY("vnode_get", "times vn_get called for a filesystem."),
        XFS_FAMILY("vnode_hold", "times vn_hold called for a filesystem."),
        XFS_FAMILY("vnode_release", "times vn_rele called for a filesystem."),
        XFS_FAMILY("vnode_reclaim", "times vn_reclaim called for a filesystem."),
        XFS_FAMILY("vnode_remove", "times vn_remove called for a filesystem."),
};

/* xfs_descs in order: the lines' values, one family each */
static const struct {
        unsigned line, n;
} xfs_values[] = {{LINE_EXTENT_ALLOC, 4}, {LINE_ABT, 4}, {LINE_BLK_MAP, 7}, {LINE_BMBT, 4},
                  {LINE_DIR, 4},          {LINE_IG, 7},  {LINE_RW, 2},      {LINE_VNODES, 7}};

struct xfs_state {
        char dir[PATH_MAX];
        uint64_t missing_until_ns;
        struct dirlist devices;
        struct buf file;
        struct counter_line lines[N_LINES];
        struct counter_output outputs[ELEMENTSOF(xfs_descs)];
};

static int xfs_init(const struct collector_env *env, _unused_ const struct config_section *section,
                    _unused_ struct diag *diag, void **ret_state) {
        struct xfs_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "fs/xfs") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        size_t o = 0;
        for (size_t i = 0; i < ELEMENTSOF(xfs_values); i++)
                for (unsigned k = 0; k < xfs_values[i].n && o < ELEMENTSOF(xfs_descs); k++, o++)
                        s->outputs[o] = (struct counter_output){&xfs_descs[o], xfs_values[i].line, k, 1, NULL, NULL};
        *ret_state = s;
        return 0;
}

static void xfs_free(void *state) {
        struct xfs_state *s = state;
        if (!s)
                return;
        dirlist_free(&s->devices);
        buf_free(&s->file);
        free(s);
}

static int xfs_collect(void *state, struct collect_ctx *ctx) {
        struct xfs_state *s = state;
        int r = optional_dirlist_read(&s->missing_until_ns, &s->devices, s->dir);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->devices.n; i++) {
                const char *device = dirlist_name(&s->devices, i);
                /* the kernel's global stats (the file stats/stats), beside
                 * the file systems' directories: no stats/stats/stats under
                 * it, and no file system has that name, so not looked for */
                if (strcmp(device, "stats") == 0)
                        continue;
                char rel[NAME_MAX + 16];
                if (path_join(rel, sizeof(rel), device, "stats/stats") < 0)
                        continue;
                r = read_file_at(s->dir, rel, FILE_MAX_SMALL, &s->file);
                if (r == -ENOENT || r == -ENOTDIR)
                        continue;
                if (r < 0)
                        return r;
                counter_lines_parse(&s->file, xfs_lines, N_LINES, s->lines, &ctx->parse_errors);
                r = counter_lines_emit(ctx->set, s->outputs, ELEMENTSOF(s->outputs), s->lines, device);
                if (r < 0)
                        return r;
        }
        return ctx->set->error;
}

const struct collector xfs_collector = {
        .name = "xfs",
        .help = "XFS allocation, B-tree, block mapping, inode, vnode and I/O call counters per file system, "
                "from /sys/fs/xfs",
        .default_enabled = true,
        .init = xfs_init,
        .collect = xfs_collect,
        .free = xfs_free,
};
