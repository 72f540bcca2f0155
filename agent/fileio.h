/* Reading kernel files through a configured root (--path.procfs and
 * friends), so that tests point collectors at fixture trees and a
 * containerised agent at /host/proc. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"

/* Joins root and rel ("stat", "self/fd") into out; -ENAMETOOLONG if it
 * does not fit. */
int path_join(char *out, size_t size, const char *root, const char *rel);

/* The most one read of a file takes in, by kind of file: past it the
 * file is refused with -EFBIG, so that one that never ends (/dev/zero in a
 * --path.procfs tree, a FIFO fed forever) fails quickly instead of
 * growing a buffer until memory runs out. Each is many times the largest
 * real file of its kind; the buffer only grows to what was read. */
/* meminfo (2 KB), loadavg, the pressure files, self/stat, statm,
 * os-release, a udev data file: a few KB at most */
#define FILE_MAX_SMALL (1u << 20)
/* /proc/stat: a line per CPU and a count per interrupt number; a 256-CPU
 * machine with tens of thousands of interrupts writes a few hundred KB */
#define FILE_MAX_PROC_STAT (4u << 20)
/* a line per mount, disk or interface (mountinfo, diskstats, net/dev):
 * 10,000 mounts make a mountinfo of 2 to 3 MB */
#define FILE_MAX_TABLE (16u << 20)

/* Every read below that reaches the end of a regular file of another
 * file system than the kernel's (a copy of /proc, a FUSE or NFS mount
 * under --path.*, a textfile) short of the size the file says it has
 * fails with -EIO: the file was cut short, and its first half would
 * parse as smaller numbers or a shorter table. Such reads, and opens and
 * reads that fail with EIO, are counted per thread: the scrape engine adds
 * them to the running collector's vigie_collector_parse_errors_total. */
unsigned long fileio_read_faults(void);
/* Whether r, what a function below returned, is a fault counted so
 * already: every -EIO they return is, and nothing else. A collector that
 * counts the reads it could not use counts only those for which this is
 * false, so that one fault is counted once, whichever reader met it. */
bool fileio_fault_counted(int r);

/* Replaces the content of b with what fd holds from where it stands to
 * its end, NUL-terminated: 0, -EFBIG past max bytes, or another negative
 * errno. The buffer keeps its memory from one call to the next. This is
 * the read loop of every function below. */
int read_fd(int fd, size_t max, struct buf *b);

/* Whether root (--path.procfs and the like) lies on one of the kernel's
 * own file systems (procfs, sysfs...) rather than being a copy of one,
 * remembered per thread. */
bool root_kernel_made(const char *root);

/* The same for the whole file root/rel (-ENOENT for a missing file: "no
 * data", not a failure of the agent). */
int read_file_at(const char *root, const char *rel, size_t max, struct buf *b);

/* What stat(2) says of a file or directory, to tell whether what was read
 * from it (or from the files in it) still holds: a file replaced by
 * rename(2) has another inode; a file rewritten in place, or a directory
 * whose entries changed, has another ctime. Filesystems take those times
 * from a clock that ticks every few milliseconds, so two changes in one
 * tick share a ctime: a stamp taken within a second of the last change is
 * not trusted (git's "racily clean" rule), and the next look reads again. */
struct file_stamp {
        bool taken;
        int err; /* the errno stat(2) gave, or 0 */
        dev_t dev;
        ino_t ino;
        off_t size;
        struct timespec mtime, ctime;
        uint64_t at_ns; /* CLOCK_REALTIME when the stamp was taken */
};
/* True when root/rel is as the stamp last saw it (a missing file that is
 * still missing included), so the caller keeps what it read then.
 * Otherwise the stamp is taken anew and false returned: read it again. */
bool file_stamp_unchanged(struct file_stamp *stamp, const char *root, const char *rel);

/* Reads a small file (a sysfs attribute) into buf, without the trailing
 * newline, NUL-terminated. Returns the length, or a negative errno
 * (-EFBIG if it does not fit). No allocation. */
int read_attr(const char *path, char *buf, size_t size);
/* The same for dir/name. */
int read_attr_at(const char *dir, const char *name, char *buf, size_t size);
/* The same relative to an open directory: sysfs collectors open a
 * device's directory once and read its attributes with openat(), which
 * spares the kernel a path walk (through /sys/class symlinks) per file. */
int read_attr_fd(int dirfd, const char *name, char *buf, size_t size);
int read_attr_i64_fd(int dirfd, const char *name, int64_t *ret);
/* The same from a descriptor kept open: sysfs makes the attribute anew on
 * every read from offset 0. */
int read_attr_pread(int fd, char *buf, size_t size);
/* An attribute holding one integer ("-1" too). -EBADMSG if it holds
 * anything else; other errors are the kernel's (-EINVAL for the speed of a
 * link that is down: no value, not garbage). */
int read_attr_i64(const char *dir, const char *name, int64_t *ret);

/* A procfs file kept open from one scrape to the next: procfs (seq_file)
 * makes a file anew on every read from offset 0, so pread() gives fresh
 * figures and open and close are saved. Only for kernel files: a regular
 * file replaced by rename would keep showing the old content. */
struct kernel_file {
        int fd;
        bool open;
        bool kernel; /* on procfs or sysfs: no size to check the read against */
};

/* Replaces the content of b with root/rel, opened on first use; -EFBIG
 * past max bytes, as read_fd. */
int kernel_file_read(struct kernel_file *f, const char *root, const char *rel, size_t max, struct buf *b);
/* The same for a file the kernel makes in one piece, whatever its size,
 * as a regular file is (procfs's single_open files: stat, meminfo,
 * loadavg, the pressure files, self/statm): a read that returns less than
 * asked reached the end, and the read that would return 0 is spared. Not for files made
 * record by record (net/dev, diskstats, mountinfo), where a read may stop
 * short of the end at a page's worth. */
int kernel_file_read_one_piece(struct kernel_file *f, const char *root, const char *rel, size_t max, struct buf *b);
/* The same for a file made record by record (seq_file: net/udp, vmstat,
 * net/arp), none longer than record_max bytes (its newline included):
 * only where the kernel's record is one line of bounded length (not
 * diskstats, whose record is a disk with all its partitions). Such a read fills the kernel's buffer of a page (4 KiB at
 * least) with whole records until the file ends or the next record does
 * not fit: a read that leaves room for one more record of record_max
 * bytes reached the end, and the read that would return 0 is spared (in
 * net/udp, a second walk of the whole socket table). A file longer than a
 * page is read on as kernel_file_read reads. */
int kernel_file_read_records(struct kernel_file *f, const char *root, const char *rel, size_t record_max, size_t max,
                             struct buf *b);
void kernel_file_close(struct kernel_file *f);
