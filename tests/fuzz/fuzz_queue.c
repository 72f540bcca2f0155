/* libFuzzer harness for the push queue's reader: the input is a segment
 * file as a kill, a full disk or a stranger may leave it, optionally after
 * a head line ("H" then the head file's text up to a newline). The queue
 * opens it and hands out every batch it still trusts: no crash, no batch
 * longer than the file, and the reader always comes to an end. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "push_queue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(const char *dir, const char *name, const uint8_t *data, size_t size) {
        char p[256];
        (void) snprintf(p, sizeof(p), "%s/%s", dir, name);
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, data, size) != (ssize_t) size || close(fd) < 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char dir[] = "/tmp/vigie-fuzz-queue.XXXXXX";
        if (!mkdtemp(dir))
                abort();
        if (size > 0 && data[0] == 'H') {
                const uint8_t *nl = memchr(data, '\n', size);
                size_t head_len = nl ? (size_t) (nl - data) : size;
                put(dir, "head", data + 1, head_len - 1 + (nl ? 1 : 0));
                data += nl ? head_len + 1 : size;
                size -= nl ? head_len + 1 : size;
        }
        put(dir, "0000000000000001.seg", data, size);

        struct push_queue *q = NULL;
        if (push_queue_open(dir, 64u << 20, false, &q) == 0) {
                struct buf out = {0};
                /* every pop removes a batch: the loop ends by itself, or
                 * this bound says it would not */
                for (unsigned i = 0;; i++) {
                        if (i > size)
                                abort();
                        uint32_t samples;
                        int64_t ts;
                        buf_reset(&out);
                        if (push_queue_peek(q, &out, &samples, &ts) < 0)
                                break;
                        if (out.len > size)
                                abort();
                        if (push_queue_pop(q) < 0)
                                break;
                }
                buf_free(&out);
                push_queue_close(q);
        }
        /* the queue makes only files, no sub-folders */
        DIR *d = opendir(dir);
        if (!d)
                abort();
        for (struct dirent *e; (e = readdir(d));)
                if (e->d_name[0] != '.' || (e->d_name[1] != '\0' && strcmp(e->d_name, "..") != 0))
                        (void) unlinkat(dirfd(d), e->d_name, 0);
        (void) closedir(d);
        if (rmdir(dir) < 0)
                abort();
        return 0;
}
