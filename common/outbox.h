/* outbox.h - what a node still owes its parent, in two lanes.
 *
 * The outbox lives in the node's store (store.h). Each entry is an envelope exactly as
 * it will be sent, under a u64 key: the urgent lane (detections, incidents, warning
 * acknowledgements, drop notices) uses keys below 2^63, the bulk lane (health samples,
 * rollups, patch state) keys from 2^63 up. Within a lane keys only grow, so reading a
 * lane from its start gives its entries oldest first; the uplink sends the urgent lane
 * before the bulk lane, so a detection made during a long outage does not wait behind
 * days of health samples.
 *
 * Entries leave the outbox only through fh_outbox_settle() (acknowledged, or refused for
 * good and kept as dead letters) or fh_outbox_coalesce() (older state samples of the same
 * series, when the outbox is over its bound: counted, never silent). */
#ifndef FH_OUTBOX_H
#define FH_OUTBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct fh_store;
struct fh_txn;

enum fh_lane { FH_LANE_URGENT, FH_LANE_BULK, FH_LANES };

/* ---- the origin's own reports (agents; collectors for what they make) ---- */

/* The seq the next own report must carry (1 for a new store). */
uint64_t fh_store_next_seq(struct fh_store *st);
/* Append an own report with seq == fh_store_next_seq() to the outbox lane and advance
 * the seq, in one durable transaction. Returns 0, FH_EINVAL (wrong seq), FH_EFULL,
 * FH_ESTORE. */
int fh_store_put_own(struct fh_store *st, uint64_t seq, const void *bytes, size_t len,
                     enum fh_lane lane);

/* The same within a write transaction of the caller's, with other writes (a warning
 * issued: its outbox entry, its copy in the reports and the down log, all or nothing).
 * The seq must be fh_txn_next_seq(t); the store's next seq advances when t commits.
 * bytes NULL: only take the seq (a top tier's own report, which goes nowhere). */
uint64_t fh_txn_next_seq(const struct fh_txn *t);
int fh_store_put_own_txn(struct fh_txn *t, uint64_t seq, const void *bytes, size_t len,
                         enum fh_lane lane);

/* Append bytes to a lane inside write transaction t (the relay duty of a received
 * report). Returns 0 or a negative FH_E*. */
int fh_outbox_append(struct fh_txn *t, enum fh_lane lane, const void *bytes, size_t len);

/* ---- sending ---- */

/* Called once with the entries read: entries[i] is the envelope stored under keys[i].
 * The bytes are valid only during the call (they point into the map). */
typedef void (*fh_outbox_fn)(const struct iovec *entries, const uint64_t *keys, size_t n,
                             void *arg);

/* Read entries of lane with key >= from (0: from the lane's start) in key order, at most
 * max of them and, past the first, at most max_bytes in all, into the caller's arrays
 * entries[max] and keys[max], and call fn once with them inside the read transaction
 * (not when none). Returns the number read (>= 0) or a negative FH_E*. */
int fh_outbox_read(struct fh_store *st, enum fh_lane lane, uint64_t from, size_t max,
                   size_t max_bytes, struct iovec *entries, uint64_t *keys,
                   fh_outbox_fn fn, void *arg);

/* In one durable transaction: delete the acknowledged keys, move the refused keys to the
 * dead-letter database, and record ack_us as the time of the parent's last ack. Keys
 * already gone are ignored. Returns 0 or a negative FH_E*. */
int fh_outbox_settle(struct fh_store *st, const uint64_t *acked, size_t nacked,
                     const uint64_t *refused, size_t nrefused, uint64_t ack_us);

/* ---- size and pressure ---- */

uint64_t fh_outbox_depth(struct fh_store *st);       /* entries, both lanes */
uint64_t fh_outbox_bytes(struct fh_store *st);       /* pages the outbox occupies */
uint64_t fh_outbox_dead_count(struct fh_store *st);  /* dead letters kept */

/* Says whether an entry is a state sample that a newer one of the same series
 * replaces: returns 1 and sets *series (e.g. a hash of origin and kind) when it is,
 * 0 when the entry must never be coalesced. */
typedef int (*fh_series_fn)(const void *bytes, size_t len, uint64_t *series, void *arg);

/* Walk the bulk lane newest first and delete every state sample that a newer sample of
 * its series follows, keeping the latest of each series, in one durable transaction.
 * *dropped receives the number deleted. Returns 0 or a negative FH_E*. */
int fh_outbox_coalesce(struct fh_store *st, fh_series_fn fn, void *arg, uint64_t *dropped);

#endif
