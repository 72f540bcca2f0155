/* The floor: the cheapest a scrape could be, reading the same kernel files
 * as vigie's default collectors into a buffer and statfs'ing every mount,
 * with nothing parsed and nothing encoded. Usage: bench_floor N
 * Prints cpu_us_per_read. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

int main(int argc, char **argv) {
        long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
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
