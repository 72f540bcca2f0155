/* The textfile collector's parser on its own, for text that is not a
 * file of its directory (an exec program's output): the same rules
 * (strict syntax, no client-side timestamps, no duplicate series, TYPE
 * before samples), one text at a time, accepted whole or not at all. */
#pragma once

#include <stddef.h>

#include "metric.h"

struct textfile_state;

/* A parser whose families without HELP say "Metric read from SOURCE". */
int textfile_parser_new(const char *source, struct textfile_state **ret);
void textfile_parser_free(struct textfile_state *s);
/* Parses text as one file alone and appends its families and samples to
 * set: 0, -EINVAL with err saying why (nothing appended), or -ENOMEM. The
 * descriptors are the parser's, valid until a sweep leaves them out. */
int textfile_parse_text(struct textfile_state *s, const char *text, size_t len, struct metric_set *set, char *err,
                        size_t err_size);
/* Frees the descriptors that no parse since the last sweep used (a set
 * that points at one must not be read again); how many. */
size_t textfile_parser_sweep(struct textfile_state *s);
