/* detect.h - how a probe reports what it saw: one Detection per fingerprint and window.
 *
 * Every detection probe (fim, webshell, ransomware, auth, ports, av, ids, service...)
 * describes a sighting with a struct fh_detect and hands it to fh_detect_report(). The
 * fingerprint is the SHA-256 of (probe, class, key), so the same thing seen again has
 * the same fingerprint at every tier. The first sighting of a fingerprint is emitted at
 * once (count 1). Repeats within the probe's repeat window are only counted; when the
 * window closes, fh_repeats_flush() emits one Detection standing for all of them
 * (count = repeats, first/last seen, the last sighting's summary, evidence and facts).
 * A brute-force source failing 10,000 times an hour is two reports, not 10,000.
 *
 * Bounds: summary at most FH_DETECT_MAX_SUMMARY bytes, evidence FH_DETECT_MAX_EVIDENCE,
 * each fact value FH_DETECT_MAX_FACT; longer strings are cut on a UTF-8 boundary and
 * end in "…". At most FH_DETECT_MAX_FACTS facts (more is a programming error:
 * FH_EINVAL). A table is used by one thread at a time (a threaded probe's collect, or
 * the loop). */
#ifndef FH_DETECT_H
#define FH_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define FH_DETECT_MAX_SUMMARY 1024
#define FH_DETECT_MAX_EVIDENCE 2048
#define FH_DETECT_MAX_FACT 512
#define FH_DETECT_MAX_FACTS 16
#define FH_DETECT_FINGERPRINT_LEN 32   /* hex characters */

struct fh_detect_fact {
    const char *key;
    const char *value;
};

struct fh_detect {
    const char *probe;        /* the probe's name: "auth" */
    const char *class_code;   /* GB/Z 20986 code, e.g. "NAI.BDAI" (taxonomy.h) */
    Fh__Severity severity;
    const char *key;          /* what makes two sightings the same thing, e.g.
                               * "ssh-bruteforce 203.0.113.5"; never a time or count */
    const char *summary;      /* one line for a person */
    const char *evidence;     /* the matching line, the diff...; may be NULL */
    const struct fh_detect_fact *facts;
    size_t nfacts;
    int drill;                /* nonzero: 演练, shown as a drill, never counted */
};

/* Fingerprints seen within a window, per probe. */
struct fh_repeats;

/* A table of at most max_entries fingerprints, each counted for window_s seconds after
 * its first sighting. When it is full, a new fingerprint is emitted at once and not
 * counted (more reports, nothing lost). The caller frees it with fh_repeats_free(). */
int fh_repeats_new(uint32_t window_s, size_t max_entries, struct fh_repeats **out);
void fh_repeats_free(struct fh_repeats *r);

/* Report one sighting at now_us (fh_now_us(); tests pass their own clock). Returns 0
 * when a Detection was emitted, 1 when it was a repeat and only counted, or a negative
 * FH_E* (FH_EINVAL for a bad class code or too many facts; the sink's error, in which
 * case nothing is recorded and the next sighting tries again). r may be NULL: every
 * sighting is then emitted. */
int fh_detect_report(struct fh_probe_sink *sink, struct fh_repeats *r,
                     const struct fh_detect *d, uint64_t now_us);

/* Close the windows that ended by now_us: each fingerprint with repeats is emitted once
 * with its count; entries without repeats are forgotten. Call it every collect round.
 * Returns 0 or the first sink error (that entry and the rest stay for the next call). */
int fh_repeats_flush(struct fh_probe_sink *sink, struct fh_repeats *r, uint64_t now_us);

/* The fingerprint of (probe, class, key): FH_DETECT_FINGERPRINT_LEN hex characters and
 * a NUL in out. */
void fh_detect_fingerprint(const char *probe, const char *class_code, const char *key,
                           char out[FH_DETECT_FINGERPRINT_LEN + 1]);

/* "info", "low", "medium", "high", "critical" <-> Fh__Severity; unknown names give 0
 * (FH__SEVERITY__SEVERITY_UNSPECIFIED) and unknown values "unspecified". */
Fh__Severity fh_severity_from_name(const char *name);
const char *fh_severity_name(Fh__Severity s);

#endif
