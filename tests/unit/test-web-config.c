/* agent/web_config.c: node_exporter's web-config YAML, every key it takes
 * (paths made absolute against the file's directory), and the exact
 * file:line message for each mistake (one test per case). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "macro.h"
#include "web_config.h"

#define P "/etc/vigie/web.yml"
/* a bcrypt hash of "secret" at cost 4 */
#define HASH "$2y$04$pGQOSG1QC1sQDyW1aSz4EeneMXA6DVUIZjwP15rEec/RCeJQFR5Te"

static void test_full(_unused_ void **state) {
        static const char text[] = "# node_exporter's own example, and more\n"
                                   "tls_server_config:\n"
                                   "  cert_file: node.crt\n"
                                   "  key_file: /etc/ssl/node.key\n"
                                   "  client_auth_type: \"RequireAndVerifyClientCert\"\n"
                                   "  client_ca_file: ca.crt\n"
                                   "  min_version: TLS13\n"
                                   "  max_version: TLS13\n"
                                   "  prefer_server_cipher_suites: false\n"
                                   "  cipher_suites: []\n"
                                   "http_server_config:\n"
                                   "  http2: false\n"
                                   "  headers:\n"
                                   "    X-Frame-Options: deny\n"
                                   "    Strict-Transport-Security: max-age=31536000\n"
                                   "basic_auth_users:\n"
                                   "  alice: " HASH "\n"
                                   "  'bob': '" HASH "'\n";
        struct web_config c;
        struct diag d = {0};
        assert_int_equal(web_config_parse(P, text, strlen(text), &c, &d), 0);
        assert_string_equal(c.cert_file, "/etc/vigie/node.crt");
        assert_int_equal(c.cert_line, 3);
        assert_string_equal(c.key_file, "/etc/ssl/node.key");
        assert_string_equal(c.client_ca_file, "/etc/vigie/ca.crt");
        assert_int_equal(c.client_auth, WEB_CLIENT_AUTH_REQUIRE_VERIFY);
        assert_int_equal(c.min_version, WEB_TLS13);
        assert_int_equal(c.max_version, WEB_TLS13);
        assert_false(c.prefer_server_cipher_suites);
        assert_false(c.http2);
        assert_int_equal(c.n_headers, 2);
        assert_string_equal(c.headers[0].name, "X-Frame-Options");
        assert_string_equal(c.headers[1].value, "max-age=31536000");
        assert_int_equal(c.n_users, 2);
        assert_string_equal(c.users[1].name, "bob");
        assert_string_equal(c.users[1].hash, HASH);
        assert_true(web_config_tls(&c));
        web_config_free(&c);
}

/* what asks for nothing: plain HTTP, no users, TLS 1.2 at least */
static void test_empty(_unused_ void **state) {
        static const char *const texts[] = {"",
                                            "# nothing\n",
                                            "---\n",
                                            "~\n",
                                            "tls_server_config:\n",
                                            "tls_server_config: {}\nbasic_auth_users: null\n",
                                            "tls_server_config:\n  client_auth_type: \"\"\n  cert_file: ''\n"};
        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                struct web_config c;
                struct diag d = {0};
                assert_int_equal(web_config_parse(P, texts[i], strlen(texts[i]), &c, &d), 0);
                assert_false(web_config_tls(&c));
                assert_int_equal(c.n_users, 0);
                assert_int_equal(c.min_version, WEB_TLS12);
                web_config_free(&c);
        }
}

struct error_case {
        const char *text, *want;
};

static const struct error_case errors[] = {
        {"tls_server_config:\n  cert_file: a\n  key_file: b\n  bogus: 1\n",
         P ":4: tls_server_config.bogus: unknown key (tls_server_config has cert_file, key_file, client_auth_type, "
           "client_ca_file, min_version, max_version, cipher_suites, curve_preferences, prefer_server_cipher_suites)"},
        {"tls_server_config:\n  cert_fil: a\n",
         P ":2: tls_server_config.cert_fil: unknown key; did you mean cert_file? (tls_server_config has cert_file, "
           "key_file, client_auth_type, client_ca_file, min_version, max_version, cipher_suites, curve_preferences, "
           "prefer_server_cipher_suites)"},
        {"\ntls_config:\n  cert_file: a\n",
         P ":2: tls_config: unknown key (the web config has tls_server_config, http_server_config, "
           "basic_auth_users)"},
        {"tls_server_config:\n  cert_file: a\n", P ":1: tls_server_config: missing key_file"},
        {"# x\ntls_server_config:\n  key_file: a\n", P ":2: tls_server_config: missing cert_file"},
        {"tls_server_config:\n  client_auth_type: RequireAnyClientCert\n",
         P ":1: tls_server_config: missing cert_file"},
        {"tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n",
         P ":4: tls_server_config.client_ca_file: set without a client_auth_type that asks for a client certificate"},
        {"tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: VerifyClientCertIfGiven\n",
         P ":1: tls_server_config: client_auth_type verifies client certificates: client_ca_file names their CA"},
        {"tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireCert\n",
         P ":4: tls_server_config.client_auth_type: 'RequireCert' is not one of NoClientCert, RequestClientCert, "
           "RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert"},
        {"tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS11\n",
         P ":4: tls_server_config.min_version: TLS11: vigie serves TLS 1.2 and 1.3 only"},
        {"tls_server_config:\n  cert_file: a\n  key_file: b\n  max_version: TLS1.3\n",
         P ":4: tls_server_config.max_version: 'TLS1.3' is not one of TLS12, TLS13"},
        {"tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n",
         P ":1: tls_server_config: max_version is below min_version"},
        {"tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites:\n    - TLS_AES_128_GCM_SHA256\n",
         P ":5: tls_server_config.cipher_suites: not supported: vigie offers GnuTLS's TLS 1.2 and 1.3 suites with "
           "forward secrecy"},
        {"tls_server_config:\n  curve_preferences: [X25519]\n",
         P ":2: tls_server_config.curve_preferences: not supported: vigie offers GnuTLS's default groups"},
        {"tls_server_config:\n  prefer_server_cipher_suites: maybe\n",
         P ":2: tls_server_config.prefer_server_cipher_suites: not true or false"},
        {"tls_server_config:\n  cert_file: [a, b]\n", P ":2: tls_server_config.cert_file: not a string"},
        {"tls_server_config: yes\n", P ":1: tls_server_config: not a mapping of keys to values"},
        {"tls_server_config:\n  cert_file: a\n  cert_file: b\n",
         P ":3: tls_server_config.cert_file: given twice (first on line 2)"},
        {"basic_auth_users:\n  alice: " HASH "\n  alice: " HASH "\n",
         P ":3: basic_auth_users.alice: given twice (first on line 2)"},
        {"basic_auth_users:\n  alice: secret\n",
         P ":2: basic_auth_users.alice: not a bcrypt hash ($2y$, a cost from 04 to 31, 60 characters; htpasswd -nBC "
           "10 \"\" | tr -d ':\\n' makes one)"},
        {"basic_auth_users:\n  alice: \"$2y$03$pGQOSG1QC1sQDyW1aSz4EeneMXA6DVUIZjwP15rEec/RCeJQFR5Te\"\n",
         P ":2: basic_auth_users.alice: not a bcrypt hash ($2y$, a cost from 04 to 31, 60 characters; htpasswd -nBC "
           "10 \"\" | tr -d ':\\n' makes one)"},
        {"basic_auth_users:\n  \"a:b\": " HASH "\n",
         P ":2: basic_auth_users: 'a:b' cannot be a user name (empty, or with a ':')"},
        {"basic_auth_users:\n  - alice\n", P ":2: basic_auth_users: not a mapping of keys to values"},
        {"http_server_config:\n  http2: true\n  headers:\n    Server: vigie\n",
         P ":4: http_server_config.headers.Server: a header the web config cannot set (it sets "
           "Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, "
           "Content-Security-Policy)"},
        {"http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
         P ":3: http_server_config.headers.X-Frame-Options: 'allow' is not deny or sameorigin"},
        {"http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n",
         P ":3: http_server_config.headers.X-Content-Type-Options: 'sniff' is not nosniff"},
        {"http_server_config:\n  http3: true\n",
         P ":2: http_server_config.http3: unknown key; did you mean http2? (http_server_config has http2, headers)"},
        {"http_server_config:\n  http2: 2\n", P ":2: http_server_config.http2: not true or false"},
        {"- tls_server_config\n", P ":1: not a mapping of tls_server_config, http_server_config and basic_auth_users"},
        {"tls_server_config:\n  cert_file: \"a\n", P ":3: not YAML: found unexpected end of stream"},
        {"tls_server_config:\n cert_file: a\n  key_file: b\n",
         P ":3: not YAML: mapping values are not allowed in this context"},
        {"a: 1\0b: 2\n", P ":1: a NUL byte: not a YAML file"},
};

static void test_error(void **state) {
        const struct error_case *c = *state;
        size_t len = strlen(c->text);
        if (strcmp(c->text, "a: 1") == 0)
                len = 10; /* the case with a NUL byte */
        struct web_config wc;
        struct diag d = {0};
        assert_int_equal(web_config_parse(P, c->text, len, &wc, &d), -EINVAL);
        assert_string_equal(d.msg, c->want);
}

/* the hash never shows in a message, whatever was wrong with it */
static void test_hash_not_shown(_unused_ void **state) {
        static const char text[] = "basic_auth_users:\n  alice: " HASH "x\n";
        struct web_config wc;
        struct diag d = {0};
        assert_int_equal(web_config_parse(P, text, strlen(text), &wc, &d), -EINVAL);
        assert_null(strstr(d.msg, "pGQOSG1QC1"));
}

static void test_load(_unused_ void **state) {
        char dir[] = "/tmp/vigie-web-config.XXXXXX";
        assert_non_null(mkdtemp(dir));
        char path[64];
        (void) snprintf(path, sizeof(path), "%s/web.yml", dir);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n", f);
        assert_int_equal(fclose(f), 0);
        struct web_config wc;
        struct diag d = {0};
        assert_int_equal(web_config_load(path, &wc, &d), 0);
        char want[96];
        (void) snprintf(want, sizeof(want), "%s/a.crt", dir);
        assert_string_equal(wc.cert_file, want);
        assert_string_equal(wc.path, path);
        web_config_free(&wc);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(web_config_load(path, &wc, &d), -EINVAL);
        char missing[160];
        (void) snprintf(missing, sizeof(missing), "cannot open '%s': No such file or directory", path);
        assert_string_equal(d.msg, missing);
        d = (struct diag){0};
        assert_int_equal(web_config_load("/dev/zero", &wc, &d), -EINVAL);
        assert_string_equal(d.msg, "cannot read '/dev/zero': File too large");
        assert_int_equal(rmdir(dir), 0);
}

int main(void) {
        struct CMUnitTest tests[3 + ELEMENTSOF(errors) + 1];
        size_t n = 0;
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_full);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_empty);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_hash_not_shown);
        for (size_t i = 0; i < ELEMENTSOF(errors); i++)
                tests[n++] = (struct CMUnitTest){errors[i].want, test_error, NULL, NULL, (void *) &errors[i]};
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_load);
        return _cmocka_run_group_tests("web_config", tests, n, NULL, NULL);
}
