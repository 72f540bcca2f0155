/* Scrapes that arrive together share one collection. A scrape that comes
 * while a collection runs waits for the next one, which every scrape that
 * waited for it shares: the one that finds it its turn leads (collects,
 * encodes, compresses once for all), the others read what it made. No
 * answer holds data collected before its request arrived, since a round
 * starts only after each of its members joined it; and one scrape alone
 * leads its own round at once, as if nothing were shared.
 *
 * What that saves: with three scrapes at once (the HTTP threads), one
 * collection in place of three. Two Prometheus servers scraping the same
 * agent at the same moment, or a client that hammers /metrics, cost the
 * host a collection per round rather than per request. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* The forms a member asks for; a round makes those its members asked. */
enum {
        SCRAPE_SHARE_TEXT = 1 << 0,
        SCRAPE_SHARE_GZIP = 1 << 1,
};

struct scrape_share {
        pthread_mutex_t lock;
        pthread_cond_t changed; /* a round started, finished, or was read */
        uint64_t started, finished;
        bool running;
        unsigned want_next;      /* the forms the round to come was asked for */
        unsigned members_next;   /* and by how many scrapes */
        unsigned readers;        /* members of the round finished last still reading it */
        int result;              /* what that round's produce returned */
        uint64_t scrapes_shared; /* members answered from a round another led */
};

void scrape_share_init(struct scrape_share *s);
void scrape_share_destroy(struct scrape_share *s);

/* Joins the next round asking for the forms in want, leads it when it is
 * this caller's turn (produce(forms, userdata) with the forms every
 * member asked for, once the last round's readers are done), and returns
 * the round's result. Whatever it returns, the caller reads the round's
 * answer (where produce put it; it stays until scrape_share_done) and
 * then calls scrape_share_done. */
int scrape_share_join(struct scrape_share *s, unsigned want, int (*produce)(unsigned forms, void *userdata),
                      void *userdata);
void scrape_share_done(struct scrape_share *s);
