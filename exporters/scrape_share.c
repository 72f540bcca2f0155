/* One collection for the scrapes that arrive together. */
#include "scrape_share.h"

void scrape_share_init(struct scrape_share *s) {
        *s = (struct scrape_share){0};
        (void) pthread_mutex_init(&s->lock, NULL);
        (void) pthread_cond_init(&s->changed, NULL);
}

void scrape_share_destroy(struct scrape_share *s) {
        (void) pthread_cond_destroy(&s->changed);
        (void) pthread_mutex_destroy(&s->lock);
}

int scrape_share_join(struct scrape_share *s, unsigned want, int (*produce)(unsigned forms, void *userdata),
                      void *userdata) {
        (void) pthread_mutex_lock(&s->lock);
        /* the round after the one that runs, or the one to start now: it
         * starts after this request came, whoever leads it */
        uint64_t round = s->started + 1;
        s->want_next |= want;
        s->members_next++;
        while (s->finished < round) {
                if (s->running || s->started + 1 != round) {
                        (void) pthread_cond_wait(&s->changed, &s->lock);
                        continue;
                }
                /* this caller's turn: it leads the round, for every member
                 * joined so far; later ones join the next */
                s->running = true;
                s->started = round;
                unsigned forms = s->want_next, members = s->members_next;
                s->want_next = 0;
                s->members_next = 0;
                /* the answer of the last round is in the buffers produce
                 * writes: its members read it first */
                while (s->readers > 0)
                        (void) pthread_cond_wait(&s->changed, &s->lock);
                (void) pthread_mutex_unlock(&s->lock);
                int r = produce(forms, userdata);
                (void) pthread_mutex_lock(&s->lock);
                s->result = r;
                s->readers = members;
                s->scrapes_shared += members - 1;
                s->finished = round;
                s->running = false;
                (void) pthread_cond_broadcast(&s->changed);
        }
        /* the next round waits for this caller's scrape_share_done, so
         * the round finished last is this caller's */
        int r = s->result;
        (void) pthread_mutex_unlock(&s->lock);
        return r;
}

void scrape_share_done(struct scrape_share *s) {
        (void) pthread_mutex_lock(&s->lock);
        if (--s->readers == 0)
                (void) pthread_cond_broadcast(&s->changed);
        (void) pthread_mutex_unlock(&s->lock);
}
