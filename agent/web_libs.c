/* dlopen of libyaml and libcrypt, with the headers of their -dev
 * packages: the same pattern as libsystemd.c. */
#include "web_libs.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct web_libs libs;
static const struct web_libs *loaded;
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The first of names that loads (libcrypt is .so.1 on Debian, .so.2 on
 * RHEL 9), or NULL with load_error set. */
static void *open_lib(const char *const *names, const char *package) {
        for (const char *const *n = names; *n; n++) {
                void *h = dlopen(*n, RTLD_NOW | RTLD_LOCAL);
                if (h)
                        return h;
        }
        (void) snprintf(load_error, sizeof(load_error), "%s (package %s): %s", names[0], package, dlerror());
        return NULL;
}

static void load(void) {
        static const char *const yaml_so[] = {"libyaml-0.so.2", NULL};
        static const char *const crypt_so[] = {"libcrypt.so.1", "libcrypt.so.2", NULL};
        void *y = open_lib(yaml_so, "libyaml-0-2");
        void *c = y ? open_lib(crypt_so, "libcrypt1") : NULL;
        if (!y || !c)
                return;
#define LOAD(h, field, name)                                                                                           \
        do {                                                                                                           \
                *(void **) (&libs.field) = dlsym(h, name);                                                             \
                if (!libs.field && load_error[0] == '\0')                                                              \
                        (void) snprintf(load_error, sizeof(load_error), "%s: %s", name, dlerror());                    \
        } while (0)
        LOAD(y, parser_initialize, "yaml_parser_initialize");
        LOAD(y, parser_set_input_string, "yaml_parser_set_input_string");
        LOAD(y, parser_load, "yaml_parser_load");
        LOAD(y, parser_delete, "yaml_parser_delete");
        LOAD(y, document_get_root_node, "yaml_document_get_root_node");
        LOAD(y, document_get_node, "yaml_document_get_node");
        LOAD(y, document_delete, "yaml_document_delete");
        LOAD(c, crypt_rn, "crypt_rn");
#undef LOAD
        if (load_error[0] == '\0')
                loaded = &libs;
}

const struct web_libs *web_libs_get(char *err, size_t size) {
        (void) pthread_once(&once, load);
        if (!loaded && err)
                (void) snprintf(err, size, "%s", load_error);
        return loaded;
}
