/* peers.h - a collector's registered peers and enrolment tokens, in its store.
 *
 * Two named databases of the node's LMDB environment (store.h):
 *   peers    CURVE public key (40 Z85 characters) -> struct fh_peer: the scope the key
 *            may submit for, its role, its Ed25519 public key, when it was registered and
 *            last seen
 *   tokens   SHA-256 of a token's secret -> struct fh_token_rec: scope, role, expiry,
 *            and when and by which key it was used
 * and one meta value, "peers_gen", raised by every revocation so a running collector
 * notices it (fh_peers_generation).
 *
 * A key is registered by `fenghuo-ctl peers add` or by redeeming a token; it is removed
 * by `fenghuo-ctl revoke`. fenghuo-ctl writes while the collector runs (LMDB allows one
 * writer at a time across processes; every transaction here is short). */
#ifndef FH_PEERS_H
#define FH_PEERS_H

#include <stdbool.h>
#include <stdint.h>

#include "keys.h"
#include "path.h"
#include "store.h"
#include "token.h"

struct fh_peer {
    char key[FH_Z85_KEY_LEN + 1];     /* CURVE public key, Z85 */
    char path[FH_PATH_MAX];           /* registered scope */
    uint32_t role;                    /* Fh__Role */
    bool has_sign;
    uint8_t sign_public[FH_ED25519_LEN];
    uint64_t registered_us;
    uint64_t last_seen_us;            /* 0: never connected */
};

struct fh_token_rec {
    uint8_t hash[FH_TOKEN_HASH_LEN];
    char path[FH_PATH_MAX];
    uint32_t role;
    uint64_t created_us;
    uint64_t expires_us;
    uint64_t used_us;                 /* 0: not used yet */
    char used_by[FH_Z85_KEY_LEN + 1]; /* the key registered with it */
};

/* Register (or replace) peer p in a transaction of its own. FH_EINVAL for an invalid key
 * or path. */
int fh_peers_put(struct fh_store *st, const struct fh_peer *p);

/* Look key up: in write transaction t (the pipeline's round), or in a read transaction
 * of its own (t NULL). Returns 0, FH_ENOTFOUND, or FH_ESTORE / FH_EMALFORMED. */
int fh_peers_get(struct fh_store *st, struct fh_txn *t, const char *key,
                 struct fh_peer *out);

/* Set p's last seen time to now_us in write transaction t. */
int fh_peers_touch(struct fh_txn *t, const struct fh_peer *p, uint64_t now_us);

/* Remove the peer whose key is key_or_path, or every peer registered with exactly that
 * path, and raise the generation. *removed: how many. FH_ENOTFOUND when none. */
int fh_peers_revoke(struct fh_store *st, const char *key_or_path, unsigned *removed);

/* The revocation generation (0 before the first revocation). */
uint64_t fh_peers_generation(struct fh_store *st);

typedef int (*fh_peer_fn)(const struct fh_peer *p, void *arg);
int fh_peers_each(struct fh_store *st, fh_peer_fn fn, void *arg);

/* Keep a new token. */
int fh_tokens_put(struct fh_store *st, const struct fh_token_rec *r);

typedef int (*fh_token_fn)(const struct fh_token_rec *r, void *arg);
int fh_tokens_each(struct fh_store *st, fh_token_fn fn, void *arg);

/* Why a redemption was refused. */
enum fh_redeem {
    FH_REDEEM_OK,
    FH_REDEEM_UNKNOWN,    /* no such token */
    FH_REDEEM_EXPIRED,
    FH_REDEEM_USED,       /* a token is good for one enrolment */
    FH_REDEEM_ROLE,       /* made for the other role */
    FH_REDEEM_PATH,       /* the node's own path is not inside the token's scope */
};
const char *fh_redeem_name(enum fh_redeem r);

/* Redeem a token for peer p (key, role, sign key set; p->path is the node's own path):
 * in one transaction check the token (known, unexpired, unused, same role, p->path
 * within its scope), mark it used and register p with the token's scope (p->path is set
 * to it). *result says why not; the return value is 0 also for a refusal, or an FH_E*
 * store error. */
int fh_tokens_redeem(struct fh_store *st, const uint8_t *secret, uint64_t now_us,
                     struct fh_peer *p, enum fh_redeem *result);

#endif
