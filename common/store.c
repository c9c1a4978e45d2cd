/* store.c - the node's LMDB environment (see store.h for the databases).
 *
 * Keys that must sort numerically are big-endian u64. A report's key is its origin
 * path, a NUL byte, then its seq big-endian, so one origin's reports are contiguous and
 * ascending, and export walks them in order. The outbox key is a per-store counter kept
 * in memory and initialised from the last key at open, so appends use MDB_APPEND.
 *
 * Errors from LMDB are mapped once, in fh_lmdb_err(): MDB_MAP_FULL (and ENOSPC from the
 * commit's write or fsync) become FH_EFULL so callers can stop acknowledging and keep
 * their senders' copies; everything else becomes FH_ESTORE and is logged with the call
 * that failed. */
#include "store.h"

#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "err.h"
#include "log.h"
#include "store_int.h"

static const char *const db_names[DB_COUNT] = {"meta", "outbox", "dead", "seqs",
                                               "reports", "latest", "children",
                                               "down", "notices",
                                               "peers", "tokens"};


/* mkdir -p: the data directory and any missing parents, mode 0700. */
static int make_dirs(const char *dir)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return ENAMETOOLONG;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return errno;
        *p = '/';
    }
    return mkdir(buf, 0700) != 0 && errno != EEXIST ? errno : 0;
}

int fh_store_open(const char *dir, size_t map_mb, unsigned flags, struct fh_store **out)
{
    int err = FH_ESTORE;
    bool ro = flags & FH_STORE_READONLY;
    struct fh_store *st = calloc(1, sizeof *st);
    if (!st)
        return FH_ENOMEM;
    st->read_only = ro;
    snprintf(st->dir, sizeof st->dir, "%s", dir);
    int derr = ro ? 0 : make_dirs(dir);
    if (derr) {
        fh_log(FH_LOG_ERROR, "store: cannot create %s: %s", dir, strerror(derr));
        err = FH_EIO;
        goto fail;
    }
    int rc = mdb_env_create(&st->env);
    if (rc)
        goto fail_mdb;
    mdb_env_set_maxdbs(st->env, DB_COUNT + 4);
    if (!ro && (rc = mdb_env_set_mapsize(st->env, map_mb * 1024u * 1024u)))
        goto fail_mdb;
    rc = mdb_env_open(st->env, dir, ro ? MDB_RDONLY : 0, 0600);
    if (rc) {
        if (ro && rc == ENOENT) {
            err = FH_ENOTFOUND;
            goto fail;
        }
        goto fail_mdb;
    }
    MDB_txn *txn;
    if ((rc = mdb_txn_begin(st->env, NULL, ro ? MDB_RDONLY : 0, &txn)))
        goto fail_mdb;
    for (int i = 0; i < DB_COUNT; i++) {
        rc = mdb_dbi_open(txn, db_names[i], ro ? 0 : MDB_CREATE, &st->dbi[i]);
        if (rc) {
            mdb_txn_abort(txn);
            if (ro && rc == MDB_NOTFOUND) {
                err = FH_ENOTFOUND;
                goto fail;
            }
            goto fail_mdb;
        }
    }
    err = 0;
    for (int l = 0; l < FH_LANES && !err; l++)
        err = fh_lmdb_next_key(txn, st->dbi[DB_OUTBOX], l ? (uint64_t)l << 63 : 1,
                               l + 1 < FH_LANES ? (uint64_t)(l + 1) << 63 : 0,
                               &st->next_okey[l]);
    if (!err)
        err = fh_lmdb_next_key(txn, st->dbi[DB_DEAD], 1, 0, &st->next_dkey);
    if (!err) {
        err = fh_lmdb_load_u64(txn, st->dbi[DB_META], META_NEXT_SEQ, &st->next_seq);
        if (err == FH_ENOTFOUND) {
            st->next_seq = 1;
            err = 0;
        }
    }
    if (err) {
        mdb_txn_abort(txn);
        goto fail;
    }
    if ((rc = mdb_txn_commit(txn)))
        goto fail_mdb;
    *out = st;
    return 0;
fail_mdb:
    err = fh_lmdb_err(rc, "open");
    fh_log(FH_LOG_ERROR, "store: cannot open %s", dir);
fail:
    if (st->env)
        mdb_env_close(st->env);
    free(st);
    return err;
}

void fh_store_close(struct fh_store *st)
{
    if (!st)
        return;
    mdb_env_close(st->env);
    free(st);
}

int fh_txn_begin(struct fh_store *st, bool write, struct fh_txn **out)
{
    struct fh_txn *t = malloc(sizeof *t);
    if (!t)
        return FH_ENOMEM;
    t->st = st;
    t->own_next_seq = 0;
    int rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
    if (rc) {
        free(t);
        return fh_lmdb_err(rc, "txn_begin");
    }
    *out = t;
    return 0;
}

int fh_txn_commit(struct fh_txn *t)
{
    int rc = mdb_txn_commit(t->txn);
    if (!rc && t->own_next_seq)
        t->st->next_seq = t->own_next_seq;
    free(t);
    return fh_lmdb_err(rc, "commit");
}

void fh_txn_abort(struct fh_txn *t)
{
    if (!t)
        return;
    mdb_txn_abort(t->txn);
    free(t);
}

/* The report key: origin, NUL, seq big-endian. Returns its length. */
static size_t report_key(unsigned char *kb, const char *origin, size_t olen, uint64_t seq)
{
    memcpy(kb, origin, olen);
    kb[olen] = 0;
    fh_be64_put(kb + olen + 1, seq);
    return olen + 9;
}

/* Move the origin's floor past every seq stored contiguously above it. */
static int advance_floor(MDB_txn *txn, struct fh_store *st, const char *origin, size_t olen,
                         uint64_t floor)
{
    unsigned char kb[FH_PATH_MAX + 9];
    MDB_val k, v;
    for (;;) {
        k = fh_lmdb_val(kb, report_key(kb, origin, olen, floor + 1));
        int rc = mdb_get(txn, st->dbi[DB_REPORTS], &k, &v);
        if (rc == MDB_NOTFOUND)
            break;
        if (rc)
            return fh_lmdb_err(rc, "get report");
        floor++;
    }
    return fh_lmdb_save_u64(txn, st->dbi[DB_SEQS], origin, floor);
}

/* Keep r as the origin's latest state of its kind unless a newer one is kept. */
static int keep_latest(MDB_txn *txn, struct fh_store *st, const struct fh_report_ref *r,
                       size_t olen)
{
    unsigned char kb[FH_PATH_MAX + 2];
    memcpy(kb, r->origin, olen);
    kb[olen] = 0;
    kb[olen + 1] = (unsigned char)r->kind;
    MDB_val k = fh_lmdb_val(kb, olen + 2), v;
    int rc = mdb_get(txn, st->dbi[DB_LATEST], &k, &v);
    if (rc == 0 && v.mv_size >= 8 && fh_be64_get(v.mv_data) > r->seq)
        return 0;
    if (rc && rc != MDB_NOTFOUND)
        return fh_lmdb_err(rc, "get latest");
    v.mv_size = 8 + r->len;
    if ((rc = mdb_put(txn, st->dbi[DB_LATEST], &k, &v, MDB_RESERVE)))
        return fh_lmdb_err(rc, "put latest");
    fh_be64_put(v.mv_data, r->seq);
    memcpy((unsigned char *)v.mv_data + 8, r->bytes, r->len);
    return 0;
}

int fh_store_accept(struct fh_txn *t, const struct fh_report_ref *r, bool relay)
{
    struct fh_store *st = t->st;
    size_t olen = strlen(r->origin);
    if (olen == 0 || olen >= FH_PATH_MAX || r->seq == 0)
        return FH_EINVAL;
    uint64_t floor = 0;
    int err = fh_lmdb_load_u64(t->txn, st->dbi[DB_SEQS], r->origin, &floor);
    if (err && err != FH_ENOTFOUND)
        return err;
    if (r->seq <= floor)
        return FH_EDUP;
    unsigned char kb[FH_PATH_MAX + 9];
    MDB_val k = fh_lmdb_val(kb, report_key(kb, r->origin, olen, r->seq)), v = fh_lmdb_val(r->bytes, r->len);
    int rc = mdb_put(t->txn, st->dbi[DB_REPORTS], &k, &v, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST)
        return FH_EDUP;
    if (rc)
        return fh_lmdb_err(rc, "put report");
    if (r->seq == floor + 1 && (err = advance_floor(t->txn, st, r->origin, olen, floor)))
        return err;
    if (r->keep_latest && (err = keep_latest(t->txn, st, r, olen)))
        return err;
    return relay ? fh_outbox_append(t, r->lane, r->bytes, r->len) : 0;
}

int fh_store_child_seen(struct fh_txn *t, const char *path, const struct fh_child *c)
{
    MDB_val k = fh_lmdb_str(path), v;
    struct fh_child rec = *c;
    int rc = mdb_get(t->txn, t->st->dbi[DB_CHILDREN], &k, &v);
    if (rc == 0 && v.mv_size == sizeof rec) {
        struct fh_child old;
        memcpy(&old, v.mv_data, sizeof old);
        rec.first_seen_us = old.first_seen_us;
        rec.reports += old.reports;
    } else if (rc && rc != MDB_NOTFOUND) {
        return fh_lmdb_err(rc, "get child");
    }
    v = fh_lmdb_val(&rec, sizeof rec);
    return fh_lmdb_err(mdb_put(t->txn, t->st->dbi[DB_CHILDREN], &k, &v, 0), "put child");
}

int fh_store_save_counters(struct fh_txn *t, const uint64_t *ctr)
{
    unsigned char b[FH_CTR_COUNT * 8];
    for (size_t i = 0; i < FH_CTR_COUNT; i++)
        fh_be64_put(b + 8 * i, ctr[i]);
    MDB_val k = fh_lmdb_str(META_COUNTERS), v = fh_lmdb_val(b, sizeof b);
    return fh_lmdb_err(mdb_put(t->txn, t->st->dbi[DB_META], &k, &v, 0), "put counters");
}

int fh_store_flush_state(struct fh_store *st, const uint64_t *ctr, uint64_t parent_ack_us)
{
    struct fh_txn *t;
    int err = fh_txn_begin(st, true, &t);
    if (err)
        return err;
    if (!(err = fh_store_save_counters(t, ctr)) && parent_ack_us)
        err = fh_lmdb_save_u64(t->txn, st->dbi[DB_META], META_PARENT_ACK, parent_ack_us);
    if (err) {
        fh_txn_abort(t);
        return err;
    }
    return fh_txn_commit(t);
}

int fh_store_load_counters(struct fh_store *st, uint64_t *ctr)
{
    struct fh_txn *t;
    memset(ctr, 0, FH_CTR_COUNT * sizeof *ctr);
    int err = fh_txn_begin(st, false, &t);
    if (err)
        return err;
    MDB_val k = fh_lmdb_str(META_COUNTERS), v;
    int rc = mdb_get(t->txn, st->dbi[DB_META], &k, &v);
    if (rc == 0) {
        /* A store written by an older build may hold fewer counters: read what is there. */
        size_t n = v.mv_size / 8 < FH_CTR_COUNT ? v.mv_size / 8 : FH_CTR_COUNT;
        for (size_t i = 0; i < n; i++)
            ctr[i] = fh_be64_get((const unsigned char *)v.mv_data + 8 * i);
    }
    fh_txn_abort(t);
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : fh_lmdb_err(rc, "get counters");
}

static uint64_t entries(struct fh_store *st, int db)
{
    MDB_stat s;
    return fh_lmdb_stat(st, db, &s) ? 0 : s.ms_entries;
}

uint64_t fh_store_report_count(struct fh_store *st)
{
    return entries(st, DB_REPORTS);
}

void fh_store_set_map_max(struct fh_store *st, size_t max_mb)
{
    st->map_max_mb = max_mb;
}

void fh_store_map_use(struct fh_store *st, uint64_t *used, uint64_t *size)
{
    MDB_envinfo info;
    MDB_stat s;
    mdb_env_info(st->env, &info);
    mdb_env_stat(st->env, &s);
    *used = (uint64_t)(info.me_last_pgno + 1) * s.ms_psize;
    *size = info.me_mapsize;
}

int fh_store_grow(struct fh_store *st)
{
    const uint64_t reserve = 64ull << 20;
    uint64_t used, size;
    fh_store_map_use(st, &used, &size);
    uint64_t want = size * 2;
    if (st->map_max_mb && want > (uint64_t)st->map_max_mb << 20)
        want = (uint64_t)st->map_max_mb << 20;
    struct statvfs vfs;
    if (statvfs(st->dir, &vfs) == 0) {
        /* the file holds at most `used` bytes now; growing needs want - used more */
        uint64_t avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
        uint64_t room = avail > reserve ? avail - reserve : 0;
        if (want > used + room)
            want = used + room;
    }
    if (want <= size) {
        fh_log(FH_LOG_ERROR, "store: map of %llu MiB is full and cannot grow (limit %zu MiB, "
               "disk free space)", (unsigned long long)(size >> 20), st->map_max_mb);
        return FH_EFULL;
    }
    int rc = mdb_env_set_mapsize(st->env, want);
    if (rc)
        return fh_lmdb_err(rc, "set_mapsize");
    fh_log(FH_LOG_WARN, "store: map grown from %llu to %llu MiB", (unsigned long long)(size >> 20),
           (unsigned long long)(want >> 20));
    return 0;
}

int fh_store_meta_set(struct fh_store *st, const char *key, const char *value)
{
    struct fh_txn *t;
    int err = fh_txn_begin(st, true, &t);
    if (err)
        return err;
    MDB_val k = fh_lmdb_str(key), v = fh_lmdb_str(value);
    if ((err = fh_lmdb_err(mdb_put(t->txn, st->dbi[DB_META], &k, &v, 0), key))) {
        fh_txn_abort(t);
        return err;
    }
    return fh_txn_commit(t);
}

int fh_store_meta_get(struct fh_store *st, const char *key, char *out, size_t out_len)
{
    struct fh_txn *t;
    int err = fh_txn_begin(st, false, &t);
    if (err)
        return err;
    MDB_val k = fh_lmdb_str(key), v;
    err = fh_lmdb_err(mdb_get(t->txn, st->dbi[DB_META], &k, &v), key);
    if (!err) {
        if (v.mv_size >= out_len) {
            err = FH_ETOOBIG;
        } else {
            memcpy(out, v.mv_data, v.mv_size);
            out[v.mv_size] = 0;
        }
    }
    fh_txn_abort(t);
    return err;
}

uint64_t fh_store_parent_ack_us(struct fh_store *st)
{
    struct fh_txn *t;
    uint64_t v = 0;
    if (fh_txn_begin(st, false, &t))
        return 0;
    if (fh_lmdb_load_u64(t->txn, st->dbi[DB_META], META_PARENT_ACK, &v))
        v = 0;
    fh_txn_abort(t);
    return v;
}

struct report_walk {
    int kind;
    fh_report_fn fn;
    fh_child_fn cfn;
    void *arg;
};

static int visit_report(const MDB_val *k, const MDB_val *v, void *arg)
{
    struct report_walk *w = arg;
    char origin[FH_PATH_MAX];
    size_t olen = k->mv_size >= 9 ? k->mv_size - 9 : 0;
    if (olen == 0 || olen >= sizeof origin)
        return 0;
    memcpy(origin, k->mv_data, olen);
    origin[olen] = 0;
    return w->fn(origin, fh_be64_get((const unsigned char *)k->mv_data + olen + 1), v->mv_data,
                 v->mv_size, w->arg);
}

static int copy_key(const MDB_val *k, char *out)
{
    if (k->mv_size == 0 || k->mv_size >= FH_PATH_MAX)
        return -1;
    memcpy(out, k->mv_data, k->mv_size);
    out[k->mv_size] = 0;
    return 0;
}

static int visit_latest(const MDB_val *k, const MDB_val *v, void *arg)
{
    struct report_walk *w = arg;
    char origin[FH_PATH_MAX];
    size_t olen = k->mv_size >= 2 ? k->mv_size - 2 : 0;
    const unsigned char *kd = k->mv_data;
    if (olen == 0 || olen >= sizeof origin || kd[olen] != 0 || v->mv_size < 8 ||
        (w->kind && kd[olen + 1] != w->kind))
        return 0;
    memcpy(origin, kd, olen);
    origin[olen] = 0;
    return w->fn(origin, fh_be64_get(v->mv_data), (const unsigned char *)v->mv_data + 8,
                 v->mv_size - 8, w->arg);
}

static int visit_child(const MDB_val *k, const MDB_val *v, void *arg)
{
    struct report_walk *w = arg;
    char path[FH_PATH_MAX];
    struct fh_child c;
    if (copy_key(k, path) || v->mv_size != sizeof c)
        return 0;
    memcpy(&c, v->mv_data, sizeof c);
    c.software[sizeof c.software - 1] = 0;
    return w->cfn(path, &c, w->arg);
}

int fh_store_each_report(struct fh_store *st, fh_report_fn fn, void *arg)
{
    struct report_walk w = {.fn = fn, .arg = arg};
    return fh_lmdb_each(st, DB_REPORTS, visit_report, &w, NULL);
}

int fh_store_each_latest(struct fh_store *st, int kind, fh_report_fn fn, void *arg)
{
    struct report_walk w = {.kind = kind, .fn = fn, .arg = arg};
    return fh_lmdb_each(st, DB_LATEST, visit_latest, &w, NULL);
}

int fh_store_each_child(struct fh_store *st, fh_child_fn fn, void *arg)
{
    struct report_walk w = {.cfn = fn, .arg = arg};
    return fh_lmdb_each(st, DB_CHILDREN, visit_child, &w, NULL);
}
