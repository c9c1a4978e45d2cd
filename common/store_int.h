/* store_int.h - internals shared by store.c and outbox.c: the struct behind
 * struct fh_store and small LMDB helpers (store_lmdb.c). Not for other modules. */
#ifndef FH_STORE_INT_H
#define FH_STORE_INT_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "outbox.h"
#include "store.h"

enum { DB_META, DB_OUTBOX, DB_DEAD, DB_SEQS, DB_REPORTS, DB_LATEST, DB_CHILDREN, DB_DOWN, DB_NOTICES,
       DB_PEERS, DB_TOKENS, /* peers.c */
       DB_COUNT };

struct fh_store {
    MDB_env *env;
    MDB_dbi dbi[DB_COUNT];
    bool read_only;
    char dir[512];
    uint64_t next_okey[FH_LANES]; /* next outbox key of each lane */
    uint64_t next_dkey;           /* next dead-letter key */
    uint64_t next_seq;            /* next own seq */
    size_t map_max_mb;            /* growth limit (0: the disk is the limit) */
    uint64_t next_down;           /* next key of the down log (down.c; 0: not read yet) */
};

struct fh_txn {
    struct fh_store *st;
    MDB_txn *txn;
    uint64_t own_next_seq;   /* own reports numbered in this txn: next_seq after commit */
};

#define META_NEXT_SEQ "next_seq"
#define META_COUNTERS "counters"
#define META_PARENT_ACK "parent_ack_us"

/* An LMDB return code as an FH_E* (MDB_MAP_FULL and ENOSPC: FH_EFULL), logged. */
int fh_lmdb_err(int rc, const char *what);
void fh_be64_put(unsigned char *p, uint64_t v);
uint64_t fh_be64_get(const unsigned char *p);
MDB_val fh_lmdb_val(const void *p, size_t n);
MDB_val fh_lmdb_str(const char *s);
int fh_lmdb_load_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *out);
int fh_lmdb_save_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t value);
/* The key after the last key of dbi within [lo, hi) (lo when none). */
int fh_lmdb_next_key(MDB_txn *txn, MDB_dbi dbi, uint64_t lo, uint64_t hi, uint64_t *out);
/* mdb_stat of one of st's databases in a read transaction of its own. Returns 0 or an
 * LMDB error code. */
int fh_lmdb_stat(struct fh_store *st, int db, MDB_stat *out);
/* Begin a read transaction and open a cursor on db. Returns 0 or an FH_E* (logged). */
int fh_lmdb_read_cursor(struct fh_store *st, int db, MDB_txn **txn, MDB_cursor **cur);

/* Walk db in key order in a read transaction of its own, calling visit for each entry
 * until it returns non-zero (that value into *stopped, which may be NULL; 0 when it went
 * to the end). Returns 0 or an LMDB error as an FH_E*. */
int fh_lmdb_each(struct fh_store *st, int db,
                 int (*visit)(const MDB_val *k, const MDB_val *v, void *arg), void *arg,
                 int *stopped);

/* Put bytes under *next in a u64-keyed database and advance *next. */
int fh_lmdb_append(MDB_txn *txn, MDB_dbi dbi, uint64_t *next, const void *bytes, size_t len);

#endif
