/* HTTP server. Requests are answered once libmicrohttpd has the whole
 * request (so that connections stay alive); nothing here reads a body, and
 * any method but GET and HEAD is 405. libmicrohttpd bounds the memory of
 * a connection; http_guard decides which connections are taken and ends
 * those that miss their deadlines, which a thread of its own checks. */
#include "http_server.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "gzip.h"
#include "http_auth.h"
#include "http_guard.h"
#include "http_tls.h"
#include "landing_page.h"
#include "log.h"
#include "prom_text.h"
#include "scrape_share.h"

/* Threads that answer requests, each polling the listening socket: a
 * scrape runs its collection in the thread that took it (or waits for the
 * next one, which scrapes that come together share: scrape_share.h), and
 * while it does, the others accept and answer new connections, so that a
 * slow collection never holds /-/healthy, /-/ready or the landing page
 * (which reads the statuses without the engine's lock). Three: two
 * Prometheus servers of an HA pair scraping at once still leave one free. */
#define HTTP_THREADS 3

/* What --web.config.file sets that a reload swaps: the users and the
 * headers. A request holds the one it began with (refs) to its end. */
struct http_web {
        atomic_uint refs;
        struct web_config cfg;
        struct http_auth *auth; /* NULL: no basic auth */
};

/* A listening socket: its daemon, and the limits of its connections. */
struct http_listener {
        struct MHD_Daemon *daemon;
        struct http_guard *guard;
        struct http_tls *tls; /* the server's; NULL: plain HTTP */
};

struct http_server {
        struct http_listener *listeners;
        size_t n_listeners;
        struct scrape_engine *engine;
        /* the landing page's energy figures, an observer of the engine */
        struct landing_energy *energy;
        _Atomic(struct push *) push; /* for the landing page; NULL: none */
        double started;              /* seconds since the epoch */
        atomic_bool ready;
        atomic_bool stopping; /* scrapes are answered 503 from then on */

        pthread_mutex_t path_lock;
        char *telemetry_path;

        pthread_mutex_t web_lock;
        struct http_web *web; /* NULL: no web config */
        struct http_tls *tls; /* NULL: plain HTTP; set at start for the server's life */
        atomic_ullong unauthorized;

        pthread_t reaper;
        bool reaper_started;
        pthread_mutex_t reaper_lock;
        pthread_cond_t reaper_wake; /* on CLOCK_MONOTONIC */
        bool reaper_stop;

        /* Scrapes that come together share a collection (scrape_share.h).
         * The round's leader writes these, inside scrape_engine_collect,
         * under the engine lock; its members read them until
         * scrape_share_done, before which no other round writes. */
        struct scrape_share share;
        struct prom_encoder encoder;
        struct buf text;
        struct buf gz;
        struct gzip_encoder gzip;
};

/* Queues r with the headers the web config adds, and lets go of r. */
static enum MHD_Result queue(struct MHD_Connection *c, const struct http_web *w, unsigned status,
                             struct MHD_Response *r) {
        for (size_t i = 0; w && i < w->cfg.n_headers; i++)
                (void) MHD_add_response_header(r, w->cfg.headers[i].name, w->cfg.headers[i].value);
        enum MHD_Result ret = MHD_queue_response(c, status, r);
        MHD_destroy_response(r);
        return ret;
}

static enum MHD_Result send_text(struct MHD_Connection *c, const struct http_web *w, unsigned status,
                                 const char *content_type, const char *body) {
        struct MHD_Response *r =
                MHD_create_response_from_buffer(strlen(body), (void *) (uintptr_t) body, MHD_RESPMEM_PERSISTENT);
        if (!r)
                return MHD_NO;
        (void) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
                (void) MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
        if (status == MHD_HTTP_UNAUTHORIZED)
                (void) MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic");
        return queue(c, w, status, r);
}

/* A round's work (scrape_share.h), done by its leader: the text, and its
 * gzip when a member asked for it. */
struct metrics_round {
        struct http_server *server;
        unsigned forms;
};

static int metrics_consume(const struct metric_set *set, void *userdata) {
        const struct metrics_round *round = userdata;
        struct http_server *s = round->server;
        if (atomic_load(&s->stopping))
                return -ECANCELED; /* a scrape that waited for the last collection */
        buf_reset(&s->text);
        int r = prom_text_encode(&s->encoder, set, &s->text);
        if (r >= 0 && (round->forms & SCRAPE_SHARE_GZIP))
                r = gzip_compress(&s->gzip, s->text.data, s->text.len, &s->gz);
        return r < 0 ? r : 0;
}

static int metrics_produce(unsigned forms, void *userdata) {
        struct metrics_round round = {.server = userdata, .forms = forms};
        return atomic_load(&round.server->stopping)
                       ? -ECANCELED
                       : scrape_engine_collect(round.server->engine, metrics_consume, &round);
}

static enum MHD_Result serve_metrics(struct http_server *s, struct MHD_Connection *c, const struct http_web *w) {
        const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
        bool gzip = gzip_accepted(ae);
        int r = scrape_share_join(&s->share, gzip ? SCRAPE_SHARE_GZIP : SCRAPE_SHARE_TEXT, metrics_produce, s);
        struct MHD_Response *response = NULL;
        if (r >= 0) {
                /* the round's answer, copied before the next round may write it */
                const struct buf *body = gzip ? &s->gz : &s->text;
                response = MHD_create_response_from_buffer(body->len, body->data, MHD_RESPMEM_MUST_COPY);
                if (!response)
                        r = -ENOMEM;
        }
        scrape_share_done(&s->share);
        if (r == -ECANCELED)
                return send_text(c, w, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", "Stopping\n");
        if (r < 0) {
                log_errno(LOG_LEVEL_ERROR, r, "cannot answer a scrape");
                return send_text(c, w, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                                 "An error has occurred while serving metrics.\n");
        }
        (void) MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, PROM_TEXT_CONTENT_TYPE);
        (void) MHD_add_response_header(response, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
        if (gzip)
                (void) MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
        return queue(c, w, MHD_HTTP_OK, response);
}

static enum MHD_Result serve_landing(struct http_server *s, struct MHD_Connection *c, const struct http_web *w,
                                     const char *path) {
        char host[256] = "";
        (void) gethostname(host, sizeof(host) - 1);
        struct landing_page page = {
                .engine = s->engine,
                .energy = s->energy,
                .push = atomic_load(&s->push),
                .host = host,
                .metrics_path = path,
                .started = s->started,
                .now = (double) clock_ms(CLOCK_REALTIME) / 1000,
        };
        struct buf b = {0};
        landing_page_write(&b, &page);
        if (b.error < 0) {
                buf_free(&b);
                return MHD_NO;
        }
        struct MHD_Response *r = MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_FREE);
        if (!r) {
                buf_free(&b);
                return MHD_NO;
        }
        (void) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
        return queue(c, w, MHD_HTTP_OK, r);
}

static struct http_guard_conn *connection_guard(struct MHD_Connection *c) {
        const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        return info ? info->socket_context : NULL;
}

static struct http_web *web_get(struct http_server *s) {
        (void) pthread_mutex_lock(&s->web_lock);
        struct http_web *w = s->web;
        if (w)
                atomic_fetch_add(&w->refs, 1);
        (void) pthread_mutex_unlock(&s->web_lock);
        return w;
}

static void web_put(struct http_web *w) {
        if (!w || atomic_fetch_sub(&w->refs, 1) != 1)
                return;
        http_auth_free(w->auth);
        web_config_free(&w->cfg);
        free(w);
}

/* A request without a web config holds this rather than NULL, which
 * means "first call" to handle(). */
static struct http_web no_web;

static bool authorized(struct MHD_Connection *c, const struct http_web *w) {
        if (!w->auth)
                return true;
        char *password = NULL;
        char *user = MHD_basic_auth_get_username_password(c, &password);
        bool ok = http_auth_check(w->auth, user, password);
        if (password)
                explicit_bzero(password, strlen(password));
        MHD_free(user);
        MHD_free(password);
        return ok;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              _unused_ const char *version, _unused_ const char *upload_data, size_t *upload_data_size,
                              void **req_cls) {
        struct http_server *s = cls;
        /* MHD calls once with the headers, then with any body, then with
         * none left. A response queued at the first call is an early one,
         * after which MHD closes the connection: Prometheus's keep-alive
         * would then cost a new TCP connection every scrape. The request
         * holds the web config it began with until request_done. */
        bool first = !*req_cls;
        if (first) {
                struct http_web *web = web_get(s);
                *req_cls = web ? web : &no_web;
                http_guard_serving(connection_guard(c));
        }
        const struct http_web *w = *req_cls == &no_web ? NULL : *req_cls;
        if (first && w && !authorized(c, w)) {
                atomic_fetch_add(&s->unauthorized, 1);
                return send_text(c, w, MHD_HTTP_UNAUTHORIZED, "text/plain; charset=utf-8", "Unauthorized\n");
        }
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
                /* at once, without reading a body: MHD then closes the connection */
                return send_text(c, w, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                                 "Method Not Allowed\n");
        if (first)
                return MHD_YES;
        if (*upload_data_size > 0) {
                *upload_data_size = 0; /* a GET with a body: the body is dropped */
                return MHD_YES;
        }

        char path[256];
        (void) pthread_mutex_lock(&s->path_lock);
        str_copy(path, sizeof(path), s->telemetry_path);
        (void) pthread_mutex_unlock(&s->path_lock);

        if (strcmp(url, path) == 0)
                return serve_metrics(s, c, w);
        if (strcmp(url, "/") == 0)
                return serve_landing(s, c, w, path);
        if (strcmp(url, "/-/healthy") == 0)
                return send_text(c, w, MHD_HTTP_OK, "text/plain; charset=utf-8", "Healthy\n");
        if (strcmp(url, "/-/ready") == 0) {
                if (atomic_load(&s->ready))
                        return send_text(c, w, MHD_HTTP_OK, "text/plain; charset=utf-8", "Ready\n");
                return send_text(c, w, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", "Not ready\n");
        }
        return send_text(c, w, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "Not Found\n");
}

static enum MHD_Result admit(void *cls, const struct sockaddr *addr, _unused_ socklen_t len) {
        struct http_listener *l = cls;
        return http_guard_admit(l->guard, addr) == HTTP_GUARD_ADMIT ? MHD_YES : MHD_NO;
}

static void connection_event(void *cls, struct MHD_Connection *c, void **socket_context,
                             enum MHD_ConnectionNotificationCode code) {
        struct http_listener *l = cls;
        if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
                http_guard_close(*socket_context);
                *socket_context = NULL;
                return;
        }
        const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *addr = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (fd && addr)
                *socket_context =
                        http_guard_open(l->guard, addr->client_addr, fd->connect_fd, clock_ns(CLOCK_MONOTONIC));
        /* MHD made the TLS session and shakes hands once the client speaks */
        const union MHD_ConnectionInfo *tls =
                l->tls ? MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION) : NULL;
        if (tls && tls->tls_session)
                (void) http_tls_session_start(l->tls, tls->tls_session, clock_ns(CLOCK_BOOTTIME));
}

/* Called once a request line has arrived, before its headers. */
static void *request_line(_unused_ void *cls, _unused_ const char *uri, struct MHD_Connection *c) {
        http_guard_request_line(connection_guard(c), clock_ns(CLOCK_MONOTONIC));
        return NULL;
}

static void request_done(_unused_ void *cls, struct MHD_Connection *c, void **req_cls,
                         _unused_ enum MHD_RequestTerminationCode why) {
        http_guard_done(connection_guard(c), clock_ns(CLOCK_MONOTONIC));
        if (*req_cls != &no_web)
                web_put(*req_cls);
        *req_cls = NULL;
}

/* Ends the connections past their deadline. It sleeps until the earliest
 * deadline, or for good while no connection has one; a guard wakes it
 * when a connection gets an earlier one (reaper_news). An idle server
 * costs no wake-up. */
static void *reaper_run(void *userdata) {
        struct http_server *s = userdata;
        (void) pthread_mutex_lock(&s->reaper_lock);
        while (!s->reaper_stop) {
                uint64_t now = clock_ns(CLOCK_MONOTONIC), next = 0;
                for (size_t i = 0; i < s->n_listeners; i++) {
                        uint64_t n;
                        (void) http_guard_expire(s->listeners[i].guard, now, &n);
                        if (n != 0 && (next == 0 || n < next))
                                next = n;
                }
                if (next == 0) {
                        (void) pthread_cond_wait(&s->reaper_wake, &s->reaper_lock);
                } else {
                        struct timespec at = {(time_t) (next / 1000000000u), (long) (next % 1000000000u)};
                        (void) pthread_cond_timedwait(&s->reaper_wake, &s->reaper_lock, &at);
                }
        }
        (void) pthread_mutex_unlock(&s->reaper_lock);
        return NULL;
}

/* A guard's news of an earlier deadline. The reaper holds reaper_lock
 * except while it waits, so this signal cannot fall between its look at
 * the deadlines and its wait. */
static void reaper_news(void *userdata) {
        struct http_server *s = userdata;
        (void) pthread_mutex_lock(&s->reaper_lock);
        (void) pthread_cond_signal(&s->reaper_wake);
        (void) pthread_mutex_unlock(&s->reaper_lock);
}

static const char *const refused_labels[] = {"reason"};
static const struct metric_desc refused_desc = {
        "vigie_http_connections_refused_total",
        "Connections closed at once, by reason: per_client (the client held its share), reserved (only the slots "
        "kept for clients holding none were left), full.",
        METRIC_COUNTER, 1, refused_labels};
static const char *const timed_out_labels[] = {"phase"};
static const struct metric_desc timed_out_desc = {
        "vigie_http_connections_timed_out_total",
        "Connections closed for missing a deadline: headers (a request or TLS handshake not whole within "
        "header_timeout), idle (no new request within connection_timeout).",
        METRIC_COUNTER, 1, timed_out_labels};
static const struct metric_desc unauthorized_desc = {
        "vigie_http_requests_unauthorized_total",
        "Requests answered 401: no, or wrong, basic auth credentials for the web config's basic_auth_users.",
        METRIC_COUNTER, 0, NULL};
static const struct metric_desc shared_desc = {
        "vigie_http_scrapes_shared_total",
        "Scrapes answered from a collection another scrape made: they came while a collection ran, and shared the "
        "next one.",
        METRIC_COUNTER, 0, NULL};
static const struct metric_desc open_desc = {"vigie_http_connections", "Connections open now.", METRIC_GAUGE, 0, NULL};

int http_server_metrics(struct metric_set *set, void *userdata) {
        struct http_server *s = userdata;
        struct http_guard_stats st = {0};
        for (size_t i = 0; i < s->n_listeners; i++) {
                struct http_guard_stats one;
                http_guard_get_stats(s->listeners[i].guard, &one);
                for (size_t k = 0; k < HTTP_GUARD_VERDICTS; k++)
                        st.refused[k] += one.refused[k];
                for (size_t k = 0; k < HTTP_GUARD_TIMEOUTS; k++)
                        st.timed_out[k] += one.timed_out[k];
                st.open += one.open;
        }
        (void) metric_set_family(set, &open_desc);
        (void) metric_set_sample0(set, st.open);
        (void) metric_set_family(set, &refused_desc);
        (void) metric_set_sample1(set, (double) st.refused[HTTP_GUARD_FULL], "full");
        (void) metric_set_sample1(set, (double) st.refused[HTTP_GUARD_PER_CLIENT], "per_client");
        (void) metric_set_sample1(set, (double) st.refused[HTTP_GUARD_RESERVED], "reserved");
        (void) metric_set_family(set, &timed_out_desc);
        (void) metric_set_sample1(set, (double) st.timed_out[HTTP_GUARD_TIMEOUT_HEADERS], "headers");
        (void) metric_set_sample1(set, (double) st.timed_out[HTTP_GUARD_TIMEOUT_IDLE], "idle");
        (void) metric_set_family(set, &unauthorized_desc);
        (void) metric_set_sample0(set, (double) atomic_load(&s->unauthorized));
        (void) pthread_mutex_lock(&s->share.lock);
        uint64_t shared = s->share.scrapes_shared;
        (void) pthread_mutex_unlock(&s->share.lock);
        (void) metric_set_family(set, &shared_desc);
        (void) metric_set_sample0(set, (double) shared);
        return set->error;
}

/* Routes compare the path as sent: no route has an escaped character, and
 * decoding first would make "/%00" read as "/" (MHD's decoder stops at NUL). */
static size_t keep_escaped(_unused_ void *cls, _unused_ struct MHD_Connection *c, char *s) {
        return strlen(s);
}

_printf_(2, 0) static void mhd_log(_unused_ void *cls, const char *fmt, va_list ap) {
        char msg[512];
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        size_t n = strlen(msg);
        while (n > 0 && msg[n - 1] == '\n')
                msg[--n] = '\0';
        log_debug("http: %s", msg);
}

/* Takes wc over (it is emptied). */
static int web_new(struct web_config *wc, struct http_web **ret) {
        struct http_web *w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        atomic_init(&w->refs, 1);
        if (wc->n_users > 0) {
                int r = http_auth_new(wc->users, wc->n_users, &w->auth);
                if (r < 0) {
                        free(w);
                        return r;
                }
        }
        w->cfg = *wc;
        *wc = (struct web_config){0};
        *ret = w;
        return 0;
}

/* The web config at path and, when it asks for TLS, its files. */
static int web_load(const char *path, struct web_config *ret_wc, struct http_tls **ret_tls, struct diag *diag) {
        int r = web_config_load(path, ret_wc, diag);
        if (r < 0)
                return r;
        if (ret_tls && web_config_tls(ret_wc)) {
                r = http_tls_new(ret_wc, ret_tls, diag);
                if (r < 0)
                        web_config_free(ret_wc);
        }
        return r;
}

int http_server_check_web(const char *path, struct diag *diag) {
        if (!path)
                return 0;
        struct web_config wc;
        struct http_tls *t = NULL;
        int r = web_load(path, &wc, &t, diag);
        if (r < 0)
                return r;
        http_tls_free(t);
        web_config_free(&wc);
        return 0;
}

int http_server_reload_web(struct http_server *s, const char *path, struct diag *diag) {
        struct web_config wc = {0};
        int r = path ? web_config_load(path, &wc, diag) : 0;
        if (r < 0)
                return r;
        bool tls = path && web_config_tls(&wc);
        int restart = tls != (s->tls != NULL);
        if (tls && s->tls) {
                r = http_tls_reload(s->tls, &wc, diag);
                if (r < 0) {
                        web_config_free(&wc);
                        return r;
                }
                restart |= r;
        }
        struct http_web *w = NULL;
        if (path && (r = web_new(&wc, &w)) < 0) {
                web_config_free(&wc);
                return r;
        }
        (void) pthread_mutex_lock(&s->web_lock);
        struct http_web *old = s->web;
        s->web = w;
        (void) pthread_mutex_unlock(&s->web_lock);
        web_put(old);
        return restart;
}

int http_server_start(const int *fds, size_t n_fds, const struct http_server_config *cfg, struct scrape_engine *engine,
                      struct http_server **ret, struct diag *diag) {
        struct http_server *s = calloc(1, sizeof(*s));
        if (!s || !(s->listeners = calloc(n_fds, sizeof(*s->listeners))) ||
            !(s->telemetry_path = strdup(cfg->telemetry_path)) || landing_energy_new(NULL, &s->energy) < 0) {
                if (s) {
                        free(s->listeners);
                        free(s->telemetry_path);
                }
                free(s);
                for (size_t i = 0; i < n_fds; i++)
                        (void) close(fds[i]);
                return -ENOMEM;
        }
        /* set before any daemon starts: a connection waiting in a socket
         * passed by systemd is answered at once */
        s->engine = engine;
        s->started = (double) clock_ms(CLOCK_REALTIME) / 1000;
        atomic_store(&s->ready, true);
        scrape_share_init(&s->share);
        (void) pthread_mutex_init(&s->path_lock, NULL);
        (void) pthread_mutex_init(&s->web_lock, NULL);
        (void) pthread_mutex_init(&s->reaper_lock, NULL);
        pthread_condattr_t ca;
        (void) pthread_condattr_init(&ca);
        (void) pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        (void) pthread_cond_init(&s->reaper_wake, &ca);
        (void) pthread_condattr_destroy(&ca);

        struct http_guard_limits limits = {
                .max = cfg->max_connections,
                .per_client = cfg->max_per_client,
                .header_ns = (uint64_t) cfg->header_timeout * 1000000000u,
                .idle_ns = (uint64_t) cfg->connection_timeout * 1000000000u,
        };
        int r = 0;
        unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
        struct MHD_OptionItem tls_options[3] = {{MHD_OPTION_END, 0, NULL}};
        if (cfg->web_config_file) {
                struct web_config wc;
                r = web_load(cfg->web_config_file, &wc, &s->tls, diag);
                if (r >= 0 && (r = web_new(&wc, &s->web)) < 0)
                        web_config_free(&wc);
        }
        if (r >= 0 && s->tls) {
                flags |= MHD_USE_TLS;
                http_tls_activate(s->tls);
                tls_options[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *) http_tls_retrieve};
                tls_options[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
                                                         (void *) (uintptr_t) http_tls_priorities(s->tls)};
        }
        for (size_t i = 0; i < n_fds; i++) {
                struct http_listener *l = &s->listeners[s->n_listeners];
                if (r >= 0)
                        r = http_guard_new(&limits, &l->guard);
                if (r < 0) {
                        (void) close(fds[i]);
                        continue;
                }
                http_guard_set_waker(l->guard, reaper_news, s);
                l->tls = s->tls;
                /* an option and its values a line: packed, they would not read */
                // clang-format off
                struct MHD_Daemon *d = MHD_start_daemon(
                        flags, 0, admit, l, handle, s,
                        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                        MHD_OPTION_LISTEN_SOCKET, (MHD_socket) fds[i],
                        MHD_OPTION_CONNECTION_LIMIT, (unsigned int) cfg->max_connections,
                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) cfg->connection_timeout,
                        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) (32 * 1024),
                        MHD_OPTION_NOTIFY_CONNECTION, connection_event, l,
                        MHD_OPTION_URI_LOG_CALLBACK, request_line, NULL,
                        MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL,
                        MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
                        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int) HTTP_THREADS,
                        MHD_OPTION_ARRAY, tls_options,
                        MHD_OPTION_END);
                // clang-format on
                if (!d) {
                        http_guard_free(l->guard);
                        l->guard = NULL;
                        (void) close(fds[i]);
                        r = -EIO;
                        continue;
                }
                l->daemon = d;
                s->n_listeners++;
        }
        if (r >= 0) {
                r = -pthread_create(&s->reaper, NULL, reaper_run, s);
                s->reaper_started = r == 0;
        }
        if (r < 0) {
                http_server_stop(s);
                return r;
        }
        scrape_engine_set_source(engine, SCRAPE_SOURCE_HTTP, http_server_metrics, s);
        scrape_engine_set_observer(engine, landing_energy_observe, s->energy);
        *ret = s;
        return 0;
}

int http_server_set_telemetry_path(struct http_server *s, const char *path) {
        char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        (void) pthread_mutex_lock(&s->path_lock);
        free(s->telemetry_path);
        s->telemetry_path = p;
        (void) pthread_mutex_unlock(&s->path_lock);
        return 0;
}

void http_server_set_push(struct http_server *s, struct push *push) {
        atomic_store(&s->push, push);
}

void http_server_set_ready(struct http_server *s, bool ready) {
        atomic_store(&s->ready, ready);
}

void http_server_stop(struct http_server *s) {
        if (!s)
                return;
        /* Not ready, and no new collection; the one running (a slow
         * collector) is waited for while the other threads still answer,
         * 503 to /-/ready and to the scrapes that waited for it. */
        atomic_store(&s->ready, false);
        atomic_store(&s->stopping, true);
        if (s->engine) {
                scrape_engine_set_source(s->engine, SCRAPE_SOURCE_HTTP, NULL, NULL);
                scrape_engine_set_observer(s->engine, NULL, NULL);
                scrape_engine_wait_idle(s->engine);
        }
        /* MHD closes the listening socket it was handed when it stops */
        if (s->reaper_started) {
                (void) pthread_mutex_lock(&s->reaper_lock);
                s->reaper_stop = true;
                (void) pthread_cond_signal(&s->reaper_wake);
                (void) pthread_mutex_unlock(&s->reaper_lock);
                (void) pthread_join(s->reaper, NULL);
        }
        for (size_t i = 0; i < s->n_listeners; i++) {
                MHD_stop_daemon(s->listeners[i].daemon);
                http_guard_free(s->listeners[i].guard);
        }
        free(s->listeners);
        web_put(s->web);
        http_tls_free(s->tls);
        (void) pthread_mutex_destroy(&s->web_lock);
        (void) pthread_cond_destroy(&s->reaper_wake);
        (void) pthread_mutex_destroy(&s->reaper_lock);
        prom_encoder_free(&s->encoder);
        buf_free(&s->text);
        buf_free(&s->gz);
        gzip_encoder_free(&s->gzip);
        free(s->telemetry_path);
        (void) pthread_mutex_destroy(&s->path_lock);
        scrape_share_destroy(&s->share);
        landing_energy_free(s->energy);
        free(s);
}
