/* Log sinks. Each line is formatted on the stack and written with a single
 * write(2), so lines from the HTTP threads never interleave. */
#include "log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "systemd.h"

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static const char *const target_names[] = {"auto", "stderr", "journal"};
static const char *const format_names[] = {"logfmt", "json"};
/* syslog priorities for each level */
static const int level_priority[] = {3, 4, 6, 7};

static atomic_int log_level = LOG_LEVEL_INFO;
static atomic_bool log_to_journal = false;
static atomic_int log_format = LOG_FORMAT_LOGFMT;

/* systemd sets JOURNAL_STREAM=dev:ino when stderr is connected to the
 * journal; then structured records with a priority beat plain text. */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;
        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == dev && st.st_ino == ino;
}

void log_setup(enum log_level level, enum log_target target) {
        atomic_store(&log_level, level);
        bool journal = target == LOG_TARGET_JOURNAL || (target == LOG_TARGET_AUTO && stderr_is_journal());
        atomic_store(&log_to_journal, journal);
}

void log_startup_error(const char *msg) {
        if (stderr_is_journal() && journal_send(level_priority[LOG_LEVEL_ERROR], "vigie", msg) == 0)
                return;
        (void) fprintf(stderr, "vigie: %s\n", msg);
}

void log_set_format(enum log_format format) {
        atomic_store(&log_format, format);
}

enum log_level log_get_level(void) {
        return atomic_load(&log_level);
}

_printf_(2, 0) static void log_write(enum log_level level, const char *fmt, va_list ap, int err) {
        char msg[1024];
        int n = vsnprintf(msg, sizeof(msg), fmt, ap);
        if (n < 0)
                return;
        if (err != 0 && (size_t) n < sizeof(msg))
                (void) snprintf(msg + n, sizeof(msg) - (size_t) n, ": %s", strerror(-err));

        /* a journal that does not take the record: the line goes to stderr */
        if (atomic_load(&log_to_journal) && journal_send(level_priority[level], "vigie", msg) == 0)
                return;

        /* logfmt: ts=... level=... msg="..." with quotes and backslashes
         * escaped; json: {"ts":"...","level":"...","msg":"..."}, control
         * characters escaped too */
        bool json = atomic_load(&log_format) == LOG_FORMAT_JSON;
        char line[2300];
        struct timespec ts;
        struct tm tm;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        (void) gmtime_r(&ts.tv_sec, &tm);
        size_t len = strftime(line, sizeof(line), json ? "{\"ts\":\"%Y-%m-%dT%H:%M:%S" : "ts=%Y-%m-%dT%H:%M:%S", &tm);
        len += (size_t) snprintf(line + len, sizeof(line) - len,
                                 json ? ".%03ldZ\",\"level\":\"%s\",\"msg\":\"" : ".%03ldZ level=%s msg=\"",
                                 ts.tv_nsec / 1000000, level_names[level]);
        for (const char *p = msg; *p && len < sizeof(line) - 8; p++) {
                unsigned char c = (unsigned char) *p;
                if (c == '"' || c == '\\')
                        line[len++] = '\\';
                if (json && c < 0x20)
                        len += (size_t) snprintf(line + len, sizeof(line) - len, "\\u%04x", c);
                else
                        line[len++] = c == '\n' ? ' ' : (char) c;
        }
        line[len++] = '"';
        if (json)
                line[len++] = '}';
        line[len++] = '\n';
        (void) !write(STDERR_FILENO, line, len);
}

void log_msg(enum log_level level, const char *fmt, ...) {
        if (level > log_get_level())
                return;
        va_list ap;
        va_start(ap, fmt);
        log_write(level, fmt, ap, 0);
        va_end(ap);
}

int log_errno(enum log_level level, int err, const char *fmt, ...) {
        if (level <= log_get_level()) {
                va_list ap;
                va_start(ap, fmt);
                log_write(level, fmt, ap, err);
                va_end(ap);
        }
        return err;
}

int log_level_from_string(const char *s, enum log_level *ret) {
        for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
                if (strcmp(s, level_names[i]) == 0) {
                        *ret = (enum log_level) i;
                        return 0;
                }
        return -EINVAL;
}

int log_target_from_string(const char *s, enum log_target *ret) {
        for (size_t i = 0; i < ELEMENTSOF(target_names); i++)
                if (strcmp(s, target_names[i]) == 0) {
                        *ret = (enum log_target) i;
                        return 0;
                }
        return -EINVAL;
}

int log_format_from_string(const char *s, enum log_format *ret) {
        for (size_t i = 0; i < ELEMENTSOF(format_names); i++)
                if (strcmp(s, format_names[i]) == 0) {
                        *ret = (enum log_format) i;
                        return 0;
                }
        return -EINVAL;
}

const char *log_level_to_string(enum log_level level) {
        return level_names[level];
}
const char *log_target_to_string(enum log_target target) {
        return target_names[target];
}
const char *log_format_to_string(enum log_format format) {
        return format_names[format];
}
