/* Background scheduler (see scheduler.h). One mutex guards everything; a
 * task is either waiting for its time or its descriptor, queued, or held
 * by exactly one worker. Descriptors are watched EPOLLONESHOT, so a
 * readable one is reported once and watched again after the run that
 * read it, never spun on while that run goes. */
#include "scheduler.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "log.h"
#include "macro.h"

/* epoll data of the two descriptors that are not a task's */
#define EV_TIMER UINT64_MAX
#define EV_WAKE (UINT64_MAX - 1)

struct task {
        const char *name;
        scheduler_run_fn run;
        scheduler_release_fn release;
        void *userdata;
        int fd;
        uint64_t due_ns;   /* CLOCK_MONOTONIC; UINT64_MAX: only on its fd */
        bool busy;         /* queued or running */
        bool fd_ready;     /* reported readable, not yet handed to a run */
        bool run_fd_ready; /* what the current run was told */
        bool ran;          /* a run has finished */
        bool abandoned;    /* its worker releases it */
};

struct worker {
        struct scheduler *s;
        pthread_t thread;
        struct task *task; /* running now, or NULL */
        bool detached;
};

struct scheduler {
        pthread_mutex_t lock;
        pthread_cond_t work;     /* a task queued, or stopping */
        pthread_cond_t finished; /* a run returned (CLOCK_MONOTONIC) */
        struct task *tasks;      /* fixed once started */
        size_t n_tasks, cap_tasks;
        struct task **queue; /* a ring of n_tasks: a task is queued at most once */
        size_t q_head, q_len;
        struct worker **workers;
        size_t n_workers, cap_workers, idle;
        int epfd, timerfd, wakefd;
        uint64_t armed_ns; /* what timerfd is set to; UINT64_MAX: disarmed */
        pthread_t thread;
        bool started, stopping;
        bool owner_freeing; /* scheduler_free is running: it, not a worker, frees s */
        size_t abandoned;   /* detached workers still in a run */
};

int scheduler_new(struct scheduler **ret) {
        struct scheduler *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        (void) pthread_mutex_init(&s->lock, NULL);
        (void) pthread_cond_init(&s->work, NULL);
        clock_cond_init_monotonic(&s->finished);
        s->epfd = s->timerfd = s->wakefd = -1;
        s->armed_ns = UINT64_MAX;
        *ret = s;
        return 0;
}

int scheduler_add(struct scheduler *s, const char *name, int fd, scheduler_run_fn run, scheduler_release_fn release,
                  void *userdata) {
        if (s->started)
                return -EBUSY;
        if (array_reserve((void **) &s->tasks, &s->cap_tasks, s->n_tasks + 1, sizeof(*s->tasks)) < 0)
                return -ENOMEM;
        s->tasks[s->n_tasks++] = (struct task){
                .name = name, .run = run, .release = release, .userdata = userdata, .fd = fd, .due_ns = 0};
        return 0;
}

size_t scheduler_count(const struct scheduler *s) {
        return s ? s->n_tasks : 0;
}

static void destroy(struct scheduler *s) {
        for (size_t i = 0; i < s->n_workers; i++)
                free(s->workers[i]);
        free(s->workers);
        free(s->queue);
        free(s->tasks);
        if (s->epfd >= 0)
                (void) close(s->epfd);
        if (s->timerfd >= 0)
                (void) close(s->timerfd);
        if (s->wakefd >= 0)
                (void) close(s->wakefd);
        (void) pthread_mutex_destroy(&s->lock);
        (void) pthread_cond_destroy(&s->work);
        (void) pthread_cond_destroy(&s->finished);
        free(s);
}

/* Threads of the scheduler take no signal: main waits for them. */
static int spawn_thread(pthread_t *ret, void *(*fn)(void *), void *arg) {
        sigset_t all, old;
        (void) sigfillset(&all);
        (void) pthread_sigmask(SIG_BLOCK, &all, &old);
        int r = pthread_create(ret, NULL, fn, arg);
        (void) pthread_sigmask(SIG_SETMASK, &old, NULL);
        return -r;
}

static void wake(struct scheduler *s) {
        uint64_t one = 1;
        (void) !write(s->wakefd, &one, sizeof(one));
}

/* A run returned: the task waits for its next time (and its descriptor). */
static void task_done(struct scheduler *s, struct task *t, uint64_t delay_ms) {
        t->busy = false;
        t->ran = true;
        t->due_ns = delay_ms > 0 ? clock_ns(CLOCK_MONOTONIC) + delay_ms * 1000000u : UINT64_MAX;
        (void) pthread_cond_broadcast(&s->finished);
        if (s->stopping)
                return; /* the descriptors may be closed already */
        if (t->run_fd_ready) {
                struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = (uint64_t) (t - s->tasks)};
                (void) epoll_ctl(s->epfd, EPOLL_CTL_MOD, t->fd, &ev);
        }
        wake(s);
}

static void *worker_main(void *arg) {
        struct worker *w = arg;
        struct scheduler *s = w->s;
        (void) pthread_mutex_lock(&s->lock);
        s->idle--; /* dispatch counted it idle from its start */
        for (;;) {
                while (!s->stopping && s->q_len == 0) {
                        s->idle++;
                        (void) pthread_cond_wait(&s->work, &s->lock);
                        s->idle--;
                }
                if (s->stopping)
                        break;
                struct task *t = s->queue[s->q_head];
                s->q_head = (s->q_head + 1) % s->n_tasks;
                s->q_len--;
                w->task = t;
                bool fd_ready = t->run_fd_ready;
                (void) pthread_mutex_unlock(&s->lock);
                uint64_t delay_ms = t->run(t->userdata, fd_ready);
                (void) pthread_mutex_lock(&s->lock);
                w->task = NULL;
                task_done(s, t, delay_ms);
                if (w->detached) {
                        t->release(t->userdata);
                        bool last = --s->abandoned == 0 && !s->owner_freeing;
                        (void) pthread_mutex_unlock(&s->lock);
                        free(w);
                        if (last)
                                destroy(s);
                        return NULL;
                }
        }
        (void) pthread_mutex_unlock(&s->lock);
        return NULL;
}

/* Makes sure the queued tasks find a worker: one more only when every
 * worker is busy, never more than the tasks. */
static void dispatch(struct scheduler *s) {
        while (s->q_len > s->idle && s->n_workers < s->n_tasks) {
                if (array_reserve((void **) &s->workers, &s->cap_workers, s->n_workers + 1, sizeof(*s->workers)) < 0)
                        break;
                struct worker *w = calloc(1, sizeof(*w));
                if (!w)
                        break;
                w->s = s;
                int r = spawn_thread(&w->thread, worker_main, w);
                if (r < 0) {
                        free(w);
                        log_errno(LOG_LEVEL_WARN, r, "cannot start a background worker; %zu task(s) wait for one",
                                  s->q_len);
                        break;
                }
                s->workers[s->n_workers++] = w;
                s->idle++; /* counted until it takes a task, so that one queued task starts one worker */
        }
        if (s->q_len > 0)
                (void) pthread_cond_broadcast(&s->work);
}

static void arm_timer(struct scheduler *s, uint64_t at_ns) {
        if (at_ns == s->armed_ns)
                return;
        struct itimerspec its = {0};
        if (at_ns != UINT64_MAX)
                its.it_value = (struct timespec){.tv_sec = (time_t) (at_ns / 1000000000u),
                                                 .tv_nsec = (long) (at_ns % 1000000000u)};
        if (at_ns != UINT64_MAX && its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
                its.it_value.tv_nsec = 1; /* zero would disarm it */
        (void) timerfd_settime(s->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
        s->armed_ns = at_ns;
}

static void *scheduler_main(void *arg) {
        struct scheduler *s = arg;
        (void) pthread_mutex_lock(&s->lock);
        while (!s->stopping) {
                uint64_t now = clock_ns(CLOCK_MONOTONIC), next = UINT64_MAX;
                for (size_t i = 0; i < s->n_tasks; i++) {
                        struct task *t = &s->tasks[i];
                        if (t->busy)
                                continue;
                        if (t->fd_ready || t->due_ns <= now) {
                                t->busy = true;
                                t->run_fd_ready = t->fd_ready;
                                t->fd_ready = false;
                                s->queue[(s->q_head + s->q_len++) % s->n_tasks] = t;
                        } else if (t->due_ns < next)
                                next = t->due_ns;
                }
                dispatch(s);
                arm_timer(s, next);
                (void) pthread_mutex_unlock(&s->lock);

                struct epoll_event ev[16];
                int n = epoll_wait(s->epfd, ev, (int) ELEMENTSOF(ev), -1);

                (void) pthread_mutex_lock(&s->lock);
                for (int i = 0; i < n; i++) {
                        uint64_t buf;
                        if (ev[i].data.u64 == EV_TIMER) {
                                (void) !read(s->timerfd, &buf, sizeof(buf));
                                s->armed_ns = UINT64_MAX; /* it fired: a one-shot timer is disarmed */
                        } else if (ev[i].data.u64 == EV_WAKE)
                                (void) !read(s->wakefd, &buf, sizeof(buf));
                        else if (ev[i].data.u64 < s->n_tasks)
                                s->tasks[ev[i].data.u64].fd_ready = true;
                }
        }
        (void) pthread_mutex_unlock(&s->lock);
        return NULL;
}

static int watch(int epfd, int fd, uint32_t events, uint64_t data) {
        struct epoll_event ev = {.events = events, .data.u64 = data};
        return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int scheduler_start(struct scheduler *s) {
        if (s->started || s->n_tasks == 0)
                return -EINVAL;
        if (!(s->queue = calloc(s->n_tasks, sizeof(*s->queue))))
                return -ENOMEM;
        s->epfd = epoll_create1(EPOLL_CLOEXEC);
        s->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        s->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (s->epfd < 0 || s->timerfd < 0 || s->wakefd < 0)
                return -errno;
        int r = watch(s->epfd, s->timerfd, EPOLLIN, EV_TIMER);
        if (r == 0)
                r = watch(s->epfd, s->wakefd, EPOLLIN, EV_WAKE);
        for (size_t i = 0; r == 0 && i < s->n_tasks; i++)
                if (s->tasks[i].fd >= 0)
                        r = watch(s->epfd, s->tasks[i].fd, EPOLLIN | EPOLLONESHOT, i);
        if (r < 0)
                return r;
        r = spawn_thread(&s->thread, scheduler_main, s);
        if (r < 0)
                return r;
        s->started = true;
        return 0;
}

void scheduler_wait_first_runs(struct scheduler *s, uint64_t timeout_ms) {
        struct timespec deadline = monotonic_after_ms(timeout_ms);
        (void) pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n_tasks; i++)
                while (!s->tasks[i].ran)
                        if (pthread_cond_timedwait(&s->finished, &s->lock, &deadline) == ETIMEDOUT)
                                goto out;
out:
        (void) pthread_mutex_unlock(&s->lock);
}

static bool any_running(const struct scheduler *s) {
        for (size_t i = 0; i < s->n_workers; i++)
                if (s->workers[i]->task)
                        return true;
        return false;
}

void scheduler_free(struct scheduler *s, uint64_t grace_ms) {
        if (!s)
                return;
        if (!s->started) {
                for (size_t i = 0; i < s->n_tasks; i++)
                        s->tasks[i].release(s->tasks[i].userdata);
                destroy(s);
                return;
        }
        (void) pthread_mutex_lock(&s->lock);
        s->stopping = true;
        s->owner_freeing = true;
        (void) pthread_cond_broadcast(&s->work);
        wake(s);
        (void) pthread_mutex_unlock(&s->lock);
        (void) pthread_join(s->thread, NULL);

        struct timespec deadline = monotonic_after_ms(grace_ms);
        (void) pthread_mutex_lock(&s->lock);
        while (any_running(s))
                if (pthread_cond_timedwait(&s->finished, &s->lock, &deadline) == ETIMEDOUT)
                        break;
        /* a worker still in a run now keeps its task and its own memory */
        size_t kept = 0;
        for (size_t i = 0; i < s->n_workers; i++) {
                struct worker *w = s->workers[i];
                if (w->task) {
                        w->detached = true;
                        w->task->abandoned = true;
                        s->abandoned++;
                        (void) pthread_detach(w->thread);
                        log_warn("the background refresh of %s is still running after %llu ms; it is left to "
                                 "finish on its own",
                                 w->task->name, (unsigned long long) grace_ms);
                } else
                        s->workers[kept++] = w;
        }
        s->n_workers = kept;
        (void) pthread_mutex_unlock(&s->lock);

        for (size_t i = 0; i < s->n_workers; i++)
                (void) pthread_join(s->workers[i]->thread, NULL);
        for (size_t i = 0; i < s->n_tasks; i++)
                if (!s->tasks[i].abandoned)
                        s->tasks[i].release(s->tasks[i].userdata);

        (void) pthread_mutex_lock(&s->lock);
        s->owner_freeing = false;
        bool last = s->abandoned == 0;
        (void) pthread_mutex_unlock(&s->lock);
        if (last)
                destroy(s);
}
