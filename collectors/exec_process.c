/* Running one program (exec_process.h). One lock covers spawning, the
 * list of running programs and the sweep, so that a sweep never sees a
 * program spawned but not yet listed, and takes it for a leftover. */
#include "exec_process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "log.h"
#include "macro.h"

/* After SIGTERM, how long a program has to go before SIGKILL; after
 * SIGKILL, how long the run waits for it before leaving it to a sweep (a
 * process in uninterruptible sleep dies when the kernel lets it). */
#define KILL_GRACE_MS 1000
#define REAP_WAIT_MS 1000
/* How long a stop waits for a program to end on its own first. */
#define EXIT_SETTLE_MS 100
/* How many passes a sweep makes, a millisecond apart, while a leftover
 * it killed has not died yet. */
#define SWEEP_PASSES 10
/* Reads of stderr once the program exited: a descendant writing on and
 * on does not hold the run. */
#define DRAIN_READS 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t *running; /* the programs spawned and not yet reaped */
static size_t n_running, cap_running;
static bool started, subreaper; /* the first spawn made the agent a subreaper */

static bool is_running(pid_t pid) {
        for (size_t i = 0; i < n_running; i++)
                if (running[i] == pid)
                        return true;
        return false;
}

static void running_remove(pid_t pid) {
        (void) pthread_mutex_lock(&lock);
        for (size_t i = 0; i < n_running; i++)
                if (running[i] == pid) {
                        running[i] = running[--n_running];
                        break;
                }
        (void) pthread_mutex_unlock(&lock);
}

/* At the agent's exit, a run still going (one a reload or the stop left
 * to finish on its own) would leave its program behind: its group is
 * killed. */
static void kill_running(void) {
        (void) pthread_mutex_lock(&lock);
        for (size_t i = 0; i < n_running; i++)
                (void) kill(-running[i], SIGKILL);
        (void) pthread_mutex_unlock(&lock);
}

/* Spawns spec with in_r (-1: /dev/null), out_w and err_w as its stdin,
 * stdout and stderr: its pid, listed as running, and a pidfd for it. */
static int spawn(const struct exec_spec *spec, int in_r, int out_w, int err_w, pid_t *ret_pid, int *ret_pidfd) {
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t at;
        if (posix_spawn_file_actions_init(&fa) != 0)
                return -ENOMEM;
        if (posix_spawnattr_init(&at) != 0) {
                (void) posix_spawn_file_actions_destroy(&fa);
                return -ENOMEM;
        }
        /* the scheduler's threads block every signal and the agent ignores
         * SIGPIPE: the program gets neither */
        sigset_t none, all;
        (void) sigemptyset(&none);
        (void) sigfillset(&all);
        (void) sigdelset(&all, SIGKILL);
        (void) sigdelset(&all, SIGSTOP);
        int r = in_r >= 0 ? posix_spawn_file_actions_adddup2(&fa, in_r, 0)
                          : posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        if (r == 0)
                r = posix_spawn_file_actions_adddup2(&fa, out_w, 1);
        if (r == 0)
                r = posix_spawn_file_actions_adddup2(&fa, err_w, 2);
        if (r == 0)
                r = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
        if (r == 0)
                r = posix_spawnattr_setsigmask(&at, &none);
        if (r == 0)
                r = posix_spawnattr_setsigdefault(&at, &all);
        if (r == 0)
                r = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        r = -r;

        (void) pthread_mutex_lock(&lock);
        if (r == 0 && !started) {
                started = true;
                (void) atexit(kill_running);
                if (prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) == 0)
                        subreaper = true;
                else
                        log_errno(LOG_LEVEL_WARN, -errno,
                                  "exec: cannot become a child subreaper; what a program leaves in a session of its "
                                  "own outlives it");
        }
        if (r == 0 && array_reserve((void **) &running, &cap_running, n_running + 1, sizeof(*running)) < 0)
                r = -ENOMEM;
        pid_t pid = 0;
        if (r == 0)
                r = -posix_spawn(&pid, spec->path, &fa, &at, spec->argv, spec->envp);
        int pidfd = -1;
        if (r == 0) {
                pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
                if (pidfd < 0) {
                        /* without one it could only be waited for blocking: not run at all */
                        r = -errno;
                        (void) kill(-pid, SIGKILL);
                        (void) waitpid(pid, NULL, 0);
                } else
                        running[n_running++] = pid;
        }
        (void) pthread_mutex_unlock(&lock);
        (void) posix_spawn_file_actions_destroy(&fa);
        (void) posix_spawnattr_destroy(&at);
        if (r < 0)
                return r;
        *ret_pid = pid;
        *ret_pidfd = pidfd;
        return 0;
}

static void close_fd(int *fd) {
        if (*fd >= 0)
                (void) close(*fd);
        *fd = -1;
}

/* A pipe whose end on the agent's side (0: read, 1: write) does not block. */
static int pipe_agent_end_nonblocking(int fds[2], int agent_end) {
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        if (fcntl(fds[agent_end], F_SETFL, O_NONBLOCK) < 0) {
                int r = -errno;
                close_fd(&fds[0]);
                close_fd(&fds[1]);
                return r;
        }
        return 0;
}

int exec_process_start(const struct exec_spec *spec, bool with_stdin, struct exec_child *ret) {
        int ip[2] = {-1, -1}, op[2] = {-1, -1}, ep[2] = {-1, -1};
        int r = with_stdin ? pipe_agent_end_nonblocking(ip, 1) : 0;
        if (r == 0)
                r = pipe_agent_end_nonblocking(op, 0);
        if (r == 0)
                r = pipe_agent_end_nonblocking(ep, 0);
        struct exec_child c = {.in_fd = ip[1], .out_fd = op[0], .err_fd = ep[0], .pidfd = -1};
        if (r == 0)
                r = spawn(spec, ip[0], op[1], ep[1], &c.pid, &c.pidfd);
        close_fd(&ip[0]);
        close_fd(&op[1]);
        close_fd(&ep[1]);
        if (r < 0) {
                close_fd(&c.in_fd);
                close_fd(&c.out_fd);
                close_fd(&c.err_fd);
                return r;
        }
        *ret = c;
        return 0;
}

/* Reads what fd has now into b, keeping at most max bytes (*over set when
 * more came). 1: read something, 0: end of file, -EAGAIN: nothing now. */
static int read_some(int fd, struct buf *b, size_t max, bool *over) {
        char tmp[16384];
        ssize_t n = read(fd, tmp, sizeof(tmp));
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
        if (n == 0)
                return 0;
        size_t room = b->len < max ? max - b->len : 0, take = (size_t) n < room ? (size_t) n : room;
        buf_put(b, tmp, take);
        if ((size_t) n > room)
                *over = true;
        return 1;
}

/* Reads fd until nothing is there for now, at most reads times; closes
 * it (and sets *fd to -1) at its end. */
static void drain(int *fd, struct buf *b, size_t max, bool *over, unsigned reads) {
        for (unsigned i = 0; *fd >= 0 && i < reads; i++) {
                int r = read_some(*fd, b, max, over);
                if (r == -EAGAIN)
                        return;
                if (r <= 0)
                        close_fd(fd);
                if (*over)
                        return;
        }
}

static int ms_until(uint64_t deadline_ns) {
        uint64_t now = clock_ns(CLOCK_MONOTONIC);
        return now >= deadline_ns ? 0 : (int) ((deadline_ns - now + 999999) / 1000000);
}

int exec_process_read(struct exec_child *c, uint64_t deadline_ns, size_t max_out, size_t max_err, struct buf *out,
                      struct buf *err, bool (*done)(const struct buf *out)) {
        bool over = false, err_over = false;
        for (;;) {
                if (done && done(out))
                        return 1;
                int ms = ms_until(deadline_ns);
                if (ms == 0)
                        return -ETIMEDOUT;
                struct pollfd p[3] = {{.fd = c->out_fd, .events = POLLIN},
                                      {.fd = c->err_fd, .events = POLLIN},
                                      {.fd = c->pidfd, .events = POLLIN}};
                int n = poll(p, 3, ms);
                if (n < 0 && errno != EINTR)
                        return -errno;
                if (n <= 0)
                        continue;
                if (p[0].revents)
                        drain(&c->out_fd, out, max_out, &over, DRAIN_READS);
                if (p[1].revents)
                        drain(&c->err_fd, err, max_err, &err_over, DRAIN_READS);
                if (over)
                        return -EFBIG;
                if (p[2].revents) {
                        /* what it wrote before it exited is in the pipes;
                         * whoever else holds them open is not waited for */
                        while (c->out_fd >= 0 && !over) {
                                size_t before = out->len;
                                drain(&c->out_fd, out, max_out, &over, DRAIN_READS);
                                if (out->len == before)
                                        break;
                        }
                        drain(&c->err_fd, err, max_err, &err_over, DRAIN_READS);
                        return over ? -EFBIG : done && done(out) ? 1 : 0;
                }
                if (done && c->out_fd < 0)
                        return 0; /* its stdout closed: no frame will come */
        }
}

int exec_process_write(struct exec_child *c, const char *data, size_t len, uint64_t deadline_ns) {
        for (size_t sent = 0; sent < len;) {
                int ms = ms_until(deadline_ns);
                if (ms == 0)
                        return -ETIMEDOUT;
                struct pollfd p[2] = {{.fd = c->in_fd, .events = POLLOUT}, {.fd = c->pidfd, .events = POLLIN}};
                int n = poll(p, 2, ms);
                if (n < 0 && errno != EINTR)
                        return -errno;
                if (n <= 0)
                        continue;
                if (p[1].revents)
                        return -ECHILD;
                ssize_t w = write(c->in_fd, data + sent, len - sent);
                if (w < 0 && errno != EAGAIN && errno != EINTR)
                        return -errno;
                if (w > 0)
                        sent += (size_t) w;
        }
        return 0;
}

/* Whether the process exits within ms (0: whether it has). */
static bool wait_exit(int pidfd, uint64_t ms) {
        uint64_t deadline = clock_ns(CLOCK_MONOTONIC) + ms * 1000000u;
        for (;;) {
                int left = ms_until(deadline);
                struct pollfd p = {.fd = pidfd, .events = POLLIN};
                int n = poll(&p, 1, left);
                if (n > 0)
                        return true;
                if ((n < 0 && errno != EINTR) || left == 0)
                        return false;
        }
}

int exec_process_stop(struct exec_child *c, bool term, bool *ret_exited) {
        /* a program whose output ended is most often exiting: its pipes
         * close before its parent is told, so give it a moment to be seen
         * gone on its own rather than take it for one to end */
        bool exited = wait_exit(c->pidfd, EXIT_SETTLE_MS), by_itself = exited;
        if (!exited && term) {
                (void) kill(-c->pid, SIGTERM);
                exited = wait_exit(c->pidfd, KILL_GRACE_MS);
        }
        if (!exited) {
                (void) kill(-c->pid, SIGKILL);
                exited = wait_exit(c->pidfd, REAP_WAIT_MS);
        }
        /* what is left of its group: its pid is not reaped yet, so it is
         * still the group's and no other process's */
        (void) kill(-c->pid, SIGKILL);
        int status = -1;
        siginfo_t si = {0};
        if (exited && waitid((idtype_t) P_PIDFD, (id_t) c->pidfd, &si, WEXITED) == 0) {
                status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
                by_itself = by_itself && si.si_code == CLD_EXITED;
        } else
                by_itself = false;
        /* not reaped (still dying): no longer a running program, so the
         * sweeps reap it once it is gone */
        running_remove(c->pid);
        close_fd(&c->pidfd);
        close_fd(&c->in_fd);
        close_fd(&c->out_fd);
        close_fd(&c->err_fd);
        (void) exec_process_sweep();
        if (ret_exited)
                *ret_exited = by_itself;
        return status;
}

int exec_process_run(const struct exec_spec *spec, uint64_t timeout_ms, size_t max_out, size_t max_err, struct buf *out,
                     struct buf *err, struct exec_result *ret) {
        buf_reset(out);
        buf_reset(err);
        if (buf_reserve(out, 0) < 0 || buf_reserve(err, 0) < 0)
                return -ENOMEM;
        uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
        struct exec_child c;
        int r = exec_process_start(spec, false, &c);
        if (r < 0)
                return r;
        r = exec_process_read(&c, t0 + timeout_ms * 1000000u, max_out, max_err, out, err, NULL);
        struct exec_result res = {.timed_out = r == -ETIMEDOUT, .too_large = r == -EFBIG};
        bool exited;
        /* at its deadline SIGTERM and a grace; too much output, SIGKILL at once */
        res.status = exec_process_stop(&c, res.timed_out, &exited);
        res.exited = exited && r == 0;
        res.duration = (double) (clock_ns(CLOCK_MONOTONIC) - t0) / 1e9;
        *ret = res;
        return out->error < 0 ? out->error : 0;
}

/* The state, parent, process group and session of a process. */
static int proc_stat(const char *pid, char *ret_state, pid_t *ret_ppid, pid_t *ret_session) {
        char path[64], text[512];
        (void) snprintf(path, sizeof(path), "/proc/%s/stat", pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, text, sizeof(text) - 1);
        (void) close(fd);
        if (n <= 0)
                return -EIO;
        text[n] = '\0';
        /* the command name may hold anything: the fields follow its last ')' */
        const char *p = strrchr(text, ')');
        int ppid, pgrp, session;
        char state;
        if (!p || sscanf(p + 1, " %c %d %d %d", &state, &ppid, &pgrp, &session) != 4)
                return -EINVAL;
        *ret_state = state;
        *ret_ppid = ppid;
        *ret_session = session;
        return 0;
}

unsigned exec_process_sweep(void) {
        unsigned reaped = 0;
        pid_t self = getpid();
        (void) pthread_mutex_lock(&lock);
        for (unsigned pass = 0; subreaper && pass < SWEEP_PASSES; pass++) {
                bool dying = false;
                DIR *d = opendir("/proc");
                if (!d)
                        break;
                struct dirent *de;
                while ((de = readdir(d))) {
                        if (strspn(de->d_name, "0123456789") != strlen(de->d_name))
                                continue;
                        char state = 0;
                        pid_t ppid = 0, session = 0, pid = (pid_t) strtol(de->d_name, NULL, 10);
                        if (proc_stat(de->d_name, &state, &ppid, &session) < 0 || ppid != self || is_running(pid))
                                continue;
                        if (state == 'Z') {
                                if (waitpid(pid, NULL, WNOHANG) == pid)
                                        reaped++;
                                continue;
                        }
                        /* in a running program's session: its run's end kills it */
                        if (is_running(session))
                                continue;
                        (void) kill(pid, SIGKILL);
                        dying = true;
                }
                (void) closedir(d);
                if (!dying)
                        break;
                (void) nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
        }
        (void) pthread_mutex_unlock(&lock);
        return reaped;
}
