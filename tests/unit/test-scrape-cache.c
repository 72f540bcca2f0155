/* The scrape's cache (agent/scrape_cache.c): a kernel file and a slot's
 * result are made once per scrape, whoever asks first, and again at the
 * next scrape; a slot's data stays warm between scrapes and is released
 * with the cache. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "macro.h"
#include "scrape_cache.h"

static void write_file(const char *path, const char *text) {
        FILE *f = fopen(path, "r+");
        if (!f)
                f = fopen(path, "w");
        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
}

/* A file shared by collectors is read once per scrape: a second reader in
 * the same scrape gets the content the first one read, the next scrape
 * reads again. */
static void test_file_once_per_scrape(_unused_ void **state) {
        char dir[] = "/tmp/vigie-test-shared.XXXXXX", path[64];
        assert_non_null(mkdtemp(dir));
        (void) snprintf(path, sizeof(path), "%s/stat", dir);
        write_file(path, "one\n");
        struct scrape_cache c = {0};
        const struct buf *b;
        scrape_cache_next(&c);
        assert_int_equal(scrape_cache_file(&c, dir, "stat", false, FILE_MAX_SMALL, &b), 0);
        assert_string_equal(b->data, "one\n");
        write_file(path, "two\n"); /* same inode: a pread would see it */
        assert_int_equal(scrape_cache_file(&c, dir, "stat", false, FILE_MAX_SMALL, &b), 0);
        assert_string_equal(b->data, "one\n");
        scrape_cache_next(&c);
        assert_int_equal(scrape_cache_file(&c, dir, "stat", false, FILE_MAX_SMALL, &b), 0);
        assert_string_equal(b->data, "two\n");
        assert_int_equal(scrape_cache_file(&c, dir, "missing", false, FILE_MAX_SMALL, &b), -ENOENT);
        assert_int_equal(scrape_cache_file(&c, dir, "missing", false, FILE_MAX_SMALL, &b), -ENOENT); /* remembered */
        assert_int_equal(c.n_files, 2);
        /* a missing file is not looked for in the next scrapes of the
         * minute, even once it is there (sockstat6 on a host without IPv6) */
        (void) snprintf(path, sizeof(path), "%s/missing", dir);
        write_file(path, "here\n");
        scrape_cache_next(&c);
        assert_int_equal(scrape_cache_file(&c, dir, "missing", false, FILE_MAX_SMALL, &b), -ENOENT);
        c.files[1].missing_until_ns = 1; /* the minute is over */
        scrape_cache_next(&c);
        assert_int_equal(scrape_cache_file(&c, dir, "missing", false, FILE_MAX_SMALL, &b), 0);
        assert_string_equal(b->data, "here\n");
        scrape_cache_free(&c);
        assert_int_equal(unlink(path), 0);
        (void) snprintf(path, sizeof(path), "%s/stat", dir);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
}

struct counted {
        int inits, makes, releases;
        int value;
};
static struct counted seen; /* what the slot's callbacks saw, after release too */

static void counted_init(void *data) {
        ((struct counted *) data)->inits++;
        seen.inits++;
}
static int counted_make(void *data) {
        struct counted *c = data;
        c->makes++;
        c->value = c->makes * 10;
        seen.makes++;
        return c->makes == 2 ? -EIO : 0; /* the second scrape's fails */
}
static void counted_release(void *data) {
        (void) data;
        seen.releases++;
}

/* A slot is set up once, made once per scrape (its result, failure too,
 * given to every caller of that scrape), keeps its data between scrapes,
 * and is released with the cache. */
static void test_slot_once_per_scrape(_unused_ void **state) {
        seen = (struct counted){0};
        struct scrape_cache c = {0};
        void *d = NULL, *d2 = NULL;
        scrape_cache_next(&c);
        assert_int_equal(scrape_cache_once(&c, SCRAPE_CACHE_NETLINK_LINKS, sizeof(struct counted), counted_init,
                                           counted_make, counted_release, &d),
                         0);
        assert_int_equal(scrape_cache_once(&c, SCRAPE_CACHE_NETLINK_LINKS, sizeof(struct counted), counted_init,
                                           counted_make, counted_release, &d2),
                         0);
        assert_ptr_equal(d, d2);
        assert_int_equal(((struct counted *) d)->value, 10);
        assert_int_equal(seen.makes, 1);
        scrape_cache_next(&c);
        for (int i = 0; i < 2; i++)
                assert_int_equal(scrape_cache_once(&c, SCRAPE_CACHE_NETLINK_LINKS, sizeof(struct counted), counted_init,
                                                   counted_make, counted_release, &d2),
                                 -EIO);
        assert_ptr_equal(d, d2); /* the same data, kept warm */
        assert_int_equal(seen.makes, 2);
        scrape_cache_next(&c);
        assert_int_equal(scrape_cache_once(&c, SCRAPE_CACHE_NETLINK_LINKS, sizeof(struct counted), counted_init,
                                           counted_make, counted_release, &d2),
                         0);
        assert_int_equal(((struct counted *) d2)->value, 30);
        assert_int_equal(seen.inits, 1);
        assert_int_equal(seen.releases, 0);
        scrape_cache_free(&c);
        assert_int_equal(seen.releases, 1);
        scrape_cache_free(&c); /* twice is harmless */
        assert_int_equal(seen.releases, 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_file_once_per_scrape),
                cmocka_unit_test(test_slot_once_per_scrape),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
