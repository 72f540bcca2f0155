/* The landing page: the link to the metrics and each collector's status as
 * of the last finished collection, which it reads without waiting for a
 * running one. Every text from outside is HTML-escaped. */
#include "landing_page.h"

#include <string.h>

#include "version.h"

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

static void landing_row(const struct collector_status *st, void *userdata) {
        struct buf *b = userdata;
        buf_puts(b, "<tr><td>");
        put_html(b, st->name);
        buf_puts(b, "</td><td>");
        if (!st->ran)
                buf_puts(b, "not scraped yet");
        else if (st->last_result < 0) {
                buf_puts(b, "<strong>failed</strong>: ");
                put_html(b, strerror(-st->last_result));
        } else
                buf_puts(b, "ok");
        buf_puts(b, "</td><td>");
        if (st->ran)
                buf_printf(b, "%.6f s", st->last_duration);
        buf_printf(b, "</td><td>%llu</td><td>", st->parse_errors);
        put_html(b, st->help);
        buf_puts(b, "</td></tr>\n");
}

void landing_page_write(struct buf *b, struct scrape_engine *engine, const char *path) {
        buf_puts(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>vigie</title></head><body>\n"
                    "<h1>vigie</h1>\n<p>Host metrics for Prometheus, version " VIGIE_VERSION " (" VIGIE_REVISION
                    ").</p>\n<p><a href=\"");
        put_html(b, path);
        buf_puts(b, "\">Metrics</a></p>\n<h2>Collectors</h2>\n<table>\n<tr><th>collector</th><th>last "
                    "scrape</th><th>duration</th><th>lines skipped</th><th>reads</th></tr>\n");
        scrape_engine_for_each_status(engine, landing_row, b);
        buf_puts(b, "</table>\n</body></html>\n");
}
