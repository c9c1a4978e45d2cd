/* fim_scan.c - the fim walk: disk against baseline, in budgeted steps (fim.h).
 *
 * Work is a stack of jobs: "check this path" (a root), "list this directory and go
 * down" (a full walk, a new directory) and "list this directory only" (a live event on
 * a directory). Listing a directory reads at most FIM_DIR_ENTRIES_MAX names, sorts them
 * and first compares them with the baseline's children of the directory (one LMDB key
 * range): a child recorded but not listed was removed (a directory with everything
 * below it). Then each name is checked, one per call of check_entry(), and the deadline
 * is looked at between two names, so a step stops in the middle of a directory and the
 * next one goes on from there.
 *
 * Checking an entry: lstat it; when size, mtime, ctime, inode, mode, uid and gid are all
 * as recorded it is unchanged and not read (ctime cannot be set back by a user, so a
 * content change with a forged mtime still shows). Otherwise a regular file is read and
 * hashed (SHA-256), unless it is over max_file_bytes (then size and mtime stand for its
 * content, flag FIM_REC_BIG) or cannot be opened (FIM_REC_UNREADABLE, counted); a
 * symbolic link's target text is hashed, never followed; FIFOs, sockets and devices are
 * never opened nor recorded. The first body_max bytes read are handed to the change hook
 * (for the web shell heuristics). A content change is FIM_MODIFIED; only mode or owner,
 * FIM_MODE; only ctime or inode (touch, a rewrite with the same bytes), no change but a
 * new record. New entries are refused once the baseline holds max_files records. */
#include "fim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

#define DISK_PATH_MAX (FIM_PREFIX_MAX + FIM_PATH_MAX)
#define WARN_EVERY_S 600

enum job_kind { JOB_ENTRY, JOB_DESCEND, JOB_LIST };
enum dir_mode { DIR_DESCEND, DIR_NONE, DIR_RELIST };
enum read_result { R_SAME, R_READ, R_GONE, R_SKIP };

struct fim_job {
    char *path;
    enum job_kind kind;
};

static struct fh_log_limit unreadable_log, long_log, full_log;

int fim_scan_init(struct fim_scan *s)
{
    s->body = malloc(s->body_max ? s->body_max : 1);
    s->chunk = malloc(FIM_HASH_CHUNK);
    s->md = EVP_MD_CTX_new();
    if (!s->body || !s->chunk || !s->md) {
        fim_scan_free(s);
        return FH_ENOMEM;
    }
    return 0;
}

static void drop_names(struct fim_scan *s)
{
    for (size_t i = 0; i < s->nnames; i++)
        free(s->names[i]);
    free(s->names);
    s->names = NULL;
    s->nnames = s->next_name = 0;
}

void fim_scan_free(struct fim_scan *s)
{
    drop_names(s);
    for (size_t i = 0; i < s->njobs; i++)
        free(s->jobs[i].path);
    free(s->jobs);
    s->jobs = NULL;
    s->njobs = s->jobs_cap = 0;
    free(s->body);
    free(s->chunk);
    EVP_MD_CTX_free(s->md);
    s->body = s->chunk = NULL;
    s->md = NULL;
}

int fim_scan_root_of(const struct fim_scan *s, const char *path)
{
    int best = -1;
    size_t best_len = 0;
    for (size_t i = 0; i < s->nroots; i++) {
        size_t n = strlen(s->roots[i]);
        if (strncmp(path, s->roots[i], n) == 0 && (path[n] == '\0' || path[n] == '/') &&
            n >= best_len) {
            best = (int)i;
            best_len = n;
        }
    }
    return best;
}

static bool excluded(const struct fim_scan *s, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < s->nexcludes; i++)
        if (fnmatch(s->excludes[i], path, 0) == 0 || fnmatch(s->excludes[i], base, 0) == 0)
            return true;
    return false;
}

static void on_disk(const struct fim_scan *s, const char *path, char *out)
{
    snprintf(out, DISK_PATH_MAX, "%s%s", s->prefix, path);
}

static int push_job(struct fim_scan *s, const char *path, enum job_kind kind)
{
    if (s->njobs == s->jobs_cap) {
        size_t cap = s->jobs_cap ? s->jobs_cap * 2 : 64;
        struct fim_job *j = realloc(s->jobs, cap * sizeof *j);
        if (!j)
            return FH_ENOMEM;
        s->jobs = j;
        s->jobs_cap = cap;
    }
    char *p = strdup(path);
    if (!p)
        return FH_ENOMEM;
    s->jobs[s->njobs++] = (struct fim_job){p, kind};
    return 0;
}

static void rec_from_stat(const struct stat *sb, struct fim_rec *rec)
{
    memset(rec, 0, sizeof *rec);
    rec->size = (uint64_t)sb->st_size;
    rec->mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
    rec->ctime_ns = (int64_t)sb->st_ctim.tv_sec * 1000000000 + sb->st_ctim.tv_nsec;
    rec->ino = (uint64_t)sb->st_ino;
    rec->mode = (uint32_t)sb->st_mode;
    rec->uid = (uint32_t)sb->st_uid;
    rec->gid = (uint32_t)sb->st_gid;
}

static bool stat_same(const struct fim_rec *a, const struct fim_rec *b)
{
    return a->size == b->size && a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns &&
           a->ino == b->ino && a->mode == b->mode && a->uid == b->uid && a->gid == b->gid;
}

static bool owner_mode_differ(const struct fim_rec *a, const struct fim_rec *b)
{
    return a->mode != b->mode || a->uid != b->uid || a->gid != b->gid;
}

static bool content_differs(const struct fim_rec *a, const struct fim_rec *b)
{
    if ((a->mode & S_IFMT) != (b->mode & S_IFMT))
        return true;
    if ((a->flags | b->flags) & (FIM_REC_BIG | FIM_REC_UNREADABLE))
        return a->size != b->size || a->mtime_ns != b->mtime_ns || a->flags != b->flags;
    return memcmp(a->sha256, b->sha256, FIM_SHA256_LEN) != 0;
}

/* Hash what fd holds into rec; the first body_max bytes land in s->body. */
static int hash_fd(struct fim_scan *s, int fd, struct fim_rec *rec, size_t *body_len)
{
    unsigned len = 0;
    size_t body = 0;
    EVP_DigestInit_ex(s->md, EVP_sha256(), NULL);
    for (;;) {
        char *dst = body < s->body_max ? s->body + body : s->chunk;
        size_t room = body < s->body_max ? s->body_max - body : FIM_HASH_CHUNK;
        ssize_t r = read(fd, dst, room);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return FH_EIO;
        if (r == 0)
            break;
        if (dst != s->chunk)
            body += (size_t)r;
        EVP_DigestUpdate(s->md, dst, (size_t)r);
    }
    EVP_DigestFinal_ex(s->md, rec->sha256, &len);
    rec->flags |= FIM_REC_HASHED;
    *body_len = body;
    return 0;
}

static void unreadable(struct fim_scan *s, const char *path, int errnum)
{
    s->counts.unreadable++;
    fh_log_limited(&unreadable_log, WARN_EVERY_S, FH_LOG_WARN,
                   "fim: cannot read %s: %s (compared by size and mtime); %llu in all", path,
                   strerror(errnum), (unsigned long long)s->counts.unreadable);
}

/* lstat path into cur; unchanged from old (may be NULL): R_SAME; else read it. */
static enum read_result read_entry(struct fim_scan *s, const char *path,
                                   const struct fim_rec *old, struct fim_rec *cur,
                                   size_t *body_len)
{
    char disk[DISK_PATH_MAX];
    struct stat sb;
    *body_len = 0;
    on_disk(s, path, disk);
    if (lstat(disk, &sb) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return R_GONE;
        unreadable(s, path, errno);
        return R_SKIP;
    }
    rec_from_stat(&sb, cur);
    if (old && stat_same(old, cur)) {
        cur->flags = old->flags;
        memcpy(cur->sha256, old->sha256, FIM_SHA256_LEN);
        return R_SAME;
    }
    if (S_ISDIR(sb.st_mode))
        return R_READ;
    if (S_ISLNK(sb.st_mode)) {
        ssize_t n = readlink(disk, s->chunk, FIM_HASH_CHUNK);
        unsigned len;
        if (n < 0) {
            cur->flags |= FIM_REC_UNREADABLE;
            return R_READ;
        }
        EVP_Digest(s->chunk, (size_t)n, cur->sha256, &len, EVP_sha256(), NULL);
        cur->flags |= FIM_REC_HASHED;
        return R_READ;
    }
    if (!S_ISREG(sb.st_mode))
        return R_SKIP;   /* FIFO, socket, device: never opened */
    if (cur->size > s->max_file_bytes) {
        cur->flags |= FIM_REC_BIG;
        return R_READ;
    }
    int fd = open(disk, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        cur->flags |= FIM_REC_UNREADABLE;
        unreadable(s, path, errno);
        return R_READ;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return R_SKIP;   /* replaced between lstat and open: the next event says more */
    }
    rec_from_stat(&sb, cur);
    if (hash_fd(s, fd, cur, body_len) != 0) {
        cur->flags = FIM_REC_UNREADABLE;
        memset(cur->sha256, 0, FIM_SHA256_LEN);
        *body_len = 0;
        unreadable(s, path, errno);
    } else {
        s->counts.hashed++;
    }
    close(fd);
    return R_READ;
}

static void report(struct fim_scan *s, enum fim_change_kind kind, const char *path,
                   const struct fim_rec *old, const struct fim_rec *cur, size_t body_len)
{
    struct fim_change c = {kind, path, old, cur, body_len ? s->body : NULL, body_len};
    if (s->hooks.change)
        s->hooks.change(s->hooks.arg, &c);
}

static int removed_below(void *arg, const char *path, const struct fim_rec *rec)
{
    struct fim_scan *s = arg;
    if (S_ISDIR(rec->mode)) {
        if (s->hooks.dir_gone)
            s->hooks.dir_gone(s->hooks.arg, path);
    } else {
        report(s, FIM_REMOVED, path, rec, NULL, 0);
    }
    return 0;
}

/* path (recorded as old) is gone, with everything below it when it was a directory. */
static int removed(struct fim_scan *s, const char *path, const struct fim_rec *old)
{
    int err = 0;
    if (S_ISDIR(old->mode))
        err = fim_db_del_below(s->db, path, removed_below, s);
    if (!err)
        err = fim_db_del(s->db, path);
    if (!err)
        removed_below(s, path, old);
    return err;
}

static int check_entry(struct fim_scan *s, const char *path, enum dir_mode mode)
{
    struct fim_rec old, cur;
    size_t body_len;
    bool had = fim_db_get(s->db, path, &old) == 0;
    int err = 0;
    s->counts.entries++;
    s->counts.looked++;
    switch (read_entry(s, path, had ? &old : NULL, &cur, &body_len)) {
    case R_GONE:
        return had ? removed(s, path, &old) : 0;
    case R_SKIP:
        return 0;
    case R_SAME:
        if (S_ISDIR(cur.mode) && mode != DIR_NONE) {
            if (s->hooks.dir_seen)
                s->hooks.dir_seen(s->hooks.arg, path);
            return push_job(s, path, mode == DIR_DESCEND ? JOB_DESCEND : JOB_LIST);
        }
        return 0;
    case R_READ:
        break;
    }
    bool dir = S_ISDIR(cur.mode);
    if (!had) {
        if (fim_db_count(s->db) >= s->max_files) {
            s->counts.over_max_files++;
            fh_log_limited(&full_log, WARN_EVERY_S, FH_LOG_WARN,
                           "fim: the baseline holds max_files records: %s and %llu more new "
                           "entries are not watched", path,
                           (unsigned long long)s->counts.over_max_files);
            return 0;
        }
        if ((err = fim_db_put(s->db, path, &cur)))
            return err;
        if (!dir) {
            report(s, FIM_ADDED, path, NULL, &cur, body_len);
            return 0;
        }
        if (s->hooks.dir_seen)
            s->hooks.dir_seen(s->hooks.arg, path);
        return push_job(s, path, JOB_DESCEND);
    }
    if (S_ISDIR(old.mode) && !dir) {   /* a directory replaced by a file */
        if ((err = fim_db_del_below(s->db, path, removed_below, s)))
            return err;
        if (s->hooks.dir_gone)
            s->hooks.dir_gone(s->hooks.arg, path);
    }
    if ((err = fim_db_put(s->db, path, &cur)))
        return err;
    if (!dir && content_differs(&old, &cur))
        report(s, FIM_MODIFIED, path, &old, &cur, body_len);
    else if (owner_mode_differ(&old, &cur))
        report(s, FIM_MODE, path, &old, &cur, 0);
    if (dir && mode != DIR_NONE) {
        if (s->hooks.dir_seen)
            s->hooks.dir_seen(s->hooks.arg, path);
        return push_job(s, path, mode == DIR_DESCEND || !S_ISDIR(old.mode) ? JOB_DESCEND
                                                                           : JOB_LIST);
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct gone_list {
    const struct fim_scan *s;
    size_t dir_len;
    char **paths;
    size_t n, cap;
};

static int collect_gone(void *arg, const char *path, const struct fim_rec *rec)
{
    struct gone_list *g = arg;
    const char *name = path + g->dir_len + 1;
    if (bsearch(&name, g->s->names, g->s->nnames, sizeof(char *), by_name))
        return 0;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        char **p = realloc(g->paths, cap * sizeof *p);
        if (!p)
            return FH_ENOMEM;
        g->paths = p;
        g->cap = cap;
    }
    return (g->paths[g->n] = strdup(path)) ? (g->n++, 0) : FH_ENOMEM;
}

/* Read dir's names into s->names (sorted) and handle the children that are gone. */
static int list_dir(struct fim_scan *s, const char *dir, bool recurse)
{
    char disk[DISK_PATH_MAX];
    size_t cap = 0;
    bool truncated = false;
    int err = 0;
    on_disk(s, dir, disk);
    DIR *d = opendir(disk);
    if (!d) {
        struct fim_rec old;
        if ((errno == ENOENT || errno == ENOTDIR) && fim_db_get(s->db, dir, &old) == 0)
            return check_entry(s, dir, DIR_NONE);
        unreadable(s, dir, errno);
        return 0;
    }
    snprintf(s->cur_dir, sizeof s->cur_dir, "%s", dir);
    s->cur_recurse = recurse;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (s->nnames == FIM_DIR_ENTRIES_MAX) {
            truncated = true;
            break;
        }
        if (s->nnames == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **p = realloc(s->names, ncap * sizeof *p);
            if (!p) {
                err = FH_ENOMEM;
                break;
            }
            s->names = p;
            cap = ncap;
        }
        if (!(s->names[s->nnames] = strdup(e->d_name))) {
            err = FH_ENOMEM;
            break;
        }
        s->nnames++;
    }
    closedir(d);
    if (s->nnames)
        qsort(s->names, s->nnames, sizeof *s->names, by_name);
    if (truncated) {
        s->counts.truncated_dirs++;
        fh_log(FH_LOG_WARN, "fim: %s holds over %d names: the rest are not watched and "
               "removals in it are not seen", dir, FIM_DIR_ENTRIES_MAX);
    }
    if (err || truncated)
        return err;
    struct gone_list g = {s, strlen(dir), NULL, 0, 0};
    err = fim_db_children(s->db, dir, collect_gone, &g);
    for (size_t i = 0; i < g.n; i++) {
        struct fim_rec old;
        if (!err && fim_db_get(s->db, g.paths[i], &old) == 0)
            err = removed(s, g.paths[i], &old);
        free(g.paths[i]);
    }
    free(g.paths);
    return err;
}

void fim_scan_full_start(struct fim_scan *s)
{
    if (s->full_active)
        return;
    s->full_active = true;
    s->counts.entries = 0;
    for (size_t i = s->nroots; i-- > 0;)
        if (push_job(s, s->roots[i], JOB_ENTRY) != 0)
            s->full_active = false;   /* out of memory: try again next time */
}

/* The next name of the listing being worked through. */
static int next_name(struct fim_scan *s)
{
    char path[FIM_PATH_MAX + 2];
    const char *name = s->names[s->next_name++];
    int n = snprintf(path, sizeof path, "%s/%s", s->cur_dir, name);
    if (n < 0 || (size_t)n >= FIM_PATH_MAX) {
        s->counts.long_paths++;
        fh_log_limited(&long_log, WARN_EVERY_S, FH_LOG_WARN,
                       "fim: %s/%s: paths over %d bytes are not watched; %llu in all",
                       s->cur_dir, name, FIM_PATH_MAX - 1,
                       (unsigned long long)s->counts.long_paths);
        return 0;
    }
    if (excluded(s, path))
        return 0;
    return check_entry(s, path, s->cur_recurse ? DIR_DESCEND : DIR_NONE);
}

int fim_scan_step(struct fim_scan *s, uint64_t deadline_ms)
{
    int err = 0;
    while (fh_mono_ms() < deadline_ms) {
        if (s->next_name < s->nnames) {
            if ((err = next_name(s)))
                return err;
            continue;
        }
        drop_names(s);
        if (s->njobs == 0) {
            bool ended = s->full_active;
            s->full_active = false;
            return ended ? 1 : 0;
        }
        struct fim_job job = s->jobs[--s->njobs];
        if (job.kind == JOB_ENTRY)
            err = check_entry(s, job.path, DIR_DESCEND);
        else
            err = list_dir(s, job.path, job.kind == JOB_DESCEND);
        free(job.path);
        if (err)
            return err;
    }
    return 0;
}

int fim_scan_path(struct fim_scan *s, const char *path)
{
    if (strlen(path) >= FIM_PATH_MAX || fim_scan_root_of(s, path) < 0 || excluded(s, path))
        return 0;
    return check_entry(s, path, DIR_RELIST);
}
