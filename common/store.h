/* store.h - the node's durable state: one LMDB environment per node.
 *
 * Named databases inside the environment:
 *   meta      node facts (path, role, next own seq) and the saved counters
 *   outbox    u64 key (big-endian, ascending) -> envelope bytes still owed to the parent
 *   dead      u64 key -> envelope bytes the parent refused for good (kept, counted)
 *   seqs      origin path -> u64 highest seq stored for that origin (the dedup mark)
 *   reports   origin path, NUL, u64 seq -> envelope bytes (every stored report)
 *   latest    origin path -> envelope bytes of that origin's latest health report
 *   children  direct child path -> struct fh_child (when seen, what it said)
 *   peers     CURVE public key -> registered scope, role, keys (peers.h)
 *   tokens    SHA-256 of an enrolment token's secret -> scope, expiry, use (peers.h)
 *
 * Envelope bytes are kept exactly as received so they can be relayed unchanged.
 * Writers batch: a collector opens one write transaction per batch of received frames,
 * accepts each report into it (report, dedup mark, relay duty), commits once (fsync),
 * then acknowledges. Readers (fenghuo-ctl) open the same environment read-only while
 * the node runs; LMDB's MVCC gives them a consistent snapshot.
 *
 * Single-threaded use per process: one write transaction at a time. */
#ifndef FH_STORE_H
#define FH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "counters.h"
#include "outbox.h"
#include "path.h"

struct fh_store;
struct fh_txn;

#define FH_STORE_READONLY 1u

/* Open (creating dir and the environment if needed, unless read-only) the store in dir
 * with a map of map_mb megabytes (ignored read-only). *out is freed by fh_store_close.
 * Returns 0, FH_EIO (dir), FH_ESTORE (LMDB; the log says which call) or FH_ENOTFOUND
 * (read-only and no store there). */
int fh_store_open(const char *dir, size_t map_mb, unsigned flags, struct fh_store **out);
void fh_store_close(struct fh_store *st);

/* ---- transactions ---- */

/* Begin a write (write=true) or read transaction. The handle is freed by commit/abort. */
int fh_txn_begin(struct fh_store *st, bool write, struct fh_txn **out);
/* Commit (durably, fsync) and free. Returns 0, FH_EFULL when the map or disk is full
 * (nothing of the transaction is stored), or FH_ESTORE. */
int fh_txn_commit(struct fh_txn *t);
void fh_txn_abort(struct fh_txn *t);

/* ---- receiving (collector) ---- */

struct fh_report_ref {
    const char *origin;    /* valid path, NUL-terminated */
    uint64_t seq;          /* >= 1 */
    int kind;              /* Fh__Kind */
    bool keep_latest;      /* state-like (health): also keep as the origin's latest */
    enum fh_lane lane;     /* the outbox lane of its relay duty */
    const void *bytes;     /* the whole envelope as received */
    size_t len;
};

/* Accept one report into write transaction t. Dedup is on (origin, seq): a report is
 * stored when no report of that origin and seq is stored yet, whatever arrived before it
 * (a detection may overtake older health samples; a coalesced sample never comes). The
 * origin's floor (every seq at or below it is stored) moves up when the gap below closes.
 * State is applied in seq order: the latest state of an origin is replaced only by a
 * report with a higher seq. When relay is true the report is appended to its outbox
 * lane. Returns 0 (stored), FH_EDUP (already stored: nothing written), or FH_EFULL /
 * FH_ESTORE (the transaction must be aborted). */
int fh_store_accept(struct fh_txn *t, const struct fh_report_ref *r, bool relay);

struct fh_child {
    uint64_t first_seen_us;
    uint64_t last_seen_us;
    uint64_t reports;        /* reports received from it (any verdict) */
    uint64_t outbox_depth;   /* what it said it still holds */
    uint64_t dead_letters;   /* what it said its parent refused for good */
    uint32_t role;           /* Fh__Role */
    char software[48];
};

/* Record that child path was seen now with the facts in c (first_seen_us is kept from
 * the stored record; reports is added to it). */
int fh_store_child_seen(struct fh_txn *t, const char *path, const struct fh_child *c);

/* Save counters (FH_CTR_COUNT values) in write transaction t. */
int fh_store_save_counters(struct fh_txn *t, const uint64_t *ctr);
/* Save counters and, when parent_ack_us is not 0, the time of the parent's last ack
 * (heartbeats are acked too) in a transaction of their own: the nodes' periodic flush. */
int fh_store_flush_state(struct fh_store *st, const uint64_t *ctr, uint64_t parent_ack_us);
/* Load the saved counters into ctr (zeros when none). */
int fh_store_load_counters(struct fh_store *st, uint64_t *ctr);

/* ---- space ---- */

/* Let the map grow up to max_mb MiB (0: as far as the disk allows). */
void fh_store_set_map_max(struct fh_store *st, size_t max_mb);
/* After FH_EFULL: double the map (within the limit and the disk's free space, keeping
 * 64 MiB of the disk free). No transaction of this process may be open. Returns 0 when
 * the map grew, FH_EFULL when it cannot. */
int fh_store_grow(struct fh_store *st);
/* Bytes of the map in use and its size. */
void fh_store_map_use(struct fh_store *st, uint64_t *used, uint64_t *size);

/* ---- meta ---- */

/* Small named values (node path, role, parent endpoint...) kept for fenghuo-ctl. */
int fh_store_meta_set(struct fh_store *st, const char *key, const char *value);
/* Copy the value into out (out_len bytes, NUL-terminated). FH_ENOTFOUND when unset. */
int fh_store_meta_get(struct fh_store *st, const char *key, char *out, size_t out_len);
/* The time of the parent's last ack (0: never). */
uint64_t fh_store_parent_ack_us(struct fh_store *st);

/* ---- readers (fenghuo-ctl, tests) ---- */

typedef int (*fh_report_fn)(const char *origin, uint64_t seq, const void *bytes,
                            size_t len, void *arg);
/* Every stored report, in (origin, seq) order. */
int fh_store_each_report(struct fh_store *st, fh_report_fn fn, void *arg);
/* Every origin's latest report of kind (0: of every kind kept), with its seq. */
int fh_store_each_latest(struct fh_store *st, int kind, fh_report_fn fn, void *arg);
typedef int (*fh_child_fn)(const char *path, const struct fh_child *c, void *arg);
int fh_store_each_child(struct fh_store *st, fh_child_fn fn, void *arg);
/* Number of stored reports. */
uint64_t fh_store_report_count(struct fh_store *st);

/* ---- state records (kv.c): what a collector derives from reports ----
 * Warnings' state, incidents, their indexes: small records under keys the owning module
 * makes (a tag byte, then NUL-separated parts), in the database "notices". */

/* The record under key in t: *val points into the map, valid until t ends. Returns 0 or
 * FH_ENOTFOUND or another FH_E*. */
int fh_kv_get(struct fh_txn *t, const void *key, size_t klen, const void **val,
              size_t *vlen);
int fh_kv_put(struct fh_txn *t, const void *key, size_t klen, const void *val, size_t vlen);
int fh_kv_del(struct fh_txn *t, const void *key, size_t klen);
typedef int (*fh_kv_fn)(void *arg, const void *key, size_t klen, const void *val,
                        size_t vlen);
/* Every record whose key starts with prefix, in key order; t NULL: a read transaction of
 * its own. A non-zero return of fn stops the walk and is returned. */
int fh_kv_each(struct fh_store *st, struct fh_txn *t, const void *prefix, size_t plen,
               fh_kv_fn fn, void *arg);
/* Build a key: tag, then each part after a NUL. Returns its length, or 0 when it does
 * not fit in cap. */
size_t fh_kv_key(char *key, size_t cap, char tag, const char *const *parts, size_t n);

#endif
