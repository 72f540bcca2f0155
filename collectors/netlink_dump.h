/* One rtnetlink dump request and its answer, over a socket kept open from
 * one scrape to the next: what the link dump (netlink_links.h) and the
 * qdisc collector share. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "buf.h"

struct netlink_dump {
        int fd; /* -1 until the first dump */
        uint32_t seq;
        struct buf rx;
};

/* What a dump does with one of its messages: 0, or a negative errno that
 * ends the dump. */
typedef int (*netlink_msg_fn)(void *ctx, const struct nlmsghdr *h);

void netlink_dump_init(struct netlink_dump *d);
/* Sends req (its nlmsg_seq set here) on a NETLINK_ROUTE socket and calls
 * on_msg for each message of type `type` in the answer: 0 or a negative
 * errno (then the socket is closed, so that the next dump starts afresh). */
int netlink_dump_run(struct netlink_dump *d, struct nlmsghdr *req, uint16_t type, netlink_msg_fn on_msg, void *ctx);
/* One batch of a dump's answer: 1 at NLMSG_DONE, 0 when more is to come, a
 * negative errno on NLMSG_ERROR, a malformed message or on_msg's. Messages
 * of another seq or type are skipped. Exposed for the tests. */
int netlink_dump_parse(const void *data, size_t len, uint32_t seq, uint16_t type, netlink_msg_fn on_msg, void *ctx);
void netlink_dump_close(struct netlink_dump *d);
