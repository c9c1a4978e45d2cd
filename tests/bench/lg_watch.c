/* lg_watch.c - what another node has durably committed, read from its LMDB store.
 *
 * store.h documents the `seqs` database: origin path -> the dedup mark, the seq up to
 * which every report of that origin is stored (8 bytes, big-endian; with reports
 * arriving in order, the highest stored), written in the same transaction as the
 * reports. LMDB shows a reader only committed transactions, and a commit (default
 * flags) is on disk before its meta page makes it visible, so a seq seen here is
 * durable at that node. One read transaction is kept and renewed for every poll, so
 * polling every millisecond costs one pass over `seqs` (one entry per origin) and holds
 * no old snapshot between polls. */
#include <lmdb.h>
#include <stdlib.h>

#include "err.h"
#include "loadgen.h"

struct lg_watch {
    MDB_env *env;
    MDB_dbi dbi;
    MDB_txn *txn;    /* reset between polls */
};

int lg_watch_open(const char *dir, struct lg_watch **out)
{
    struct lg_watch *w = calloc(1, sizeof *w);
    if (!w)
        return FH_ENOMEM;
    int rc;
    if ((rc = mdb_env_create(&w->env)) || (rc = mdb_env_set_maxdbs(w->env, 16)) ||
        (rc = mdb_env_open(w->env, dir, MDB_RDONLY, 0600)) ||
        (rc = mdb_txn_begin(w->env, NULL, MDB_RDONLY, &w->txn)) ||
        (rc = mdb_dbi_open(w->txn, "seqs", 0, &w->dbi)) ||
        (rc = mdb_txn_commit(w->txn)) ||   /* keeps the database handle for later ones */
        (rc = mdb_txn_begin(w->env, NULL, MDB_RDONLY, &w->txn))) {
        fprintf(stderr, "fh-loadgen: --watch-store %s: %s\n", dir, mdb_strerror(rc));
        w->txn = NULL;
        lg_watch_close(w);
        return FH_ESTORE;
    }
    mdb_txn_reset(w->txn);
    *out = w;
    return 0;
}

int lg_watch_poll(struct lg_watch *w, lg_mark_fn fn, void *arg)
{
    MDB_cursor *cur;
    MDB_val k, v;
    if (mdb_txn_renew(w->txn) != 0)
        return FH_ESTORE;
    if (mdb_cursor_open(w->txn, w->dbi, &cur) != 0) {
        mdb_txn_reset(w->txn);
        return FH_ESTORE;
    }
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (v.mv_size != 8)
            continue;
        uint64_t mark = 0;
        for (int i = 0; i < 8; i++)
            mark = mark << 8 | ((const unsigned char *)v.mv_data)[i];
        fn(k.mv_data, k.mv_size, mark, arg);
    }
    mdb_cursor_close(cur);
    mdb_txn_reset(w->txn);
    return 0;
}

void lg_watch_close(struct lg_watch *w)
{
    if (!w)
        return;
    if (w->txn)
        mdb_txn_abort(w->txn);
    if (w->env)
        mdb_env_close(w->env);
    free(w);
}
