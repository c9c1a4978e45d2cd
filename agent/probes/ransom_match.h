/* ransom_match.h - what the ransomware probe recognises, and when renames are a burst.
 *
 * Pure functions (no I/O), shared by the probe's watches (ransomware.c) and its scan
 * (ransom_scan.c), and called directly by the tests:
 *   - a ransom extension is the part of a file name after its last '.', compared
 *     without regard to case with a configured list ("report.docx.LOCKED" has "locked");
 *   - a ransom note is a file name matching one of the configured glob patterns
 *     (fnmatch: '*', '?', [...]), without regard to case;
 *   - a burst is burst_count sightings within window_us: the probe keeps the times of
 *     the last burst_count sightings of a (tree, extension) in a ring. */
#ifndef FH_RANSOM_MATCH_H
#define FH_RANSOM_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FH_RANSOM_MAX_EXTS 64        /* extensions in the list */
#define FH_RANSOM_EXT_MAX 32         /* one extension with its NUL */
#define FH_RANSOM_MAX_NOTES 32       /* note name patterns */
#define FH_RANSOM_NOTE_MAX 64        /* one pattern with its NUL */
#define FH_RANSOM_MAX_BURST 100000   /* the largest burst_count */

struct fh_ransom_lists {
    char exts[FH_RANSOM_MAX_EXTS][FH_RANSOM_EXT_MAX];     /* lower case, no dot */
    size_t nexts;
    char notes[FH_RANSOM_MAX_NOTES][FH_RANSOM_NOTE_MAX];
    size_t nnotes;
};

/* Parse ".locked, .WNCRY,crypt" into l->exts (the dot is optional; stored lower case).
 * An extension is 1..31 bytes of letters, digits, '_', '-', '.' after the first dot.
 * Returns 0 or FH_ECONFIG. */
int fh_ransom_parse_exts(const char *text, struct fh_ransom_lists *l);
/* Parse "README_FOR_DECRYPT.txt, HOW_TO_DECRYPT*" into l->notes: each 1..63 bytes, no
 * '/' and not a pattern that matches every name ("*"). Returns 0 or FH_ECONFIG. */
int fh_ransom_parse_notes(const char *text, struct fh_ransom_lists *l);

/* The index in l->exts of name's extension, or -1. */
int fh_ransom_ext_of(const struct fh_ransom_lists *l, const char *name);
/* True when name matches one of l->notes. */
bool fh_ransom_is_note(const struct fh_ransom_lists *l, const char *name);

/* The times of the last `size` sightings of one thing. */
struct fh_ransom_burst {
    uint64_t *ring;      /* size entries, owned */
    uint32_t size;
    uint32_t next;       /* where the next sighting goes: the oldest once full */
    uint64_t seen;       /* sightings in all */
};

/* size 1..FH_RANSOM_MAX_BURST. Returns 0, FH_EINVAL or FH_ENOMEM. */
int fh_ransom_burst_init(struct fh_ransom_burst *b, uint32_t size);
void fh_ransom_burst_free(struct fh_ransom_burst *b);
/* Record one sighting at now_us (not before the previous one). True when it and the
 * size - 1 before it all fall within window_us: a burst. */
bool fh_ransom_burst_add(struct fh_ransom_burst *b, uint64_t now_us, uint64_t window_us);

#endif
