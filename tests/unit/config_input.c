/* Configuration files and flags as the tests of config and options give
 * them: text written to a temporary file, and argument lists; and the
 * named sections a collector's init gets from such a file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "collector.h"
#include "harness.h"
#include "registry.h"

char *temp_file(const char *content, size_t len) {
        char *path = strdup("/tmp/vigie-test-XXXXXX");
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, len), (ssize_t) len);
        close(fd);
        return path;
}

int load_config_n(const char *content, size_t len, struct config *cfg, char *msg, size_t size) {
        char *path = temp_file(content, len);
        struct diag diag = {0};
        assert_int_equal(config_init_defaults(cfg), 0);
        int r = config_load(cfg, path, &diag);
        msg[0] = '\0';
        if (r < 0) {
                size_t pl = strlen(path);
                const char *m = diag.msg;
                if (strncmp(m, path, pl) == 0)
                        (void) snprintf(msg, size, "F%s", m + pl);
                else
                        (void) snprintf(msg, size, "%s", m);
        }
        unlink(path);
        free(path);
        return r;
}

int load_config(const char *content, struct config *cfg, char *msg, size_t size) {
        return load_config_n(content, strlen(content), cfg, msg, size);
}

int init_with_sections(const char *collector, const char *content, char *msg, size_t size) {
        struct config cfg;
        int r = load_config(content, &cfg, msg, size);
        if (r < 0) {
                config_free(&cfg);
                return r;
        }
        const struct collector *c = registry_collectors[registry_find(collector)];
        struct collector_env env = {"/proc", "/sys", "/", "/run/udev/data"};
        env.probes = cfg.probes;
        env.n_probes = cfg.n_probes;
        env.execs = cfg.execs;
        env.n_execs = cfg.n_execs;
        struct diag diag = {0};
        void *state = NULL;
        r = c->init(&env, NULL, &diag, &state);
        msg[0] = '\0';
        if (r < 0) {
                size_t pl = strlen(cfg.path);
                const char *m = diag.msg;
                (void) snprintf(msg, size, "%s%s", strncmp(m, cfg.path, pl) == 0 ? "F" : "",
                                strncmp(m, cfg.path, pl) == 0 ? m + pl : m);
        } else {
                /* no scheduler: nothing ran, so nothing to show */
                struct metric_set set = {0};
                struct collect_ctx ctx = {.set = &set};
                assert_int_equal(c->collect(state, &ctx), 0);
                assert_int_equal(set.n_families, 0);
                metric_set_free(&set);
                c->free(state);
        }
        config_free(&cfg);
        return r;
}

int parse_flags(const char *const *args, struct options *o, struct diag *diag) {
        char *argv[32];
        int argc = 0;
        argv[argc++] = (char *) "vigie";
        for (; *args; args++)
                argv[argc++] = (char *) *args;
        argv[argc] = NULL;
        return options_parse(argc, argv, o, diag);
}

void parse_apply_flags(const char *const *args, struct options *o, struct config *cfg) {
        struct diag diag = {0};
        if (parse_flags(args, o, &diag) < 0)
                fail_msg("%s", diag.msg);
        assert_int_equal(config_init_defaults(cfg), 0);
        assert_int_equal(options_apply(o, cfg, &diag), 0);
}
