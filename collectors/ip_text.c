/* Go's net.IP.String() in C, for labels that match node_exporter's. */
#include "ip_text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void ip_text_go(int family, const void *addr, char out[INET6_ADDRSTRLEN]) {
        if (family == AF_INET) {
                (void) inet_ntop(AF_INET, addr, out, INET6_ADDRSTRLEN);
                return;
        }
        const struct in6_addr *a = addr;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        static const uint8_t zero[12] = {0};
        if (memcmp(a->s6_addr, mapped, 12) == 0)
                (void) inet_ntop(AF_INET, a->s6_addr + 12, out, INET6_ADDRSTRLEN);
        else if (memcmp(a->s6_addr, zero, 12) == 0 && (a->s6_addr[12] || a->s6_addr[13]))
                /* glibc writes these ::a.b.c.d; Go does not */
                (void) snprintf(out, INET6_ADDRSTRLEN, "::%x:%x", a->s6_addr[12] << 8 | a->s6_addr[13],
                                a->s6_addr[14] << 8 | a->s6_addr[15]);
        else
                (void) inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN);
}
