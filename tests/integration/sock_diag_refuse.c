/* A kernel that refuses sock_diag's older request, for tcpstat.sh: loaded
 * with LD_PRELOAD, it turns every TCPDIAG_GETSOCK request sent to the
 * kernel into a message type the kernel does not know, so the kernel
 * itself answers EINVAL, as one built without inet_diag's compatibility
 * path would; the other requests go through untouched. Each request's
 * type, as asked, is appended to the file SOCK_DIAG_LOG names, one a
 * line, for the test to tell which path tcpstat took. Test helper, never
 * installed. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef ssize_t sendto_fn(int, const void *, size_t, int, const struct sockaddr *, socklen_t);

/* sock_diag_rcv_msg's answer to a type it has no case for: -EINVAL */
enum { UNKNOWN_TYPE = 0x7ff0 };

static void note_type(uint16_t type) {
        const char *path = getenv("SOCK_DIAG_LOG");
        if (!path)
                return;
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return;
        char line[16];
        int n = snprintf(line, sizeof(line), "%u\n", type);
        if (n > 0)
                (void) !write(fd, line, (size_t) n);
        (void) close(fd);
}

static int is_sock_diag(int fd) {
        int domain = 0, protocol = -1;
        socklen_t len = sizeof(domain);
        if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 || domain != AF_NETLINK)
                return 0;
        len = sizeof(protocol);
        return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) == 0 && protocol == NETLINK_SOCK_DIAG;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen) {
        static sendto_fn *real;
        if (!real)
                real = (sendto_fn *) dlsym(RTLD_NEXT, "sendto");
        if (!real) {
                errno = ENOSYS;
                return -1;
        }
        if (len < sizeof(struct nlmsghdr) || len > 4096 || !is_sock_diag(fd))
                return real(fd, buf, len, flags, to, tolen);
        struct nlmsghdr h;
        memcpy(&h, buf, sizeof(h));
        note_type(h.nlmsg_type);
        if (h.nlmsg_type != TCPDIAG_GETSOCK)
                return real(fd, buf, len, flags, to, tolen);
        _Alignas(struct nlmsghdr) unsigned char copy[4096];
        memcpy(copy, buf, len);
        ((struct nlmsghdr *) copy)->nlmsg_type = UNKNOWN_TYPE;
        return real(fd, copy, len, flags, to, tolen);
}
