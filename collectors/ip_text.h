/* Addresses as node_exporter's labels write them: Go's net.IP.String(),
 * which differs from inet_ntop(3) on two kinds of IPv6 address. Used by
 * ipvs and network_route. */
#pragma once

#include <arpa/inet.h>

/* addr (struct in_addr for AF_INET, struct in6_addr for AF_INET6) into
 * out: IPv4 dotted; an IPv4-mapped IPv6 address dotted too; other IPv6
 * addresses as inet_ntop writes them, but ::a.b.c.d (IPv4-compatible),
 * which Go writes in hex. */
void ip_text_go(int family, const void *addr, char out[INET6_ADDRSTRLEN]);
