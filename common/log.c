/* log.c - one-line logs to stderr with UTC time, level and the node's path.
 *
 * Lines are formatted into a stack buffer and written with one write(2), so lines of
 * processes sharing a terminal or a file do not interleave. */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "err.h"

static char log_name[128] = "fenghuo";
static enum fh_log_level log_min = FH_LOG_INFO;

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void fh_log_init(const char *name, enum fh_log_level level)
{
    snprintf(log_name, sizeof log_name, "%s", name ? name : "fenghuo");
    log_min = level;
}

int fh_log_level_parse(const char *s, enum fh_log_level *out)
{
    for (int i = 0; i <= FH_LOG_ERROR; i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (enum fh_log_level)i;
            return 0;
        }
    }
    if (strcasecmp(s, "warning") == 0) {
        *out = FH_LOG_WARN;
        return 0;
    }
    return FH_EINVAL;
}

/* Simulated time for tests (an uplink cut for hours, in seconds): the environment
 * variable FH_TEST_CLOCK_OFFSET_S shifts this process's clock. Read once. */
static int64_t clock_offset_us;
static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

static void read_clock_offset(void)
{
    const char *s = getenv("FH_TEST_CLOCK_OFFSET_S");
    if (s && *s)
        clock_offset_us = strtoll(s, NULL, 10) * 1000000;
}

uint64_t fh_now_us(void)
{
    struct timespec ts;
    pthread_once(&clock_once, read_clock_offset);
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u +
           (uint64_t)clock_offset_us;
}

uint64_t fh_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void vlog(enum fh_log_level level, const char *suffix, const char *fmt, va_list ap)
{
    char line[2048];
    uint64_t now = fh_now_us();
    time_t secs = (time_t)(now / 1000000u);
    struct tm tm;
    gmtime_r(&secs, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ %s %s: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (unsigned)(now % 1000000u / 1000u), level_names[level],
                     log_name);
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    size_t len = m < 0 ? (size_t)n : (size_t)n + (size_t)m;
    if (len > sizeof line - 2 - strlen(suffix))
        len = sizeof line - 2 - strlen(suffix);
    memcpy(line + len, suffix, strlen(suffix));
    len += strlen(suffix);
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

void fh_log(enum fh_log_level level, const char *fmt, ...)
{
    if (level < log_min)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, "", fmt, ap);
    va_end(ap);
}

void fh_log_limited(struct fh_log_limit *lim, unsigned interval_s, enum fh_log_level level,
                    const char *fmt, ...)
{
    uint64_t now = fh_mono_ms() * 1000u;
    if (lim->last_us != 0 && now - lim->last_us < (uint64_t)interval_s * 1000000u) {
        lim->suppressed++;
        return;
    }
    char suffix[64] = "";
    if (lim->suppressed)
        snprintf(suffix, sizeof suffix, " (%llu more like this since the last line)",
                 (unsigned long long)lim->suppressed);
    lim->last_us = now;
    lim->suppressed = 0;
    if (level < log_min)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, suffix, fmt, ap);
    va_end(ap);
}
