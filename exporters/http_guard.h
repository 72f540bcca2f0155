/* What keeps one client from taking every connection of the HTTP server:
 * a per-client limit, the last slots kept for clients that hold none (a
 * scraper reconnecting), and deadlines a connection must meet whatever
 * it trickles: its request (and TLS handshake) whole within the header
 * timeout, its next request begun within the idle timeout. Thread-safe;
 * knows sockets and addresses, not HTTP. */
#pragma once

#include <stdint.h>
#include <sys/socket.h>

struct http_guard;
struct http_guard_conn;

struct http_guard_limits {
        unsigned max;        /* connections at once, every client together (0: no limit) */
        unsigned per_client; /* connections one address holds at once (0: no limit) */
        uint64_t header_ns;  /* from accept or from the request line to the request's end */
        uint64_t idle_ns;    /* from a response to the next request line */
};

enum http_guard_verdict {
        HTTP_GUARD_ADMIT,
        HTTP_GUARD_PER_CLIENT, /* the client holds per_client connections already */
        HTTP_GUARD_RESERVED,   /* only the slots kept for clients holding none are left */
        HTTP_GUARD_FULL,
        HTTP_GUARD_VERDICTS,
};

enum http_guard_timeout {
        HTTP_GUARD_TIMEOUT_HEADERS,
        HTTP_GUARD_TIMEOUT_IDLE,
        HTTP_GUARD_TIMEOUTS,
};

struct http_guard_stats {
        uint64_t refused[HTTP_GUARD_VERDICTS]; /* [HTTP_GUARD_ADMIT] stays 0 */
        uint64_t timed_out[HTTP_GUARD_TIMEOUTS];
        unsigned open;
};

/* How many of max slots are kept for clients that hold no connection. */
unsigned http_guard_reserved(unsigned max);

int http_guard_new(const struct http_guard_limits *limits, struct http_guard **ret);
void http_guard_free(struct http_guard *g);

/* Whether a new connection from addr may be served; a refusal is counted. */
enum http_guard_verdict http_guard_admit(struct http_guard *g, const struct sockaddr *addr);
/* Tracks an accepted connection (fd: its socket) from now on; NULL when
 * out of memory (the connection is then served without deadlines). */
struct http_guard_conn *http_guard_open(struct http_guard *g, const struct sockaddr *addr, int fd, uint64_t now_ns);
/* A request line arrived: the request must be whole within header_ns. */
void http_guard_request_line(struct http_guard_conn *c, uint64_t now_ns);
/* The request is whole: no deadline while it is answered. */
void http_guard_serving(struct http_guard_conn *c);
/* The response went out: the next request must begin within idle_ns. */
void http_guard_done(struct http_guard_conn *c, uint64_t now_ns);
/* Forgets c, before its socket is closed. NULL is nothing. */
void http_guard_close(struct http_guard_conn *c);
/* Shuts down the sockets of the connections past their deadline (the
 * server then sees them end and closes them); returns how many, and in
 * *ret_next_ns the earliest deadline left (0: none). */
unsigned http_guard_expire(struct http_guard *g, uint64_t now_ns, uint64_t *ret_next_ns);
/* wake(userdata) is called, outside the guard's lock, whenever a
 * connection gets a deadline earlier than the one the last expire gave
 * (or any, after one that gave none): whoever expires deadlines sleeps
 * until the next one, not on a tick, and an idle server wakes no one. */
void http_guard_set_waker(struct http_guard *g, void (*wake)(void *userdata), void *userdata);
void http_guard_get_stats(struct http_guard *g, struct http_guard_stats *ret);
