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
    uint64_t seq;
    bool keep_latest;      /* state-like (health): also keep as the origin's latest */
    const void *bytes;     /* the whole envelope as received */
    size_t len;
};

/* Accept one report into write transaction t: when seq is the origin's next, store it,
 * move its dedup mark, keep it as the origin's latest state when keep_latest, and
 * when relay is true append it to the outbox. Returns 0 (stored), FH_EDUP (seq already
 * stored: nothing written), FH_EORDER (a seq before it is missing: nothing written), or
 * FH_EFULL / FH_ESTORE (the transaction must be aborted). */
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

/* ---- the origin's own reports (agent) ---- */

/* The seq the next own report must carry (1 for a new store). */
uint64_t fh_store_next_seq(struct fh_store *st);
/* Append an own report with seq == fh_store_next_seq() to the outbox and advance the
 * seq, in one durable transaction. Returns 0, FH_EINVAL (wrong seq), FH_EFULL, FH_ESTORE. */
int fh_store_put_own(struct fh_store *st, uint64_t seq, const void *bytes, size_t len);

/* ---- the outbox (agent and collector) ---- */

/* Called once with the entries read: entries[i] is the envelope stored under keys[i].
 * The bytes are valid only during the call (they point into the map). */
typedef void (*fh_outbox_fn)(const struct iovec *entries, const uint64_t *keys, size_t n,
                             void *arg);

/* Read the outbox entries with key >= from in key order, at most max of them and, past
 * the first, at most max_bytes in all, into the caller's arrays entries[max] and
 * keys[max], and call fn once with them inside the read transaction (not when none).
 * Returns the number read (>= 0) or a negative FH_E*. */
int fh_store_outbox_read(struct fh_store *st, uint64_t from, size_t max, size_t max_bytes,
                         struct iovec *entries, uint64_t *keys, fh_outbox_fn fn, void *arg);
/* In one durable transaction: delete the acknowledged keys, move the refused keys to the
 * dead-letter database, and record ack_us as the time of the parent's last ack. Keys
 * already gone are ignored. Returns 0 or a negative FH_E*. */
int fh_store_outbox_settle(struct fh_store *st, const uint64_t *acked, size_t nacked,
                           const uint64_t *refused, size_t nrefused, uint64_t ack_us);
/* Entries waiting in the outbox, and in the dead-letter database. */
uint64_t fh_store_outbox_depth(struct fh_store *st);
uint64_t fh_store_dead_count(struct fh_store *st);

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
/* Every origin's latest health envelope (seq is passed as 0: read it from the bytes). */
int fh_store_each_latest(struct fh_store *st, fh_report_fn fn, void *arg);
typedef int (*fh_child_fn)(const char *path, const struct fh_child *c, void *arg);
int fh_store_each_child(struct fh_store *st, fh_child_fn fn, void *arg);
/* Number of stored reports. */
uint64_t fh_store_report_count(struct fh_store *st);

#endif
