/* The page at /: what a person opening the agent in a browser reads, at a
 * glance whether all is well, else what is not. */
#pragma once

#include "buf.h"
#include "push.h"
#include "scrape.h"

struct landing_page {
        struct scrape_engine *engine;
        struct push *push;        /* NULL: no push target */
        const char *host;         /* the host name */
        const char *metrics_path; /* the telemetry path */
        double started, now;      /* seconds since the epoch: the agent's start, and now */
};

/* Writes the whole page into out; out->error says whether it all fit. */
void landing_page_write(struct buf *out, const struct landing_page *page);
