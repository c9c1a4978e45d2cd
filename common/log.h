/* log.h - the one logger: one line per event on stderr.
 *
 * Each line: "2026-11-25T12:00:00.123Z LEVEL node-path: message". The node path is set
 * once at start with fh_log_init(). fh_log_limited() is for events an outsider can
 * trigger at will (refused input): it prints at most one line per key per interval and
 * says how many were suppressed in between. */
#ifndef FH_LOG_H
#define FH_LOG_H

#include <stdint.h>

enum fh_log_level { FH_LOG_DEBUG, FH_LOG_INFO, FH_LOG_WARN, FH_LOG_ERROR };

/* name: the node's path or program name, copied. level: lowest level printed. */
void fh_log_init(const char *name, enum fh_log_level level);
/* Parse "debug", "info", "warn", "error". Returns 0 or FH_EINVAL. */
int fh_log_level_parse(const char *s, enum fh_log_level *out);

void fh_log(enum fh_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A rate limiter for one kind of message. Zero-initialise; keep it for the process life. */
struct fh_log_limit {
    uint64_t last_us;
    uint64_t suppressed;
};
/* Log at most once per interval_s for this limiter. */
void fh_log_limited(struct fh_log_limit *lim, unsigned interval_s, enum fh_log_level level,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Wall clock in UTC microseconds (shifted by FH_TEST_CLOCK_OFFSET_S seconds when that is
 * set: simulated time for tests only). */
uint64_t fh_now_us(void);
/* Monotonic clock in milliseconds. */
uint64_t fh_mono_ms(void);

#define FH_DEBUG(...) fh_log(FH_LOG_DEBUG, __VA_ARGS__)
#define FH_INFO(...) fh_log(FH_LOG_INFO, __VA_ARGS__)
#define FH_WARN(...) fh_log(FH_LOG_WARN, __VA_ARGS__)
#define FH_ERROR(...) fh_log(FH_LOG_ERROR, __VA_ARGS__)

#endif
