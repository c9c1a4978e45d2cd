/* signer.h - Ed25519 signatures of report groups, and the check of one report's proof.
 *
 * An origin commits reports in groups (merkle.h): it numbers them, makes their leaves,
 * signs the root once with its signing key (keys.h: sign.key) and encodes each envelope
 * with its Proof: key_id (FH_KEY_ID_LEN bytes), root_sig (FH_SIG_LEN), leaf_index,
 * leaf_count, siblings. What is signed is
 *
 *   "fenghuo-root-v1" 0x00 | root | be32 leaf_count
 *
 * so neither the root nor the group's size can be changed. A relay forwards the same
 * bytes; any tier recomputes the root from the report alone (fh_proof_root, the bounded
 * proof decoder) and checks the signature against the key the key id names. */
#ifndef FH_SIGNER_H
#define FH_SIGNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fenghuo.pb-c.h"
#include "keys.h"
#include "merkle.h"

#define FH_KEY_ID_LEN 8      /* a key's fingerprint: the first bytes of SHA-256(public) */
#define FH_SIG_LEN 64        /* an Ed25519 signature */
#define FH_SIGN_GROUP_MAX 1024  /* reports one call signs together */

struct fh_signer;

/* Load dir/sign.key (checked like every private key file, keys.h). Returns 0 or FH_E*
 * with err filled. */
int fh_signer_load(const char *dir, struct fh_signer **out, char *err, size_t err_len);
void fh_signer_free(struct fh_signer *s);
const uint8_t *fh_signer_public(const struct fh_signer *s);   /* FH_ED25519_LEN bytes */
const uint8_t *fh_signer_key_id(const struct fh_signer *s);   /* FH_KEY_ID_LEN bytes */

/* The key id of a raw Ed25519 public key. */
void fh_key_id(const uint8_t *pub, uint8_t *id);

/* Read a PEM Ed25519 public key file (sign.pub) into pub (FH_ED25519_LEN bytes).
 * Returns 0, FH_ENOTFOUND or FH_EMALFORMED. */
int fh_sign_read_public(const char *file, uint8_t *pub);

/* Write a raw Ed25519 public key as PEM to dir/name (mode 0644, through a temporary file
 * and a rename). Returns 0, FH_EINVAL or FH_EIO. */
int fh_sign_write_public(const char *dir, const char *name, const uint8_t *pub);

/* One report of a group. */
struct fh_sign_item {
    const char *origin;
    uint64_t seq;
    uint64_t time_us;
    int kind;
    const uint8_t *body;
    size_t len;
};

/* Encode items[0..n) (1..FH_SIGN_GROUP_MAX) as envelopes signed together by s (NULL:
 * unsigned envelopes, as without signatures). out[i] (malloc'd, the caller frees each)
 * and out_len[i] receive them. Returns 0, FH_EINVAL, FH_ETOOBIG, FH_ENOMEM (then nothing
 * is left allocated). */
int fh_sign_encode(const struct fh_signer *s, const struct fh_sign_item *items, size_t n,
                   uint8_t **out, size_t *out_len);

/* The shape of env's proof alone (the first half of fh_proof_root): 0 or FH_EMALFORMED. */
int fh_proof_check(const Fh__Envelope *env);

/* The bounded proof decoder: check env's proof (present, key id and signature of their
 * lengths, leaf_count 1..FH_MERKLE_MAX_LEAVES, leaf_index below it, the number of
 * siblings the pair needs, each FH_HASH_LEN bytes) and climb from env's leaf to the
 * root. Returns 0 or FH_EMALFORMED. */
int fh_proof_root(const Fh__Envelope *env, fh_hash root);

/* Does sig sign (root, count) under the raw Ed25519 key pub? */
bool fh_sign_verify_root(const uint8_t *pub, const fh_hash root, uint32_t count,
                         const uint8_t *sig);

#endif
