/* Include/exclude filters on names (devices, mount points, file system
 * types), with node_exporter's semantics: a name passes when it matches the
 * include pattern (if any) and not the exclude pattern (if any). Patterns
 * are POSIX extended regexes; RE2's \d, \s and \w, which node_exporter's
 * users write, are understood too. */
#pragma once

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "config_section.h"
#include "diag.h"

/* The answers already given, by name: the same devices and mount points
 * come back at every scrape, and regexec costs more than the lookup. */
struct filter_memo {
        struct filter_memo_slot {
                uint64_t hash;
                uint32_t off, len; /* the name, in names */
                bool used, pass;
        } * slots;
        size_t cap, n;
        struct buf names;
};

/* The patterns are compiled for a name the memo lacks and freed after it:
 * glibc's regexec keeps a 2 kB transition table per state it visits,
 * 0.5 MB for node_exporter's netstat fields, which the memo makes useless
 * once it knows the names. */
struct filter {
        char *include_re, *exclude_re; /* POSIX forms; NULL: no such pattern */
        struct filter_memo memo;
};

/* Either pattern may be NULL or empty (no such pattern). On a bad pattern
 * returns -EINVAL and names which one in err (size bytes). */
int filter_init(struct filter *f, const char *include, const char *exclude, char *err, size_t size);
bool filter_pass(struct filter *f, const char *name);
void filter_free(struct filter *f);

/* A filter from a collector's section: include_key and exclude_key (either
 * may be NULL: no such option), with defaults for absent keys; an include
 * that is set drops the default exclude. A bad pattern is a diag naming
 * the key's line or flag. */
int filter_from_config(struct filter *f, const struct config_section *s, const char *include_key,
                       const char *default_include, const char *exclude_key, const char *default_exclude,
                       struct diag *diag);
