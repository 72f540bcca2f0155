/* Remote-Write encoding with protobuf-c and snappy. A push happens every
 * few seconds, not on every scrape: the message is built with plain
 * allocations and freed at once. */
#include "remote_write.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "parse.h"
#include "push_libs.h"
#include "remote_write.pb-c.h"
#include "sort.h"

/* A label value as Prometheus accepts it: valid UTF-8 (a bad byte becomes
 * U+FFFD, as on /metrics). Returns s itself when it is valid already. */
static char *utf8_clean(const char *s, struct buf *scratch) {
        const unsigned char *p = (const unsigned char *) s;
        bool valid = true;
        for (; *p && valid; p++)
                valid = *p < 0x80;
        if (valid)
                return (char *) s;
        buf_reset(scratch);
        for (p = (const unsigned char *) s; *p;) {
                size_t n = utf8_char_len((const char *) p);
                if (n == 0) {
                        buf_put(scratch, "\xEF\xBF\xBD", 3);
                        p++;
                } else {
                        buf_put(scratch, p, n);
                        p += n;
                }
        }
        return scratch->error < 0 ? NULL : strdup(scratch->data);
}

static int label_cmp(const void *a, const void *b, _unused_ void *ctx) {
        const Prometheus__Label *x = *(Prometheus__Label *const *) a, *y = *(Prometheus__Label *const *) b;
        return strcmp(x->name, y->name);
}

static Prometheus__MetricMetadata__MetricType meta_type(enum metric_type t) {
        switch (t) {
        case METRIC_COUNTER: return PROMETHEUS__METRIC_METADATA__METRIC_TYPE__COUNTER;
        case METRIC_GAUGE: return PROMETHEUS__METRIC_METADATA__METRIC_TYPE__GAUGE;
        case METRIC_HISTOGRAM: return PROMETHEUS__METRIC_METADATA__METRIC_TYPE__HISTOGRAM;
        case METRIC_SUMMARY: return PROMETHEUS__METRIC_METADATA__METRIC_TYPE__SUMMARY;
        default: return PROMETHEUS__METRIC_METADATA__METRIC_TYPE__UNKNOWN;
        }
}

/* Everything one message owns, freed together. */
struct message {
        Prometheus__WriteRequest req;
        Prometheus__TimeSeries *series, **series_ptrs;
        Prometheus__Sample *samples, **sample_ptrs;
        Prometheus__Label *labels, **label_ptrs;
        Prometheus__MetricMetadata *meta, **meta_ptrs;
        char **owned; /* strings made for the message */
        size_t n_owned;
};

static void message_free(struct message *m) {
        for (size_t i = 0; i < m->n_owned; i++)
                free(m->owned[i]);
        free(m->owned);
        free(m->series);
        free(m->series_ptrs);
        free(m->samples);
        free(m->sample_ptrs);
        free(m->labels);
        free(m->label_ptrs);
        free(m->meta);
        free(m->meta_ptrs);
}

static const char *own(struct message *m, char *s) {
        if (s)
                m->owned[m->n_owned++] = s;
        return s;
}

int remote_write_encode(const struct metric_set *set, const struct rw_labels *extra, int64_t timestamp_ms,
                        struct buf *out, size_t *ret_samples) {
        size_t n = set->n_samples;
        /* each sample's labels (with __name__ and the extra ones) and the
         * strings it may make (its name with a suffix, cleaned values),
         * counted rather than bounded by METRIC_MAX_LABELS for every sample */
        size_t n_labels = 0, n_owned = 0;
        for (size_t f = 0; f < set->n_families; f++) {
                size_t count = set->families[f].count, labels = set->families[f].desc->n_labels;
                n_labels += count * (1 + labels + extra->n);
                n_owned += count * (1 + labels);
        }
        struct message m = {0};
        struct buf scratch = {0};
        int r = -ENOMEM;
        m.series = calloc(n ? n : 1, sizeof(*m.series));
        m.series_ptrs = calloc(n ? n : 1, sizeof(*m.series_ptrs));
        m.samples = calloc(n ? n : 1, sizeof(*m.samples));
        m.sample_ptrs = calloc(n ? n : 1, sizeof(*m.sample_ptrs));
        m.labels = calloc(n_labels ? n_labels : 1, sizeof(*m.labels));
        m.label_ptrs = calloc(n_labels ? n_labels : 1, sizeof(*m.label_ptrs));
        m.meta = calloc(set->n_families ? set->n_families : 1, sizeof(*m.meta));
        m.meta_ptrs = calloc(set->n_families ? set->n_families : 1, sizeof(*m.meta_ptrs));
        m.owned = calloc(n_owned ? n_owned : 1, sizeof(*m.owned));
        /* a power of two at least twice the families: the probe ends */
        size_t meta_mask = 1;
        while (meta_mask < 2 * set->n_families)
                meta_mask <<= 1;
        const char **meta_seen = calloc(meta_mask, sizeof(*meta_seen));
        meta_mask--;
        if (!m.series || !m.series_ptrs || !m.samples || !m.sample_ptrs || !m.labels || !m.label_ptrs || !m.meta ||
            !m.meta_ptrs || !m.owned || !meta_seen)
                goto out;

        prometheus__write_request__init(&m.req);
        size_t s = 0, l = 0, md = 0;
        for (size_t f = 0; f < set->n_families; f++) {
                const struct metric_family *fam = &set->families[f];
                const struct metric_desc *d = fam->desc;
                if (fam->count == 0)
                        continue;
                /* one metadata entry per name, found through a hash of the
                 * names seen (40,000 textfile families must not cost n²) */
                size_t slot = (size_t) hash_fnv1a(HASH_FNV1A_INIT, d->name, strlen(d->name)) & meta_mask;
                while (meta_seen[slot] && strcmp(meta_seen[slot], d->name) != 0)
                        slot = (slot + 1) & meta_mask;
                if (!meta_seen[slot]) {
                        meta_seen[slot] = d->name;
                        prometheus__metric_metadata__init(&m.meta[md]);
                        m.meta[md].type = meta_type(d->type);
                        m.meta[md].metric_family_name = (char *) d->name;
                        m.meta[md].help = (char *) d->help;
                        m.meta_ptrs[md] = &m.meta[md];
                        md++;
                }
                for (uint32_t k = 0; k < fam->count; k++) {
                        const struct metric_sample *smp = &set->samples[fam->first + k];
                        Prometheus__TimeSeries *ts = &m.series[s];
                        prometheus__time_series__init(ts);
                        Prometheus__Label **lp = &m.label_ptrs[l];
                        size_t nl = 0;
                        Prometheus__Label *name = &m.labels[l + nl];
                        prometheus__label__init(name);
                        name->name = "__name__";
                        if (smp->suffix != METRIC_SUFFIX_NONE) {
                                buf_reset(&scratch);
                                buf_puts(&scratch, d->name);
                                buf_puts(&scratch, metric_suffix_name(smp->suffix));
                                if (!own(&m, scratch.error < 0 ? NULL : strdup(scratch.data)))
                                        goto out;
                                name->value = m.owned[m.n_owned - 1];
                        } else
                                name->value = (char *) d->name;
                        lp[nl++] = name;
                        const char *v = metric_sample_labels(set, smp);
                        for (unsigned i = 0; i < d->n_labels; i++, v += strlen(v) + 1) {
                                if (*v == '\0')
                                        continue; /* an empty value is no label */
                                char *clean = utf8_clean(v, &scratch);
                                if (!clean)
                                        goto out;
                                if (clean != v)
                                        own(&m, clean);
                                Prometheus__Label *lab = &m.labels[l + nl];
                                prometheus__label__init(lab);
                                lab->name = (char *) d->labels[i];
                                lab->value = clean;
                                lp[nl++] = lab;
                        }
                        for (size_t e = 0; e < extra->n; e++) {
                                bool has = false;
                                for (size_t i = 1; i < nl && !has; i++)
                                        has = strcmp(lp[i]->name, extra->names[e]) == 0;
                                if (has || extra->values[e][0] == '\0')
                                        continue;
                                Prometheus__Label *lab = &m.labels[l + nl];
                                prometheus__label__init(lab);
                                lab->name = (char *) extra->names[e];
                                lab->value = (char *) extra->values[e];
                                lp[nl++] = lab;
                        }
                        sort_r(lp, nl, sizeof(*lp), label_cmp, NULL);
                        ts->labels = lp;
                        ts->n_labels = nl;
                        prometheus__sample__init(&m.samples[s]);
                        m.samples[s].value = smp->value;
                        m.samples[s].timestamp = timestamp_ms;
                        m.sample_ptrs[s] = &m.samples[s];
                        ts->samples = &m.sample_ptrs[s];
                        ts->n_samples = 1;
                        m.series_ptrs[s] = ts;
                        l += nl;
                        s++;
                }
        }
        m.req.timeseries = m.series_ptrs;
        m.req.n_timeseries = s;
        m.req.metadata = m.meta_ptrs;
        m.req.n_metadata = md;

        char err[256];
        const struct push_libs *lib = push_libs_get(err, sizeof(err));
        if (!lib) {
                r = -ELIBACC;
                goto out;
        }
        size_t plain_len = prometheus__write_request__get_packed_size(&m.req);
        uint8_t *plain = malloc(plain_len ? plain_len : 1);
        if (!plain)
                goto out;
        (void) prometheus__write_request__pack(&m.req, plain);
        size_t max = lib->snappy_max_compressed_length(plain_len);
        buf_reset(out);
        if (buf_reserve(out, max) < 0) {
                free(plain);
                goto out;
        }
        size_t clen = max;
        if (lib->snappy_compress((const char *) plain, plain_len, out->data, &clen) != SNAPPY_OK) {
                free(plain);
                r = -EINVAL;
                goto out;
        }
        free(plain);
        out->len = clen;
        *ret_samples = s;
        r = 0;
out:
        free(meta_seen);
        buf_free(&scratch);
        message_free(&m);
        return r;
}

int remote_write_count(const void *data, size_t len, size_t *ret_samples) {
        const struct push_libs *lib = push_libs_get(NULL, 0);
        if (!lib)
                return -ELIBACC;
        size_t plain_len;
        if (lib->snappy_uncompressed_length(data, len, &plain_len) != SNAPPY_OK)
                return -EBADMSG;
        char *plain = malloc(plain_len ? plain_len : 1);
        if (!plain)
                return -ENOMEM;
        if (lib->snappy_uncompress(data, len, plain, &plain_len) != SNAPPY_OK) {
                free(plain);
                return -EBADMSG;
        }
        Prometheus__WriteRequest *req = prometheus__write_request__unpack(NULL, plain_len, (uint8_t *) plain);
        free(plain);
        if (!req)
                return -EBADMSG;
        size_t n = 0;
        for (size_t i = 0; i < req->n_timeseries; i++)
                n += req->timeseries[i]->n_samples;
        prometheus__write_request__free_unpacked(req, NULL);
        *ret_samples = n;
        return 0;
}
