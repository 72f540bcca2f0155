/* collectors/exec.c and exec_process.c: the [exec.NAME] sections through
 * the exec collector's init with the exact message for each mistake, the
 * textfile parser on a program's output, and runs of real programs:
 * a hang, a descendant holding the pipe, SIGTERM ignored, a setsid
 * escape, too much output, and descriptors and zombies flat over 1,000
 * runs. tests/integration/exec.sh runs them inside the agent. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "collector.h"
#include "config.h"
#include "exec_process.h"
#include "harness.h"
#include "registry.h"
#include "textfile.h"

struct exec_case {
        const char *content;
        const char *msg; /* NULL: accepted */
};

#define ROOT "allow_root = true\n"
static const struct exec_case cases[] = {
        /* accepted */
        {"[exec.app]\ncommand = /bin/echo m 1\n" ROOT, NULL},
        {"[exec.app]\ncommand = echo 'a b' \"c \\\" d\"\ninterval = 30s\ntimeout = 2s\n" ROOT, NULL},
        {"[exec.app]\ncommand = echo $HOME | wc -l\nshell = true\nenv.LANG = C.UTF-8\nenv.PATH = /bin\n" ROOT, NULL},
        {"[exec.app]\ncommand = echo\nmax_output_bytes = 4096\nmax_line_length = 100\n" ROOT, NULL},
        {"[exec.app]\ncommand = cat\nmode = stream\n" ROOT, NULL},
        /* the loader */
        {"[exec.app]\ncommand = echo\ntimout = 1s\n",
         "F:3: [exec.app] timout: unknown key; did you mean timeout? ([exec.NAME] has command, mode, shell, "
         "interval, timeout, env.NAME, max_output_bytes, max_line_length, allow_root)"},
        {"[exec.a b]\ncommand = echo\n", "F:2: [exec.a b]: a program name is letters, digits, '-' and '_'"},
        {"[exec.app]\ncommand = echo\ncommand = true\n", "F:3: [exec.app] command: given twice (first on line 2)"},
        /* the collector */
        {"[exec.app]\n" ROOT, "F:1: [exec.app]: no command (the program to run and its arguments)"},
        {"[exec.app]\ncommand = echo 'open\n" ROOT,
         "F:2: [exec.app] command: 'echo 'open': an empty command or an unclosed quote"},
        {"[exec.app]\ncommand = bin/app\n" ROOT, "F:2: [exec.app] command: 'bin/app' is not an absolute path"},
        {"[exec.app]\ncommand = no-such-program-here\n" ROOT,
         "F:2: [exec.app] command: 'no-such-program-here' is not a program in "
         "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
        {"[exec.app]\ncommand = echo\nenv.1X = y\n" ROOT,
         "F:3: [exec.app] env.1X: '1X' is not a variable name (letters, digits, '_')"},
        {"[exec.app]\ncommand = echo\nmode = daemon\n" ROOT,
         "F:3: [exec.app] mode: 'daemon' is not a mode (once or stream)"},
        {"[exec.app]\ncommand = echo\nshell = maybe\n",
         "F:3: [exec.app] shell: 'maybe' is not a boolean (true or false)"},
        {"[exec.app]\ncommand = echo\ninterval = 2s\ntimeout = 3s\n" ROOT,
         "F:4: [exec.app] timeout: '3s' is not a duration from 10ms to 2s (e.g. 500ms, 2s)"},
        {"[exec.app]\ncommand = echo\nmax_output_bytes = 1MiB\n" ROOT,
         "F:3: [exec.app] max_output_bytes: '1MiB' is not a number of bytes from 1 to 67108864"},
};

static void test_exec_case(void **state) {
        const struct exec_case *c = *state;
        char msg[800];
        int r = init_with_sections("exec", c->content, msg, sizeof(msg));
        if (!c->msg) {
                if (r < 0)
                        fail_msg("refused: %s", msg);
                return;
        }
        if (r >= 0)
                fail_msg("accepted, expected '%s'", c->msg);
        assert_string_equal(msg, c->msg);
}

/* Without allow_root, an agent running as root runs no program. */
static void test_root_refused(_unused_ void **state) {
        if (geteuid() != 0)
                skip();
        char msg[800];
        assert_int_equal(init_with_sections("exec", "[exec.app]\ncommand = echo\n", msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "F:1: [exec.app]: vigie runs as root, and a program runs as the agent does: run "
                                 "vigie as an unprivileged user, or set allow_root = true");
}

/* --- the parser on a program's output --- */

/* The descriptors are the parser's: it outlives the set's reading. */
static int parse(struct textfile_state *p, const char *text, char *err, size_t size, struct metric_set *set) {
        return textfile_parse_text(p, text, strlen(text), set, err, size);
}

static void test_parse_refused(_unused_ void **state) {
        static const struct {
                const char *text, *err;
        } refused[] = {
                {"m 1\n# TYPE m gauge\n", "line 2: TYPE for m after its samples"},
                {"m 1 1700000000000\n", "line 1: client-side timestamps are not supported"},
                {"m 1\nm 2\n", "line 2: duplicate series m{}"},
                {"m{a=\"x\",a=\"y\"} 1\n", "line 1: label a given twice"},
        };
        struct textfile_state *p;
        assert_int_equal(textfile_parser_new("the program of [exec.t]", &p), 0);
        for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
                struct metric_set set = {0};
                char err[256] = "";
                assert_int_equal(parse(p, refused[i].text, err, sizeof(err), &set), -EINVAL);
                assert_string_equal(err, refused[i].err);
                assert_int_equal(set.n_families, 0); /* nothing of it, never half */
                metric_set_free(&set);
        }
        textfile_parser_free(p);
}

static void test_parse_accepted(_unused_ void **state) {
        struct textfile_state *p;
        assert_int_equal(textfile_parser_new("the program of [exec.t]", &p), 0);
        struct metric_set set = {0};
        char err[256] = "";
        /* no final newline; a family without HELP says where it came from */
        assert_int_equal(parse(p, "# TYPE a counter\na_total 3\na 1\nb{x=\"y\"} 2", err, sizeof(err), &set), 0);
        assert_int_equal(set.n_families, 3);
        assert_int_equal(set.n_samples, 3);
        assert_string_equal(set.families[2].desc->name, "b");
        assert_string_equal(set.families[2].desc->help, "Metric read from the program of [exec.t]");
        metric_set_free(&set);
        textfile_parser_free(p);
}

/* --- runs --- */

static char *const no_env[] = {"PATH=/usr/bin:/bin", NULL};

static int run_sh(const char *script, uint64_t timeout_ms, size_t max_out, struct buf *out, struct exec_result *res) {
        char *argv[] = {"sh", "-c", (char *) script, NULL};
        struct exec_spec spec = {"/bin/sh", argv, no_env};
        struct buf err = {0};
        int r = exec_process_run(&spec, timeout_ms, max_out, 4096, out, &err, res);
        buf_free(&err);
        return r;
}

/* When /proc/<pid>/stat says the process started, in clock ticks since
 * boot; 0 when it cannot be read. */
static unsigned long long start_ticks(const char *pid) {
        char path[300], line[1024];
        (void) snprintf(path, sizeof(path), "/proc/%s/stat", pid);
        FILE *f = fopen(path, "r");
        if (!f)
                return 0;
        size_t len = fread(line, 1, sizeof(line) - 1, f);
        fclose(f);
        line[len] = '\0';
        const char *p = strrchr(line, ')'); /* the command may hold blanks */
        unsigned long long start = 0;
        /* starttime is field 22; after the command come state (3) and on */
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                         &start) != 1)
                return 0;
        return start;
}

/* Processes whose command line holds word, other than this one, started
 * since this test began: one left by an earlier run that was killed
 * half-way (its children then escape to init) is not this run's. */
static unsigned count_processes(const char *word) {
        static unsigned long long self_start;
        if (!self_start)
                self_start = start_ticks("self");
        unsigned n = 0;
        DIR *d = opendir("/proc");
        struct dirent *de;
        while (d && (de = readdir(d))) {
                char path[300], cmd[4096];
                if (strspn(de->d_name, "0123456789") != strlen(de->d_name))
                        continue;
                (void) snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
                FILE *f = fopen(path, "r");
                if (!f)
                        continue;
                size_t len = fread(cmd, 1, sizeof(cmd) - 1, f);
                fclose(f);
                for (size_t i = 0; i < len; i++)
                        if (cmd[i] == '\0')
                                cmd[i] = ' ';
                cmd[len] = '\0';
                if (strstr(cmd, word) && atoi(de->d_name) != getpid() && start_ticks(de->d_name) >= self_start)
                        n++;
        }
        if (d)
                closedir(d);
        return n;
}

static unsigned count_fds(void) {
        unsigned n = 0;
        DIR *d = opendir("/proc/self/fd");
        while (d && readdir(d))
                n++;
        if (d)
                closedir(d);
        return n;
}

/* Children of this process, zombies or not. */
static unsigned count_children(void) {
        unsigned n = 0;
        DIR *d = opendir("/proc");
        struct dirent *de;
        while (d && (de = readdir(d))) {
                char path[300], text[512];
                if (strspn(de->d_name, "0123456789") != strlen(de->d_name))
                        continue;
                (void) snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
                FILE *f = fopen(path, "r");
                if (!f)
                        continue;
                size_t len = fread(text, 1, sizeof(text) - 1, f);
                fclose(f);
                text[len] = '\0';
                const char *p = strrchr(text, ')');
                char st;
                int ppid;
                if (p && sscanf(p + 1, " %c %d", &st, &ppid) == 2 && ppid == getpid())
                        n++;
        }
        if (d)
                closedir(d);
        return n;
}

static void test_run_output(_unused_ void **state) {
        struct buf out = {0};
        struct exec_result res;
        assert_int_equal(run_sh("echo m 1; echo oops >&2; exit 3", 2000, 4096, &out, &res), 0);
        assert_true(res.exited);
        assert_int_equal(res.status, 3);
        assert_string_equal(out.data, "m 1\n");
        /* stdin is /dev/null, and nothing of the test's environment comes */
        assert_int_equal(run_sh("cat; echo \"${HOME:-none} $PATH\"", 2000, 4096, &out, &res), 0);
        assert_string_equal(out.data, "none /usr/bin:/bin\n");
        /* no descriptor of this process but 0, 1 and 2 */
        assert_int_equal(run_sh("ls /proc/self/fd | wc -l", 2000, 4096, &out, &res), 0);
        assert_string_equal(out.data, "4\n"); /* 0, 1, 2 and ls's own */
        buf_free(&out);
}

static void test_run_hang(_unused_ void **state) {
        struct buf out = {0};
        struct exec_result res;
        assert_int_equal(run_sh("exec sleep 1001", 300, 4096, &out, &res), 0);
        assert_true(res.timed_out);
        assert_false(res.exited);
        assert_int_equal(res.status, 128 + 15);
        assert_true(res.duration < 1.0);
        assert_int_equal(count_processes("sleep 1001"), 0);
        buf_free(&out);
}

/* A descendant holding stdout open does not hold the run (Telegraf
 * #13935), and goes with the program's group. */
static void test_run_descendant_holds_pipe(_unused_ void **state) {
        struct buf out = {0};
        struct exec_result res;
        assert_int_equal(run_sh("sleep 1002 & echo m 1", 5000, 4096, &out, &res), 0);
        assert_true(res.exited);
        assert_false(res.timed_out);
        assert_true(res.duration < 1.0);
        assert_string_equal(out.data, "m 1\n");
        assert_int_equal(count_processes("sleep 1002"), 0);
        buf_free(&out);
}

static void test_run_ignores_sigterm(_unused_ void **state) {
        struct buf out = {0};
        struct exec_result res;
        assert_int_equal(run_sh("trap '' TERM; sleep 1003; sleep 1003", 300, 4096, &out, &res), 0);
        assert_true(res.timed_out);
        assert_int_equal(res.status, 128 + 9); /* SIGKILL after the grace */
        assert_true(res.duration >= 1.2 && res.duration < 3.0);
        assert_int_equal(count_processes("sleep 1003"), 0);
        buf_free(&out);
}

/* A descendant in a session of its own escapes the group kill: the
 * subreaper takes it, and the sweep kills and reaps it. */
static void test_run_setsid_escape(_unused_ void **state) {
        struct buf out = {0};
        struct exec_result res;
        assert_int_equal(run_sh("setsid sleep 1004 & sleep 0.2; echo m 1", 5000, 4096, &out, &res), 0);
        assert_true(res.exited);
        assert_int_equal(count_processes("sleep 1004"), 0);
        assert_int_equal(count_children(), 0);
        buf_free(&out);
}

static void test_run_too_large(_unused_ void **state) {
        struct buf out = {0};
        struct exec_result res;
        assert_int_equal(run_sh("while :; do echo m 1; done", 5000, 1000, &out, &res), 0);
        assert_true(res.too_large);
        assert_false(res.exited);
        assert_true(out.len <= 1000);
        assert_true(res.duration < 1.0);
        buf_free(&out);
}

static void test_run_cannot_start(_unused_ void **state) {
        char *argv[] = {"nothing", NULL};
        struct exec_spec spec = {"/nonexistent/nothing", argv, no_env};
        struct buf out = {0}, err = {0};
        struct exec_result res;
        assert_int_equal(exec_process_run(&spec, 1000, 100, 100, &out, &err, &res), -ENOENT);
        buf_free(&out);
        buf_free(&err);
}

static bool frame_done(const struct buf *out) {
        return out->len >= 6 && strcmp(out->data + out->len - 6, "# EOF\n") == 0;
}

/* A long-running program: a line in, a frame out, as often as asked;
 * one that stops answering is found out at the deadline. */
static void test_stream(_unused_ void **state) {
        char *argv[] = {"sh", "-c",
                        "n=0; while read -r _; do n=$((n+1)); [ $n = 3 ] && sleep 1006; echo m $n; echo '# EOF'; done",
                        NULL};
        struct exec_spec spec = {"/bin/sh", argv, no_env};
        struct exec_child c;
        struct buf out = {0}, err = {0};
        assert_int_equal(exec_process_start(&spec, true, &c), 0);
        for (int i = 1; i <= 2; i++) {
                char want[32];
                buf_reset(&out);
                uint64_t deadline = clock_ns(CLOCK_MONOTONIC) + 2000000000u;
                assert_int_equal(exec_process_write(&c, "\n", 1, deadline), 0);
                assert_int_equal(exec_process_read(&c, deadline, 4096, 4096, &out, &err, frame_done), 1);
                (void) snprintf(want, sizeof(want), "m %d\n# EOF\n", i);
                assert_string_equal(out.data, want);
        }
        buf_reset(&out);
        uint64_t deadline = clock_ns(CLOCK_MONOTONIC) + 300000000u;
        assert_int_equal(exec_process_write(&c, "\n", 1, deadline), 0);
        assert_int_equal(exec_process_read(&c, deadline, 4096, 4096, &out, &err, frame_done), -ETIMEDOUT);
        assert_int_equal(exec_process_stop(&c, true, NULL), 128 + 15);
        assert_int_equal(count_processes("sleep 1006"), 0);
        /* one that exits: its end is seen, not waited out */
        char *argv2[] = {"sh", "-c", "read -r _; echo m 1; exit 3", NULL};
        spec.argv = argv2;
        assert_int_equal(exec_process_start(&spec, true, &c), 0);
        buf_reset(&out);
        deadline = clock_ns(CLOCK_MONOTONIC) + 5000000000u;
        assert_int_equal(exec_process_write(&c, "\n", 1, deadline), 0);
        assert_int_equal(exec_process_read(&c, deadline, 4096, 4096, &out, &err, frame_done), 0);
        assert_true(clock_ns(CLOCK_MONOTONIC) + 4000000000u < deadline);
        bool exited;
        assert_int_equal(exec_process_stop(&c, true, &exited), 3);
        assert_true(exited);
        buf_free(&out);
        buf_free(&err);
}

/* 1,000 runs, each leaving something behind: descriptors and children
 * (zombies among them) stay as they were. */
static void test_runs_flat(_unused_ void **state) {
        static const char *const scripts[] = {"echo m 1", "sleep 1005 & echo m 1", "setsid sleep 1005 & echo m 1",
                                              "exec sleep 1005"};
        struct buf out = {0};
        struct exec_result res;
        assert_int_equal(run_sh("true", 1000, 100, &out, &res), 0);
        unsigned fds = count_fds();
        for (unsigned i = 0; i < 1000; i++)
                assert_int_equal(run_sh(scripts[i % 4], i % 4 == 3 ? 10 : 2000, 100, &out, &res), 0);
        (void) exec_process_sweep();
        assert_int_equal(count_fds(), fds);
        assert_int_equal(count_children(), 0);
        assert_int_equal(count_processes("sleep 1005"), 0);
        buf_free(&out);
}

int main(void) {
        enum { N = sizeof(cases) / sizeof(cases[0]) };
        static char names[N][96];
        struct CMUnitTest tests[N + 12];
        size_t n = 0;
        for (size_t i = 0; i < N; i++) {
                const char *c = cases[i].content;
                const char *second = c + strcspn(c, "\n") + 1, *third = second + strcspn(second, "\n");
                third += *third == '\n';
                (void) snprintf(names[i], sizeof(names[i]), "%s: %.*s %.*s", cases[i].msg ? "refused" : "accepted",
                                (int) strcspn(second, "\n"), second, (int) strcspn(third, "\n"), third);
                tests[n++] = (struct CMUnitTest){names[i], test_exec_case, NULL, NULL, (void *) &cases[i]};
        }
        const struct CMUnitTest more[] = {
                cmocka_unit_test(test_root_refused),
                cmocka_unit_test(test_parse_refused),
                cmocka_unit_test(test_parse_accepted),
                cmocka_unit_test(test_run_output),
                cmocka_unit_test(test_run_hang),
                cmocka_unit_test(test_run_descendant_holds_pipe),
                cmocka_unit_test(test_run_ignores_sigterm),
                cmocka_unit_test(test_run_setsid_escape),
                cmocka_unit_test(test_run_too_large),
                cmocka_unit_test(test_run_cannot_start),
                cmocka_unit_test(test_stream),
                cmocka_unit_test(test_runs_flat),
        };
        (void) signal(SIGPIPE, SIG_IGN); /* as the agent: a program gone is -EPIPE */
        for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
                tests[n++] = more[i];
        return _cmocka_run_group_tests("test-exec", tests, n, NULL, NULL);
}
