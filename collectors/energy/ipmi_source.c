/* The energy collector's IPMI DCMI source: the power the BMC measures at
 * the wall (the whole server, fans, disks and power supply losses
 * included), asked for on the engine's scheduler every few seconds and
 * never in a scrape, its whole watts integrated into joules. A host
 * without a BMC (no /dev/ipmi0) has no data and one debug line. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ipmi_dcmi.h"
#include "log.h"
#include "polled.h"

/* a BMC slower than this to answer is asked again at the next poll */
#define IPMI_TIMEOUT_MS 2000

struct ipmi_source {
        struct energy_polled out; /* first: polled.h */
        char device[PATH_MAX];    /* "": off */
        /* the poll's own */
        struct energy_power_sum sum;
        bool told;
};

static int ipmi_init(_unused_ const struct collector_env *env, const struct config_section *section, struct diag *diag,
                     void **ret_state) {
        struct ipmi_source *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        int r = energy_polled_init(&s->out, section, "ipmi_device", "/dev/ipmi0", s->device, diag);
        if (r < 0) {
                free(s);
                return r;
        }
        *ret_state = s;
        return 0;
}

static void ipmi_free(void *state) {
        struct ipmi_source *s = state;
        if (!s)
                return;
        energy_polled_free(&s->out);
        free(s);
}

/* No BMC, or none that this agent may ask: polled no more. */
static bool ipmi_absent(int r) {
        return r == -ENOENT || r == -ENODEV || r == -ENXIO || r == -ENOTTY || r == -EACCES || r == -EPERM;
}

static void ipmi_poll(void *state, uint64_t now_ns) {
        struct ipmi_source *s = state;
        if (energy_polled_stopped(&s->out))
                return;
        struct ipmi_dcmi_reading reading;
        uint8_t cc = 0;
        int r = ipmi_dcmi_read(s->device, IPMI_TIMEOUT_MS, &reading, &cc);
        if (r == 0 && !reading.active)
                r = -ENODATA; /* the BMC measures nothing now */
        if (r < 0) {
                s->sum.last_ns = 0;
                if (!s->told) {
                        s->told = true;
                        log_debug("energy: no power reading from the BMC through %s (%s); the host's energy comes "
                                  "from the next source",
                                  s->device, r == -EIO ? ipmi_completion_code_str(cc) : strerror(-r));
                }
                energy_polled_done(&s->out, r, ipmi_absent(r));
                return;
        }
        energy_power_add(&s->sum, reading.current_watts, now_ns);
        energy_polled_done(&s->out, energy_polled_zone(&s->out, "system", s->sum.joules, true), false);
}

const struct energy_source energy_ipmi_source = {
        .name = "ipmi",
        .init = ipmi_init,
        .read = energy_polled_read,
        .poll = ipmi_poll,
        .max_gap_ms = energy_polled_gap,
        .free = ipmi_free,
};
