/* dlopen of libsystemd, with the headers of libsystemd-dev: the same
 * pattern as exporters/push_libs.c. */
#include "libsystemd.h"

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

static struct libsystemd lib;
static const struct libsystemd *loaded;
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
        static const char so[] = "libsystemd.so.0";
        void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                (void) snprintf(load_error, sizeof(load_error), "%s (package libsystemd0): %s", so, dlerror());
                return;
        }
#define LOAD(field, name)                                                                                              \
        do {                                                                                                           \
                *(void **) (&lib.field) = dlsym(h, name);                                                              \
                if (!lib.field && load_error[0] == '\0')                                                               \
                        (void) snprintf(load_error, sizeof(load_error), "%s: %s", so, dlerror());                      \
        } while (0)
        LOAD(open_system, "sd_bus_open_system");
        LOAD(flush_close_unref, "sd_bus_flush_close_unref");
        LOAD(set_method_call_timeout, "sd_bus_set_method_call_timeout");
        LOAD(get_fd, "sd_bus_get_fd");
        LOAD(get_events, "sd_bus_get_events");
        LOAD(get_timeout, "sd_bus_get_timeout");
        LOAD(process, "sd_bus_process");
        LOAD(wait, "sd_bus_wait");
        LOAD(is_open, "sd_bus_is_open");
        LOAD(add_match, "sd_bus_add_match");
        LOAD(call_method, "sd_bus_call_method");
        LOAD(call_method_async, "sd_bus_call_method_async");
        LOAD(get_property_string, "sd_bus_get_property_string");
        LOAD(message_unref, "sd_bus_message_unref");
        LOAD(message_read, "sd_bus_message_read");
        LOAD(message_read_basic, "sd_bus_message_read_basic");
        LOAD(message_enter_container, "sd_bus_message_enter_container");
        LOAD(message_exit_container, "sd_bus_message_exit_container");
        LOAD(message_peek_type, "sd_bus_message_peek_type");
        LOAD(message_skip, "sd_bus_message_skip");
        LOAD(message_get_member, "sd_bus_message_get_member");
        LOAD(message_get_path, "sd_bus_message_get_path");
        LOAD(message_get_errno, "sd_bus_message_get_errno");
        LOAD(message_is_method_error, "sd_bus_message_is_method_error");
        LOAD(error_free, "sd_bus_error_free");
        LOAD(notify, "sd_notify");
        LOAD(listen_fds, "sd_listen_fds");
        LOAD(watchdog_enabled, "sd_watchdog_enabled");
        LOAD(is_socket, "sd_is_socket");
        LOAD(journal_send, "sd_journal_send");
#undef LOAD
        if (load_error[0] == '\0')
                loaded = &lib;
}

const struct libsystemd *libsystemd_get(char *err, size_t size) {
        (void) pthread_once(&once, load);
        if (!loaded && err)
                (void) snprintf(err, size, "%s", load_error);
        return loaded;
}

bool libsystemd_bus_expected(void) {
        return getenv("DBUS_SYSTEM_BUS_ADDRESS") || access("/run/dbus/system_bus_socket", F_OK) == 0 ||
               access("/run/systemd/system", F_OK) == 0;
}

int libsystemd_bus_watch(const struct libsystemd *l, sd_bus *bus, int epfd, int *bus_fd) {
        int events = l->get_events(bus);
        if (events < 0)
                return events;
        struct epoll_event ev = {.events = ((events & POLLIN) ? EPOLLIN : 0) | ((events & POLLOUT) ? EPOLLOUT : 0)};
        int fd = l->get_fd(bus);
        if (fd < 0)
                return fd;
        if (fd != *bus_fd) {
                if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
                        return -errno;
                *bus_fd = fd;
                return 0;
        }
        return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int libsystemd_bus_lib(const struct libsystemd **l, uint64_t retry_ms, uint64_t *next_refresh_ms) {
        if (*l)
                return 0;
        if (!libsystemd_bus_expected()) {
                *next_refresh_ms = 0;
                return -ENOENT;
        }
        if (!(*l = libsystemd_get(NULL, 0))) {
                *next_refresh_ms = retry_ms;
                return -ENOENT;
        }
        return 0;
}

uint64_t libsystemd_backoff(uint64_t *backoff_ms) {
        *backoff_ms = *backoff_ms == 0 ? 1000 : *backoff_ms * 2;
        if (*backoff_ms > LIBSYSTEMD_BACKOFF_MAX_MS)
                *backoff_ms = LIBSYSTEMD_BACKOFF_MAX_MS;
        return *backoff_ms;
}

void libsystemd_bus_close(const struct libsystemd *l, sd_bus **bus, int epfd, int *bus_fd) {
        if (!*bus)
                return;
        if (*bus_fd >= 0)
                (void) epoll_ctl(epfd, EPOLL_CTL_DEL, *bus_fd, NULL);
        *bus = l->flush_close_unref(*bus);
        *bus_fd = -1;
}
