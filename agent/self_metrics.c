/* process_* metrics from the process's CPU clock, /proc/self/statm,
 * /proc/self/fd and getrlimit (and /proc/self/stat once, for the start
 * time); names, types and help as in the Prometheus Go client, which reads
 * /proc/self/stat at every scrape: the kernel makes statm far more
 * cheaply, and the CPU clock counts nanoseconds rather than ticks. */
#include "self_metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dirlist.h"
#include "fileio.h"
#include "parse.h"
#include "version.h"

static const struct metric_desc cpu_desc = {
        "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", METRIC_COUNTER, 0, NULL};
static const struct metric_desc max_fds_desc = {"process_max_fds", "Maximum number of open file descriptors.",
                                                METRIC_GAUGE, 0, NULL};
static const struct metric_desc open_fds_desc = {"process_open_fds", "Number of open file descriptors.", METRIC_GAUGE,
                                                 0, NULL};
static const struct metric_desc rss_desc = {"process_resident_memory_bytes", "Resident memory size in bytes.",
                                            METRIC_GAUGE, 0, NULL};
static const struct metric_desc start_desc = {
        "process_start_time_seconds", "Start time of the process since unix epoch in seconds.", METRIC_GAUGE, 0, NULL};
static const struct metric_desc vsize_desc = {"process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                              METRIC_GAUGE, 0, NULL};
static const struct metric_desc vsize_max_desc = {"process_virtual_memory_max_bytes",
                                                  "Maximum amount of virtual memory available in bytes.", METRIC_GAUGE,
                                                  0, NULL};

static const char *const build_labels[] = {"revision", "version"};
static const struct metric_desc build_desc = {
        "vigie_build_info",
        "A metric with a constant '1' value labeled by version and revision from which vigie was built.", METRIC_GAUGE,
        2, build_labels};

/* Fields of /proc/self/stat after "pid (comm) ", counted from state = 0. */
enum { STAT_STARTTIME = 19, STAT_FIELDS = 22 };
/* Fields of /proc/self/statm, in pages. */
enum { STATM_SIZE, STATM_RESIDENT, STATM_FIELDS };

static int read_self_stat(struct self_metrics *s, uint64_t ret[STAT_FIELDS]) {
        int r = kernel_file_read(&s->stat_file, "/proc", "self/stat", FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r;
        /* comm may hold spaces and parentheses: the fields start after the last ')' */
        const char *p = strrchr(s->file.data, ')');
        if (!p || p[1] != ' ')
                return -EINVAL;
        p += 2;
        struct field f[STAT_FIELDS];
        size_t len = strcspn(p, "\n");
        if (!split_leading_fields(p, len, f, STAT_FIELDS))
                return -EINVAL;
        for (size_t i = 1; i < STAT_FIELDS; i++) /* field 0 is the state letter */
                if (parse_u64_field(f[i], &ret[i]) < 0 && f[i].s[0] != '-')
                        return -EINVAL;
        return 0;
}

int self_metrics_init(struct self_metrics *s) {
        *s = (struct self_metrics){0};
        long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
        if (hz <= 0 || page <= 0)
                return -EINVAL;
        s->hz = (double) hz;
        s->page_size = (double) page;

        /* start time = boot time + the process' start in ticks since boot */
        uint64_t st[STAT_FIELDS] = {0};
        int r = read_self_stat(s, st);
        kernel_file_close(&s->stat_file); /* not read again */
        if (r < 0)
                return r;
        r = read_file_at("/proc", "stat", FILE_MAX_PROC_STAT, &s->file);
        if (r < 0)
                return r;
        const char *b = strstr(s->file.data, "\nbtime ");
        uint64_t btime;
        if (!b || parse_u64(b + 7, strcspn(b + 7, "\n"), &btime) < 0)
                return -EINVAL;
        s->start_time = (double) btime + (double) st[STAT_STARTTIME] / s->hz;
        return 0;
}

/* Linux 6.2 and later give the number of open descriptors as the size of
 * /proc/self/fd: one stat rather than a listing (the netclass collector
 * alone keeps a hundred files open). Older kernels say 0 there. */
static long count_open_fds(void) {
        struct stat st;
        if (stat("/proc/self/fd", &st) == 0 && st.st_size > 0)
                return (long) st.st_size;
        long n = dirlist_count("/proc/self/fd");
        return n < 0 ? n : n - 1; /* the descriptor the listing itself had open */
}

static double rlimit_value(int resource) {
        struct rlimit rl;
        if (getrlimit(resource, &rl) < 0)
                return 0;
        /* RLIM_INFINITY reads as 2^64-1, as the Go client reports it */
        return (double) rl.rlim_cur;
}

/* Virtual and resident size, in pages. */
static int read_self_statm(struct self_metrics *s, uint64_t ret[STATM_FIELDS]) {
        int r = kernel_file_read_one_piece(&s->statm_file, "/proc", "self/statm", FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r;
        struct field f[STATM_FIELDS];
        if (!split_leading_fields(s->file.data, strcspn(s->file.data, "\n"), f, STATM_FIELDS))
                return -EINVAL;
        for (size_t i = 0; i < STATM_FIELDS; i++)
                if (parse_u64_field(f[i], &ret[i]) < 0)
                        return -EINVAL;
        return 0;
}

int self_metrics_collect(struct self_metrics *s, struct metric_set *set) {
        uint64_t pages[STATM_FIELDS];
        int r = read_self_statm(s, pages);
        if (r < 0)
                return r;
        struct timespec cpu;
        if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) < 0)
                return -errno;
        long fds = count_open_fds();

        (void) metric_set_family(set, &cpu_desc);
        (void) metric_set_sample0(set, (double) cpu.tv_sec + (double) cpu.tv_nsec / 1e9);
        (void) metric_set_family(set, &max_fds_desc);
        (void) metric_set_sample0(set, rlimit_value(RLIMIT_NOFILE));
        if (fds >= 0) {
                (void) metric_set_family(set, &open_fds_desc);
                (void) metric_set_sample0(set, (double) fds);
        }
        (void) metric_set_family(set, &rss_desc);
        (void) metric_set_sample0(set, (double) pages[STATM_RESIDENT] * s->page_size);
        (void) metric_set_family(set, &start_desc);
        (void) metric_set_sample0(set, s->start_time);
        (void) metric_set_family(set, &vsize_desc);
        (void) metric_set_sample0(set, (double) pages[STATM_SIZE] * s->page_size);
        (void) metric_set_family(set, &vsize_max_desc);
        (void) metric_set_sample0(set, rlimit_value(RLIMIT_AS));
        return set->error;
}

int self_metrics_build_info(struct metric_set *set) {
        (void) metric_set_family(set, &build_desc);
        return metric_set_sample2(set, 1, VIGIE_REVISION, VIGIE_VERSION);
}

void self_metrics_free(struct self_metrics *s) {
        kernel_file_close(&s->stat_file);
        kernel_file_close(&s->statm_file);
        buf_free(&s->file);
}
