/* kv.c - state records in the "notices" database (see store.h). */
#include <string.h>

#include "err.h"
#include "store_int.h"

int fh_kv_get(struct fh_txn *t, const void *key, size_t klen, const void **val, size_t *vlen)
{
    MDB_val k = fh_lmdb_val(key, klen), v;
    int rc = mdb_get(t->txn, t->st->dbi[DB_NOTICES], &k, &v);
    if (rc == MDB_NOTFOUND)
        return FH_ENOTFOUND;
    if (rc)
        return fh_lmdb_err(rc, "get state record");
    *val = v.mv_data;
    *vlen = v.mv_size;
    return 0;
}

int fh_kv_put(struct fh_txn *t, const void *key, size_t klen, const void *val, size_t vlen)
{
    MDB_val k = fh_lmdb_val(key, klen), v = fh_lmdb_val(val, vlen);
    return fh_lmdb_err(mdb_put(t->txn, t->st->dbi[DB_NOTICES], &k, &v, 0),
                       "put state record");
}

int fh_kv_del(struct fh_txn *t, const void *key, size_t klen)
{
    MDB_val k = fh_lmdb_val(key, klen);
    int rc = mdb_del(t->txn, t->st->dbi[DB_NOTICES], &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : fh_lmdb_err(rc, "delete state record");
}

int fh_kv_each(struct fh_store *st, struct fh_txn *t, const void *prefix, size_t plen,
               fh_kv_fn fn, void *arg)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int err;
    if (t) {
        txn = t->txn;
        if ((err = fh_lmdb_err(mdb_cursor_open(txn, t->st->dbi[DB_NOTICES], &cur), "cursor")))
            return err;
    } else if ((err = fh_lmdb_read_cursor(st, DB_NOTICES, &txn, &cur))) {
        return err;
    }
    MDB_val k = fh_lmdb_val(prefix, plen), v;
    /* LMDB refuses an empty key: the empty prefix starts at the first record */
    int rc = mdb_cursor_get(cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
    for (; rc == 0 && !err; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
            break;
        err = fn(arg, k.mv_data, k.mv_size, v.mv_data, v.mv_size);
    }
    if (!err && rc != 0 && rc != MDB_NOTFOUND)
        err = fh_lmdb_err(rc, "walk state records");
    mdb_cursor_close(cur);
    if (!t)
        mdb_txn_abort(txn);
    return err;
}

size_t fh_kv_key(char *key, size_t cap, char tag, const char *const *parts, size_t n)
{
    size_t len = 0;
    if (cap < 1)
        return 0;
    key[len++] = tag;
    for (size_t i = 0; i < n; i++) {
        size_t pl = strlen(parts[i]);
        if (len + 1 + pl > cap)
            return 0;
        key[len++] = '\0';
        memcpy(key + len, parts[i], pl);
        len += pl;
    }
    return len;
}
