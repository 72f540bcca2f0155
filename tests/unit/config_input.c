/* Configuration files and flags as the tests of config and options give
 * them: text written to a temporary file, and argument lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

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
