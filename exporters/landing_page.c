/* The landing page: one static HTML page, inline CSS, no script and
 * nothing fetched from anywhere, readable on a phone and in a text
 * browser (every status is a word, colour only repeats it). It reads the
 * collectors' statuses as of the last finished collection, without
 * waiting for a running one, and the push targets' queues without
 * waiting for their disk. Every text from outside is HTML-escaped. */
#include "landing_page.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "version.h"

static const char style[] =
        "body{font-family:system-ui,sans-serif;margin:1em auto;max-width:64em;padding:0 .8em;color:#222;"
        "line-height:1.4}\n"
        "h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.2em 0 .4em}\n"
        "p.summary{padding:.5em .8em;border-left:.4em solid #2a7d2a;background:#eef6ee}\n"
        "p.summary.bad{border-color:#b22;background:#fbeaea}\n"
        "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25em .5em;"
        "border-bottom:1px solid #ddd;vertical-align:top}\n"
        "th{background:#f3f3f3}td.n{text-align:right;white-space:nowrap}\n"
        "tr.failed td:nth-child(2),tr.behind td:nth-child(2){color:#b22;font-weight:bold}\n"
        "tr.ok td:nth-child(2){color:#2a7d2a}tr.absent td:nth-child(2),tr.waiting td:nth-child(2){color:#666}\n"
        ".scroll{overflow-x:auto}\n"
        "@media (max-width:40em){.help{display:none}body{padding:0 .3em}th,td{padding:.2em .3em}}\n";

static void put_html(struct buf *b, const char *s) {
        for (; *s; s++) {
                switch (*s) {
                case '<': buf_puts(b, "&lt;"); break;
                case '>': buf_puts(b, "&gt;"); break;
                case '&': buf_puts(b, "&amp;"); break;
                case '"': buf_puts(b, "&quot;"); break;
                case '\'': buf_puts(b, "&#39;"); break;
                default: buf_putc(b, *s);
                }
        }
}

/* "45 s", "3 min 12 s", "5 h 2 min", "12 d 3 h": two units at most */
static void put_age(struct buf *b, double seconds) {
        unsigned long long s = seconds > 0 ? (unsigned long long) seconds : 0;
        if (s < 60)
                buf_printf(b, "%llu s", s);
        else if (s < 3600)
                buf_printf(b, "%llu min %llu s", s / 60, s % 60);
        else if (s < 86400)
                buf_printf(b, "%llu h %llu min", s / 3600, s % 3600 / 60);
        else
                buf_printf(b, "%llu d %llu h", s / 86400, s % 86400 / 3600);
}

static void put_utc(struct buf *b, double seconds) {
        time_t t = (time_t) seconds;
        struct tm tm;
        char text[64];
        if (gmtime_r(&t, &tm) && strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S UTC", &tm) > 0)
                buf_puts(b, text);
}

static void put_bytes(struct buf *b, uint64_t n) {
        if (n < 1024)
                buf_printf(b, "%llu B", (unsigned long long) n);
        else if (n < (uint64_t) 1024 * 1024)
                buf_printf(b, "%.1f KiB", (double) n / 1024);
        else
                buf_printf(b, "%.1f MiB", (double) n / (1024 * 1024));
}

/* What a collector's last collection says, as a word and a class. */
enum state { STATE_OK, STATE_FAILED, STATE_ABSENT, STATE_WAITING };
static const char *const state_class[] = {"ok", "failed", "absent", "waiting"};

static enum state collector_state(const struct collector_status *st) {
        if (!st->ran)
                return STATE_WAITING;
        if (st->last_result == -ENOENT) /* a source this host does not have (no hwmon on a VM) */
                return STATE_ABSENT;
        return st->last_result < 0 ? STATE_FAILED : STATE_OK;
}

struct collectors_seen {
        struct buf rows;
        unsigned count[4];
        struct buf failed; /* their names, escaped */
};

static void collector_row(const struct collector_status *st, void *userdata) {
        struct collectors_seen *seen = userdata;
        struct buf *b = &seen->rows;
        enum state s = collector_state(st);
        if (s == STATE_FAILED) {
                if (seen->failed.len > 0)
                        buf_puts(&seen->failed, ", ");
                put_html(&seen->failed, st->name);
        }
        seen->count[s]++;
        buf_printf(b, "<tr class=\"%s\"><td>", state_class[s]);
        put_html(b, st->name);
        buf_puts(b, "</td><td>");
        switch (s) {
        case STATE_WAITING: buf_puts(b, "not run yet"); break;
        case STATE_ABSENT: buf_puts(b, "no data on this host"); break;
        case STATE_FAILED: buf_puts(b, "failed"); break;
        case STATE_OK: buf_puts(b, "ok"); break;
        }
        buf_puts(b, "</td><td class=\"n\">");
        if (st->ran)
                buf_printf(b, "%.3f ms", st->last_duration * 1000);
        buf_puts(b, "</td><td>");
        if (s == STATE_FAILED)
                put_html(b, st->last_result == -ETIME ? "no refresh finished within its bound"
                                                      : strerror(-st->last_result));
        buf_printf(b, "</td><td class=\"n\">%llu</td><td class=\"help\">", st->parse_errors);
        put_html(b, st->help);
        buf_puts(b, "</td></tr>\n");
}

struct targets_seen {
        struct buf rows;
        unsigned count;
        struct buf behind; /* their names, escaped */
        double now;
};

/* Behind: its oldest queued sample is older than three intervals (a
 * target that keeps up holds a batch or none). */
static bool target_behind(const struct push_target_status *st, double now) {
        return st->oldest_ms != 0 && now - (double) st->oldest_ms / 1000 > 3.0 * (double) st->interval_ms / 1000;
}

static void target_row(const struct push_target_status *st, void *userdata) {
        struct targets_seen *seen = userdata;
        struct buf *b = &seen->rows;
        bool behind = target_behind(st, seen->now);
        seen->count++;
        if (behind) {
                if (seen->behind.len > 0)
                        buf_puts(&seen->behind, ", ");
                put_html(&seen->behind, st->name);
        }
        buf_printf(b, "<tr class=\"%s\"><td>", behind ? "behind" : "ok");
        put_html(b, st->name);
        buf_printf(b, "</td><td>%s</td><td>", behind ? "behind" : "up to date");
        buf_printf(b, "%llu batches, ", (unsigned long long) st->queue_batches);
        put_bytes(b, st->queue_bytes);
        buf_printf(b, " (%llu samples)", (unsigned long long) st->queue_samples);
        if (st->memory_batches > 0)
                buf_printf(b, "; %llu waiting for the disk", (unsigned long long) st->memory_batches);
        buf_puts(b, "</td><td>");
        if (st->oldest_ms != 0) {
                put_age(b, seen->now - (double) st->oldest_ms / 1000);
                buf_puts(b, " old");
        } else
                buf_puts(b, "none queued");
        buf_puts(b, "</td><td>");
        if (st->last_success > 0) {
                put_utc(b, st->last_success);
                buf_puts(b, " (");
                put_age(b, seen->now - st->last_success);
                buf_puts(b, " ago)");
        } else
                buf_puts(b, "none since the start");
        buf_printf(b, "</td><td class=\"n\">%llu</td><td class=\"help\">", (unsigned long long) st->dropped);
        put_html(b, st->url);
        buf_puts(b, "</td></tr>\n");
}

static void put_summary(struct buf *b, const struct collectors_seen *c, const struct targets_seen *t) {
        bool bad = c->count[STATE_FAILED] > 0 || t->behind.len > 0;
        buf_printf(b, "<p class=\"summary%s\">", bad ? " bad" : "");
        if (!bad)
                buf_puts(b, "<strong>All is well</strong>: ");
        if (c->count[STATE_FAILED] > 0)
                buf_printf(b, "<strong>%u collector%s failed</strong> (%s); ", c->count[STATE_FAILED],
                           c->count[STATE_FAILED] > 1 ? "s" : "", c->failed.data);
        buf_printf(b, "%u collector%s ok", c->count[STATE_OK], c->count[STATE_OK] == 1 ? "" : "s");
        if (c->count[STATE_ABSENT] > 0)
                buf_printf(b, ", %u with no data on this host", c->count[STATE_ABSENT]);
        if (c->count[STATE_WAITING] > 0)
                buf_printf(b, ", %u not run yet", c->count[STATE_WAITING]);
        if (t->behind.len > 0)
                buf_printf(b, "; <strong>push behind</strong> (%s): samples wait in the queue", t->behind.data);
        else if (t->count > 0)
                buf_printf(b, "; %u push target%s up to date", t->count, t->count > 1 ? "s" : "");
        buf_puts(b, ".</p>\n");
}

void landing_page_write(struct buf *b, const struct landing_page *page) {
        struct collectors_seen c = {0};
        struct targets_seen t = {.now = page->now};
        scrape_engine_for_each_status(page->engine, collector_row, &c);
        push_for_each_target(page->push, target_row, &t);
        if (c.rows.error < 0 || c.failed.error < 0 || t.rows.error < 0 || t.behind.error < 0)
                b->error = -ENOMEM;

        buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>vigie on ");
        put_html(b, page->host);
        buf_printf(b, "</title>\n<style>\n%s</style>\n</head><body>\n<h1>vigie on ", style);
        put_html(b, page->host);
        buf_puts(b, "</h1>\n");
        put_summary(b, &c, &t);
        buf_puts(b, "<p>Version " VIGIE_VERSION " (revision " VIGIE_REVISION "), up ");
        put_age(b, page->now - page->started);
        buf_puts(b, " (since ");
        put_utc(b, page->started);
        buf_puts(b, "). <a href=\"");
        put_html(b, page->metrics_path);
        buf_puts(b, "\">Metrics</a> (");
        put_html(b, page->metrics_path);
        buf_puts(b, ")</p>\n");

        if (t.count > 0) {
                buf_puts(b, "<h2>Push targets</h2>\n<div class=\"scroll\"><table>\n<tr><th>target</th><th>state</th>"
                            "<th>queued</th><th>oldest queued sample</th><th>last success</th>"
                            "<th>samples dropped</th><th class=\"help\">url</th></tr>\n");
                buf_put(b, t.rows.data, t.rows.len);
                buf_puts(b, "</table></div>\n");
        }
        buf_puts(b, "<h2>Collectors</h2>\n<p>As of the last finished collection.</p>\n<div class=\"scroll\"><table>\n"
                    "<tr><th>collector</th><th>status</th><th>duration</th><th>last error</th>"
                    "<th>lines skipped</th><th class=\"help\">reads</th></tr>\n");
        if (c.rows.len > 0)
                buf_put(b, c.rows.data, c.rows.len);
        buf_puts(b, "</table></div>\n</body></html>\n");
        buf_free(&c.rows);
        buf_free(&c.failed);
        buf_free(&t.rows);
        buf_free(&t.behind);
}
