/* processes (off by default, as in node_exporter 1.5): how many processes
 * and threads there are, in which states, against the kernel's limits,
 * from every /proc/<pid>/stat and /proc/<pid>/task/<tid>/stat, as
 * node_exporter 1.5 counts them. A process that ends while it is read is
 * passed over.
 *
 * On the kernel's own procfs, a process whose stat says it has one thread
 * has a task directory holding that thread alone, in the process's state:
 * its directory is not listed (most processes have one thread: the
 * listing was a third of the collector's system calls). A copy of /proc
 * under --path.procfs is listed whole, as node_exporter lists it, so that
 * one without task directories counts no thread state, as it does. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "dirlist.h"
#include "fileio.h"
#include "optional_file.h"
#include "sysfs_attr.h"

static const char *const state_label[] = {"state"};
static const char *const thread_state_label[] = {"thread_state"};
static const struct metric_desc threads_desc = {"node_processes_threads", "Allocated threads in system", METRIC_GAUGE,
                                                0, NULL};
static const struct metric_desc max_threads_desc = {"node_processes_max_threads", "Limit of threads in the system",
                                                    METRIC_GAUGE, 0, NULL};
static const struct metric_desc state_desc = {"node_processes_state", "Number of processes in each state.",
                                              METRIC_GAUGE, 1, state_label};
static const struct metric_desc threads_state_desc = {
        "node_processes_threads_state", "Number of threads in each state.", METRIC_GAUGE, 1, thread_state_label};
static const struct metric_desc pids_desc = {"node_processes_pids", "Number of PIDs", METRIC_GAUGE, 0, NULL};
static const struct metric_desc max_processes_desc = {"node_processes_max_processes", "Number of max PIDs limit",
                                                      METRIC_GAUGE, 0, NULL};

/* the fields after "pid (comm)" up to num_threads */
#define STAT_STATE 0
#define STAT_NUM_THREADS 17

struct processes_state {
        const char *procfs;
        bool kernel_procfs; /* procfs is the kernel's, not a copy */
        struct optional_file threads_max_file, pid_max_file;
        struct dirlist procs, tasks;
        struct buf file;
        /* this scrape's counts, by state letter */
        uint64_t proc_states[256], thread_states[256];
};

static int processes_init(const struct collector_env *env, _unused_ const struct config_section *section,
                          _unused_ struct diag *diag, void **ret_state) {
        struct processes_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        s->kernel_procfs = root_kernel_made(env->procfs);
        *ret_state = s;
        return 0;
}

static void processes_free(void *state) {
        struct processes_state *s = state;
        if (!s)
                return;
        optional_file_close(&s->threads_max_file);
        optional_file_close(&s->pid_max_file);
        dirlist_free(&s->procs);
        dirlist_free(&s->tasks);
        buf_free(&s->file);
        free(s);
}

/* procfs/rel, a stat line: its state letter and number of threads. 0,
 * -ENOENT or -ESRCH for a process or thread gone, -EBADMSG for a line
 * that does not read as the kernel writes it. */
static int processes_read_stat(struct processes_state *s, const char *rel, unsigned char *ret_state,
                               uint64_t *ret_threads) {
        int r = read_file_at(s->procfs, rel, FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r;
        /* the command may hold blanks and parentheses: it ends at the last ")" */
        const char *close = memrchr(s->file.data, ')', s->file.len);
        if (!close)
                return -EBADMSG;
        const char *rest = close + 1, *end = s->file.data + s->file.len;
        struct field f[STAT_NUM_THREADS + 1];
        if (!split_leading_fields(rest, (size_t) (end - rest), f, ELEMENTSOF(f)) || f[STAT_STATE].n != 1 ||
            parse_u64_field(f[STAT_NUM_THREADS], ret_threads) < 0)
                return -EBADMSG;
        *ret_state = (unsigned char) f[STAT_STATE].s[0];
        return 0;
}

static bool processes_gone(int r) {
        return r == -ENOENT || r == -ESRCH;
}

/* A stat file there but failing to read (EIO, cut short, no memory):
 * the counts would come out too small, so the collector fails, as
 * node_exporter's does; a line that does not parse is skipped and
 * counted. */
static bool processes_unreadable(int r) {
        return r < 0 && !processes_gone(r) && r != -EBADMSG;
}

/* The states of pid's threads; its first thread is in the process's
 * state. A process without a task directory adds none, as in
 * node_exporter. */
static int processes_threads(struct processes_state *s, const char *pid, unsigned char state, struct collect_ctx *ctx) {
        char path[PATH_MAX];
        (void) snprintf(path, sizeof(path), "%s/%s/task", s->procfs, pid);
        int r = dirlist_read(&s->tasks, path);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;
        for (size_t i = 0; i < s->tasks.n; i++) {
                const char *tid = dirlist_name(&s->tasks, i);
                if (!sysfs_numbered_name(tid, "", 0))
                        continue;
                if (strcmp(tid, pid) == 0) {
                        s->thread_states[state]++;
                        continue;
                }
                char rel[64];
                unsigned char thread_state;
                uint64_t threads;
                (void) snprintf(rel, sizeof(rel), "%s/task/%s/stat", pid, tid);
                r = processes_read_stat(s, rel, &thread_state, &threads);
                if (processes_unreadable(r))
                        return r;
                if (r == 0)
                        s->thread_states[thread_state]++;
                else if (!processes_gone(r))
                        ctx->parse_errors++;
        }
        return 0;
}

/* One sample per state counted, in the order of their letters. */
static void processes_emit_states(struct collect_ctx *ctx, const struct metric_desc *desc, const uint64_t *counts) {
        bool any = false;
        for (unsigned c = 0; c < 256; c++) {
                if (!counts[c])
                        continue;
                if (!any)
                        (void) metric_set_family(ctx->set, desc);
                any = true;
                char letter[2] = {(char) c, '\0'};
                (void) metric_set_sample1(ctx->set, (double) counts[c], letter);
        }
}

/* A limit: 1 with *ret set, 0 for a value that is not a number (counted,
 * no sample), or the errno of the read. */
static int processes_limit(struct processes_state *s, struct optional_file *f, const char *rel, uint64_t *ret,
                           struct collect_ctx *ctx) {
        int r = optional_file_read_u64(f, s->procfs, rel, &s->file, ret);
        if (r == -EBADMSG) {
                ctx->parse_errors++;
                return 0;
        }
        return r < 0 ? r : 1;
}

static int processes_collect(void *state, struct collect_ctx *ctx) {
        struct processes_state *s = state;
        int r = dirlist_read_kept(&s->procs, s->procfs);
        if (r < 0)
                return r;
        memset(s->proc_states, 0, sizeof(s->proc_states));
        memset(s->thread_states, 0, sizeof(s->thread_states));
        uint64_t pids = 0, threads = 0;
        for (size_t i = 0; i < s->procs.n; i++) {
                const char *pid = dirlist_name(&s->procs, i);
                if (!sysfs_numbered_name(pid, "", 0))
                        continue;
                char rel[32];
                unsigned char proc_state;
                uint64_t n_threads;
                (void) snprintf(rel, sizeof(rel), "%s/stat", pid);
                r = processes_read_stat(s, rel, &proc_state, &n_threads);
                if (processes_unreadable(r))
                        return r;
                if (r < 0) {
                        ctx->parse_errors += !processes_gone(r);
                        continue;
                }
                pids++;
                threads += n_threads;
                s->proc_states[proc_state]++;
                if (s->kernel_procfs && n_threads == 1) {
                        s->thread_states[proc_state]++; /* see the top of the file */
                        continue;
                }
                r = processes_threads(s, pid, proc_state, ctx);
                if (r < 0)
                        return r;
        }

        uint64_t max_threads, max_pids;
        int has_max_threads = processes_limit(s, &s->threads_max_file, "sys/kernel/threads-max", &max_threads, ctx);
        if (has_max_threads < 0)
                return has_max_threads; /* no sys/kernel: not a procfs */
        int has_max_pids = processes_limit(s, &s->pid_max_file, "sys/kernel/pid_max", &max_pids, ctx);
        if (has_max_pids < 0)
                return has_max_pids;
        (void) metric_set_family(ctx->set, &threads_desc);
        (void) metric_set_sample0(ctx->set, (double) threads);
        if (has_max_threads) {
                (void) metric_set_family(ctx->set, &max_threads_desc);
                (void) metric_set_sample0(ctx->set, (double) max_threads);
        }
        processes_emit_states(ctx, &state_desc, s->proc_states);
        processes_emit_states(ctx, &threads_state_desc, s->thread_states);
        (void) metric_set_family(ctx->set, &pids_desc);
        (void) metric_set_sample0(ctx->set, (double) pids);
        if (has_max_pids) {
                (void) metric_set_family(ctx->set, &max_processes_desc);
                (void) metric_set_sample0(ctx->set, (double) max_pids);
        }
        return ctx->set->error;
}

const struct collector processes_collector = {
        .name = "processes",
        .help = "Processes and threads by state, and the kernel's limits on them, from every /proc/<pid>/stat "
                "(off by default)",
        .default_enabled = false,
        .init = processes_init,
        .collect = processes_collect,
        .free = processes_free,
};
