/* libFuzzer harness for the INI config reader: the input is a config file.
 * It is accepted or refused with a message naming a line; never a crash,
 * never a message without "file:line" when the refusal is about a line. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char path[] = "/tmp/vigie-fuzz-config.XXXXXX";
        int fd = mkstemp(path);
        if (fd < 0 || write(fd, data, size) != (ssize_t) size || close(fd) < 0)
                abort();
        struct config cfg;
        if (config_init_defaults(&cfg) < 0)
                abort();
        struct diag diag = {0};
        if (config_load(&cfg, path, &diag) < 0 && diag.msg[0] == '\0')
                abort(); /* a refusal always says why */
        config_free(&cfg);
        (void) unlink(path);
        return 0;
}
