/* Listening sockets from node_exporter-style addresses: "host:port",
 * "[v6]:port" or ":port" (every address, IPv6 and IPv4). */
#pragma once

#include <stddef.h>

/* Splits addr into host ("" for every address) and port; -EINVAL if it is
 * not one of the forms above or the port is not 0..65535. */
int listen_address_parse(const char *addr, char *host, size_t host_size, char *port, size_t port_size);

/* Opens, binds and listens; returns the socket, or a negative errno. */
int listen_open(const char *addr);

/* Writes the address a socket is bound to as "host:port" (to log the port
 * chosen for ":0"). */
int listen_describe(int fd, char *out, size_t size);
