/* libFuzzer harness for the IPMI DCMI "Get Power Reading" response
 * decoder: any bytes a BMC (or a stranger's device at the path) may
 * answer. Decoded or refused; a decoded reading is a plausible one. */
#include <stdint.h>
#include <stdlib.h>

#include "energy/ipmi_dcmi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct ipmi_dcmi_reading r;
        uint8_t cc = 0;
        if (ipmi_dcmi_decode_response(data, size, &r, &cc) == 0 && size != IPMI_DCMI_RESPONSE_LEN)
                abort(); /* only a whole response decodes */
        return 0;
}
