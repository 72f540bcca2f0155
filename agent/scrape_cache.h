/* The scrape's own cache: what several collectors of one scrape read
 * alike, made by the first that asks and handed to the others, so that the
 * kernel generates it once (cpu and stat both parse /proc/stat; netdev and
 * netclass both read one rtnetlink dump; sockstat and udp_queues both read
 * /proc/net/sockstat and sockstat6). Two kinds of entry: kernel files
 * by path, and a slot per kind of result that is not a file. The scrape
 * engine owns one cache per configuration (and one per background
 * collector, whose refreshes run beside scrapes) and moves it to the next
 * scrape before collecting; collectors find it in their collect_ctx. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fileio.h"

/* the kernel files shared today: /proc/stat, /proc/net/sockstat and
 * sockstat6, and room to spare */
#define SCRAPE_CACHE_FILES 6

/* The results that are not files, a slot each. */
enum scrape_cache_kind {
        SCRAPE_CACHE_NETLINK_LINKS, /* collectors/netlink_links.h */
        SCRAPE_CACHE_KINDS,
};

struct scrape_cache {
        uint64_t scrape;
        size_t n_files;
        struct scrape_cache_file {
                char *path; /* root/rel; allocated at first use */
                struct kernel_file kf;
                struct buf content;
                uint64_t scrape; /* when content was read */
                int result;
                uint64_t missing_until_ns; /* absence.h */
        } files[SCRAPE_CACHE_FILES];
        struct scrape_cache_slot {
                void *data; /* allocated at first use */
                void (*release)(void *data);
                uint64_t scrape; /* when data was made */
                int result;
        } slots[SCRAPE_CACHE_KINDS];
};

/* root/rel's content in this scrape, read now or earlier in the same
 * scrape (with kernel_file_read_one_piece when one_piece, up to max bytes,
 * which every reader of the file gives alike); 0 or a negative errno. A
 * file found missing is not looked for again for a minute (absence.h):
 * -ENOENT at once until then. */
int scrape_cache_file(struct scrape_cache *c, const char *root, const char *rel, bool one_piece, size_t max,
                      const struct buf **ret);

/* The result of kind in this scrape: make(data) runs at the first call of
 * each scrape and its return is every call's. data, size bytes, is set up
 * by init at first use and kept from scrape to scrape (descriptors and
 * buffers stay warm); release frees what it holds when the cache goes.
 * *ret_data is the caller's to read until the next scrape. */
int scrape_cache_once(struct scrape_cache *c, enum scrape_cache_kind kind, size_t size, void (*init)(void *data),
                      int (*make)(void *data), void (*release)(void *data), void **ret_data);

static inline void scrape_cache_next(struct scrape_cache *c) {
        c->scrape++;
}
void scrape_cache_free(struct scrape_cache *c);
