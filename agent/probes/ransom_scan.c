/* ransom_scan.c - the bounded walk of the ransomware probe (see ransom_scan.h).
 *
 * A queue of directory paths (heap strings, at most FH_RANSOM_SCAN_MAX_QUEUE waiting),
 * filled from each tree's top. For each directory, readdir; an entry's type comes from
 * d_type, or from lstat when the file system does not give it; only real directories
 * are queued (a symbolic link is never followed). lstat is called for a file only when
 * its name has a ransom extension (to read its ctime), so a walk costs about one
 * readdir entry per file. */
#include "ransom_scan.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"

struct queue {
    char **paths;
    uint32_t *tree;
    size_t head, tail;
};

static struct fh_ransom_hit *hit_of(struct fh_ransom_scan *s, uint32_t tree, int ext)
{
    for (size_t i = 0; i < s->nhits; i++)
        if (s->hits[i].tree == tree && s->hits[i].ext == ext)
            return &s->hits[i];
    if (s->nhits >= FH_RANSOM_MAX_HITS)
        return NULL;
    struct fh_ransom_hit *h = &s->hits[s->nhits++];
    memset(h, 0, sizeof *h);
    h->tree = tree;
    h->ext = ext;
    return h;
}

static void record(struct fh_ransom_scan *s, uint32_t tree, int ext, const char *path)
{
    struct fh_ransom_hit *h = hit_of(s, tree, ext);
    if (!h) {
        s->skipped++;
        return;
    }
    if (h->nsamples < FH_RANSOM_MAX_SAMPLES)
        snprintf(h->samples[h->nsamples++], FH_RANSOM_PATH_MAX, "%s", path);
    h->count++;
}

static int enqueue(struct fh_ransom_scan *s, struct queue *q, const char *path, uint32_t tree)
{
    if (q->tail >= FH_RANSOM_SCAN_MAX_QUEUE) {
        s->truncated = true;
        return 0;
    }
    if (!(q->paths[q->tail] = strdup(path)))
        return FH_ENOMEM;
    q->tree[q->tail++] = tree;
    return 0;
}

/* One directory: its entries, within the budget. */
static int walk_dir(struct fh_ransom_scan *s, struct queue *q, const char *dir, uint32_t tree)
{
    DIR *d = opendir(dir);
    if (!d) {
        s->skipped++;
        return 0;
    }
    if (s->ndirs < s->max_dirs) {
        if (!(s->dirs[s->ndirs] = strdup(dir))) {
            closedir(d);
            return FH_ENOMEM;
        }
        s->dir_tree[s->ndirs++] = tree;
    }
    struct dirent *e;
    char path[FH_RANSOM_PATH_MAX];
    int err = 0;
    while (!err && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (++s->entries > s->max_entries) {
            s->truncated = true;
            break;
        }
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) {
            s->skipped++;
            continue;
        }
        struct stat sb;
        unsigned char type = e->d_type;
        if (type == DT_UNKNOWN)
            type = lstat(path, &sb) != 0 ? DT_UNKNOWN : S_ISDIR(sb.st_mode) ? DT_DIR
                                                       : S_ISREG(sb.st_mode) ? DT_REG : DT_LNK;
        if (type == DT_DIR) {
            err = enqueue(s, q, path, tree);
            continue;
        }
        if (type != DT_REG)
            continue;
        if (fh_ransom_is_note(s->lists, e->d_name)) {
            record(s, tree, -1, path);
            continue;
        }
        int ext = fh_ransom_ext_of(s->lists, e->d_name);
        if (ext >= 0 && lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
            (int64_t)sb.st_ctime >= s->since_s)
            record(s, tree, ext, path);
    }
    closedir(d);
    return err;
}

int fh_ransom_scan_run(struct fh_ransom_scan *s)
{
    struct queue q = {0};
    int err = 0;
    fh_ransom_scan_clear(s);
    s->dirs = calloc(s->max_dirs ? s->max_dirs : 1, sizeof *s->dirs);
    s->dir_tree = calloc(s->max_dirs ? s->max_dirs : 1, sizeof *s->dir_tree);
    q.paths = calloc(FH_RANSOM_SCAN_MAX_QUEUE, sizeof *q.paths);
    q.tree = calloc(FH_RANSOM_SCAN_MAX_QUEUE, sizeof *q.tree);
    if (!s->dirs || !s->dir_tree || !q.paths || !q.tree) {
        err = FH_ENOMEM;
        goto out;
    }
    for (size_t t = 0; t < s->ntrees && !err; t++)
        err = enqueue(s, &q, s->trees[t], (uint32_t)t);
    while (!err && q.head < q.tail && s->entries <= s->max_entries) {
        err = walk_dir(s, &q, q.paths[q.head], q.tree[q.head]);
        free(q.paths[q.head++]);
    }
    if (q.head < q.tail)
        s->truncated = true;
out:
    for (size_t i = q.head; q.paths && i < q.tail; i++)
        free(q.paths[i]);
    free(q.paths);
    free(q.tree);
    return err;
}

void fh_ransom_scan_clear(struct fh_ransom_scan *s)
{
    for (size_t i = 0; i < s->ndirs; i++)
        free(s->dirs[i]);
    free(s->dirs);
    free(s->dir_tree);
    s->dirs = NULL;
    s->dir_tree = NULL;
    s->ndirs = 0;
    s->nhits = 0;
    s->entries = 0;
    s->skipped = 0;
    s->truncated = false;
}
