/* The scrape's own cache of shared reads. */
#include "scrape_cache.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "absence.h"

int scrape_cache_file(struct scrape_cache *c, const char *root, const char *rel, bool one_piece, size_t max,
                      const struct buf **ret) {
        char path[PATH_MAX];
        int r = path_join(path, sizeof(path), root, rel);
        if (r < 0)
                return r;
        struct scrape_cache_file *item = NULL;
        for (size_t i = 0; i < c->n_files && !item; i++)
                if (strcmp(c->files[i].path, path) == 0)
                        item = &c->files[i];
        if (!item) {
                if (c->n_files == SCRAPE_CACHE_FILES)
                        return -E2BIG; /* a bug: SCRAPE_CACHE_FILES is the number of shared files */
                item = &c->files[c->n_files];
                *item = (struct scrape_cache_file){0};
                item->path = strdup(path);
                if (!item->path)
                        return -ENOMEM;
                item->scrape = c->scrape - 1; /* not read yet */
                c->n_files++;
        }
        if (item->scrape != c->scrape) {
                if (optional_still_missing(&item->missing_until_ns))
                        item->result = -ENOENT;
                else
                        item->result = optional_note(
                                &item->missing_until_ns,
                                one_piece ? kernel_file_read_one_piece(&item->kf, root, rel, max, &item->content)
                                          : kernel_file_read(&item->kf, root, rel, max, &item->content));
                item->scrape = c->scrape;
        }
        *ret = &item->content;
        return item->result;
}

int scrape_cache_once(struct scrape_cache *c, enum scrape_cache_kind kind, size_t size, void (*init)(void *data),
                      int (*make)(void *data), void (*release)(void *data), void **ret_data) {
        struct scrape_cache_slot *slot = &c->slots[kind];
        if (!slot->data) {
                slot->data = calloc(1, size);
                if (!slot->data)
                        return -ENOMEM;
                if (init)
                        init(slot->data);
                slot->release = release;
                slot->scrape = c->scrape - 1; /* not made yet */
        }
        if (slot->scrape != c->scrape) {
                slot->result = make(slot->data);
                slot->scrape = c->scrape;
        }
        *ret_data = slot->data;
        return slot->result;
}

void scrape_cache_free(struct scrape_cache *c) {
        for (size_t i = 0; i < c->n_files; i++) {
                free(c->files[i].path);
                kernel_file_close(&c->files[i].kf);
                buf_free(&c->files[i].content);
        }
        for (size_t k = 0; k < SCRAPE_CACHE_KINDS; k++)
                if (c->slots[k].data) {
                        if (c->slots[k].release)
                                c->slots[k].release(c->slots[k].data);
                        free(c->slots[k].data);
                }
        *c = (struct scrape_cache){0};
}
