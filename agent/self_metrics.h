/* Metrics about the agent itself: the process_* family every Prometheus
 * client exposes, and vigie_build_info. They always describe this process,
 * so they read the real /proc/self, not --path.procfs. */
#pragma once

#include "buf.h"
#include "fileio.h"
#include "metric.h"

struct self_metrics {
        double start_time; /* seconds since the epoch */
        double hz;
        double page_size;
        struct kernel_file stat_file;  /* /proc/self/stat, for the start time, at start */
        struct kernel_file statm_file; /* /proc/self/statm, at every scrape */
        struct buf file;
};

int self_metrics_init(struct self_metrics *s);
/* Appends process_* families; 0 or a negative errno. */
int self_metrics_collect(struct self_metrics *s, struct metric_set *set);
/* Appends vigie_build_info. */
int self_metrics_build_info(struct metric_set *set);
void self_metrics_free(struct self_metrics *s);
