/* agent/fileio.c: file stamps, and the bound on every way of reading a
 * file into memory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "fileio.h"
#include "macro.h"
#include "scrape_cache.h"

static void write_file(const char *path, const char *text) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
}

/* A stamp says "unchanged" only for what did not change, and only once a
 * second has passed since the last change (two changes in one tick of the
 * filesystem's clock look alike). */
/* root and rel joined by one slash, root's trailing slashes dropped (but
 * for "/" itself), and -ENAMETOOLONG rather than a cut path: the exact
 * fit and one byte short. */
static void test_path_join(_unused_ void **state) {
        char out[16];
        assert_int_equal(path_join(out, sizeof(out), "/proc", "stat"), 0);
        assert_string_equal(out, "/proc/stat");
        assert_int_equal(path_join(out, sizeof(out), "/proc///", "net/dev"), 0);
        assert_string_equal(out, "/proc/net/dev");
        assert_int_equal(path_join(out, sizeof(out), "/", "etc"), 0);
        assert_string_equal(out, "//etc");
        assert_int_equal(path_join(out, sizeof(out), "", "x"), 0);
        assert_string_equal(out, "/x");
        assert_int_equal(path_join(out, sizeof(out), "/sys", "0123456789"), 0); /* 15 bytes and the NUL */
        assert_string_equal(out, "/sys/0123456789");
        memset(out, 'z', sizeof(out));
        assert_int_equal(path_join(out, sizeof(out), "/sys", "0123456789a"), -ENAMETOOLONG);
        assert_int_equal(path_join(out, 1, "", ""), -ENAMETOOLONG);
}

/* str_copy: snprintf's "%s" without the format: cut, always ended. */
static void test_str_copy(_unused_ void **state) {
        char out[4];
        str_copy(out, sizeof(out), "up");
        assert_string_equal(out, "up");
        str_copy(out, sizeof(out), "down");
        assert_string_equal(out, "dow");
        str_copy(out, sizeof(out), "");
        assert_string_equal(out, "");
        str_copy(out, 1, "x");
        assert_string_equal(out, "");
}

static void test_file_stamp(_unused_ void **state) {
        char dir[] = "/tmp/vigie-test-stamp.XXXXXX", path[64], tmp[64];
        assert_non_null(mkdtemp(dir));
        (void) snprintf(path, sizeof(path), "%s/f", dir);
        (void) snprintf(tmp, sizeof(tmp), "%s/f.tmp", dir);
        struct file_stamp f = {0}, d = {0};
        assert_false(file_stamp_unchanged(&f, dir, "f")); /* never looked */
        assert_true(file_stamp_unchanged(&f, dir, "f"));  /* still missing */
        assert_false(file_stamp_unchanged(&d, dir, "."));
        write_file(path, "one\n");
        assert_false(file_stamp_unchanged(&f, dir, "f")); /* appeared */
        assert_false(file_stamp_unchanged(&f, dir, "f")); /* changed less than a second ago */
        assert_false(file_stamp_unchanged(&d, dir, "."));
        usleep(1100 * 1000);
        assert_false(file_stamp_unchanged(&f, dir, "f")); /* the stamp was taken too soon */
        assert_true(file_stamp_unchanged(&f, dir, "f"));
        assert_false(file_stamp_unchanged(&d, dir, "."));
        assert_true(file_stamp_unchanged(&d, dir, "."));
        write_file(path, "two\n"); /* in place, same size */
        assert_false(file_stamp_unchanged(&f, dir, "f"));
        assert_true(file_stamp_unchanged(&d, dir, ".")); /* the entries did not change */
        usleep(1100 * 1000);
        assert_false(file_stamp_unchanged(&f, dir, "f"));
        assert_true(file_stamp_unchanged(&f, dir, "f"));
        write_file(tmp, "three\n");
        assert_int_equal(rename(tmp, path), 0); /* replaced, as udev and package managers do */
        assert_false(file_stamp_unchanged(&f, dir, "f"));
        assert_false(file_stamp_unchanged(&d, dir, "."));
        assert_int_equal(unlink(path), 0);
        assert_false(file_stamp_unchanged(&f, dir, "f"));
        assert_int_equal(rmdir(dir), 0);
}

/* Every way of reading a file into memory has a bound: a file of max
 * bytes is read whole, one byte more is -EFBIG (at the buffer's first
 * sizes and past them), and /dev/zero, which never ends, is refused
 * rather than read until memory runs out. */
static void test_read_bounds(_unused_ void **state) {
        char dir[] = "/tmp/vigie-test-bounds.XXXXXX", path[64];
        assert_non_null(mkdtemp(dir));
        (void) snprintf(path, sizeof(path), "%s/zero", dir);
        assert_int_equal(symlink("/dev/zero", path), 0);
        (void) snprintf(path, sizeof(path), "%s/file", dir);
        static const size_t sizes[] = {1, 4095, 4096, 4097, 10000};
        char text[10000];
        memset(text, 'x', sizeof(text));
        struct buf b = {0};
        for (size_t i = 0; i < ELEMENTSOF(sizes) * 3; i++) {
                const char *name = i < ELEMENTSOF(sizes) * 2 ? "file" : "zero";
                size_t size = sizes[i % ELEMENTSOF(sizes)], max = i < ELEMENTSOF(sizes) ? size : size - 1;
                int want = i < ELEMENTSOF(sizes) ? 0 : -EFBIG;
                FILE *f = fopen(path, "w");
                assert_non_null(f);
                assert_int_equal(fwrite(text, 1, size, f), size);
                assert_int_equal(fclose(f), 0);

                assert_int_equal(read_file_at(dir, name, max, &b), want);
                if (want == 0)
                        assert_int_equal(b.len, size);
                char rel[PATH_MAX];
                (void) snprintf(rel, sizeof(rel), "%s/%s", dir, name);
                int fd = open(rel, O_RDONLY | O_CLOEXEC);
                assert_true(fd >= 0);
                assert_int_equal(read_fd(fd, max, &b), want);
                (void) close(fd);
                struct kernel_file kf = {0};
                assert_int_equal(kernel_file_read(&kf, dir, name, max, &b), want);
                kernel_file_close(&kf);
                assert_int_equal(kernel_file_read_one_piece(&kf, dir, name, max, &b), want);
                if (want == 0)
                        assert_int_equal(b.len, size);
                kernel_file_close(&kf);
                assert_int_equal(kernel_file_read_records(&kf, dir, name, 256, max, &b), want);
                if (want == 0)
                        assert_int_equal(b.len, size);
                kernel_file_close(&kf);
                struct scrape_cache sc = {0};
                const struct buf *content;
                scrape_cache_next(&sc);
                assert_int_equal(scrape_cache_file(&sc, dir, name, i % 2, max, &content), want);
                scrape_cache_free(&sc);
        }
        buf_free(&b);
        assert_int_equal(unlink(path), 0);
        (void) snprintf(path, sizeof(path), "%s/zero", dir);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
}

/* What a file's size says is checked only where it means something: a
 * regular file read whole (from its start, or from where a descriptor
 * stands) and the kernel's files, which give no true size (procfs says
 * 0, sysfs a page), are not taken for files cut short, and nothing is
 * counted. (A file cut short is made by tests/integration/fuse_faults.c,
 * in the collector-faults test.) */
static void test_whole_reads(_unused_ void **state) {
        char dir[] = "/tmp/vigie-test-whole.XXXXXX", path[64];
        assert_non_null(mkdtemp(dir));
        (void) snprintf(path, sizeof(path), "%s/no-newline", dir);
        write_file(path, "536870912");
        unsigned long faults = fileio_read_faults();
        struct buf b = {0};
        char v[64];
        assert_int_equal(read_file_at(dir, "no-newline", FILE_MAX_SMALL, &b), 0);
        assert_string_equal(b.data, "536870912");
        assert_int_equal(read_attr_at(dir, "no-newline", v, sizeof(v)), 9);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(lseek(fd, 3, SEEK_SET), 3);
        assert_int_equal(read_fd(fd, FILE_MAX_SMALL, &b), 0); /* the rest, from where it stood */
        assert_string_equal(b.data, "870912");
        (void) close(fd);
        struct kernel_file kf = {0};
        assert_int_equal(kernel_file_read(&kf, dir, "no-newline", FILE_MAX_SMALL, &b), 0);
        kernel_file_close(&kf);

        assert_int_equal(read_file_at("/proc", "self/stat", FILE_MAX_SMALL, &b), 0);
        assert_true(b.len > 0);
        assert_int_equal(kernel_file_read_one_piece(&kf, "/proc", "self/statm", FILE_MAX_SMALL, &b), 0);
        assert_true(b.len > 0);
        kernel_file_close(&kf);
        /* a sysfs attribute: a page by its size, a few bytes read */
        if (read_attr("/sys/kernel/mm/transparent_hugepage/enabled", v, sizeof(v)) != -ENOENT)
                assert_true(read_attr("/sys/kernel/mm/transparent_hugepage/enabled", v, sizeof(v)) > 0);
        if (read_file_at("/sys", "devices/system/cpu/online", FILE_MAX_SMALL, &b) != -ENOENT)
                assert_int_equal(read_file_at("/sys", "devices/system/cpu/online", FILE_MAX_SMALL, &b), 0);
        assert_int_equal(fileio_read_faults(), faults);
        buf_free(&b);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
}

/* A seq_file made record by record, read by records, is read to its end
 * although each read of it stops short at a page: net/udp with 150
 * sockets of this process (128 bytes a line, about 19 KB) holds every one
 * of them, on the first read from a kept descriptor and on the next (from
 * offset 0 again); and once they are closed, the short file again. */
static void test_read_records_seq_file(_unused_ void **state) {
        enum { N = 150 };
        int fds[N];
        unsigned ports[N];
        for (size_t i = 0; i < N; i++) {
                fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
                socklen_t len = sizeof(a);
                if (fds[i] < 0 || bind(fds[i], (struct sockaddr *) &a, sizeof(a)) < 0 ||
                    getsockname(fds[i], (struct sockaddr *) &a, &len) < 0)
                        skip(); /* no UDP on loopback here */
                ports[i] = ntohs(a.sin_port);
        }
        struct kernel_file kf = {0};
        struct buf b = {0};
        for (int round = 0; round < 2; round++) {
                assert_int_equal(kernel_file_read_records(&kf, "/proc", "self/net/udp", 256, FILE_MAX_TABLE, &b), 0);
                assert_true(b.len > (size_t) N * 128);
                for (size_t i = 0; i < N; i++) {
                        char want[32];
                        (void) snprintf(want, sizeof(want), "0100007F:%04X ", ports[i]); /* local_address */
                        assert_non_null(strstr(b.data, want));
                }
        }
        for (size_t i = 0; i < N; i++)
                (void) close(fds[i]);
        assert_int_equal(kernel_file_read_records(&kf, "/proc", "self/net/udp", 256, FILE_MAX_TABLE, &b), 0);
        assert_non_null(strstr(b.data, "local_address"));
        for (size_t i = 0; i < N; i++) {
                char want[32];
                (void) snprintf(want, sizeof(want), "0100007F:%04X ", ports[i]);
                assert_null(strstr(b.data, want));
        }
        kernel_file_close(&kf);
        buf_free(&b);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_path_join),   cmocka_unit_test(test_str_copy),
                cmocka_unit_test(test_file_stamp),  cmocka_unit_test(test_read_bounds),
                cmocka_unit_test(test_whole_reads), cmocka_unit_test(test_read_records_seq_file),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
