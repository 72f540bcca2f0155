/* collectors/probe.c: the [probe.NAME] sections, from the file through the
 * probe collector's init, and the exact message a person gets for each
 * mistake (file:line, the key). Runs no probe: the integration test
 * tests/integration/probe.sh does, against servers on loopback. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collector.h"
#include "config.h"
#include "harness.h"
#include "registry.h"

struct probe_case {
        const char *content;
        const char *msg; /* NULL: accepted */
};

static const struct probe_case cases[] = {
        /* accepted, one of each kind */
        {"[probe.ssh]\nkind = tcp\ntarget = 127.0.0.1:22\nexpect = ^SSH-2\\.0-\ninterval = 30s\ntimeout = 2s\n", NULL},
        {"[probe.v6]\nkind = tcp\ntarget = [::1]:25\nsend = EHLO x\\r\\n\n", NULL},
        {"[probe.portal]\nkind = https\ntarget = https://portail.mairie.local/sante\nvalid_status_codes = 200, 204\n"
         "ca_file = /etc/vigie/ca.pem\nfollow_redirects = true\n",
         NULL},
        {"[probe.web]\nkind = http\ntarget = http://127.0.0.1:8080/\ninterval = 2s\n", NULL}, /* timeout: 2s then */
        {"[probe.db]\nkind = unix\ntarget = /run/postgresql/.s.PGSQL.5432\n", NULL},
        /* the loader: keys, names, repeats */
        {"[probe.web]\nkind = http\ntarget = http://x/\ntimeot = 1s\n",
         "F:4: [probe.web] timeot: unknown key; did you mean timeout? ([probe.NAME] has kind, target, interval, "
         "timeout, send, expect, valid_status_codes, follow_redirects, ca_file, insecure_skip_verify)"},
        {"[probe.a b]\nkind = tcp\n", "F:2: [probe.a b]: a probe name is letters, digits, '-' and '_'"},
        {"[probe.web]\nkind = http\nkind = https\n", "F:3: [probe.web] kind: given twice (first on line 2)"},
        /* the collector: what is missing, what is wrong, on its line */
        {"[probe.web]\n", "F:1: [probe.web]: no kind (tcp, http, https or unix)"},
        {"[push]\njob = x\n[probe.web]\nkind = http\n",
         "F:3: [probe.web]: no target (host:port, a URL or a socket path: what to probe)"},
        {"[probe.web]\nkind = ftp\ntarget = ftp://x/\n",
         "F:2: [probe.web] kind: 'ftp' is not a probe kind (tcp, http, https or unix)"},
        {"[probe.web]\nkind = http\ntarget = https://x/\n",
         "F:3: [probe.web] target: 'https://x/' is not an http:// URL with a host"},
        {"[probe.web]\nkind = https\ntarget = https:///path\n",
         "F:3: [probe.web] target: 'https:///path' is not an https:// URL with a host"},
        {"[probe.web]\nkind = https\ntarget = https://user:s3cret@x/\ninsecure_skip_verify = maybe\n",
         "F:4: [probe.web] insecure_skip_verify: 'maybe' is not a boolean (true or false)"},
        {"[probe.web]\nkind = http\ntarget = http://user:s3cret@x /\n",
         "F:3: [probe.web] target: not an http:// URL with a host"},
        {"[probe.ssh]\nkind = tcp\ntarget = 127.0.0.1\n",
         "F:3: [probe.ssh] target: '127.0.0.1' is not host:port or [ipv6]:port"},
        {"[probe.ssh]\nkind = tcp\ntarget = :22\n", "F:3: [probe.ssh] target: ':22' is not host:port or [ipv6]:port"},
        {"[probe.db]\nkind = unix\ntarget = run/db.sock\n",
         "F:3: [probe.db] target: 'run/db.sock' is not an absolute socket path of at most 107 bytes"},
        {"[probe.ssh]\nkind = tcp\ntarget = h:22\nvalid_status_codes = 200\n",
         "F:4: [probe.ssh] valid_status_codes: only for http and https probes (this one is tcp)"},
        {"[probe.web]\nkind = http\ntarget = http://x/\nexpect = ok\n",
         "F:4: [probe.web] expect: only for tcp and unix probes (this one is http)"},
        {"[probe.web]\nkind = http\ntarget = http://x/\nca_file = /etc/ca.pem\n",
         "F:4: [probe.web] ca_file: only for https probes (this one is http)"},
        {"[probe.web]\nkind = http\ntarget = http://x/\nvalid_status_codes = 200, 2xx\n",
         "F:4: [probe.web] valid_status_codes: '200, 2xx' is not a list of status codes from 100 to 599 (at most 16, "
         "as 200, 301)"},
        {"[probe.web]\nkind = http\ntarget = http://x/\ninterval = 2s\ntimeout = 3s\n",
         "F:5: [probe.web] timeout: '3s' is not a duration from 10ms to 2s (e.g. 500ms, 2s)"},
        {"[probe.ssh]\nkind = tcp\ntarget = h:22\nexpect = ^SSH-(\n",
         "F:4: [probe.ssh] expect: '^SSH-(' is not a regular expression: Unmatched ( or \\("},
        {"[probe.ssh]\nkind = tcp\ntarget = h:22\nsend = a\\qb\n",
         "F:4: [probe.ssh] send: 'a\\qb': a backslash starts \\r, \\n, \\t or \\\\ only"},
        /* the first bad probe of several is the one named */
        {"[probe.a]\nkind = tcp\ntarget = h:1\n[probe.b]\nkind = tcp\ntarget = h\n",
         "F:6: [probe.b] target: 'h' is not host:port or [ipv6]:port"},
};

static void test_probe_case(void **state) {
        const struct probe_case *c = *state;
        char msg[800];
        int r = init_with_sections("probe", c->content, msg, sizeof(msg));
        if (!c->msg) {
                if (r < 0)
                        fail_msg("refused: %s", msg);
                return;
        }
        if (r >= 0)
                fail_msg("accepted, expected '%s'", c->msg);
        assert_string_equal(msg, c->msg);
}

int main(void) {
        enum { N = sizeof(cases) / sizeof(cases[0]) };
        static char names[N][96];
        struct CMUnitTest tests[N];
        size_t n = 0;
        for (size_t i = 0; i < N; i++) {
                const char *c = cases[i].content;
                const char *last = c + strlen(c) - 1;
                while (last > c && last[-1] != '\n')
                        last--;
                (void) snprintf(names[i], sizeof(names[i]), "%s: %.*s %.*s", cases[i].msg ? "refused" : "accepted",
                                (int) strcspn(c, "\n"), c, (int) strcspn(last, "\n"), last);
                tests[n++] = (struct CMUnitTest){names[i], test_probe_case, NULL, NULL, (void *) &cases[i]};
        }
        return _cmocka_run_group_tests("test-probe", tests, n, NULL, NULL);
}
