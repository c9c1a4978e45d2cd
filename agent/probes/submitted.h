/* submitted.h - a detection handed to the agent by a person or a local tool, checked once
 * for every way it can come in (the spool directory, the submit socket).
 *
 * The document is one JSON object:
 *     {"kind": "detection", "class": "FF.PSFF", "summary": "机房断电",
 *      "severity": "high", "drill": false, "facts": {"room": "A-101"}}
 * kind must be "detection"; class a GB/Z 20986 code (taxonomy.h); summary 1 to
 * FH_SUBMITTED_MAX_SUMMARY bytes; facts (optional) an object of at most
 * FH_SUBMITTED_MAX_FACTS string values, each key and value at most
 * FH_SUBMITTED_MAX_FACT_BYTES bytes; severity (optional) one of info, low, medium, high,
 * critical (default medium); drill (optional) true or false. Other members are ignored.
 * The whole text is at most FH_SUBMITTED_MAX_BYTES bytes, UTF-8, without duplicate keys. */
#ifndef FH_SUBMITTED_H
#define FH_SUBMITTED_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect.h"

#define FH_SUBMITTED_MAX_BYTES (64 * 1024)
#define FH_SUBMITTED_MAX_FACTS 32
#define FH_SUBMITTED_MAX_SUMMARY 1024
#define FH_SUBMITTED_MAX_FACT_BYTES 1024
#define FH_SUBMITTED_MAX_EXTRA 4          /* facts the receiver adds (who submitted) */
#define FH_SUBMITTED_DEFAULT_SEVERITY FH__SEVERITY__SEVERITY_MEDIUM

struct fh_submitted {
    json_t *doc;                /* owned; the strings below point into it */
    const char *class_code;
    const char *summary;
    Fh__Severity severity;
    bool drill;
    size_t nfacts;
    const char *fact_keys[FH_SUBMITTED_MAX_FACTS];
    const char *fact_values[FH_SUBMITTED_MAX_FACTS];
};

/* Parse and check text (len bytes, need not be NUL-terminated). Returns 0 (free out
 * with fh_submitted_free), FH_ETOOBIG (over FH_SUBMITTED_MAX_BYTES) or FH_EMALFORMED;
 * on error *why is a static sentence for the submitter and the log, and out holds
 * nothing to free. */
int fh_submitted_parse(const char *text, size_t len, struct fh_submitted *out,
                       const char **why);
void fh_submitted_free(struct fh_submitted *s);

/* A Detection body built from s, pointing into s and extra (keep both alive while the
 * body is used). */
struct fh_submitted_body {
    Fh__Detection d;
    Fh__Detection__FactsEntry entries[FH_SUBMITTED_MAX_FACTS + FH_SUBMITTED_MAX_EXTRA];
    Fh__Detection__FactsEntry *ptrs[FH_SUBMITTED_MAX_FACTS + FH_SUBMITTED_MAX_EXTRA];
    char fingerprint[FH_DETECT_FINGERPRINT_LEN + 1];
};

/* Fill out with the detection of s as reported by probe at now_us: count 1, first and
 * last seen now_us, fingerprint of (probe, class, summary). The extra facts (at most
 * FH_SUBMITTED_MAX_EXTRA: who submitted it) come first; a submitted fact with the same
 * key as an extra one is left out, so a submitter cannot pose as someone else. */
void fh_submitted_detection(const struct fh_submitted *s, const char *probe,
                            const struct fh_detect_fact *extra, size_t nextra,
                            uint64_t now_us, struct fh_submitted_body *out);

#endif
