/* logind: node_logind_sessions{seat,remote,type,class} over the system
 * bus, as node_exporter 1.5 counts them: every seat ListSeats gives and
 * the empty one (remote sessions), times each remote, type and class
 * value it knows, the others counted as "other". A background collector
 * on its own sd-bus connection: logind's signals mark the view stale,
 * the next refresh lists the seats and sessions again and asks only new
 * sessions for their properties. Scrapes never wait on D-Bus. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "array.h"
#include "collector.h"
#include "libsystemd.h"
#include "macro.h"

#define TIMEOUT_US UINT64_C(5000000)
#define PERIOD_MS 60000

static const char LOGIN_DEST[] = "org.freedesktop.login1";
static const char LOGIN_PATH[] = "/org/freedesktop/login1";
static const char LOGIN_MANAGER[] = "org.freedesktop.login1.Manager";
static const char LOGIN_SESSION[] = "org.freedesktop.login1.Session";

static const char *const sessions_labels[] = {"seat", "remote", "type", "class"};
static const struct metric_desc sessions_desc = {"node_logind_sessions", "Number of sessions registered in logind.",
                                                 METRIC_GAUGE, 4, sessions_labels};

/* node_exporter's attrRemoteValues, attrTypeValues, attrClassValues */
static const char *const remote_values[] = {"true", "false"};
static const char *const type_values[] = {"other", "unspecified", "tty", "x11", "wayland", "mir", "web"};
static const char *const class_values[] = {"other", "user", "greeter", "lock-screen", "background"};

struct logind_session {
        char path[128];
        char seat[256];
        unsigned remote, type, class; /* indexes in the value tables */
        bool seen;
};

struct logind_state {
        const struct libsystemd *lib;
        int epfd;
        sd_bus *bus;
        int bus_fd;
        uint64_t backoff_ms;
        bool stale; /* a signal came: list again */
        char (*seats)[256];
        size_t n_seats, cap_seats;
        struct logind_session *sessions;
        size_t n_sessions, cap_sessions;
};

static unsigned value_index(const char *v, const char *const *known, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(v, known[i]) == 0)
                        return (unsigned) i;
        return 0; /* "other" */
}

static int on_manager_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct logind_state *s = userdata;
        (void) m;
        (void) ret_error;
        s->stale = true;
        return 0;
}

/* A session's Type or Class changed (SetType, SetClass): read it again. */
static int on_session_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct logind_state *s = userdata;
        (void) ret_error;
        const char *path = s->lib->message_get_path(m);
        for (size_t i = 0; path && i < s->n_sessions;)
                if (strcmp(s->sessions[i].path, path) == 0)
                        s->sessions[i] = s->sessions[--s->n_sessions];
                else
                        i++;
        s->stale = true;
        return 0;
}

/* logind restarted: its session paths mean other sessions now. */
static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct logind_state *s = userdata;
        (void) m;
        (void) ret_error;
        s->n_sessions = 0;
        s->stale = true;
        return 0;
}

/* A call that failed: an error reply about one session (gone meanwhile)
 * is that session's; a timeout or a lost connection is the connection's. */
static bool call_fatal(int r) {
        return r == -ETIMEDOUT || r == -ECONNRESET || r == -ENOTCONN || r == -ECONNREFUSED || r == -ENOMEM;
}

static int list_seats(struct logind_state *s) {
        const struct libsystemd *lib = s->lib;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r = lib->call_method(s->bus, LOGIN_DEST, LOGIN_PATH, LOGIN_MANAGER, "ListSeats", &error, &reply, NULL);
        lib->error_free(&error);
        if (r < 0)
                return r;
        s->n_seats = 0;
        r = lib->message_enter_container(reply, 'a', "(so)");
        while (r >= 0) {
                const char *id, *path;
                r = lib->message_read(reply, "(so)", &id, &path);
                if (r <= 0)
                        break;
                if (strlen(id) >= sizeof(*s->seats))
                        continue;
                if (array_reserve((void **) &s->seats, &s->cap_seats, s->n_seats + 1, sizeof(*s->seats)) < 0) {
                        r = -ENOMEM;
                        break;
                }
                memcpy(s->seats[s->n_seats++], id, strlen(id) + 1);
        }
        lib->message_unref(reply);
        return r < 0 ? r : 0;
}

/* Remote, Type and Class of the session at path, from a GetAll. */
static int read_session(struct logind_state *s, struct logind_session *out) {
        const struct libsystemd *lib = s->lib;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r = lib->call_method(s->bus, LOGIN_DEST, out->path, "org.freedesktop.DBus.Properties", "GetAll", &error,
                                 &reply, "s", LOGIN_SESSION);
        lib->error_free(&error);
        if (r < 0)
                return r;
        bool got_remote = false, got_type = false, got_class = false;
        r = lib->message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = lib->message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key, *str;
                int b;
                if ((r = lib->message_read_basic(reply, 's', &key)) < 0)
                        break;
                if (strcmp(key, "Remote") == 0 && (r = lib->message_read(reply, "v", "b", &b)) > 0) {
                        out->remote = b ? 0 : 1;
                        got_remote = true;
                } else if (strcmp(key, "Type") == 0 && (r = lib->message_read(reply, "v", "s", &str)) > 0) {
                        out->type = value_index(str, type_values, ELEMENTSOF(type_values));
                        got_type = true;
                } else if (strcmp(key, "Class") == 0 && (r = lib->message_read(reply, "v", "s", &str)) > 0) {
                        out->class = value_index(str, class_values, ELEMENTSOF(class_values));
                        got_class = true;
                } else if (strcmp(key, "Remote") != 0 && strcmp(key, "Type") != 0 && strcmp(key, "Class") != 0)
                        r = lib->message_skip(reply, "v");
                if (r >= 0)
                        r = lib->message_exit_container(reply);
        }
        lib->message_unref(reply);
        if (r < 0)
                return r;
        /* what node_exporter cannot read, it does not count */
        return got_remote && got_type && got_class ? 0 : -EBADMSG;
}

static int list_sessions(struct logind_state *s) {
        const struct libsystemd *lib = s->lib;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r = lib->call_method(s->bus, LOGIN_DEST, LOGIN_PATH, LOGIN_MANAGER, "ListSessions", &error, &reply, NULL);
        lib->error_free(&error);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_sessions; i++)
                s->sessions[i].seen = false;
        r = lib->message_enter_container(reply, 'a', "(susso)");
        while (r >= 0) {
                const char *id, *user, *seat, *path;
                uint32_t uid;
                r = lib->message_read(reply, "(susso)", &id, &uid, &user, &seat, &path);
                if (r <= 0)
                        break;
                struct logind_session *known = NULL;
                for (size_t i = 0; i < s->n_sessions && !known; i++)
                        if (strcmp(s->sessions[i].path, path) == 0)
                                known = &s->sessions[i];
                if (known) {
                        known->seen = true;
                        continue;
                }
                struct logind_session n = {.seen = true};
                if (strlen(path) >= sizeof(n.path) || strlen(seat) >= sizeof(n.seat))
                        continue;
                memcpy(n.path, path, strlen(path) + 1);
                memcpy(n.seat, seat, strlen(seat) + 1);
                int e = read_session(s, &n);
                if (e < 0 && call_fatal(e)) {
                        r = e;
                        break;
                }
                if (e < 0)
                        continue;
                if (array_reserve((void **) &s->sessions, &s->cap_sessions, s->n_sessions + 1, sizeof(*s->sessions)) <
                    0) {
                        r = -ENOMEM;
                        break;
                }
                s->sessions[s->n_sessions++] = n;
        }
        lib->message_unref(reply);
        if (r < 0)
                return r;
        size_t k = 0;
        for (size_t i = 0; i < s->n_sessions; i++)
                if (s->sessions[i].seen)
                        s->sessions[k++] = s->sessions[i];
        s->n_sessions = k;
        return 0;
}

/* Dispatches what the bus has queued (the signals, which mark the view
 * stale). */
static int dispatch(struct logind_state *s) {
        int r;
        while ((r = s->lib->process(s->bus, NULL)) > 0)
                ;
        if (r >= 0 && s->lib->is_open(s->bus) <= 0)
                r = -ECONNRESET;
        return r;
}

static void bus_drop(struct logind_state *s) {
        libsystemd_bus_close(s->lib, &s->bus, s->epfd, &s->bus_fd);
        s->n_sessions = 0;
}

static int bus_connect(struct logind_state *s) {
        const struct libsystemd *lib = s->lib;
        int r = lib->open_system(&s->bus);
        if (r < 0) {
                s->bus = NULL;
                return r;
        }
        static const struct {
                const char *match;
                sd_bus_message_handler_t handler;
        } matches[] = {
                {"type='signal',sender='org.freedesktop.login1',interface='org.freedesktop.login1.Manager'",
                 on_manager_signal},
                {"type='signal',sender='org.freedesktop.login1',interface='org.freedesktop.DBus.Properties',"
                 "member='PropertiesChanged',path_namespace='/org/freedesktop/login1/session',"
                 "arg0='org.freedesktop.login1.Session'",
                 on_session_changed},
                {"type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                 "member='NameOwnerChanged',arg0='org.freedesktop.login1'",
                 on_owner_changed},
        };
        r = lib->set_method_call_timeout(s->bus, TIMEOUT_US);
        for (size_t i = 0; i < ELEMENTSOF(matches) && r >= 0; i++)
                r = lib->add_match(s->bus, NULL, matches[i].match, matches[i].handler, s);
        if (r < 0)
                bus_drop(s);
        s->stale = true;
        return r;
}

static void emit(struct metric_set *set, const struct logind_state *s) {
        (void) metric_set_family(set, &sessions_desc);
        for (size_t seat = 0; seat <= s->n_seats; seat++) {
                /* the empty seat last: node_exporter adds it for remote sessions */
                const char *seat_id = seat < s->n_seats ? s->seats[seat] : "";
                for (unsigned remote = 0; remote < ELEMENTSOF(remote_values); remote++)
                        for (unsigned type = 0; type < ELEMENTSOF(type_values); type++)
                                for (unsigned class = 0; class < ELEMENTSOF(class_values); class ++) {
                                        unsigned count = 0;
                                        for (size_t i = 0; i < s->n_sessions; i++) {
                                                const struct logind_session *x = &s->sessions[i];
                                                count += x->remote == remote && x->type == type && x->class == class &&
                                                         strcmp(x->seat, seat_id) == 0;
                                        }
                                        const char *v[] = {seat_id, remote_values[remote], type_values[type],
                                                           class_values[class]};
                                        (void) metric_set_sample(set, count, v);
                                }
        }
}

static int logind_collect(void *state, struct collect_ctx *ctx) {
        struct logind_state *s = state;
        int r = libsystemd_bus_lib(&s->lib, PERIOD_MS, &ctx->next_refresh_ms);
        if (r < 0)
                return r;
        r = s->bus ? 0 : bus_connect(s);
        /* a signal that comes during the listing makes it stale again:
         * list once more, and leave what is still stale to the next refresh */
        for (unsigned round = 0; r >= 0 && round < 2; round++) {
                r = dispatch(s);
                if (r < 0 || !s->stale)
                        break;
                s->stale = false;
                r = list_seats(s);
                if (r >= 0)
                        r = list_sessions(s);
        }
        if (r >= 0)
                r = dispatch(s);
        if (r >= 0)
                r = libsystemd_bus_watch(s->lib, s->bus, s->epfd, &s->bus_fd);
        if (r < 0) {
                /* no bus, or logind went away: again after a growing pause */
                bus_drop(s);
                ctx->next_refresh_ms = libsystemd_backoff(&s->backoff_ms);
                return r;
        }
        s->backoff_ms = 0;
        if (s->stale)
                ctx->next_refresh_ms = 1;
        emit(ctx->set, s);
        return ctx->set->error;
}

static void logind_free(void *state) {
        struct logind_state *s = state;
        if (!s)
                return;
        bus_drop(s);
        free(s->seats);
        free(s->sessions);
        if (s->epfd >= 0)
                (void) close(s->epfd);
        free(s);
}

static int logind_init(_unused_ const struct collector_env *env, _unused_ const struct config_section *section,
                       _unused_ struct diag *diag, void **ret_state) {
        struct logind_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->bus_fd = -1;
        s->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (s->epfd < 0) {
                int r = -errno;
                free(s);
                return r;
        }
        *ret_state = s;
        return 0;
}

static int logind_schedule(void *state, struct collector_schedule *ret) {
        struct logind_state *s = state;
        ret->fd = s->epfd;
        if (!libsystemd_bus_expected())
                return 0; /* one refresh says so, then none */
        /* the signals keep it up to date; the period is a safety net */
        ret->period_ms = PERIOD_MS;
        ret->max_age_ms = 3 * PERIOD_MS + LIBSYSTEMD_BACKOFF_MAX_MS;
        return 0;
}

/* for vigie-collectors(7) */
static const struct metric_desc *const logind_families[] = {
        &sessions_desc,
        NULL,
};

const struct collector logind_collector = {
        .name = "logind",
        .help = "Sessions registered in systemd-logind, over D-Bus, kept up to date by its signals",
        .default_enabled = false,
        .init = logind_init,
        .collect = logind_collect,
        .free = logind_free,
        .schedule = logind_schedule,
        .host_families = logind_families,
};
