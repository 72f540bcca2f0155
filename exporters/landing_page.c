/* The landing page: one static HTML page, inline CSS, no script and
 * nothing fetched from anywhere, readable on a phone and in a text
 * browser (every status is a word, colour only repeats it). It reads the
 * collectors' statuses as of the last finished collection, without
 * waiting for a running one, and the push targets' queues without
 * waiting for their disk, and the host's energy from what a scrape
 * engine observer copied out of the last collection. Every text from
 * outside is HTML-escaped. */
#include "landing_page.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "version.h"

/* The energy collector's host figures: one sample each, labelled source
 * and method, when a source gives the whole host. */
enum figure { FIGURE_POWER, FIGURE_JOULES, FIGURE_GRAMS, FIGURES_MAX };
static const char *const figure_family[] = {
        [FIGURE_POWER] = "vigie_energy_host_power_watts",
        [FIGURE_JOULES] = "vigie_energy_host_joules_total",
        [FIGURE_GRAMS] = "vigie_carbon_operational_grams_total",
};

struct energy_figure {
        bool has; /* in the last collection */
        double value;
        char source[32], method[16];
};

/* What a counter added since its first collection of the day. */
struct energy_today {
        double sum;
        double last; /* its value at the last collection that had it */
        bool has_last;
        char source[32]; /* last's: another source is another series */
};

/* What the page reads, copied whole under the lock. */
struct energy_seen {
        bool collected;      /* a collection has been observed */
        double collected_at; /* the last one's time */
        struct energy_figure figure[FIGURES_MAX];
        time_t day, day_end; /* local midnights that start the day the sums count and the next; 0: none yet */
        double since;        /* when the sums start: the day's first collection with the counters */
        bool whole_day;      /* the counters were seen the day before: the sums are the day's */
        struct energy_today today[FIGURES_MAX]; /* of the counters, FIGURE_JOULES and FIGURE_GRAMS */
};

struct landing_energy {
        pthread_mutex_t lock; /* taken inside the engine's, never around it */
        double (*now)(void);
        struct energy_seen seen;
};

static double realtime_now(void) {
        return (double) clock_ns(CLOCK_REALTIME) / 1e9;
}

int landing_energy_new(double (*now)(void), struct landing_energy **ret) {
        struct landing_energy *le = calloc(1, sizeof(*le));
        if (!le)
                return -ENOMEM;
        (void) pthread_mutex_init(&le->lock, NULL);
        le->now = now ? now : realtime_now;
        *ret = le;
        return 0;
}

void landing_energy_free(struct landing_energy *le) {
        if (!le)
                return;
        (void) pthread_mutex_destroy(&le->lock);
        free(le);
}

/* The local midnights before and after t (23 or 25 hours apart on the
 * days the clocks change). Dear (mktime reads the time zone file again),
 * so the observer asks once a day. */
static void local_day(double t, time_t *ret_start, time_t *ret_end) {
        time_t tt = (time_t) t;
        struct tm tm;
        if (!localtime_r(&tt, &tm)) {
                *ret_start = *ret_end = 0;
                return;
        }
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_isdst = -1; /* whichever applies at midnight */
        struct tm next = tm;
        *ret_start = mktime(&tm);
        next.tm_mday++; /* mktime carries it into the next month */
        *ret_end = mktime(&next);
}

static bool copy_label(char *dst, size_t size, const char *src) {
        size_t n = strlen(src);
        if (n >= size)
                return false;
        memcpy(dst, src, n + 1);
        return true;
}

/* A host family's one sample: its value, source and method; anything
 * else leaves ret without the figure. */
static void figure_read(const struct metric_set *set, const struct metric_family *f, struct energy_figure *ret) {
        if (f->count != 1 || f->desc->n_labels != 2 || strcmp(f->desc->labels[0], "source") != 0 ||
            strcmp(f->desc->labels[1], "method") != 0)
                return;
        const struct metric_sample *s = &set->samples[f->first];
        const char *source = metric_sample_labels(set, s);
        const char *method = source + strlen(source) + 1;
        if (!isfinite(s->value) || s->value < 0 || !copy_label(ret->source, sizeof(ret->source), source) ||
            !copy_label(ret->method, sizeof(ret->method), method))
                return;
        ret->value = s->value;
        ret->has = true;
}

/* Adds what the counter f counted since the last collection, unless the
 * day starts (its value then is where the day's sum starts from) or its
 * source changed (another series, which stood elsewhere). A counter below
 * its last value was restarted from 0 (a reload): what it counted since
 * is added, and never a negative figure. */
static void today_add(struct energy_today *t, const struct energy_figure *f, bool new_day) {
        if (!f->has)
                return;
        if (t->has_last && !new_day && strcmp(t->source, f->source) == 0)
                t->sum += f->value >= t->last ? f->value - t->last : f->value;
        t->last = f->value;
        t->has_last = true;
        memcpy(t->source, f->source, sizeof(t->source));
}

void landing_energy_observe(const struct metric_set *set, void *userdata) {
        struct landing_energy *le = userdata;
        struct energy_figure figure[FIGURES_MAX] = {0};
        /* every collection: a few instructions a family that is not vigie_'s */
        for (size_t i = 0; i < set->n_families; i++) {
                const char *name = set->families[i].desc->name;
                for (size_t k = 0; k < FIGURES_MAX && name[0] == 'v'; k++)
                        if (strcmp(name, figure_family[k]) == 0)
                                figure_read(set, &set->families[i], &figure[k]);
        }
        double now = le->now();

        (void) pthread_mutex_lock(&le->lock);
        struct energy_seen *v = &le->seen;
        v->collected = true;
        v->collected_at = now;
        memcpy(v->figure, figure, sizeof(figure));
        bool new_day = (figure[FIGURE_JOULES].has || figure[FIGURE_GRAMS].has) &&
                       ((double) v->day > now || now >= (double) v->day_end);
        if (new_day) {
                time_t start, end;
                local_day(now, &start, &end);
                /* seen on the day before: the sums start at midnight, give or take a collection */
                v->whole_day =
                        (v->today[FIGURE_JOULES].has_last || v->today[FIGURE_GRAMS].has_last) && v->day_end == start;
                v->day = start;
                v->day_end = end;
                v->since = now;
                v->today[FIGURE_JOULES].sum = v->today[FIGURE_GRAMS].sum = 0;
        }
        today_add(&v->today[FIGURE_JOULES], &figure[FIGURE_JOULES], new_day);
        today_add(&v->today[FIGURE_GRAMS], &figure[FIGURE_GRAMS], new_day);
        (void) pthread_mutex_unlock(&le->lock);
}

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

/* Local time: the date ("2026-12-01"), or the hour ("14:05"). */
static void put_local(struct buf *b, double seconds, bool date) {
        time_t t = (time_t) seconds;
        struct tm tm;
        char text[64];
        if (localtime_r(&t, &tm) &&
            (date ? strftime(text, sizeof(text), "%Y-%m-%d", &tm) : strftime(text, sizeof(text), "%H:%M", &tm)) > 0)
                buf_puts(b, text);
}

/* Three significant digits, never an exponent: "1.02", "0.0241", "123". */
static void put_figure(struct buf *b, double v) {
        int decimals = 0;
        for (double x = v; x > 0 && x < 100 && decimals < 9; x *= 10)
                decimals++;
        buf_printf(b, "%.*f", decimals, v);
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
        bool energy;       /* the energy collector is enabled */
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
        seen->energy |= strcmp(st->name, "energy") == 0;
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

/* "today", "since 14:05" (the agent started today, or the counters
 * appeared then), or "on 2026-12-01" (no collection since midnight). */
static void put_day(struct buf *b, const struct energy_seen *v, double now) {
        if ((double) v->day > now || now >= (double) v->day_end) {
                buf_puts(b, "on ");
                put_local(b, (double) v->day, true);
        } else if (v->whole_day)
                buf_puts(b, "today");
        else {
                buf_puts(b, "since ");
                put_local(b, v->since, false);
        }
}

/* A figure's row: power as the last collection gave it, the counters as
 * what they added up to over the day. */
static void energy_row(struct buf *b, const struct energy_seen *v, enum figure k, double now) {
        static const struct {
                const char *what, *unit;
                double per_unit;
        } shown[] = {
                [FIGURE_POWER] = {"power now", "W", 1},
                [FIGURE_JOULES] = {"energy", "kWh", 3.6e6},
                [FIGURE_GRAMS] = {"CO2e", "g", 1},
        };
        const struct energy_figure *f = &v->figure[k];
        buf_printf(b, "<tr><td>%s", shown[k].what);
        if (k != FIGURE_POWER && v->day != 0) {
                buf_putc(b, ' ');
                put_day(b, v, now);
        }
        buf_puts(b, "</td><td class=\"n\">");
        if (!f->has) {
                buf_puts(b, k == FIGURE_POWER ? "not known yet</td><td>two collections a second apart give it"
                                              : "not in the last collection</td><td>");
                buf_puts(b, "</td></tr>\n");
                return;
        }
        put_figure(b, (k == FIGURE_POWER ? f->value : v->today[k].sum) / shown[k].per_unit);
        buf_printf(b, " %s</td><td>", shown[k].unit);
        put_html(b, f->source);
        buf_puts(b, ", ");
        put_html(b, f->method);
        buf_puts(b, "</td></tr>\n");
}

/* The host's power, energy and CO2e as of the last collection, or a line
 * saying why there are none. */
static void put_energy(struct buf *b, const struct landing_page *page, const struct collectors_seen *c) {
        struct energy_seen v = {0};
        if (page->energy) {
                (void) pthread_mutex_lock(&page->energy->lock);
                v = page->energy->seen;
                (void) pthread_mutex_unlock(&page->energy->lock);
        }
        buf_puts(b, "<h2>Energy</h2>\n");
        bool any = false;
        for (size_t k = 0; k < FIGURES_MAX; k++)
                any |= v.figure[k].has;
        if (!v.collected) {
                buf_puts(b, "<p>No energy figures yet: no collection has run since the start (a scrape of the "
                            "metrics, or a push, makes one).</p>\n");
                return;
        }
        if (!any) {
                buf_puts(b, c->energy ? "<p>No energy figures in the last collection: the energy collector found no "
                                        "source for the whole host, or failed (see its row under Collectors).</p>\n"
                                      : "<p>No energy figures: the energy collector is off "
                                        "(<code>--collector.energy</code> turns it on).</p>\n");
                return;
        }
        buf_puts(b, "<div class=\"scroll\"><table>\n<tr><th>figure</th><th>value</th><th>source</th></tr>\n");
        for (enum figure k = 0; k < FIGURES_MAX; k++)
                energy_row(b, &v, k, page->now);
        buf_puts(b, "</table></div>\n<p>As of the last collection, ");
        put_age(b, page->now - v.collected_at);
        buf_puts(b, " ago (");
        put_utc(b, v.collected_at);
        buf_puts(b, ").</p>\n");
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
        put_energy(b, page, &c);

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
