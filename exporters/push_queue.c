/* Disk queue: segment files of records, and a head file saying where the
 * next record to send is. A record is a 24-byte header (magic, payload
 * length, checksum, sample count, timestamp) and the payload; the checksum
 * (CRC-32) covers the header fields after it and the payload. The head
 * file is replaced atomically (write, fsync, rename) after every
 * acknowledgement. */
#include "push_queue.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <isa-l/crc.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "macro.h"

#define MAGIC 0x31514756u /* "VGQ1" */
#define HEADER 24
/* small enough that a draining queue gives disk space back as it goes */
#define SEGMENT_MAX (256u << 10)
#define RECORD_MAX (64u << 20)

struct header {
        uint32_t magic, len, crc, samples;
        int64_t ts_ms;
};

struct push_queue {
        pthread_mutex_t lock;
        char dir[PATH_MAX];
        uint64_t max_bytes;
        bool fsync_each;
        uint64_t *segs; /* ids, ascending; the last is the tail */
        uint64_t *sizes;
        size_t n_segs, cap_segs;
        uint64_t head_off; /* in segs[0] */
        int tail_fd;
        struct push_queue_stats st;
        uint32_t peeked_len, peeked_samples; /* what peek found at the head */
        bool peeked;
};

static void seg_path(const struct push_queue *q, uint64_t id, char *out, size_t size) {
        (void) snprintf(out, size, "%s/%016" PRIx64 ".seg", q->dir, id);
}

static uint32_t record_crc(const struct header *h, const void *payload) {
        uint8_t tail[12];
        memcpy(tail, &h->samples, 4);
        memcpy(tail + 4, &h->ts_ms, 8);
        /* ISA-L's gzip CRC-32 is zlib's: queues written before the switch
         * still read */
        uint32_t c = crc32_gzip_refl(0, tail, sizeof(tail));
        return crc32_gzip_refl(c, payload, h->len);
}

static int read_header(int fd, uint64_t off, struct header *h) {
        uint8_t b[HEADER];
        ssize_t n = pread(fd, b, sizeof(b), (off_t) off);
        if (n < 0)
                return -errno;
        if (n < HEADER)
                return -ENODATA;
        memcpy(&h->magic, b, 4);
        memcpy(&h->len, b + 4, 4);
        memcpy(&h->crc, b + 8, 4);
        memcpy(&h->samples, b + 12, 4);
        memcpy(&h->ts_ms, b + 16, 8);
        return h->magic == MAGIC && h->len <= RECORD_MAX ? 0 : -EBADMSG;
}

static int fsync_dir(const char *dir) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = fsync(fd) < 0 ? -errno : 0;
        (void) close(fd);
        return r;
}

static int save_head(struct push_queue *q) {
        char tmp[PATH_MAX + 16], path[PATH_MAX + 16];
        (void) snprintf(tmp, sizeof(tmp), "%s/head.tmp", q->dir);
        (void) snprintf(path, sizeof(path), "%s/head", q->dir);
        FILE *f = fopen(tmp, "we");
        if (!f)
                return -errno;
        fprintf(f, "%016" PRIx64 " %" PRIu64 "\n", q->n_segs ? q->segs[0] : 0, q->head_off);
        int r = fflush(f) == 0 && (!q->fsync_each || fsync(fileno(f)) == 0) ? 0 : -errno;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r == 0 && q->fsync_each)
                r = fsync_dir(q->dir);
        return r;
}

static int add_segment(struct push_queue *q, uint64_t id, uint64_t size) {
        if (q->n_segs == q->cap_segs) {
                size_t cap = q->cap_segs ? q->cap_segs * 2 : 16;
                uint64_t *a = reallocarray(q->segs, cap, sizeof(*a));
                if (!a)
                        return -ENOMEM;
                q->segs = a;
                uint64_t *b = reallocarray(q->sizes, cap, sizeof(*b));
                if (!b)
                        return -ENOMEM;
                q->sizes = b;
                q->cap_segs = cap;
        }
        q->segs[q->n_segs] = id;
        q->sizes[q->n_segs] = size;
        q->n_segs++;
        return 0;
}

/* Deletes the first segment, file and entry. */
static void remove_first_segment(struct push_queue *q) {
        char path[PATH_MAX + 32];
        seg_path(q, q->segs[0], path, sizeof(path));
        (void) unlink(path);
        memmove(q->segs, q->segs + 1, (q->n_segs - 1) * sizeof(*q->segs));
        memmove(q->sizes, q->sizes + 1, (q->n_segs - 1) * sizeof(*q->sizes));
        q->n_segs--;
        q->head_off = 0;
}

/* The head segment is done: delete it (unless it is the tail being written). */
static void drop_head_segment(struct push_queue *q) {
        if (q->n_segs > 1)
                remove_first_segment(q);
}

static int open_segment_fd(const struct push_queue *q, size_t i) {
        char path[PATH_MAX + 32];
        seg_path(q, q->segs[i], path, sizeof(path));
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* Counts what is queued from the head on, reading headers only. */
static void scan(struct push_queue *q) {
        q->st.records = q->st.samples = 0;
        for (size_t i = 0; i < q->n_segs; i++) {
                int fd = open_segment_fd(q, i);
                if (fd < 0)
                        continue;
                struct header h = {0};
                for (uint64_t off = i == 0 ? q->head_off : 0;
                     off + HEADER <= q->sizes[i] && read_header(fd, off, &h) == 0; off += HEADER + h.len) {
                        q->st.records++;
                        q->st.samples += h.samples;
                }
                (void) close(fd);
        }
}

static void recount_bytes(struct push_queue *q) {
        q->st.bytes = 0;
        for (size_t i = 0; i < q->n_segs; i++)
                q->st.bytes += q->sizes[i];
        q->st.bytes -= q->n_segs ? q->head_off : 0;
}

int push_queue_open(const char *dir, uint64_t max_bytes, bool fsync_each, struct push_queue **ret) {
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        struct push_queue *q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        (void) pthread_mutex_init(&q->lock, NULL);
        (void) snprintf(q->dir, sizeof(q->dir), "%s", dir);
        q->max_bytes = max_bytes;
        q->fsync_each = fsync_each;
        q->tail_fd = -1;

        DIR *d = opendir(dir);
        if (!d) {
                int r = -errno;
                push_queue_close(q);
                return r;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
                uint64_t id;
                char tail[8];
                struct stat st;
                char path[PATH_MAX + 300];
                if (sscanf(e->d_name, "%16" SCNx64 "%7s", &id, tail) != 2 || strcmp(tail, ".seg") != 0)
                        continue;
                (void) snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
                if (stat(path, &st) == 0 && add_segment(q, id, (uint64_t) st.st_size) < 0) {
                        closedir(d);
                        push_queue_close(q);
                        return -ENOMEM;
                }
        }
        closedir(d);
        /* ids and sizes sorted together by id (a handful of segments) */
        for (size_t i = 1; i < q->n_segs; i++)
                for (size_t j = i; j > 0 && q->segs[j - 1] > q->segs[j]; j--) {
                        uint64_t t = q->segs[j];
                        q->segs[j] = q->segs[j - 1];
                        q->segs[j - 1] = t;
                        t = q->sizes[j];
                        q->sizes[j] = q->sizes[j - 1];
                        q->sizes[j - 1] = t;
                }

        /* where the last acknowledged batch ended */
        char head_path[PATH_MAX + 16];
        (void) snprintf(head_path, sizeof(head_path), "%s/head", dir);
        FILE *f = fopen(head_path, "re");
        uint64_t head_id = 0, head_off = 0;
        if (f) {
                if (fscanf(f, "%" SCNx64 " %" SCNu64, &head_id, &head_off) != 2)
                        head_id = head_off = 0;
                fclose(f);
        }
        /* segments wholly before the head were acknowledged already */
        while (q->n_segs > 0 && q->segs[0] < head_id)
                remove_first_segment(q);
        q->head_off = q->n_segs > 0 && q->segs[0] == head_id && head_off <= q->sizes[0] ? head_off : 0;
        recount_bytes(q);
        scan(q);
        *ret = q;
        return 0;
}

void push_queue_close(struct push_queue *q) {
        if (!q)
                return;
        if (q->tail_fd >= 0)
                (void) close(q->tail_fd);
        free(q->segs);
        free(q->sizes);
        (void) pthread_mutex_destroy(&q->lock);
        free(q);
}

/* Drops the oldest record (to stay in the budget). */
static void drop_oldest(struct push_queue *q) {
        if (q->n_segs == 0)
                return;
        int fd = open_segment_fd(q, 0);
        struct header h = {0};
        if (fd >= 0 && q->head_off + HEADER <= q->sizes[0] && read_header(fd, q->head_off, &h) == 0 &&
            q->head_off + HEADER + h.len <= q->sizes[0]) {
                q->head_off += HEADER + h.len;
                q->st.dropped_budget_samples += h.samples;
                q->st.samples -= h.samples < q->st.samples ? h.samples : q->st.samples;
                q->st.records -= q->st.records > 0;
        } else
                q->head_off = q->sizes[0]; /* unreadable: the rest of the segment goes */
        if (fd >= 0)
                (void) close(fd);
        if (q->head_off >= q->sizes[0])
                drop_head_segment(q);
        q->peeked = false;
        recount_bytes(q);
}

int push_queue_append(struct push_queue *q, const void *data, size_t len, uint32_t n_samples, int64_t ts_ms) {
        (void) pthread_mutex_lock(&q->lock);
        int r = 0;
        uint64_t need = HEADER + len;
        if (len > RECORD_MAX || need > q->max_bytes) {
                q->st.dropped_budget_samples += n_samples;
                r = -E2BIG;
                goto out;
        }
        while (q->st.bytes + need > q->max_bytes && q->st.bytes > 0)
                drop_oldest(q);
        if (q->n_segs == 0 || q->sizes[q->n_segs - 1] + need > SEGMENT_MAX) {
                if (q->tail_fd >= 0)
                        (void) close(q->tail_fd);
                q->tail_fd = -1;
                r = add_segment(q, q->n_segs ? q->segs[q->n_segs - 1] + 1 : 1, 0);
                if (r < 0)
                        goto out;
        }
        if (q->tail_fd < 0) {
                char path[PATH_MAX + 32];
                seg_path(q, q->segs[q->n_segs - 1], path, sizeof(path));
                q->tail_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
                if (q->tail_fd < 0) {
                        r = -errno;
                        q->st.dropped_write_samples += n_samples;
                        goto out;
                }
                if (q->fsync_each)
                        (void) fsync_dir(q->dir);
        }
        struct header h = {.magic = MAGIC, .len = (uint32_t) len, .samples = n_samples, .ts_ms = ts_ms};
        h.crc = record_crc(&h, data);
        uint8_t b[HEADER];
        memcpy(b, &h.magic, 4);
        memcpy(b + 4, &h.len, 4);
        memcpy(b + 8, &h.crc, 4);
        memcpy(b + 12, &h.samples, 4);
        memcpy(b + 16, &h.ts_ms, 8);
        struct iovec iov[2] = {{b, HEADER}, {(void *) data, len}};
        uint64_t before = q->sizes[q->n_segs - 1];
        ssize_t n = writev(q->tail_fd, iov, 2);
        if (n != (ssize_t) need || (q->fsync_each && fdatasync(q->tail_fd) < 0)) {
                /* disk full or an I/O error: take back what was written */
                r = n < 0 ? -errno : -ENOSPC;
                (void) ftruncate(q->tail_fd, (off_t) before);
                q->st.dropped_write_samples += n_samples;
                goto out;
        }
        q->sizes[q->n_segs - 1] += need;
        q->st.bytes += need;
        q->st.records++;
        q->st.samples += n_samples;
out:
        (void) pthread_mutex_unlock(&q->lock);
        return r;
}

/* Finds the next record whose checksum holds after a damaged one. */
static bool resync(struct push_queue *q, int fd, struct buf *scratch) {
        for (uint64_t off = q->head_off + 1; off + HEADER <= q->sizes[0]; off++) {
                struct header h = {0};
                if (read_header(fd, off, &h) < 0 || off + HEADER + h.len > q->sizes[0])
                        continue;
                buf_reset(scratch);
                if (buf_reserve(scratch, h.len) < 0)
                        return false;
                if (pread(fd, scratch->data, h.len, (off_t) (off + HEADER)) != (ssize_t) h.len)
                        continue;
                if (record_crc(&h, scratch->data) == h.crc) {
                        q->head_off = off;
                        return true;
                }
        }
        return false;
}

int push_queue_peek(struct push_queue *q, struct buf *out, uint32_t *ret_samples, int64_t *ret_ts_ms) {
        (void) pthread_mutex_lock(&q->lock);
        int r = -ENOENT;
        while (q->n_segs > 0) {
                if (q->head_off >= q->sizes[0]) {
                        if (q->n_segs == 1)
                                break;
                        drop_head_segment(q);
                        (void) save_head(q);
                        continue;
                }
                int fd = open_segment_fd(q, 0);
                if (fd < 0) {
                        q->head_off = q->sizes[0];
                        continue;
                }
                struct header h = {0};
                bool ok = read_header(fd, q->head_off, &h) == 0 && q->head_off + HEADER + h.len <= q->sizes[0];
                if (ok) {
                        buf_reset(out);
                        ok = buf_reserve(out, h.len) == 0 &&
                             pread(fd, out->data, h.len, (off_t) (q->head_off + HEADER)) == (ssize_t) h.len &&
                             record_crc(&h, out->data) == h.crc;
                }
                if (ok) {
                        (void) close(fd);
                        out->len = h.len;
                        q->peeked = true;
                        q->peeked_len = h.len;
                        q->peeked_samples = h.samples;
                        *ret_samples = h.samples;
                        *ret_ts_ms = h.ts_ms;
                        r = 0;
                        break;
                }
                /* damaged: counted, skipped up to the next sound record */
                q->st.corrupt_records++;
                uint64_t damaged_at = q->head_off;
                if (!resync(q, fd, out))
                        q->head_off = q->sizes[0];
                q->st.corrupt_bytes += q->head_off - damaged_at;
                (void) close(fd);
                (void) save_head(q);
                recount_bytes(q);
                scan(q);
        }
        (void) pthread_mutex_unlock(&q->lock);
        return r;
}

int push_queue_pop(struct push_queue *q) {
        (void) pthread_mutex_lock(&q->lock);
        int r = -ENOENT;
        if (q->peeked && q->n_segs > 0) {
                q->head_off += HEADER + q->peeked_len;
                q->st.records -= q->st.records > 0;
                q->st.samples -= q->peeked_samples < q->st.samples ? q->peeked_samples : q->st.samples;
                q->peeked = false;
                if (q->head_off >= q->sizes[0] && q->n_segs > 1)
                        drop_head_segment(q);
                else if (q->head_off >= q->sizes[0]) {
                        /* empty: the last segment goes too, or its space would
                         * stay taken (a full disk would stay full) */
                        if (q->tail_fd >= 0)
                                (void) close(q->tail_fd);
                        q->tail_fd = -1;
                        remove_first_segment(q);
                }
                recount_bytes(q);
                r = save_head(q);
        }
        (void) pthread_mutex_unlock(&q->lock);
        return r;
}

void push_queue_stats(struct push_queue *q, struct push_queue_stats *ret) {
        (void) pthread_mutex_lock(&q->lock);
        *ret = q->st;
        ret->oldest_ms = 0;
        if (q->n_segs > 0 && q->head_off + HEADER <= q->sizes[0]) {
                int fd = open_segment_fd(q, 0);
                struct header h = {0};
                if (fd >= 0 && read_header(fd, q->head_off, &h) == 0)
                        ret->oldest_ms = h.ts_ms;
                if (fd >= 0)
                        (void) close(fd);
        }
        (void) pthread_mutex_unlock(&q->lock);
}
