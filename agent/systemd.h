/* What a service says to systemd and the journal: readiness, status and
 * the watchdog (sd_notify(3)), the sockets of socket activation
 * (sd_listen_fds(3)), the watchdog's interval (sd_watchdog_enabled(3)) and
 * journal records (sd_journal_send(3)), through libsystemd, which is
 * loaded (agent/libsystemd.h) only once systemd's variables say that
 * systemd started the agent, or the journal is there to take a record:
 * an agent started elsewhere never loads it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

/* The first descriptor systemd passes (sd_listen_fds(3)). */
#define SYSTEMD_LISTEN_FDS_START 3

/* Sends a state ("READY=1", "STATUS=...", several separated by newlines)
 * to $NOTIFY_SOCKET. Returns 1 when sent, 0 when not run by systemd with
 * notification (no $NOTIFY_SOCKET), or a negative errno. */
int systemd_notify(const char *state);
_printf_(1, 2) int systemd_notifyf(const char *fmt, ...);

/* The watchdog interval systemd expects WATCHDOG=1 within, in
 * microseconds, or 0 when it watches nothing (or watches another
 * process). */
uint64_t systemd_watchdog_usec(void);

/* How many sockets systemd passed (from SYSTEMD_LISTEN_FDS_START on), 0
 * when none were passed to this process, or a negative errno. The
 * descriptors are made close-on-exec and the variables unset, so that a
 * child never takes them for its own. */
int systemd_listen_fds(void);

/* Whether fd is a listening stream socket. */
bool systemd_is_listening_stream(int fd);

/* Sends one record to the journal: MESSAGE, PRIORITY (syslog's 0-7) and
 * SYSLOG_IDENTIFIER. 0, or a negative errno. Safe from any thread. */
int journal_send(int priority, const char *identifier, const char *message);
