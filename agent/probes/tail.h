/* tail.h - follow a growing log file by path, line by line, across rotation.
 *
 * The log probes (auth, av, ids) each follow one or more files the way `tail -F` does,
 * but in rounds with a budget: every collect calls fh_tail_read(), which hands each new
 * complete line to a callback and returns once the file's end, the byte budget or the
 * line budget is reached. A follower remembers the file's (device, inode) and the offset
 * just past the last whole line it handed out:
 *   - a last line without its '\n' yet is held back (re-read next round) until complete;
 *   - a line longer than max_line bytes is skipped to its '\n' and counted (long_lines);
 *   - rotation (the path names another inode, or is gone then back): the old file is
 *     read to its end first (its last line even without '\n'), then the new one from its
 *     beginning (rotations);
 *   - truncation (the file is shorter than the offset, copytruncate): start over at 0
 *     (truncations);
 *   - the first open of a file that exists when the follower is made starts at its end
 *     (history is not replayed) unless from_start; a file that appears later is read
 *     from its beginning;
 *   - with a state file, the (device, inode, offset) is saved after every round that
 *     moved it (a temporary file renamed over the old one) and taken up at the next
 *     start: that offset when the path still names that inode, else 0 (the file was
 *     rotated while the agent was stopped: all of the new one is unread).
 * A follower is used by one thread at a time and never blocks on anything but the disk
 * (FIFOs and other non-regular files are refused). */
#ifndef FH_TAIL_H
#define FH_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "log.h"

#define FH_TAIL_PATH_MAX 512                 /* a followed path or state file, with NUL */
#define FH_TAIL_DEFAULT_MAX_LINE (16 * 1024) /* bytes of one line, without its '\n' */
#define FH_TAIL_MAX_LINE_LIMIT (1024 * 1024) /* the largest max_line one may ask for */

struct fh_tail_opts {
    size_t max_line;        /* 0: FH_TAIL_DEFAULT_MAX_LINE; at most FH_TAIL_MAX_LINE_LIMIT */
    bool from_start;        /* a file that exists at open: read it from its beginning */
    const char *state_file; /* NULL or "": the position is not kept across restarts */
};

struct fh_tail {
    char path[FH_TAIL_PATH_MAX];
    char state_file[FH_TAIL_PATH_MAX];
    size_t max_line;
    int fd;                  /* -1: not open (the file does not exist yet) */
    dev_t dev;
    ino_t ino;
    uint64_t offset;         /* just past the last whole line handed out (or skipped) */
    bool skipping;           /* inside a line over max_line: drop bytes up to its '\n' */
    bool dirty;              /* offset moved since the state file was written */
    char *buf;               /* read buffer: 2 * max_line + 2 bytes */
    size_t buf_size;
    struct fh_log_limit save_warn; /* the state file cannot be written */
    /* counters since fh_tail_open */
    uint64_t lines, long_lines, rotations, truncations;
};

/* Handed each line (without '\n' or a trailing '\r', NUL-terminated at line[len]; line
 * may hold NUL bytes). Return 0 to go on, or a negative FH_E* to stop: that line is then
 * not consumed (it comes again next round) and fh_tail_read returns the code. */
typedef int (*fh_tail_line_fn)(void *arg, char *line, size_t len);

/* Make t follow path (copied; at most FH_TAIL_PATH_MAX - 1 bytes, else FH_ETOOBIG) and
 * open it when it exists (a missing file is not an error: it is looked for each round).
 * Returns 0, FH_EINVAL (bad options), FH_ETOOBIG or FH_ENOMEM. Release with
 * fh_tail_close() whatever it returns. */
int fh_tail_open(struct fh_tail *t, const char *path, const struct fh_tail_opts *o);

/* Hand fn the new complete lines, at most max_lines of them and about max_bytes of file
 * (a round stops at the first line end past it). Returns 0 (also when the file does not
 * exist), FH_EIO (the file cannot be read: it is reopened next round) or fn's code. */
int fh_tail_read(struct fh_tail *t, size_t max_bytes, size_t max_lines, fh_tail_line_fn fn,
                 void *arg);

/* Write the state file now if the position moved (fh_tail_read does this itself at the
 * end of each round). Returns 0 or FH_EIO. */
int fh_tail_save(struct fh_tail *t);

/* The state file for a follower of path kept in state_dir: "state_dir/TAG-PATH.pos"
 * with every '/' of path as '_' (so "/var/log/auth.log" of probe auth is
 * "auth-_var_log_auth.log.pos"). "" into out when state_dir is "". Returns 0 or
 * FH_ETOOBIG when it does not fit out[len]. */
int fh_tail_state_path(const char *state_dir, const char *tag, const char *path, char *out,
                       size_t len);

/* Close the file and free the buffer (the state is not written). t may be zeroed or
 * half-opened. */
void fh_tail_close(struct fh_tail *t);

/* ---- several files: what a log probe follows ---- */

#define FH_TAIL_SET_MAX 8   /* files of one set */

struct fh_tail_set {
    size_t n;
    struct fh_tail t[FH_TAIL_SET_MAX];
};

/* Follow each path of the comma separated list paths (spaces around items allowed;
 * empty items skipped), each prefixed with root, with state files in state_dir (may be
 * "": none) named by tag. Returns 0; FH_ECONFIG (no path, a path not absolute, more
 * than FH_TAIL_SET_MAX), FH_ETOOBIG, FH_EINVAL or FH_ENOMEM from fh_tail_open. Release
 * with fh_tail_set_close() whatever it returns. state_dir is made (0700) when missing. */
int fh_tail_set_open(struct fh_tail_set *s, const char *root, const char *paths,
                     const char *state_dir, const char *tag, const struct fh_tail_opts *o);

/* fh_tail_read on each file with these budgets (each file its own). Returns 0 or the
 * first error (the other files are still read, except after an error of fn). */
int fh_tail_set_read(struct fh_tail_set *s, size_t max_bytes, size_t max_lines,
                     fh_tail_line_fn fn, void *arg);

/* The sum of a counter over the set: long_lines etc. */
uint64_t fh_tail_set_long_lines(const struct fh_tail_set *s);

void fh_tail_set_close(struct fh_tail_set *s);

#endif
