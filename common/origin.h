/* origin.h - making a report where it originates.
 *
 * An origin (an agent; a collector for what it makes itself, such as drop notices)
 * numbers its reports 1, 2, 3... and commits each to its outbox, in the lane its kind
 * travels in, before anyone sends it (delivery invariant 1). */
#ifndef FH_ORIGIN_H
#define FH_ORIGIN_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Encode body as a report of kind from path with the next seq and the current time, and
 * commit it to the outbox. When the store is full the map is grown once (as the disk
 * allows) and the commit retried. *seq (may be NULL) receives its seq. Returns 0 or a
 * negative FH_E* (nothing committed). */
int fh_origin_emit(struct fh_store *st, const char *path, int kind,
                   const ProtobufCMessage *body, uint64_t *seq);

/* The same for a body already encoded (a probe that ran in a worker thread). */
int fh_origin_emit_bytes(struct fh_store *st, const char *path, int kind,
                         const uint8_t *body, size_t len, uint64_t *seq);

/* Commit n reports of kinds[i] with bodies[i] (lens[i] bytes, already encoded) from path
 * as one group (1..FH_SIGN_GROUP_MAX): numbered with the next seqs, signed with one
 * signature (sig.h), in one transaction (all or nothing; a full map is grown once).
 * seqs (may be NULL) receives their seqs. Returns 0 or a negative FH_E*. */
int fh_origin_emit_group(struct fh_store *st, const char *path, size_t n, const int *kinds,
                         const uint8_t *const *bodies, const size_t *lens, uint64_t *seqs);

/* Within the caller's write transaction t: encode body as report seq (which must be
 * fh_txn_next_seq(t)) and append it to the outbox, so it commits with the caller's other
 * writes; send false: number it but do not queue it for a parent (a top tier).
 * *env receives the encoded envelope (the caller frees it). Returns 0 or a negative
 * FH_E* (then *env is NULL). */
int fh_origin_emit_txn(struct fh_txn *t, const char *path, int kind,
                       const ProtobufCMessage *body, uint64_t seq, bool send, uint8_t **env,
                       size_t *env_len);

/* Keep the outbox within bound_bytes: when it is over, coalesce its health samples (the
 * latest per origin stays), add what was dropped to ctr[FH_CTR_COALESCED] and report the
 * totals upward in a drop notice from path (urgent lane). Returns true when the outbox
 * is still over its bound afterwards (only urgent reports and latest samples are left). */
#include <stdbool.h>
bool fh_origin_relieve(struct fh_store *st, const char *path, uint64_t bound_bytes,
                       uint64_t *ctr);

#endif
