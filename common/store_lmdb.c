/* store_lmdb.c - small LMDB helpers for store.c and outbox.c (see store_int.h).
 *
 * Keys that must sort numerically are big-endian u64. Errors from LMDB are mapped once,
 * in fh_lmdb_err(): MDB_MAP_FULL (and ENOSPC from a commit's write or fsync) become
 * FH_EFULL so callers can stop acknowledging and keep their senders' copies; everything
 * else becomes FH_ESTORE and is logged with the call that failed. */
#include <errno.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "store_int.h"

int fh_lmdb_err(int rc, const char *what)
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

void fh_be64_put(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

uint64_t fh_be64_get(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

MDB_val fh_lmdb_val(const void *p, size_t n)
{
    return (MDB_val){.mv_size = n, .mv_data = (void *)p};
}

MDB_val fh_lmdb_str(const char *s)
{
    return fh_lmdb_val(s, strlen(s));
}

int fh_lmdb_load_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *out)
{
    MDB_val k = fh_lmdb_str(key), v;
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc == 0 && v.mv_size == 8) {
        *out = fh_be64_get(v.mv_data);
        return 0;
    }
    return rc == 0 ? FH_EMALFORMED : fh_lmdb_err(rc, key);
}

int fh_lmdb_save_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t value)
{
    unsigned char b[8];
    fh_be64_put(b, value);
    MDB_val k = fh_lmdb_str(key), v = fh_lmdb_val(b, 8);
    return fh_lmdb_err(mdb_put(txn, dbi, &k, &v, 0), key);
}

int fh_lmdb_next_key(MDB_txn *txn, MDB_dbi dbi, uint64_t lo, uint64_t hi, uint64_t *out)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc)
        return fh_lmdb_err(rc, "cursor_open");
    unsigned char kb[8];
    MDB_val k, v;
    *out = lo;
    /* Position at the first key >= hi, step back: the last key below hi. */
    if (hi != 0) {
        fh_be64_put(kb, hi);
        k = fh_lmdb_val(kb, 8);
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV)
                     : mdb_cursor_get(cur, &k, &v, MDB_LAST);
    } else {
        rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    }
    if (rc == 0 && k.mv_size == 8) {
        uint64_t last = fh_be64_get(k.mv_data);
        if (last >= lo && (hi == 0 || last < hi))
            *out = last + 1;
    }
    mdb_cursor_close(cur);
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : fh_lmdb_err(rc, "cursor_get last");
}

int fh_lmdb_append(MDB_txn *txn, MDB_dbi dbi, uint64_t *next, const void *bytes, size_t len)
{
    unsigned char kb[8];
    fh_be64_put(kb, *next);
    MDB_val k = fh_lmdb_val(kb, 8), v = fh_lmdb_val(bytes, len);
    int rc = mdb_put(txn, dbi, &k, &v, 0);
    if (rc)
        return fh_lmdb_err(rc, "append");
    (*next)++;
    return 0;
}

int fh_lmdb_stat(struct fh_store *st, int db, MDB_stat *out)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return rc;
    rc = mdb_stat(txn, st->dbi[db], out);
    mdb_txn_abort(txn);
    return rc;
}

int fh_lmdb_each(struct fh_store *st, int db,
                 int (*visit)(const MDB_val *k, const MDB_val *v, void *arg), void *arg,
                 int *stopped)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = fh_lmdb_read_cursor(st, db, &txn, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    int stop = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !stop;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        stop = visit(&k, &v, arg);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (stopped)
        *stopped = stop;
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : fh_lmdb_err(rc, "walk");
}

int fh_lmdb_read_cursor(struct fh_store *st, int db, MDB_txn **txn, MDB_cursor **cur)
{
    int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);
    if (rc)
        return fh_lmdb_err(rc, "txn_begin");
    if ((rc = mdb_cursor_open(*txn, st->dbi[db], cur))) {
        mdb_txn_abort(*txn);
        return fh_lmdb_err(rc, "cursor_open");
    }
    return 0;
}
