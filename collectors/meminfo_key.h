/* The name part a meminfo key makes, as node_exporter writes it: "Active(anon):"
 * is "Active_anon", for /proc/meminfo and the NUMA nodes' meminfo alike. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "parse.h"

/* "Active(anon):" -> "Active_anon" into out of size bytes; false if what
 * is left is not a name part. */
static inline bool meminfo_key(struct field f, char *out, size_t size) {
        if (f.n < 2 || f.s[f.n - 1] != ':' || f.n + 1 > size)
                return false;
        size_t o = 0;
        for (size_t i = 0; i + 1 < f.n; i++) {
                char c = f.s[i];
                if (c == '(')
                        out[o++] = '_';
                else if (c == ')')
                        continue;
                else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
                        out[o++] = c;
                else
                        return false;
        }
        out[o] = '\0';
        return o > 0;
}
