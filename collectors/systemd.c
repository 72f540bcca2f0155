/* systemd units over sd-bus (node_exporter's systemd collector, kept
 * event-driven). A background collector: one long-lived system-bus
 * connection, Manager.Subscribe, and the unit signals keep a cached view.
 * What systemd signals no change for is read off the scrape path: every
 * refresh_interval the socket counters (a pipelined batch of GetAll
 * calls) and the cgroup figures (from the cgroup's files, where systemd
 * reads them), and NRestarts when a job of the unit ends. A scrape copies
 * the last snapshot and never waits on D-Bus. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "collector.h"
#include "fileio.h"
#include "filter.h"
#include "hash.h"
#include "macro.h"
#include "parse.h"
#include "libsystemd.h"

#define DEFAULT_UNIT_EXCLUDE ".+\\.(automount|device|mount|scope|slice)"
#define DEFAULT_TIMEOUT "5s"
#define DEFAULT_REFRESH_INTERVAL "15s"
/* Calls in flight at once: dbus-daemon's system bus answers
 * LimitsExceeded past 128 pending replies per connection. */
#define WINDOW 64

static const char SD_DEST[] = "org.freedesktop.systemd1";
static const char SD_PATH[] = "/org/freedesktop/systemd1";
static const char SD_MANAGER[] = "org.freedesktop.systemd1.Manager";
static const char UNIT_PATH_PREFIX[] = "/org/freedesktop/systemd1/unit/";
static const char PROPERTIES[] = "org.freedesktop.DBus.Properties";

static const char *const name_label[] = {"name"};
static const char *const unit_state_labels[] = {"name", "state", "type"};
static const char *const state_label[] = {"state"};
static const char *const version_label[] = {"version"};
static const char *const name_state_labels[] = {"name", "state"};
static const char *const name_result_labels[] = {"name", "result"};

static const struct metric_desc unit_state_desc = {"node_systemd_unit_state", "Systemd unit", METRIC_GAUGE, 3,
                                                   unit_state_labels};
static const struct metric_desc units_desc = {"node_systemd_units", "Summary of systemd unit states", METRIC_GAUGE, 1,
                                              state_label};
static const struct metric_desc system_running_desc = {
        "node_systemd_system_running", "Whether the system is operational (see 'systemctl is-system-running')",
        METRIC_GAUGE, 0, NULL};
static const struct metric_desc version_desc = {"node_systemd_version", "Detected systemd version", METRIC_GAUGE, 1,
                                                version_label};
static const struct metric_desc restart_desc = {
        "node_systemd_service_restart_total", "Service unit count of Restart triggers", METRIC_COUNTER, 1, name_label};
static const struct metric_desc start_time_desc = {"node_systemd_unit_start_time_seconds",
                                                   "Start time of the unit since unix epoch in seconds.", METRIC_GAUGE,
                                                   1, name_label};
static const struct metric_desc tasks_current_desc = {
        "node_systemd_unit_tasks_current", "Current number of tasks per Systemd unit", METRIC_GAUGE, 1, name_label};
static const struct metric_desc tasks_max_desc = {
        "node_systemd_unit_tasks_max", "Maximum number of tasks per Systemd unit", METRIC_GAUGE, 1, name_label};
static const struct metric_desc accepted_desc = {"node_systemd_socket_accepted_connections_total",
                                                 "Total number of accepted socket connections", METRIC_COUNTER, 1,
                                                 name_label};
static const struct metric_desc current_desc = {"node_systemd_socket_current_connections",
                                                "Current number of socket connections", METRIC_GAUGE, 1, name_label};
static const struct metric_desc refused_desc = {"node_systemd_socket_refused_connections_total",
                                                "Total number of refused socket connections", METRIC_COUNTER, 1,
                                                name_label};
static const struct metric_desc last_trigger_desc = {
        "node_systemd_timer_last_trigger_seconds", "Seconds since epoch of last trigger.", METRIC_GAUGE, 1, name_label};
static const struct metric_desc memory_desc = {"vigie_systemd_unit_memory_bytes",
                                               "Memory the unit's cgroup uses (systemd's MemoryCurrent).", METRIC_GAUGE,
                                               1, name_label};
static const struct metric_desc cpu_desc = {"vigie_systemd_unit_cpu_seconds_total",
                                            "CPU time the unit's cgroup used (systemd's CPUUsageNSec).", METRIC_COUNTER,
                                            1, name_label};
static const struct metric_desc io_read_desc = {
        "vigie_systemd_unit_io_read_bytes_total",
        "Bytes the unit's cgroup read (systemd's IOReadBytes; IOAccounting=yes).", METRIC_COUNTER, 1, name_label};
static const struct metric_desc io_write_desc = {
        "vigie_systemd_unit_io_write_bytes_total",
        "Bytes the unit's cgroup wrote (systemd's IOWriteBytes; IOAccounting=yes).", METRIC_COUNTER, 1, name_label};
static const struct metric_desc exit_status_desc = {
        "vigie_systemd_service_exit_status",
        "Exit status (or signal number) of the service's main process when it last exited (ExecMainStatus).",
        METRIC_GAUGE, 1, name_label};
static const struct metric_desc result_desc = {
        "vigie_systemd_service_result",
        "Why the service last stopped or failed (Result: success, exit-code, signal, core-dump, timeout...), 1.",
        METRIC_GAUGE, 2, name_result_labels};
static const struct metric_desc file_state_desc = {
        "vigie_systemd_unit_file_state",
        "The unit file's enablement (UnitFileState: enabled, disabled, static, masked...), 1.", METRIC_GAUGE, 2,
        name_state_labels};
static const struct metric_desc load_state_desc = {
        "vigie_systemd_unit_load_state",
        "For each watched unit, its load state (loaded, not-found, masked, bad-setting, error, or not-loaded for a "
        "unit file systemd has not loaded), 1.",
        METRIC_GAUGE, 2, name_state_labels};

static const char *const active_states[] = {"active", "activating", "deactivating", "inactive", "failed"};

static const struct collector_option systemd_options[] = {
        {"unit_include", "", "units to report (a pattern); setting it drops the default exclude"},
        {"unit_exclude", DEFAULT_UNIT_EXCLUDE, "units to leave out"},
        {"watch", "",
         "units that must exist, separated by spaces: each is reported (vigie_systemd_unit_load_state) even when "
         "not loaded, not found or masked, whatever the patterns say"},
        {"timeout", DEFAULT_TIMEOUT, "how long a D-Bus call to systemd may take"},
        {"refresh_interval", DEFAULT_REFRESH_INTERVAL,
         "how often the figures systemd signals no change for (restarts, tasks, memory, CPU, sockets) are read"},
        {NULL, NULL, NULL},
};

enum unit_kind { KIND_OTHER, KIND_SERVICE, KIND_SOCKET, KIND_TIMER, KIND_MOUNT };

static const char *const kind_interfaces[] = {
        [KIND_OTHER] = NULL,
        [KIND_SERVICE] = "org.freedesktop.systemd1.Service",
        [KIND_SOCKET] = "org.freedesktop.systemd1.Socket",
        [KIND_TIMER] = "org.freedesktop.systemd1.Timer",
        [KIND_MOUNT] = "org.freedesktop.systemd1.Mount",
};

struct systemd_state;

/* Where a cgroup's figures are: cgroup v2 alone, or v2 (for CPU) beside
 * the v1 memory and pids hierarchies (Debian 10's layout, and systemd's
 * "hybrid" one). */
enum cgroup_layout { CGROUP_UNKNOWN, CGROUP_NONE, CGROUP_UNIFIED, CGROUP_HYBRID };

/* One unit systemd has loaded. A unit removed while a call about it is
 * still pending stays allocated (gone) until the reply comes. */
struct unit {
        struct systemd_state *s;
        char *name;
        enum unit_kind kind;
        bool included; /* by the patterns */
        bool gone;
        bool seen;                 /* in the last ListUnits */
        bool want_unit, want_type; /* a GetAll of the Unit interface, of its type's, is to be sent */
        unsigned pending;
        char load_state[16], active_state[16], type[24], result[32], file_state[24];
        char *cgroup; /* NULL or "" for none */
        bool has_exec_status;
        int32_t exec_status;
        uint64_t active_enter_usec, last_trigger_usec, exit_usec;
        uint64_t n_restarts, tasks_current, tasks_max, memory, cpu_nsec, io_read, io_write;
        uint64_t n_accepted, n_connections, n_refused;
};

struct watch {
        struct systemd_state *s;
        char *name;
        bool want, pending;
        char file_state[24]; /* from GetUnitFileState when not loaded; "" for not found */
        bool answered;
};

struct systemd_state {
        const struct libsystemd *lib;
        struct filter filter;
        char cgroot[PATH_MAX]; /* <sysfs>/fs/cgroup */
        enum cgroup_layout layout;
        struct watch *watches;
        size_t n_watches;
        uint64_t timeout_ms, refresh_ms;

        int epfd; /* the schedule's descriptor: an epoll set holding the bus's, whichever connection it is */
        sd_bus *bus;
        int bus_fd;
        uint64_t backoff_ms;
        uint64_t next_batch_ns; /* CLOCK_MONOTONIC */
        bool resync;            /* systemd re-executed or reloaded: list the units again */
        int bus_error;          /* a call failed in a way that takes the connection down */
        unsigned pending;       /* calls of this connection not answered yet */
        size_t scan;            /* where pump looks for wanted reads: units, then watches */

        struct unit **units;
        size_t n_units, cap_units;
        uint32_t *slots; /* open addressing by name hash: index + 1 in units */
        size_t n_slots;

        char version[64];
        double version_number;
        bool system_running;
};

/* ---- the unit table ---- */

static uint64_t name_hash(const char *name) {
        return hash_fnv1a(HASH_FNV1A_INIT, name, strlen(name));
}

/* Never shrinks, so that dropping units never allocates. */
static int index_rebuild(struct systemd_state *s) {
        size_t want = 64;
        while (want < s->n_units * 2 + 2)
                want *= 2;
        if (want > s->n_slots) {
                uint32_t *slots = calloc(want, sizeof(*slots));
                if (!slots)
                        return -ENOMEM;
                free(s->slots);
                s->slots = slots;
                s->n_slots = want;
        } else
                memset(s->slots, 0, s->n_slots * sizeof(*s->slots));
        for (size_t i = 0; i < s->n_units; i++) {
                size_t j = name_hash(s->units[i]->name) & (s->n_slots - 1);
                while (s->slots[j])
                        j = (j + 1) & (s->n_slots - 1);
                s->slots[j] = (uint32_t) i + 1;
        }
        return 0;
}

static struct unit *unit_find(const struct systemd_state *s, const char *name) {
        if (s->n_slots == 0)
                return NULL;
        for (size_t j = name_hash(name) & (s->n_slots - 1); s->slots[j]; j = (j + 1) & (s->n_slots - 1)) {
                struct unit *u = s->units[s->slots[j] - 1];
                if (!u->gone && strcmp(u->name, name) == 0)
                        return u;
        }
        return NULL;
}

static enum unit_kind unit_kind_of(const char *name) {
        const char *dot = strrchr(name, '.');
        if (!dot)
                return KIND_OTHER;
        if (strcmp(dot, ".service") == 0)
                return KIND_SERVICE;
        if (strcmp(dot, ".socket") == 0)
                return KIND_SOCKET;
        if (strcmp(dot, ".timer") == 0)
                return KIND_TIMER;
        if (strcmp(dot, ".mount") == 0)
                return KIND_MOUNT;
        return KIND_OTHER;
}

static void unit_reset_figures(struct unit *u) {
        u->n_restarts = u->tasks_current = u->tasks_max = u->memory = u->cpu_nsec = u->io_read = u->io_write =
                UINT64_MAX;
        u->n_accepted = u->n_connections = u->n_refused = UINT64_MAX;
        u->last_trigger_usec = u->active_enter_usec = u->exit_usec = 0;
        u->has_exec_status = false;
}

static struct unit *unit_add(struct systemd_state *s, const char *name) {
        struct unit *u = unit_find(s, name);
        if (u)
                return u;
        if (array_reserve((void **) &s->units, &s->cap_units, s->n_units + 1, sizeof(*s->units)) < 0)
                return NULL;
        u = calloc(1, sizeof(*u));
        if (!u || !(u->name = strdup(name))) {
                free(u);
                return NULL;
        }
        u->s = s;
        u->kind = unit_kind_of(name);
        u->included = filter_pass(&s->filter, name);
        unit_reset_figures(u);
        s->units[s->n_units++] = u;
        if (s->n_units * 2 + 2 > s->n_slots) {
                if (index_rebuild(s) < 0) {
                        s->n_units--;
                        free(u->name);
                        free(u);
                        return NULL;
                }
                return u;
        }
        size_t j = name_hash(name) & (s->n_slots - 1);
        while (s->slots[j])
                j = (j + 1) & (s->n_slots - 1);
        s->slots[j] = (uint32_t) s->n_units;
        return u;
}

static void unit_free(struct unit *u) {
        free(u->cgroup);
        free(u->name);
        free(u);
}

/* Frees the units that are gone and no call is about any more. */
static void units_compact(struct systemd_state *s) {
        size_t k = 0;
        for (size_t i = 0; i < s->n_units; i++) {
                struct unit *u = s->units[i];
                if (u->gone && u->pending == 0)
                        unit_free(u);
                else
                        s->units[k++] = u;
        }
        if (k != s->n_units) {
                s->n_units = k;
                (void) index_rebuild(s); /* fewer units: never allocates */
        }
}

static void unit_forget(struct unit *u) {
        u->gone = true;
}

/* The unit name in a systemd unit object path: sd_bus_path_encode's
 * escapes (_xx for a byte that is not alphanumeric) undone. */
static int unit_name_from_path(const char *path, char *ret, size_t size) {
        if (strncmp(path, UNIT_PATH_PREFIX, sizeof(UNIT_PATH_PREFIX) - 1) != 0)
                return -EINVAL;
        const char *p = path + sizeof(UNIT_PATH_PREFIX) - 1;
        size_t n = 0;
        while (*p) {
                if (n + 1 >= size)
                        return -ENAMETOOLONG;
                if (*p == '_') {
                        unsigned v;
                        if (sscanf(p + 1, "%2x", &v) != 1 || !p[1] || !p[2] || v == 0)
                                return -EINVAL;
                        ret[n++] = (char) v;
                        p += 3;
                } else
                        ret[n++] = *p++;
        }
        ret[n] = '\0';
        return n > 0 ? 0 : -EINVAL;
}

/* ---- reading properties ---- */

static void copy_string(char *dst, size_t size, const char *src) {
        (void) snprintf(dst, size, "%s", src);
}

/* The unit's cgroup ("/system.slice/NAME.service"; "" when it has none). */
static int read_cgroup_path(struct unit *u, sd_bus_message *m) {
        const struct libsystemd *lib = u->s->lib;
        const char *path;
        int r = lib->message_enter_container(m, 'v', "s");
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        if ((r = lib->message_read_basic(m, 's', &path)) < 0)
                return r;
        if (!u->cgroup || strcmp(u->cgroup, path) != 0) {
                char *copy = strdup(path);
                if (!copy)
                        return -ENOMEM;
                free(u->cgroup);
                u->cgroup = copy;
        }
        return lib->message_exit_container(m);
}

/* Reads one variant value of a{sv} into u when key is one we keep; skips
 * it otherwise. */
static int read_property(struct unit *u, const char *key, sd_bus_message *m) {
        const struct libsystemd *lib = u->s->lib;
        if (strcmp(key, "ControlGroup") == 0)
                return read_cgroup_path(u, m);
        struct {
                const char *key;
                char sig;
                void *dst;
                size_t size;
        } const table[] = {
                {"LoadState", 's', u->load_state, sizeof(u->load_state)},
                {"ActiveState", 's', u->active_state, sizeof(u->active_state)},
                {"UnitFileState", 's', u->file_state, sizeof(u->file_state)},
                {"Type", 's', u->type, sizeof(u->type)},
                {"Result", 's', u->result, sizeof(u->result)},
                {"ActiveEnterTimestamp", 't', &u->active_enter_usec, 0},
                {"LastTriggerUSec", 't', &u->last_trigger_usec, 0},
                {"NRestarts", 'u', &u->n_restarts, 0},
                {"TasksMax", 't', &u->tasks_max, 0},
                {"NAccepted", 'u', &u->n_accepted, 0},
                {"NConnections", 'u', &u->n_connections, 0},
                {"NRefused", 'u', &u->n_refused, 0},
                {"ExecMainStatus", 'i', &u->exec_status, 0},
                {"ExecMainExitTimestamp", 't', &u->exit_usec, 0},
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                if (strcmp(table[i].key, key) != 0)
                        continue;
                char sig[2] = {table[i].sig, '\0'};
                int r = lib->message_enter_container(m, 'v', sig);
                if (r <= 0)
                        return r < 0 ? r : -EBADMSG;
                const char *str;
                uint32_t v32;
                int32_t i32;
                switch (table[i].sig) {
                case 's':
                        r = lib->message_read_basic(m, 's', &str);
                        if (r > 0)
                                copy_string(table[i].dst, table[i].size, str);
                        break;
                case 't': r = lib->message_read_basic(m, 't', table[i].dst); break;
                case 'u':
                        r = lib->message_read_basic(m, 'u', &v32);
                        if (r > 0)
                                *(uint64_t *) table[i].dst = v32;
                        break;
                default:
                        r = lib->message_read_basic(m, 'i', &i32);
                        if (r > 0) {
                                *(int32_t *) table[i].dst = i32;
                                u->has_exec_status = true;
                        }
                        break;
                }
                if (r < 0)
                        return r;
                return lib->message_exit_container(m);
        }
        return lib->message_skip(m, "v");
}

/* An a{sv} of a GetAll reply or a PropertiesChanged signal. */
static int read_properties(struct unit *u, sd_bus_message *m) {
        const struct libsystemd *lib = u->s->lib;
        int r = lib->message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = lib->message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;
                if ((r = lib->message_read_basic(m, 's', &key)) < 0 || (r = read_property(u, key, m)) < 0 ||
                    (r = lib->message_exit_container(m)) < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return lib->message_exit_container(m);
}

/* A failed call: an error reply is about the unit (gone meanwhile, say)
 * and changes nothing; a timeout or a lost connection takes the
 * connection down, to be made again. */
static void call_failed(struct systemd_state *s, sd_bus_message *m) {
        int r = s->lib->message_get_errno(m);
        if (r == ETIMEDOUT || r == ECONNRESET || r == ENOTCONN || r == ECONNREFUSED)
                s->bus_error = -r;
}

/* ---- the cgroup figures ---- */

static enum cgroup_layout cgroup_layout_of(const char *root) {
        char p[PATH_MAX];
        if (path_join(p, sizeof(p), root, "cgroup.controllers") >= 0 && access(p, F_OK) == 0)
                return CGROUP_UNIFIED;
        if (path_join(p, sizeof(p), root, "unified/cgroup.controllers") >= 0 && access(p, F_OK) == 0)
                return CGROUP_HYBRID;
        return CGROUP_NONE;
}

/* One number in a cgroup file ("memory.current"), or the value after key
 * in a keyed one ("usage_usec" in cpu.stat); UINT64_MAX for none. */
static uint64_t cgroup_u64(const char *root, const char *hierarchy, const char *cgroup, const char *file,
                           const char *key) {
        char dir[PATH_MAX], buf[1024];
        if (snprintf(dir, sizeof(dir), "%s%s%s", root, hierarchy, cgroup) >= (int) sizeof(dir) ||
            read_attr_at(dir, file, buf, sizeof(buf)) < 0)
                return UINT64_MAX;
        const char *v = buf;
        if (key) {
                size_t n = strlen(key);
                for (v = buf; v; v = strchr(v, '\n'), v = v ? v + 1 : NULL)
                        if (strncmp(v, key, n) == 0 && v[n] == ' ')
                                break;
                if (!v)
                        return UINT64_MAX;
                v += n + 1;
        }
        uint64_t value;
        return parse_u64(v, strcspn(v, "\n"), &value) >= 0 ? value : UINT64_MAX;
}

/* The bytes read and written in io.stat ("8:0 rbytes=N wbytes=N ..." a
 * device). */
static void cgroup_io(const char *root, const char *cgroup, uint64_t *ret_read, uint64_t *ret_write) {
        char dir[PATH_MAX], buf[4096];
        *ret_read = *ret_write = UINT64_MAX;
        if (snprintf(dir, sizeof(dir), "%s%s", root, cgroup) >= (int) sizeof(dir) ||
            read_attr_at(dir, "io.stat", buf, sizeof(buf)) < 0)
                return;
        uint64_t rd = 0, wr = 0;
        char *save = NULL;
        for (char *tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
                uint64_t v;
                if (strncmp(tok, "rbytes=", 7) == 0 && parse_u64(tok + 7, strlen(tok + 7), &v) >= 0)
                        rd += v;
                else if (strncmp(tok, "wbytes=", 7) == 0 && parse_u64(tok + 7, strlen(tok + 7), &v) >= 0)
                        wr += v;
        }
        *ret_read = rd;
        *ret_write = wr;
}

/* What systemd's MemoryCurrent, TasksCurrent, CPUUsageNSec and IO*Bytes
 * say, read where systemd reads them, without a D-Bus call per unit
 * (and CPU on the hybrid layout, where systemd's reads "[not set]"). */
static void unit_read_cgroup(struct systemd_state *s, struct unit *u) {
        u->memory = u->tasks_current = u->cpu_nsec = u->io_read = u->io_write = UINT64_MAX;
        if (!u->cgroup || !u->cgroup[0])
                return;
        if (s->layout == CGROUP_UNKNOWN)
                s->layout = cgroup_layout_of(s->cgroot);
        const char *root = s->cgroot, *cg = u->cgroup;
        uint64_t usec;
        switch (s->layout) {
        case CGROUP_UNIFIED:
                u->memory = cgroup_u64(root, "", cg, "memory.current", NULL);
                u->tasks_current = cgroup_u64(root, "", cg, "pids.current", NULL);
                usec = cgroup_u64(root, "", cg, "cpu.stat", "usage_usec");
                cgroup_io(root, cg, &u->io_read, &u->io_write);
                break;
        case CGROUP_HYBRID:
                u->memory = cgroup_u64(root, "/memory", cg, "memory.usage_in_bytes", NULL);
                u->tasks_current = cgroup_u64(root, "/pids", cg, "pids.current", NULL);
                usec = cgroup_u64(root, "/unified", cg, "cpu.stat", "usage_usec");
                break;
        default: return;
        }
        u->cpu_nsec = usec != UINT64_MAX ? usec * 1000 : UINT64_MAX;
}

static int on_get_all(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct unit *u = userdata;
        struct systemd_state *s = u->s;
        (void) ret_error;
        u->pending--;
        s->pending--;
        if (s->lib->message_is_method_error(m, NULL))
                call_failed(s, m);
        else if (!u->gone) {
                (void) read_properties(u, m);
                unit_read_cgroup(s, u); /* its cgroup may have come or gone with a job */
        }
        return 0;
}

static int get_all(struct systemd_state *s, struct unit *u, const char *interface) {
        char path[sizeof(UNIT_PATH_PREFIX) + (size_t) 3 * 256];
        size_t n = sizeof(UNIT_PATH_PREFIX) - 1;
        memcpy(path, UNIT_PATH_PREFIX, n);
        /* sd_bus_path_encode's escapes: a byte that is not alphanumeric, or a leading digit */
        for (const unsigned char *p = (const unsigned char *) u->name; *p && n + 4 < sizeof(path); p++) {
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9' && p != (const unsigned char *) u->name))
                        path[n++] = (char) *p;
                else
                        n += (size_t) sprintf(path + n, "_%02x", *p);
        }
        path[n] = '\0';
        int r = s->lib->call_method_async(s->bus, NULL, SD_DEST, path, PROPERTIES, "GetAll", on_get_all, u, "s",
                                          interface);
        if (r < 0)
                return r;
        u->pending++;
        s->pending++;
        return 0;
}

/* Asks for a unit's type interface (Service, Socket...), where the
 * figures without change signals are, and with whole its Unit interface
 * too; pump sends it. */
static void unit_want(struct systemd_state *s, struct unit *u, bool whole) {
        if (!u->included || u->gone)
                return;
        if (whole)
                u->want_unit = true;
        if (kind_interfaces[u->kind])
                u->want_type = true;
        s->scan = 0;
}

static int on_file_state(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct watch *w = userdata;
        const struct libsystemd *lib = w->s->lib;
        const char *state;
        (void) ret_error;
        w->s->pending--;
        w->pending = false;
        w->answered = true;
        if (!lib->message_is_method_error(m, NULL)) {
                if (lib->message_read_basic(m, 's', &state) > 0)
                        copy_string(w->file_state, sizeof(w->file_state), state);
        } else if (lib->message_get_errno(m) == ENOENT ||
                   lib->message_is_method_error(m, "org.freedesktop.systemd1.NoSuchUnit"))
                w->file_state[0] = '\0'; /* no such unit file */
        else {
                w->answered = false;
                call_failed(w->s, m);
        }
        return 0;
}

/* A watched unit systemd has not loaded: whether a unit file exists, and
 * whether it is masked. */
static int watch_send(struct systemd_state *s, struct watch *w) {
        int r = s->lib->call_method_async(s->bus, NULL, SD_DEST, SD_PATH, SD_MANAGER, "GetUnitFileState", on_file_state,
                                          w, "s", w->name);
        if (r < 0)
                return r;
        w->pending = true;
        s->pending++;
        return 0;
}

/* Sends wanted reads while fewer than WINDOW calls are in flight; 1 when
 * some are left to send, 0 when none, or a negative errno. */
static int pump(struct systemd_state *s) {
        int r = 0;
        for (; s->scan < s->n_units + s->n_watches; s->scan++) {
                if (s->pending >= WINDOW)
                        return 1;
                if (s->scan < s->n_units) {
                        struct unit *u = s->units[s->scan];
                        if (u->gone)
                                u->want_unit = u->want_type = false;
                        if (u->want_unit) {
                                u->want_unit = false;
                                r = get_all(s, u, "org.freedesktop.systemd1.Unit");
                        }
                        if (r >= 0 && u->want_type && s->pending < WINDOW) {
                                u->want_type = false;
                                r = get_all(s, u, kind_interfaces[u->kind]);
                        }
                        if (u->want_type) /* the window filled in between */
                                return 1;
                } else {
                        struct watch *w = &s->watches[s->scan - s->n_units];
                        if (w->want && !w->pending && !unit_find(s, w->name))
                                r = watch_send(s, w);
                        w->want = false;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- the connection ---- */

static void bus_drop(struct systemd_state *s) {
        if (!s->bus)
                return;
        libsystemd_bus_close(s->lib, &s->bus, s->epfd, &s->bus_fd);
        s->pending = 0;
        for (size_t i = 0; i < s->n_units; i++)
                s->units[i]->pending = 0;
        for (size_t i = 0; i < s->n_watches; i++)
                s->watches[i].pending = false;
        units_compact(s);
}

/* ---- signals ---- */

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct systemd_state *s = userdata;
        (void) ret_error;
        char name[256];
        const char *path = s->lib->message_get_path(m), *interface;
        if (!path || unit_name_from_path(path, name, sizeof(name)) < 0)
                return 0;
        struct unit *u = unit_find(s, name);
        if (u && s->lib->message_read_basic(m, 's', &interface) > 0)
                (void) read_properties(u, m);
        return 0;
}

static int on_unit_new(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct systemd_state *s = userdata;
        const char *name, *path;
        (void) ret_error;
        if (s->lib->message_read(m, "so", &name, &path) <= 0 || unit_find(s, name))
                return 0;
        struct unit *u = unit_add(s, name);
        if (u)
                unit_want(s, u, true);
        return 0;
}

static int on_unit_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct systemd_state *s = userdata;
        const char *name, *path;
        (void) ret_error;
        if (s->lib->message_read(m, "so", &name, &path) <= 0)
                return 0;
        struct unit *u = unit_find(s, name);
        if (u)
                unit_forget(u);
        return 0;
}

/* A job ended: what it changed without a signal (NRestarts after a
 * restart, the exit status's companions) is read now rather than at the
 * next batch. */
static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct systemd_state *s = userdata;
        uint32_t id;
        const char *job, *name, *result;
        (void) ret_error;
        if (s->lib->message_read(m, "uoss", &id, &job, &name, &result) <= 0)
                return 0;
        struct unit *u = unit_find(s, name);
        if (u)
                unit_want(s, u, false);
        return 0;
}

/* Reloading(false) ends a daemon-reload; a new owner of systemd's name
 * comes after a daemon-reexec: either way the units are listed again. */
static int on_reloading(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct systemd_state *s = userdata;
        int active;
        (void) ret_error;
        if (s->lib->message_read(m, "b", &active) > 0 && !active)
                s->resync = true;
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct systemd_state *s = userdata;
        const char *name, *old_owner, *new_owner;
        (void) ret_error;
        if (s->lib->message_read(m, "sss", &name, &old_owner, &new_owner) > 0 && new_owner[0])
                s->resync = true;
        return 0;
}

/* ---- listing and refreshing ---- */

static int list_units(struct systemd_state *s) {
        const struct libsystemd *lib = s->lib;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r = lib->call_method(s->bus, SD_DEST, SD_PATH, SD_MANAGER, "ListUnits", &error, &reply, NULL);
        lib->error_free(&error);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_units; i++)
                s->units[i]->seen = false;
        r = lib->message_enter_container(reply, 'a', "(ssssssouso)");
        while (r >= 0) {
                const char *name, *description, *load, *active, *sub, *following, *path, *job_type, *job_path;
                uint32_t job_id;
                r = lib->message_read(reply, "(ssssssouso)", &name, &description, &load, &active, &sub, &following,
                                      &path, &job_id, &job_type, &job_path);
                if (r <= 0)
                        break;
                struct unit *u = unit_add(s, name);
                if (!u) {
                        r = -ENOMEM;
                        break;
                }
                u->seen = true;
                copy_string(u->load_state, sizeof(u->load_state), load);
                copy_string(u->active_state, sizeof(u->active_state), active);
        }
        lib->message_unref(reply);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_units; i++)
                if (!s->units[i]->seen)
                        unit_forget(s->units[i]);
        return 0;
}

static int read_manager_strings(struct systemd_state *s) {
        const struct libsystemd *lib = s->lib;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *version = NULL, *state = NULL;
        int r = lib->get_property_string(s->bus, SD_DEST, SD_PATH, SD_MANAGER, "Version", &error, &version);
        if (r >= 0)
                r = lib->get_property_string(s->bus, SD_DEST, SD_PATH, SD_MANAGER, "SystemState", &error, &state);
        lib->error_free(&error);
        if (r >= 0) {
                copy_string(s->version, sizeof(s->version), version);
                /* "252.38-1~deb12u1" is 252.38, as node_exporter reads it */
                char *end;
                double v = strtod(version, &end);
                s->version_number = end != version ? v : 0;
                s->system_running = strcmp(state, "running") == 0;
        }
        free(version);
        free(state);
        return r;
}

/* The batch: the socket counters (one GetAll each, pipelined, sent and
 * read by drain; with whole, every unit's Unit and type interfaces), one
 * GetUnitFileState per watched unit not loaded, and the cgroup figures
 * from their files. */
static void batch_want(struct systemd_state *s, bool whole) {
        for (size_t i = 0; i < s->n_units; i++) {
                struct unit *u = s->units[i];
                if (whole || u->kind == KIND_SOCKET)
                        unit_want(s, u, whole);
                if (u->included && !u->gone)
                        unit_read_cgroup(s, u);
        }
        for (size_t i = 0; i < s->n_watches; i++)
                s->watches[i].want = true;
        s->scan = 0;
}

/* Handles what the bus has, sends what is wanted, and waits for the
 * answers, for at most the call timeout: the refresh publishes a view
 * with no call in flight. < 0 when the connection is to be made again. */
static int drain(struct systemd_state *s) {
        uint64_t deadline = clock_ns(CLOCK_MONOTONIC) + s->timeout_ms * 1000000u;
        for (;;) {
                int r = s->lib->process(s->bus, NULL);
                if (r >= 0 && s->bus_error < 0)
                        r = s->bus_error;
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                if ((r = pump(s)) < 0)
                        return r;
                if (r == 0 && s->pending == 0)
                        break;
                uint64_t now = clock_ns(CLOCK_MONOTONIC);
                if (now >= deadline)
                        return -ETIMEDOUT;
                if ((r = s->lib->wait(s->bus, (deadline - now) / 1000)) < 0)
                        return r;
        }
        return s->lib->is_open(s->bus) > 0 ? 0 : -ECONNRESET;
}

/* Lists the units and reads all their properties; after a connect, a
 * daemon-reload or a daemon-reexec. */
static int sync_all(struct systemd_state *s) {
        const struct libsystemd *lib = s->lib;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        /* on a connection that has it already, Subscribe answers an error that changes nothing */
        (void) lib->call_method(s->bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", &error, NULL, NULL);
        lib->error_free(&error);
        s->resync = false;
        int r = list_units(s);
        if (r >= 0)
                r = read_manager_strings(s);
        if (r >= 0) {
                batch_want(s, true);
                r = drain(s);
        }
        s->next_batch_ns = clock_ns(CLOCK_MONOTONIC) + s->refresh_ms * 1000000u;
        return r;
}

static int bus_connect(struct systemd_state *s) {
        const struct libsystemd *lib = s->lib;
        int r = lib->open_system(&s->bus);
        if (r < 0) {
                s->bus = NULL;
                return r;
        }
        s->bus_error = 0;
        static const struct {
                const char *match;
                sd_bus_message_handler_t handler;
        } matches[] = {
                {"type='signal',sender='org.freedesktop.systemd1',interface='org.freedesktop.DBus.Properties',"
                 "member='PropertiesChanged',path_namespace='/org/freedesktop/systemd1/unit'",
                 on_properties_changed},
                {"type='signal',sender='org.freedesktop.systemd1',interface='org.freedesktop.systemd1.Manager',"
                 "member='UnitNew'",
                 on_unit_new},
                {"type='signal',sender='org.freedesktop.systemd1',interface='org.freedesktop.systemd1.Manager',"
                 "member='UnitRemoved'",
                 on_unit_removed},
                {"type='signal',sender='org.freedesktop.systemd1',interface='org.freedesktop.systemd1.Manager',"
                 "member='JobRemoved'",
                 on_job_removed},
                {"type='signal',sender='org.freedesktop.systemd1',interface='org.freedesktop.systemd1.Manager',"
                 "member='Reloading'",
                 on_reloading},
                {"type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                 "member='NameOwnerChanged',arg0='org.freedesktop.systemd1'",
                 on_owner_changed},
        };
        r = lib->set_method_call_timeout(s->bus, s->timeout_ms * 1000);
        for (size_t i = 0; i < ELEMENTSOF(matches) && r >= 0; i++)
                r = lib->add_match(s->bus, NULL, matches[i].match, matches[i].handler, s);
        if (r >= 0)
                r = sync_all(s);
        if (r >= 0)
                r = libsystemd_bus_watch(s->lib, s->bus, s->epfd, &s->bus_fd);
        if (r < 0)
                bus_drop(s);
        return r;
}

/* ---- the snapshot ---- */

/* The units with series: node_exporter's, those the patterns let
 * through that systemd has loaded (a watched one is reported anyway). */
static bool unit_shown(const struct unit *u) {
        return !u->gone && u->included && strcmp(u->load_state, "loaded") == 0;
}

static void emit_u64(struct metric_set *set, const struct metric_desc *desc, const struct systemd_state *s,
                     size_t offset, double scale, enum unit_kind only) {
        (void) metric_set_family(set, desc);
        for (size_t i = 0; i < s->n_units; i++) {
                const struct unit *u = s->units[i];
                if (!unit_shown(u) || (only != KIND_OTHER && u->kind != only))
                        continue;
                uint64_t v;
                memcpy(&v, (const char *) u + offset, sizeof(v));
                if (v != UINT64_MAX)
                        (void) metric_set_sample1(set, (double) v * scale, u->name);
        }
}

static const char *watch_load_state(const struct systemd_state *s, const struct watch *w) {
        const struct unit *u = unit_find(s, w->name);
        if (u)
                return u->load_state[0] ? u->load_state : "loaded";
        if (!w->answered)
                return NULL;
        if (w->file_state[0] == '\0')
                return "not-found";
        if (strncmp(w->file_state, "masked", 6) == 0)
                return "masked";
        return "not-loaded";
}

static void emit_unit_states(struct metric_set *set, const struct systemd_state *s) {
        (void) metric_set_family(set, &unit_state_desc);
        for (size_t i = 0; i < s->n_units; i++) {
                const struct unit *u = s->units[i];
                if (!unit_shown(u))
                        continue;
                for (size_t k = 0; k < ELEMENTSOF(active_states); k++) {
                        const char *labels[] = {u->name, active_states[k], u->type};
                        (void) metric_set_sample(set, strcmp(u->active_state, active_states[k]) == 0, labels);
                }
        }
        /* watched units the patterns leave out, or that systemd has not
         * loaded (inactive, as systemctl says of them) */
        for (size_t i = 0; i < s->n_watches; i++) {
                const struct unit *u = unit_find(s, s->watches[i].name);
                if (u && unit_shown(u))
                        continue;
                for (size_t k = 0; k < ELEMENTSOF(active_states); k++) {
                        const char *state = u ? u->active_state : "inactive";
                        const char *labels[] = {s->watches[i].name, active_states[k], u ? u->type : ""};
                        (void) metric_set_sample(set, strcmp(state, active_states[k]) == 0, labels);
                }
        }
}

static void emit(struct metric_set *set, const struct systemd_state *s) {
        emit_unit_states(set, s);

        /* node_exporter counts every unit, whatever the patterns */
        double counts[ELEMENTSOF(active_states)] = {0};
        for (size_t i = 0; i < s->n_units; i++)
                for (size_t k = 0; k < ELEMENTSOF(active_states); k++)
                        if (!s->units[i]->gone && strcmp(s->units[i]->active_state, active_states[k]) == 0)
                                counts[k]++;
        (void) metric_set_family(set, &units_desc);
        for (size_t k = 0; k < ELEMENTSOF(active_states); k++)
                (void) metric_set_sample1(set, counts[k], active_states[k]);

        (void) metric_set_family(set, &system_running_desc);
        (void) metric_set_sample0(set, s->system_running);
        (void) metric_set_family(set, &version_desc);
        (void) metric_set_sample1(set, s->version_number, s->version);

        emit_u64(set, &restart_desc, s, offsetof(struct unit, n_restarts), 1, KIND_SERVICE);
        (void) metric_set_family(set, &start_time_desc);
        for (size_t i = 0; i < s->n_units; i++) {
                const struct unit *u = s->units[i];
                if (unit_shown(u))
                        (void) metric_set_sample1(
                                set, strcmp(u->active_state, "active") == 0 ? (double) u->active_enter_usec / 1e6 : 0,
                                u->name);
        }
        emit_u64(set, &tasks_current_desc, s, offsetof(struct unit, tasks_current), 1, KIND_SERVICE);
        /* the limit where there are tasks to hold to it: a unit with a cgroup */
        (void) metric_set_family(set, &tasks_max_desc);
        for (size_t i = 0; i < s->n_units; i++) {
                const struct unit *u = s->units[i];
                if (unit_shown(u) && u->kind == KIND_SERVICE && u->tasks_current != UINT64_MAX &&
                    u->tasks_max != UINT64_MAX)
                        (void) metric_set_sample1(set, (double) u->tasks_max, u->name);
        }
        emit_u64(set, &accepted_desc, s, offsetof(struct unit, n_accepted), 1, KIND_SOCKET);
        emit_u64(set, &current_desc, s, offsetof(struct unit, n_connections), 1, KIND_SOCKET);
        emit_u64(set, &refused_desc, s, offsetof(struct unit, n_refused), 1, KIND_SOCKET);
        (void) metric_set_family(set, &last_trigger_desc);
        for (size_t i = 0; i < s->n_units; i++) {
                const struct unit *u = s->units[i];
                if (unit_shown(u) && u->kind == KIND_TIMER)
                        (void) metric_set_sample1(set, (double) u->last_trigger_usec / 1e6, u->name);
        }

        emit_u64(set, &memory_desc, s, offsetof(struct unit, memory), 1, KIND_OTHER);
        emit_u64(set, &cpu_desc, s, offsetof(struct unit, cpu_nsec), 1e-9, KIND_OTHER);
        emit_u64(set, &io_read_desc, s, offsetof(struct unit, io_read), 1, KIND_OTHER);
        emit_u64(set, &io_write_desc, s, offsetof(struct unit, io_write), 1, KIND_OTHER);
        (void) metric_set_family(set, &exit_status_desc);
        for (size_t i = 0; i < s->n_units; i++) {
                const struct unit *u = s->units[i];
                /* a main process that never exited (a daemon still running) has no exit status */
                if (unit_shown(u) && u->has_exec_status && u->exit_usec != 0)
                        (void) metric_set_sample1(set, u->exec_status, u->name);
        }
        (void) metric_set_family(set, &result_desc);
        for (size_t i = 0; i < s->n_units; i++) {
                const struct unit *u = s->units[i];
                if (unit_shown(u) && u->kind == KIND_SERVICE && u->result[0])
                        (void) metric_set_sample2(set, 1, u->name, u->result);
        }
        (void) metric_set_family(set, &file_state_desc);
        for (size_t i = 0; i < s->n_units; i++) {
                const struct unit *u = s->units[i];
                if (unit_shown(u) && u->file_state[0])
                        (void) metric_set_sample2(set, 1, u->name, u->file_state);
        }
        (void) metric_set_family(set, &load_state_desc);
        for (size_t i = 0; i < s->n_watches; i++) {
                const char *state = watch_load_state(s, &s->watches[i]);
                if (state)
                        (void) metric_set_sample2(set, 1, s->watches[i].name, state);
        }
}

/* ---- the collector ---- */

static int systemd_collect(void *state, struct collect_ctx *ctx) {
        struct systemd_state *s = state;
        uint64_t now = clock_ns(CLOCK_MONOTONIC);
        int r;

        if ((r = libsystemd_bus_lib(&s->lib, s->refresh_ms, &ctx->next_refresh_ms)) < 0)
                return r;

        if (!s->bus) {
                r = bus_connect(s);
                if (r < 0) {
                        ctx->next_refresh_ms = libsystemd_backoff(&s->backoff_ms);
                        return r;
                }
                s->backoff_ms = 0;
        } else {
                r = drain(s);
                if (r >= 0 && s->resync)
                        r = sync_all(s);
                if (r >= 0 && now >= s->next_batch_ns) {
                        batch_want(s, false);
                        s->next_batch_ns = now + s->refresh_ms * 1000000u;
                        r = read_manager_strings(s);
                        if (r >= 0)
                                r = drain(s);
                }
                if (r >= 0)
                        r = libsystemd_bus_watch(s->lib, s->bus, s->epfd, &s->bus_fd);
                if (r < 0) {
                        /* systemd or D-Bus went away: connect again at once, then with backoff */
                        bus_drop(s);
                        s->backoff_ms = 500; /* doubled to 1 s at the first failure */
                        ctx->next_refresh_ms = 1;
                        return r;
                }
        }
        units_compact(s);
        s->scan = 0;

        /* wake for the next batch, or for a call's timeout if sooner */
        now = clock_ns(CLOCK_MONOTONIC);
        uint64_t next_ms = s->next_batch_ns > now ? (s->next_batch_ns - now) / 1000000u + 1 : 1;
        uint64_t timeout_us = 0;
        if (s->lib->get_timeout(s->bus, &timeout_us) > 0 && timeout_us != UINT64_MAX) {
                uint64_t now_us = now / 1000u;
                uint64_t call_ms = timeout_us > now_us ? (timeout_us - now_us) / 1000u + 1 : 1;
                if (call_ms < next_ms)
                        next_ms = call_ms;
        }
        ctx->next_refresh_ms = next_ms;
        emit(ctx->set, s);
        return ctx->set->error;
}

static void systemd_free(void *state) {
        struct systemd_state *s = state;
        if (!s)
                return;
        bus_drop(s);
        for (size_t i = 0; i < s->n_units; i++)
                unit_free(s->units[i]);
        free(s->units);
        free(s->slots);
        for (size_t i = 0; i < s->n_watches; i++)
                free(s->watches[i].name);
        free(s->watches);
        filter_free(&s->filter);
        if (s->epfd >= 0)
                (void) close(s->epfd);
        free(s);
}

static int watches_parse(struct systemd_state *s, const char *list) {
        size_t cap = 0;
        for (const char *p = list; *p;) {
                size_t n = strcspn(p, " \t,");
                if (n > 0) {
                        if (array_reserve((void **) &s->watches, &cap, s->n_watches + 1, sizeof(*s->watches)) < 0)
                                return -ENOMEM;
                        struct watch *w = &s->watches[s->n_watches];
                        if (!(w->name = strndup(p, n)))
                                return -ENOMEM;
                        w->s = s;
                        s->n_watches++;
                }
                p += n;
                p += strspn(p, " \t,");
        }
        return 0;
}

static int systemd_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                        void **ret_state) {
        struct systemd_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->cgroot, sizeof(s->cgroot), env->sysfs, "fs/cgroup") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        s->epfd = -1;
        s->bus_fd = -1;
        uint64_t def_timeout = 0, def_refresh = 0;
        (void) parse_duration_ms(DEFAULT_TIMEOUT, &def_timeout);
        (void) parse_duration_ms(DEFAULT_REFRESH_INTERVAL, &def_refresh);
        int r = filter_from_config(&s->filter, section, "unit_include", NULL, "unit_exclude", DEFAULT_UNIT_EXCLUDE,
                                   diag);
        if (r >= 0)
                r = config_section_duration_ms(section, "timeout", def_timeout, 10, 60000, &s->timeout_ms, diag);
        if (r >= 0)
                r = config_section_duration_ms(section, "refresh_interval", def_refresh, 1000, 3600000, &s->refresh_ms,
                                               diag);
        if (r >= 0)
                r = watches_parse(s, config_section_string(section, "watch", ""));
        if (r >= 0 && (s->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
                r = -errno;
        if (r < 0) {
                systemd_free(s);
                return r;
        }
        *ret_state = s;
        return 0;
}

static int systemd_schedule(void *state, struct collector_schedule *ret) {
        struct systemd_state *s = state;
        ret->fd = s->epfd;
        if (!libsystemd_bus_expected())
                return 0; /* one refresh says so, then none: no wake-up, no age bound */
        ret->period_ms = s->refresh_ms;
        /* a quiet system signals nothing between batches, and a bus that is
         * gone is tried again up to LIBSYSTEMD_BACKOFF_MAX_MS apart */
        ret->max_age_ms = 3 * s->refresh_ms + LIBSYSTEMD_BACKOFF_MAX_MS;
        return 0;
}

/* for vigie-collectors(7) */
static const struct metric_desc *const systemd_families[] = {
        &unit_state_desc,    &units_desc,       &system_running_desc,
        &version_desc,       &restart_desc,     &start_time_desc,
        &tasks_current_desc, &tasks_max_desc,   &accepted_desc,
        &current_desc,       &refused_desc,     &last_trigger_desc,
        &memory_desc,        &cpu_desc,         &io_read_desc,
        &io_write_desc,      &exit_status_desc, &result_desc,
        &file_state_desc,    &load_state_desc,  NULL,
};

const struct collector systemd_collector = {
        .name = "systemd",
        .help = "systemd units over D-Bus, kept up to date by systemd's signals; scrapes never wait on D-Bus",
        .default_enabled = true,
        .options = systemd_options,
        .init = systemd_init,
        .collect = systemd_collect,
        .free = systemd_free,
        .schedule = systemd_schedule,
        .host_families = systemd_families,
};
