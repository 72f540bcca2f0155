/* An example vigie plugin: the state of a municipal application (a civil
 * registry, a library's loans, a canteen's billing) read from the status
 * file it writes, one "key=value" a line:
 *
 *   state=running            (running, degraded, maintenance or stopped)
 *   queue=12                 (requests waiting)
 *   last_sync=1733100000     (seconds since the epoch)
 *
 * Configured by its section:
 *
 *   [plugin.registry]
 *   file = municipal.so
 *   status_file = /var/lib/registry/status
 *   application = civil-registry     ; the application label (the section's name by default)
 *
 * It uses the host's table only (no agent symbol), copies nothing it is
 * not given, and returns an error rather than half a snapshot. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vigie-plugin.h>

struct municipal {
        const struct vigie_host *host;
        char status_file[4096];
        char application[128];
};

static const char *const states[] = {"running", "degraded", "maintenance", "stopped"};

static int municipal_init(vigie_host_ctx *ctx, const struct vigie_host *host, void **ret_state) {
        const char *file = host->config_get(ctx, "status_file");
        const char *app = host->config_get(ctx, "application");
        if (!file || file[0] != '/') {
                host->log(ctx, VIGIE_LOG_ERROR, "status_file: an absolute path is needed");
                return -EINVAL;
        }
        struct municipal *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->host = host;
        (void) snprintf(m->status_file, sizeof(m->status_file), "%s", file);
        (void) snprintf(m->application, sizeof(m->application), "%s", app ? app : "municipal");
        *ret_state = m;
        return 0;
}

/* The value of key in the file's lines, or NULL. */
static const char *value_of(char *text, const char *key, char *out, size_t size) {
        size_t n = strlen(key);
        for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
                if (strncmp(line, key, n) == 0 && line[n] == '=') {
                        size_t len = strcspn(line + n + 1, "\r\n");
                        if (len >= size)
                                return NULL;
                        memcpy(out, line + n + 1, len);
                        out[len] = '\0';
                        return out;
                }
        return NULL;
}

static int number_of(char *text, const char *key, double *ret) {
        char buf[64], *end;
        if (!value_of(text, key, buf, sizeof(buf)) || !buf[0])
                return -ENODATA;
        *ret = strtod(buf, &end);
        return *end == '\0' ? 0 : -EINVAL;
}

static int municipal_collect(void *state, vigie_host_ctx *ctx) {
        struct municipal *m = state;
        const struct vigie_host *h = m->host;
        char text[8192];
        FILE *f = fopen(m->status_file, "re");
        if (!f)
                return -errno;
        size_t len = fread(text, 1, sizeof(text) - 1, f);
        (void) fclose(f);
        text[len] = '\0';

        char current[32];
        double queue = 0, last_sync = 0;
        if (!value_of(text, "state", current, sizeof(current)))
                return -ENODATA; /* no state: say so rather than a half snapshot */
        int r = number_of(text, "queue", &queue);
        if (r < 0 && r != -ENODATA)
                return r;
        bool has_sync = number_of(text, "last_sync", &last_sync) == 0;

        const char *app_label[] = {"application"};
        const char *state_labels[] = {"application", "state"};
        const char *app[] = {m->application};
        if ((r = h->family(ctx, "municipal_application_state", "1 for the state the application's status file gives.",
                           VIGIE_GAUGE, 2, state_labels)) < 0)
                return r;
        for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
                const char *values[] = {m->application, states[i]};
                if ((r = h->sample(ctx, strcmp(current, states[i]) == 0, 2, values)) < 0)
                        return r;
        }
        if ((r = h->family(ctx, "municipal_application_queue_length", "Requests the application has waiting.",
                           VIGIE_GAUGE, 1, app_label)) < 0 ||
            (r = h->sample(ctx, queue, 1, app)) < 0)
                return r;
        if (has_sync && ((r = h->family(ctx, "municipal_application_last_sync_timestamp_seconds",
                                        "When the application last synchronised with the central registry.",
                                        VIGIE_GAUGE, 1, app_label)) < 0 ||
                         (r = h->sample(ctx, last_sync, 1, app)) < 0))
                return r;
        return 0;
}

static void municipal_free(void *state) {
        free(state);
}

static const struct vigie_plugin municipal = {
        VIGIE_PLUGIN_INIT,      .name = "municipal",          .version = "1.0",
        .init = municipal_init, .collect = municipal_collect, .free = municipal_free,
};

VIGIE_PLUGIN_EXPORT const struct vigie_plugin *vigie_plugin_v1(const struct vigie_host *host, vigie_host_ctx *ctx) {
        (void) host;
        (void) ctx;
        return &municipal;
}
