/* health_procs.h - listening TCP sockets and the busiest processes, for the health probe.
 *
 * Parsers take the text of one /proc file and are pure (tests feed them fixtures); the
 * sampler walks <proc_root>/<pid>/stat, bounded to FH_HEALTH_MAX_PIDS processes, and
 * keeps each process's CPU ticks between two samples to give CPU % since the last one. */
#ifndef FH_HEALTH_PROCS_H
#define FH_HEALTH_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FH_HEALTH_TOP 5                /* processes in each top list */
#define FH_HEALTH_MAX_LISTENERS 64     /* listening sockets in one report */
#define FH_HEALTH_MAX_PIDS 2048        /* processes sampled for the top lists */
#define FH_HEALTH_COMM_MAX 32          /* a process name with NUL (the kernel's is <= 16) */
#define FH_HEALTH_ADDR_MAX 48          /* an IPv6 address as text with NUL */

struct fh_health_listener {
    char proto[8];
    char address[FH_HEALTH_ADDR_MAX];
    uint32_t port;
};

/* Add the LISTEN sockets of a /proc/net/tcp (v6 false) or tcp6 (v6 true) text to
 * out[*n..max), skipping ones already there. Malformed lines are skipped. Returns the
 * number of lines that could not be read (0 for a clean file). */
int fh_health_parse_listeners(const char *text, bool v6, struct fh_health_listener *out,
                              size_t max, size_t *n);

/* Read one /proc/PID/stat line: comm (cut to comm_len), utime + stime in clock ticks,
 * rss in pages. Returns 0 or FH_EMALFORMED. */
int fh_health_parse_pid_stat(const char *text, char *comm, size_t comm_len,
                             uint64_t *ticks, uint64_t *rss_pages);

struct fh_health_top {
    uint32_t pid;
    char name[FH_HEALTH_COMM_MAX];
    double cpu_pct;
    uint64_t rss_kb;
};

struct fh_health_pidticks {
    uint32_t pid;
    uint64_t ticks;
};

/* The sampler's memory between two samples (zero-initialised before the first). */
struct fh_health_procs {
    struct fh_health_pidticks prev[FH_HEALTH_MAX_PIDS], cur[FH_HEALTH_MAX_PIDS];
    size_t nprev;
    uint64_t prev_ms;        /* monotonic time of the previous sample, 0: none */
};

/* Walk proc_root's processes now_ms (monotonic) and fill the top FH_HEALTH_TOP by CPU
 * since the previous sample (none on the first) and by RSS, largest first. */
void fh_health_procs_sample(struct fh_health_procs *ps, const char *proc_root, uint64_t now_ms,
                            struct fh_health_top *top_cpu, size_t *ncpu,
                            struct fh_health_top *top_rss, size_t *nrss);

#endif
