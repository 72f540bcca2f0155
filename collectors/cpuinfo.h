/* The cpu collector's info option (node_exporter 1.5's --collector.cpu.info
 * and its flags-include and bugs-include): /proc/cpuinfo as
 * node_cpu_info{package,core,cpu,vendor,family,model,model_name,microcode,
 * stepping,cachesize} 1, one series a processor, and the first processor's
 * flags and bugs that match the include patterns as node_cpu_flag_info{flag}
 * and node_cpu_bug_info{bug}. The fields read are x86's, by their names;
 * an architecture whose cpuinfo lacks one gives it empty. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "collector.h"
#include "fileio.h"
#include "filter.h"

struct cpuinfo {
        struct filter flags, bugs; /* no include pattern (include_re NULL): no such series */
        struct kernel_file file;
        struct buf text, values;
        unsigned char *seen; /* one byte per processor number, to refuse one twice */
        size_t cap_seen;
};

/* From the cpu section's info_flags_include and info_bugs_include; a bad
 * pattern is a diag. */
int cpuinfo_init(struct cpuinfo *c, const struct config_section *section, struct diag *diag);
/* Whether a flags or bugs pattern was given, which turns info on. */
static inline bool cpuinfo_patterns(const struct cpuinfo *c) {
        return c->flags.include_re || c->bugs.include_re;
}
/* Reads procfs/cpuinfo into ctx's set. A missing file gives no series and
 * no error (the cpu collector's other series stand), nor does one that
 * cannot be read whole, which is counted as garbage; a processor whose
 * number is not one, or is one seen before, is skipped and counted.
 * 0, or -ENOMEM. */
int cpuinfo_collect(struct cpuinfo *c, const char *procfs, struct collect_ctx *ctx);
void cpuinfo_free(struct cpuinfo *c);
