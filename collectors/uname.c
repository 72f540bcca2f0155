/* uname: node_uname_info, the kernel's uname(2) answer as labels. */
#include <errno.h>
#include <stdlib.h>
#include <sys/utsname.h>

#include "collector.h"

static const char *const uname_labels[] = {"domainname", "machine", "nodename", "release", "sysname", "version"};
static const struct metric_desc uname_desc = {"node_uname_info",
                                              "Labeled system information as provided by the uname system call.",
                                              METRIC_GAUGE, 6, uname_labels};

static int uname_init(_unused_ const struct collector_env *env, _unused_ const struct config_section *section,
                      _unused_ struct diag *diag, void **ret_state) {
        *ret_state = NULL;
        return 0;
}

static void uname_free(_unused_ void *state) {}

static int uname_collect(_unused_ void *state, struct collect_ctx *ctx) {
        struct utsname u;
        if (uname(&u) < 0)
                return -errno;
        const char *values[] = {u.domainname, u.machine, u.nodename, u.release, u.sysname, u.version};
        (void) metric_set_family(ctx->set, &uname_desc);
        return metric_set_sample(ctx->set, 1, values);
}

const struct collector uname_collector = {
        .name = "uname",
        .help = "Kernel name, release, version and host name, from uname(2)",
        .default_enabled = true,
        .init = uname_init,
        .collect = uname_collect,
        .free = uname_free,
};
