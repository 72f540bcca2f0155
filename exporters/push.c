/* Push targets. One collection thread serves every target: at each tick
 * of a target's own clock it collects once for all the targets then due,
 * encodes under the engine lock into memory (remote_write.c) and hands
 * each its batch outside it. Each target then has two threads: a writer,
 * the only one that waits on the disk, appends the batches that wait in
 * its bounded memory list to the disk queue (push_queue.c), so that
 * neither a scrape nor the clock waits for an fsync; a sender sends the
 * queue oldest first, one batch at a time, so that every series stays in
 * time order, after a restart too. What the sender does with an answer is
 * push_verdict's: 2xx: the batch is removed; 5xx, 429 and network errors:
 * retried with capped exponential backoff and jitter; 307 and 308 within
 * the target's origin: followed with the body; any other redirect or a
 * TLS or URL problem: a configuration error, retried likewise and logged;
 * any other 4xx: the batch is dropped and counted (one bad batch must not
 * block those behind it). */
#include "push.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "push_libs.h"
#include "push_queue.h"
#include "remote_write.h"

/* A batch collected and waiting in memory for the target's writer. */
struct batch {
        struct buf data;
        uint32_t samples;
        int64_t ts_ms;
};

struct target {
        struct push *push;
        const struct push_libs *lib;
        char *name;
        char *url;
        char *shown_url; /* url with its password masked: what the log says */
        uint64_t interval_ms, timeout_ms;
        struct push_pace pace;
        char *bearer, *username, *password, *ca_file, *cert_file, *key_file;
        bool insecure;
        struct curl_slist *headers;
        struct push_queue *queue;
        pthread_t writer, sender;
        bool writer_started, sender_started;
        struct buf writing; /* the writer's: the batch it appends */
        struct buf body;    /* the sender's */
        /* under lock: the buffer the next batch collected goes into. Only
         * the slots that hold a batch keep a buffer, so that memory follows
         * what waits, not queue_memory_batches times the largest batch. */
        struct buf spare;

        pthread_mutex_t lock; /* the counters, the memory list and the wake-up below; never held across I/O */
        pthread_cond_t wake;  /* broadcast when a batch is collected or queued, and at stop */
        bool appended;
        /* batches waiting for the writer: a ring of memory_cap, oldest at memory_first */
        struct batch *memory;
        size_t memory_cap, memory_first, memory_n;
        uint64_t sent, retried, retries, dropped_4xx, dropped_disk_slow, dropped_memory, skipped;
        double last_success;
        unsigned seed;           /* for the jitter: differs from agent to agent */
        int last_status;         /* the sender's, to log a change of state once; -1 before the first send */
        char last_redirect[512]; /* the sender's: why the last redirect was not followed, or "" */
        uint64_t out_since;      /* the sender's: CLOCK_MONOTONIC ms of an outage's first failure, 0 if none */
        uint64_t next_send;      /* the sender's: CLOCK_MONOTONIC ms before which the pace lets nothing go */
        int last_queue_result;   /* the writer's, to log a change once */
        uint64_t deadline;       /* the collection thread's: the target's next tick (CLOCK_MONOTONIC ms) */
        bool late;               /* the collection thread's: the last tick was late */
        bool dropping;           /* the collection thread's: the memory list was full at the last tick */
};

struct push {
        struct scrape_engine *engine;
        struct target *targets;
        size_t n;
        struct rw_labels labels;
        char **label_storage;
        atomic_bool stopping;

        /* the collection thread: one collection for the targets due at once */
        pthread_t collector;
        bool collector_started;
        pthread_mutex_t lock; /* its wait */
        pthread_cond_t wake;  /* broadcast at stop */
        struct buf encoded;   /* the batch of the last collection, the same for every target */
        size_t encoded_samples;
        int64_t encoded_ts;
        int last_collect_result;
};

static const char *const target_label[] = {"target"};
static const char *const target_reason[] = {"reason", "target"};
#define PUSH(name, help, type, n, labels)                                                                              \
        { "vigie_push_" name, help, type, n, labels }
static const struct metric_desc sent_desc =
        PUSH("samples_sent_total", "Samples the target acknowledged.", METRIC_COUNTER, 1, target_label);
static const struct metric_desc retried_desc =
        PUSH("samples_retried_total",
             "Samples in sends that failed (5xx, 429, network) and will be sent again: kept in the queue, not lost "
             "(losses are in vigie_push_samples_dropped_total).",
             METRIC_COUNTER, 1, target_label);
static const struct metric_desc retries_desc = PUSH(
        "retries_total", "Sends that failed (5xx, 429, network) and are retried.", METRIC_COUNTER, 1, target_label);
static const struct metric_desc dropped_desc =
        PUSH("samples_dropped_total",
             "Samples given up: http_4xx (refused by the target), queue_full (oldest dropped to stay in the disk "
             "budget), write_error (could not be queued: disk full, out of memory), disk_slow (collected while "
             "queue_memory_batches batches already waited for the disk: the oldest went).",
             METRIC_COUNTER, 2, target_reason);
static const struct metric_desc corrupt_desc =
        PUSH("queue_corrupt_records_total", "Damaged queue records skipped (checksum mismatch).", METRIC_COUNTER, 1,
             target_label);
static const struct metric_desc corrupt_bytes_desc =
        PUSH("queue_corrupt_bytes_total",
             "Bytes of the disk queue skipped with damaged records (more than the records counted when damage "
             "wiped a record's header).",
             METRIC_COUNTER, 1, target_label);
static const struct metric_desc qbytes_desc =
        PUSH("queue_bytes", "Bytes waiting in the disk queue.", METRIC_GAUGE, 1, target_label);
static const struct metric_desc qbatches_desc =
        PUSH("queue_batches", "Batches waiting in the disk queue.", METRIC_GAUGE, 1, target_label);
static const struct metric_desc qsamples_desc =
        PUSH("queue_samples", "Samples waiting in the disk queue.", METRIC_GAUGE, 1, target_label);
static const struct metric_desc memory_desc = PUSH(
        "memory_batches", "Batches collected and waiting in memory for the disk queue (at most queue_memory_batches).",
        METRIC_GAUGE, 1, target_label);
static const struct metric_desc oldest_desc =
        PUSH("oldest_queued_sample_age_seconds", "Age of the oldest queued sample.", METRIC_GAUGE, 1, target_label);
static const struct metric_desc skipped_desc =
        PUSH("collections_skipped_total",
             "Collections not made because the one before took longer than the interval (collecting; never the "
             "disk or the network).",
             METRIC_COUNTER, 1, target_label);
static const struct metric_desc success_desc = PUSH(
        "last_success_timestamp_seconds", "When the target last acknowledged a batch.", METRIC_GAUGE, 1, target_label);

/* --- configuration --- */

/* Whether v can go into a request header as it is: no control character
 * (CR or LF would end the header and start another one). */
static bool header_value_ok(const char *v, size_t len) {
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) v[i] < 0x20 || v[i] == 0x7f)
                        return false;
        return true;
}

/* An entry of s that goes into a request header as it is. */
static int check_header_value(const struct config_section *s, const struct config_entry *e, struct diag *diag) {
        if (!header_value_ok(e->value, strlen(e->value)))
                return config_entry_error(s, e, diag,
                                          "a control character: refused, it would end up in a request "
                                          "header");
        return 0;
}

/* A secret file, read as ssh reads a private key: owned by the agent's
 * user (or root), no access for group or others, a regular file. Its
 * trailing newlines are stripped; a control character inside is refused. */
static int read_secret_file(const struct config_section *s, const struct config_entry *f, char **ret,
                            struct diag *diag) {
        _cleanup_close_ int fd = open(f->value, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return config_entry_error(s, f, diag, "cannot read %s: %s", f->value, strerror(errno));
        struct stat st;
        if (fstat(fd, &st) < 0)
                return config_entry_error(s, f, diag, "cannot read %s: %s", f->value, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return config_entry_error(s, f, diag, "%s is not a regular file", f->value);
        if (st.st_uid != geteuid() && st.st_uid != 0)
                return config_entry_error(s, f, diag,
                                          "%s is owned by uid %u, neither vigie's user (uid %u) nor root: refused "
                                          "(a secret must not be in another user's hands)",
                                          f->value, (unsigned) st.st_uid, (unsigned) geteuid());
        if (st.st_mode & (S_IRWXG | S_IRWXO))
                return config_entry_error(s, f, diag,
                                          "permissions %04o for %s are too open: refused (a secret must be for vigie "
                                          "alone: chmod 600)",
                                          (unsigned) (st.st_mode & 07777), f->value);
        char v[4096];
        int r = read_attr_pread(fd, v, sizeof(v));
        if (r < 0)
                return config_entry_error(s, f, diag, "cannot read %s: %s", f->value, strerror(-r));
        if (!header_value_ok(v, (size_t) r))
                return config_entry_error(s, f, diag,
                                          "%s holds a control character (a line break inside?): refused, it would "
                                          "end up in a request header",
                                          f->value);
        return (*ret = strdup(v)) ? 0 : -ENOMEM;
}

static int read_secret(const struct config_section *s, const char *key, const char *file_key, char **ret,
                       struct diag *diag) {
        const struct config_entry *e = config_section_get(s, key);
        const struct config_entry *f = config_section_get(s, file_key);
        if (e && f)
                return config_entry_error(s, f, diag, "give %s or %s, not both", key, file_key);
        if (f)
                return read_secret_file(s, f, ret, diag);
        if (!e)
                return 0;
        int r = check_header_value(s, e, diag);
        if (r < 0)
                return r;
        return (*ret = strdup(e->value)) ? 0 : -ENOMEM;
}

/* The parts of an absolute URL: the scheme, the userinfo (without its '@';
 * NULL if none) and the host with its port, up to the path. */
struct url_parts {
        const char *scheme, *userinfo, *hostport;
        size_t scheme_len, userinfo_len, hostport_len;
};

static int url_split(const char *url, struct url_parts *ret) {
        const char *sep = strstr(url, "://");
        if (!sep || sep == url)
                return -EINVAL;
        const char *auth = sep + 3;
        size_t len = strcspn(auth, "/?#");
        const char *at = NULL;
        for (const char *p = auth; p < auth + len; p++)
                if (*p == '@')
                        at = p; /* the last one: a password may hold an '@' */
        *ret = (struct url_parts){.scheme = url, .scheme_len = (size_t) (sep - url)};
        if (at) {
                ret->userinfo = auth;
                ret->userinfo_len = (size_t) (at - auth);
                auth = at + 1;
                len -= ret->userinfo_len + 1;
        }
        ret->hostport = auth;
        ret->hostport_len = len;
        return 0;
}

void push_url_redact(const char *url, char *out, size_t size) {
        struct url_parts u;
        if (url_split(url, &u) < 0 || !u.userinfo) {
                (void) snprintf(out, size, "%s", url);
                return;
        }
        /* the user name stays (it says which account); what follows its ':' goes */
        const char *colon = memchr(u.userinfo, ':', u.userinfo_len);
        int user_len = colon ? (int) (colon - u.userinfo) : 0;
        (void) snprintf(out, size, "%.*s://%.*s%sxxxxx@%s", (int) u.scheme_len, u.scheme, user_len, u.userinfo,
                        colon ? ":" : "", u.hostport);
}

/* The host and port of u.hostport (the scheme's port when none is given). */
static int url_host_port(const struct url_parts *u, const char **ret_host, size_t *ret_host_len, unsigned *ret_port) {
        const char *h = u->hostport, *end = h + u->hostport_len, *colon;
        if (h < end && *h == '[') { /* an IPv6 literal */
                const char *close = memchr(h, ']', u->hostport_len);
                if (!close)
                        return -EINVAL;
                colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
                if (!colon && close + 1 != end)
                        return -EINVAL;
        } else
                colon = memchr(h, ':', u->hostport_len);
        size_t host_len = (size_t) ((colon ? colon : end) - h);
        unsigned port = u->scheme_len == 5 && strncasecmp(u->scheme, "https", 5) == 0 ? 443 : 80;
        if (colon && colon + 1 < end) {
                port = 0;
                for (const char *p = colon + 1; p < end; p++) {
                        if (*p < '0' || *p > '9' || port > 65535)
                                return -EINVAL;
                        port = port * 10 + (unsigned) (*p - '0');
                }
                if (port > 65535)
                        return -EINVAL;
        }
        *ret_host = h;
        *ret_host_len = host_len;
        *ret_port = port;
        return 0;
}

bool push_url_same_origin(const char *a, const char *b) {
        struct url_parts ua, ub;
        const char *ha, *hb;
        size_t la, lb;
        unsigned pa, pb;
        if (url_split(a, &ua) < 0 || url_split(b, &ub) < 0 || url_host_port(&ua, &ha, &la, &pa) < 0 ||
            url_host_port(&ub, &hb, &lb, &pb) < 0)
                return false;
        return ua.scheme_len == ub.scheme_len && strncasecmp(ua.scheme, ub.scheme, ua.scheme_len) == 0 && la == lb &&
               strncasecmp(ha, hb, la) == 0 && pa == pb;
}

static void target_free(struct target *t) {
        free(t->name);
        free(t->url);
        free(t->shown_url);
        free(t->bearer);
        free(t->username);
        free(t->password);
        free(t->ca_file);
        free(t->cert_file);
        free(t->key_file);
        if (t->lib)
                t->lib->slist_free_all(t->headers);
        push_queue_close(t->queue);
        for (size_t i = 0; t->memory && i < t->memory_cap; i++)
                buf_free(&t->memory[i].data);
        free(t->memory);
        buf_free(&t->writing);
        buf_free(&t->spare);
        buf_free(&t->body);
        (void) pthread_cond_destroy(&t->wake);
        (void) pthread_mutex_destroy(&t->lock);
}

/* A lock and its condition, whose waits count CLOCK_MONOTONIC deadlines
 * (a clock set back or forth moves no tick). */
static void lock_init(pthread_mutex_t *lock, pthread_cond_t *cond) {
        (void) pthread_mutex_init(lock, NULL);
        pthread_condattr_t ca;
        (void) pthread_condattr_init(&ca);
        (void) pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        (void) pthread_cond_init(cond, &ca);
        (void) pthread_condattr_destroy(&ca);
}

/* The ceiling on the target's sends: at least one batch an interval, or
 * the queue would grow without end. */
static int target_pace(struct target *t, const struct config_section *s, struct diag *diag) {
        int r = config_section_double(s, "max_batches_per_second", 10, 0, 100000, &t->pace.batches_per_second, diag);
        if (r >= 0)
                r = config_section_size(s, "max_bytes_per_second", 0, 0, UINT64_MAX, &t->pace.bytes_per_second, diag);
        if (r < 0)
                return r;
        double per_second = t->pace.batches_per_second;
        const struct config_entry *e = config_section_get(s, "max_batches_per_second");
        if (e && per_second > 0 && per_second * (double) t->interval_ms < 1000)
                return config_entry_error(s, e, diag,
                                          "%g batches a second is less than one an interval (%llu ms): the queue "
                                          "would grow without end (0: no ceiling)",
                                          per_second, (unsigned long long) t->interval_ms);
        return 0;
}

static int target_init(struct target *t, const struct config *cfg, const struct config_section *s, struct diag *diag) {
        lock_init(&t->lock, &t->wake);
        t->last_status = -1;
        char err[256];
        t->lib = push_libs_get(err, sizeof(err));
        if (!t->lib)
                return diag_set(diag, "push needs %s", err);
        const struct config_entry *url = config_section_get(s, "url");
        if (!url)
                return diag_set(diag, "%s[push.target.%s]: no url", s->file ? s->file : "", s->name);
        char shown[2048];
        push_url_redact(url->value, shown, sizeof(shown));
        if (strncmp(url->value, "http://", 7) != 0 && strncmp(url->value, "https://", 8) != 0)
                return config_entry_error(s, url, diag, "'%s' is not an http:// or https:// URL", shown);
        t->name = strdup(s->name);
        t->url = strdup(url->value);
        t->shown_url = strdup(shown);
        if (!t->name || !t->url || !t->shown_url)
                return -ENOMEM;
        int r = config_section_duration_ms(s, "interval", cfg->push_interval_ms, 1000, 86400000, &t->interval_ms, diag);
        if (r >= 0)
                r = config_section_duration_ms(s, "timeout", 10000, 100, 600000, &t->timeout_ms, diag);
        if (r >= 0)
                r = target_pace(t, s, diag);
        if (r >= 0)
                r = config_section_bool(s, "insecure_skip_verify", false, &t->insecure, diag);
        if (r >= 0)
                r = read_secret(s, "bearer_token", "bearer_token_file", &t->bearer, diag);
        if (r >= 0)
                r = read_secret(s, "password", "password_file", &t->password, diag);
        if (r < 0)
                return r;
        const struct config_entry *u = config_section_get(s, "username");
        if (u && check_header_value(s, u, diag) < 0)
                return -EINVAL;
        if (u && !(t->username = strdup(u->value)))
                return -ENOMEM;
        if (!!t->username != !!t->password)
                return diag_set(diag, "[push.target.%s]: username and password go together", s->name);
        const char *files[][2] = {{"ca_file", NULL}, {"cert_file", NULL}, {"key_file", NULL}};
        char **dst[] = {&t->ca_file, &t->cert_file, &t->key_file};
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                const struct config_entry *e = config_section_get(s, files[i][0]);
                if (!e)
                        continue;
                if (access(e->value, R_OK) < 0)
                        return config_entry_error(s, e, diag, "cannot read %s: %s", e->value, strerror(errno));
                if (!(*dst[i] = strdup(e->value)))
                        return -ENOMEM;
        }
        if (!!t->cert_file != !!t->key_file)
                return diag_set(diag, "[push.target.%s]: cert_file and key_file go together", s->name);

        static const char user_agent[] = "User-Agent: vigie/" VIGIE_VERSION;
        static const char *const fixed[] = {"Content-Encoding: snappy", "Content-Type: application/x-protobuf",
                                            "X-Prometheus-Remote-Write-Version: 0.1.0", user_agent};
        for (size_t i = 0; i < ELEMENTSOF(fixed); i++) {
                struct curl_slist *l = t->lib->slist_append(t->headers, fixed[i]);
                if (!l)
                        return -ENOMEM;
                t->headers = l;
        }
        char line[4200];
        if (t->bearer) {
                (void) snprintf(line, sizeof(line), "Authorization: Bearer %s", t->bearer);
                struct curl_slist *l = t->lib->slist_append(t->headers, line);
                if (!l)
                        return -ENOMEM;
                t->headers = l;
        }
        for (size_t i = 0; i < s->n_entries; i++) {
                const struct config_entry *e = &s->entries[i];
                if (strncmp(e->key, "header.", 7) != 0)
                        continue;
                if (!header_value_ok(e->value, strlen(e->value)) || !header_value_ok(e->key + 7, strlen(e->key + 7)) ||
                    strpbrk(e->key + 7, ": "))
                        return config_entry_error(s, e, diag, "not a valid header (a control character?)");
                (void) snprintf(line, sizeof(line), "%s: %s", e->key + 7, e->value);
                struct curl_slist *l = t->lib->slist_append(t->headers, line);
                if (!l)
                        return -ENOMEM;
                t->headers = l;
        }
        return 0;
}

_cold_ int push_check(const struct config *cfg, struct diag *diag) {
        for (size_t i = 0; i < cfg->n_push_targets; i++) {
                struct target t = {0};
                int r = target_init(&t, cfg, &cfg->push_targets[i], diag);
                target_free(&t);
                if (r < 0)
                        return r == -ENOMEM ? diag_set(diag, "out of memory") : r;
        }
        return 0;
}

/* --- sending --- */

static size_t discard(_unused_ void *p, size_t size, size_t n, _unused_ void *u) {
        return size * n;
}

/* Called by libcurl about once a second while a request waits: a stop does
 * not wait for a receiver that never answers. */
static int abort_at_stop(void *userdata, _unused_ curl_off_t dltotal, _unused_ curl_off_t dlnow,
                         _unused_ curl_off_t ultotal, _unused_ curl_off_t ulnow) {
        const struct target *t = userdata;
        return atomic_load(&t->push->stopping) ? 1 : 0;
}

/* POSTs body to url; returns the HTTP status, or 0 for a network error
 * (err says which). For a 3xx, *ret_location is where it points (to free;
 * NULL if nowhere, or out of memory). */
static long post(struct target *t, CURL *curl, const char *url, const struct buf *body, char *err, size_t err_size,
                 CURLcode *ret_code, char **ret_location) {
        t->lib->easy_reset(curl);
        (void) t->lib->easy_setopt(curl, CURLOPT_URL, url);
        (void) t->lib->easy_setopt(curl, CURLOPT_POST, 1L);
        (void) t->lib->easy_setopt(curl, CURLOPT_POSTFIELDS, body->data);
        (void) t->lib->easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long) body->len);
        (void) t->lib->easy_setopt(curl, CURLOPT_HTTPHEADER, t->headers);
        (void) t->lib->easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long) t->timeout_ms);
        (void) t->lib->easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        (void) t->lib->easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        (void) t->lib->easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, abort_at_stop);
        (void) t->lib->easy_setopt(curl, CURLOPT_XFERINFODATA, t);
        (void) t->lib->easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
        (void) t->lib->easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        (void) t->lib->easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
        if (t->username) {
                (void) t->lib->easy_setopt(curl, CURLOPT_USERNAME, t->username);
                (void) t->lib->easy_setopt(curl, CURLOPT_PASSWORD, t->password);
        }
        if (t->ca_file)
                (void) t->lib->easy_setopt(curl, CURLOPT_CAINFO, t->ca_file);
        if (t->cert_file) {
                (void) t->lib->easy_setopt(curl, CURLOPT_SSLCERT, t->cert_file);
                (void) t->lib->easy_setopt(curl, CURLOPT_SSLKEY, t->key_file);
        }
        if (t->insecure) {
                (void) t->lib->easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
                (void) t->lib->easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        err[0] = '\0';
        *ret_location = NULL;
        CURLcode c = t->lib->easy_perform(curl);
        *ret_code = c;
        if (c != CURLE_OK) {
                if (!err[0])
                        (void) snprintf(err, err_size, "%s", t->lib->easy_strerror(c));
                return 0;
        }
        long status = 0;
        (void) t->lib->easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        const char *to = NULL;
        if (status >= 300 && status < 400 && t->lib->easy_getinfo(curl, CURLINFO_REDIRECT_URL, &to) == CURLE_OK && to)
                *ret_location = strdup(to);
        return status;
}

enum push_verdict push_verdict(long status, int curl_code, const char *url, const char *location, unsigned hops,
                               char *why, size_t why_size) {
        if (status == 0) {
                switch (curl_code) {
                case CURLE_UNSUPPORTED_PROTOCOL:
                case CURLE_URL_MALFORMAT:
                case CURLE_SSL_CERTPROBLEM:
                case CURLE_SSL_CIPHER:
                case CURLE_PEER_FAILED_VERIFICATION:
                case CURLE_SSL_CACERT_BADFILE:
                case CURLE_SSL_CRL_BADFILE:
                case CURLE_SSL_ISSUER_ERROR:
                case CURLE_LOGIN_DENIED:
                        return PUSH_MISCONFIGURED; /* trying again changes nothing until someone fixes it */
                default: return PUSH_RETRY;        /* refused, reset, timed out, name not resolved yet... */
                }
        }
        if (status >= 200 && status < 300)
                return PUSH_DELIVERED;
        if (status == 429 || status >= 500)
                return PUSH_RETRY;
        if (status < 300 || status >= 400)
                return PUSH_DROP;
        char shown[2048];
        push_url_redact(location ? location : "", shown, sizeof(shown));
        if (!location)
                (void) snprintf(why, why_size, "HTTP %ld with no Location", status);
        else if (status != 307 && status != 308)
                (void) snprintf(why, why_size,
                                "HTTP %ld to %s: only 307 and 308 are followed (they keep the POST body); set the "
                                "target's url to where it points",
                                status, shown);
        else if (!push_url_same_origin(url, location))
                (void) snprintf(why, why_size,
                                "HTTP %ld to %s, another origin (scheme, host, port): not followed, samples and "
                                "credentials stay with the configured one; set the target's url to it if it is right",
                                status, shown);
        else if (hops >= PUSH_REDIRECTS_MAX)
                (void) snprintf(why, why_size, "HTTP %ld to %s: more than %d redirects in a row", status, shown,
                                PUSH_REDIRECTS_MAX);
        else
                return PUSH_FOLLOW;
        return PUSH_MISCONFIGURED;
}

/* POSTs body to the target, following 307 and 308 (which keep the method
 * and the body) within the target's origin, PUSH_REDIRECTS_MAX times at
 * most. Redirects are followed here rather than by libcurl: it would
 * follow 301, 302 and 303 too (as a GET unless told otherwise) and to any
 * host, with the extra headers (a tenant) going along. Returns the
 * verdict on the last answer and its status in *ret_status; err says what
 * went wrong. */
static enum push_verdict post_following(struct target *t, CURL *curl, const struct buf *body, char *err,
                                        size_t err_size, long *ret_status) {
        _cleanup_free_ char *url = NULL; /* where the last redirect pointed */
        for (unsigned hops = 0;; hops++) {
                _cleanup_free_ char *location = NULL;
                CURLcode code = CURLE_OK;
                long status = post(t, curl, url ? url : t->url, body, err, err_size, &code, &location);
                enum push_verdict v = push_verdict(status, (int) code, t->url, location, hops, err, err_size);
                *ret_status = status;
                if (v != PUSH_FOLLOW)
                        return v;
                free(url);
                url = TAKE_PTR(location);
        }
}

static int encode_batch(const struct metric_set *set, void *userdata) {
        struct push *p = userdata;
        p->encoded_ts = (int64_t) clock_ms(CLOCK_REALTIME);
        return remote_write_encode(set, &p->labels, p->encoded_ts, &p->encoded, &p->encoded_samples);
}

/* Waits on cond (with lock) until the CLOCK_MONOTONIC time until (ms), a
 * stop, or, when flag is given, until *flag is set (and clears it). */
static void wait_until(struct push *p, pthread_mutex_t *lock, pthread_cond_t *cond, uint64_t until, bool *flag) {
        (void) pthread_mutex_lock(lock);
        while (!atomic_load(&p->stopping) && !(flag && *flag)) {
                uint64_t cur = clock_ms(CLOCK_MONOTONIC);
                if (until <= cur)
                        break;
                /* at most an hour at a time: "until a batch comes" is UINT64_MAX */
                struct timespec ts = monotonic_after_ms(until - cur < 3600000 ? until - cur : 3600000);
                (void) pthread_cond_timedwait(cond, lock, &ts);
        }
        if (flag)
                *flag = false;
        (void) pthread_mutex_unlock(lock);
}

static void target_wait(struct target *t, uint64_t until, bool *flag) {
        wait_until(t->push, &t->lock, &t->wake, until, flag);
}

uint64_t push_pace_next_ms(const struct push_pace *pace, uint64_t started_ms, size_t len) {
        uint64_t gap = 0;
        if (pace->batches_per_second > 0) {
                double ms = 1000.0 / pace->batches_per_second;
                gap = (uint64_t) ms;
                if ((double) gap < ms)
                        gap++;
        }
        if (pace->bytes_per_second > 0) {
                uint64_t bytes = (uint64_t) len, per_s = pace->bytes_per_second;
                uint64_t ms = bytes > (UINT64_MAX - per_s) / 1000 ? UINT64_MAX / 2 : (bytes * 1000 + per_s - 1) / per_s;
                if (ms > gap)
                        gap = ms;
        }
        return started_ms + gap;
}

uint64_t push_backoff_ms(uint64_t *backoff, unsigned *seed) {
        *backoff = *backoff ? *backoff * 2 : PUSH_BACKOFF_MIN_MS;
        if (*backoff > PUSH_BACKOFF_MAX_MS)
                *backoff = PUSH_BACKOFF_MAX_MS;
        return *backoff * (80 + (uint64_t) (rand_r(seed) % 41)) / 100;
}

/* Sends queued batches, each no sooner than the pace allows, until the
 * queue is empty (returns 0) or a send fails (returns the backoff to
 * wait). */
static uint64_t send_queue(struct target *t, CURL *curl, uint64_t *backoff) {
        char err[CURL_ERROR_SIZE + 2048];
        while (!atomic_load(&t->push->stopping)) {
                uint32_t n;
                int64_t ts;
                if (push_queue_peek(t->queue, &t->body, &n, &ts) < 0)
                        return 0;
                uint64_t started = clock_ms(CLOCK_MONOTONIC);
                if (started < t->next_send) {
                        target_wait(t, t->next_send, NULL);
                        continue; /* a stop may have come meanwhile */
                }
                long status = 0;
                enum push_verdict v = post_following(t, curl, &t->body, err, sizeof(err), &status);
                t->next_send = push_pace_next_ms(&t->pace, started, t->body.len);
                if (atomic_load(&t->push->stopping))
                        return 0; /* aborted: the batch stays queued for the next start */
                (void) pthread_mutex_lock(&t->lock);
                if (v == PUSH_DELIVERED) {
                        t->sent += n;
                        t->last_success = (double) clock_ms(CLOCK_REALTIME) / 1000.0;
                } else if (v == PUSH_DROP)
                        t->dropped_4xx += n;
                else {
                        t->retried += n;
                        t->retries++;
                }
                /* a configuration error that says something else is news even with the same status */
                const char *why = v == PUSH_MISCONFIGURED ? err : "";
                bool changed = t->last_status != (int) status ||
                               strncmp(t->last_redirect, why, sizeof(t->last_redirect) - 1) != 0;
                t->last_status = (int) status;
                (void) snprintf(t->last_redirect, sizeof(t->last_redirect), "%.*s", (int) sizeof(t->last_redirect) - 1,
                                why);
                (void) pthread_mutex_unlock(&t->lock);

                if (v == PUSH_RETRY || v == PUSH_MISCONFIGURED) {
                        if (changed && v == PUSH_MISCONFIGURED)
                                log_error("push %s: %s; nothing is sent until it is fixed: batches stay queued and "
                                          "are retried",
                                          t->name, err);
                        else if (changed)
                                log_warn("push %s: %s; batches stay queued and are retried", t->name,
                                         status ? (status == 429 ? "HTTP 429 too many requests"
                                                                 : "HTTP 5xx from the target")
                                                : err);
                        if (!t->out_since)
                                t->out_since = clock_ms(CLOCK_MONOTONIC);
                        return push_backoff_ms(backoff, &t->seed);
                }
                if (v == PUSH_DROP)
                        log_warn("push %s: HTTP %ld: the target refused a batch of %u samples; dropped (counted in "
                                 "vigie_push_samples_dropped_total)",
                                 t->name, status, n);
                else if (t->out_since) {
                        /* the backlog as it stands, this batch included */
                        struct push_queue_stats st;
                        push_queue_stats(t->queue, &st);
                        log_info("push %s: delivering again after %.1f s out; sending the backlog: %llu batches, "
                                 "%llu samples, %llu bytes",
                                 t->name, (double) (clock_ms(CLOCK_MONOTONIC) - t->out_since) / 1000.0,
                                 (unsigned long long) st.records, (unsigned long long) st.samples,
                                 (unsigned long long) st.bytes);
                        t->out_since = 0;
                } else if (changed)
                        log_info("push %s: delivering", t->name);
                *backoff = 0;
                (void) push_queue_pop(t->queue);
        }
        return 0;
}

/* The sender: the queue, oldest first, whenever a batch is queued or the
 * backoff ends; it alone waits on the network. */
static void *target_send_main(void *arg) {
        struct target *t = arg;
        CURL *curl = t->lib->easy_init();
        if (!curl) {
                log_error("push %s: cannot start libcurl; batches are queued but not sent", t->name);
                return NULL;
        }
        uint64_t backoff = 0;
        while (!atomic_load(&t->push->stopping)) {
                uint64_t wait = send_queue(t, curl, &backoff);
                if (wait)
                        target_wait(t, clock_ms(CLOCK_MONOTONIC) + wait, NULL); /* new batches wait too */
                else
                        target_wait(t, UINT64_MAX, &t->appended);
        }
        t->lib->easy_cleanup(curl);
        return NULL;
}

/* The writer: appends the batches waiting in memory to the disk queue, in
 * the order they were collected. Only it waits on the disk (with fsync,
 * each append does), holding nothing a scrape or the collection takes. */
static void *target_write_main(void *arg) {
        struct target *t = arg;
        (void) pthread_mutex_lock(&t->lock);
        while (!atomic_load(&t->push->stopping)) {
                if (t->memory_n == 0) {
                        (void) pthread_cond_wait(&t->wake, &t->lock);
                        continue;
                }
                /* taken, not copied: the writer's last buffer becomes the
                 * spare for the next batch (or goes, when there is one) */
                struct batch *b = &t->memory[t->memory_first];
                struct buf data = b->data;
                b->data = (struct buf){0};
                if (!t->spare.data)
                        t->spare = t->writing;
                else
                        buf_free(&t->writing);
                t->writing = data;
                uint32_t n = b->samples;
                int64_t ts = b->ts_ms;
                t->memory_first = (t->memory_first + 1) % t->memory_cap;
                t->memory_n--;
                (void) pthread_mutex_unlock(&t->lock);

                int r = push_queue_append(t->queue, t->writing.data, t->writing.len, n, ts);
                if (r < 0)
                        log_errno(LOG_LEVEL_DEBUG, r, "push %s: could not queue %u samples at %lld", t->name, n,
                                  (long long) ts);
                else /* one line per batch at debug level: what a test counts against the receiver */
                        log_debug("push %s: queued %u samples at %lld", t->name, n, (long long) ts);
                if (r < 0 && t->last_queue_result >= 0)
                        log_errno(LOG_LEVEL_WARN, r,
                                  "push %s: cannot queue batches (counted in vigie_push_samples_dropped_total)",
                                  t->name);
                else if (r >= 0 && t->last_queue_result < 0)
                        log_info("push %s: queueing again", t->name);
                t->last_queue_result = r;

                (void) pthread_mutex_lock(&t->lock);
                t->appended = true;
                (void) pthread_cond_broadcast(&t->wake);
        }
        (void) pthread_mutex_unlock(&t->lock);
        return NULL;
}

/* Gives t the batch just collected: into its memory list for the writer,
 * the oldest waiting dropped (and counted) when the list is full, the disk
 * being slower than the interval. Never waits on the disk. */
static void target_take_batch(struct target *t, const struct buf *data, uint32_t samples, int64_t ts) {
        (void) pthread_mutex_lock(&t->lock);
        bool full = t->memory_n == t->memory_cap;
        uint32_t dropped = 0;
        int64_t dropped_ts = 0;
        if (full) {
                dropped = t->memory[t->memory_first].samples;
                dropped_ts = t->memory[t->memory_first].ts_ms;
                t->dropped_disk_slow += dropped;
                t->memory_first = (t->memory_first + 1) % t->memory_cap;
                t->memory_n--;
        }
        struct batch *b = &t->memory[(t->memory_first + t->memory_n) % t->memory_cap];
        if (!b->data.data) { /* else the oldest, just dropped, leaves its buffer */
                b->data = t->spare;
                t->spare = (struct buf){0};
        }
        buf_reset(&b->data);
        buf_put(&b->data, data->data, data->len);
        bool kept = b->data.error >= 0;
        if (kept) {
                b->samples = samples;
                b->ts_ms = ts;
                t->memory_n++;
                (void) pthread_cond_broadcast(&t->wake);
        } else
                t->dropped_memory += samples;
        (void) pthread_mutex_unlock(&t->lock);

        if (full && !t->dropping)
                log_warn("push %s: the disk queue is too slow: %zu batches wait in memory for it; the oldest are "
                         "dropped (counted in vigie_push_samples_dropped_total{reason=\"disk_slow\"})",
                         t->name, t->memory_cap);
        else if (!full && t->dropping)
                log_info("push %s: the disk queue keeps up again", t->name);
        t->dropping = full;
        if (full)
                log_debug("push %s: dropped %u samples at %lld waiting for the disk", t->name, dropped,
                          (long long) dropped_ts);
        if (kept)
                log_debug("push %s: collected %u samples at %lld", t->name, samples, (long long) ts);
        else
                log_warn("push %s: out of memory: a batch of %u samples is dropped (counted in "
                         "vigie_push_samples_dropped_total{reason=\"write_error\"})",
                         t->name, samples);
}

/* The collection thread: at each tick of each target's clock (absolute
 * CLOCK_MONOTONIC deadlines on the grid of its interval), one collection
 * for every target due, encoded once (the extra labels are the same for
 * all). A tick missed because the collection before took longer than the
 * interval is counted, not made up: the next one is the next on the
 * grid. */
static void *collect_main(void *arg) {
        struct push *p = arg;
        uint64_t start = clock_ms(CLOCK_MONOTONIC);
        for (size_t i = 0; i < p->n; i++)
                p->targets[i].deadline = start;
        while (!atomic_load(&p->stopping)) {
                uint64_t now = clock_ms(CLOCK_MONOTONIC);
                int r = scrape_engine_collect(p->engine, encode_batch, p);
                if (r < 0 && p->last_collect_result >= 0)
                        log_errno(LOG_LEVEL_WARN, r, "push: cannot encode a batch; nothing is queued until it works");
                else if (r >= 0 && p->last_collect_result < 0)
                        log_info("push: encoding again");
                p->last_collect_result = r;

                uint64_t after = clock_ms(CLOCK_MONOTONIC), next = UINT64_MAX;
                for (size_t i = 0; i < p->n; i++) {
                        struct target *t = &p->targets[i];
                        if (t->deadline <= now) {
                                if (r >= 0)
                                        target_take_batch(t, &p->encoded, (uint32_t) p->encoded_samples, p->encoded_ts);
                                uint64_t missed = after > t->deadline ? (after - t->deadline) / t->interval_ms : 0;
                                (void) pthread_mutex_lock(&t->lock);
                                t->skipped += missed;
                                (void) pthread_mutex_unlock(&t->lock);
                                if (missed && !t->late)
                                        log_warn("push %s: a collection took %llu ms, longer than the interval; %llu "
                                                 "skipped (counted in vigie_push_collections_skipped_total)",
                                                 t->name, (unsigned long long) (after - t->deadline),
                                                 (unsigned long long) missed);
                                t->late = missed > 0;
                                t->deadline += (missed + 1) * t->interval_ms;
                        }
                        if (t->deadline < next)
                                next = t->deadline;
                }
                wait_until(p, &p->lock, &p->wake, next, NULL);
        }
        return NULL;
}

/* --- lifecycle --- */

_cold_ int push_start(const struct config *cfg, struct scrape_engine *engine, struct push **ret, struct diag *diag) {
        *ret = NULL;
        if (cfg->n_push_targets == 0)
                return 0;
        char err[256];
        const struct push_libs *lib = push_libs_get(err, sizeof(err));
        if (!lib)
                return diag_set(diag, "push needs %s", err);
        if (lib->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return diag_set(diag, "cannot start libcurl");
        struct push *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->engine = engine;
        lock_init(&p->lock, &p->wake);

        /* identity: instance (the host name unless set), job, external
         * labels; copied, since a reload frees the configuration */
        size_t n_labels = 2 + cfg->n_push_labels;
        p->labels.names = calloc(n_labels, sizeof(char *));
        p->labels.values = calloc(n_labels, sizeof(char *));
        p->label_storage = calloc(2 * n_labels + 1, sizeof(char *));
        p->targets = calloc(cfg->n_push_targets, sizeof(*p->targets));
        if (!p->labels.names || !p->labels.values || !p->label_storage || !p->targets) {
                push_stop(p);
                return -ENOMEM;
        }
        char host[256] = "";
        (void) gethostname(host, sizeof(host) - 1);
        const char *names[2] = {"instance", "job"},
                   *values[2] = {cfg->push_instance ? cfg->push_instance : host, cfg->push_job};
        for (size_t i = 0; i < n_labels; i++) {
                const char *name = i < 2 ? names[i] : cfg->push_labels[i - 2].key;
                const char *value = i < 2 ? values[i] : cfg->push_labels[i - 2].value;
                p->label_storage[2 * i] = strdup(name);
                p->label_storage[2 * i + 1] = strdup(value);
                if (!p->label_storage[2 * i] || !p->label_storage[2 * i + 1]) {
                        push_stop(p);
                        return -ENOMEM;
                }
                p->labels.names[i] = p->label_storage[2 * i];
                p->labels.values[i] = p->label_storage[2 * i + 1];
        }
        p->labels.n = n_labels;

        int r = 0;
        for (size_t i = 0; i < cfg->n_push_targets && r >= 0; i++) {
                struct target *t = &p->targets[p->n++];
                t->push = p;
                /* every agent of a fleet draws its own jitter */
                t->seed = (unsigned) getpid() ^ (unsigned) clock_ms(CLOCK_REALTIME) ^ (unsigned) (i * 2654435761u);
                r = target_init(t, cfg, &cfg->push_targets[i], diag);
                t->memory_cap = cfg->push_queue_memory_batches ? cfg->push_queue_memory_batches : 1;
                if (r >= 0 && !(t->memory = calloc(t->memory_cap, sizeof(*t->memory))))
                        r = -ENOMEM;
                char dir[PATH_MAX];
                if (r >= 0 && mkdir(cfg->push_queue_dir, 0700) < 0 && errno != EEXIST)
                        r = diag_set(diag, "push: cannot make the queue directory %s: %s", cfg->push_queue_dir,
                                     strerror(errno));
                if (r >= 0 && path_join(dir, sizeof(dir), cfg->push_queue_dir, t->name) < 0)
                        r = -ENAMETOOLONG;
                if (r >= 0) {
                        r = push_queue_open_diag(dir, cfg->push_queue_max_bytes, cfg->push_fsync, diag, &t->queue);
                        if (r < 0)
                                (void) diag_set(diag, "push %s: cannot open the queue in %s: %s", t->name, dir,
                                                strerror(-r));
                }
        }
        if (r < 0) {
                push_stop(p);
                return r;
        }
        for (size_t i = 0; i < p->n; i++) {
                struct target *t = &p->targets[i];
                struct push_queue_stats st;
                push_queue_stats(t->queue, &st);
                log_info("push %s: to %s every %llu ms; %llu samples queued from before", t->name, t->shown_url,
                         (unsigned long long) t->interval_ms, (unsigned long long) st.samples);
                t->sender_started = pthread_create(&t->sender, NULL, target_send_main, t) == 0;
                t->writer_started = pthread_create(&t->writer, NULL, target_write_main, t) == 0;
                if (!t->sender_started || !t->writer_started)
                        log_error("push %s: cannot start its threads; not pushing", t->name);
        }
        p->collector_started = pthread_create(&p->collector, NULL, collect_main, p) == 0;
        if (!p->collector_started)
                log_error("push: cannot start the collection thread; not pushing");
        *ret = p;
        return 0;
}

_cold_ void push_stop(struct push *p) {
        if (!p)
                return;
        atomic_store(&p->stopping, true);
        (void) pthread_mutex_lock(&p->lock);
        (void) pthread_cond_broadcast(&p->wake);
        (void) pthread_mutex_unlock(&p->lock);
        for (size_t i = 0; i < p->n; i++) {
                struct target *t = &p->targets[i];
                if (t->queue)
                        push_queue_hurry(t->queue);
                (void) pthread_mutex_lock(&t->lock);
                (void) pthread_cond_broadcast(&t->wake);
                (void) pthread_mutex_unlock(&t->lock);
        }
        if (p->collector_started)
                (void) pthread_join(p->collector, NULL);
        for (size_t i = 0; i < p->n; i++) {
                struct target *t = &p->targets[i];
                /* each waits for the fsync it is in, if any: the batches
                 * still in memory would each take one more */
                if (t->writer_started)
                        (void) pthread_join(t->writer, NULL);
                if (t->sender_started) {
                        (void) pthread_join(t->sender, NULL);
                        struct push_queue_stats st;
                        push_queue_stats(t->queue, &st);
                        if (st.records > 0)
                                log_info("push %s: stopping: %llu batches (%llu samples) stay queued, sent after "
                                         "the next start",
                                         t->name, (unsigned long long) st.records, (unsigned long long) st.samples);
                }
                if (t->memory_n > 0) {
                        uint64_t samples = 0;
                        for (size_t j = 0; j < t->memory_n; j++)
                                samples += t->memory[(t->memory_first + j) % t->memory_cap].samples;
                        log_warn("push %s: stopping: %zu batches (%llu samples) still waiting for the disk are "
                                 "not queued",
                                 t->name, t->memory_n, (unsigned long long) samples);
                }
                target_free(t);
        }
        free(p->targets);
        for (size_t i = 0; p->label_storage && p->label_storage[i]; i++)
                free(p->label_storage[i]);
        free(p->label_storage);
        free(p->labels.names);
        free(p->labels.values);
        buf_free(&p->encoded);
        (void) pthread_cond_destroy(&p->wake);
        (void) pthread_mutex_destroy(&p->lock);
        free(p);
        const struct push_libs *lib = push_libs_get(NULL, 0);
        if (lib)
                lib->global_cleanup();
}

static void gauge(struct metric_set *set, const struct metric_desc *d, double v, const char *target) {
        (void) metric_set_family(set, d);
        (void) metric_set_sample1(set, v, target);
}

int push_metrics(struct metric_set *set, void *userdata) {
        struct push *p = userdata;
        double now = (double) clock_ms(CLOCK_REALTIME) / 1000.0;
        for (size_t i = 0; p && i < p->n; i++) {
                struct target *t = &p->targets[i];
                struct push_queue_stats st;
                push_queue_stats(t->queue, &st);
                (void) pthread_mutex_lock(&t->lock);
                gauge(set, &sent_desc, (double) t->sent, t->name);
                gauge(set, &retried_desc, (double) t->retried, t->name);
                gauge(set, &retries_desc, (double) t->retries, t->name);
                (void) metric_set_family(set, &dropped_desc);
                (void) metric_set_sample2(set, (double) t->dropped_4xx, "http_4xx", t->name);
                (void) metric_set_sample2(set, (double) st.dropped_budget_samples, "queue_full", t->name);
                (void) metric_set_sample2(set, (double) (st.dropped_write_samples + t->dropped_memory), "write_error",
                                          t->name);
                (void) metric_set_sample2(set, (double) t->dropped_disk_slow, "disk_slow", t->name);
                gauge(set, &corrupt_desc, (double) st.corrupt_records, t->name);
                gauge(set, &corrupt_bytes_desc, (double) st.corrupt_bytes, t->name);
                gauge(set, &qbytes_desc, (double) st.bytes, t->name);
                gauge(set, &qbatches_desc, (double) st.records, t->name);
                gauge(set, &qsamples_desc, (double) st.samples, t->name);
                gauge(set, &memory_desc, (double) t->memory_n, t->name);
                gauge(set, &oldest_desc, st.oldest_ms ? now - (double) st.oldest_ms / 1000.0 : 0, t->name);
                gauge(set, &skipped_desc, (double) t->skipped, t->name);
                gauge(set, &success_desc, t->last_success, t->name);
                (void) pthread_mutex_unlock(&t->lock);
        }
        return set->error;
}

void push_for_each_target(struct push *p, void (*fn)(const struct push_target_status *st, void *userdata),
                          void *userdata) {
        for (size_t i = 0; p && i < p->n; i++) {
                struct target *t = &p->targets[i];
                struct push_queue_stats q;
                push_queue_stats(t->queue, &q);
                struct push_target_status st = {
                        .name = t->name,
                        .url = t->shown_url,
                        .interval_ms = t->interval_ms,
                        .queue_bytes = q.bytes,
                        .queue_batches = q.records,
                        .queue_samples = q.samples,
                        .oldest_ms = q.oldest_ms,
                        .dropped = q.dropped_budget_samples + q.dropped_write_samples,
                };
                (void) pthread_mutex_lock(&t->lock);
                st.memory_batches = t->memory_n;
                st.last_success = t->last_success;
                st.dropped += t->dropped_4xx + t->dropped_memory + t->dropped_disk_slow;
                (void) pthread_mutex_unlock(&t->lock);
                fn(&st, userdata);
        }
}
