/* Listening sockets. Host names go through getaddrinfo (so "localhost"
 * works from /etc/hosts); numeric forms never touch a resolver. */
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "parse.h"

/* listen_address_parse, with the port as a number too */
static int address_split(const char *addr, char *host, size_t host_size, char *port, size_t port_size,
                         uint16_t *ret_port) {
        const char *colon, *h = addr;
        size_t hl;
        if (addr[0] == '[') {
                const char *close = strchr(addr, ']');
                if (!close || close[1] != ':')
                        return -EINVAL;
                h = addr + 1;
                hl = (size_t) (close - h);
                colon = close + 1;
                if (hl == 0)
                        return -EINVAL;
        } else {
                colon = strrchr(addr, ':');
                if (!colon || memchr(addr, ':', (size_t) (colon - addr)))
                        return -EINVAL; /* an IPv6 address needs its brackets */
                hl = (size_t) (colon - addr);
        }
        unsigned p;
        if (parse_uint_range(colon + 1, 0, 65535, &p) < 0)
                return -EINVAL;
        if (hl >= host_size || strlen(colon + 1) >= port_size)
                return -EINVAL;
        for (size_t i = 0; i < hl; i++)
                if (h[i] == ' ' || h[i] == '/' || h[i] == '[' || h[i] == ']')
                        return -EINVAL;
        memcpy(host, h, hl);
        host[hl] = '\0';
        strcpy(port, colon + 1);
        *ret_port = (uint16_t) p;
        return 0;
}

int listen_address_parse(const char *addr, char *host, size_t host_size, char *port, size_t port_size) {
        uint16_t p;
        return address_split(addr, host, host_size, port, port_size, &p);
}

static int open_bound(int family, const struct sockaddr *sa, socklen_t len, int v6only) {
        int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        int one = 1;
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (family == AF_INET6 && v6only >= 0)
                (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
        if (bind(fd, sa, len) < 0 || listen(fd, 128) < 0) {
                int r = -errno;
                (void) close(fd);
                return r;
        }
        return fd;
}

int listen_open(const char *addr) {
        char host[256], port[8];
        uint16_t port_number;
        if (address_split(addr, host, sizeof(host), port, sizeof(port), &port_number) < 0)
                return -EINVAL;

        if (host[0] == '\0') {
                /* ":port" is every address: one dual-stack socket, or IPv4
                 * alone on a host without IPv6 */
                struct sockaddr_in6 any6 = {
                        .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT, .sin6_port = htons(port_number)};
                int fd = open_bound(AF_INET6, (struct sockaddr *) &any6, sizeof(any6), 0);
                if (fd != -EAFNOSUPPORT)
                        return fd;
                struct sockaddr_in any4 = {
                        .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY), .sin_port = any6.sin6_port};
                return open_bound(AF_INET, (struct sockaddr *) &any4, sizeof(any4), -1);
        }

        struct addrinfo hints = {.ai_family = AF_UNSPEC,
                                 .ai_socktype = SOCK_STREAM,
                                 .ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_ADDRCONFIG};
        struct addrinfo *res = NULL;
        int g = getaddrinfo(host, port, &hints, &res);
        if (g != 0)
                return g == EAI_SYSTEM ? -errno : -EADDRNOTAVAIL;
        int r = -EADDRNOTAVAIL;
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
                r = open_bound(ai->ai_family, ai->ai_addr, ai->ai_addrlen, 1);
                if (r >= 0)
                        break;
        }
        freeaddrinfo(res);
        return r;
}

int listen_describe(int fd, char *out, size_t size) {
        struct sockaddr_storage ss = {0};
        socklen_t len = sizeof(ss);
        if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
                return -errno;
        char ip[INET6_ADDRSTRLEN] = "?";
        unsigned port = 0;
        if (ss.ss_family == AF_INET6) {
                struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ss;
                (void) inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
                port = ntohs(a->sin6_port);
                (void) snprintf(out, size, "[%s]:%u", ip, port);
        } else if (ss.ss_family == AF_INET) {
                struct sockaddr_in *a = (struct sockaddr_in *) &ss;
                (void) inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
                port = ntohs(a->sin_port);
                (void) snprintf(out, size, "%s:%u", ip, port);
        } else
                (void) snprintf(out, size, "(socket family %d)", ss.ss_family);
        return 0;
}
