/* Connection limits and deadlines for the HTTP server (http_guard.h).
 * libmicrohttpd has one inactivity timeout, which a client sending a
 * byte now and then never meets, and one connection limit, which one
 * client can fill: the deadlines here are absolute, and the admission
 * counts connections per address. A connection past its deadline has its
 * socket shut down rather than closed, so that the descriptor stays the
 * server's until it forgets the connection (http_guard_close, under the
 * same lock: a shut down descriptor is never one reused meanwhile). */
#include "http_guard.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum phase { PHASE_REQUEST, PHASE_SERVING, PHASE_IDLE };

/* A client's address without its port; IPv4 as it came, even through a
 * dual-stack socket (::ffff:a.b.c.d). */
struct client {
        uint8_t len; /* 4 or 16; 0: not an IP socket (all such are one client) */
        uint8_t addr[16];
};

struct http_guard_conn {
        struct http_guard *guard;
        struct http_guard_conn *prev, *next;
        struct client client;
        int fd;
        enum phase phase;
        bool shut;
        uint64_t deadline_ns; /* 0 while serving */
};

struct http_guard {
        pthread_mutex_t lock;
        struct http_guard_limits limits;
        unsigned reserved;
        struct http_guard_conn *head;
        unsigned open;
        struct http_guard_stats stats;
        void (*wake)(void *userdata);
        void *wake_data;
        uint64_t told_ns; /* the next deadline the waker's side knows of; 0: none */
};

/* Under g's lock: whether a deadline of d needs the waker told. */
static bool deadline_news(struct http_guard *g, uint64_t d) {
        if (!g->wake || d == 0 || (g->told_ns != 0 && g->told_ns <= d))
                return false;
        g->told_ns = d;
        return true;
}

static struct client client_of(const struct sockaddr *sa) {
        static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        struct client c = {0};
        if (sa && sa->sa_family == AF_INET) {
                c.len = 4;
                memcpy(c.addr, &((const struct sockaddr_in *) sa)->sin_addr, 4);
        } else if (sa && sa->sa_family == AF_INET6) {
                const uint8_t *a = ((const struct sockaddr_in6 *) sa)->sin6_addr.s6_addr;
                if (memcmp(a, v4mapped, sizeof(v4mapped)) == 0) {
                        c.len = 4;
                        memcpy(c.addr, a + 12, 4);
                } else {
                        c.len = 16;
                        memcpy(c.addr, a, 16);
                }
        }
        return c;
}

static bool client_equal(const struct client *a, const struct client *b) {
        return a->len == b->len && memcmp(a->addr, b->addr, a->len) == 0;
}

unsigned http_guard_reserved(unsigned max) {
        /* an eighth, at least one once there are two slots: room for the
         * scrapers of an HA pair reconnecting while strangers hold the rest */
        if (max < 2)
                return 0;
        return max / 8 > 0 ? max / 8 : 1;
}

int http_guard_new(const struct http_guard_limits *limits, struct http_guard **ret) {
        struct http_guard *g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        (void) pthread_mutex_init(&g->lock, NULL);
        g->limits = *limits;
        g->reserved = http_guard_reserved(limits->max);
        *ret = g;
        return 0;
}

void http_guard_free(struct http_guard *g) {
        if (!g)
                return;
        while (g->head) {
                struct http_guard_conn *c = g->head;
                g->head = c->next;
                free(c);
        }
        (void) pthread_mutex_destroy(&g->lock);
        free(g);
}

enum http_guard_verdict http_guard_admit(struct http_guard *g, const struct sockaddr *addr) {
        struct client client = client_of(addr);
        enum http_guard_verdict v = HTTP_GUARD_ADMIT;
        (void) pthread_mutex_lock(&g->lock);
        unsigned same = 0;
        for (const struct http_guard_conn *c = g->head; c; c = c->next)
                same += client_equal(&c->client, &client);
        const struct http_guard_limits *l = &g->limits;
        if (l->max > 0 && g->open >= l->max)
                v = HTTP_GUARD_FULL;
        else if (l->per_client > 0 && same >= l->per_client)
                v = HTTP_GUARD_PER_CLIENT;
        else if (l->max > 0 && same > 0 && g->open >= l->max - g->reserved)
                v = HTTP_GUARD_RESERVED;
        g->stats.refused[v] += v != HTTP_GUARD_ADMIT;
        (void) pthread_mutex_unlock(&g->lock);
        return v;
}

struct http_guard_conn *http_guard_open(struct http_guard *g, const struct sockaddr *addr, int fd, uint64_t now_ns) {
        struct http_guard_conn *c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        c->guard = g;
        c->client = client_of(addr);
        c->fd = fd;
        c->phase = PHASE_REQUEST;
        c->deadline_ns = now_ns + g->limits.header_ns;
        (void) pthread_mutex_lock(&g->lock);
        c->next = g->head;
        if (g->head)
                g->head->prev = c;
        g->head = c;
        g->open++;
        bool news = deadline_news(g, c->deadline_ns);
        (void) pthread_mutex_unlock(&g->lock);
        if (news)
                g->wake(g->wake_data);
        return c;
}

/* Moves c to phase, with its deadline after_ns from now (0: none). */
static void set_phase(struct http_guard_conn *c, enum phase phase, uint64_t now_ns, uint64_t after_ns) {
        if (!c)
                return;
        struct http_guard *g = c->guard;
        (void) pthread_mutex_lock(&g->lock);
        /* the first request keeps the deadline its connection got at accept */
        bool news = false;
        if (!(phase == PHASE_REQUEST && c->phase == PHASE_REQUEST)) {
                c->phase = phase;
                c->deadline_ns = after_ns ? now_ns + after_ns : 0;
                news = deadline_news(g, c->deadline_ns);
        }
        (void) pthread_mutex_unlock(&g->lock);
        if (news)
                g->wake(g->wake_data);
}

void http_guard_request_line(struct http_guard_conn *c, uint64_t now_ns) {
        set_phase(c, PHASE_REQUEST, now_ns, c ? c->guard->limits.header_ns : 0);
}

void http_guard_serving(struct http_guard_conn *c) {
        set_phase(c, PHASE_SERVING, 0, 0);
}

void http_guard_done(struct http_guard_conn *c, uint64_t now_ns) {
        set_phase(c, PHASE_IDLE, now_ns, c ? c->guard->limits.idle_ns : 0);
}

void http_guard_close(struct http_guard_conn *c) {
        if (!c)
                return;
        struct http_guard *g = c->guard;
        (void) pthread_mutex_lock(&g->lock);
        if (c->prev)
                c->prev->next = c->next;
        else
                g->head = c->next;
        if (c->next)
                c->next->prev = c->prev;
        g->open--;
        (void) pthread_mutex_unlock(&g->lock);
        free(c);
}

void http_guard_set_waker(struct http_guard *g, void (*wake)(void *userdata), void *userdata) {
        (void) pthread_mutex_lock(&g->lock);
        g->wake = wake;
        g->wake_data = userdata;
        (void) pthread_mutex_unlock(&g->lock);
}

unsigned http_guard_expire(struct http_guard *g, uint64_t now_ns, uint64_t *ret_next_ns) {
        unsigned n = 0;
        uint64_t next = 0;
        (void) pthread_mutex_lock(&g->lock);
        for (struct http_guard_conn *c = g->head; c; c = c->next) {
                if (c->shut || c->deadline_ns == 0)
                        continue;
                if (now_ns < c->deadline_ns) {
                        if (next == 0 || c->deadline_ns < next)
                                next = c->deadline_ns;
                        continue;
                }
                (void) shutdown(c->fd, SHUT_RDWR);
                c->shut = true;
                g->stats.timed_out[c->phase == PHASE_IDLE ? HTTP_GUARD_TIMEOUT_IDLE : HTTP_GUARD_TIMEOUT_HEADERS]++;
                n++;
        }
        g->told_ns = next;
        (void) pthread_mutex_unlock(&g->lock);
        if (ret_next_ns)
                *ret_next_ns = next;
        return n;
}

void http_guard_get_stats(struct http_guard *g, struct http_guard_stats *ret) {
        (void) pthread_mutex_lock(&g->lock);
        *ret = g->stats;
        ret->open = g->open;
        (void) pthread_mutex_unlock(&g->lock);
}
