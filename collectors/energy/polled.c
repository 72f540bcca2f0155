/* The hand-over between a source's poll, on the engine's scheduler, and
 * its reads under the energy collector's lock. */
#include "polled.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

int energy_polled_init(struct energy_polled *p, const struct config_section *section, const char *key, const char *def,
                       char path[static PATH_MAX], struct diag *diag) {
        const char *v = config_section_string(section, key, def);
        size_t len = strlen(v);
        if (len >= PATH_MAX)
                return config_entry_error(section, config_section_get(section, key), diag, "the path is too long");
        memcpy(path, v, len + 1);
        *p = (struct energy_polled){.status = -ENOENT, .stopped = len == 0};
        (void) pthread_mutex_init(&p->lock, NULL);
        return 0;
}

void energy_polled_free(struct energy_polled *p) {
        free(p->zones.v);
        (void) pthread_mutex_destroy(&p->lock);
}

int energy_polled_zone(struct energy_polled *p, const char *name, double joules, bool host) {
        (void) pthread_mutex_lock(&p->lock);
        struct energy_zone *z = energy_zone_get(&p->zones, name);
        if (z) {
                z->seen = true;
                z->host = host;
                z->joules = joules;
        }
        (void) pthread_mutex_unlock(&p->lock);
        return z ? 0 : -ENOMEM;
}

void energy_polled_done(struct energy_polled *p, int status, bool stop) {
        if (status == -ENOMEM)
                return; /* the next poll tries again; until then, the last one's stands */
        (void) pthread_mutex_lock(&p->lock);
        p->status = status;
        p->stopped |= stop;
        (void) pthread_mutex_unlock(&p->lock);
}

int energy_polled_read(void *state, struct energy_zones *zones, _unused_ const struct energy_read *rd) {
        struct energy_polled *p = state;
        (void) pthread_mutex_lock(&p->lock);
        int r = p->status;
        for (size_t i = 0; i < p->zones.n && r != -ENOMEM; i++) {
                const struct energy_zone *from = &p->zones.v[i];
                struct energy_zone *z = energy_zone_get(zones, from->name);
                if (!z) {
                        r = -ENOMEM;
                        break;
                }
                z->seen = true;
                z->host = from->host;
                z->joules = from->joules;
        }
        (void) pthread_mutex_unlock(&p->lock);
        return r;
}

bool energy_polled_stopped(struct energy_polled *p) {
        (void) pthread_mutex_lock(&p->lock);
        bool stopped = p->stopped;
        (void) pthread_mutex_unlock(&p->lock);
        return stopped;
}

uint64_t energy_polled_gap(void *state) {
        return energy_polled_stopped(state) ? 0 : ENERGY_POLL_PERIOD_MS;
}

void energy_power_add(struct energy_power_sum *p, double watts, uint64_t now_ns) {
        if (p->last_ns != 0 && now_ns > p->last_ns && now_ns - p->last_ns <= ENERGY_POLL_MAX_GAP_NS)
                p->joules += (p->last_watts + watts) / 2 * (double) (now_ns - p->last_ns) / 1e9;
        p->last_watts = watts;
        p->last_ns = now_ns;
}
