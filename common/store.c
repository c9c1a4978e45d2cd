/* store.c - the node's LMDB environment (see store.h for the databases).
 *
 * Keys that must sort numerically are big-endian u64. A report's key is its origin
 * path, a NUL byte, then its seq big-endian, so one origin's reports are contiguous and
 * ascending, and export walks them in order. The outbox key is a per-store counter kept
 * in memory and initialised from the last key at open, so appends use MDB_APPEND.
 *
 * Errors from LMDB are mapped once, in map_err(): MDB_MAP_FULL (and ENOSPC from the
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

#include "err.h"
#include "log.h"

enum { DB_META, DB_OUTBOX, DB_DEAD, DB_SEQS, DB_REPORTS, DB_LATEST, DB_CHILDREN, DB_COUNT };
static const char *const db_names[DB_COUNT] = {"meta", "outbox", "dead", "seqs",
                                               "reports", "latest", "children"};

struct fh_store {
    MDB_env *env;
    MDB_dbi dbi[DB_COUNT];
    bool read_only;
    uint64_t next_okey;   /* next outbox key */
    uint64_t next_dkey;   /* next dead-letter key */
    uint64_t next_seq;    /* next own seq */
};

struct fh_txn {
    struct fh_store *st;
    MDB_txn *txn;
};

#define META_NEXT_SEQ "next_seq"
#define META_COUNTERS "counters"
#define META_PARENT_ACK "parent_ack_us"

static int map_err(int rc, const char *what)
{
    if (rc == 0)
        return 0;
    if (rc == MDB_NOTFOUND)
        return FH_ENOTFOUND;
    if (rc == MDB_MAP_FULL || rc == ENOSPC || rc == EDQUOT || rc == MDB_TXN_FULL) {
        fh_log(FH_LOG_WARN, "store: %s: %s", what, mdb_strerror(rc));
        return FH_EFULL;
    }
    fh_log(FH_LOG_ERROR, "store: %s: %s", what, mdb_strerror(rc));
    return FH_ESTORE;
}

static void put_be64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

static uint64_t get_be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static MDB_val val_of(const void *p, size_t n)
{
    return (MDB_val){.mv_size = n, .mv_data = (void *)p};
}

static MDB_val str_val(const char *s)
{
    return val_of(s, strlen(s));
}

/* The key after the last one of dbi (1 when empty). */
static int next_key_after_last(MDB_txn *txn, MDB_dbi dbi, uint64_t *out)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc)
        return map_err(rc, "cursor_open");
    MDB_val k, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    *out = 1;
    if (rc == 0 && k.mv_size == 8)
        *out = get_be64(k.mv_data) + 1;
    mdb_cursor_close(cur);
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : map_err(rc, "cursor_get last");
}

static int load_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *out)
{
    MDB_val k = str_val(key), v;
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc == 0 && v.mv_size == 8) {
        *out = get_be64(v.mv_data);
        return 0;
    }
    return rc == 0 ? FH_EMALFORMED : map_err(rc, key);
}

static int save_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t value)
{
    unsigned char b[8];
    put_be64(b, value);
    MDB_val k = str_val(key), v = val_of(b, 8);
    return map_err(mdb_put(txn, dbi, &k, &v, 0), key);
}

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
    err = next_key_after_last(txn, st->dbi[DB_OUTBOX], &st->next_okey);
    if (!err)
        err = next_key_after_last(txn, st->dbi[DB_DEAD], &st->next_dkey);
    if (!err) {
        err = load_u64(txn, st->dbi[DB_META], META_NEXT_SEQ, &st->next_seq);
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
    err = map_err(rc, "open");
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
    int rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
    if (rc) {
        free(t);
        return map_err(rc, "txn_begin");
    }
    *out = t;
    return 0;
}

int fh_txn_commit(struct fh_txn *t)
{
    int rc = mdb_txn_commit(t->txn);
    free(t);
    return map_err(rc, "commit");
}

void fh_txn_abort(struct fh_txn *t)
{
    if (!t)
        return;
    mdb_txn_abort(t->txn);
    free(t);
}

/* Append bytes under the next key of a u64-keyed database. */
static int append(MDB_txn *txn, MDB_dbi dbi, uint64_t *next, const void *bytes, size_t len)
{
    unsigned char kb[8];
    put_be64(kb, *next);
    MDB_val k = val_of(kb, 8), v = val_of(bytes, len);
    int rc = mdb_put(txn, dbi, &k, &v, MDB_APPEND);
    if (rc)
        return map_err(rc, "append");
    (*next)++;
    return 0;
}

int fh_store_accept(struct fh_txn *t, const struct fh_report_ref *r, bool relay)
{
    struct fh_store *st = t->st;
    size_t olen = strlen(r->origin);
    if (olen == 0 || olen >= FH_PATH_MAX)
        return FH_EINVAL;
    uint64_t last = 0;
    int err = load_u64(t->txn, st->dbi[DB_SEQS], r->origin, &last);
    if (err && err != FH_ENOTFOUND)
        return err;
    if (r->seq <= last)
        return FH_EDUP;
    if (r->seq != last + 1)
        return FH_EORDER;

    unsigned char kb[FH_PATH_MAX + 9];
    memcpy(kb, r->origin, olen);
    kb[olen] = 0;
    put_be64(kb + olen + 1, r->seq);
    MDB_val k = val_of(kb, olen + 9), v = val_of(r->bytes, r->len);
    int rc = mdb_put(t->txn, st->dbi[DB_REPORTS], &k, &v, MDB_NOOVERWRITE);
    if (rc)
        return map_err(rc, "put report");
    if ((err = save_u64(t->txn, st->dbi[DB_SEQS], r->origin, r->seq)))
        return err;
    if (r->keep_latest) {
        MDB_val lk = val_of(r->origin, olen);
        if ((rc = mdb_put(t->txn, st->dbi[DB_LATEST], &lk, &v, 0)))
            return map_err(rc, "put latest");
    }
    if (relay)
        return append(t->txn, st->dbi[DB_OUTBOX], &st->next_okey, r->bytes, r->len);
    return 0;
}

int fh_store_child_seen(struct fh_txn *t, const char *path, const struct fh_child *c)
{
    MDB_val k = str_val(path), v;
    struct fh_child rec = *c;
    int rc = mdb_get(t->txn, t->st->dbi[DB_CHILDREN], &k, &v);
    if (rc == 0 && v.mv_size == sizeof rec) {
        struct fh_child old;
        memcpy(&old, v.mv_data, sizeof old);
        rec.first_seen_us = old.first_seen_us;
        rec.reports += old.reports;
    } else if (rc && rc != MDB_NOTFOUND) {
        return map_err(rc, "get child");
    }
    v = val_of(&rec, sizeof rec);
    return map_err(mdb_put(t->txn, t->st->dbi[DB_CHILDREN], &k, &v, 0), "put child");
}

int fh_store_save_counters(struct fh_txn *t, const uint64_t *ctr)
{
    unsigned char b[FH_CTR_COUNT * 8];
    for (size_t i = 0; i < FH_CTR_COUNT; i++)
        put_be64(b + 8 * i, ctr[i]);
    MDB_val k = str_val(META_COUNTERS), v = val_of(b, sizeof b);
    return map_err(mdb_put(t->txn, t->st->dbi[DB_META], &k, &v, 0), "put counters");
}

int fh_store_flush_state(struct fh_store *st, const uint64_t *ctr, uint64_t parent_ack_us)
{
    struct fh_txn *t;
    int err = fh_txn_begin(st, true, &t);
    if (err)
        return err;
    if (!(err = fh_store_save_counters(t, ctr)) && parent_ack_us)
        err = save_u64(t->txn, st->dbi[DB_META], META_PARENT_ACK, parent_ack_us);
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
    MDB_val k = str_val(META_COUNTERS), v;
    int rc = mdb_get(t->txn, st->dbi[DB_META], &k, &v);
    if (rc == 0) {
        /* A store written by an older build may hold fewer counters: read what is there. */
        size_t n = v.mv_size / 8 < FH_CTR_COUNT ? v.mv_size / 8 : FH_CTR_COUNT;
        for (size_t i = 0; i < n; i++)
            ctr[i] = get_be64((const unsigned char *)v.mv_data + 8 * i);
    }
    fh_txn_abort(t);
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : map_err(rc, "get counters");
}

uint64_t fh_store_next_seq(struct fh_store *st)
{
    return st->next_seq;
}

int fh_store_put_own(struct fh_store *st, uint64_t seq, const void *bytes, size_t len)
{
    if (seq != st->next_seq)
        return FH_EINVAL;
    struct fh_txn *t;
    int err = fh_txn_begin(st, true, &t);
    if (err)
        return err;
    uint64_t okey = st->next_okey;
    err = append(t->txn, st->dbi[DB_OUTBOX], &st->next_okey, bytes, len);
    if (!err)
        err = save_u64(t->txn, st->dbi[DB_META], META_NEXT_SEQ, seq + 1);
    if (err) {
        fh_txn_abort(t);
        st->next_okey = okey;
        return err;
    }
    if ((err = fh_txn_commit(t))) {
        st->next_okey = okey;
        return err;
    }
    st->next_seq = seq + 1;
    return 0;
}

int fh_store_outbox_read(struct fh_store *st, uint64_t from, size_t max, size_t max_bytes,
                         struct iovec *entries, uint64_t *keys, fh_outbox_fn fn, void *arg)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return map_err(rc, "txn_begin");
    if ((rc = mdb_cursor_open(txn, st->dbi[DB_OUTBOX], &cur))) {
        mdb_txn_abort(txn);
        return map_err(rc, "cursor_open");
    }
    unsigned char kb[8];
    put_be64(kb, from);
    MDB_val k = val_of(kb, 8), v;
    size_t n = 0, bytes = 0;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && n < max && k.mv_size == 8 && (n == 0 || bytes + v.mv_size <= max_bytes)) {
        entries[n] = (struct iovec){.iov_base = v.mv_data, .iov_len = v.mv_size};
        keys[n++] = get_be64(k.mv_data);
        bytes += v.mv_size;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (n)
        fn(entries, keys, n, arg);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (rc && rc != MDB_NOTFOUND)
        return map_err(rc, "outbox read");
    return (int)n;
}

int fh_store_outbox_settle(struct fh_store *st, const uint64_t *acked, size_t nacked,
                           const uint64_t *refused, size_t nrefused, uint64_t ack_us)
{
    struct fh_txn *t;
    int err = fh_txn_begin(st, true, &t);
    if (err)
        return err;
    uint64_t dkey = st->next_dkey;
    MDB_dbi ob = st->dbi[DB_OUTBOX];
    unsigned char kb[8];
    for (size_t i = 0; i < nacked && !err; i++) {
        put_be64(kb, acked[i]);
        MDB_val k = val_of(kb, 8);
        int rc = mdb_del(t->txn, ob, &k, NULL);
        if (rc && rc != MDB_NOTFOUND)
            err = map_err(rc, "outbox del");
    }
    for (size_t i = 0; i < nrefused && !err; i++) {
        put_be64(kb, refused[i]);
        MDB_val k = val_of(kb, 8), v;
        int rc = mdb_get(t->txn, ob, &k, &v);
        if (rc == MDB_NOTFOUND)
            continue;
        if (rc == 0)
            err = append(t->txn, st->dbi[DB_DEAD], &dkey, v.mv_data, v.mv_size);
        else
            err = map_err(rc, "outbox get");
        if (!err && (rc = mdb_del(t->txn, ob, &k, NULL)))
            err = map_err(rc, "outbox del");
    }
    if (!err)
        err = save_u64(t->txn, st->dbi[DB_META], META_PARENT_ACK, ack_us);
    if (err) {
        fh_txn_abort(t);
        return err;
    }
    if ((err = fh_txn_commit(t)))
        return err;
    st->next_dkey = dkey;
    return 0;
}

static uint64_t entries(struct fh_store *st, int db)
{
    MDB_txn *txn;
    MDB_stat s;
    if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))
        return 0;
    int rc = mdb_stat(txn, st->dbi[db], &s);
    mdb_txn_abort(txn);
    return rc ? 0 : s.ms_entries;
}

uint64_t fh_store_outbox_depth(struct fh_store *st)
{
    return entries(st, DB_OUTBOX);
}

uint64_t fh_store_dead_count(struct fh_store *st)
{
    return entries(st, DB_DEAD);
}

uint64_t fh_store_report_count(struct fh_store *st)
{
    return entries(st, DB_REPORTS);
}

int fh_store_meta_set(struct fh_store *st, const char *key, const char *value)
{
    struct fh_txn *t;
    int err = fh_txn_begin(st, true, &t);
    if (err)
        return err;
    MDB_val k = str_val(key), v = str_val(value);
    if ((err = map_err(mdb_put(t->txn, st->dbi[DB_META], &k, &v, 0), key))) {
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
    MDB_val k = str_val(key), v;
    err = map_err(mdb_get(t->txn, st->dbi[DB_META], &k, &v), key);
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
    if (load_u64(t->txn, st->dbi[DB_META], META_PARENT_ACK, &v))
        v = 0;
    fh_txn_abort(t);
    return v;
}

/* Walk a database whose keys are strings or report keys, calling visit for each entry. */
static int each(struct fh_store *st, int db,
                int (*visit)(const MDB_val *k, const MDB_val *v, void *arg), void *arg)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return map_err(rc, "txn_begin");
    if ((rc = mdb_cursor_open(txn, st->dbi[db], &cur))) {
        mdb_txn_abort(txn);
        return map_err(rc, "cursor_open");
    }
    MDB_val k, v;
    int stop = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !stop;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        stop = visit(&k, &v, arg);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : map_err(rc, "walk");
}

struct report_walk {
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
    return w->fn(origin, get_be64((const unsigned char *)k->mv_data + olen + 1), v->mv_data,
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
    if (copy_key(k, origin))
        return 0;
    return w->fn(origin, 0, v->mv_data, v->mv_size, w->arg);
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
    return each(st, DB_REPORTS, visit_report, &w);
}

int fh_store_each_latest(struct fh_store *st, fh_report_fn fn, void *arg)
{
    struct report_walk w = {.fn = fn, .arg = arg};
    return each(st, DB_LATEST, visit_latest, &w);
}

int fh_store_each_child(struct fh_store *st, fh_child_fn fn, void *arg)
{
    struct report_walk w = {.cfn = fn, .arg = arg};
    return each(st, DB_CHILDREN, visit_child, &w);
}
