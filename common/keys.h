/* keys.h - a node's key files: its CURVE key pair and its Ed25519 signing key.
 *
 * A node keeps its keys in one directory (the [security] key_dir of its config):
 *
 *   curve.key   CURVE secret key, 40 Z85 characters and a newline     mode 0600
 *   curve.pub   CURVE public key, the same form                       mode 0644
 *   sign.key    Ed25519 private key, PEM (PKCS#8)                     mode 0600
 *   sign.pub    Ed25519 public key, PEM                               mode 0644
 *   parent.pub  the parent collector's CURVE public key (written by enrolment, or
 *               copied there by hand); absent at the top tier
 *
 * `fenghuo-ctl keygen` (or enrolment) makes them; nothing ships with a key. A node
 * refuses to start when a private key file is missing, is not a regular file of its
 * own user, or can be read or written by its group or others (security invariant 7). */
#ifndef FH_KEYS_H
#define FH_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FH_Z85_KEY_LEN 40          /* a 32-byte CURVE key in Z85 */
#define FH_ED25519_LEN 32          /* a raw Ed25519 public key */
#define FH_KEY_FILE_MAX 4096       /* bytes read from any key file at most */

#define FH_KEY_CURVE_SECRET "curve.key"
#define FH_KEY_CURVE_PUBLIC "curve.pub"
#define FH_KEY_SIGN_SECRET "sign.key"
#define FH_KEY_SIGN_PUBLIC "sign.pub"
#define FH_KEY_PARENT_PUBLIC "parent.pub"

struct fh_keys {
    char curve_public[FH_Z85_KEY_LEN + 1];
    char curve_secret[FH_Z85_KEY_LEN + 1];
    uint8_t sign_public[FH_ED25519_LEN];
};

/* Make dir (mode 0700, parents too) and a new key set in it. Refuses (FH_EDUP) when a
 * key file is already there, unless force. Returns 0 or FH_E* with err filled. */
int fh_keys_generate(const char *dir, bool force, char *err, size_t err_len);

/* Load and check the key set of dir: the private files must be regular files of this
 * process's user with no group or other permission bits, the CURVE public key must match
 * the secret one, the signing key must be Ed25519. Returns 0, FH_ENOTFOUND (a file is
 * missing), FH_ECONFIG (bad permissions) or FH_EMALFORMED, with err filled. */
int fh_keys_load(const char *dir, struct fh_keys *k, char *err, size_t err_len);

/* Wipe the secret key from memory. */
void fh_keys_wipe(struct fh_keys *k);

/* Read a Z85 public key from file (40 characters, optional trailing newline) into out
 * (41 bytes). Returns 0, FH_ENOTFOUND or FH_EMALFORMED. */
int fh_keys_read_public(const char *file, char *out);

/* Write a Z85 public key to dir/name (a temporary file renamed over it, mode 0644). */
int fh_keys_write_public(const char *dir, const char *name, const char *z85);

/* Read a key file (at most FH_KEY_FILE_MAX bytes, into buf of FH_KEY_FILE_MAX + 1,
 * NUL-terminated, *len its size); secret: checked like a private key file (regular
 * file of this user, no group or other bits). Returns 0 or FH_E* with err filled. */
int fh_keys_read_file(const char *file, bool secret, char *buf, size_t *len, char *err,
                      size_t err_len);

/* True when s is exactly 40 Z85 characters that decode to a 32-byte key. */
bool fh_keys_z85_valid(const char *s);

#endif
