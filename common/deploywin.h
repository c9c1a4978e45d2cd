/* deploywin.h - declared deployment windows: when web root changes are expected.
 *
 * `fenghuo-ctl deploy-window --open` writes the windows and the agent's fim probe reads
 * them: one small text file, FH_DEPLOYWIN_FILE in the fim probe's db directory, replaced
 * atomically (a temporary file, fsync, rename), so a reader sees the old set or the new
 * one. One window a line:
 *
 *     OPENED_US END_US UID ROOT REASON...
 *
 * times in UTC microseconds, UID the user who opened it, ROOT a web root (absolute
 * path) or "*" for all of them, REASON the rest of the line (free text, may be empty).
 * Lines that do not parse are skipped and counted; at most FH_DEPLOYWIN_MAX windows,
 * a file of at most FH_DEPLOYWIN_FILE_MAX bytes. */
#ifndef FH_DEPLOYWIN_H
#define FH_DEPLOYWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FH_DEPLOYWIN_FILE "deploy-window"
#define FH_DEPLOYWIN_MAX 16
#define FH_DEPLOYWIN_ROOT_MAX 256
#define FH_DEPLOYWIN_REASON_MAX 256
#define FH_DEPLOYWIN_FILE_MAX (16 * 1024)
#define FH_DEPLOYWIN_MAX_S (7 * 86400)       /* longest window one may open */

struct fh_deploywin {
    uint64_t opened_us;
    uint64_t end_us;
    uint32_t uid;
    char root[FH_DEPLOYWIN_ROOT_MAX];        /* a web root, or "*" */
    char reason[FH_DEPLOYWIN_REASON_MAX];    /* printable ASCII/UTF-8, no newline */
};

struct fh_deploywin_set {
    struct fh_deploywin w[FH_DEPLOYWIN_MAX];
    size_t n;
};

/* Read dir/FH_DEPLOYWIN_FILE into set. A missing file is an empty set (0). Returns 0,
 * FH_EIO (cannot read it) or FH_ETOOBIG (over FH_DEPLOYWIN_FILE_MAX: set left empty).
 * *malformed (may be NULL) gets the number of lines skipped. */
int fh_deploywin_load(const char *dir, struct fh_deploywin_set *set, size_t *malformed);

/* Replace dir/FH_DEPLOYWIN_FILE with set (mode 0644), atomically. Returns 0 or FH_EIO. */
int fh_deploywin_save(const char *dir, const struct fh_deploywin_set *set);

/* Drop the windows that ended at or before now_us. Returns how many were dropped. */
size_t fh_deploywin_prune(struct fh_deploywin_set *set, uint64_t now_us);

/* The open window (end_us > now_us) covering path: its root is "*" or path is the root
 * or under it. NULL when none. */
const struct fh_deploywin *fh_deploywin_covering(const struct fh_deploywin_set *set,
                                                 const char *path, uint64_t now_us);

/* Parse a duration: seconds, or a number with s, m, h or d ("90s", "30m", "2h", "1d").
 * Returns 0 and *out_s, or FH_EINVAL (malformed, zero, or over FH_DEPLOYWIN_MAX_S). */
int fh_deploywin_parse_duration(const char *s, uint64_t *out_s);

#endif
