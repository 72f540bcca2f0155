/* libFuzzer harness for every collector's parser: the input becomes the
 * file of a fixture case that the collector parses (tests/unit/
 * fixture_targets.c lists them), and the collector, started afresh, collects
 * it. Whatever it returns, it must not crash, and the set it makes must be
 * valid (no duplicate series, no name with two types).
 *
 * VIGIE_FUZZ_TARGET=COLLECTOR:FILE picks the target; VIGIE_FUZZ_LIST=1
 * prints them all, one a line, and exits (tests/fuzz/run.sh loops over
 * them). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fixture_targets.h"
#include "harness.h"
#include "registry.h"

static const struct fixture_target *target;
static const struct collector *collector;
static char root[] = "/tmp/vigie-fuzz.XXXXXX";
static char path[2048];
static struct fixture_env fenv;

static void remove_root(void) {
        char cmd[256];
        (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        (void) system(cmd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        (void) argc;
        (void) argv;
        if (getenv("VIGIE_FUZZ_LIST")) {
                for (size_t i = 0; i < n_fixture_targets; i++)
                        printf("%s:%s/%s\n", fixture_targets[i].collector, fixture_targets[i].case_dir,
                               fixture_targets[i].file);
                exit(0);
        }
        const char *want = getenv("VIGIE_FUZZ_TARGET");
        for (size_t i = 0; want && i < n_fixture_targets; i++) {
                char name[2048];
                (void) snprintf(name, sizeof(name), "%s:%s/%s", fixture_targets[i].collector,
                                fixture_targets[i].case_dir, fixture_targets[i].file);
                if (strcmp(name, want) == 0)
                        target = &fixture_targets[i];
        }
        if (!target) {
                fprintf(stderr, "VIGIE_FUZZ_TARGET must be one of the lines VIGIE_FUZZ_LIST=1 prints\n");
                exit(2);
        }
        int idx = registry_find(target->collector);
        if (idx < 0) {
                fprintf(stderr, "no collector %s\n", target->collector);
                exit(2);
        }
        collector = registry_collectors[idx];
        if (!mkdtemp(root)) {
                perror("mkdtemp");
                exit(2);
        }
        (void) atexit(remove_root);
        char cmd[4096];
        (void) snprintf(cmd, sizeof(cmd), "cp -a '%s/%s/.' '%s'", FIXTURES_DIR, target->case_dir, root);
        if (system(cmd) != 0)
                exit(2);
        (void) snprintf(path, sizeof(path), "%s/%s", root, target->file);
        fixture_env_at(root, &fenv);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* rewritten in place, as the kernel changes its files */
        int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0 || write(fd, data, size) != (ssize_t) size || close(fd) < 0)
                abort();

        struct fixture_section storage;
        const struct config_section *sec = fixture_target_section(target, root, &storage);
        void *state = NULL;
        if (collector->init(&fenv.env, sec, &(struct diag){0}, &state) < 0)
                abort(); /* the fixture tree is the same every time: init must not fail */

        struct metric_set set = {0};
        struct scrape_cache cache = {0};
        struct collect_ctx ctx = {.set = &set, .cache = &cache};
        int r = collector->collect(state, &ctx);
        struct buf err = {0};
        if (r > 0 || metric_set_validate(&set, &err) < 0) {
                fprintf(stderr, "%s returned %d: %s\n", collector->name, r, err.data ? err.data : "");
                abort();
        }
        buf_free(&err);
        scrape_cache_free(&cache);
        metric_set_free(&set);
        collector->free(state);
        return 0;
}
