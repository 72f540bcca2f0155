/* The HTTP side: /metrics (or the configured path), a landing page at /,
 * /-/healthy and /-/ready, on libmicrohttpd. A pool of event-driven
 * threads per listening socket; a scrape collects in the thread that took
 * it, and scrapes serialise on the scrape engine's lock. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "push.h"
#include "scrape.h"

struct http_server;

struct http_server_config {
        const char *telemetry_path;
        unsigned max_connections;    /* per listening socket */
        unsigned max_per_client;     /* per listening socket and client address; 0: no limit */
        unsigned connection_timeout; /* seconds a connection may stay idle */
        unsigned header_timeout;     /* seconds from accept, or a request line, to the request's end */
        const char *web_config_file; /* node_exporter's web config (TLS, basic auth, headers); NULL: none */
};

/* Serves on the given listening sockets (the server owns them from now on,
 * even on failure). Returns 0 or a negative errno; -EINVAL when the web
 * config or its files are bad, with diag saying why. */
int http_server_start(const int *fds, size_t n_fds, const struct http_server_config *cfg, struct scrape_engine *engine,
                      struct http_server **ret, struct diag *diag);
/* Reads the web config at path (NULL: none) and what it names as
 * http_server_start would, without serving: 0, or -EINVAL and diag. */
int http_server_check_web(const char *path, struct diag *diag);
/* Reads the web config at path (NULL: none) again: its users and headers
 * answer the requests from now on, its certificates the handshakes. TLS
 * turned on or off, or other TLS versions, wait for a restart: 1 then,
 * else 0. On error nothing changes: a negative errno, and diag. */
int http_server_reload_web(struct http_server *s, const char *path, struct diag *diag);
/* Swaps the telemetry path (after a reload). */
int http_server_set_telemetry_path(struct http_server *s, const char *path);
/* The push targets the landing page shows (NULL: none); push must outlive
 * the server or be unset first. */
void http_server_set_push(struct http_server *s, struct push *push);
/* /-/ready answers 503 once this is false (while stopping). */
void http_server_set_ready(struct http_server *s, bool ready);
void http_server_stop(struct http_server *s);
/* The server's own series (a scrape engine source): connections open,
 * refused and timed out. */
int http_server_metrics(struct metric_set *set, void *userdata);
