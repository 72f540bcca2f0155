/* vigie-plugin-run: one plugin in a process of its own (the isolated
 * mode). A plugin that hangs or crashes cannot be stopped safely inside
 * the agent; here it runs under the exec collector's long-running
 * protocol, so that the agent can kill and restart it:
 *
 *   vigie-plugin-run [--name NAME] PATH.so [KEY=VALUE]...
 *
 * KEY=VALUE are the plugin's keys (its [plugin.NAME] section). Each line
 * read on stdin is a tick: one collect, whose snapshot is written on
 * stdout in the Prometheus text format, ended by a line "# EOF", and
 * flushed. End of stdin frees the plugin and exits 0. A collect that
 * fails or breaks the rules (source_check.h) writes why on stderr and
 * exits 1, so that the agent sees the failure and restarts it with its
 * backoff; a load or init failure exits 2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "plugin_host.h"
#include "prom_text.h"
#include "source_check.h"

#define MAX_SERIES 50000

static int usage(void) {
        fprintf(stderr, "usage: vigie-plugin-run [--name NAME] PATH.so [KEY=VALUE]...\n");
        return 2;
}

static int add_key(struct config_section *s, const char *arg) {
        const char *eq = strchr(arg, '=');
        if (!eq || eq == arg)
                return -EINVAL;
        char key[256];
        if ((size_t) (eq - arg) >= sizeof(key))
                return -EINVAL;
        memcpy(key, arg, (size_t) (eq - arg));
        key[eq - arg] = '\0';
        return config_section_add(s, key, eq + 1, 0);
}

int main(int argc, char **argv) {
        const char *name = NULL;
        int i = 1;
        if (i + 1 < argc && strcmp(argv[i], "--name") == 0) {
                name = argv[i + 1];
                i += 2;
        }
        if (i >= argc || argv[i][0] == '-')
                return usage();
        const char *path = argv[i++];
        if (!name) {
                const char *base = strrchr(path, '/');
                name = base ? base + 1 : path;
        }
        log_setup(LOG_LEVEL_INFO, LOG_TARGET_STDERR);
        struct config_section keys = {.name = (char *) name, .kind = "plugin"};
        for (; i < argc; i++)
                if (add_key(&keys, argv[i]) < 0) {
                        fprintf(stderr, "vigie-plugin-run: '%s' is not KEY=VALUE\n", argv[i]);
                        return usage();
                }
        struct vigie_host_ctx ctx;
        int r = plugin_ctx_init(&ctx, name, &keys, MAX_SERIES);
        keys.name = NULL; /* argv's */
        config_section_clear(&keys);
        if (r < 0) {
                fprintf(stderr, "vigie-plugin-run: out of memory\n");
                return 2;
        }
        struct vigie_plugin plugin;
        void *state = NULL;
        char err[512];
        if ((r = plugin_load(path, &plugin_host_table, &ctx, &plugin, err, sizeof(err))) < 0 ||
            (r = plugin.init(&ctx, &plugin_host_table, &state)) < 0) {
                if (r != -ENOENT && r != -ENOEXEC)
                        (void) snprintf(err, sizeof(err), "plugin %s: init failed: %s", name,
                                        r > -4096 ? strerror(-r) : "not an errno");
                fprintf(stderr, "vigie-plugin-run: %s\n", err);
                plugin_ctx_free(&ctx);
                return 2;
        }

        struct prom_encoder enc = {0};
        struct buf out = {0};
        char *line = NULL;
        size_t cap = 0;
        int status = 0;
        while (status == 0 && getline(&line, &cap, stdin) >= 0) {
                plugin_ctx_begin(&ctx);
                r = plugin_ctx_end(&ctx, plugin.collect(state, &ctx));
                char why[sizeof(ctx.why) + 64];
                (void) snprintf(why, sizeof(why), "%s", ctx.why);
                struct source_limits lim = {.max_series = MAX_SERIES};
                if (r >= 0)
                        r = source_check(&ctx.staging, &lim, why, sizeof(why));
                buf_reset(&out);
                if (r >= 0 && (r = prom_text_encode(&enc, &ctx.staging, &out)) < 0)
                        (void) snprintf(why, sizeof(why), "out of memory");
                if (r < 0) {
                        fprintf(stderr, "vigie-plugin-run: plugin %s: %s\n", name, why);
                        status = 1;
                        break;
                }
                buf_puts(&out, "# EOF\n");
                if (out.error < 0 || fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0)
                        status = 1; /* the agent went away */
        }
        free(line);
        buf_free(&out);
        prom_encoder_free(&enc);
        plugin.free(state);
        plugin_ctx_free(&ctx);
        return status;
}
