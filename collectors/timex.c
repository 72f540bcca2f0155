/* timex: the kernel's clock discipline from adjtimex(2), as node_exporter
 * 1.5's timex collector: whether the clock is synchronised, its offset,
 * frequency adjustment and error bounds, and the PPS discipline. The
 * offset and the PPS jitter are in nanoseconds when the kernel sets
 * STA_NANO, else in microseconds; frequencies are in ppm with 16 fractional
 * bits (adjtimex(2) NOTES). */
#include "timex.h"

#include <errno.h>
#include <stdlib.h>

#include "collector.h"

/* scaled ppm: 2^16 units are one part per million */
#define PPM16FRAC (1000000.0 * 65536.0)

enum {
        TX_SYNC_STATUS,
        TX_OFFSET,
        TX_FREQ,
        TX_MAXERROR,
        TX_ESTERROR,
        TX_STATUS,
        TX_CONSTANT,
        TX_TICK,
        TX_PPS_FREQ,
        TX_PPS_JITTER,
        TX_PPS_SHIFT,
        TX_PPS_STABIL,
        TX_PPS_JITCNT,
        TX_PPS_CALCNT,
        TX_PPS_ERRCNT,
        TX_PPS_STBCNT,
        TX_TAI,
        TX_COUNT
};

static const struct metric_desc timex_descs[TX_COUNT] = {
        [TX_SYNC_STATUS] = {"node_timex_sync_status", "Is clock synchronized to a reliable server (1 = yes, 0 = no).",
                            METRIC_GAUGE, 0, NULL},
        [TX_OFFSET] = {"node_timex_offset_seconds", "Time offset in between local system and reference clock.",
                       METRIC_GAUGE, 0, NULL},
        [TX_FREQ] = {"node_timex_frequency_adjustment_ratio", "Local clock frequency adjustment.", METRIC_GAUGE, 0,
                     NULL},
        [TX_MAXERROR] = {"node_timex_maxerror_seconds", "Maximum error in seconds.", METRIC_GAUGE, 0, NULL},
        [TX_ESTERROR] = {"node_timex_estimated_error_seconds", "Estimated error in seconds.", METRIC_GAUGE, 0, NULL},
        [TX_STATUS] = {"node_timex_status", "Value of the status array bits.", METRIC_GAUGE, 0, NULL},
        [TX_CONSTANT] = {"node_timex_loop_time_constant", "Phase-locked loop time constant.", METRIC_GAUGE, 0, NULL},
        [TX_TICK] = {"node_timex_tick_seconds", "Seconds between clock ticks.", METRIC_GAUGE, 0, NULL},
        [TX_PPS_FREQ] = {"node_timex_pps_frequency_hertz", "Pulse per second frequency.", METRIC_GAUGE, 0, NULL},
        [TX_PPS_JITTER] = {"node_timex_pps_jitter_seconds", "Pulse per second jitter.", METRIC_GAUGE, 0, NULL},
        [TX_PPS_SHIFT] = {"node_timex_pps_shift_seconds", "Pulse per second interval duration.", METRIC_GAUGE, 0, NULL},
        [TX_PPS_STABIL] = {"node_timex_pps_stability_hertz",
                           "Pulse per second stability, average of recent frequency changes.", METRIC_GAUGE, 0, NULL},
        [TX_PPS_JITCNT] = {"node_timex_pps_jitter_total", "Pulse per second count of jitter limit exceeded events.",
                           METRIC_COUNTER, 0, NULL},
        [TX_PPS_CALCNT] = {"node_timex_pps_calibration_total", "Pulse per second count of calibration intervals.",
                           METRIC_COUNTER, 0, NULL},
        [TX_PPS_ERRCNT] = {"node_timex_pps_error_total", "Pulse per second count of calibration errors.",
                           METRIC_COUNTER, 0, NULL},
        [TX_PPS_STBCNT] = {"node_timex_pps_stability_exceeded_total",
                           "Pulse per second count of stability limit exceeded events.", METRIC_COUNTER, 0, NULL},
        [TX_TAI] = {"node_timex_tai_offset_seconds", "International Atomic Time (TAI) offset.", METRIC_GAUGE, 0, NULL},
};

struct timex_state {
        timex_source_fn source;
};

static int timex_adjtimex(struct timex *t) {
        return adjtimex(t);
}

static int timex_init(_unused_ const struct collector_env *env, _unused_ const struct config_section *section,
                      _unused_ struct diag *diag, void **ret_state) {
        struct timex_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->source = timex_adjtimex;
        *ret_state = s;
        return 0;
}

void timex_use_source(void *state, timex_source_fn source) {
        struct timex_state *s = state;
        s->source = source;
}

static void timex_free(void *state) {
        free(state);
}

static int timex_collect(void *state, struct collect_ctx *ctx) {
        struct timex_state *s = state;
        struct timex t = {.modes = 0}; /* modes 0: read only, allowed without CAP_SYS_TIME */
        int clock_state = s->source(&t);
        if (clock_state < 0) {
                int e = errno > 0 ? errno : EIO;
                /* a seccomp filter (a container) refusing the call: no data, as node_exporter */
                return e == EPERM ? -ENOENT : -e;
        }
        double unit = (t.status & STA_NANO) ? 1e9 : 1e6;
        const double values[TX_COUNT] = {
                [TX_SYNC_STATUS] = clock_state == TIME_ERROR ? 0 : 1,
                [TX_OFFSET] = (double) t.offset / unit,
                [TX_FREQ] = 1 + (double) t.freq / PPM16FRAC,
                [TX_MAXERROR] = (double) t.maxerror / 1e6, /* always microseconds */
                [TX_ESTERROR] = (double) t.esterror / 1e6,
                [TX_STATUS] = (double) t.status,
                [TX_CONSTANT] = (double) t.constant,
                [TX_TICK] = (double) t.tick / 1e6,
                [TX_PPS_FREQ] = (double) t.ppsfreq / PPM16FRAC,
                [TX_PPS_JITTER] = (double) t.jitter / unit,
                /* log2 of the interval in seconds, exported as is, as node_exporter */
                [TX_PPS_SHIFT] = (double) t.shift,
                [TX_PPS_STABIL] = (double) t.stabil / PPM16FRAC,
                [TX_PPS_JITCNT] = (double) t.jitcnt,
                [TX_PPS_CALCNT] = (double) t.calcnt,
                [TX_PPS_ERRCNT] = (double) t.errcnt,
                [TX_PPS_STBCNT] = (double) t.stbcnt,
                [TX_TAI] = (double) t.tai,
        };
        for (size_t i = 0; i < TX_COUNT; i++) {
                (void) metric_set_family(ctx->set, &timex_descs[i]);
                (void) metric_set_sample0(ctx->set, values[i]);
        }
        return ctx->set->error;
}

const struct collector timex_collector = {
        .name = "timex",
        .help = "Kernel clock discipline (NTP synchronisation, offset, errors), from adjtimex(2)",
        .default_enabled = true,
        .init = timex_init,
        .collect = timex_collect,
        .free = timex_free,
};
