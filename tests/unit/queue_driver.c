/* Drives a push queue through a scripted sequence, saying on stdout what
 * it is about to do and what the queue acknowledged, so that a test can
 * kill it at any system call (strace's fault injection) and check what a
 * restart finds against what was acknowledged.
 * Usage: queue_driver DIR MAX_BYTES STEP...
 * Steps: aK:S appends batch K (S bytes, one sample), p peeks and pops
 * one, r closes and opens the queue again, d drains it ("got K" for each).
 * After each append it says how many batches the budget dropped since the
 * queue was opened. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "push_queue.h"

static struct push_queue *reopen(const char *dir, uint64_t max_bytes) {
        struct push_queue *q;
        int r = push_queue_open(dir, max_bytes, true, &q);
        if (r < 0) {
                fprintf(stderr, "queue_driver: cannot open %s: %s\n", dir, strerror(-r));
                exit(1);
        }
        return q;
}

/* The batch's number, written at the start of its payload. */
static unsigned long batch_of(const struct buf *b) {
        char num[24] = {0};
        memcpy(num, b->data, b->len < sizeof(num) - 1 ? b->len : sizeof(num) - 1);
        return strtoul(num, NULL, 10);
}

int main(int argc, char **argv) {
        if (argc < 3) {
                fprintf(stderr, "usage: queue_driver DIR MAX_BYTES STEP...\n");
                return 2;
        }
        setvbuf(stdout, NULL, _IONBF, 0);
        uint64_t max_bytes = strtoull(argv[2], NULL, 10);
        struct push_queue *q = reopen(argv[1], max_bytes);
        struct buf out = {0};
        static char payload[1 << 20];
        for (int i = 3; i < argc; i++) {
                const char *s = argv[i];
                uint32_t n;
                int64_t ts;
                unsigned long k, size;
                if (s[0] == 'a' && sscanf(s + 1, "%lu:%lu", &k, &size) == 2 && size < sizeof(payload) && size >= 20) {
                        memset(payload, '.', size);
                        int len = snprintf(payload, 21, "%lu", k);
                        payload[len] = ' ';
                        printf("append %lu\n", k);
                        int r = push_queue_append(q, payload, size, 1, (int64_t) k);
                        struct push_queue_stats st;
                        push_queue_stats(q, &st);
                        /* one line, so that a kill cannot come between the two */
                        printf("%s %lu dropped %" PRIu64 "\n", r == 0 ? "appended" : "notappended", k,
                               st.dropped_budget_samples);
                } else if (strcmp(s, "p") == 0) {
                        if (push_queue_peek(q, &out, &n, &ts) < 0) {
                                printf("empty\n");
                                continue;
                        }
                        k = batch_of(&out);
                        printf("pop %lu\n", k);
                        if (push_queue_pop(q) == 0)
                                printf("acked %lu\n", k);
                } else if (strcmp(s, "r") == 0) {
                        push_queue_close(q);
                        q = reopen(argv[1], max_bytes);
                        printf("reopened\n");
                } else if (strcmp(s, "d") == 0) {
                        while (push_queue_peek(q, &out, &n, &ts) == 0) {
                                printf("got %lu\n", batch_of(&out));
                                if (push_queue_pop(q) < 0) {
                                        fprintf(stderr, "queue_driver: pop failed\n");
                                        return 1;
                                }
                        }
                } else {
                        fprintf(stderr, "queue_driver: bad step %s\n", s);
                        return 2;
                }
        }
        push_queue_close(q);
        buf_free(&out);
        return 0;
}
