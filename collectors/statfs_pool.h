/* statfs(2) with a deadline. A statfs on a dead NFS or CIFS mount blocks in
 * the kernel and cannot be interrupted, so the calls run on worker threads
 * and the caller waits only until its deadline. A worker stuck in a
 * statfs keeps its mount marked: later runs answer -ETIMEDOUT for that
 * path at once instead of blocking another thread on it, and the mount is
 * asked again once the stuck call returns. Threads never pile up: at most
 * the free workers plus one per hung mount. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/vfs.h>

struct statfs_pool;

struct statfs_request {
        const char *path;
        int result; /* 0, -errno, -ETIMEDOUT (blocked past the deadline), -EAGAIN (not tried: too many hung) */
        struct statfs st;
        int done; /* set by the caller: answered already, not to be run */
};

int statfs_pool_new(unsigned free_workers, struct statfs_pool **ret);
/* Stats every path not already done, in parallel, for at most timeout_ms
 * in all. */
int statfs_pool_run(struct statfs_pool *p, struct statfs_request *reqs, size_t n, uint64_t timeout_ms);
/* Workers now blocked in a statfs that timed out. */
unsigned statfs_pool_blocked(struct statfs_pool *p);
/* Joins the idle workers; blocked ones finish on their own and the last
 * one frees what is left. */
void statfs_pool_free(struct statfs_pool *p);
