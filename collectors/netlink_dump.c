/* The netlink dump loop: one request, answers read until NLMSG_DONE. On
 * any failure the socket is closed, since it may still hold the rest of
 * the dump, and the next dump opens a fresh one. */
#include "netlink_dump.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The most the kernel puts in one read of a dump (iproute2 reads 32 kB). */
#define RX_SIZE 32768

void netlink_dump_init(struct netlink_dump *d, int protocol) {
        *d = (struct netlink_dump){.fd = -1, .protocol = protocol};
}

int netlink_dump_parse(const void *data, size_t len, uint32_t seq, netlink_dump_msg_fn on_msg, void *ctx) {
        const unsigned char *p = data;
        size_t left = len;
        while (left >= sizeof(struct nlmsghdr)) {
                const struct nlmsghdr *h = (const struct nlmsghdr *) p;
                if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > left)
                        return -EBADMSG; /* a read cut short, or garbage */
                size_t step = NLMSG_ALIGN(h->nlmsg_len) < left ? NLMSG_ALIGN(h->nlmsg_len) : left;
                p += step;
                left -= step;
                if (h->nlmsg_seq != seq)
                        continue; /* not an answer to this dump */
                if (h->nlmsg_type == NLMSG_DONE)
                        return 1;
                if (h->nlmsg_type == NLMSG_ERROR) {
                        const struct nlmsgerr *e = NLMSG_DATA(h);
                        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
                                return -EBADMSG;
                        /* 0: the acknowledgement that ends a request sent with NLM_F_ACK */
                        return e->error < 0 ? e->error : e->error == 0 ? 1 : -EPROTO;
                }
                int r = on_msg(h, ctx);
                if (r < 0)
                        return r;
        }
        return left == 0 ? 0 : -EBADMSG;
}

int netlink_dump_run(struct netlink_dump *d, struct nlmsghdr *req, size_t len, netlink_dump_msg_fn on_msg, void *ctx) {
        if (d->fd < 0) {
                d->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, d->protocol);
                if (d->fd < 0)
                        return -errno;
        }
        if (buf_reserve(&d->rx, RX_SIZE - 1) < 0) /* a capacity of RX_SIZE exactly */
                return -ENOMEM;
        req->nlmsg_seq = ++d->seq;
        struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
        int r = 0;
        if (sendto(d->fd, req, len, 0, (struct sockaddr *) &kernel, sizeof(kernel)) < 0)
                r = -errno;
        while (r == 0) {
                struct iovec iov = {.iov_base = d->rx.data, .iov_len = d->rx.cap};
                struct sockaddr_nl from;
                struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1};
                ssize_t n = recvmsg(d->fd, &msg, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        r = -errno;
                else if (n == 0 || (msg.msg_flags & MSG_TRUNC))
                        r = -EBADMSG;
                else if (from.nl_pid != 0)
                        continue; /* only the kernel answers */
                else
                        r = netlink_dump_parse(d->rx.data, (size_t) n, d->seq, on_msg, ctx);
        }
        if (r < 0) {
                (void) close(d->fd);
                d->fd = -1;
                return r;
        }
        return 0;
}

void netlink_dump_free(struct netlink_dump *d) {
        if (d->fd >= 0)
                (void) close(d->fd);
        buf_free(&d->rx);
        netlink_dump_init(d, d->protocol);
}
