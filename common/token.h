/* token.h - one-time enrolment tokens: what they carry and how they are written.
 *
 * A token lets one node join one parent collector, once, before it expires. It carries
 * what the joining node needs to reach and trust the collector, and the secret that
 * proves the holder was given it:
 *
 *   version 1, role (agent or collector), the collector's CURVE public key (32 bytes),
 *   the secret (FH_TOKEN_SECRET_LEN random bytes from OpenSSL), the collector's enrolment
 *   endpoint and the scope path the node will be registered with.
 *
 * It is printed as "fh1_" and the base64url (no padding) of those fields, one line an
 * administrator can paste. The collector keeps only the SHA-256 of the secret (peers.h),
 * so a copy of its store does not hold usable tokens. */
#ifndef FH_TOKEN_H
#define FH_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "path.h"

#define FH_TOKEN_SECRET_LEN 32       /* 256 bits */
#define FH_TOKEN_HASH_LEN 32         /* SHA-256 */
#define FH_TOKEN_ENDPOINT_MAX 255    /* bytes of the endpoint */
#define FH_TOKEN_TEXT_MAX 1024       /* characters of a printed token, NUL included */
#define FH_TOKEN_PREFIX "fh1_"
#define FH_TOKEN_TTL_MAX_S (30u * 86400u) /* a token lives at most 30 days */

struct fh_token {
    int role;                                 /* Fh__Role: agent or collector */
    char server_key[FH_Z85_KEY_LEN + 1];      /* the collector's CURVE public key, Z85 */
    uint8_t secret[FH_TOKEN_SECRET_LEN];
    char endpoint[FH_TOKEN_ENDPOINT_MAX + 1]; /* where to enrol: tcp://HOST:PORT */
    char path[FH_PATH_MAX];                   /* the scope the node gets */
};

/* Fill t->secret with random bytes (OpenSSL RAND_bytes). Returns 0 or FH_EIO. */
int fh_token_new_secret(struct fh_token *t);

/* Write t as text into out (FH_TOKEN_TEXT_MAX bytes). Returns 0 or FH_EINVAL (a field is
 * out of its bounds or invalid). */
int fh_token_encode(const struct fh_token *t, char *out, size_t out_len);

/* Read a token from text (leading and trailing blanks ignored). Every field is checked:
 * the length, the alphabet, the version, the role, the key, the endpoint (tcp://...),
 * the path. Returns 0 or FH_EMALFORMED. */
int fh_token_decode(const char *text, struct fh_token *t);

/* SHA-256 of a secret: what the collector stores and looks tokens up by. */
void fh_token_hash(const uint8_t *secret, uint8_t *hash);

/* Parse a duration "90s", "30m", "24h", "7d" (a bare number is seconds) into seconds,
 * 1 .. FH_TOKEN_TTL_MAX_S. Returns 0 or FH_EINVAL. */
int fh_duration_parse(const char *s, uint64_t *seconds);

#endif
