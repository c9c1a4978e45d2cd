/* hist.h - a latency histogram for the benchmark tools: fixed memory, ~1.6 % precision.
 *
 * Values (microseconds) below 128 have a bucket each; above, every power of two is cut
 * into 64 buckets, the way HdrHistogram does it. Adding is O(1) and never allocates, so
 * a load generator can record every report without disturbing what it measures. */
#ifndef FH_BENCH_HIST_H
#define FH_BENCH_HIST_H

#include <stdint.h>
#include <string.h>

#define HIST_BUCKETS (128 + 57 * 64)

struct hist {
    uint64_t count[HIST_BUCKETS];
    uint64_t total;
    uint64_t max_us;
};

static inline unsigned hist_index(uint64_t us)
{
    if (us < 128)
        return (unsigned)us;
    unsigned e = 63u - (unsigned)__builtin_clzll(us);   /* >= 7 */
    return 128u + (e - 7u) * 64u + (unsigned)((us >> (e - 6u)) - 64u);
}

/* The middle of bucket i, in microseconds. */
static inline double hist_value(unsigned i)
{
    if (i < 128)
        return i;
    unsigned e = (i - 128u) / 64u + 7u, t = (i - 128u) % 64u + 64u;
    double lo = (double)((uint64_t)t << (e - 6u)), width = (double)(1ull << (e - 6u));
    return lo + width / 2;
}

static inline void hist_add(struct hist *h, uint64_t us, uint64_t n)
{
    h->count[hist_index(us)] += n;
    h->total += n;
    if (us > h->max_us)
        h->max_us = us;
}

/* The q-quantile (0 < q <= 1) in milliseconds; 0 when the histogram is empty. */
static inline double hist_quantile_ms(const struct hist *h, double q)
{
    if (!h->total)
        return 0;
    uint64_t want = (uint64_t)(q * (double)h->total + 0.5), seen = 0;
    if (want < 1)
        want = 1;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->count[i];
        if (seen >= want) {
            double v = hist_value(i);
            return (v > (double)h->max_us ? (double)h->max_us : v) / 1000.0;
        }
    }
    return (double)h->max_us / 1000.0;
}

#endif
