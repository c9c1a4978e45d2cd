/* fim_db.c - the fim baseline in an LMDB env of its own (fim.h).
 *
 * Two named databases: "files" maps a key made of the logical path's directory, a NUL
 * and its name ("/var/www/html\0index.php") to a struct fim_rec stored as is; "meta"
 * holds a few strings (the layout version, whether the baseline is complete). With that
 * key the children of a directory are exactly the keys starting with "DIR\0", one range
 * for a cursor, and everything below DIR is the ranges "DIR\0" and "DIR/". The env is the
 * probe's, not the agent's outbox: a baseline of 200,000 files is some 40 MiB that must
 * not compete with reports for the outbox map. One write transaction lives per round
 * (fim_db_begin .. commit), used by the one worker thread that runs the round; reads
 * outside it open a short read transaction. MDB_NOSYNC is not used: a commit is durable. */
#include "fim.h"

#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "err.h"
#include "log.h"

#define FIM_DB_VERSION "1"
#define FIM_DB_MAXREADERS 16
#define META_VALUE_MAX 256
#define MAPS_LINES_MAX 8192        /* lines of /proc/self/maps looked at */
#define MAPS_LINE_MAX 1024

struct fim_db {
    MDB_env *env;
    MDB_dbi files, meta;
    MDB_txn *txn;       /* the round's write transaction, or NULL */
};

static int lmdb_err(int rc)
{
    if (rc == 0)
        return 0;
    if (rc == MDB_MAP_FULL || rc == MDB_TXN_FULL)
        return FH_EFULL;
    if (rc == MDB_NOTFOUND)
        return FH_ENOTFOUND;
    return FH_ESTORE;
}

/* "dir\0name" of path into key (FIM_PATH_MAX bytes). Returns its length or -1. */
static int make_key(const char *path, char *key)
{
    size_t n = strlen(path);
    const char *slash = strrchr(path, '/');
    if (n == 0 || n >= FIM_PATH_MAX || !slash)
        return -1;
    memcpy(key, path, n);
    key[slash - path] = '\0';
    return (int)n;
}

/* The logical path of a key: the NUL back to '/'. */
static void key_path(const MDB_val *k, char *path)
{
    memcpy(path, k->mv_data, k->mv_size);
    path[k->mv_size] = '\0';
    char *nul = memchr(path, '\0', k->mv_size);
    if (nul)
        *nul = '/';
}

int fim_db_open(const char *dir, uint64_t map_mb, struct fim_db **out)
{
    struct fim_db *db = calloc(1, sizeof *db);
    MDB_txn *txn = NULL;
    char ver[16];
    int rc, err = FH_ESTORE;
    if (!db)
        return FH_ENOMEM;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fh_log(FH_LOG_ERROR, "fim: cannot create %s: %s", dir, strerror(errno));
        free(db);
        return FH_EIO;
    }
    if ((rc = mdb_env_create(&db->env)) || (rc = mdb_env_set_maxdbs(db->env, 2)) ||
        (rc = mdb_env_set_maxreaders(db->env, FIM_DB_MAXREADERS)) ||
        (rc = mdb_env_set_mapsize(db->env, (size_t)map_mb << 20)) ||
        (rc = mdb_env_open(db->env, dir, MDB_NOTLS | MDB_NORDAHEAD, 0600)))
        goto fail;
    if ((rc = mdb_txn_begin(db->env, NULL, 0, &txn)) ||
        (rc = mdb_dbi_open(txn, "files", MDB_CREATE, &db->files)) ||
        (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &db->meta)))
        goto fail;
    MDB_val k = {7, "version"}, v;
    rc = mdb_get(txn, db->meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        v = (MDB_val){strlen(FIM_DB_VERSION), FIM_DB_VERSION};
        rc = mdb_put(txn, db->meta, &k, &v, 0);
    } else if (rc == 0) {
        snprintf(ver, sizeof ver, "%.*s", (int)(v.mv_size < 15 ? v.mv_size : 15),
                 (const char *)v.mv_data);
        if (strcmp(ver, FIM_DB_VERSION) != 0) {
            fh_log(FH_LOG_ERROR, "fim: %s holds a baseline of layout %s, not %s", dir, ver,
                   FIM_DB_VERSION);
            err = FH_EVERSION;
            goto fail;
        }
    }
    if (rc || (rc = mdb_txn_commit(txn)))
        goto fail_committed;
    *out = db;
    return 0;
fail:
    if (txn)
        mdb_txn_abort(txn);
fail_committed:
    if (err == FH_ESTORE)
        fh_log(FH_LOG_ERROR, "fim: cannot open the baseline in %s: %s", dir,
               rc ? mdb_strerror(rc) : "bad layout");
    if (db->env)
        mdb_env_close(db->env);
    free(db);
    return err;
}

void fim_db_close(struct fim_db *db)
{
    if (!db)
        return;
    if (db->txn)
        mdb_txn_abort(db->txn);
    mdb_env_close(db->env);
    free(db);
}

int fim_db_begin(struct fim_db *db)
{
    if (db->txn)
        return 0;
    return lmdb_err(mdb_txn_begin(db->env, NULL, 0, &db->txn));
}

int fim_db_commit(struct fim_db *db)
{
    if (!db->txn)
        return 0;
    int rc = mdb_txn_commit(db->txn);
    db->txn = NULL;
    return lmdb_err(rc);
}

void fim_db_abort(struct fim_db *db)
{
    if (db->txn)
        mdb_txn_abort(db->txn);
    db->txn = NULL;
}

/* The round's transaction, or a read-only one of our own in *own. */
static int txn_for(struct fim_db *db, MDB_txn **txn, MDB_txn **own)
{
    *own = NULL;
    if (db->txn) {
        *txn = db->txn;
        return 0;
    }
    int rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, own);
    *txn = *own;
    return lmdb_err(rc);
}

int fim_db_get(struct fim_db *db, const char *path, struct fim_rec *rec)
{
    char key[FIM_PATH_MAX];
    int n = make_key(path, key), err;
    MDB_txn *txn, *own;
    if (n < 0)
        return FH_ENOTFOUND;
    if ((err = txn_for(db, &txn, &own)))
        return err;
    MDB_val k = {(size_t)n, key}, v;
    int rc = mdb_get(txn, db->files, &k, &v);
    if (rc == 0 && v.mv_size == sizeof *rec)
        memcpy(rec, v.mv_data, sizeof *rec);
    else if (rc == 0)
        rc = MDB_NOTFOUND;   /* a record of another size: as good as none */
    if (own)
        mdb_txn_abort(own);
    return lmdb_err(rc);
}

int fim_db_put(struct fim_db *db, const char *path, const struct fim_rec *rec)
{
    char key[FIM_PATH_MAX];
    int n = make_key(path, key);
    if (n < 0)
        return FH_ETOOBIG;
    if (!db->txn)
        return FH_EINVAL;
    MDB_val k = {(size_t)n, key}, v = {sizeof *rec, (void *)rec};
    return lmdb_err(mdb_put(db->txn, db->files, &k, &v, 0));
}

int fim_db_del(struct fim_db *db, const char *path)
{
    char key[FIM_PATH_MAX];
    int n = make_key(path, key);
    if (n < 0 || !db->txn)
        return n < 0 ? 0 : FH_EINVAL;
    MDB_val k = {(size_t)n, key};
    int rc = mdb_del(db->txn, db->files, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : lmdb_err(rc);
}

uint64_t fim_db_count(struct fim_db *db)
{
    MDB_txn *txn, *own;
    MDB_stat ms;
    if (txn_for(db, &txn, &own))
        return 0;
    uint64_t n = mdb_stat(txn, db->files, &ms) == 0 ? ms.ms_entries : 0;
    if (own)
        mdb_txn_abort(own);
    return n;
}

/* Visit the keys starting with prefix[0..plen): fn for each; del: delete it after. */
static int each_prefixed(struct fim_db *db, const char *prefix, size_t plen, bool del,
                         fim_db_each_fn fn, void *arg)
{
    MDB_txn *txn, *own;
    MDB_cursor *cur = NULL;
    char path[FIM_PATH_MAX + 1];
    struct fim_rec rec;
    int err = txn_for(db, &txn, &own), rc;
    if (err)
        return err;
    if (del && own) {
        err = FH_EINVAL;
        goto out;
    }
    if ((rc = mdb_cursor_open(txn, db->files, &cur))) {
        err = lmdb_err(rc);
        goto out;
    }
    MDB_val k = {plen, (void *)prefix}, v;
    for (rc = mdb_cursor_get(cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) { /* after a del: the next */
        if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0 ||
            k.mv_size >= FIM_PATH_MAX)
            break;
        key_path(&k, path);
        memset(&rec, 0, sizeof rec);
        if (v.mv_size == sizeof rec)
            memcpy(&rec, v.mv_data, sizeof rec);
        if (fn && (err = fn(arg, path, &rec)))
            break;
        if (del && (rc = mdb_cursor_del(cur, 0))) {
            err = lmdb_err(rc);
            break;
        }
    }
    if (!err && rc != 0 && rc != MDB_NOTFOUND)
        err = lmdb_err(rc);
out:
    if (cur)
        mdb_cursor_close(cur);
    if (own)
        mdb_txn_abort(own);
    return err;
}

static int count_file(void *arg, const char *path, const struct fim_rec *rec)
{
    (void)path;
    *(uint64_t *)arg += !S_ISDIR(rec->mode);
    return 0;
}

uint64_t fim_db_count_files(struct fim_db *db)
{
    uint64_t n = 0;
    each_prefixed(db, "", 0, false, count_file, &n);
    return n;
}

/* LMDB does not tell where it mapped the file (me_mapaddr is only set with
 * MDB_FIXEDMAP): take a pointer into the map from a read and find its mapping in
 * /proc/self/maps (at most MAPS_LINES_MAX lines). */
void fim_db_release_pages(struct fim_db *db)
{
    MDB_txn *txn;
    MDB_val k = {7, "version"}, v;
    uintptr_t p = 0;
    char line[MAPS_LINE_MAX];
    if (db->txn || mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn) != 0)
        return;
    if (mdb_get(txn, db->meta, &k, &v) == 0)
        p = (uintptr_t)v.mv_data;
    mdb_txn_abort(txn);
    FILE *f = p ? fopen("/proc/self/maps", "re") : NULL;
    for (int n = 0; f && n < MAPS_LINES_MAX && fgets(line, sizeof line, f); n++) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= p && p < hi) {
            madvise((void *)lo, hi - lo, MADV_DONTNEED);
            break;
        }
    }
    if (f)
        fclose(f);
}

int fim_db_children(struct fim_db *db, const char *dir, fim_db_each_fn fn, void *arg)
{
    char prefix[FIM_PATH_MAX + 1];
    size_t n = strlen(dir);
    if (n >= FIM_PATH_MAX)
        return 0;
    memcpy(prefix, dir, n + 1);   /* "dir\0" */
    return each_prefixed(db, prefix, n + 1, false, fn, arg);
}

int fim_db_del_below(struct fim_db *db, const char *dir, fim_db_each_fn fn, void *arg)
{
    char prefix[FIM_PATH_MAX + 1];
    size_t n = strlen(dir);
    if (n >= FIM_PATH_MAX)
        return 0;
    memcpy(prefix, dir, n + 1);
    int err = each_prefixed(db, prefix, n + 1, true, fn, arg);   /* its children */
    prefix[n] = '/';
    return err ? err : each_prefixed(db, prefix, n + 1, true, fn, arg); /* deeper */
}

int fim_db_meta_get(struct fim_db *db, const char *key, char *val, size_t len)
{
    MDB_txn *txn, *own;
    int err = txn_for(db, &txn, &own);
    if (err)
        return err;
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(txn, db->meta, &k, &v);
    if (rc == 0 && len) {
        size_t n = v.mv_size < len - 1 ? v.mv_size : len - 1;
        memcpy(val, v.mv_data, n);
        val[n] = '\0';
    }
    if (own)
        mdb_txn_abort(own);
    return lmdb_err(rc);
}

int fim_db_meta_put(struct fim_db *db, const char *key, const char *val)
{
    if (!db->txn)
        return FH_EINVAL;
    size_t n = strlen(val);
    if (n > META_VALUE_MAX)
        return FH_ETOOBIG;
    MDB_val k = {strlen(key), (void *)key}, v = {n, (void *)val};
    return lmdb_err(mdb_put(db->txn, db->meta, &k, &v, 0));
}
