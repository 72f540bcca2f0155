/* The total cpu line of /proc/stat, for the energy collector's model and
 * its attribution. */
#include "cpu_ticks.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "macro.h"
#include "parse.h"

int cpu_ticks_parse(const struct buf *stat, struct cpu_ticks *ret) {
        struct lines lines = lines_of(stat, NULL);
        const char *line;
        size_t len;
        bool found = false;
        struct cpu_ticks t = {0};
        while (lines_next(&lines, &line, &len)) {
                /* the cpu lines come first: what follows (intr, a long
                 * line per interrupt) is not read */
                if (found && t.cpus > 0 && (len < 3 || memcmp(line, "cpu", 3) != 0))
                        break;
                if (len > 3 && memcmp(line, "cpu", 3) == 0 && line[3] >= '0' && line[3] <= '9') {
                        t.cpus++;
                        continue;
                }
                if (len < 4 || memcmp(line, "cpu ", 4) != 0)
                        continue;
                struct field f[11];
                int n = split_fields(line, len, f, ELEMENTSOF(f));
                if (n < 9) /* cpu, then user to steal at least */
                        return -EBADMSG;
                uint64_t v[8];
                for (size_t i = 0; i < 8; i++)
                        if (parse_u64_field(f[i + 1], &v[i]) < 0)
                                return -EBADMSG;
                /* user nice system idle iowait irq softirq steal */
                t.busy = v[0] + v[1] + v[2] + v[5] + v[6];
                t.total = t.busy + v[3] + v[4];
                found = true;
        }
        if (!found || t.cpus == 0)
                return -EBADMSG;
        *ret = t;
        return 0;
}
