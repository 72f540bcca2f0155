/* IPMI DCMI "Get Power Reading": the request and response as bytes, and
 * the OpenIPMI exchange (linux/ipmi.h) that carries them to the BMC. */
#include "ipmi_dcmi.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ipmi.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "clock.h"
#include "macro.h"

void ipmi_dcmi_encode_request(uint8_t out[static IPMI_DCMI_REQUEST_LEN]) {
        out[0] = IPMI_DCMI_GROUP_EXTENSION;
        out[1] = IPMI_DCMI_MODE_SYSTEM_POWER;
        out[2] = 0; /* mode attributes: reserved for mode 1 */
        out[3] = 0; /* reserved */
}

static uint16_t le16(const uint8_t *p) {
        return (uint16_t) (p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

int ipmi_dcmi_decode_response(const uint8_t *data, size_t len, struct ipmi_dcmi_reading *ret,
                              uint8_t *completion_code) {
        if (len < 1)
                return -EBADMSG;
        /* an error response is the completion code alone, or with a few
         * bytes some BMCs add: the code decides before the length */
        if (data[0] != 0) {
                *completion_code = data[0];
                return -EIO;
        }
        if (len != IPMI_DCMI_RESPONSE_LEN || data[1] != IPMI_DCMI_GROUP_EXTENSION)
                return -EBADMSG;
        *ret = (struct ipmi_dcmi_reading){
                .current_watts = le16(data + 2),
                .minimum_watts = le16(data + 4),
                .maximum_watts = le16(data + 6),
                .average_watts = le16(data + 8),
                .timestamp = le32(data + 10),
                .period_ms = le32(data + 14),
                .active = (data[18] & 0x40) != 0,
        };
        return 0;
}

const char *ipmi_completion_code_str(uint8_t code) {
        /* IPMI 2.0 table 5-2, the generic codes */
        switch (code) {
        case 0x00: return "success";
        case 0xc0: return "node busy";
        case 0xc1: return "invalid command";
        case 0xc2: return "invalid command for the LUN";
        case 0xc3: return "timeout";
        case 0xc4: return "out of space";
        case 0xc5: return "reservation cancelled";
        case 0xc6: return "request data truncated";
        case 0xc7: return "request data length invalid";
        case 0xc8: return "request data field length limit exceeded";
        case 0xc9: return "parameter out of range";
        case 0xca: return "cannot return the number of requested bytes";
        case 0xcb: return "requested sensor, data or record not present";
        case 0xcc: return "invalid data field in request";
        case 0xcd: return "command illegal for this sensor or record type";
        case 0xce: return "response could not be provided";
        case 0xcf: return "duplicated request";
        case 0xd0: return "SDR repository in update mode";
        case 0xd1: return "firmware in update mode";
        case 0xd2: return "BMC initialisation in progress";
        case 0xd3: return "destination unavailable";
        case 0xd4: return "insufficient privilege";
        case 0xd5: return "not supported in present state";
        case 0xd6: return "sub-function disabled or unavailable";
        case 0xff: return "unspecified error";
        default: return "unknown completion code";
        }
}

/* The driver queues every response for this descriptor: one to another
 * msgid (a request of a previous descriptor cannot reach it, but an event
 * or a stray response can) is read and passed over until the deadline. */
static int receive(int fd, long msgid, uint64_t deadline_ms, uint8_t *data, size_t size, size_t *ret_len) {
        for (;;) {
                uint64_t now = clock_ms(CLOCK_MONOTONIC);
                if (now >= deadline_ms)
                        return -ETIMEDOUT;
                struct pollfd p = {.fd = fd, .events = POLLIN};
                int r = poll(&p, 1, (int) (deadline_ms - now));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return -ETIMEDOUT;
                struct ipmi_system_interface_addr addr;
                struct ipmi_recv recv = {
                        .addr = (unsigned char *) &addr,
                        .addr_len = sizeof(addr),
                        .msg = {.data = data, .data_len = (unsigned short) size},
                };
                if (ioctl(fd, IPMICTL_RECEIVE_MSG_TRUNC, &recv) < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return -errno;
                }
                if (recv.recv_type != IPMI_RESPONSE_RECV_TYPE || recv.msgid != msgid ||
                    recv.msg.netfn != (IPMI_DCMI_NETFN | 1) || recv.msg.cmd != IPMI_DCMI_CMD_GET_POWER_READING)
                        continue;
                *ret_len = recv.msg.data_len;
                return 0;
        }
}

int ipmi_dcmi_read(const char *path, int timeout_ms, struct ipmi_dcmi_reading *ret, uint8_t *completion_code) {
        /* read-only: the OpenIPMI ioctls need no write access to the
         * device, and read is all the udev rule (0640, group vigie) and
         * the unit's DeviceAllow=/dev/ipmi0 r grant */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        uint64_t deadline = clock_ms(CLOCK_MONOTONIC) + (uint64_t) (timeout_ms > 0 ? timeout_ms : 0);
        struct ipmi_system_interface_addr addr = {
                .addr_type = IPMI_SYSTEM_INTERFACE_ADDR_TYPE,
                .channel = IPMI_BMC_CHANNEL,
                .lun = 0,
        };
        uint8_t request[IPMI_DCMI_REQUEST_LEN];
        ipmi_dcmi_encode_request(request);
        /* one request per descriptor: any msgid tells its answer apart */
        const long msgid = 0x2c02;
        struct ipmi_req req = {
                .addr = (unsigned char *) &addr,
                .addr_len = sizeof(addr),
                .msgid = msgid,
                .msg = {.netfn = IPMI_DCMI_NETFN,
                        .cmd = IPMI_DCMI_CMD_GET_POWER_READING,
                        .data = request,
                        .data_len = sizeof(request)},
        };
        if (ioctl(fd, IPMICTL_SEND_COMMAND, &req) < 0)
                return -errno; /* ENOTTY: not an IPMI device */
        /* room for more than a reading, so that a long answer is seen as
         * long rather than cut to the right size */
        uint8_t data[IPMI_DCMI_RESPONSE_LEN + 8];
        size_t len = 0;
        int r = receive(fd, msgid, deadline, data, sizeof(data), &len);
        if (r < 0)
                return r;
        return ipmi_dcmi_decode_response(data, len, ret, completion_code);
}
