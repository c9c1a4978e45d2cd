/* down.h - the down log: warnings and advisories on their way down the tree.
 *
 * Upward, every report has an origin and a seq, and a parent acknowledges each. Down
 * the tree it is the other way round: a collector keeps a log of what must go down (what
 * it issued, and what its parent sent it), numbered 1, 2, 3..., each entry with the
 * scope it concerns. A child says in every HELLO how far in its parent's log it has
 * stored (Hello.down_seq); the parent appends the next entries for the child's scope to
 * its ack (Ack.down_seqs, Ack.down_next). The child stores them (dedup by origin and
 * seq, like any report), appends them to its own log for its children, moves its cursor,
 * all in one transaction, and only then says so in its next HELLO. Nothing is lost: a
 * parent sends again until the child's cursor moves; nothing twice: dedup. The parent
 * keeps no state per child. */
#ifndef FH_DOWN_H
#define FH_DOWN_H

#include <stddef.h>
#include <stdint.h>

#include "fenghuo.pb-c.h"
#include "store.h"

#define FH_DOWN_MAX_PER_ACK 16               /* entries appended to one ack */
#define FH_DOWN_MAX_BYTES_PER_ACK (512 * 1024)
#define FH_DOWN_MAX_SCAN 1024                /* log entries looked at per ack */

/* Append env (a WARNING or ADVISORY envelope, as its issuer made it) concerning scope to
 * the down log, inside write transaction t. *dseq (may be NULL) gets its place. */
int fh_down_append(struct fh_txn *t, const char *scope, const uint8_t *env, size_t len,
                   uint64_t *dseq);

typedef int (*fh_down_fn)(void *arg, uint64_t dseq, const uint8_t *env, size_t len);

/* The entries after `after` that concern a child at child_path (its path is inside the
 * entry's scope, or the scope is inside its path): fn for each, at most
 * FH_DOWN_MAX_PER_ACK and FH_DOWN_MAX_BYTES_PER_ACK, looking at most FH_DOWN_MAX_SCAN
 * entries. *next is the last dseq looked at (the child may move its cursor there once it
 * has what fn was given), or `after` when there was nothing new. Its own read txn:
 * call it outside a write transaction of this thread. Cheap when the child is up to
 * date (no transaction at all). */
int fh_down_for_child(struct fh_store *st, const char *child_path, uint64_t after,
                      fh_down_fn fn, void *arg, uint64_t *next);

/* Every entry of the log, oldest first (fenghuo-ctl). */
int fh_down_each(struct fh_store *st, fh_down_fn fn, void *arg);

/* This node's cursor in its parent's log (0 when none). */
int fh_down_cursor(struct fh_store *st, uint64_t *out);

/* Called for each new entry a node receives from its parent, inside the receiving
 * transaction t, with the decoded envelope and body: the node records it (warning
 * state, advisory check) and may emit its own reports in t (an agent's receipt). A
 * non-zero return aborts the whole receipt (the parent sends again). */
typedef int (*fh_down_new_fn)(void *arg, struct fh_txn *t, const Fh__Envelope *env,
                              const ProtobufCMessage *body);

/* Receive the n down parts of an ack (parts[i], lens[i], in the parent's log at
 * down_seqs[i]) at the node self: each must decode, be a WARNING or ADVISORY whose
 * issuer (its origin) is an ancestor of self and that passes fh_notice_check(); what
 * fails is counted in refused (and skipped: it will never become valid). New ones are
 * stored, appended to this node's down log when relay_down (collectors), and handed to
 * fn; then the cursor moves to down_next. One transaction: 0, or a negative FH_E* with
 * nothing stored. */
int fh_down_receive(struct fh_store *st, const char *self, bool relay_down,
                    const uint8_t *const *parts, const size_t *lens, size_t n,
                    uint64_t down_next, fh_down_new_fn fn, void *arg, uint64_t *refused);

#endif
