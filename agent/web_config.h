/* node_exporter's web configuration file (--web.config.file), read as
 * node_exporter 1.5 (exporter-toolkit) reads it: tls_server_config,
 * http_server_config and basic_auth_users. A key it does not know or a
 * value it would refuse is refused with the file, line and key; nothing
 * is taken half. Paths are relative to the file's directory. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* What node_exporter's client_auth_type names (Go's tls.ClientAuthType). */
enum web_client_auth {
        WEB_CLIENT_AUTH_NONE,            /* NoClientCert */
        WEB_CLIENT_AUTH_REQUEST,         /* RequestClientCert */
        WEB_CLIENT_AUTH_REQUIRE_ANY,     /* RequireAnyClientCert */
        WEB_CLIENT_AUTH_VERIFY_IF_GIVEN, /* VerifyClientCertIfGiven */
        WEB_CLIENT_AUTH_REQUIRE_VERIFY,  /* RequireAndVerifyClientCert */
};

/* TLS versions as on the wire: 0x0303 is TLS 1.2. */
#define WEB_TLS12 0x0303u
#define WEB_TLS13 0x0304u

struct web_user {
        char *name;
        char *hash; /* bcrypt; never logged nor shown */
};

struct web_header {
        char *name, *value;
};

struct web_config {
        char *path;
        /* TLS when cert_file is set (key_file is then too) */
        char *cert_file, *key_file, *client_ca_file;
        unsigned cert_line, key_line, client_ca_line; /* where each was set, for errors */
        enum web_client_auth client_auth;
        unsigned min_version, max_version; /* max 0: the newest */
        bool prefer_server_cipher_suites;
        bool http2; /* read, and without effect: vigie serves HTTP/1.1 */
        struct web_user *users;
        size_t n_users;
        struct web_header *headers;
        size_t n_headers;
};

/* Reads path into ret. A bad file: -EINVAL and "FILE:LINE: KEY: what is
 * wrong" in diag; -ENOMEM. */
int web_config_load(const char *path, struct web_config *ret, struct diag *diag);
/* The same on text already read; path names it in messages and anchors
 * relative paths. */
int web_config_parse(const char *path, const char *text, size_t len, struct web_config *ret, struct diag *diag);
void web_config_free(struct web_config *c);
static inline bool web_config_tls(const struct web_config *c) {
        return c->cert_file != NULL;
}
