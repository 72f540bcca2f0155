/* Small language helpers shared by every file: cleanup attributes in the
 * style of systemd's alloc-util.h, so that error paths free what they own
 * without a ladder of gotos. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))
/* Run once (at start, at stop) or rarely: gcc places it in .text.unlikely,
 * with main's code and the error paths, apart from the scrape path. Where
 * such a function lives with code a default agent never runs (the
 * optional library, meson.build), it keeps those pages out of memory. */
#define _cold_ __attribute__((cold))

static inline void freep(void *p) {
        free(*(void **) p);
}
static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}
static inline void closep(int *fd) {
        if (*fd >= 0)
                (void) close(*fd);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)

/* Hands a pointer on and leaves NULL behind, so the cleanup attribute of the
 * variable it came from no longer frees it. */
#define TAKE_PTR(p)                                                                                                    \
        __extension__({                                                                                                \
                __typeof__(p) _take_ = (p);                                                                            \
                (p) = NULL;                                                                                            \
                _take_;                                                                                                \
        })

/* The same for a descriptor: hands it on and leaves -1 behind. */
#define TAKE_FD(fd)                                                                                                    \
        __extension__({                                                                                                \
                int _take_ = (fd);                                                                                     \
                (fd) = -1;                                                                                             \
                _take_;                                                                                                \
        })

/* snprintf(dst, size, "%s", src) without the format's cost, for the
 * scrape path: src cut to size - 1 bytes, always terminated. */
static inline void str_copy(char *dst, size_t size, const char *src) {
        if (size == 0)
                return;
        size_t n = strnlen(src, size - 1);
        memcpy(dst, src, n);
        dst[n] = '\0';
}

static inline const char *strempty(const char *s) {
        return s ? s : "";
}
