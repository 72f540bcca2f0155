/* vigie: parse flags, load the config, then either check it, collect once,
 * or run as a daemon (systemd Type=notify, socket activation, SIGHUP
 * reload, SIGTERM/SIGINT stop, watchdog). Exit codes: 0 done, 1 a runtime
 * failure (cannot listen), 2 a bad flag or config. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "http_server.h"
#include "listen.h"
#include "log.h"
#include "options.h"
#include "prom_text.h"
#include "push.h"
#include "registry.h"
#include "scrape.h"
#include "systemd.h"
#include "tls_library.h"
#include "version.h"

#define EXIT_BAD_CONFIG 2

/* Defaults, then the config file, then the flags over both. */
static int load_config(const struct options *o, struct config *ret, struct diag *diag) {
        struct config cfg = {0};
        int r = config_init_defaults(&cfg);
        if (r < 0) {
                (void) diag_set(diag, "out of memory");
                return r;
        }
        if (o->config_path)
                r = config_load(&cfg, o->config_path, diag);
        if (r >= 0)
                r = options_apply(o, &cfg, diag);
        /* GnuTLS for a web config (its certificates, TLS, the basic auth
         * cache's HMAC) and for plugins, which may count on it being
         * initialised; otherwise it stays uninitialised (tls_library.c) */
        if (r >= 0 && (cfg.web_config_file || cfg.n_plugins > 0) && tls_library_start() < 0)
                r = diag_set(diag, "GnuTLS does not initialise");
        if (r < 0) {
                config_free(&cfg);
                return r;
        }
        *ret = cfg;
        return 0;
}

static void describe_collectors(const struct config *cfg, char *out, size_t size) {
        size_t len = 0;
        out[0] = '\0';
        for (size_t i = 0; i < registry_count && len < size; i++)
                if (config_collector_enabled(cfg, i))
                        len += (size_t) snprintf(out + len, size - len, "%s%s", len ? ", " : "",
                                                 registry_collectors[i]->name);
        if (len == 0)
                (void) snprintf(out, size, "none");
}

struct once_output {
        struct prom_encoder enc;
        struct buf text;
};

static int once_consume(const struct metric_set *set, void *userdata) {
        struct once_output *o = userdata;
        int r = prom_text_encode(&o->enc, set, &o->text);
        if (r < 0)
                return r;
        if (fwrite(o->text.data, 1, o->text.len, stdout) != o->text.len || fflush(stdout) != 0)
                return -EIO;
        return 0;
}

static int run_once(struct scrape_engine *e) {
        struct once_output o = {0};
        int r = scrape_engine_collect(e, once_consume, &o);
        prom_encoder_free(&o.enc);
        buf_free(&o.text);
        if (r < 0)
                return log_errno(LOG_LEVEL_ERROR, r, "cannot write the exposition"), EXIT_FAILURE;
        return EXIT_SUCCESS;
}

/* The listening sockets: from systemd when it passed some, else our own. */
static int open_sockets(const struct config *cfg, int **ret_fds, size_t *ret_n) {
        int n = systemd_listen_fds();
        if (n < 0)
                return log_errno(LOG_LEVEL_ERROR, n, "cannot read the sockets passed by systemd");
        if (n == 0 && cfg->systemd_socket) {
                log_error("--web.systemd-socket is set but systemd passed no socket; is vigie.socket enabled?");
                return -EINVAL;
        }
        size_t count = n > 0 ? (size_t) n : cfg->n_listen_addresses;
        int *fds = calloc(count, sizeof(*fds));
        if (!fds)
                return -ENOMEM;
        for (size_t i = 0; i < count; i++) {
                int fd;
                if (n > 0) {
                        fd = SYSTEMD_LISTEN_FDS_START + (int) i;
                        if (!systemd_is_listening_stream(fd)) {
                                log_error("socket %d passed by systemd is not a listening stream socket", fd);
                                fd = -EINVAL;
                        }
                } else {
                        fd = listen_open(cfg->listen_addresses[i]);
                        if (fd < 0)
                                log_errno(LOG_LEVEL_ERROR, fd, "cannot listen on %s", cfg->listen_addresses[i]);
                }
                if (fd < 0) {
                        for (size_t k = 0; k < i; k++)
                                (void) close(fds[k]);
                        free(fds);
                        return fd;
                }
                fds[i] = fd;
                char where[300];
                if (listen_describe(fd, where, sizeof(where)) >= 0)
                        log_info("listening on %s%s", where, n > 0 ? " (socket from systemd)" : "");
        }
        *ret_fds = fds;
        *ret_n = count;
        return 0;
}

/* The settings as text, to tell whether a reload changes anything. */
static char *config_text(const struct config *cfg) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!f)
                return NULL;
        config_write(cfg, f, false, NULL);
        if (fclose(f) != 0) {
                free(text);
                return NULL;
        }
        return text;
}

static bool configs_equal(const struct config *a, const struct config *b) {
        _cleanup_free_ char *ta = config_text(a), *tb = config_text(b);
        return ta && tb && strcmp(ta, tb) == 0;
}

/* MHD's connection limit; --web.max-requests=0 is node_exporter's "no limit" */
static unsigned connection_limit(const struct config *cfg) {
        struct rlimit rl;
        if (cfg->max_requests > 0)
                return cfg->max_requests;
        if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1000000)
                return 1000000;
        return (unsigned) rl.rlim_cur;
}

static void log_apply(const struct config *cfg, enum log_target target) {
        log_setup(cfg->log_level, target);
        log_set_format(cfg->log_format);
}

static bool web_settings_differ(const struct config *a, const struct config *b) {
        if (a->n_listen_addresses != b->n_listen_addresses || a->max_requests != b->max_requests ||
            a->connection_timeout_s != b->connection_timeout_s || a->systemd_socket != b->systemd_socket ||
            a->max_requests_per_client != b->max_requests_per_client || a->header_timeout_s != b->header_timeout_s)
                return true;
        for (size_t i = 0; i < a->n_listen_addresses; i++)
                if (strcmp(a->listen_addresses[i], b->listen_addresses[i]) != 0)
                        return true;
        return false;
}

static void notify_status(const struct config *cfg, const char *what) {
        char collectors[512];
        describe_collectors(cfg, collectors, sizeof(collectors));
        (void) systemd_notifyf("STATUS=%s; collectors: %s", what, collectors);
}

/* SIGHUP: a broken new config is refused and the running one stays. */
static void reload(const struct options *o, struct config *cfg, struct scrape_engine *e, struct http_server *srv) {
        struct diag diag = {0};
        struct config next = {0};
        (void) systemd_notifyf("RELOADING=1\nMONOTONIC_USEC=%llu",
                               (unsigned long long) (clock_ns(CLOCK_MONOTONIC) / 1000));
        if (load_config(o, &next, &diag) < 0)
                goto refused;
        /* the web config and its certificates may have changed in place */
        if (http_server_check_web(next.web_config_file, &diag) < 0) {
                config_free(&next);
                goto refused;
        }
        bool same = configs_equal(cfg, &next);
        if (!same && (push_check(&next, &diag) < 0 || scrape_engine_configure(e, &next, &diag) < 0)) {
                config_free(&next);
                goto refused;
        }
        int web = http_server_reload_web(srv, next.web_config_file, &diag);
        if (web < 0)
                log_error("the web config was not reloaded: %s; the running one stays", diag.msg);
        else if (web > 0)
                log_warn("TLS turned on or off, or its versions, take effect at the next restart");
        if (same) {
                /* nothing changed: nothing to say, nothing rebuilt */
                config_free(&next);
                (void) systemd_notify("READY=1");
                return;
        }
        if (web_settings_differ(cfg, &next))
                log_warn("listen addresses, connection limits and timeouts take effect at the next restart");
        if (cfg->n_push_targets > 0 || next.n_push_targets > 0)
                log_info("push settings take effect at the next restart");
        (void) http_server_set_telemetry_path(srv, next.telemetry_path);
        log_apply(&next, next.log_target);
        config_free(cfg);
        *cfg = next;
        log_info("configuration reloaded from %s", cfg->path ? cfg->path : "the embedded defaults");
        (void) systemd_notify("READY=1");
        notify_status(cfg, "serving");
        return;

refused:
        log_error("reload refused: %s; the running configuration stays", diag.msg);
        (void) systemd_notify("READY=1\nSTATUS=reload refused; running the previous configuration");
}

static int run_daemon(const struct options *o, struct config *cfg, struct scrape_engine *e) {
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        /* blocked before any thread starts, so that every thread inherits it
         * and the signals wait for sigtimedwait() below */
        (void) pthread_sigmask(SIG_BLOCK, &mask, NULL);
        (void) signal(SIGPIPE, SIG_IGN);

        int *fds = NULL;
        size_t n_fds = 0;
        if (open_sockets(cfg, &fds, &n_fds) < 0)
                return EXIT_FAILURE;
        struct http_server_config hc = {
                .telemetry_path = cfg->telemetry_path,
                .max_connections = connection_limit(cfg),
                .max_per_client = cfg->max_requests_per_client,
                .connection_timeout = cfg->connection_timeout_s,
                .header_timeout = cfg->header_timeout_s,
                .web_config_file = cfg->web_config_file,
        };
        struct diag diag = {0};
        struct http_server *srv = NULL;
        int r = http_server_start(fds, n_fds, &hc, e, &srv, &diag);
        free(fds);
        if (r == -EINVAL && diag.msg[0]) {
                log_error("cannot start the HTTP server: %s", diag.msg);
                return EXIT_BAD_CONFIG;
        }
        if (r < 0)
                return log_errno(LOG_LEVEL_ERROR, r, "cannot start the HTTP server"), EXIT_FAILURE;

        struct push *push = NULL;
        if (push_start(cfg, e, &push, &diag) < 0) {
                log_error("cannot start pushing: %s", diag.msg[0] ? diag.msg : "out of memory");
                http_server_stop(srv);
                return EXIT_FAILURE;
        }
        if (push) {
                scrape_engine_set_source(e, SCRAPE_SOURCE_PUSH, push_metrics, push);
                http_server_set_push(srv, push);
        }

        /* no collector needs root (RAPL and IPMI need the vigie group the
         * udev rule names); the packaged unit runs vigie as vigie */
        if (geteuid() == 0)
                log_warn("running as root, which vigie does not need: run it as a user of its own "
                         "(the packaged unit runs it as vigie)");
        uint64_t watchdog_usec = systemd_watchdog_usec();
        bool watchdog = watchdog_usec > 0;
        log_info("vigie %s started: %zu collector(s), metrics at %s%s", VIGIE_VERSION, scrape_engine_count(e),
                 cfg->telemetry_path, watchdog ? ", systemd watchdog on" : "");
        (void) systemd_notify("READY=1");
        notify_status(cfg, "serving");

        for (;;) {
                struct timespec timeout = {
                        .tv_sec = (time_t) (watchdog_usec / 2 / 1000000),
                        .tv_nsec = (long) (watchdog_usec / 2 % 1000000 * 1000),
                };
                int sig = sigtimedwait(&mask, NULL, watchdog ? &timeout : NULL);
                if (watchdog)
                        (void) systemd_notify("WATCHDOG=1");
                if (sig < 0)
                        continue; /* EAGAIN (watchdog tick) or EINTR */
                if (sig == SIGHUP) {
                        reload(o, cfg, e, srv);
                        continue;
                }
                log_info("%s: stopping", strsignal(sig));
                break;
        }

        (void) systemd_notify("STOPPING=1\nSTATUS=stopping");
        http_server_set_ready(srv, false);
        http_server_stop(srv);
        scrape_engine_set_source(e, SCRAPE_SOURCE_PUSH, NULL, NULL);
        push_stop(push); /* what is queued stays on disk */
        log_info("stopped");
        return EXIT_SUCCESS;
}

int main(int argc, char **argv) {
        /* One malloc arena for every thread: glibc gives each thread that
         * allocates an arena of its own, and each of the HTTP threads then
         * keeps its freed connection buffers, about 50 kB apiece, resident.
         * Contention is not a concern here: a handful of threads, and
         * scrapes serialised by the engine's lock. Set before any thread
         * starts. */
        (void) mallopt(M_ARENA_MAX, 1);
        struct diag diag = {0};
        struct options opts;
        if (options_parse(argc, argv, &opts, &diag) < 0) {
                log_startup_error(diag.msg);
                return EXIT_BAD_CONFIG;
        }
        if (opts.help) {
                options_print_help(stdout, "vigie");
                options_free(&opts);
                return EXIT_SUCCESS;
        }
        if (opts.version) {
                printf("vigie %s (revision %s)\n", VIGIE_VERSION, VIGIE_REVISION);
                options_free(&opts);
                return EXIT_SUCCESS;
        }

        struct config cfg = {0};
        if (load_config(&opts, &cfg, &diag) < 0) {
                log_startup_error(diag.msg);
                options_free(&opts);
                return EXIT_BAD_CONFIG;
        }
        /* --check-config and --once talk to a person: keep their log on stderr */
        log_apply(&cfg, opts.check_config || opts.once ? LOG_TARGET_STDERR : cfg.log_target);
        for (size_t i = 0; i < opts.n_warnings; i++)
                log_warn("%s", opts.warnings[i]);

        struct scrape_engine *e = NULL;
        int ret;
        if (scrape_engine_new(&e) < 0) {
                log_startup_error("out of memory");
                ret = EXIT_FAILURE;
        } else if (scrape_engine_configure(e, &cfg, &diag) < 0 || push_check(&cfg, &diag) < 0 ||
                   http_server_check_web(cfg.web_config_file, &diag) < 0) {
                log_startup_error(diag.msg);
                ret = EXIT_BAD_CONFIG;
        } else if (opts.check_config) {
                char collectors[512];
                describe_collectors(&cfg, collectors, sizeof(collectors));
                printf("%s: configuration is valid; collectors: %s\n\n", cfg.path ? cfg.path : "embedded defaults",
                       collectors);
                printf("; the effective settings, and where each comes from\n");
                config_write(&cfg, stdout, true, push_url_redact);
                ret = EXIT_SUCCESS;
        } else if (opts.once)
                ret = run_once(e);
        else
                ret = run_daemon(&opts, &cfg, e);

        scrape_engine_free(e);
        config_free(&cfg);
        options_free(&opts);
        return ret;
}
