/* IPMI DCMI "Get Power Reading" (DCMI 1.5, section 6.6.1): what the BMC
 * measures at the wall, for servers without RAPL or hwmon power. A pure
 * codec, and one function that asks the BMC through the OpenIPMI driver. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPMI_DCMI_NETFN 0x2c /* group extension; the response comes on 0x2d */
#define IPMI_DCMI_CMD_GET_POWER_READING 0x02
#define IPMI_DCMI_GROUP_EXTENSION 0xdc
#define IPMI_DCMI_MODE_SYSTEM_POWER 0x01
#define IPMI_DCMI_REQUEST_LEN 4
/* completion code, group extension, four 16-bit powers, two 32-bit times, state */
#define IPMI_DCMI_RESPONSE_LEN 19

/* One reading, in whole watts as the BMC gives them. current_watts is the
 * power when the BMC answered: the caller integrates it into joules over
 * the time since its previous reading, by its own monotonic clock (the
 * BMC's timestamp is often unset or off by hours), and never over more
 * than a couple of its sampling intervals: past that, the gap is "no
 * data", not a guess. BMCs refresh the reading about once a second, so
 * asking more often only repeats it. A reading that is not active carries
 * no power. */
struct ipmi_dcmi_reading {
        uint16_t current_watts;
        uint16_t minimum_watts; /* over the statistics period */
        uint16_t maximum_watts;
        uint16_t average_watts;
        uint32_t timestamp; /* the BMC's clock, seconds since the epoch */
        uint32_t period_ms; /* the statistics reporting period */
        bool active;        /* power measurement is active (state bit 6) */
};

/* Writes the request's data (after netfn and command) into out: group
 * extension, mode 1 (system power statistics), two reserved bytes. */
void ipmi_dcmi_encode_request(uint8_t out[static IPMI_DCMI_REQUEST_LEN]);
/* Decodes a response's data, completion code first. -EIO for a non-zero
 * completion code, which is then stored in *completion_code (nothing is
 * stored otherwise); -EBADMSG for a length other than
 * IPMI_DCMI_RESPONSE_LEN or a wrong group extension. */
int ipmi_dcmi_decode_response(const uint8_t *data, size_t len, struct ipmi_dcmi_reading *ret, uint8_t *completion_code);
/* What an IPMI completion code means, in a few words ("invalid command"
 * when the BMC has no DCMI), for the caller's one log line. */
const char *ipmi_completion_code_str(uint8_t code);

/* Asks the BMC behind the OpenIPMI device at path (/dev/ipmi0) for one
 * reading, waiting at most timeout_ms for the answer. -ENOENT when there
 * is no such device (no BMC, or the ipmi_devintf module not loaded);
 * -ENOTTY when path is not an IPMI device; -ETIMEDOUT when the BMC did
 * not answer in time; -EIO with *completion_code as the decoder gives;
 * another negative errno from open (-EACCES) or the ioctls. Blocks up to
 * timeout_ms: call it off the scrape path. */
int ipmi_dcmi_read(const char *path, int timeout_ms, struct ipmi_dcmi_reading *ret, uint8_t *completion_code);
