/* Disk queue: segment files of records, and a head file saying where the
 * next record to send is. A record is a 24-byte header (magic, payload
 * length, checksum, sample count, timestamp) and the payload; the checksum
 * (CRC-32) covers the header fields after it and the payload. The head
 * file is replaced atomically (write, fsync, rename) after every
 * acknowledgement. Segment ids never repeat, across restarts too (the next
 * is past both the last segment's and the head's), so that a head left
 * behind by a kill names a deleted segment, never a later one of the same
 * name: a kill at any step loses nothing and resends at most the batch in
 * flight. Every file is opened relative to the directory, never through a
 * symbolic link. */
#include "push_queue.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <isa-l/crc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "array.h"
#include "diag.h"
#include "dirlist.h"
#include "macro.h"

#define MAGIC 0x31514756u /* "VGQ1" */
#define HEADER 24
/* small enough that a draining queue gives disk space back as it goes */
#define SEGMENT_MAX (256u << 10)
#define RECORD_MAX (64u << 20)
/* a resync reads this much at a time, looking for the magic */
#define RESYNC_CHUNK (64u << 10)
/* and checks at most this many bytes of candidate records: far more than
 * real damage needs (the magic rarely appears by chance), far less than a
 * segment planted with a plausible header every few bytes would ask */
#define RESYNC_CRC_BUDGET ((uint64_t) 64 * SEGMENT_MAX)

struct header {
        uint32_t magic, len, crc, samples;
        int64_t ts_ms;
};

struct segment {
        uint64_t id, size;
};

struct push_queue {
        pthread_mutex_t lock;       /* the disk: append, peek and pop hold it */
        pthread_mutex_t stats_lock; /* held only to copy shown, never across I/O */
        int dir_fd;
        uint64_t max_bytes;
        bool fsync_each;
        atomic_bool hurry;    /* stopping: an acknowledgement no longer waits for fsync */
        struct segment *segs; /* ascending ids; the last is the tail */
        size_t n_segs, cap_segs;
        uint64_t next_id;  /* of the next segment made: above every id used */
        uint64_t head_off; /* in segs[0] */
        int tail_fd;
        struct push_queue_stats st;          /* under lock */
        struct push_queue_stats shown;       /* st at the end of the last operation, under stats_lock */
        uint32_t peeked_len, peeked_samples; /* what peek found at the head */
        bool peeked;
};

static void seg_name(uint64_t id, char out[32]) {
        (void) snprintf(out, 32, "%016" PRIx64 ".seg", id);
}

/* The id of a segment file name as seg_name writes it, or false. */
static bool seg_parse_name(const char *name, uint64_t *ret_id) {
        if (strlen(name) != 20 || strcmp(name + 16, ".seg") != 0)
                return false;
        uint64_t id = 0;
        for (size_t i = 0; i < 16; i++) {
                char c = name[i];
                int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
                if (v < 0)
                        return false;
                id = id << 4 | (uint64_t) v;
        }
        *ret_id = id;
        return true;
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

/* Whether a record of len payload bytes can start at off in a segment of
 * size bytes: append starts a new segment rather than grow one past
 * SEGMENT_MAX, so only a record alone at the start of its segment ends
 * beyond it. */
static bool record_fits(uint64_t off, uint32_t len, uint64_t size) {
        uint64_t end = off + HEADER + len;
        return len <= RECORD_MAX && end <= size && (off == 0 || end <= SEGMENT_MAX);
}

/* 0 when b holds a plausible header of a record at off. */
static int parse_header(const uint8_t *b, uint64_t off, uint64_t size, struct header *h) {
        memcpy(&h->magic, b, 4);
        memcpy(&h->len, b + 4, 4);
        memcpy(&h->crc, b + 8, 4);
        memcpy(&h->samples, b + 12, 4);
        memcpy(&h->ts_ms, b + 16, 8);
        return h->magic == MAGIC && record_fits(off, h->len, size) ? 0 : -EBADMSG;
}

static int read_header(int fd, uint64_t off, uint64_t size, struct header *h) {
        uint8_t b[HEADER];
        ssize_t n = pread(fd, b, sizeof(b), (off_t) off);
        if (n < 0)
                return -errno;
        if (n < HEADER)
                return -ENODATA;
        return parse_header(b, off, size, h);
}

/* Writes where the next record to send is: the first segment and the
 * offset in it, or past every segment made when there is none. head.tmp
 * is made anew, so that a link left in its place is never written
 * through. */
static int save_head(struct push_queue *q) {
        /* at a stop, not durable: a power cut right after resends the
         * batches acknowledged since, it loses nothing */
        bool sync = q->fsync_each && !atomic_load(&q->hurry);
        char line[64];
        int n = snprintf(line, sizeof(line), "%016" PRIx64 " %" PRIu64 "\n", q->n_segs ? q->segs[0].id : q->next_id,
                         q->n_segs ? q->head_off : 0);
        (void) unlinkat(q->dir_fd, "head.tmp", 0);
        _cleanup_close_ int fd =
                openat(q->dir_fd, "head.tmp", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        ssize_t w = write(fd, line, (size_t) n);
        if (w != n)
                return w < 0 ? -errno : -ENOSPC;
        if (sync && fsync(fd) < 0)
                return -errno;
        if (renameat(q->dir_fd, "head.tmp", q->dir_fd, "head") < 0)
                return -errno;
        return sync && !atomic_load(&q->hurry) && fsync(q->dir_fd) < 0 ? -errno : 0;
}

static int add_segment(struct push_queue *q, uint64_t id, uint64_t size) {
        if (array_reserve((void **) &q->segs, &q->cap_segs, q->n_segs + 1, sizeof(*q->segs)) < 0)
                return -ENOMEM;
        q->segs[q->n_segs++] = (struct segment){id, size};
        return 0;
}

/* Deletes the first segment, file and entry (and the tail's descriptor
 * when it was the last). */
static void remove_first_segment(struct push_queue *q) {
        char name[32];
        seg_name(q->segs[0].id, name);
        (void) unlinkat(q->dir_fd, name, 0);
        if (q->n_segs == 1 && q->tail_fd >= 0) {
                (void) close(q->tail_fd);
                q->tail_fd = -1;
        }
        memmove(q->segs, q->segs + 1, (q->n_segs - 1) * sizeof(*q->segs));
        q->n_segs--;
        q->head_off = 0;
}

/* Deletes the segments the head is past, the last one too: an emptied
 * queue gives its space back (a full disk would stay full). Before the
 * head is written, so that a full disk has room for it: a head left naming
 * a deleted segment (a kill in between) names nothing, ids never repeat. */
static void drop_done_segments(struct push_queue *q) {
        while (q->n_segs > 0 && q->head_off >= q->segs[0].size)
                remove_first_segment(q);
}

static int open_segment(const struct push_queue *q, size_t i) {
        char name[32];
        seg_name(q->segs[i].id, name);
        int fd = openat(q->dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* Counts what is queued from the head on, reading headers only. */
static void scan(struct push_queue *q) {
        q->st.records = q->st.samples = 0;
        for (size_t i = 0; i < q->n_segs; i++) {
                _cleanup_close_ int fd = open_segment(q, i);
                if (fd < 0)
                        continue;
                struct header h = {0};
                for (uint64_t off = i == 0 ? q->head_off : 0;
                     off + HEADER <= q->segs[i].size && read_header(fd, off, q->segs[i].size, &h) == 0;
                     off += HEADER + h.len) {
                        q->st.records++;
                        q->st.samples += h.samples;
                }
        }
}

static void recount_bytes(struct push_queue *q) {
        q->st.bytes = 0;
        for (size_t i = 0; i < q->n_segs; i++)
                q->st.bytes += q->segs[i].size;
        q->st.bytes -= q->n_segs ? q->head_off : 0;
}

/* The timestamp of the record at the head, kept with the counts so that
 * push_queue_stats reads no disk. */
static void refresh_oldest(struct push_queue *q) {
        q->st.oldest_ms = 0;
        for (size_t i = 0; i < q->n_segs; i++) {
                uint64_t off = i == 0 ? q->head_off : 0;
                if (off + HEADER > q->segs[i].size)
                        continue;
                _cleanup_close_ int fd = open_segment(q, i);
                struct header h = {0};
                if (fd >= 0 && read_header(fd, off, q->segs[i].size, &h) == 0)
                        q->st.oldest_ms = h.ts_ms;
                return;
        }
}

/* What push_queue_stats returns from now on: a copy, so that it never
 * waits for the disk. */
static void publish(struct push_queue *q) {
        (void) pthread_mutex_lock(&q->stats_lock);
        q->shown = q->st;
        (void) pthread_mutex_unlock(&q->stats_lock);
}

/* Whoever may write the directory may plant links and forged records in
 * it: only the agent's own user. */
static int check_dir(int fd, const char *dir, struct diag *diag) {
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        uid_t me = geteuid();
        if (st.st_uid == me && !(st.st_mode & (S_IWGRP | S_IWOTH)))
                return 0;
        (void) diag_set(diag,
                        "push: the queue directory %s is mode %04o and owned by uid %u: it must be owned by uid %u "
                        "(the agent's) and writable by it alone; run chown %u %s && chmod 0700 %s",
                        dir, (unsigned) (st.st_mode & 07777), (unsigned) st.st_uid, (unsigned) me, (unsigned) me, dir,
                        dir);
        return -EPERM;
}

/* The segment files, ascending (the listing is sorted, and names are
 * fixed-width hex). Anything but a plain file under a segment's name is
 * refused rather than followed. */
static int load_segments(struct push_queue *q, const char *dir, struct diag *diag) {
        struct dirlist l = {0};
        int r = dirlist_read(&l, dir);
        for (size_t i = 0; r >= 0 && i < l.n; i++) {
                const char *name = dirlist_name(&l, i);
                uint64_t id;
                struct stat st;
                if (!seg_parse_name(name, &id))
                        continue;
                if (fstatat(q->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = errno == ENOENT ? 0 : -errno;
                        continue;
                }
                if (!S_ISREG(st.st_mode)) {
                        r = S_ISLNK(st.st_mode) ? -ELOOP : -EINVAL;
                        (void) diag_set(diag, "push: %s/%s is not a plain file%s: the queue refuses it; remove it", dir,
                                        name, S_ISLNK(st.st_mode) ? " but a symbolic link" : "");
                        break;
                }
                r = add_segment(q, id, (uint64_t) st.st_size);
        }
        dirlist_free(&l);
        return r;
}

/* Where the last acknowledged batch ended: (0, 0) when nothing says. */
static int load_head(struct push_queue *q, const char *dir, struct diag *diag, uint64_t *ret_id, uint64_t *ret_off) {
        _cleanup_close_ int fd = openat(q->dir_fd, "head", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                int r = -errno;
                if (r == -ELOOP)
                        (void) diag_set(diag, "push: %s/head is a symbolic link: the queue refuses it; remove it", dir);
                return r;
        }
        char b[64];
        ssize_t n = read(fd, b, sizeof(b) - 1);
        if (n < 0)
                return -errno;
        b[n] = '\0';
        /* unreadable, it says nothing: everything is sent again */
        if (sscanf(b, "%" SCNx64 " %" SCNu64, ret_id, ret_off) != 2 || *ret_id == UINT64_MAX)
                *ret_id = *ret_off = 0;
        return 0;
}

static void push_queue_closep(struct push_queue **q) {
        push_queue_close(*q);
}

int push_queue_open_diag(const char *dir, uint64_t max_bytes, bool fsync_each, struct diag *diag,
                         struct push_queue **ret) {
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        _cleanup_(push_queue_closep) struct push_queue *q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        (void) pthread_mutex_init(&q->lock, NULL);
        (void) pthread_mutex_init(&q->stats_lock, NULL);
        q->max_bytes = max_bytes;
        q->fsync_each = fsync_each;
        q->tail_fd = -1;
        q->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (q->dir_fd < 0)
                return -errno;
        int r = check_dir(q->dir_fd, dir, diag);
        if (r < 0)
                return r;
        r = load_segments(q, dir, diag);
        if (r < 0)
                return r;
        uint64_t head_id = 0, head_off = 0;
        r = load_head(q, dir, diag, &head_id, &head_off);
        if (r < 0)
                return r;

        q->next_id = (q->n_segs && q->segs[q->n_segs - 1].id > head_id ? q->segs[q->n_segs - 1].id : head_id) + 1;
        /* segments before the head's were acknowledged already */
        while (q->n_segs > 0 && q->segs[0].id < head_id)
                remove_first_segment(q);
        if (q->n_segs > 0 && q->segs[0].id == head_id) {
                /* cut shorter than what was acknowledged of it (a power cut
                 * with fsync off, a bad disk): what is left was sent, and
                 * that something is missing is counted */
                if (head_off > q->segs[0].size) {
                        q->st.corrupt_records++;
                        head_off = q->segs[0].size;
                }
                q->head_off = head_off;
                drop_done_segments(q);
        }
        recount_bytes(q);
        scan(q);
        refresh_oldest(q);
        publish(q);
        *ret = TAKE_PTR(q);
        return 0;
}

int push_queue_open(const char *dir, uint64_t max_bytes, bool fsync_each, struct push_queue **ret) {
        return push_queue_open_diag(dir, max_bytes, fsync_each, NULL, ret);
}

void push_queue_close(struct push_queue *q) {
        if (!q)
                return;
        if (q->tail_fd >= 0)
                (void) close(q->tail_fd);
        if (q->dir_fd >= 0)
                (void) close(q->dir_fd);
        free(q->segs);
        (void) pthread_mutex_destroy(&q->stats_lock);
        (void) pthread_mutex_destroy(&q->lock);
        free(q);
}

/* Drops the oldest record (to stay in the budget). */
static void drop_oldest(struct push_queue *q) {
        if (q->n_segs == 0)
                return;
        _cleanup_close_ int fd = open_segment(q, 0);
        struct header h = {0};
        if (fd >= 0 && q->head_off + HEADER <= q->segs[0].size &&
            read_header(fd, q->head_off, q->segs[0].size, &h) == 0) {
                q->head_off += HEADER + h.len;
                q->st.dropped_budget_samples += h.samples;
                q->st.samples -= h.samples < q->st.samples ? h.samples : q->st.samples;
                q->st.records -= q->st.records > 0;
        } else
                q->head_off = q->segs[0].size; /* unreadable: the rest of the segment goes */
        drop_done_segments(q);
        q->peeked = false;
        recount_bytes(q);
}

/* The tail open for a record of need bytes: the last segment while it has
 * room, else a new one under an id never used (made exclusively: a file
 * planted under its name is not written through). */
static int open_tail(struct push_queue *q, uint64_t need) {
        struct segment *last = q->n_segs ? &q->segs[q->n_segs - 1] : NULL;
        if (last && last->size + need <= SEGMENT_MAX) {
                if (q->tail_fd >= 0)
                        return 0;
                /* after a restart, the last segment goes on */
                char name[32];
                seg_name(last->id, name);
                q->tail_fd = openat(q->dir_fd, name, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
                if (q->tail_fd >= 0)
                        return 0;
        }
        if (q->tail_fd >= 0)
                (void) close(q->tail_fd);
        q->tail_fd = -1;
        if (array_reserve((void **) &q->segs, &q->cap_segs, q->n_segs + 1, sizeof(*q->segs)) < 0)
                return -ENOMEM;
        char name[32];
        uint64_t id = q->next_id++;
        seg_name(id, name);
        int fd = openat(q->dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        if (q->fsync_each)
                (void) fsync(q->dir_fd);
        q->tail_fd = fd;
        return add_segment(q, id, 0);
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
        if (q->st.bytes + need > q->max_bytes && q->st.bytes > 0) {
                while (q->st.bytes + need > q->max_bytes && q->st.bytes > 0)
                        drop_oldest(q);
                /* written down, or the dropped batches would come back at
                 * the next start (counted as dropped, and sent after all) */
                (void) save_head(q);
                refresh_oldest(q);
        }
        r = open_tail(q, need);
        if (r < 0) {
                q->st.dropped_write_samples += n_samples;
                goto out;
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
        struct segment *tail = &q->segs[q->n_segs - 1];
        ssize_t n = writev(q->tail_fd, iov, 2);
        if (n != (ssize_t) need || (q->fsync_each && fdatasync(q->tail_fd) < 0)) {
                /* disk full or an I/O error: take back what was written */
                r = n < 0 ? -errno : -ENOSPC;
                (void) ftruncate(q->tail_fd, (off_t) tail->size);
                q->st.dropped_write_samples += n_samples;
                goto out;
        }
        tail->size += need;
        if (q->st.records == 0)
                q->st.oldest_ms = ts_ms;
        q->st.bytes += need;
        q->st.records++;
        q->st.samples += n_samples;
out:
        publish(q);
        (void) pthread_mutex_unlock(&q->lock);
        return r;
}

/* Finds the next record at or after from whose checksum holds, in the
 * first segment, into *ret_off; -ENOENT when none. Only the part of the
 * segment where such a record can start is read, in chunks searched for
 * the magic, and the checksums it computes are bounded. */
static int resync(struct push_queue *q, int fd, uint64_t from, struct buf *scratch, uint64_t *ret_off) {
        uint64_t size = q->segs[0].size, end = size < SEGMENT_MAX ? size : SEGMENT_MAX, crc_bytes = 0;
        const uint32_t magic = MAGIC;
        _cleanup_free_ uint8_t *chunk = malloc(RESYNC_CHUNK);
        if (!chunk)
                return -ENOMEM;
        for (uint64_t base = from; base + HEADER <= end;) {
                size_t want = end - base < RESYNC_CHUNK ? (size_t) (end - base) : RESYNC_CHUNK;
                ssize_t n = pread(fd, chunk, want, (off_t) base);
                if (n < 0)
                        return -errno;
                if (n < HEADER)
                        break;
                for (uint8_t *p = chunk; (p = memmem(p, (size_t) (chunk + n - p), &magic, 4)); p++) {
                        if (p + HEADER > chunk + n)
                                break; /* seen whole from the next chunk on */
                        uint64_t off = base + (uint64_t) (p - chunk);
                        struct header h;
                        if (parse_header(p, off, size, &h) < 0)
                                continue;
                        if (crc_bytes + h.len > RESYNC_CRC_BUDGET)
                                return -ENOENT;
                        crc_bytes += h.len;
                        const void *payload = p + HEADER;
                        if (p + HEADER + h.len > chunk + n) {
                                buf_reset(scratch);
                                if (buf_reserve(scratch, h.len) < 0)
                                        return -ENOMEM;
                                if (pread(fd, scratch->data, h.len, (off_t) (off + HEADER)) != (ssize_t) h.len)
                                        continue;
                                payload = scratch->data;
                        }
                        if (record_crc(&h, payload) == h.crc) {
                                *ret_off = off;
                                return 0;
                        }
                }
                base += (uint64_t) n - (HEADER - 1); /* a header across the chunk's end is read whole next */
        }
        return -ENOENT;
}

int push_queue_peek(struct push_queue *q, struct buf *out, uint32_t *ret_samples, int64_t *ret_ts_ms) {
        (void) pthread_mutex_lock(&q->lock);
        int r = -ENOENT;
        while (q->n_segs > 0) {
                if (q->head_off >= q->segs[0].size) {
                        drop_done_segments(q);
                        (void) save_head(q);
                        continue;
                }
                _cleanup_close_ int fd = open_segment(q, 0);
                if (fd < 0) {
                        q->head_off = q->segs[0].size;
                        continue;
                }
                struct header h = {0};
                bool ok = read_header(fd, q->head_off, q->segs[0].size, &h) == 0;
                if (ok) {
                        buf_reset(out);
                        ok = buf_reserve(out, h.len) == 0 &&
                             pread(fd, out->data, h.len, (off_t) (q->head_off + HEADER)) == (ssize_t) h.len &&
                             record_crc(&h, out->data) == h.crc;
                }
                if (ok) {
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
                uint64_t damaged_at = q->head_off, next = 0;
                q->head_off = resync(q, fd, damaged_at + 1, out, &next) == 0 ? next : q->segs[0].size;
                q->st.corrupt_bytes += q->head_off - damaged_at;
                drop_done_segments(q);
                (void) save_head(q);
                recount_bytes(q);
                scan(q);
                refresh_oldest(q);
        }
        publish(q);
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
                drop_done_segments(q);
                recount_bytes(q);
                r = save_head(q);
                refresh_oldest(q);
        }
        publish(q);
        (void) pthread_mutex_unlock(&q->lock);
        return r;
}

void push_queue_hurry(struct push_queue *q) {
        atomic_store(&q->hurry, true);
}

void push_queue_stats(struct push_queue *q, struct push_queue_stats *ret) {
        (void) pthread_mutex_lock(&q->stats_lock);
        *ret = q->shown;
        (void) pthread_mutex_unlock(&q->stats_lock);
}
