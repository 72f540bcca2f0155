/* The page at /: what a person opening the agent in a browser reads, at a
 * glance whether all is well, else what is not. */
#pragma once

#include "buf.h"
#include "push.h"
#include "scrape.h"

/* What the page shows of the host's energy: the power, energy and CO2e
 * figures of the last collection, and what the counters added up to
 * since local midnight, kept under a lock of their own. */
struct landing_energy;

/* now: the clock, in seconds since the epoch (NULL: the real one). */
int landing_energy_new(double (*now)(void), struct landing_energy **ret);
void landing_energy_free(struct landing_energy *le);
/* A scrape engine observer (scrape_engine_set_observer) whose userdata is
 * a landing_energy: copies the host's figures out of the set. */
void landing_energy_observe(const struct metric_set *set, void *userdata);

struct landing_page {
        struct scrape_engine *engine;
        /* the host's energy figures; NULL: none kept */
        struct landing_energy *energy;
        struct push *push;        /* NULL: no push target */
        const char *host;         /* the host name */
        const char *metrics_path; /* the telemetry path */
        double started, now;      /* seconds since the epoch: the agent's start, and now */
};

/* Writes the whole page into out; out->error says whether it all fit. */
void landing_page_write(struct buf *out, const struct landing_page *page);
