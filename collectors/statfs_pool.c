/* Worker pool for statfs with a deadline (see statfs_pool.h). One mutex
 * guards everything; the requests array belongs to the caller and is only
 * touched by workers during statfs_pool_run, for the current generation. */
#include "statfs_pool.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array.h"
#include "clock.h"

/* Beyond this many hung mounts, no more threads are started for them. */
#define MAX_BLOCKED 32

struct worker {
        struct statfs_pool *pool;
        pthread_t thread;
        bool busy, stuck, detached, exited;
        uint64_t gen;
        size_t job;
        char path[PATH_MAX];
};

struct statfs_pool {
        pthread_mutex_t lock;
        pthread_cond_t work, done;
        unsigned want_free;
        struct worker **workers;
        size_t n_workers, cap_workers;
        unsigned blocked;
        /* the current run */
        struct statfs_request *reqs;
        size_t n, next, pending;
        uint64_t gen;
        bool stopping;
        bool owner_freeing; /* statfs_pool_free is still joining: it, not a worker, frees the pool */
};

static void pool_destroy(struct statfs_pool *p) {
        (void) pthread_mutex_destroy(&p->lock);
        (void) pthread_cond_destroy(&p->work);
        (void) pthread_cond_destroy(&p->done);
        free(p->workers);
        free(p);
}

static unsigned free_workers(const struct statfs_pool *p) {
        unsigned n = 0;
        for (size_t i = 0; i < p->n_workers; i++)
                n += !p->workers[i]->stuck && !p->workers[i]->exited;
        return n;
}

static void remove_worker(struct statfs_pool *p, struct worker *w) {
        for (size_t i = 0; i < p->n_workers; i++)
                if (p->workers[i] == w) {
                        p->workers[i] = p->workers[--p->n_workers];
                        return;
                }
}

static void *worker_main(void *arg) {
        struct worker *w = arg;
        struct statfs_pool *p = w->pool;
        (void) pthread_mutex_lock(&p->lock);
        while (!p->stopping) {
                while (p->reqs && p->next < p->n && p->reqs[p->next].done)
                        p->next++;
                if (!p->reqs || p->next >= p->n) {
                        (void) pthread_cond_wait(&p->work, &p->lock);
                        continue;
                }
                size_t i = p->next++;
                w->busy = true;
                w->gen = p->gen;
                w->job = i;
                (void) snprintf(w->path, sizeof(w->path), "%s", p->reqs[i].path);
                (void) pthread_mutex_unlock(&p->lock);

                struct statfs st;
                int r = statfs(w->path, &st) < 0 ? -errno : 0;

                (void) pthread_mutex_lock(&p->lock);
                w->busy = false;
                if (w->stuck) {
                        /* back from a hung mount; a replacement took this
                         * worker's place meanwhile, so leave if surplus */
                        w->stuck = false;
                        p->blocked--;
                        if (free_workers(p) > p->want_free)
                                break;
                } else if (w->gen == p->gen && p->reqs) {
                        p->reqs[i].result = r;
                        p->reqs[i].st = st;
                        p->reqs[i].done = 1;
                        p->pending--;
                        (void) pthread_cond_signal(&p->done);
                }
        }
        /* A worker that stopping found idle is joined by statfs_pool_free.
         * One that leaves on its own (surplus, or back from a hung mount
         * after the pool was released) cleans up after itself. */
        bool self_cleanup = w->detached || !p->stopping;
        w->exited = true;
        if (!self_cleanup) {
                (void) pthread_mutex_unlock(&p->lock);
                return NULL;
        }
        if (!w->detached)
                (void) pthread_detach(pthread_self());
        remove_worker(p, w);
        bool last = p->stopping && !p->owner_freeing && p->n_workers == 0;
        (void) pthread_mutex_unlock(&p->lock);
        free(w);
        if (last)
                pool_destroy(p);
        return NULL;
}

static int spawn(struct statfs_pool *p) {
        if (array_reserve((void **) &p->workers, &p->cap_workers, p->n_workers + 1, sizeof(*p->workers)) < 0)
                return -ENOMEM;
        struct worker *w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->pool = p;
        /* statfs needs little stack: keep the thread small */
        pthread_attr_t attr;
        (void) pthread_attr_init(&attr);
        (void) pthread_attr_setstacksize(&attr, (size_t) 64 * 1024);
        int r = pthread_create(&w->thread, &attr, worker_main, w);
        (void) pthread_attr_destroy(&attr);
        if (r != 0) {
                free(w);
                return -r;
        }
        p->workers[p->n_workers++] = w;
        return 0;
}

int statfs_pool_new(unsigned want_free, struct statfs_pool **ret) {
        struct statfs_pool *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        (void) pthread_mutex_init(&p->lock, NULL);
        (void) pthread_cond_init(&p->work, NULL);
        clock_cond_init_monotonic(&p->done);
        p->want_free = want_free ? want_free : 1;
        *ret = p;
        return 0;
}

static bool path_blocked(const struct statfs_pool *p, const char *path) {
        for (size_t i = 0; i < p->n_workers; i++)
                if (p->workers[i]->stuck && strcmp(p->workers[i]->path, path) == 0)
                        return true;
        return false;
}

int statfs_pool_run(struct statfs_pool *p, struct statfs_request *reqs, size_t n, uint64_t timeout_ms) {
        struct timespec deadline = monotonic_after_ms(timeout_ms);

        (void) pthread_mutex_lock(&p->lock);
        p->gen++;
        p->pending = 0;
        for (size_t i = 0; i < n; i++) {
                if (reqs[i].done)
                        continue; /* answered by the caller already */
                reqs[i].done = path_blocked(p, reqs[i].path);
                reqs[i].result = reqs[i].done ? -ETIMEDOUT : -EAGAIN;
                p->pending += !reqs[i].done;
        }
        int r = 0;
        while (p->pending > 0 && free_workers(p) < p->want_free && p->blocked < MAX_BLOCKED && r == 0)
                r = spawn(p);
        if (p->pending > 0 && free_workers(p) == 0) {
                (void) pthread_mutex_unlock(&p->lock);
                return r < 0 ? r : -EAGAIN;
        }
        p->reqs = reqs;
        p->n = n;
        p->next = 0;
        (void) pthread_cond_broadcast(&p->work);
        while (p->pending > 0)
                if (pthread_cond_timedwait(&p->done, &p->lock, &deadline) == ETIMEDOUT)
                        break;
        if (p->pending > 0)
                /* whoever is still in a statfs of this run is stuck on it */
                for (size_t i = 0; i < p->n_workers; i++) {
                        struct worker *w = p->workers[i];
                        if (w->busy && !w->stuck && w->gen == p->gen) {
                                w->stuck = true;
                                p->blocked++;
                                reqs[w->job].result = -ETIMEDOUT;
                                reqs[w->job].done = 1;
                        }
                }
        /* close the run: nothing may touch reqs once we return */
        p->reqs = NULL;
        p->n = 0;
        (void) pthread_mutex_unlock(&p->lock);
        return 0;
}

unsigned statfs_pool_blocked(struct statfs_pool *p) {
        (void) pthread_mutex_lock(&p->lock);
        unsigned n = p->blocked;
        (void) pthread_mutex_unlock(&p->lock);
        return n;
}

void statfs_pool_free(struct statfs_pool *p) {
        if (!p)
                return;
        (void) pthread_mutex_lock(&p->lock);
        p->stopping = true;
        p->owner_freeing = true;
        (void) pthread_cond_broadcast(&p->work);
        /* blocked workers cannot be joined: they clean up when their statfs returns */
        struct worker *join[64];
        size_t n_join = 0;
        for (size_t i = 0; i < p->n_workers; i++) {
                struct worker *w = p->workers[i];
                if (w->stuck || n_join == (sizeof(join) / sizeof(join[0])))
                        w->detached = true;
                else
                        join[n_join++] = w;
        }
        for (size_t i = 0; i < p->n_workers; i++)
                if (p->workers[i]->detached)
                        (void) pthread_detach(p->workers[i]->thread);
        (void) pthread_mutex_unlock(&p->lock);

        for (size_t i = 0; i < n_join; i++) {
                (void) pthread_join(join[i]->thread, NULL);
                (void) pthread_mutex_lock(&p->lock);
                remove_worker(p, join[i]);
                (void) pthread_mutex_unlock(&p->lock);
                free(join[i]);
        }
        (void) pthread_mutex_lock(&p->lock);
        p->owner_freeing = false;
        bool last = p->n_workers == 0;
        (void) pthread_mutex_unlock(&p->lock);
        if (last)
                pool_destroy(p);
}
