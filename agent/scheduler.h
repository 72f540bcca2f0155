/* The one place that runs background work. A thread waits in epoll on a
 * timerfd armed for the next task due and on the tasks' descriptors, and
 * hands each due task to a worker. A worker is started only when every
 * other one is busy, so a task that blocks in its run holds neither
 * another task nor the caller, and threads never outnumber the tasks.
 * Nothing due, nothing runs: no tick, no poll. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scheduler;

/* Runs the task once, on a worker; fd_ready says its descriptor is
 * readable (run reads what made it so). Returns the delay in ms before
 * the next run, or 0 for none but the descriptor's. A task never runs
 * twice at once. */
typedef uint64_t (*scheduler_run_fn)(void *userdata, bool fd_ready);
/* Called once per task when the scheduler lets it go: by
 * scheduler_free, or, for a run it abandoned, by its worker once the run
 * returns. Never while the task runs. */
typedef void (*scheduler_release_fn)(void *userdata);

int scheduler_new(struct scheduler **ret);
/* Adds a task (name, for the log, outlives s) before scheduler_start: its first run comes at once, the
 * next ones as run says and whenever fd (-1: none; the task's, left open)
 * is readable; release lets userdata go. 0 or -ENOMEM; on error userdata
 * is the caller's still. */
int scheduler_add(struct scheduler *s, const char *name, int fd, scheduler_run_fn run, scheduler_release_fn release,
                  void *userdata);
/* How many tasks were added (0 for NULL). */
size_t scheduler_count(const struct scheduler *s);
/* Starts the thread; 0 or a negative errno. */
int scheduler_start(struct scheduler *s);
/* Waits until every task has run once, for at most timeout_ms. */
void scheduler_wait_first_runs(struct scheduler *s, uint64_t timeout_ms);
/* Stops the thread and the workers, releasing every task. A run still going
 * after grace_ms is abandoned: its worker releases the task when the run
 * returns, and the last such worker frees what is left. NULL is fine. */
void scheduler_free(struct scheduler *s, uint64_t grace_ms);
