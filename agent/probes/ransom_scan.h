/* ransom_scan.h - one bounded walk of the ransomware probe's trees (ransom_scan.c).
 *
 * The walk is breadth first from each tree's top, never follows symbolic links, and
 * stops after max_entries directory entries in all (the rest of a bigger tree is not
 * seen that round: `truncated`). It finds:
 *   - files with a ransom extension whose ctime (a rename sets it) is at or after
 *     since_s, counted per (tree, extension) with a few sample paths;
 *   - ransom notes (any age), counted per tree;
 *   - the directories it went through (at most max_dirs), for the probe to watch.
 * It runs in the worker thread and touches only the struct it is given. */
#ifndef FH_RANSOM_SCAN_H
#define FH_RANSOM_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ransom_match.h"

#define FH_RANSOM_MAX_TREES 16
#define FH_RANSOM_PATH_MAX 1024       /* a path with its NUL; longer ones are skipped */
#define FH_RANSOM_MAX_SAMPLES 5       /* sample paths kept per hit */
#define FH_RANSOM_MAX_HITS 64         /* (tree, extension or note) pairs found per walk */
#define FH_RANSOM_SCAN_MAX_QUEUE 65536 /* directories waiting in one walk */

struct fh_ransom_hit {
    uint32_t tree;
    int ext;                          /* index in lists->exts; -1: ransom notes */
    uint64_t count;
    size_t nsamples;
    char samples[FH_RANSOM_MAX_SAMPLES][FH_RANSOM_PATH_MAX];
};

struct fh_ransom_scan {
    /* what to walk (the caller's, read only) */
    const struct fh_ransom_lists *lists;
    const char (*trees)[FH_RANSOM_PATH_MAX];
    size_t ntrees;
    int64_t since_s;
    size_t max_entries;
    size_t max_dirs;
    /* what it found (fh_ransom_scan_run fills, fh_ransom_scan_clear frees) */
    char **dirs;                      /* max_dirs slots, ndirs used; strings owned */
    uint32_t *dir_tree;               /* the tree of each */
    size_t ndirs;
    struct fh_ransom_hit hits[FH_RANSOM_MAX_HITS];
    size_t nhits;
    size_t entries;                   /* directory entries looked at */
    size_t skipped;                   /* unreadable directories, over-long paths, hits
                                       * past FH_RANSOM_MAX_HITS */
    bool truncated;                   /* stopped at max_entries or a full queue */
};

/* Walk the trees. Returns 0 or FH_ENOMEM (what was found so far stays in s). */
int fh_ransom_scan_run(struct fh_ransom_scan *s);
/* Free what a walk found and zero the results (the inputs stay). */
void fh_ransom_scan_clear(struct fh_ransom_scan *s);

#endif
