/* fim.h - the parts of the fim probe (file integrity of web roots and system paths).
 *
 *   fim_db.c     the baseline: one record per file and directory in an LMDB env of its
 *                own (the probe's db directory), keyed so a directory's children are
 *                one key range;
 *   fim_scan.c   the walk: compares what is on disk with the baseline, hashes what
 *                changed, updates the baseline and calls a hook for every change; it
 *                runs in the worker thread, in budgeted steps;
 *   fim_watch.c  the live side on the agent's loop: one uv_fs_event per directory; an
 *                event only marks a path dirty, under a mutex, for the worker to take;
 *   fim.c        the probe: config, rounds, deployment windows, reports, and the call
 *                of the web shell heuristics (webshell.c) on new or changed scripts.
 * Paths here are logical (what a report shows, "/var/www/html/index.php"); on disk they
 * are the probe's root prefix followed by the logical path. */
#ifndef FH_FIM_H
#define FH_FIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FIM_PATH_MAX 480          /* a logical path, NUL included (LMDB keys <= 511) */
#define FIM_PREFIX_MAX 256        /* the root prefix */
#define FIM_ROOTS_MAX 64          /* web roots and system paths together */
#define FIM_EXCLUDES_MAX 32
#define FIM_DIR_ENTRIES_MAX 100000 /* names read from one directory; beyond, truncated */
#define FIM_HASH_CHUNK (64 * 1024)
#define FIM_SHA256_LEN 32

/* ---- fim_db.c: the baseline ---- */

enum fim_rec_flag {
    FIM_REC_HASHED = 1,      /* sha256 holds the content's (or a symlink target's) hash */
    FIM_REC_BIG = 2,         /* over max_file_bytes: compared by size and mtime only */
    FIM_REC_UNREADABLE = 4,  /* could not be opened: compared by size and mtime only */
};

/* What the baseline keeps of a file or directory (stored as is: one host's db). */
struct fim_rec {
    uint8_t sha256[FIM_SHA256_LEN];
    uint64_t size;
    int64_t mtime_ns;
    int64_t ctime_ns;
    uint64_t ino;
    uint32_t mode;           /* st_mode: type and permissions */
    uint32_t uid;
    uint32_t gid;
    uint32_t flags;          /* enum fim_rec_flag */
};

struct fim_db;

/* Open (creating) the LMDB env in dir with a map of map_mb MiB. Returns 0 or FH_EIO,
 * FH_ESTORE, FH_EVERSION (a db of another layout). Free with fim_db_close(). */
int fim_db_open(const char *dir, uint64_t map_mb, struct fim_db **out);
void fim_db_close(struct fim_db *db);

/* The transaction of a round: every call below between begin and commit/abort runs in
 * it (one thread). Returns 0, FH_ESTORE, or FH_EFULL (map full at commit). */
int fim_db_begin(struct fim_db *db);
int fim_db_commit(struct fim_db *db);
void fim_db_abort(struct fim_db *db);

/* Get, put, delete one record by logical path. get: 0 or FH_ENOTFOUND; put: 0,
 * FH_EFULL, FH_ETOOBIG (path over FIM_PATH_MAX - 1) or FH_ESTORE. */
int fim_db_get(struct fim_db *db, const char *path, struct fim_rec *rec);
int fim_db_put(struct fim_db *db, const char *path, const struct fim_rec *rec);
int fim_db_del(struct fim_db *db, const char *path);
/* Records in the baseline (files and directories); of them, files (a full scan of the
 * keys: for the baseline report, not for every round). */
uint64_t fim_db_count(struct fim_db *db);
uint64_t fim_db_count_files(struct fim_db *db);
/* Drop the map's pages from the process's resident set (they stay in the page cache):
 * after a full walk, which touched every page, the agent at rest needs few of them.
 * Outside a transaction only. */
void fim_db_release_pages(struct fim_db *db);

/* fn gets the logical path and record; a nonzero return stops the walk and is
 * returned. It must not change the db. */
typedef int (*fim_db_each_fn)(void *arg, const char *path, const struct fim_rec *rec);
/* Each record directly in dir, in name order. */
int fim_db_children(struct fim_db *db, const char *dir, fim_db_each_fn fn, void *arg);
/* Delete every record below dir (at any depth; not dir's own), calling fn first. */
int fim_db_del_below(struct fim_db *db, const char *dir, fim_db_each_fn fn, void *arg);

/* Small named values (the baseline's state): get copies at most len - 1 bytes and a NUL
 * (FH_ENOTFOUND when absent); put stores val. */
int fim_db_meta_get(struct fim_db *db, const char *key, char *val, size_t len);
int fim_db_meta_put(struct fim_db *db, const char *key, const char *val);

/* ---- fim_scan.c: the walk ---- */

enum fim_change_kind { FIM_ADDED, FIM_MODIFIED, FIM_REMOVED, FIM_MODE };

struct fim_change {
    enum fim_change_kind kind;
    const char *path;           /* logical */
    const struct fim_rec *old;  /* NULL when added */
    const struct fim_rec *cur;  /* NULL when removed */
    const char *body;           /* added/modified regular files: the first body_len */
    size_t body_len;            /* bytes read while hashing (else NULL, 0) */
};

struct fim_scan_hooks {
    void (*change)(void *arg, const struct fim_change *c);
    void (*dir_seen)(void *arg, const char *path);   /* a directory to watch */
    void (*dir_gone)(void *arg, const char *path);   /* one not to watch any more */
    void *arg;
};

struct fim_scan_counts {
    uint64_t entries;         /* files and directories looked at, this walk */
    uint64_t looked;          /* the same, in all */
    uint64_t hashed;          /* files read and hashed, in all */
    uint64_t unreadable;      /* files or directories that could not be read, in all */
    uint64_t over_max_files;  /* new entries not recorded: the baseline was full */
    uint64_t long_paths;      /* entries skipped: path over FIM_PATH_MAX - 1 */
    uint64_t truncated_dirs;  /* directories over FIM_DIR_ENTRIES_MAX names */
};

struct fim_job;

struct fim_scan {
    /* set by the owner before fim_scan_init(), read-only afterwards */
    char prefix[FIM_PREFIX_MAX];
    char roots[FIM_ROOTS_MAX][FIM_PATH_MAX];
    size_t nroots;
    char excludes[FIM_EXCLUDES_MAX][FIM_PATH_MAX];
    size_t nexcludes;
    uint64_t max_files;
    uint64_t max_file_bytes;      /* bigger files: size and mtime only */
    size_t body_max;              /* bytes of content handed to the change hook */
    struct fim_db *db;
    struct fim_scan_hooks hooks;
    /* kept by the scanner */
    struct fim_scan_counts counts;
    bool full_active;             /* a full walk is under way */
    struct fim_job *jobs;         /* directories to list, a stack */
    size_t njobs, jobs_cap;
    char **names;                 /* the listing being worked through */
    size_t nnames, next_name;
    char cur_dir[FIM_PATH_MAX];
    bool cur_recurse;
    char *body;                   /* body_max bytes */
    char *chunk;                  /* FIM_HASH_CHUNK bytes */
    void *md;                     /* EVP_MD_CTX */
    bool warned_full;
};

/* Allocate the buffers. Returns 0 or FH_ENOMEM. fim_scan_free() releases them. */
int fim_scan_init(struct fim_scan *s);
void fim_scan_free(struct fim_scan *s);

/* Start a full walk of every root (a no-op while one is under way). */
void fim_scan_full_start(struct fim_scan *s);
/* Work through the directories to list (a full walk and live directory jobs) until
 * none is left or fh_mono_ms() passes deadline_ms. Returns 1 when a full walk ended in
 * this call, 0 otherwise, or a negative FH_E* from the db (the round should abort). */
int fim_scan_step(struct fim_scan *s, uint64_t deadline_ms);
/* Check one path now (a live event): added, changed, removed, or a directory to list
 * (a new one recursively). Paths outside the roots or excluded are ignored. Returns 0 or
 * a negative FH_E* from the db. */
int fim_scan_path(struct fim_scan *s, const char *path);
/* The root path is under (the longest one), or -1. */
int fim_scan_root_of(const struct fim_scan *s, const char *path);

/* ---- fim_conf.c: the lists of the [fim] section ---- */

/* Append the comma list of roots to s (web[i]: is_web for each); key names the config
 * key in messages. Returns 0 or FH_ECONFIG (logged): not absolute and clean, "/",
 * overlapping another root, over FIM_ROOTS_MAX. */
int fim_conf_roots(struct fim_scan *s, bool *web, const char *list, bool is_web,
                   const char *key);
/* Set s's exclude patterns from the comma list. Returns 0 or FH_ECONFIG (logged). */
int fim_conf_excludes(struct fim_scan *s, const char *list);
/* The identity of the roots (and which are web roots) in out: the list itself when it
 * fits len, else "#" and its hash. */
void fim_conf_roots_id(const struct fim_scan *s, const bool *web, char *out, size_t len);

/* The text of facts: a record's hash as 64 hex digits, or "-" (no record), "directory",
 * "not hashed (over max_file_bytes)", "not hashed (unreadable)"; a time as UTC
 * ISO 8601 seconds; a uid as its user name, or the number. */
#define FIM_SHA_TEXT_MAX 65
void fim_fmt_sha(const struct fim_rec *r, char out[FIM_SHA_TEXT_MAX]);
void fim_fmt_time(int64_t ns, char *out, size_t len);
void fim_fmt_owner(uint32_t uid, char *out, size_t len);

/* ---- fim_watch.c: the live side (loop) and its hand-over (any thread) ---- */

#define FIM_DIRTY_MAX 8192        /* paths waiting for the worker; beyond, a full rescan */
#define FIM_WATCH_REQ_MAX 65536   /* watch requests waiting for the loop */
#define FIM_SETTLE_MS 300         /* a path is taken once untouched this long */

struct fim_watch;
struct uv_loop_s;

/* max_watches 0: no live watching (the rescan only). Free with fim_watch_free() after
 * the loop closed its handles (or when it never started). */
int fim_watch_new(const char *prefix, size_t max_watches, struct fim_watch **out);
void fim_watch_free(struct fim_watch *w);
/* On the loop: start the timer that applies watch requests. Returns 0 or FH_EIO. */
int fim_watch_start(struct fim_watch *w, struct uv_loop_s *loop);
/* Any thread: ask for a directory to be watched (watch) or not any more. */
void fim_watch_request(struct fim_watch *w, const char *dir, bool watch);
/* Any thread: mark a path dirty (the loop does it for events; tests call it). */
void fim_watch_mark(struct fim_watch *w, const char *path);
/* Worker: take up to max dirty paths untouched for FIM_SETTLE_MS at now_ms into fn.
 * Returns how many were taken. */
size_t fim_watch_take(struct fim_watch *w, uint64_t now_ms, size_t max,
                      void (*fn)(void *arg, const char *path), void *arg);
/* True once after the dirty set overflowed (some events were lost: walk everything). */
bool fim_watch_overflowed(struct fim_watch *w);
/* Directories watched now (read on the loop; approximate elsewhere). */
size_t fim_watch_count(const struct fim_watch *w);

#endif
