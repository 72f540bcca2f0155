/* Running a program of the exec collector: spawned in its own session
 * and process group with posix_spawn, stdin from /dev/null, no descriptor
 * of the agent's, the environment it is given; stdout and stderr read
 * with poll up to a deadline; the group killed when the run ends; the
 * program reaped through a pidfd, never by waiting on any child.
 *
 * The agent is made a child subreaper (PR_SET_CHILD_SUBREAPER) by the
 * first run, so that what a program leaves behind, even in a session of
 * its own (setsid), becomes the agent's child instead of init's: after
 * each run the agent kills and reaps, by pid, each child it has that no
 * running program stands for. So every child of the agent must be
 * started here: any other would be taken for a leftover. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

struct exec_spec {
        const char *path;  /* absolute: what is executed */
        char *const *argv; /* NULL-terminated */
        char *const *envp; /* NULL-terminated: the whole environment */
};

struct exec_result {
        bool exited;    /* it exited on its own, within the deadline */
        int status;     /* its exit code, or 128 + the signal that killed it; -1: not reaped */
        bool timed_out; /* the deadline came: SIGTERM, a grace, SIGKILL */
        bool too_large; /* more than max_out bytes on stdout: killed at once */
        double duration;
};

/* A program started and not yet stopped. */
struct exec_child {
        pid_t pid;
        int pidfd;
        int in_fd; /* -1 unless started with_stdin; the agent's ends do not block */
        int out_fd, err_fd;
};

/* Starts spec, its stdin a pipe from the agent (with_stdin) or /dev/null. */
int exec_process_start(const struct exec_spec *spec, bool with_stdin, struct exec_child *ret);
/* Reads c's stdout into out (past max_out bytes: -EFBIG) and stderr into
 * err (at most max_err kept) until done(out) says enough (1), c exits or
 * its stdout ends (0, what it wrote before read), or the deadline
 * (CLOCK_MONOTONIC) comes (-ETIMEDOUT). done NULL: until it exits. */
int exec_process_read(struct exec_child *c, uint64_t deadline_ns, size_t max_out, size_t max_err, struct buf *out,
                      struct buf *err, bool (*done)(const struct buf *out));
/* Writes to c's stdin by the deadline: 0, -ETIMEDOUT, -ECHILD if it
 * exited, or another negative errno (-EPIPE: it closed its stdin; the
 * caller ignores SIGPIPE, as the agent does). */
int exec_process_write(struct exec_child *c, const char *data, size_t len, uint64_t deadline_ns);
/* Ends c: SIGTERM to its group and a grace first if term, then SIGKILL;
 * reaps it and closes its descriptors. Its exit code, 128 + the signal
 * that ended it, or -1 if it could not be reaped yet (a sweep will);
 * *ret_exited (may be NULL): it had exited on its own before. */
int exec_process_stop(struct exec_child *c, bool term, bool *ret_exited);

/* Runs spec for at most timeout_ms: its stdout into out (at most max_out
 * bytes, NUL-terminated), its stderr into err (at most max_err bytes, the
 * rest dropped). A run ends when the program exits (what is left in the
 * pipes then is read, but a descendant holding them open is not waited
 * for) or at the deadline; its process group is killed either way. 0 and
 * *ret, or a negative errno when it could not start. */
int exec_process_run(const struct exec_spec *spec, uint64_t timeout_ms, size_t max_out, size_t max_err, struct buf *out,
                     struct buf *err, struct exec_result *ret);

/* Kills and reaps the children of the agent that no running program
 * stands for (what programs left, reparented to the agent); how many were
 * reaped. Each run ends with one. */
unsigned exec_process_sweep(void);
