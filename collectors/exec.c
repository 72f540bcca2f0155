/* exec: programs of the [exec.NAME] sections, each run on its own
 * interval with a timeout (exec_process.h: its own session, no shell
 * unless the section asks, a clean environment), its stdout read as the
 * Prometheus text format by the textfile collector's parser. Each program
 * is a task of the engine's scheduler: one that hangs holds its own
 * worker only, never a scrape, which copies the output each program
 * published last, accepted whole or not at all, and how its runs went. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "collector.h"
#include "exec_process.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "scheduler.h"
#include "source_check.h"
#include "source_merge.h"
#include "textfile.h"

#define DEFAULT_INTERVAL_MS 15000
#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_MAX_OUTPUT 1048576u
#define DEFAULT_MAX_LINE 65536u
/* what one program may publish, as a plugin (its bytes: max_output_bytes) */
#define EXEC_MAX_FAMILIES 2000
#define EXEC_MAX_SERIES 50000
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define MAX_OUTPUT_LIMIT (64u << 20)
#define ARGS_MAX 256
#define ENV_MAX 64
/* The PATH a program gets (and where a bare command name is looked for)
 * unless its section sets env.PATH. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* stderr: at most this much is kept of one run, and at most this many
 * lines go to the log per program and minute, each cut to LINE_LOGGED. */
#define STDERR_KEEP 16384u
#define STDERR_LINES_PER_MINUTE 10
#define STDERR_LINE_LOGGED 300

/* How a program's last run went. */
struct exec_status {
        bool ran;
        bool success;  /* its output was accepted and is served */
        int exit_code; /* or 128 + a signal; -1: did not start or was not reaped */
        double duration;
        unsigned long long runs, timeouts, output_errors, start_failures, restarts;
};

struct exec_program {
        char *name;  /* the program label */
        char *label; /* exec.NAME: the collector label of its rows, and its name as a source */
        char *path;  /* what is executed */
        char **argv, **envp;
        uint64_t interval_ms, timeout_ms;
        unsigned max_output, max_line;
        bool stream;             /* mode = stream: started once, a frame asked for at each interval */
        struct exec_child child; /* stream: the program, while child_up */
        bool child_up, started_once;
        uint64_t backoff_ms; /* stream: before the next start; 0 after a frame */
        /* held across a parse and its publication, and by collect to sweep
         * the parser's descriptors (taken before lock) */
        pthread_mutex_t parser_lock;
        struct textfile_state *parser;
        struct buf out, err;         /* a run's, the run's alone */
        struct metric_set building;  /* the run's alone */
        char why[300];               /* the last failure, as logged */
        uint64_t log_window_ns;      /* stderr: the minute being counted */
        unsigned log_lines, dropped; /* stderr lines logged in it, and not */

        pthread_mutex_t lock; /* held to swap or copy what follows, never across a parse */
        struct metric_set published;
        bool sweep_due; /* an output was published since the last sweep (both locks held to change it) */
        struct exec_status status;
};

struct exec_state {
        struct exec_program **programs;
        size_t n;
        bool owned; /* no scheduler (a test): the programs never run and are ours to free */
        struct exec_status *seen;
};

static const char *const program_label[] = {"program"};
static const struct metric_desc success_desc = {
        "vigie_exec_success",
        "Whether the program's last run was accepted: it exited within its timeout, its output whole.", METRIC_GAUGE, 1,
        program_label};
static const struct metric_desc exit_desc = {
        "vigie_exec_last_exit_code",
        "The exit code of the program's last run, 128 + the signal that killed it, -1 if it did not start.",
        METRIC_GAUGE, 1, program_label};
static const struct metric_desc duration_desc = {"vigie_exec_duration_seconds", "How long the program's last run took.",
                                                 METRIC_GAUGE, 1, program_label};
static const struct metric_desc runs_desc = {"vigie_exec_runs_total", "Runs of the program.", METRIC_COUNTER, 1,
                                             program_label};
static const struct metric_desc timeouts_desc = {
        "vigie_exec_timeouts_total", "Runs of the program killed at their timeout.", METRIC_COUNTER, 1, program_label};
static const struct metric_desc output_errors_desc = {
        "vigie_exec_output_errors_total",
        "Runs of the program whose output was refused: too large, a line too long, or not the text format.",
        METRIC_COUNTER, 1, program_label};
static const struct metric_desc restarts_desc = {"vigie_exec_restarts_total",
                                                 "Starts of a long-running program (mode = stream) after the first.",
                                                 METRIC_COUNTER, 1, program_label};
static const struct metric_desc start_failures_desc = {"vigie_exec_start_failures_total",
                                                       "Runs of the program that could not start.", METRIC_COUNTER, 1,
                                                       program_label};

static void strv_free(char **v) {
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

static void program_free(void *userdata) {
        struct exec_program *p = userdata;
        if (!p)
                return;
        if (p->child_up) {
                /* the end of its stdin says to go; SIGTERM, a grace, SIGKILL make sure */
                (void) close(p->child.in_fd);
                p->child.in_fd = -1;
                (void) exec_process_stop(&p->child, true, NULL);
        }
        free(p->name);
        free(p->label);
        free(p->path);
        strv_free(p->argv);
        strv_free(p->envp);
        if (p->parser)
                textfile_parser_free(p->parser);
        buf_free(&p->out);
        buf_free(&p->err);
        metric_set_free(&p->building);
        metric_set_free(&p->published);
        (void) pthread_mutex_destroy(&p->lock);
        (void) pthread_mutex_destroy(&p->parser_lock);
        free(p);
}

/* --- running --- */

/* Says a failure once while it stays the same, and a recovery. */
static void program_failed(struct exec_program *p, const char *why) {
        if (strcmp(p->why, why) != 0)
                log_warn("exec %s: %s; its series are left out until a run succeeds", p->name, why);
        (void) snprintf(p->why, sizeof(p->why), "%s", why);
}

/* stderr into the log, a line at a time, at most so many a minute. */
static void log_stderr(struct exec_program *p) {
        uint64_t now = clock_ns(CLOCK_MONOTONIC);
        if (now - p->log_window_ns >= 60000000000ull) {
                if (p->dropped > 0)
                        log_warn("exec %s: %u more line(s) on stderr not logged (at most %d a minute)", p->name,
                                 p->dropped, STDERR_LINES_PER_MINUTE);
                p->log_window_ns = now;
                p->log_lines = p->dropped = 0;
        }
        const char *pos = p->err.data, *end = pos + p->err.len, *line;
        size_t len;
        while (next_line(&pos, end, &line, &len)) {
                if (len == 0)
                        continue;
                if (p->log_lines >= STDERR_LINES_PER_MINUTE) {
                        p->dropped++;
                        continue;
                }
                p->log_lines++;
                char text[STDERR_LINE_LOGGED + 1];
                size_t n = len < STDERR_LINE_LOGGED ? len : STDERR_LINE_LOGGED;
                for (size_t i = 0; i < n; i++)
                        text[i] = (unsigned char) line[i] < ' ' ? ' ' : line[i];
                text[n] = '\0';
                log_warn("exec %s: stderr: %s%s", p->name, text, n < len ? "..." : "");
        }
}

/* What the program wrote, refused whole when a line is too long or ends
 * in CR. 0 or -EINVAL with why. */
static int check_output(const struct exec_program *p, const char *text, size_t len, char *why, size_t size) {
        const char *pos = text, *line;
        size_t ll;
        for (unsigned n = 1; next_line(&pos, text + len, &line, &ll); n++) {
                if (ll > p->max_line) {
                        (void) snprintf(why, size, "output refused: line %u is longer than %u bytes", n, p->max_line);
                        return -EINVAL;
                }
                if (ll > 0 && line[ll - 1] == '\r') {
                        (void) snprintf(why, size, "output refused: line %u ends in CR (lines end with \\n alone)", n);
                        return -EINVAL;
                }
        }
        return 0;
}

/* What a run (or a stream's frame) came to, for publish. */
struct run_outcome {
        const char *text; /* the output to parse when why is empty */
        size_t len;
        char why[300]; /* empty: nothing went wrong before the parser */
        int exit_code;
        double duration;
        bool start_failed, timed_out, output_error, restarted;
};

/* Parses what the run gave (why still empty), publishes it or an empty
 * set, and says a failure or a recovery once. */
static void publish(struct exec_program *p, struct run_outcome *o) {
        metric_set_reset(&p->building);
        (void) pthread_mutex_lock(&p->parser_lock);
        bool ok = o->why[0] == '\0';
        if (ok) {
                char err[256] = "";
                int r = textfile_parse_text(p->parser, o->text, o->len, &p->building, err, sizeof(err));
                if (r == -EINVAL) {
                        (void) snprintf(o->why, sizeof(o->why), "output refused: %s", err);
                        o->output_error = true;
                } else if (r < 0)
                        (void) snprintf(o->why, sizeof(o->why), "cannot parse its output: %s", strerror(-r));
                /* what the parser does not see: counters, histograms, sizes (the
                 * families of the other sources are met in the scrape) */
                if (r >= 0) {
                        static const struct source_limits lim = {EXEC_MAX_FAMILIES, EXEC_MAX_SERIES, 0};
                        r = source_check(&p->building, &lim, err, sizeof(err));
                        if (r == -EINVAL) {
                                (void) snprintf(o->why, sizeof(o->why), "output refused: %s", err);
                                o->output_error = true;
                        } else if (r < 0)
                                (void) snprintf(o->why, sizeof(o->why), "cannot check its output: %s", strerror(-r));
                }
                ok = r >= 0;
        }
        if (!ok)
                metric_set_reset(&p->building);
        (void) pthread_mutex_lock(&p->lock);
        struct metric_set old = p->published;
        p->published = p->building;
        p->building = old;
        p->sweep_due |= ok;
        struct exec_status *st = &p->status;
        st->ran = true;
        st->success = ok;
        st->exit_code = o->exit_code;
        st->duration = o->duration;
        st->runs++;
        st->timeouts += o->timed_out;
        st->output_errors += o->output_error;
        st->start_failures += o->start_failed;
        st->restarts += o->restarted;
        (void) pthread_mutex_unlock(&p->lock);
        (void) pthread_mutex_unlock(&p->parser_lock);

        if (!ok)
                program_failed(p, o->why);
        else if (p->why[0]) {
                log_info("exec %s: recovered", p->name);
                p->why[0] = '\0';
        }
}

/* The delay that keeps the interval from start to start. */
static uint64_t next_delay(const struct exec_program *p, double duration) {
        uint64_t elapsed_ms = (uint64_t) (duration * 1000);
        return elapsed_ms + 1 < p->interval_ms ? p->interval_ms - elapsed_ms : 1;
}

/* The scheduler's run of a program run once per interval. */
static uint64_t once_run(struct exec_program *p) {
        struct exec_spec spec = {p->path, p->argv, p->envp};
        struct exec_result res;
        struct run_outcome o = {.exit_code = -1};
        int r = exec_process_run(&spec, p->timeout_ms, p->max_output, STDERR_KEEP, &p->out, &p->err, &res);
        if (r < 0) {
                o.start_failed = true;
                (void) snprintf(o.why, sizeof(o.why), "cannot run %s: %s", p->path, strerror(-r));
        } else {
                log_stderr(p);
                o.exit_code = res.status;
                o.duration = res.duration;
                o.timed_out = res.timed_out;
                o.output_error = res.too_large;
                if (res.too_large)
                        (void) snprintf(o.why, sizeof(o.why),
                                        "output refused: more than %u bytes (the program was killed)", p->max_output);
                else if (res.timed_out)
                        (void) snprintf(o.why, sizeof(o.why), "killed after its timeout of %llu ms",
                                        (unsigned long long) p->timeout_ms);
                else if (!res.exited && res.status > 128)
                        (void) snprintf(o.why, sizeof(o.why), "killed by signal %d", res.status - 128);
                else if (!res.exited && res.status < 0)
                        (void) snprintf(o.why, sizeof(o.why), "killed, and not gone yet: a later run reaps it");
                else if (!res.exited)
                        (void) snprintf(o.why, sizeof(o.why), "its output could not be read whole");
                else
                        o.output_error = check_output(p, p->out.data, p->out.len, o.why, sizeof(o.why)) < 0;
        }
        o.text = p->out.data;
        o.len = p->out.len;
        publish(p, &o);
        return next_delay(p, o.duration);
}

/* Where the line "# EOF" that ends a frame starts, or NULL. */
static const char *frame_end(const char *data, size_t len) {
        if (len >= 6 && memcmp(data, "# EOF\n", 6) == 0)
                return data;
        const char *e = memmem(data, len, "\n# EOF\n", 7);
        return e ? e + 1 : NULL;
}

static bool frame_done(const struct buf *out) {
        return frame_end(out->data, out->len) != NULL;
}

/* The scheduler's run of a long-running program: one line to its stdin
 * asks for a frame, which ends with a line "# EOF". One that died, fell
 * silent, or broke the protocol is stopped, and started again after a
 * delay that doubles up to BACKOFF_MAX_MS and is reset by a frame. */
static uint64_t stream_run(struct exec_program *p) {
        struct exec_spec spec = {p->path, p->argv, p->envp};
        struct run_outcome o = {.exit_code = p->status.exit_code};
        uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
        buf_reset(&p->out);
        buf_reset(&p->err);
        int r = buf_reserve(&p->out, 0) < 0 || buf_reserve(&p->err, 0) < 0 ? -ENOMEM : 0;
        if (r == 0 && !p->child_up) {
                r = exec_process_start(&spec, true, &p->child);
                if (r < 0) {
                        o.start_failed = true;
                        (void) snprintf(o.why, sizeof(o.why), "cannot run %s: %s", p->path, strerror(-r));
                } else {
                        o.restarted = p->started_once;
                        p->child_up = p->started_once = true;
                }
        }
        bool restart = false;
        if (r == 0) {
                uint64_t deadline = t0 + p->timeout_ms * 1000000u;
                r = exec_process_write(&p->child, "\n", 1, deadline);
                if (r == 0)
                        r = exec_process_read(&p->child, deadline, p->max_output, STDERR_KEEP, &p->out, &p->err,
                                              frame_done);
                log_stderr(p);
                restart = r != 1;
                const char *end = r == 1 ? frame_end(p->out.data, p->out.len) : NULL;
                if (end && (size_t) (end - p->out.data) + 6 < p->out.len) {
                        (void) snprintf(o.why, sizeof(o.why), "output after # EOF, before it was asked for");
                        o.output_error = restart = true;
                } else if (end) {
                        o.text = p->out.data;
                        o.len = (size_t) (end - p->out.data);
                        o.output_error = check_output(p, o.text, o.len, o.why, sizeof(o.why)) < 0;
                } else if (r == -ETIMEDOUT) {
                        o.timed_out = true;
                        (void) snprintf(o.why, sizeof(o.why), "no frame ended by # EOF within its timeout of %llu ms",
                                        (unsigned long long) p->timeout_ms);
                } else if (r == -EFBIG) {
                        o.output_error = true;
                        (void) snprintf(o.why, sizeof(o.why), "output refused: a frame of more than %u bytes",
                                        p->max_output);
                } else if (r == 0 || r == -ECHILD || r == -EPIPE)
                        (void) snprintf(o.why, sizeof(o.why), "exited before its frame ended by # EOF");
                else
                        (void) snprintf(o.why, sizeof(o.why), "cannot talk to it: %s", strerror(-r));
        }
        if (restart) {
                o.exit_code = exec_process_stop(&p->child, o.timed_out, NULL);
                p->child_up = false;
        }
        o.duration = (double) (clock_ns(CLOCK_MONOTONIC) - t0) / 1e9;
        publish(p, &o);
        if (!restart && !o.start_failed) {
                p->backoff_ms = 0;
                return next_delay(p, o.duration);
        }
        p->backoff_ms = p->backoff_ms == 0 ? BACKOFF_MIN_MS : p->backoff_ms * 2;
        if (p->backoff_ms > BACKOFF_MAX_MS)
                p->backoff_ms = BACKOFF_MAX_MS;
        if (!o.start_failed)
                log_info("exec %s: started again in %llu ms", p->name, (unsigned long long) p->backoff_ms);
        return p->backoff_ms;
}

static uint64_t program_run(void *userdata, _unused_ bool fd_ready) {
        struct exec_program *p = userdata;
        return p->stream ? stream_run(p) : once_run(p);
}

/* --- configuration --- */

/* command split at blanks, without a shell: '...' keeps everything,
 * "..." keeps everything but \" and \\, which it unescapes. */
static int split_command(const char *s, char ***ret) {
        char **v = calloc(ARGS_MAX + 1, sizeof(*v));
        char *word = malloc(strlen(s) + 1);
        int r = v && word ? 0 : -ENOMEM;
        size_t n = 0;
        while (r == 0) {
                s += strspn(s, " \t");
                if (!*s)
                        break;
                size_t len = 0;
                while (r == 0 && *s && *s != ' ' && *s != '\t') {
                        char q = *s;
                        if (q != '\'' && q != '"') {
                                word[len++] = *s++;
                                continue;
                        }
                        for (s++; *s && *s != q; s++) {
                                if (q == '"' && *s == '\\' && (s[1] == '"' || s[1] == '\\'))
                                        s++;
                                word[len++] = *s;
                        }
                        if (*s != q)
                                r = -EINVAL;
                        else
                                s++;
                }
                if (r == 0 && n == ARGS_MAX)
                        r = -E2BIG;
                if (r == 0 && !(v[n++] = strndup(word, len)))
                        r = -ENOMEM;
        }
        free(word);
        if (r == 0 && n == 0)
                r = -EINVAL;
        if (r < 0) {
                strv_free(v);
                return r;
        }
        *ret = v;
        return 0;
}

/* name looked for in the directories of path, as execvp would. */
static int find_in_path(const char *name, const char *path, char **ret) {
        for (const char *d = path; *d;) {
                size_t len = strcspn(d, ":");
                if (len > 0 && d[0] == '/') {
                        char *full;
                        if (asprintf(&full, "%.*s/%s", (int) len, d, name) < 0)
                                return -ENOMEM;
                        if (access(full, X_OK) == 0) {
                                *ret = full;
                                return 0;
                        }
                        free(full);
                }
                d += len + (d[len] == ':');
        }
        return -ENOENT;
}

static bool env_name_valid(const char *name) {
        if (!*name || (*name >= '0' && *name <= '9'))
                return false;
        return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(name);
}

/* PATH (the default unless env.PATH says) and the env.NAME entries. */
static int build_env(struct exec_program *p, const struct config_section *s, struct diag *diag, const char **ret_path) {
        if (!(p->envp = calloc(ENV_MAX + 2, sizeof(*p->envp))))
                return -ENOMEM;
        size_t n = 0;
        const char *path = DEFAULT_PATH;
        for (size_t i = 0; i < s->n_entries; i++) {
                const struct config_entry *e = &s->entries[i];
                if (strncmp(e->key, "env.", 4) != 0)
                        continue;
                if (!env_name_valid(e->key + 4))
                        return config_entry_error(s, e, diag, "'%s' is not a variable name (letters, digits, '_')",
                                                  e->key + 4);
                if (n == ENV_MAX)
                        return config_entry_error(s, e, diag, "more than %d env entries", ENV_MAX);
                if (strcmp(e->key + 4, "PATH") == 0) {
                        path = e->value;
                        continue;
                }
                if (asprintf(&p->envp[n++], "%s=%s", e->key + 4, e->value) < 0) {
                        p->envp[n - 1] = NULL;
                        return -ENOMEM;
                }
        }
        if (asprintf(&p->envp[n], "PATH=%s", path) < 0) {
                p->envp[n] = NULL;
                return -ENOMEM;
        }
        *ret_path = path;
        return 0;
}

static int size_key(const struct config_section *s, const char *key, unsigned def, unsigned min, unsigned max,
                    unsigned *ret, struct diag *diag) {
        const struct config_entry *e = config_section_get(s, key);
        if (!e) {
                *ret = def;
                return 0;
        }
        if (parse_uint_range(e->value, min, max, ret) < 0)
                return config_entry_error(s, e, diag, "'%s' is not a number of bytes from %u to %u", e->value, min,
                                          max);
        return 0;
}

static int program_configure(struct exec_program *p, const struct config_section *s, struct diag *diag) {
        const struct config_entry *cmd = config_section_get(s, "command");
        if (!cmd)
                return diag_at(diag, s->file, s->line, "[exec.%s]: no command (the program to run and its arguments)",
                               s->name);
        const struct config_entry *mode = config_section_get(s, "mode");
        if (mode && strcmp(mode->value, "stream") != 0 && strcmp(mode->value, "once") != 0)
                return config_entry_error(s, mode, diag, "'%s' is not a mode (once or stream)", mode->value);
        p->stream = mode && strcmp(mode->value, "stream") == 0;
        bool shell, allow_root;
        int r = config_section_bool(s, "shell", false, &shell, diag);
        if (r < 0 || (r = config_section_bool(s, "allow_root", false, &allow_root, diag)) < 0)
                return r;
        if (geteuid() == 0 && !allow_root)
                return diag_at(diag, s->file, s->line,
                               "[exec.%s]: vigie runs as root, and a program runs as the agent does: run vigie as "
                               "an unprivileged user, or set allow_root = true",
                               s->name);
        const char *path = DEFAULT_PATH;
        if ((r = build_env(p, s, diag, &path)) < 0)
                return r;
        if (shell) {
                if (!(p->argv = calloc(4, sizeof(*p->argv))) || !(p->argv[0] = strdup("sh")) ||
                    !(p->argv[1] = strdup("-c")) || !(p->argv[2] = strdup(cmd->value)) ||
                    !(p->path = strdup("/bin/sh")))
                        return -ENOMEM;
        } else {
                r = split_command(cmd->value, &p->argv);
                if (r == -ENOMEM)
                        return r;
                if (r == -E2BIG)
                        return config_entry_error(s, cmd, diag, "more than %d arguments", ARGS_MAX);
                if (r < 0)
                        return config_entry_error(s, cmd, diag, "'%s': an empty command or an unclosed quote",
                                                  cmd->value);
                if (strchr(p->argv[0], '/')) {
                        if (p->argv[0][0] != '/')
                                return config_entry_error(s, cmd, diag, "'%s' is not an absolute path", p->argv[0]);
                        if (!(p->path = strdup(p->argv[0])))
                                return -ENOMEM;
                } else if ((r = find_in_path(p->argv[0], path, &p->path)) < 0)
                        return r == -ENOMEM ? r
                                            : config_entry_error(s, cmd, diag, "'%s' is not a program in %s",
                                                                 p->argv[0], path);
        }
        if ((r = config_section_duration_ms(s, "interval", DEFAULT_INTERVAL_MS, 1000, 86400000, &p->interval_ms,
                                            diag)) < 0)
                return r;
        uint64_t def_timeout = p->interval_ms < DEFAULT_TIMEOUT_MS ? p->interval_ms : DEFAULT_TIMEOUT_MS;
        if ((r = config_section_duration_ms(s, "timeout", def_timeout, 10, p->interval_ms, &p->timeout_ms, diag)) < 0)
                return r;
        if ((r = size_key(s, "max_output_bytes", DEFAULT_MAX_OUTPUT, 1, MAX_OUTPUT_LIMIT, &p->max_output, diag)) < 0)
                return r;
        return size_key(s, "max_line_length", DEFAULT_MAX_LINE, 1, MAX_OUTPUT_LIMIT, &p->max_line, diag);
}

static int program_new(const struct config_section *s, struct diag *diag, struct exec_program **ret) {
        struct exec_program *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        (void) pthread_mutex_init(&p->lock, NULL);
        (void) pthread_mutex_init(&p->parser_lock, NULL);
        /* the section goes with the config: the program keeps copies */
        int r = program_configure(p, s, diag);
        char source[300];
        (void) snprintf(source, sizeof(source), "the program of [exec.%s]", s->name);
        if (r >= 0 && asprintf(&p->label, "exec.%s", s->name) < 0) {
                p->label = NULL;
                r = -ENOMEM;
        }
        if (r >= 0 && (!(p->name = strdup(s->name)) || textfile_parser_new(source, &p->parser) < 0))
                r = -ENOMEM;
        if (r < 0) {
                program_free(p);
                return r;
        }
        p->status.exit_code = -1;
        *ret = p;
        return 0;
}

static void exec_state_free(void *state) {
        struct exec_state *st = state;
        if (!st)
                return;
        for (size_t i = 0; st->owned && i < st->n; i++)
                program_free(st->programs[i]);
        free(st->programs);
        free(st->seen);
        free(st);
}

static int exec_init(const struct collector_env *env, _unused_ const struct config_section *section, struct diag *diag,
                     void **ret_state) {
        struct exec_state *st = calloc(1, sizeof(*st));
        size_t n = env->n_execs;
        if (!st || !(st->programs = calloc(n ? n : 1, sizeof(*st->programs))) ||
            !(st->seen = calloc(n ? n : 1, sizeof(*st->seen)))) {
                exec_state_free(st);
                return -ENOMEM;
        }
        st->owned = !env->scheduler;
        for (size_t i = 0; i < n; i++) {
                struct exec_program *p;
                int r = program_new(&env->execs[i], diag, &p);
                /* the scheduler owns it from here; the state only reads it */
                if (r >= 0 && !st->owned &&
                    (r = scheduler_add(env->scheduler, p->name, -1, program_run, program_free, p)) < 0)
                        program_free(p);
                if (r < 0) {
                        exec_state_free(st);
                        return r;
                }
                st->programs[st->n++] = p;
        }
        *ret_state = st;
        return 0;
}

static void write_status(struct metric_set *set, const struct metric_desc *d, const struct exec_state *st,
                         double (*value)(const struct exec_status *)) {
        (void) metric_set_family(set, d);
        for (size_t i = 0; i < st->n; i++)
                if (st->seen[i].ran)
                        (void) metric_set_sample1(set, value(&st->seen[i]), st->programs[i]->name);
}

static double success_of(const struct exec_status *s) {
        return s->success;
}
static double exit_of(const struct exec_status *s) {
        return s->exit_code;
}
static double duration_of(const struct exec_status *s) {
        return s->duration;
}
static double runs_of(const struct exec_status *s) {
        return (double) s->runs;
}
static double timeouts_of(const struct exec_status *s) {
        return (double) s->timeouts;
}
static double output_errors_of(const struct exec_status *s) {
        return (double) s->output_errors;
}
static double restarts_of(const struct exec_status *s) {
        return (double) s->restarts;
}
static double start_failures_of(const struct exec_status *s) {
        return (double) s->start_failures;
}

/* Copies each program's last accepted output and status (its lock held
 * only for that). The descriptors the outputs no longer use are freed
 * here, under the engine's lock, so that no scrape still reads a set
 * that points at one, and before the copy: what was published since the
 * last sweep uses only the ones kept, and nothing is published between
 * the sweep and the copy. A parse going on (the parser's lock taken)
 * puts the sweep off to the next scrape rather than make this one wait. */
static int exec_collect(void *state, struct collect_ctx *ctx) {
        struct exec_state *st = state;
        bool any = false;
        for (size_t i = 0; i < st->n; i++) {
                struct exec_program *p = st->programs[i];
                bool parser = pthread_mutex_trylock(&p->parser_lock) == 0;
                (void) pthread_mutex_lock(&p->lock);
                if (parser && p->sweep_due) {
                        (void) textfile_parser_sweep(p->parser);
                        p->sweep_due = false;
                }
                st->seen[i] = p->status;
                /* the engine checks it against what is in the set already */
                source_merge_mark(ctx->merge, ctx->set, p->label);
                (void) metric_set_append(ctx->set, &p->published);
                (void) pthread_mutex_unlock(&p->lock);
                if (parser)
                        (void) pthread_mutex_unlock(&p->parser_lock);
                any |= st->seen[i].ran;
        }
        source_merge_mark(ctx->merge, ctx->set, NULL);
        if (!any)
                return ctx->set->error;
        /* each program as the engine shows a collector, then in its own words */
        (void) metric_set_family(ctx->set, &collector_duration_desc);
        for (size_t i = 0; i < st->n; i++)
                if (st->seen[i].ran)
                        (void) metric_set_sample1(ctx->set, st->seen[i].duration, st->programs[i]->label);
        (void) metric_set_family(ctx->set, &collector_success_desc);
        for (size_t i = 0; i < st->n; i++)
                if (st->seen[i].ran)
                        (void) metric_set_sample1(ctx->set, st->seen[i].success, st->programs[i]->label);
        write_status(ctx->set, &success_desc, st, success_of);
        write_status(ctx->set, &exit_desc, st, exit_of);
        write_status(ctx->set, &duration_desc, st, duration_of);
        write_status(ctx->set, &runs_desc, st, runs_of);
        write_status(ctx->set, &timeouts_desc, st, timeouts_of);
        write_status(ctx->set, &output_errors_desc, st, output_errors_of);
        write_status(ctx->set, &start_failures_desc, st, start_failures_of);
        write_status(ctx->set, &restarts_desc, st, restarts_of);
        return ctx->set->error;
}

/* for vigie-collectors(7) */
static const struct metric_desc *const exec_families[] = {
        &success_desc,       &exit_desc,     &duration_desc,       &runs_desc, &timeouts_desc,
        &output_errors_desc, &restarts_desc, &start_failures_desc, NULL,
};

const struct collector exec_collector = {
        .name = "exec",
        .help = "programs of the [exec.NAME] sections, each run on its own interval, their output in the text format",
        .default_enabled = true,
        .outside = true,
        .init = exec_init,
        .collect = exec_collect,
        .free = exec_state_free,
        .host_families = exec_families,
};
