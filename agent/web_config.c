/* node_exporter's web configuration (web_config.h), through libyaml's
 * document API, which keeps each node's line. The rules are
 * exporter-toolkit 0.8's (node_exporter 1.5): a file it refuses is
 * refused here, and one it takes means the same here, or is refused with
 * what vigie does not do (TLS below 1.2, a chosen cipher suite list). */
#include "web_config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "array.h"
#include "buf.h"
#include "fileio.h"
#include "macro.h"
#include "parse.h"
#include "settings.h"
#include "web_libs.h"

#define WEB_CONFIG_FILE_MAX (1u << 20)

struct reader {
        const struct web_libs *lib;
        yaml_document_t *doc;
        const char *path;
        struct diag *diag;
        struct web_config *cfg;
        size_t cap_users, cap_headers;
};

static unsigned line_of(const yaml_node_t *n) {
        return (unsigned) n->start_mark.line + 1;
}

/* "", ~ and null, unquoted, are YAML's null: the key is as if absent. */
static bool is_null(const yaml_node_t *n) {
        if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
                return false;
        const char *v = (const char *) n->data.scalar.value;
        return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
               strcmp(v, "NULL") == 0;
}

static const char *scalar(const yaml_node_t *n) {
        return (const char *) n->data.scalar.value;
}

typedef int (*pair_fn)(struct reader *r, const char *key, const yaml_node_t *value, unsigned line);

/* Calls fn for each key of map (a mapping, or null: nothing), after
 * checking the key is a string given once. where names the mapping in
 * messages. */
static int for_each_pair(struct reader *r, const yaml_node_t *map, const char *where, pair_fn fn) {
        if (is_null(map))
                return 0;
        if (map->type != YAML_MAPPING_NODE)
                return diag_at(r->diag, r->path, line_of(map), "%s: not a mapping of keys to values", where);
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
                const yaml_node_t *k = r->lib->document_get_node(r->doc, p->key);
                const yaml_node_t *v = r->lib->document_get_node(r->doc, p->value);
                if (!k || !v)
                        return -EINVAL;
                if (k->type != YAML_SCALAR_NODE)
                        return diag_at(r->diag, r->path, line_of(k), "%s: a key that is not a string", where);
                for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
                        const yaml_node_t *earlier = r->lib->document_get_node(r->doc, q->key);
                        if (earlier && earlier->type == YAML_SCALAR_NODE && strcmp(scalar(earlier), scalar(k)) == 0)
                                return diag_at(r->diag, r->path, line_of(k), "%s%s%s: given twice (first on line %u)",
                                               where, where[0] ? "." : "", scalar(k), line_of(earlier));
                }
                int ret = fn(r, scalar(k), v, line_of(k));
                if (ret < 0)
                        return ret;
        }
        return 0;
}

static int unknown_key(struct reader *r, unsigned line, const char *where, const char *key, const char *const *keys,
                       size_t n) {
        char list[400];
        size_t len = 0;
        list[0] = '\0';
        for (size_t i = 0; i < n && len < sizeof(list); i++)
                len += (size_t) snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", keys[i]);
        const char *close = settings_closest(key, keys, n);
        if (close)
                return diag_at(r->diag, r->path, line, "%s%s%s: unknown key; did you mean %s? (%s has %s)", where,
                               where[0] ? "." : "", key, close, where[0] ? where : "the web config", list);
        return diag_at(r->diag, r->path, line, "%s%s%s: unknown key (%s has %s)", where, where[0] ? "." : "", key,
                       where[0] ? where : "the web config", list);
}

/* A string value into *dst (null leaves it NULL). */
static int take_string(struct reader *r, const char *where, const char *key, const yaml_node_t *v, char **dst) {
        if (is_null(v))
                return 0;
        if (v->type != YAML_SCALAR_NODE)
                return diag_at(r->diag, r->path, line_of(v), "%s.%s: not a string", where, key);
        char *s = strdup(scalar(v));
        if (!s)
                return -ENOMEM;
        free(*dst);
        *dst = s;
        return 0;
}

static int take_bool(struct reader *r, const char *where, const char *key, const yaml_node_t *v, bool *dst) {
        if (is_null(v))
                return 0;
        if (v->type != YAML_SCALAR_NODE || parse_bool(scalar(v), dst) < 0)
                return diag_at(r->diag, r->path, line_of(v), "%s.%s: not true or false", where, key);
        return 0;
}

/* A path, made absolute against the file's directory as node_exporter does. */
static int take_path(struct reader *r, const char *key, const yaml_node_t *v, char **dst, unsigned *dst_line) {
        char *s = NULL;
        int ret = take_string(r, "tls_server_config", key, v, &s);
        if (ret < 0 || !s)
                return ret;
        if (s[0] == '\0') {
                free(s);
                return 0;
        }
        if (s[0] != '/') {
                const char *slash = strrchr(r->path, '/');
                char *abs = NULL;
                int n = slash ? asprintf(&abs, "%.*s/%s", (int) (slash - r->path), r->path, s)
                              : asprintf(&abs, "%s", s);
                free(s);
                if (n < 0)
                        return -ENOMEM;
                s = abs;
        }
        free(*dst);
        *dst = s;
        *dst_line = line_of(v);
        return 0;
}

static int take_version(struct reader *r, const char *key, const yaml_node_t *v, unsigned *dst) {
        static const struct {
                const char *name;
                unsigned version;
        } versions[] = {{"TLS10", 0x0301}, {"TLS11", 0x0302}, {"TLS12", WEB_TLS12}, {"TLS13", WEB_TLS13}};
        if (is_null(v))
                return 0;
        for (size_t i = 0; v->type == YAML_SCALAR_NODE && i < ELEMENTSOF(versions); i++)
                if (strcmp(scalar(v), versions[i].name) == 0) {
                        if (versions[i].version < WEB_TLS12)
                                return diag_at(r->diag, r->path, line_of(v),
                                               "tls_server_config.%s: %s: vigie serves TLS 1.2 and 1.3 only", key,
                                               versions[i].name);
                        *dst = versions[i].version;
                        return 0;
                }
        return diag_at(r->diag, r->path, line_of(v), "tls_server_config.%s: '%s' is not one of TLS12, TLS13", key,
                       v->type == YAML_SCALAR_NODE ? scalar(v) : "(not a string)");
}

static int take_client_auth(struct reader *r, const yaml_node_t *v) {
        static const struct {
                const char *name;
                enum web_client_auth auth;
        } types[] = {
                {"NoClientCert", WEB_CLIENT_AUTH_NONE},
                {"RequestClientCert", WEB_CLIENT_AUTH_REQUEST},
                {"RequireAnyClientCert", WEB_CLIENT_AUTH_REQUIRE_ANY},
                {"RequireClientCert", WEB_CLIENT_AUTH_REQUIRE_ANY}, /* exporter-toolkit's older name */
                {"VerifyClientCertIfGiven", WEB_CLIENT_AUTH_VERIFY_IF_GIVEN},
                {"RequireAndVerifyClientCert", WEB_CLIENT_AUTH_REQUIRE_VERIFY},
        };
        /* "" is NoClientCert, quoted or not, as in exporter-toolkit */
        if (is_null(v) || (v->type == YAML_SCALAR_NODE && scalar(v)[0] == '\0'))
                return 0;
        for (size_t i = 0; v->type == YAML_SCALAR_NODE && i < ELEMENTSOF(types); i++)
                if (strcmp(scalar(v), types[i].name) == 0) {
                        r->cfg->client_auth = types[i].auth;
                        return 0;
                }
        return diag_at(r->diag, r->path, line_of(v),
                       "tls_server_config.client_auth_type: '%s' is not one of NoClientCert, RequestClientCert, "
                       "RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert",
                       v->type == YAML_SCALAR_NODE ? scalar(v) : "(not a string)");
}

/* A list that vigie cannot honour is refused; an empty one is nothing. */
static int refuse_list(struct reader *r, const char *key, const yaml_node_t *v, const char *why) {
        if (is_null(v) || (v->type == YAML_SEQUENCE_NODE && v->data.sequence.items.start == v->data.sequence.items.top))
                return 0;
        return diag_at(r->diag, r->path, line_of(v), "tls_server_config.%s: not supported: %s", key, why);
}

static int tls_pair(struct reader *r, const char *key, const yaml_node_t *v, unsigned line) {
        static const char *const keys[] = {"cert_file",      "key_file",          "client_auth_type",
                                           "client_ca_file", "min_version",       "max_version",
                                           "cipher_suites",  "curve_preferences", "prefer_server_cipher_suites"};
        struct web_config *c = r->cfg;
        if (strcmp(key, "cert_file") == 0)
                return take_path(r, key, v, &c->cert_file, &c->cert_line);
        if (strcmp(key, "key_file") == 0)
                return take_path(r, key, v, &c->key_file, &c->key_line);
        if (strcmp(key, "client_ca_file") == 0)
                return take_path(r, key, v, &c->client_ca_file, &c->client_ca_line);
        if (strcmp(key, "client_auth_type") == 0)
                return take_client_auth(r, v);
        if (strcmp(key, "min_version") == 0)
                return take_version(r, key, v, &c->min_version);
        if (strcmp(key, "max_version") == 0)
                return take_version(r, key, v, &c->max_version);
        if (strcmp(key, "cipher_suites") == 0)
                return refuse_list(r, key, v, "vigie offers GnuTLS's TLS 1.2 and 1.3 suites with forward secrecy");
        if (strcmp(key, "curve_preferences") == 0)
                return refuse_list(r, key, v, "vigie offers GnuTLS's default groups");
        if (strcmp(key, "prefer_server_cipher_suites") == 0)
                return take_bool(r, "tls_server_config", key, v, &c->prefer_server_cipher_suites);
        return unknown_key(r, line, "tls_server_config", key, keys, ELEMENTSOF(keys));
}

/* exporter-toolkit's list of the headers a file may set, and their values */
static int header_pair(struct reader *r, const char *key, const yaml_node_t *v, _unused_ unsigned line) {
        static const char *const names[] = {"Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options",
                                            "X-XSS-Protection", "Content-Security-Policy"};
        size_t i = 0;
        while (i < ELEMENTSOF(names) && strcmp(key, names[i]) != 0)
                i++;
        if (i == ELEMENTSOF(names))
                return diag_at(r->diag, r->path, line_of(v),
                               "http_server_config.headers.%s: a header the web config cannot set (it sets %s, %s, "
                               "%s, %s, %s)",
                               key, names[0], names[1], names[2], names[3], names[4]);
        if (v->type != YAML_SCALAR_NODE || is_null(v) || strpbrk(scalar(v), "\r\n"))
                return diag_at(r->diag, r->path, line_of(v), "http_server_config.headers.%s: not a one-line string",
                               key);
        const char *value = scalar(v);
        if (strcmp(key, "X-Content-Type-Options") == 0 && strcasecmp(value, "nosniff") != 0)
                return diag_at(r->diag, r->path, line_of(v), "http_server_config.headers.%s: '%s' is not nosniff", key,
                               value);
        if (strcmp(key, "X-Frame-Options") == 0 && strcasecmp(value, "deny") != 0 &&
            strcasecmp(value, "sameorigin") != 0)
                return diag_at(r->diag, r->path, line_of(v),
                               "http_server_config.headers.%s: '%s' is not deny or sameorigin", key, value);
        struct web_config *c = r->cfg;
        if (array_reserve((void **) &c->headers, &r->cap_headers, c->n_headers + 1, sizeof(*c->headers)) < 0)
                return -ENOMEM;
        struct web_header *h = &c->headers[c->n_headers];
        h->name = strdup(key);
        h->value = strdup(value);
        c->n_headers++;
        return h->name && h->value ? 0 : -ENOMEM;
}

static int http_pair(struct reader *r, const char *key, const yaml_node_t *v, unsigned line) {
        static const char *const keys[] = {"http2", "headers"};
        if (strcmp(key, "http2") == 0)
                return take_bool(r, "http_server_config", key, v, &r->cfg->http2);
        if (strcmp(key, "headers") == 0)
                return for_each_pair(r, v, "http_server_config.headers", header_pair);
        return unknown_key(r, line, "http_server_config", key, keys, ELEMENTSOF(keys));
}

/* $2a$, $2b$ or $2y$, a cost from 04 to 31, then 53 characters. */
static bool bcrypt_hash_valid(const char *h) {
        if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' || !strchr("aby", h[2]) || h[3] != '$' || h[6] != '$')
                return false;
        unsigned cost;
        char digits[3] = {h[4], h[5], '\0'};
        if (parse_uint_range(digits, 4, 31, &cost) < 0)
                return false;
        return strspn(h + 7, "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") == 53;
}

static int user_pair(struct reader *r, const char *key, const yaml_node_t *v, unsigned line) {
        /* the hash is never repeated in a message: it is a secret too */
        if (key[0] == '\0' || strchr(key, ':'))
                return diag_at(r->diag, r->path, line,
                               "basic_auth_users: '%s' cannot be a user name (empty, or with a ':')", key);
        if (v->type != YAML_SCALAR_NODE || !bcrypt_hash_valid(scalar(v)))
                return diag_at(r->diag, r->path, line_of(v),
                               "basic_auth_users.%s: not a bcrypt hash ($2y$, a cost from 04 to 31, 60 characters; "
                               "htpasswd -nBC 10 \"\" | tr -d ':\\n' makes one)",
                               key);
        struct web_config *c = r->cfg;
        if (array_reserve((void **) &c->users, &r->cap_users, c->n_users + 1, sizeof(*c->users)) < 0)
                return -ENOMEM;
        struct web_user *u = &c->users[c->n_users];
        u->name = strdup(key);
        u->hash = strdup(scalar(v));
        c->n_users++;
        return u->name && u->hash ? 0 : -ENOMEM;
}

static int top_pair(struct reader *r, const char *key, const yaml_node_t *v, unsigned line) {
        static const char *const keys[] = {"tls_server_config", "http_server_config", "basic_auth_users"};
        if (strcmp(key, "tls_server_config") == 0)
                return for_each_pair(r, v, key, tls_pair);
        if (strcmp(key, "http_server_config") == 0)
                return for_each_pair(r, v, key, http_pair);
        if (strcmp(key, "basic_auth_users") == 0)
                return for_each_pair(r, v, key, user_pair);
        return unknown_key(r, line, "", key, keys, ELEMENTSOF(keys));
}

/* What exporter-toolkit checks once the whole file is read. */
static int check_tls(struct reader *r, unsigned line) {
        struct web_config *c = r->cfg;
        bool any = c->cert_file || c->key_file || c->client_ca_file || c->client_auth != WEB_CLIENT_AUTH_NONE;
        if (!any)
                return 0;
        if (!c->cert_file)
                return diag_at(r->diag, r->path, line, "tls_server_config: missing cert_file");
        if (!c->key_file)
                return diag_at(r->diag, r->path, line, "tls_server_config: missing key_file");
        if (c->client_ca_file && c->client_auth == WEB_CLIENT_AUTH_NONE)
                return diag_at(r->diag, r->path, c->client_ca_line,
                               "tls_server_config.client_ca_file: set without a client_auth_type that asks for a "
                               "client certificate");
        if (!c->client_ca_file &&
            (c->client_auth == WEB_CLIENT_AUTH_VERIFY_IF_GIVEN || c->client_auth == WEB_CLIENT_AUTH_REQUIRE_VERIFY))
                return diag_at(r->diag, r->path, line,
                               "tls_server_config: client_auth_type verifies client certificates: client_ca_file "
                               "names their CA");
        if (c->max_version && c->max_version < c->min_version)
                return diag_at(r->diag, r->path, line, "tls_server_config: max_version is below min_version");
        return 0;
}

void web_config_free(struct web_config *c) {
        free(c->path);
        free(c->cert_file);
        free(c->key_file);
        free(c->client_ca_file);
        for (size_t i = 0; i < c->n_users; i++) {
                free(c->users[i].name);
                if (c->users[i].hash)
                        explicit_bzero(c->users[i].hash, strlen(c->users[i].hash));
                free(c->users[i].hash);
        }
        free(c->users);
        for (size_t i = 0; i < c->n_headers; i++) {
                free(c->headers[i].name);
                free(c->headers[i].value);
        }
        free(c->headers);
        *c = (struct web_config){0};
}

int web_config_parse(const char *path, const char *text, size_t len, struct web_config *ret, struct diag *diag) {
        struct web_config cfg = {.min_version = WEB_TLS12, .prefer_server_cipher_suites = true, .http2 = true};
        if (memchr(text, '\0', len))
                return diag_at(diag, path, 1, "a NUL byte: not a YAML file");
        char err[256];
        const struct web_libs *lib = web_libs_get(err, sizeof(err));
        if (!lib)
                return diag_set(diag, "cannot read '%s': %s", path, err);
        yaml_parser_t parser;
        yaml_document_t doc;
        if (!lib->parser_initialize(&parser))
                return -ENOMEM;
        lib->parser_set_input_string(&parser, (const unsigned char *) text, len);
        if (!lib->parser_load(&parser, &doc)) {
                int r = parser.error == YAML_MEMORY_ERROR
                                ? -ENOMEM
                                : diag_at(diag, path, (unsigned) parser.problem_mark.line + 1, "not YAML: %s",
                                          parser.problem ? parser.problem : "a syntax error");
                lib->parser_delete(&parser);
                return r;
        }
        struct reader rd = {.lib = lib, .doc = &doc, .path = path, .diag = diag, .cfg = &cfg};
        int r = 0;
        const yaml_node_t *root = lib->document_get_root_node(&doc);
        if (root && !is_null(root) && root->type != YAML_MAPPING_NODE)
                r = diag_at(diag, path, line_of(root),
                            "not a mapping of tls_server_config, http_server_config and basic_auth_users");
        else if (root)
                r = for_each_pair(&rd, root, "", top_pair);
        if (r >= 0 && root && root->type == YAML_MAPPING_NODE) {
                /* the cross-checks point at tls_server_config's line */
                unsigned tls_line = 1;
                for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
                        const yaml_node_t *k = lib->document_get_node(&doc, p->key);
                        if (k && k->type == YAML_SCALAR_NODE && strcmp(scalar(k), "tls_server_config") == 0)
                                tls_line = line_of(k);
                }
                r = check_tls(&rd, tls_line);
        }
        lib->document_delete(&doc);
        lib->parser_delete(&parser);
        if (r >= 0 && !(cfg.path = strdup(path)))
                r = -ENOMEM;
        if (r < 0) {
                web_config_free(&cfg);
                return r;
        }
        *ret = cfg;
        return 0;
}

int web_config_load(const char *path, struct web_config *ret, struct diag *diag) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return diag_set(diag, "cannot open '%s': %s", path, strerror(errno));
        _cleanup_(buf_free) struct buf text = {0};
        int r = read_fd(fd, WEB_CONFIG_FILE_MAX, &text);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return diag_set(diag, "cannot read '%s': %s", path, strerror(-r));
        return web_config_parse(path, text.data ? text.data : "", text.len, ret, diag);
}
