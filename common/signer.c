/* signer.c - sign report groups, check one report's proof (see signer.h).
 *
 * Ed25519 through OpenSSL's EVP one-shot interface (EVP_DigestSign with no digest).
 * Encoding a group: leaves first, then the root and its signature, then each envelope
 * with its own proof; every buffer is freed on any failure. */
#include "signer.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "report.h"

#define PATH_BUF 1024
static const char DOMAIN[16] = "fenghuo-root-v1";   /* 15 characters and a NUL */
#define SIGNED_LEN (sizeof DOMAIN + FH_HASH_LEN + 4)

struct fh_signer {
    EVP_PKEY *key;
    uint8_t pub[FH_ED25519_LEN];
    uint8_t id[FH_KEY_ID_LEN];
};

void fh_key_id(const uint8_t *pub, uint8_t *id)
{
    uint8_t h[FH_HASH_LEN];
    SHA256(pub, FH_ED25519_LEN, h);
    memcpy(id, h, FH_KEY_ID_LEN);
}

int fh_signer_load(const char *dir, struct fh_signer **out, char *err, size_t err_len)
{
    char file[PATH_BUF], buf[FH_KEY_FILE_MAX + 1];
    size_t len = 0, plen = FH_ED25519_LEN;
    if (snprintf(file, sizeof file, "%s/%s", dir, FH_KEY_SIGN_SECRET) >= (int)sizeof file)
        return FH_ETOOBIG;
    int rc = fh_keys_read_file(file, true, buf, &len, err, err_len);
    if (rc)
        return rc;
    struct fh_signer *s = calloc(1, sizeof *s);
    BIO *b = BIO_new_mem_buf(buf, (int)len);
    if (s && b)
        s->key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    OPENSSL_cleanse(buf, sizeof buf);
    if (!s || !s->key || EVP_PKEY_get_base_id(s->key) != EVP_PKEY_ED25519 ||
        EVP_PKEY_get_raw_public_key(s->key, s->pub, &plen) != 1 || plen != FH_ED25519_LEN) {
        if (err && err_len)
            snprintf(err, err_len, "%s: not an Ed25519 private key in PEM", file);
        fh_signer_free(s);
        return FH_EMALFORMED;
    }
    fh_key_id(s->pub, s->id);
    *out = s;
    return 0;
}

void fh_signer_free(struct fh_signer *s)
{
    if (!s)
        return;
    EVP_PKEY_free(s->key);
    free(s);
}

const uint8_t *fh_signer_public(const struct fh_signer *s)
{
    return s->pub;
}

const uint8_t *fh_signer_key_id(const struct fh_signer *s)
{
    return s->id;
}

int fh_sign_read_public(const char *file, uint8_t *pub)
{
    char buf[FH_KEY_FILE_MAX + 1];
    size_t len = 0, plen = FH_ED25519_LEN;
    int rc = fh_keys_read_file(file, false, buf, &len, NULL, 0);
    if (rc)
        return rc == FH_ENOTFOUND ? rc : FH_EMALFORMED;
    BIO *b = BIO_new_mem_buf(buf, (int)len);
    EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    rc = k && EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519 &&
                 EVP_PKEY_get_raw_public_key(k, pub, &plen) == 1 && plen == FH_ED25519_LEN
             ? 0
             : FH_EMALFORMED;
    EVP_PKEY_free(k);
    BIO_free(b);
    return rc;
}

int fh_sign_write_public(const char *dir, const char *name, const uint8_t *pub)
{
    char tmp[PATH_BUF], final[PATH_BUF];
    if (snprintf(final, sizeof final, "%s/%s", dir, name) >= (int)sizeof final ||
        snprintf(tmp, sizeof tmp, "%s/.%s.%ld", dir, name, (long)getpid()) >= (int)sizeof tmp)
        return FH_EINVAL;
    EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, FH_ED25519_LEN);
    if (!k)
        return FH_EINVAL;
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    int ok = f && PEM_write_PUBKEY(f, k) == 1 && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f)
        ok = fclose(f) == 0 && ok;
    else if (fd >= 0)
        close(fd);
    EVP_PKEY_free(k);
    if (!ok || rename(tmp, final) != 0) {
        unlink(tmp);
        return FH_EIO;
    }
    return 0;
}

static void signed_message(const fh_hash root, uint32_t count, uint8_t *m)
{
    memcpy(m, DOMAIN, sizeof DOMAIN);
    memcpy(m + sizeof DOMAIN, root, FH_HASH_LEN);
    uint8_t *c = m + sizeof DOMAIN + FH_HASH_LEN;
    c[0] = (uint8_t)(count >> 24);
    c[1] = (uint8_t)(count >> 16);
    c[2] = (uint8_t)(count >> 8);
    c[3] = (uint8_t)count;
}

static int sign_root(const struct fh_signer *s, const fh_hash root, uint32_t count,
                     uint8_t *sig)
{
    uint8_t m[SIGNED_LEN];
    size_t slen = FH_SIG_LEN;
    signed_message(root, count, m);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, s->key) == 1 &&
             EVP_DigestSign(ctx, sig, &slen, m, sizeof m) == 1 && slen == FH_SIG_LEN;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : FH_ENOMEM;
}

bool fh_sign_verify_root(const uint8_t *pub, const fh_hash root, uint32_t count,
                         const uint8_t *sig)
{
    uint8_t m[SIGNED_LEN];
    signed_message(root, count, m);
    EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, FH_ED25519_LEN);
    EVP_MD_CTX *ctx = k ? EVP_MD_CTX_new() : NULL;
    bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
              EVP_DigestVerify(ctx, sig, FH_SIG_LEN, m, sizeof m) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    return ok;
}

/* Pack one envelope with proof (NULL: none). */
static int pack(const struct fh_sign_item *it, Fh__Proof *proof, uint8_t **out, size_t *len)
{
    if (it->len > FH_MAX_ENVELOPE_BYTES)
        return FH_ETOOBIG;
    Fh__Envelope env = FH__ENVELOPE__INIT;
    env.version = FH_PROTO_VERSION;
    env.origin = (char *)it->origin;
    env.seq = it->seq;
    env.time_us = it->time_us;
    env.kind = (Fh__Kind)it->kind;
    env.body.data = (uint8_t *)it->body;
    env.body.len = it->len;
    env.proof = proof;
    size_t n = fh__envelope__get_packed_size(&env);
    if (n > FH_MAX_ENVELOPE_BYTES)
        return FH_ETOOBIG;
    if (!(*out = malloc(n)))
        return FH_ENOMEM;
    fh__envelope__pack(&env, *out);
    *len = n;
    return 0;
}

int fh_sign_encode(const struct fh_signer *s, const struct fh_sign_item *items, size_t n,
                   uint8_t **out, size_t *out_len)
{
    if (n == 0 || n > FH_SIGN_GROUP_MAX)
        return FH_EINVAL;
    for (size_t i = 0; i < n; i++)
        out[i] = NULL;
    fh_hash *leaves = s ? malloc(n * sizeof *leaves) : NULL;
    fh_hash(*sib)[FH_MERKLE_MAX_DEPTH] = s ? malloc(n * sizeof *sib) : NULL;
    size_t *nsib = s ? malloc(n * sizeof *nsib) : NULL;
    fh_hash root;
    uint8_t sig[FH_SIG_LEN];
    int err = s && (!leaves || !sib || !nsib) ? FH_ENOMEM : 0;
    for (size_t i = 0; s && !err && i < n; i++)
        fh_merkle_leaf(items[i].origin, items[i].seq, items[i].time_us, items[i].kind,
                       items[i].body, items[i].len, leaves[i]);
    if (s && !err && !(err = fh_merkle_all((const fh_hash *)leaves, n, root, sib, nsib)))
        err = sign_root(s, root, (uint32_t)n, sig);
    for (size_t i = 0; !err && i < n; i++) {
        if (!s) {
            err = pack(&items[i], NULL, &out[i], &out_len[i]);
            continue;
        }
        ProtobufCBinaryData sb[FH_MERKLE_MAX_DEPTH];
        for (size_t k = 0; k < nsib[i]; k++)
            sb[k] = (ProtobufCBinaryData){FH_HASH_LEN, sib[i][k]};
        Fh__Proof p = FH__PROOF__INIT;
        p.key_id = (ProtobufCBinaryData){FH_KEY_ID_LEN, (uint8_t *)s->id};
        p.root_sig = (ProtobufCBinaryData){FH_SIG_LEN, sig};
        p.leaf_index = (uint32_t)i;
        p.leaf_count = (uint32_t)n;
        p.n_siblings = nsib[i];
        p.siblings = sb;
        err = pack(&items[i], &p, &out[i], &out_len[i]);
    }
    free(leaves);
    free(sib);
    free(nsib);
    if (err)
        for (size_t i = 0; i < n; i++) {
            free(out[i]);
            out[i] = NULL;
        }
    return err;
}

int fh_proof_check(const Fh__Envelope *env)
{
    const Fh__Proof *p = env->proof;
    if (!p || p->key_id.len != FH_KEY_ID_LEN || p->root_sig.len != FH_SIG_LEN ||
        p->n_siblings > FH_MERKLE_MAX_DEPTH || !env->origin || p->leaf_count == 0 ||
        p->leaf_count > FH_MERKLE_MAX_LEAVES || p->leaf_index >= p->leaf_count ||
        p->n_siblings != fh_merkle_depth(p->leaf_index, p->leaf_count))
        return FH_EMALFORMED;
    for (size_t k = 0; k < p->n_siblings; k++)
        if (p->siblings[k].len != FH_HASH_LEN)
            return FH_EMALFORMED;
    return 0;
}

int fh_proof_root(const Fh__Envelope *env, fh_hash root)
{
    const Fh__Proof *p = env->proof;
    if (fh_proof_check(env) != 0)
        return FH_EMALFORMED;
    fh_hash sib[FH_MERKLE_MAX_DEPTH], leaf;
    for (size_t k = 0; k < p->n_siblings; k++)
        memcpy(sib[k], p->siblings[k].data, FH_HASH_LEN);
    fh_merkle_leaf(env->origin, env->seq, env->time_us, env->kind, env->body.data,
                   env->body.len, leaf);
    return fh_merkle_climb(leaf, p->leaf_index, p->leaf_count, (const fh_hash *)sib, p->n_siblings, root);
}
