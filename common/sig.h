/* sig.h - a node's signatures: what it signs with, the keys it knows, and the checks
 * every tier makes before storing (docs/security.md, "Signatures").
 *
 * One node per process: fh_sig_setup() is called once at start, after the store is
 * open. Without a signer (security.curve off) the node neither signs nor checks:
 * fh_sig_on() is false and every function here is a no-op that accepts.
 *
 * Key records: the state records of the store (store.h fh_kv_*) hold, per key id,
 * "k\0<key id hex>" -> packed SigningKey (path, role, public key, valid_from). A record is
 * written once and never replaced: old reports stay verifiable after a rotation. A key
 * with role collector may sign only reports whose origin is its path (a collector's own
 * reports); a key with role agent those whose origin lies inside its path (a school's
 * hosts). So a middle tier cannot sign for anything below it.
 *
 * Upward (fh_sig_check_up, in the pipeline): the first tier learns a child's key from its
 * registration (peers.h) the first time that key signs something, and in the same
 * transaction makes a KEY report (its own, urgent lane, signed by itself) that travels
 * ahead of what the key signed; upper tiers learn keys only from KEY reports signed by a
 * collector for a key registered inside its scope. A report signed by a key not learned
 * yet gets RETRY (its KEY report is on the way).
 *
 * Downward (fh_sig_check_down, in down.c): a collector puts a KEY entry for its own key
 * at the head of its down log (fh_sig_setup), and before any warning or advisory signed
 * by an ancestor it passes down, a KEY entry for that ancestor's key signed by itself
 * (fh_sig_before_down_append). A child accepts its parent's own KEY entry when it is the
 * key pinned at registration (key_dir/parent_sign.pub), or, with no pin, as the first
 * anchor it ever accepts; every other KEY entry must be signed by a key it already
 * holds for the entry's origin. */
#ifndef FH_SIG_H
#define FH_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "fenghuo.pb-c.h"
#include "peers.h"
#include "signer.h"
#include "store.h"

#define FH_SIG_FUTURE_SKEW_US (10ull * 60 * 1000000)  /* a report's time may be this far
                                                        * ahead of the receiver's clock */
#define FH_SIG_CACHE_SLOTS 16384  /* authenticated tree nodes remembered */
#define FH_KEY_PARENT_SIGN "parent_sign.pub"   /* the parent's signing key, pinned */

/* self: this node's path (agent) or scope (collector); role: Fh__Role; signer: NULL for
 * none (owned from here on, freed by fh_sig_teardown, also on failure); parent_pin: the parent's raw Ed25519
 * key or NULL; ctr: the node's counters (refusals are added there). A collector's own
 * KEY entry is appended to its down log here. Returns 0 or FH_E*. */
int fh_sig_setup(struct fh_store *st, const char *self, int role, struct fh_signer *signer,
                 const uint8_t *parent_pin, uint64_t *ctr);
/* The same from a key directory: dir/sign.key, and dir/parent_sign.pub when it is there
 * (a node made without registration has none: its parent's key is then trusted on
 * first use, logged). Returns 0 or FH_E* (logged). */
int fh_sig_start(struct fh_store *st, const char *key_dir, const char *self, int role,
                 uint64_t *ctr);
void fh_sig_teardown(void);
bool fh_sig_on(void);
/* The node's signer, or NULL. */
const struct fh_signer *fh_sig_signer(void);

enum fh_sig_verdict { FH_SIG_OK, FH_SIG_RETRY, FH_SIG_REFUSED };

/* Check report env (its body decoded) sent by the registered peer sender, in the
 * round's write transaction t, before it is stored. KEY reports are recorded. When the
 * sender's own key signs for the first time it is recorded and, relay, announced in a
 * KEY report of this node's (*made is raised). On RETRY or REFUSED *why is the counter
 * and detail says why. Errors of the store come back as REFUSED with *why
 * FH_CTR_STORE_FULL (the caller treats them as a failed transaction). */
enum fh_sig_verdict fh_sig_check_up(struct fh_txn *t, const struct fh_peer *sender,
                                    const Fh__Envelope *env, const ProtobufCMessage *body,
                                    bool relay, uint64_t now_us, uint64_t *made,
                                    enum fh_counter *why, char *detail, size_t dlen);

/* Check a part that came down from the parent (a KEY entry, a warning, an advisory) in
 * t; KEY entries are recorded. Returns 0, or FH_EINVAL with why filled (counted as
 * refused_signature or refused_replay here), or another FH_E* (store). */
int fh_sig_check_down(struct fh_txn *t, const char *self, const Fh__Envelope *env,
                      const ProtobufCMessage *body, char *why, size_t why_len);

/* Before env (a warning or advisory) is appended to this node's down log: when an
 * ancestor signed it, make sure a KEY entry of that key, signed by this node, is in the
 * log first. Returns 0 or FH_E*. */
int fh_sig_before_down_append(struct fh_txn *t, const uint8_t *env, size_t len);

/* The key record of key_id (FH_KEY_ID_LEN bytes) in t, unpacked (free with
 * fh__signing_key__free_unpacked), or NULL. */
Fh__SigningKey *fh_sig_key(struct fh_txn *t, const uint8_t *key_id);

/* Record key k (validated: path, role, 32-byte key, matching key id) in t unless its id
 * is recorded already. Returns 0, FH_EINVAL or a store error. */
int fh_sig_record(struct fh_txn *t, const Fh__SigningKey *k);

/* Every key record (fenghuo-ctl). */
typedef int (*fh_sig_key_fn)(void *arg, const Fh__SigningKey *k);
int fh_sig_each_key(struct fh_store *st, fh_sig_key_fn fn, void *arg);

#endif
