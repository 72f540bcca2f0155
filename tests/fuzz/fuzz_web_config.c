/* libFuzzer harness for the web-config reader (node_exporter's YAML, read
 * with libyaml): any bytes are read or refused, never a crash, and a
 * refusal always says why. */
#include <stdint.h>
#include <stdlib.h>

#include "web_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct web_config c;
        struct diag diag = {0};
        if (web_config_parse("/etc/vigie/web.yml", (const char *) data, size, &c, &diag) < 0) {
                if (diag.msg[0] == '\0')
                        abort();
                return 0;
        }
        web_config_free(&c);
        return 0;
}
