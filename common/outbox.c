/* outbox.c - the outbox lanes, own reports, settling acks, coalescing (see outbox.h).
 *
 * Keys: lane L uses [L << 63, (L + 1) << 63), so one LMDB database holds both lanes and
 * a cursor positioned at a lane's base walks that lane oldest first. The next key of each
 * lane is kept in memory, found from the last key at open.
 *
 * Size: fh_outbox_bytes() counts the pages of the outbox database (mdb_stat), an O(1)
 * figure that includes LMDB's own overhead, which is what the bound is about. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "store_int.h"

#define LANE_BASE(l) ((uint64_t)(l) << 63)

static uint64_t lane_end(enum fh_lane lane)
{
    return lane + 1 < FH_LANES ? LANE_BASE(lane + 1) : 0; /* 0: no end */
}

uint64_t fh_store_next_seq(struct fh_store *st)
{
    return st->next_seq;
}

int fh_outbox_append(struct fh_txn *t, enum fh_lane lane, const void *bytes, size_t len)
{
    if ((unsigned)lane >= FH_LANES)
        return FH_EINVAL;
    return fh_lmdb_append(t->txn, t->st->dbi[DB_OUTBOX], &t->st->next_okey[lane], bytes,
                          len);
}

uint64_t fh_txn_next_seq(const struct fh_txn *t)
{
    return t->own_next_seq ? t->own_next_seq : t->st->next_seq;
}

int fh_store_put_own_txn(struct fh_txn *t, uint64_t seq, const void *bytes, size_t len,
                         enum fh_lane lane)
{
    if (seq != fh_txn_next_seq(t) || (unsigned)lane >= FH_LANES)
        return FH_EINVAL;
    int err = bytes ? fh_outbox_append(t, lane, bytes, len) : 0;
    if (!err)
        err = fh_lmdb_save_u64(t->txn, t->st->dbi[DB_META], META_NEXT_SEQ, seq + 1);
    if (!err)
        t->own_next_seq = seq + 1;
    return err;
}

int fh_store_put_own(struct fh_store *st, uint64_t seq, const void *bytes, size_t len,
                     enum fh_lane lane)
{
    if (seq != st->next_seq || (unsigned)lane >= FH_LANES)
        return FH_EINVAL;
    struct fh_txn *t;
    int err = fh_txn_begin(st, true, &t);
    if (err)
        return err;
    uint64_t okey = st->next_okey[lane];
    err = fh_outbox_append(t, lane, bytes, len);
    if (!err)
        err = fh_lmdb_save_u64(t->txn, st->dbi[DB_META], META_NEXT_SEQ, seq + 1);
    if (err)
        fh_txn_abort(t);
    else
        err = fh_txn_commit(t);
    if (err) {
        st->next_okey[lane] = okey;
        return err;
    }
    st->next_seq = seq + 1;
    return 0;
}

int fh_outbox_read(struct fh_store *st, enum fh_lane lane, uint64_t from, size_t max,
                   size_t max_bytes, struct iovec *entries, uint64_t *keys,
                   fh_outbox_fn fn, void *arg)
{
    if ((unsigned)lane >= FH_LANES)
        return FH_EINVAL;
    if (from < LANE_BASE(lane))
        from = LANE_BASE(lane);
    uint64_t end = lane_end(lane);
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = fh_lmdb_read_cursor(st, DB_OUTBOX, &txn, &cur);
    if (rc)
        return rc;
    unsigned char kb[8];
    fh_be64_put(kb, from);
    MDB_val k = fh_lmdb_val(kb, 8), v;
    size_t n = 0, bytes = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && n < max;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 8)
            continue;
        uint64_t key = fh_be64_get(k.mv_data);
        if ((end && key >= end) || (n > 0 && bytes + v.mv_size > max_bytes))
            break;
        entries[n] = (struct iovec){.iov_base = v.mv_data, .iov_len = v.mv_size};
        keys[n++] = key;
        bytes += v.mv_size;
    }
    if (n)
        fn(entries, keys, n, arg);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (rc && rc != MDB_NOTFOUND)
        return fh_lmdb_err(rc, "outbox read");
    return (int)n;
}

int fh_outbox_settle(struct fh_store *st, const uint64_t *acked, size_t nacked,
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
        fh_be64_put(kb, acked[i]);
        MDB_val k = fh_lmdb_val(kb, 8);
        int rc = mdb_del(t->txn, ob, &k, NULL);
        if (rc && rc != MDB_NOTFOUND)
            err = fh_lmdb_err(rc, "outbox del");
    }
    for (size_t i = 0; i < nrefused && !err; i++) {
        fh_be64_put(kb, refused[i]);
        MDB_val k = fh_lmdb_val(kb, 8), v;
        int rc = mdb_get(t->txn, ob, &k, &v);
        if (rc == MDB_NOTFOUND)
            continue;
        if (rc == 0)
            err = fh_lmdb_append(t->txn, st->dbi[DB_DEAD], &dkey, v.mv_data, v.mv_size);
        else
            err = fh_lmdb_err(rc, "outbox get");
        if (!err && (rc = mdb_del(t->txn, ob, &k, NULL)))
            err = fh_lmdb_err(rc, "outbox del");
    }
    if (!err && ack_us)
        err = fh_lmdb_save_u64(t->txn, st->dbi[DB_META], META_PARENT_ACK, ack_us);
    if (err) {
        fh_txn_abort(t);
        return err;
    }
    if ((err = fh_txn_commit(t)))
        return err;
    st->next_dkey = dkey;
    return 0;
}

uint64_t fh_outbox_depth(struct fh_store *st)
{
    MDB_stat s;
    return fh_lmdb_stat(st, DB_OUTBOX, &s) ? 0 : s.ms_entries;
}

uint64_t fh_outbox_dead_count(struct fh_store *st)
{
    MDB_stat s;
    return fh_lmdb_stat(st, DB_DEAD, &s) ? 0 : s.ms_entries;
}

uint64_t fh_outbox_bytes(struct fh_store *st)
{
    MDB_stat s;
    if (fh_lmdb_stat(st, DB_OUTBOX, &s))
        return 0;
    return (uint64_t)s.ms_psize * (s.ms_branch_pages + s.ms_leaf_pages + s.ms_overflow_pages);
}

/* An open-addressing set of 64-bit series ids (0 is mapped to 1: 0 marks a free slot). */
struct series_set {
    uint64_t *slot;
    size_t cap, used;
};

static int set_add(struct series_set *s, uint64_t id)
{
    if (id == 0)
        id = 1;
    if (2 * (s->used + 1) > s->cap) {
        size_t ncap = s->cap ? 2 * s->cap : 1024;
        uint64_t *n = calloc(ncap, sizeof *n);
        if (!n)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slot[i])
                continue;
            size_t j = s->slot[i] & (ncap - 1);
            while (n[j])
                j = (j + 1) & (ncap - 1);
            n[j] = s->slot[i];
        }
        free(s->slot);
        s->slot = n;
        s->cap = ncap;
    }
    size_t j = id & (s->cap - 1);
    while (s->slot[j]) {
        if (s->slot[j] == id)
            return 0;  /* seen: a newer sample of this series exists */
        j = (j + 1) & (s->cap - 1);
    }
    s->slot[j] = id;
    s->used++;
    return 1;          /* first (newest) of its series */
}

int fh_outbox_coalesce(struct fh_store *st, fh_series_fn fn, void *arg, uint64_t *dropped)
{
    struct series_set seen = {0};
    struct fh_txn *t;
    MDB_cursor *cur = NULL;
    *dropped = 0;
    int err = fh_txn_begin(st, true, &t);
    if (err)
        return err;
    int rc = mdb_cursor_open(t->txn, st->dbi[DB_OUTBOX], &cur);
    if (rc) {
        err = fh_lmdb_err(rc, "cursor_open");
        goto out;
    }
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_LAST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
        if (k.mv_size != 8 || fh_be64_get(k.mv_data) < LANE_BASE(FH_LANE_BULK))
            break;
        uint64_t series;
        if (!fn(v.mv_data, v.mv_size, &series, arg))
            continue;
        int first = set_add(&seen, series);
        if (first < 0) {
            err = FH_ENOMEM;
            goto out;
        }
        if (first == 0) {
            if ((rc = mdb_cursor_del(cur, 0))) {
                err = fh_lmdb_err(rc, "coalesce del");
                goto out;
            }
            (*dropped)++;
        }
    }
    if (rc && rc != MDB_NOTFOUND)
        err = fh_lmdb_err(rc, "coalesce walk");
out:
    if (cur)
        mdb_cursor_close(cur);
    if (err) {
        fh_txn_abort(t);
        *dropped = 0;
    } else {
        err = fh_txn_commit(t);
        if (err)
            *dropped = 0;
    }
    free(seen.slot);
    return err;
}
