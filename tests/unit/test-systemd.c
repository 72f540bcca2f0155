/* systemd's protocols as agent/systemd.c speaks them: a notification
 * socket at a path and an abstract one, the watchdog and socket-activation
 * variables, and journal records (in a private mount namespace with a
 * journal socket of our own, where this runs as root; the systemd
 * integration test covers the rest under a real manager). */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "macro.h"
#include "systemd.h"

/* A datagram socket bound to name (a path, or "@abstract"). */
static int bound_socket(const char *name) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        size_t n = strlen(name);
        assert_true(n < sizeof(sa.sun_path));
        memcpy(sa.sun_path, name, n);
        if (name[0] == '@')
                sa.sun_path[0] = '\0';
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n)),
                         0);
        return fd;
}

/* The next datagram on fd, NUL-terminated; its length. */
static size_t receive(int fd, char *buf, size_t size) {
        ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);
        assert_true(n >= 0);
        buf[n] = '\0';
        return (size_t) n;
}

static void test_notify(_unused_ void **state) {
        char dir[] = "/tmp/vigie-test-notify.XXXXXX", path[64], got[256];
        assert_non_null(mkdtemp(dir));
        (void) snprintf(path, sizeof(path), "%s/notify", dir);

        assert_int_equal(unsetenv("NOTIFY_SOCKET"), 0);
        assert_int_equal(systemd_notify("READY=1"), 0); /* not under systemd: nothing to do */

        int fd = bound_socket(path);
        assert_int_equal(setenv("NOTIFY_SOCKET", path, 1), 0);
        assert_int_equal(systemd_notify("READY=1\nSTATUS=serving"), 1);
        receive(fd, got, sizeof(got));
        assert_string_equal(got, "READY=1\nSTATUS=serving");
        assert_int_equal(systemd_notifyf("STATUS=%s; collectors: %d", "serving", 16), 1);
        receive(fd, got, sizeof(got));
        assert_string_equal(got, "STATUS=serving; collectors: 16");
        close(fd);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(systemd_notify("WATCHDOG=1"), -ENOENT); /* the manager went away */

        char abstract[64];
        (void) snprintf(abstract, sizeof(abstract), "@vigie-test-notify-%d", (int) getpid());
        fd = bound_socket(abstract);
        assert_int_equal(setenv("NOTIFY_SOCKET", abstract, 1), 0);
        assert_int_equal(systemd_notify("STOPPING=1"), 1);
        receive(fd, got, sizeof(got));
        assert_string_equal(got, "STOPPING=1");
        close(fd);

        /* an address libsystemd 252 does not take (vsock came later) */
        assert_int_equal(setenv("NOTIFY_SOCKET", "vsock:2:1234", 1), 0);
        assert_true(systemd_notify("READY=1") < 0);
        assert_int_equal(unsetenv("NOTIFY_SOCKET"), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void test_watchdog(_unused_ void **state) {
        char pid[32];
        (void) snprintf(pid, sizeof(pid), "%d", (int) getpid());
        assert_int_equal(unsetenv("WATCHDOG_USEC"), 0);
        assert_int_equal(unsetenv("WATCHDOG_PID"), 0);
        assert_int_equal(systemd_watchdog_usec(), 0);
        assert_int_equal(setenv("WATCHDOG_USEC", "2000000", 1), 0);
        assert_int_equal(systemd_watchdog_usec(), 2000000);
        assert_int_equal(setenv("WATCHDOG_PID", pid, 1), 0);
        assert_int_equal(systemd_watchdog_usec(), 2000000);
        assert_int_equal(setenv("WATCHDOG_PID", "1", 1), 0); /* for another process */
        assert_int_equal(systemd_watchdog_usec(), 0);
        assert_int_equal(setenv("WATCHDOG_PID", pid, 1), 0);
        assert_int_equal(setenv("WATCHDOG_USEC", "2s", 1), 0);
        assert_int_equal(systemd_watchdog_usec(), 0);
        assert_int_equal(unsetenv("WATCHDOG_USEC"), 0);
        assert_int_equal(unsetenv("WATCHDOG_PID"), 0);
}

static void test_listen_fds(_unused_ void **state) {
        char pid[32];
        (void) snprintf(pid, sizeof(pid), "%d", (int) getpid());
        /* a listening socket where systemd puts the first one */
        int s = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(s >= 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        assert_int_equal(bind(s, (struct sockaddr *) &a, sizeof(a)), 0);
        int saved = dup(SYSTEMD_LISTEN_FDS_START);
        assert_true(dup2(s, SYSTEMD_LISTEN_FDS_START) == SYSTEMD_LISTEN_FDS_START);
        assert_false(systemd_is_listening_stream(SYSTEMD_LISTEN_FDS_START)); /* bound, not listening */
        assert_int_equal(listen(SYSTEMD_LISTEN_FDS_START, 8), 0);
        assert_true(systemd_is_listening_stream(SYSTEMD_LISTEN_FDS_START));

        assert_int_equal(unsetenv("LISTEN_PID"), 0);
        assert_int_equal(unsetenv("LISTEN_FDS"), 0);
        assert_int_equal(systemd_listen_fds(), 0);

        assert_int_equal(setenv("LISTEN_PID", pid, 1), 0);
        assert_int_equal(setenv("LISTEN_FDS", "1", 1), 0);
        assert_int_equal(setenv("LISTEN_FDNAMES", "vigie.socket", 1), 0);
        assert_int_equal(fcntl(SYSTEMD_LISTEN_FDS_START, F_SETFD, 0), 0);
        assert_int_equal(systemd_listen_fds(), 1);
        assert_true(fcntl(SYSTEMD_LISTEN_FDS_START, F_GETFD) & FD_CLOEXEC);
        /* unset, so that a child does not take them for its own */
        assert_null(getenv("LISTEN_PID"));
        assert_null(getenv("LISTEN_FDS"));
        assert_null(getenv("LISTEN_FDNAMES"));
        assert_int_equal(systemd_listen_fds(), 0);

        assert_int_equal(setenv("LISTEN_PID", "1", 1), 0); /* for another process */
        assert_int_equal(setenv("LISTEN_FDS", "1", 1), 0);
        assert_int_equal(systemd_listen_fds(), 0);
        assert_int_equal(setenv("LISTEN_PID", pid, 1), 0);
        assert_int_equal(setenv("LISTEN_FDS", "one", 1), 0);
        assert_int_equal(systemd_listen_fds(), -EINVAL);
        assert_null(getenv("LISTEN_FDS"));

        close(s);
        if (saved >= 0) {
                assert_true(dup2(saved, SYSTEMD_LISTEN_FDS_START) == SYSTEMD_LISTEN_FDS_START);
                close(saved);
        } else
                close(SYSTEMD_LISTEN_FDS_START);
}

/* One journal field of a native-protocol record: KEY=value\n, or, for a
 * value holding a newline, KEY\n, the length in 64-bit little-endian and
 * the bytes, then \n. Returns the value, NUL-terminated in place of the
 * newline, and moves *p past the field. */
static const char *journal_field(char **p, char *end, const char *key) {
        size_t kl = strlen(key);
        assert_true(*p + kl + 1 < end);
        assert_memory_equal(*p, key, kl);
        char *v = *p + kl + 1;
        if ((*p)[kl] == '=') {
                char *nl = memchr(v, '\n', (size_t) (end - v));
                assert_non_null(nl);
                *nl = '\0';
                *p = nl + 1;
                return v;
        }
        assert_int_equal((*p)[kl], '\n');
        uint64_t len = 0;
        for (int i = 7; i >= 0; i--)
                len = len << 8 | (uint8_t) v[i];
        v += 8;
        assert_true(v + len < end);
        assert_int_equal(v[len], '\n');
        v[len] = '\0';
        *p = v + len + 1;
        return v;
}

static void test_journal(_unused_ void **state) {
        if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("vigie-test", "/run", "tmpfs", 0, "mode=0755") < 0) {
                skip(); /* not root: a journal socket of our own needs a mount namespace */
                return;
        }
        assert_int_equal(mkdir("/run/systemd", 0755), 0);
        assert_int_equal(mkdir("/run/systemd/journal", 0755), 0);
        int fd = bound_socket("/run/systemd/journal/socket");
        char got[4096];

        assert_int_equal(journal_send(6, "vigie", "configuration reloaded"), 0);
        char *p = got, *end = got + receive(fd, got, sizeof(got));
        assert_string_equal(journal_field(&p, end, "PRIORITY"), "6");
        assert_string_equal(journal_field(&p, end, "SYSLOG_IDENTIFIER"), "vigie");
        assert_string_equal(journal_field(&p, end, "MESSAGE"), "configuration reloaded");
        assert_ptr_equal(p, end);

        /* a newline cannot end the value: the length-prefixed form */
        assert_int_equal(journal_send(3, "vigie", "cannot read /etc/vigie\n.conf: No such file"), 0);
        p = got, end = got + receive(fd, got, sizeof(got));
        assert_string_equal(journal_field(&p, end, "PRIORITY"), "3");
        assert_string_equal(journal_field(&p, end, "SYSLOG_IDENTIFIER"), "vigie");
        assert_string_equal(journal_field(&p, end, "MESSAGE"), "cannot read /etc/vigie\n.conf: No such file");
        assert_ptr_equal(p, end);

        close(fd);
        assert_int_equal(unlink("/run/systemd/journal/socket"), 0);
        assert_int_equal(journal_send(6, "vigie", "nobody listens"), -ENOENT);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_notify),
                cmocka_unit_test(test_watchdog),
                cmocka_unit_test(test_listen_fds),
                cmocka_unit_test(test_journal),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
