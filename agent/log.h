/* Logging: one line per event, to stderr (logfmt or JSON, like node_exporter) or
 * to the journal with a priority. Only main, the scrape engine, the HTTP
 * server and the sender log; collectors and parsers return errors. */
#pragma once

#include <stdarg.h>

#include "macro.h"

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };
enum log_target { LOG_TARGET_AUTO, LOG_TARGET_STDERR, LOG_TARGET_JOURNAL };
enum log_format { LOG_FORMAT_LOGFMT, LOG_FORMAT_JSON };

/* auto picks the journal when stderr is the journal's stream (JOURNAL_STREAM). */
void log_setup(enum log_level level, enum log_target target);
/* Why vigie cannot start (a bad flag or config, before the log is set up):
 * "vigie: msg" on stderr for a person, and an error record when stderr is
 * the journal's stream, so that the journal shows it as an error. */
void log_startup_error(const char *msg);
/* How lines on stderr look (node_exporter's --log.format). */
void log_set_format(enum log_format format);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *fmt, ...) _printf_(2, 3);
/* Logs fmt followed by ": strerror(-err)" and returns err (a negative errno). */
int log_errno(enum log_level level, int err, const char *fmt, ...) _printf_(3, 4);

int log_level_from_string(const char *s, enum log_level *ret);
int log_target_from_string(const char *s, enum log_target *ret);
int log_format_from_string(const char *s, enum log_format *ret);
const char *log_level_to_string(enum log_level level);
const char *log_target_to_string(enum log_target target);
const char *log_format_to_string(enum log_format format);

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
