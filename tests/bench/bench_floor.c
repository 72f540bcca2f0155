/* The floor: the cheapest a scrape could be, reading the same kernel files
 * as vigie's default collectors into a buffer and statfs'ing every mount,
 * with nothing parsed and nothing encoded. Usage: bench_floor N
 * Prints cpu_us_per_read.
 *
 * bench_floor N --replay FILE: the kernel's part of a scrape of the
 * collectors under test, whatever they are. FILE lists the calls one
 * scrape of the running agent made, as tests/bench/run.sh takes them from
 * strace ("pread PATH", "statfs PATH", "stat PATH", "netlink" for a link
 * dump, "netlink-stats" for a counters dump, "adjtimex" a line); they are made N times, files kept open and read from 0
 * as the agent reads them, and nothing of what they return is looked at. What a program reading the same kernel sources
 * would pay at the least. */
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <sys/vfs.h>
#include <unistd.h>

static char buf[1 << 20];

static size_t slurp(const char *path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        size_t len = 0;
        ssize_t n;
        while ((n = read(fd, buf + len, sizeof(buf) - len - 1)) > 0)
                len += (size_t) n;
        close(fd);
        buf[len] = '\0';
        return len;
}

static double cpu_us(void) {
        struct rusage ru;
        (void) getrusage(RUSAGE_SELF, &ru);
        return (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
               (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

enum call { CALL_PREAD, CALL_STATFS, CALL_STAT, CALL_NETLINK_STATS, CALL_NETLINK, CALL_ADJTIMEX };

/* Sends req and reads the answers of its dump, looking at none but for
 * the NLMSG_DONE that ends them, alone or after the last answers. */
static void netlink_dump(int fd, const void *req, size_t len) {
        if (send(fd, req, len, 0) < 0)
                return;
        for (;;) {
                ssize_t r = recv(fd, buf, sizeof(buf), 0);
                if (r <= 0)
                        return;
                size_t left = (size_t) r;
                for (const struct nlmsghdr *h = (const struct nlmsghdr *) buf; NLMSG_OK(h, left);
                     h = NLMSG_NEXT(h, left))
                        if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
                                return;
        }
}

static int replay(long n, const char *list) {
        struct {
                enum call call;
                int fd;
                char path[512];
        } calls[512];
        size_t k = 0;
        char line[600];
        FILE *f = fopen(list, "r");
        if (!f) {
                perror(list);
                return 1;
        }
        while (k < sizeof(calls) / sizeof(calls[0]) && fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';
                /* in the order of enum call, "netlink-stats" before its prefix */
                static const char *const verbs[] = {"pread ",        "statfs ", "stat ",
                                                    "netlink-stats", "netlink", "adjtimex"};
                const size_t n_verbs = sizeof(verbs) / sizeof(verbs[0]);
                size_t v = 0;
                while (v < n_verbs && strncmp(line, verbs[v], strlen(verbs[v])) != 0)
                        v++;
                if (v == n_verbs) {
                        fprintf(stderr, "bench_floor: %s: not a call: %s\n", list, line);
                        fclose(f);
                        return 1;
                }
                calls[k].call = (enum call) v;
                (void) snprintf(calls[k].path, sizeof(calls[k].path), "%s", line + strlen(verbs[v]));
                calls[k].fd = -1;
                if (v == CALL_PREAD && (calls[k].fd = open(calls[k].path, O_RDONLY | O_CLOEXEC)) < 0)
                        continue; /* gone since (a process's file): not counted */
                if ((v == CALL_NETLINK || v == CALL_NETLINK_STATS) &&
                    (calls[k].fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0)
                        continue;
                k++;
        }
        fclose(f);
        double t0 = cpu_us();
        for (long i = 0; i < n; i++)
                for (size_t c = 0; c < k; c++) {
                        struct statfs sfs;
                        struct stat st;
                        struct timex tx = {0};
                        switch (calls[c].call) {
                        case CALL_PREAD:
                                /* 64 kB, as one read of vigie's takes a procfs
                                 * table; not all of buf, for which a sysctl
                                 * file would zero a buffer of 1 MB */
                                (void) pread(calls[c].fd, buf, 65536, 0);
                                break;
                        case CALL_STATFS: (void) statfs(calls[c].path, &sfs); break;
                        case CALL_STAT: (void) stat(calls[c].path, &st); break;
                        case CALL_NETLINK: {
                                /* every link, as netdev and netclass ask for them */
                                struct {
                                        struct nlmsghdr h;
                                        struct ifinfomsg i;
                                } req = {{sizeof(req), RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, (unsigned) i, 0}, {0}};
                                netlink_dump(calls[c].fd, &req, sizeof(req));
                                break;
                        }
                        case CALL_NETLINK_STATS: {
                                /* their counters alone, as they ask while no link changes */
                                struct {
                                        struct nlmsghdr h;
                                        struct if_stats_msg m;
                                } req = {{sizeof(req), RTM_GETSTATS, NLM_F_REQUEST | NLM_F_DUMP, (unsigned) i, 0},
                                         {.filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64)}};
                                netlink_dump(calls[c].fd, &req, sizeof(req));
                                break;
                        }
                        case CALL_ADJTIMEX: (void) adjtimex(&tx); break;
                        }
                }
        printf("cpu_us_per_read=%.2f\ncalls=%zu\n", (cpu_us() - t0) / (double) n, k);
        return 0;
}

int main(int argc, char **argv) {
        long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
        if (argc == 4 && strcmp(argv[2], "--replay") == 0)
                return replay(n, argv[3]);
        static const char *const files[] = {"/proc/stat", "/proc/meminfo", "/proc/diskstats", "/proc/net/dev",
                                            "/proc/loadavg"};
        double t0 = cpu_us();
        for (long i = 0; i < n; i++) {
                for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++)
                        (void) slurp(files[f]);
                size_t len = slurp("/proc/1/mountinfo");
                /* statfs every mount point (field 5 of each line) */
                for (char *line = buf, *next; line < buf + len; line = next + 1) {
                        next = strchr(line, '\n');
                        if (!next)
                                break;
                        *next = '\0';
                        char *p = line;
                        for (int k = 0; k < 4 && p; k++)
                                p = strchr(p + 1, ' ');
                        if (!p)
                                continue;
                        char *e = strchr(p + 1, ' ');
                        if (e)
                                *e = '\0';
                        struct statfs st;
                        (void) statfs(p + 1, &st);
                }
        }
        printf("cpu_us_per_read=%.2f\n", (cpu_us() - t0) / (double) n);
        return 0;
}
