/* systemd's service protocols, as its manual pages describe them for
 * services that implement them on their own. */
#include "systemd.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "parse.h"

/* A unix socket address from a path ("/run/...") or an abstract name
 * ("@..."); its length, or a negative errno. */
static int unix_address(const char *name, struct sockaddr_un *sa) {
        size_t n = strlen(name);
        if ((name[0] != '/' && name[0] != '@') || n < 2)
                return -EAFNOSUPPORT; /* systemd 252 sets nothing else (vsock: came later) */
        if (n >= sizeof(sa->sun_path))
                return -ENAMETOOLONG;
        *sa = (struct sockaddr_un){.sun_family = AF_UNIX};
        memcpy(sa->sun_path, name, n);
        if (name[0] == '@')
                sa->sun_path[0] = '\0';
        return (int) (offsetof(struct sockaddr_un, sun_path) + n);
}

int systemd_notify(const char *state) {
        const char *e = getenv("NOTIFY_SOCKET");
        if (!e || !*e)
                return 0;
        struct sockaddr_un sa;
        int len = unix_address(e, &sa);
        if (len < 0)
                return len;
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* systemd's socket has SO_PASSCRED: the kernel adds our pid */
        if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *) &sa, (socklen_t) len) < 0)
                return -errno;
        return 1;
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

/* A decimal environment variable; false when unset or not a number. */
static bool env_u64(const char *name, uint64_t *ret) {
        const char *v = getenv(name);
        return v && parse_u64(v, strlen(v), ret) == 0;
}

uint64_t systemd_watchdog_usec(void) {
        uint64_t usec, pid;
        if (!env_u64("WATCHDOG_USEC", &usec))
                return 0;
        if (getenv("WATCHDOG_PID") && (!env_u64("WATCHDOG_PID", &pid) || pid != (uint64_t) getpid()))
                return 0; /* meant for another process of the service */
        return usec;
}

int systemd_listen_fds(void) {
        uint64_t pid, n;
        int r = 0;
        if (getenv("LISTEN_PID") || getenv("LISTEN_FDS")) {
                if (!env_u64("LISTEN_PID", &pid) || !env_u64("LISTEN_FDS", &n) || n > 1024)
                        r = -EINVAL;
                else if (pid == (uint64_t) getpid())
                        r = (int) n;
        }
        for (int i = 0; i < r; i++) {
                int fd = SYSTEMD_LISTEN_FDS_START + i;
                int flags = fcntl(fd, F_GETFD);
                if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
                        r = -errno;
                        break;
                }
        }
        (void) unsetenv("LISTEN_PID");
        (void) unsetenv("LISTEN_FDS");
        (void) unsetenv("LISTEN_FDNAMES");
        return r;
}

bool systemd_is_listening_stream(int fd) {
        struct stat st;
        int type = 0, listening = 0;
        socklen_t l1 = sizeof(type), l2 = sizeof(listening);
        return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l1) == 0 &&
               type == SOCK_STREAM && getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &l2) == 0 && listening;
}

static pthread_once_t journal_once = PTHREAD_ONCE_INIT;
static int journal_fd = -1;
static struct sockaddr_un journal_addr;
static int journal_addr_len;

static void journal_open(void) {
        journal_addr_len = unix_address("/run/systemd/journal/socket", &journal_addr);
        journal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

int journal_send(int priority, const char *identifier, const char *message) {
        (void) pthread_once(&journal_once, journal_open);
        if (journal_fd < 0)
                return -EBADF;
        char head[128];
        int hn = snprintf(head, sizeof(head), "PRIORITY=%d\nSYSLOG_IDENTIFIER=%s\n", priority, identifier);
        if (hn < 0 || (size_t) hn >= sizeof(head))
                return -EINVAL;
        /* MESSAGE=text, or, when the text holds a newline, the field name,
         * a newline, the length as 64-bit little-endian, and the bytes */
        size_t len = strlen(message);
        uint8_t size_le[8];
        for (int i = 0; i < 8; i++)
                size_le[i] = (uint8_t) ((uint64_t) len >> (8 * i));
        bool binary = memchr(message, '\n', len) != NULL;
        struct iovec iov[] = {
                {head, (size_t) hn},
                {binary ? "MESSAGE\n" : "MESSAGE=", 8},
                {size_le, binary ? sizeof(size_le) : 0},
                {(void *) (uintptr_t) message, len},
                {"\n", 1},
        };
        struct msghdr mh = {
                .msg_name = &journal_addr,
                .msg_namelen = (socklen_t) journal_addr_len,
                .msg_iov = iov,
                .msg_iovlen = ELEMENTSOF(iov),
        };
        return sendmsg(journal_fd, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}
