/* systemd's service protocols through libsystemd (sd_notify(3),
 * sd_listen_fds(3), sd_watchdog_enabled(3), sd_journal_send(3)), which is
 * loaded only when systemd's variables say it started the agent: an agent
 * started elsewhere never loads it (agent/libsystemd.h says what it
 * costs). */
#include "systemd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libsystemd.h"

static bool env_set(const char *name) {
        const char *e = getenv(name);
        return e && *e;
}

/* The library, when name is set in the environment; else NULL, and
 * nothing is loaded. */
static const struct libsystemd *lib_if(const char *name) {
        return env_set(name) ? libsystemd_get(NULL, 0) : NULL;
}

int systemd_notify(const char *state) {
        if (!env_set("NOTIFY_SOCKET"))
                return 0;
        const struct libsystemd *lib = lib_if("NOTIFY_SOCKET");
        if (!lib)
                return -ELIBACC; /* run by systemd, but its library is missing */
        return lib->notify(0, state);
}

int systemd_notifyf(const char *fmt, ...) {
        char state[2048];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(state, sizeof(state), fmt, ap);
        va_end(ap);
        if (n < 0)
                return -EINVAL;
        return systemd_notify(state); /* a longer STATUS is cut, not dropped */
}

uint64_t systemd_watchdog_usec(void) {
        const struct libsystemd *lib = lib_if("WATCHDOG_USEC");
        uint64_t usec = 0;
        /* 0 too when it watches another process of the service (WATCHDOG_PID) */
        return lib && lib->watchdog_enabled(0, &usec) > 0 ? usec : 0;
}

int systemd_listen_fds(void) {
        const struct libsystemd *lib = lib_if("LISTEN_FDS");
        if (!lib) {
                if (env_set("LISTEN_FDS"))
                        return -ELIBACC;
                (void) unsetenv("LISTEN_PID");
                (void) unsetenv("LISTEN_FDNAMES");
                return 0;
        }
        /* makes them close-on-exec and unsets the variables, so that a
         * child never takes them for its own */
        int r = lib->listen_fds(1);
        return r > 1024 ? -EINVAL : r;
}

bool systemd_is_listening_stream(int fd) {
        const struct libsystemd *lib = libsystemd_get(NULL, 0);
        return lib && lib->is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) > 0;
}

int journal_send(int priority, const char *identifier, const char *message) {
        /* sd_journal_send says 0 when no journal listens; the caller then
         * writes the line to stderr instead, so ask first */
        if (access("/run/systemd/journal/socket", F_OK) < 0)
                return -errno;
        const struct libsystemd *lib = libsystemd_get(NULL, 0);
        if (!lib)
                return -ELIBACC;
        return lib->journal_send("PRIORITY=%d", priority, "SYSLOG_IDENTIFIER=%s", identifier, "MESSAGE=%s", message,
                                 NULL);
}
