/* Runs a collector against a fixture tree and hands back what it wrote,
 * encoded as /metrics would, so that tests compare whole expositions. */
#pragma once

#include <stdint.h>

#include "collector.h"
#include "config.h"
#include "options.h"

struct fixture_run {
        int result; /* what collect returned */
        unsigned parse_errors;
        char *text;       /* the exposition of the collector's families */
        char *validation; /* NULL, or why metric_set_validate refused the set */
};

struct scrape_engine;
/* One scrape of the engine, encoded as /metrics serves it (to free);
 * fails the test if the scrape fails or takes over max_ms. */
char *scrape_text_within(struct scrape_engine *e, uint64_t max_ms);

/* case_dir is relative to tests/fixtures, e.g. "cpu/regular". */
void fixture_collect(const struct collector *c, const char *case_dir, const struct config_section *section,
                     struct fixture_run *ret);
/* One collect of a collector already started (for tests that change its
 * files between scrapes). */
void fixture_collect_state(const struct collector *c, void *state, struct fixture_run *ret);
/* The same as the scrape of an engine, whose cache lives from scrape to
 * scrape (what it remembers of a missing file included): cache is the
 * caller's, moved to the next scrape here. */
struct scrape_cache;
void fixture_collect_cached(const struct collector *c, void *state, struct scrape_cache *cache,
                            struct fixture_run *ret);
void fixture_run_free(struct fixture_run *run);
/* The whole content of tests/fixtures/rel; fails the test if unreadable. */
char *fixture_read(const char *rel);
/* The absolute path of tests/fixtures/rel (static buffer). */
const char *fixture_path(const char *rel);

/* Checks what a collector must never produce: invalid names, one name with
 * two types or helps, and duplicate series (label sets may differ within a
 * family; an empty label value is the same as no label, as in Prometheus).
 * Returns 0, or -EINVAL with a description in err. Allocates. */
int metric_set_validate(const struct metric_set *set, struct buf *err);

/* Configuration files and flags, as the tests of config and options give
 * them (config_input.c). */

/* A new temporary file holding len bytes of content; its path, to unlink
 * and free. */
char *temp_file(const char *content, size_t len);
/* Loads len bytes of content over the defaults; on failure, msg holds the
 * diag message with the temporary path replaced by "F". */
int load_config_n(const char *content, size_t len, struct config *cfg, char *msg, size_t size);
int load_config(const char *content, struct config *cfg, char *msg, size_t size);
/* Loads content and hands its [probe.NAME] and [exec.NAME] sections to
 * collector's init, as the engine does, without a scheduler; on failure,
 * msg holds the message with the file's name made F. */
int init_with_sections(const char *collector, const char *content, char *msg, size_t size);
/* options_parse of "vigie" followed by args (NULL-terminated). */
int parse_flags(const char *const *args, struct options *o, struct diag *diag);
/* Parses args and applies them over the defaults; fails the test if
 * either is refused. */
void parse_apply_flags(const char *const *args, struct options *o, struct config *cfg);
