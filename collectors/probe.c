/* Local probes, blackbox_exporter style (DESIGN.md §5): each [probe.NAME]
 * section connects to what the admin wrote there (tcp, http, https, unix),
 * and nowhere else, on its own interval. Each probe is a task of the
 * engine's scheduler: a probe that hangs holds its own worker only, never
 * another probe, and a scrape copies the last result of each. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "collector.h"
#include "listen.h"
#include "macro.h"
#include "parse.h"
#include "push_libs.h"
#include "scheduler.h"
#include "version.h"

enum probe_kind { PROBE_TCP, PROBE_HTTP, PROBE_HTTPS, PROBE_UNIX };
static const char *const kind_names[] = {"tcp", "http", "https", "unix"};

/* Why a run failed: the reason label of vigie_probe_failed. */
enum probe_reason {
        REASON_NONE,
        REASON_RESOLVE, /* the system resolver has no address for the host */
        REASON_CONNECT, /* refused, unreachable, or no such socket */
        REASON_TIMEOUT, /* the run took the whole timeout */
        REASON_SEND,    /* the connection broke while sending */
        REASON_BANNER,  /* what the server sent does not match expect */
        REASON_TLS,     /* handshake or certificate */
        REASON_HTTP,    /* another HTTP-level error */
        REASON_STATUS,  /* a status code not in valid_status_codes */
};
static const char *const reason_names[] = {"",       "resolve", "connect", "timeout", "send",
                                           "banner", "tls",     "http",    "status"};

/* What the server sent first is matched on at most this much. */
#define BANNER_MAX 4096
#define STATUS_CODES_MAX 16
#define DEFAULT_INTERVAL_MS 15000
#define DEFAULT_TIMEOUT_MS 5000

struct probe_result {
        enum probe_reason reason;
        double duration;
        long status;        /* http(s): the last response's code; 0: none */
        double cert_expiry; /* https: the earliest notAfter of the chain sent, seconds since the epoch; 0: none */
};

struct probe {
        char *name; /* the probe label */
        enum probe_kind kind;
        char *target;
        char host[256], port[8]; /* tcp */
        uint64_t interval_ms, timeout_ms;
        char *send;
        size_t send_len;
        bool has_expect;
        regex_t expect;
        unsigned codes[STATUS_CODES_MAX];
        size_t n_codes; /* 0: any 2xx */
        bool follow_redirects, insecure;
        char *ca_file; /* NULL: the system's */
        const struct push_libs *curl;

        pthread_mutex_t lock; /* held to write or copy what follows */
        bool ran;
        struct probe_result last;
};

struct probe_state {
        struct probe **probes;
        size_t n;
        bool owned;                /* no scheduler (a test): the probes never run and are ours to free */
        struct probe_result *seen; /* what collect copied, one per probe */
        bool *seen_ran;
};

static const char *const probe_label[] = {"probe"};
static const char *const failed_labels[] = {"probe", "reason"};
static const struct metric_desc success_desc = {"probe_success", "Whether the probe's last run succeeded.",
                                                METRIC_GAUGE, 1, probe_label};
static const struct metric_desc duration_desc = {"probe_duration_seconds", "How long the probe's last run took.",
                                                 METRIC_GAUGE, 1, probe_label};
static const struct metric_desc status_desc = {
        "probe_http_status_code", "The HTTP status code of the last response (0: none).", METRIC_GAUGE, 1, probe_label};
static const struct metric_desc expiry_desc = {
        "probe_ssl_earliest_cert_expiry",
        "The earliest notAfter of the certificates the server sent, in seconds since the epoch.", METRIC_GAUGE, 1,
        probe_label};
static const struct metric_desc failed_desc = {
        "vigie_probe_failed", "1 while a probe fails, with why its last run did.", METRIC_GAUGE, 2, failed_labels};

static void probe_free(void *userdata) {
        struct probe *p = userdata;
        if (!p)
                return;
        free(p->name);
        free(p->target);
        free(p->send);
        free(p->ca_file);
        if (p->has_expect)
                regfree(&p->expect);
        (void) pthread_mutex_destroy(&p->lock);
        free(p);
}

/* --- running --- */

/* Waits until fd has events or the deadline (CLOCK_MONOTONIC) passes. */
static int wait_fd(int fd, short events, uint64_t deadline_ns) {
        for (;;) {
                uint64_t now = clock_ns(CLOCK_MONOTONIC);
                if (now >= deadline_ns)
                        return -ETIMEDOUT;
                struct pollfd pfd = {.fd = fd, .events = events};
                int r = poll(&pfd, 1, (int) ((deadline_ns - now + 999999) / 1000000));
                if (r > 0)
                        return 0;
                if (r < 0 && errno != EINTR)
                        return -errno;
        }
}

/* A connected stream socket, or a negative errno (-ETIMEDOUT at the deadline). */
static int connect_until(int family, const struct sockaddr *sa, socklen_t len, uint64_t deadline_ns) {
        _cleanup_close_ int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, sa, len) < 0) {
                if (errno != EINPROGRESS)
                        return -errno;
                int r = wait_fd(fd, POLLOUT, deadline_ns);
                if (r < 0)
                        return r;
                int err = 0;
                socklen_t el = sizeof(err);
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
                        return -errno;
                if (err != 0)
                        return -err;
        }
        return TAKE_FD(fd);
}

/* Each address the system resolver gives for host:port, in its order,
 * until one connects. */
static enum probe_reason connect_tcp(const struct probe *p, uint64_t deadline_ns, int *ret_fd) {
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
        if (getaddrinfo(p->host, p->port, &hints, &res) != 0)
                return REASON_RESOLVE;
        int r = -ECONNREFUSED;
        for (struct addrinfo *ai = res; ai && r < 0 && r != -ETIMEDOUT; ai = ai->ai_next)
                r = connect_until(ai->ai_family, ai->ai_addr, ai->ai_addrlen, deadline_ns);
        freeaddrinfo(res);
        if (r < 0)
                return r == -ETIMEDOUT ? REASON_TIMEOUT : REASON_CONNECT;
        *ret_fd = r;
        return REASON_NONE;
}

static enum probe_reason connect_unix(const struct probe *p, uint64_t deadline_ns, int *ret_fd) {
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        memcpy(sun.sun_path, p->target, strlen(p->target)); /* init checked that it fits */
        int r = connect_until(AF_UNIX, (const struct sockaddr *) &sun, sizeof(sun), deadline_ns);
        if (r < 0)
                return r == -ETIMEDOUT ? REASON_TIMEOUT : REASON_CONNECT;
        *ret_fd = r;
        return REASON_NONE;
}

/* Sends p->send, then reads until what came matches p->expect. */
static enum probe_reason exchange(const struct probe *p, int fd, uint64_t deadline_ns) {
        for (size_t sent = 0; sent < p->send_len;) {
                int r = wait_fd(fd, POLLOUT, deadline_ns);
                if (r < 0)
                        return r == -ETIMEDOUT ? REASON_TIMEOUT : REASON_SEND;
                ssize_t n = send(fd, p->send + sent, p->send_len - sent, MSG_NOSIGNAL);
                if (n < 0 && errno != EAGAIN && errno != EINTR)
                        return REASON_SEND;
                if (n > 0)
                        sent += (size_t) n;
        }
        if (!p->has_expect)
                return REASON_NONE;
        char buf[BANNER_MAX + 1];
        size_t len = 0;
        while (len < BANNER_MAX) {
                int r = wait_fd(fd, POLLIN, deadline_ns);
                if (r < 0)
                        return r == -ETIMEDOUT ? REASON_TIMEOUT : REASON_BANNER;
                ssize_t n = recv(fd, buf + len, BANNER_MAX - len, 0);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        continue;
                if (n <= 0)
                        return REASON_BANNER; /* closed, or reset, before a match */
                len += (size_t) n;
                buf[len] = '\0';
                if (regexec(&p->expect, buf, 0, NULL, 0) == 0)
                        return REASON_NONE;
        }
        return REASON_BANNER;
}

static enum probe_reason run_socket(const struct probe *p, uint64_t deadline_ns) {
        _cleanup_close_ int fd = -1;
        enum probe_reason why =
                p->kind == PROBE_TCP ? connect_tcp(p, deadline_ns, &fd) : connect_unix(p, deadline_ns, &fd);
        return why != REASON_NONE ? why : exchange(p, fd, deadline_ns);
}

static size_t discard(_unused_ char *data, size_t size, size_t n, _unused_ void *userdata) {
        return size * n;
}

/* "Expire Date:2027-01-31 12:00:00 GMT", as libcurl writes each
 * certificate's notAfter (its own X.509 reader, whatever the TLS library). */
static int parse_expire_date(const char *field, double *ret) {
        static const char key[] = "Expire Date:";
        struct tm tm = {0};
        char zone[8];
        if (strncmp(field, key, strlen(key)) != 0 ||
            sscanf(field + strlen(key), "%4d-%2d-%2d %2d:%2d:%2d %7s", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, zone) != 7 ||
            strcmp(zone, "GMT") != 0)
                return -EINVAL;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        time_t t = timegm(&tm);
        if (t == (time_t) -1)
                return -EINVAL;
        *ret = (double) t;
        return 0;
}

/* The earliest notAfter of the chain the server sent; 0 if none was read. */
static double earliest_expiry(const struct probe *p, CURL *c) {
        struct curl_certinfo *ci = NULL;
        double earliest = 0;
        if (p->curl->easy_getinfo(c, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci)
                return 0;
        for (int i = 0; i < ci->num_of_certs; i++)
                for (struct curl_slist *f = ci->certinfo[i]; f; f = f->next) {
                        double t;
                        if (parse_expire_date(f->data, &t) == 0 && (earliest == 0 || t < earliest))
                                earliest = t;
                }
        return earliest;
}

static bool status_valid(const struct probe *p, long status) {
        if (p->n_codes == 0)
                return status >= 200 && status <= 299;
        for (size_t i = 0; i < p->n_codes; i++)
                if (status == (long) p->codes[i])
                        return true;
        return false;
}

static enum probe_reason reason_of(CURLcode code) {
        switch (code) {
        case CURLE_OK: return REASON_NONE;
        case CURLE_COULDNT_RESOLVE_HOST: return REASON_RESOLVE;
        case CURLE_COULDNT_CONNECT: return REASON_CONNECT;
        case CURLE_OPERATION_TIMEDOUT: return REASON_TIMEOUT;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_INVALIDCERTSTATUS: return REASON_TLS;
        default: return REASON_HTTP;
        }
}

static enum probe_reason run_http(const struct probe *p, struct probe_result *res) {
        const struct push_libs *l = p->curl;
        CURL *c = l->easy_init();
        if (!c)
                return REASON_HTTP;
        (void) l->easy_setopt(c, CURLOPT_URL, p->target);
        (void) l->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        (void) l->easy_setopt(c, CURLOPT_TIMEOUT_MS, (long) p->timeout_ms);
        /* the target's scheme was checked at init; a redirect may change it */
        (void) l->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        (void) l->easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        (void) l->easy_setopt(c, CURLOPT_FOLLOWLOCATION, p->follow_redirects ? 1L : 0L);
        (void) l->easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
        (void) l->easy_setopt(c, CURLOPT_PROXY, ""); /* no proxy from the environment: only where the config says */
        (void) l->easy_setopt(c, CURLOPT_USERAGENT, "vigie/" VIGIE_VERSION);
        (void) l->easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        if (p->kind == PROBE_HTTPS) {
                (void) l->easy_setopt(c, CURLOPT_CERTINFO, 1L);
                if (p->ca_file)
                        (void) l->easy_setopt(c, CURLOPT_CAINFO, p->ca_file);
                if (p->insecure) {
                        (void) l->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
                        (void) l->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
                }
        }
        enum probe_reason why = reason_of(l->easy_perform(c));
        long status = 0;
        if (l->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK)
                res->status = status;
        if (p->kind == PROBE_HTTPS)
                res->cert_expiry = earliest_expiry(p, c);
        l->easy_cleanup(c);
        if (why == REASON_NONE && !status_valid(p, res->status))
                why = REASON_STATUS;
        return why;
}

/* The scheduler's run: one probe, then the delay that keeps its interval
 * from start to start. */
static uint64_t probe_run(void *userdata, _unused_ bool fd_ready) {
        struct probe *p = userdata;
        struct probe_result res = {0};
        uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
        if (p->kind == PROBE_TCP || p->kind == PROBE_UNIX)
                res.reason = run_socket(p, t0 + p->timeout_ms * 1000000u);
        else
                res.reason = run_http(p, &res);
        uint64_t elapsed_ns = clock_ns(CLOCK_MONOTONIC) - t0;
        res.duration = (double) elapsed_ns / 1e9;
        (void) pthread_mutex_lock(&p->lock);
        p->last = res;
        p->ran = true;
        (void) pthread_mutex_unlock(&p->lock);
        uint64_t elapsed_ms = elapsed_ns / 1000000u;
        return elapsed_ms + 1 < p->interval_ms ? p->interval_ms - elapsed_ms : 1;
}

/* --- configuration --- */

/* "\r\n" and the like as written in the file, into bytes. */
static int unescape(const char *s, char **ret, size_t *ret_len) {
        char *out = malloc(strlen(s) + 1);
        if (!out)
                return -ENOMEM;
        size_t n = 0;
        for (; *s; s++) {
                if (*s != '\\') {
                        out[n++] = *s;
                        continue;
                }
                switch (*++s) {
                case 'r': out[n++] = '\r'; break;
                case 'n': out[n++] = '\n'; break;
                case 't': out[n++] = '\t'; break;
                case '\\': out[n++] = '\\'; break;
                default: free(out); return -EINVAL;
                }
        }
        *ret = out;
        *ret_len = n;
        return 0;
}

static int parse_status_codes(struct probe *p, const char *list) {
        const char *pos = list;
        while (*pos) {
                size_t len = strcspn(pos, ",");
                char code[16];
                const char *start = pos + strspn(pos, " ");
                size_t n = len - (size_t) (start - pos);
                while (n > 0 && start[n - 1] == ' ')
                        n--;
                if (n == 0 || n >= sizeof(code) || p->n_codes == STATUS_CODES_MAX)
                        return -EINVAL;
                memcpy(code, start, n);
                code[n] = '\0';
                if (parse_uint_range(code, 100, 599, &p->codes[p->n_codes++]) < 0)
                        return -EINVAL;
                pos += len + (pos[len] == ',');
        }
        return p->n_codes > 0 ? 0 : -EINVAL;
}

/* A URL of the probe's scheme with a host, and nothing a request line
 * cannot carry. A URL with a password is not repeated in the message. */
static int check_url(const struct config_section *s, const struct config_entry *e, enum probe_kind kind,
                     struct diag *diag) {
        size_t scheme = strlen(kind_names[kind]);
        const char *v = e->value;
        bool ok = strncmp(v, kind_names[kind], scheme) == 0 && strncmp(v + scheme, "://", 3) == 0 &&
                  v[scheme + 3] != '\0' && v[scheme + 3] != '/';
        for (const char *c = v; ok && *c; c++)
                if ((unsigned char) *c <= ' ' || *c == 0x7f)
                        ok = false;
        if (ok)
                return 0;
        if (strchr(v, '@'))
                return config_entry_error(s, e, diag, "not an %s:// URL with a host", kind_names[kind]);
        return config_entry_error(s, e, diag, "'%s' is not an %s:// URL with a host", v, kind_names[kind]);
}

/* Keys that only some kinds take: refused on the others rather than ignored. */
static int check_kind_keys(const struct config_section *s, enum probe_kind kind, struct diag *diag) {
        static const struct {
                const char *key;
                unsigned kinds; /* 1 << enum probe_kind */
                const char *which;
        } only[] = {
                {"send", 1u << PROBE_TCP | 1u << PROBE_UNIX, "tcp and unix"},
                {"expect", 1u << PROBE_TCP | 1u << PROBE_UNIX, "tcp and unix"},
                {"valid_status_codes", 1u << PROBE_HTTP | 1u << PROBE_HTTPS, "http and https"},
                {"follow_redirects", 1u << PROBE_HTTP | 1u << PROBE_HTTPS, "http and https"},
                {"ca_file", 1u << PROBE_HTTPS, "https"},
                {"insecure_skip_verify", 1u << PROBE_HTTPS, "https"},
        };
        for (size_t i = 0; i < ELEMENTSOF(only); i++) {
                const struct config_entry *e = config_section_get(s, only[i].key);
                if (e && !(only[i].kinds & 1u << kind))
                        return config_entry_error(s, e, diag, "only for %s probes (this one is %s)", only[i].which,
                                                  kind_names[kind]);
        }
        return 0;
}

static int probe_configure(struct probe *p, const struct config_section *s, struct diag *diag) {
        const struct config_entry *kind = config_section_get(s, "kind"), *target = config_section_get(s, "target");
        if (!kind)
                return diag_at(diag, s->file, s->line, "[probe.%s]: no kind (tcp, http, https or unix)", s->name);
        size_t k = 0;
        while (k < ELEMENTSOF(kind_names) && strcmp(kind->value, kind_names[k]) != 0)
                k++;
        if (k == ELEMENTSOF(kind_names))
                return config_entry_error(s, kind, diag, "'%s' is not a probe kind (tcp, http, https or unix)",
                                          kind->value);
        p->kind = (enum probe_kind) k;
        if (!target)
                return diag_at(diag, s->file, s->line,
                               "[probe.%s]: no target (host:port, a URL or a socket path: what to probe)", s->name);
        int r = check_kind_keys(s, p->kind, diag);
        if (r < 0)
                return r;
        switch (p->kind) {
        case PROBE_TCP:
                if (listen_address_parse(target->value, p->host, sizeof(p->host), p->port, sizeof(p->port)) < 0 ||
                    p->host[0] == '\0' || strcmp(p->port, "0") == 0)
                        return config_entry_error(s, target, diag, "'%s' is not host:port or [ipv6]:port",
                                                  target->value);
                break;
        case PROBE_HTTP:
        case PROBE_HTTPS:
                if ((r = check_url(s, target, p->kind, diag)) < 0)
                        return r;
                break;
        case PROBE_UNIX:
                if (target->value[0] != '/' || strlen(target->value) >= sizeof(((struct sockaddr_un *) 0)->sun_path))
                        return config_entry_error(s, target, diag,
                                                  "'%s' is not an absolute socket path of at most %zu bytes",
                                                  target->value, sizeof(((struct sockaddr_un *) 0)->sun_path) - 1);
                break;
        }
        if (!(p->target = strdup(target->value)))
                return -ENOMEM;

        if ((r = config_section_duration_ms(s, "interval", DEFAULT_INTERVAL_MS, 1000, 86400000, &p->interval_ms,
                                            diag)) < 0)
                return r;
        uint64_t def_timeout = p->interval_ms < DEFAULT_TIMEOUT_MS ? p->interval_ms : DEFAULT_TIMEOUT_MS;
        if ((r = config_section_duration_ms(s, "timeout", def_timeout, 10, p->interval_ms, &p->timeout_ms, diag)) < 0)
                return r;

        const struct config_entry *e = config_section_get(s, "send");
        if (e && (r = unescape(e->value, &p->send, &p->send_len)) < 0)
                return r == -ENOMEM
                               ? r
                               : config_entry_error(s, e, diag, "'%s': a backslash starts \\r, \\n, \\t or \\\\ only",
                                                    e->value);
        if ((e = config_section_get(s, "expect"))) {
                r = regcomp(&p->expect, e->value, REG_EXTENDED | REG_NOSUB);
                if (r != 0) {
                        char why[128];
                        (void) regerror(r, &p->expect, why, sizeof(why));
                        return config_entry_error(s, e, diag, "'%s' is not a regular expression: %s", e->value, why);
                }
                p->has_expect = true;
        }
        if ((e = config_section_get(s, "valid_status_codes")) && parse_status_codes(p, e->value) < 0)
                return config_entry_error(s, e, diag,
                                          "'%s' is not a list of status codes from 100 to 599 (at most %d, as "
                                          "200, 301)",
                                          e->value, STATUS_CODES_MAX);
        if ((r = config_section_bool(s, "follow_redirects", false, &p->follow_redirects, diag)) < 0 ||
            (r = config_section_bool(s, "insecure_skip_verify", false, &p->insecure, diag)) < 0)
                return r;
        if ((e = config_section_get(s, "ca_file"))) {
                if (e->value[0] != '/')
                        return config_entry_error(s, e, diag, "'%s' is not an absolute path", e->value);
                if (!(p->ca_file = strdup(e->value)))
                        return -ENOMEM;
        }
        return 0;
}

static void probe_state_free(void *state) {
        struct probe_state *st = state;
        if (!st)
                return;
        for (size_t i = 0; st->owned && i < st->n; i++)
                probe_free(st->probes[i]);
        free(st->probes);
        free(st->seen);
        free(st->seen_ran);
        free(st);
}

static int probe_new(const struct config_section *s, struct diag *diag, struct probe **ret) {
        struct probe *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        (void) pthread_mutex_init(&p->lock, NULL);
        /* the section goes with the config: the probe keeps copies */
        int r = probe_configure(p, s, diag);
        if (r >= 0 && !(p->name = strdup(s->name)))
                r = -ENOMEM;
        if (r < 0) {
                probe_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

static int probe_init(const struct collector_env *env, _unused_ const struct config_section *section, struct diag *diag,
                      void **ret_state) {
        struct probe_state *st = calloc(1, sizeof(*st));
        size_t n = env->n_probes;
        if (!st || !(st->probes = calloc(n ? n : 1, sizeof(*st->probes))) ||
            !(st->seen = calloc(n ? n : 1, sizeof(*st->seen))) ||
            !(st->seen_ran = calloc(n ? n : 1, sizeof(*st->seen_ran)))) {
                probe_state_free(st);
                return -ENOMEM;
        }
        st->owned = !env->scheduler;
        const struct push_libs *curl = NULL;
        for (size_t i = 0; i < n; i++) {
                struct probe *p;
                int r = probe_new(&env->probes[i], diag, &p);
                if (r >= 0 && (p->kind == PROBE_HTTP || p->kind == PROBE_HTTPS) && !curl) {
                        char err[300];
                        /* libcurl is loaded only now, when a probe asks for it; curl_global_init counts its
                         * callers, and its cleanup is left out: an abandoned run may still be inside */
                        if (!(curl = push_libs_curl(err, sizeof(err))))
                                r = diag_set(diag, "[probe.%s]: cannot load libcurl: %s", p->name, err);
                        else if (curl->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                                r = diag_set(diag, "[probe.%s]: libcurl does not initialise", p->name);
                        if (r < 0)
                                probe_free(p);
                }
                if (r >= 0) {
                        p->curl = curl;
                        /* the scheduler owns it from here; the state only reads it */
                        if (!st->owned &&
                            (r = scheduler_add(env->scheduler, p->name, -1, probe_run, probe_free, p)) < 0)
                                probe_free(p);
                }
                if (r < 0) {
                        probe_state_free(st);
                        return r;
                }
                st->probes[st->n++] = p;
        }
        *ret_state = st;
        return 0;
}

/* Copies each probe's last result (its lock held only for that), then
 * writes them out; a probe not run yet has no series. */
static int probe_collect(void *state, struct collect_ctx *ctx) {
        struct probe_state *st = state;
        bool any = false, any_http = false, any_https = false, any_failed = false;
        for (size_t i = 0; i < st->n; i++) {
                struct probe *p = st->probes[i];
                (void) pthread_mutex_lock(&p->lock);
                st->seen[i] = p->last;
                st->seen_ran[i] = p->ran;
                (void) pthread_mutex_unlock(&p->lock);
                any |= st->seen_ran[i];
                any_http |= st->seen_ran[i] && (p->kind == PROBE_HTTP || p->kind == PROBE_HTTPS);
                any_https |= st->seen_ran[i] && st->seen[i].cert_expiry > 0;
                any_failed |= st->seen_ran[i] && st->seen[i].reason != REASON_NONE;
        }
        if (!any)
                return 0;
        (void) metric_set_family(ctx->set, &success_desc);
        for (size_t i = 0; i < st->n; i++)
                if (st->seen_ran[i])
                        (void) metric_set_sample1(ctx->set, st->seen[i].reason == REASON_NONE, st->probes[i]->name);
        (void) metric_set_family(ctx->set, &duration_desc);
        for (size_t i = 0; i < st->n; i++)
                if (st->seen_ran[i])
                        (void) metric_set_sample1(ctx->set, st->seen[i].duration, st->probes[i]->name);
        if (any_http) {
                (void) metric_set_family(ctx->set, &status_desc);
                for (size_t i = 0; i < st->n; i++)
                        if (st->seen_ran[i] && st->probes[i]->kind != PROBE_TCP && st->probes[i]->kind != PROBE_UNIX)
                                (void) metric_set_sample1(ctx->set, (double) st->seen[i].status, st->probes[i]->name);
        }
        if (any_https) {
                (void) metric_set_family(ctx->set, &expiry_desc);
                for (size_t i = 0; i < st->n; i++)
                        if (st->seen_ran[i] && st->seen[i].cert_expiry > 0)
                                (void) metric_set_sample1(ctx->set, st->seen[i].cert_expiry, st->probes[i]->name);
        }
        if (any_failed) {
                (void) metric_set_family(ctx->set, &failed_desc);
                for (size_t i = 0; i < st->n; i++)
                        if (st->seen_ran[i] && st->seen[i].reason != REASON_NONE)
                                (void) metric_set_sample2(ctx->set, 1, st->probes[i]->name,
                                                          reason_names[st->seen[i].reason]);
        }
        return ctx->set->error;
}

/* for vigie-collectors(7) */
static const struct metric_desc *const probe_families[] = {
        &success_desc, &duration_desc, &status_desc, &expiry_desc, &failed_desc, NULL,
};

const struct collector probe_collector = {
        .name = "probe",
        .help = "local probes of the [probe.NAME] sections (tcp, http, https, unix), blackbox_exporter style",
        .default_enabled = true,
        .init = probe_init,
        .collect = probe_collect,
        .free = probe_state_free,
        .host_families = probe_families,
};
