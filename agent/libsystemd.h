/* libsystemd, dlopen'ed where systemd is there to talk to: sd-bus for the
 * systemd collector when a system bus exists, and sd_notify,
 * sd_listen_fds, sd_watchdog_enabled and sd_journal_send for the service
 * protocols (agent/systemd.c) when systemd started the agent. Linked, it
 * would bring libgcrypt, liblzma, libzstd, liblz4 and libcap into every
 * agent, about 0.8 MiB of resident memory, where systemd is absent too (a
 * container). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

struct libsystemd {
        __typeof__(sd_bus_open_system) *open_system;
        __typeof__(sd_bus_flush_close_unref) *flush_close_unref;
        __typeof__(sd_bus_set_method_call_timeout) *set_method_call_timeout;
        __typeof__(sd_bus_get_fd) *get_fd;
        __typeof__(sd_bus_get_events) *get_events;
        __typeof__(sd_bus_get_timeout) *get_timeout;
        __typeof__(sd_bus_process) *process;
        __typeof__(sd_bus_wait) *wait;
        __typeof__(sd_bus_is_open) *is_open;
        __typeof__(sd_bus_add_match) *add_match;
        __typeof__(sd_bus_call_method) *call_method;
        __typeof__(sd_bus_call_method_async) *call_method_async;
        __typeof__(sd_bus_get_property_string) *get_property_string;
        __typeof__(sd_bus_message_unref) *message_unref;
        __typeof__(sd_bus_message_read) *message_read;
        __typeof__(sd_bus_message_read_basic) *message_read_basic;
        __typeof__(sd_bus_message_enter_container) *message_enter_container;
        __typeof__(sd_bus_message_exit_container) *message_exit_container;
        __typeof__(sd_bus_message_peek_type) *message_peek_type;
        __typeof__(sd_bus_message_skip) *message_skip;
        __typeof__(sd_bus_message_get_member) *message_get_member;
        __typeof__(sd_bus_message_get_path) *message_get_path;
        __typeof__(sd_bus_message_get_errno) *message_get_errno;
        __typeof__(sd_bus_message_is_method_error) *message_is_method_error;
        __typeof__(sd_bus_error_free) *error_free;

        __typeof__(sd_notify) *notify;
        __typeof__(sd_listen_fds) *listen_fds;
        __typeof__(sd_watchdog_enabled) *watchdog_enabled;
        __typeof__(sd_is_socket) *is_socket;
        __typeof__(sd_journal_send) *journal_send;
};

/* The library, loaded at the first call (thread-safe), or NULL with why
 * in err (size bytes). */
const struct libsystemd *libsystemd_get(char *err, size_t size);

/* Whether a system bus may be there, before the library is loaded for it. */
bool libsystemd_bus_expected(void);

/* For a background collector on the system bus: *lib loaded, 0; or no
 * data, -ENOENT, with *next_refresh_ms 0 where no bus is to be expected
 * (nothing to wait for) and retry_ms where the library is missing. */
int libsystemd_bus_lib(const struct libsystemd **lib, uint64_t retry_ms, uint64_t *next_refresh_ms);

/* The pause before connecting again after a failure: 1 s, doubled each
 * time up to a minute (*backoff_ms is 0 after a success). */
#define LIBSYSTEMD_BACKOFF_MAX_MS 60000
uint64_t libsystemd_backoff(uint64_t *backoff_ms);

/* Closes *bus (pending calls go with it, their callbacks never run) and
 * takes its descriptor *bus_fd out of epfd. */
void libsystemd_bus_close(const struct libsystemd *lib, sd_bus **bus, int epfd, int *bus_fd);

/* Keeps bus's descriptor in the epoll set epfd, waiting for what sd-bus
 * wants (in, out); *bus_fd is the one added, -1 for none yet. */
int libsystemd_bus_watch(const struct libsystemd *lib, sd_bus *bus, int epfd, int *bus_fd);
