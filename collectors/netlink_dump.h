/* One netlink dump request and its answers, over a socket kept open from
 * scrape to scrape: the read loop that the rtnetlink link dump
 * (netlink_links.h), the route dump (network_route) and the sock_diag
 * socket dump (tcpstat) share. */
#pragma once

#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct netlink_dump {
        int fd; /* -1 until the first dump */
        int protocol;
        uint32_t seq;
        struct buf rx;
};

/* Called for each answer of the dump but NLMSG_DONE and NLMSG_ERROR: 0 to
 * go on, a negative errno to stop the dump with it. */
typedef int (*netlink_dump_msg_fn)(const struct nlmsghdr *h, void *ctx);

/* protocol: NETLINK_ROUTE, NETLINK_SOCK_DIAG... */
void netlink_dump_init(struct netlink_dump *d, int protocol);
/* Sends req (a netlink message of len bytes, whose sequence number this
 * sets) and hands every answer to on_msg until NLMSG_DONE, or until the
 * acknowledgement (NLMSG_ERROR of error 0) of a request sent with
 * NLM_F_ACK rather than NLM_F_DUMP: 0, or a negative errno (the kernel's,
 * on NLMSG_ERROR). */
int netlink_dump_run(struct netlink_dump *d, struct nlmsghdr *req, size_t len, netlink_dump_msg_fn on_msg, void *ctx);
/* Parses one batch of answers: 1 at NLMSG_DONE or an acknowledgement, 0
 * when more is to come, a negative errno on NLMSG_ERROR, a malformed
 * message or one on_msg refused. Messages of another seq are skipped. Exposed for the tests. */
int netlink_dump_parse(const void *data, size_t len, uint32_t seq, netlink_dump_msg_fn on_msg, void *ctx);
/* Closes the socket and frees the buffer; the dump can run again. */
void netlink_dump_free(struct netlink_dump *d);
