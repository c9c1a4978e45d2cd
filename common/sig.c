/* sig.c - a node's signatures: key records, the checks up and down the tree, and the
 * KEY reports and entries that carry keys (see sig.h).
 *
 * State records used (store.h fh_kv_*):
 *   "k\0<id hex>"   packed SigningKey: a key this node knows (never replaced)
 *   "d\0<id hex>"   a KEY entry of that key, signed by this node, is in its down log
 *   "y\0anchor"     this node accepted its parent's own KEY entry (its trust anchor)
 * A direct-mapped cache of FH_SIG_CACHE_SLOTS remembers nodes known to lie under a root
 * a key signed (authentic()), so a group of reports costs one Ed25519 check and each
 * report the hash of its body, its leaf and one or two nodes. */
#include "sig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "down.h"
#include "err.h"
#include "log.h"
#include "origin.h"
#include "path.h"
#include "report.h"

#define KEY_BUF 32
#define TAG_LEN 16

static struct {
    bool on;
    char self[FH_PATH_MAX];
    int role;
    struct fh_signer *signer;
    bool pinned;
    uint8_t pin[FH_ED25519_LEN];
    uint64_t *ctr;
    uint8_t (*cache)[FH_KEY_ID_LEN + TAG_LEN];
} S;

static void hex(const uint8_t *id, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < FH_KEY_ID_LEN; i++) {
        out[2 * i] = d[id[i] >> 4];
        out[2 * i + 1] = d[id[i] & 15];
    }
    out[2 * FH_KEY_ID_LEN] = '\0';
}

static size_t rec_key(char *kb, char tag, const uint8_t *id)
{
    char h[2 * FH_KEY_ID_LEN + 1];
    hex(id, h);
    const char *parts[] = {h};
    return fh_kv_key(kb, KEY_BUF, tag, parts, 1);
}

bool fh_sig_on(void)
{
    return S.on;
}

const struct fh_signer *fh_sig_signer(void)
{
    return S.on ? S.signer : NULL;
}

Fh__SigningKey *fh_sig_key(struct fh_txn *t, const uint8_t *key_id)
{
    char kb[KEY_BUF];
    const void *val;
    size_t vlen, klen = rec_key(kb, 'k', key_id);
    if (fh_kv_get(t, kb, klen, &val, &vlen) != 0)
        return NULL;
    return fh__signing_key__unpack(NULL, vlen, val);
}

static bool key_valid(const Fh__SigningKey *k)
{
    uint8_t id[FH_KEY_ID_LEN];
    if (k->public_key.len != FH_ED25519_LEN || k->key_id.len != FH_KEY_ID_LEN ||
        !fh_path_valid(k->path) ||
        (k->role != FH__ROLE__ROLE_AGENT && k->role != FH__ROLE__ROLE_COLLECTOR))
        return false;
    fh_key_id(k->public_key.data, id);
    return memcmp(id, k->key_id.data, FH_KEY_ID_LEN) == 0;
}

int fh_sig_record(struct fh_txn *t, const Fh__SigningKey *k)
{
    char kb[KEY_BUF];
    const void *val;
    size_t vlen;
    if (!key_valid(k))
        return FH_EINVAL;
    size_t klen = rec_key(kb, 'k', k->key_id.data);
    if (fh_kv_get(t, kb, klen, &val, &vlen) == 0)
        return 0;   /* known: a record is never replaced */
    uint8_t buf[FH_PATH_MAX + 128];
    size_t len = fh__signing_key__get_packed_size(k);
    if (len > sizeof buf)
        return FH_EINVAL;
    fh__signing_key__pack(k, buf);
    return fh_kv_put(t, kb, klen, buf, len);
}

static void key_of(Fh__SigningKey *k, const char *path, int role, const uint8_t *pub,
                   uint8_t *id, uint64_t valid_from)
{
    fh_key_id(pub, id);
    *k = (Fh__SigningKey)FH__SIGNING_KEY__INIT;
    k->path = (char *)path;
    k->role = (Fh__Role)role;
    k->public_key = (ProtobufCBinaryData){FH_ED25519_LEN, (uint8_t *)pub};
    k->key_id = (ProtobufCBinaryData){FH_KEY_ID_LEN, id};
    k->valid_from_us = valid_from;
}

static bool marked(struct fh_txn *t, char tag, const uint8_t *id)
{
    char kb[KEY_BUF];
    const void *val;
    size_t vlen;
    return fh_kv_get(t, kb, rec_key(kb, tag, id), &val, &vlen) == 0;
}

static int mark(struct fh_txn *t, char tag, const uint8_t *id)
{
    char kb[KEY_BUF];
    return fh_kv_put(t, kb, rec_key(kb, tag, id), "1", 1);
}

/* A KEY entry for k, made and signed by this node, appended to its down log. */
static int append_key_entry(struct fh_txn *t, const Fh__SigningKey *k)
{
    size_t blen = fh__signing_key__get_packed_size(k);
    uint8_t body[FH_PATH_MAX + 128], *env = NULL;
    size_t len = 0;
    if (blen > sizeof body)
        return FH_EINVAL;
    fh__signing_key__pack(k, body);
    struct fh_sign_item it = {.origin = S.self, .seq = 0, .time_us = fh_now_us(),
                              .kind = FH__KIND__KIND_KEY, .body = body, .len = blen};
    int err = fh_sign_encode(S.signer, &it, 1, &env, &len);
    if (!err)
        err = fh_down_append(t, S.self, env, len, NULL);
    if (!err)
        err = mark(t, 'd', k->key_id.data);
    free(env);
    return err;
}

int fh_sig_setup(struct fh_store *st, const char *self, int role, struct fh_signer *signer,
                 const uint8_t *parent_pin, uint64_t *ctr)
{
    fh_sig_teardown();
    if (!signer)
        return 0;
    if (!(S.cache = calloc(FH_SIG_CACHE_SLOTS, sizeof *S.cache))) {
        fh_signer_free(signer);
        return FH_ENOMEM;
    }
    snprintf(S.self, sizeof S.self, "%s", self);
    S.role = role;
    S.signer = signer;
    S.ctr = ctr;
    if ((S.pinned = parent_pin != NULL))
        memcpy(S.pin, parent_pin, FH_ED25519_LEN);
    S.on = true;
    struct fh_txn *t;
    int err = fh_txn_begin(st, true, &t);
    if (err)
        return err;
    Fh__SigningKey k;
    uint8_t id[FH_KEY_ID_LEN];
    key_of(&k, self, role, fh_signer_public(signer), id, fh_now_us());
    err = fh_sig_record(t, &k);
    /* A collector's children learn its key from the head of its down log. */
    if (!err && role == FH__ROLE__ROLE_COLLECTOR && !marked(t, 'd', id))
        err = append_key_entry(t, &k);
    if (err) {
        fh_txn_abort(t);
        return err;
    }
    return fh_txn_commit(t);
}

int fh_sig_start(struct fh_store *st, const char *key_dir, const char *self, int role,
                 uint64_t *ctr)
{
    char err[600], file[700];
    struct fh_signer *s;
    uint8_t pin[FH_ED25519_LEN];
    int rc = fh_signer_load(key_dir, &s, err, sizeof err);
    if (rc) {
        fh_log(FH_LOG_ERROR, "signing key: %s", err);
        return rc;
    }
    snprintf(file, sizeof file, "%s/%s", key_dir, FH_KEY_PARENT_SIGN);
    bool pinned = fh_sign_read_public(file, pin) == 0;
    if (!pinned && role == FH__ROLE__ROLE_AGENT)
        fh_log(FH_LOG_WARN, "%s: missing: the parent's signing key will be trusted as the "
               "parent first sends it (enrolment writes this file)", file);
    if ((rc = fh_sig_setup(st, self, role, s, pinned ? pin : NULL, ctr)))
        fh_log(FH_LOG_ERROR, "signatures: cannot set up: %s", fh_strerror(rc));
    return rc;
}

void fh_sig_teardown(void)
{
    fh_signer_free(S.signer);
    free(S.cache);
    memset(&S, 0, sizeof S);
}

/* The cache of authenticated nodes: a slot holds a node hash (leaf, inner node or root)
 * known to lie under a root that key id signed. */
#define SLOT_LEN (FH_KEY_ID_LEN + TAG_LEN)

static uint8_t *slot_of(const uint8_t *id, const fh_hash h)
{
    uint32_t x = ((uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3]) ^
                 ((uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3]);
    return S.cache[x % FH_SIG_CACHE_SLOTS];
}

static bool known(const uint8_t *id, const fh_hash h)
{
    const uint8_t *s = slot_of(id, h);
    return memcmp(s, id, FH_KEY_ID_LEN) == 0 && memcmp(s + FH_KEY_ID_LEN, h + 4, TAG_LEN) == 0;
}

static void remember(const uint8_t *id, const fh_hash h)
{
    uint8_t *s = slot_of(id, h);
    memcpy(s, id, FH_KEY_ID_LEN);
    memcpy(s + FH_KEY_ID_LEN, h + 4, TAG_LEN);
}

/* Is env (its proof's shape checked) under a root its key pub signed? Climb from its
 * leaf and stop at the first node known to be under a root of that key already (the
 * leaf itself, for a report whose sibling came first): a group costs one signature check,
 * and most of its reports one or two hashes above their leaf. At a root not known, check
 * the signature once; then every node of the path and every sibling is known. The 0x00 /
 * 0x01 prefixes (merkle.h) keep a leaf from matching a node. */
static bool authentic(const uint8_t *pub, const Fh__Envelope *env)
{
    const Fh__Proof *p = env->proof;
    const uint8_t *id = p->key_id.data;
    fh_hash path[FH_MERKLE_MAX_DEPTH + 1];
    size_t np = 1, k = 0;
    fh_merkle_leaf(env->origin, env->seq, env->time_us, env->kind, env->body.data,
                   env->body.len, path[0]);
    bool ok = known(id, path[0]);
    uint64_t index = p->leaf_index, count = p->leaf_count;
    for (; !ok && count > 1; index /= 2, count = (count + 1) / 2) {
        if ((index ^ 1u) >= count)
            continue;   /* the odd last node goes up unchanged */
        const uint8_t *sib = p->siblings[k++].data;
        if (index & 1u)
            fh_merkle_node(sib, path[np - 1], path[np]);
        else
            fh_merkle_node(path[np - 1], sib, path[np]);
        ok = known(id, path[np++]);
    }
    if (!ok && !fh_sign_verify_root(pub, path[np - 1], p->leaf_count, p->root_sig.data))
        return false;
    for (size_t i = 0; i < np; i++)
        remember(id, path[i]);
    for (size_t i = 0; i < k; i++)
        remember(id, p->siblings[i].data);
    return true;
}

/* May key k sign a report from origin? A collector's key only its own reports, an
 * agent's those of its registered scope. */
static bool may_sign(const Fh__SigningKey *k, const char *origin)
{
    return k->role == FH__ROLE__ROLE_COLLECTOR ? strcmp(k->path, origin) == 0
                                               : fh_path_within(k->path, origin);
}

#define SAY(...) snprintf(detail, dlen, __VA_ARGS__)

/* The sender's registered key signs for the first time: record it, announce it up. */
static int learn_sender(struct fh_txn *t, const struct fh_peer *sender, bool relay,
                        uint64_t *made)
{
    Fh__SigningKey k;
    uint8_t id[FH_KEY_ID_LEN], *env = NULL;
    size_t len;
    key_of(&k, sender->path, (int)sender->role, sender->sign_public, id,
           sender->registered_us);
    int err = fh_sig_record(t, &k);
    if (!err && relay) {
        err = fh_origin_emit_txn(t, S.self, FH__KIND__KIND_KEY, &k.base, fh_txn_next_seq(t),
                                 true, &env, &len);
        free(env);
        if (!err)
            (*made)++;
    }
    if (!err)
        fh_log(FH_LOG_INFO, "learned the signing key of %s (%s)%s", sender->path, sender->key,
               relay ? ": announced to the parent" : "");
    return err;
}

/* A KEY report from below: its signer k vouches for a key registered inside its scope. */
static bool key_report_ok(const Fh__SigningKey *signer, const Fh__Envelope *env,
                          const Fh__SigningKey *body)
{
    return signer->role == FH__ROLE__ROLE_COLLECTOR && key_valid(body) &&
           fh_path_within(env->origin, body->path) && strcmp(env->origin, body->path) != 0;
}

enum fh_sig_verdict fh_sig_check_up(struct fh_txn *t, const struct fh_peer *sender,
                                    const Fh__Envelope *env, const ProtobufCMessage *body,
                                    bool relay, uint64_t now_us, uint64_t *made,
                                    enum fh_counter *why, char *detail, size_t dlen)
{
    Fh__SigningKey *k = NULL;
    enum fh_sig_verdict v = FH_SIG_REFUSED;
    *why = FH_CTR_REFUSED_SIGNATURE;
    if (!S.on)
        return FH_SIG_OK;
    if (env->time_us > now_us + FH_SIG_FUTURE_SKEW_US) {
        *why = FH_CTR_REFUSED_REPLAY;
        SAY("%s seq %llu is timed %llu s in the future", env->origin,
            (unsigned long long)env->seq,
            (unsigned long long)((env->time_us - now_us) / 1000000));
        return v;
    }
    if (fh_proof_check(env) != 0) {
        SAY("%s seq %llu: no signature, or its proof does not decode", env->origin,
            (unsigned long long)env->seq);
        return v;
    }
    const uint8_t *id = env->proof->key_id.data;
    if (!(k = fh_sig_key(t, id))) {
        uint8_t sid[FH_KEY_ID_LEN];
        if (sender->has_sign)
            fh_key_id(sender->sign_public, sid);
        if (!sender->has_sign || memcmp(sid, id, FH_KEY_ID_LEN) != 0) {
            *why = FH_CTR_RETRY_UNKNOWN_KEY;
            SAY("%s seq %llu: signed by a key not known here yet", env->origin,
                (unsigned long long)env->seq);
            return FH_SIG_RETRY;
        }
        if (learn_sender(t, sender, relay, made) != 0 || !(k = fh_sig_key(t, id))) {
            *why = FH_CTR_STORE_FULL;
            SAY("cannot record a signing key");
            return v;
        }
    }
    if (!may_sign(k, env->origin)) {
        SAY("%s seq %llu: signed by the key of %s, which may not sign for it", env->origin,
            (unsigned long long)env->seq, k->path);
    } else if (!authentic(k->public_key.data, env)) {
        SAY("%s seq %llu: the signature does not match (altered or forged)", env->origin,
            (unsigned long long)env->seq);
    } else if (env->kind == FH__KIND__KIND_KEY &&
               !key_report_ok(k, env, (const Fh__SigningKey *)body)) {
        SAY("%s seq %llu: a KEY report for a key outside its maker's scope", env->origin,
            (unsigned long long)env->seq);
    } else if (env->kind == FH__KIND__KIND_KEY &&
               fh_sig_record(t, (const Fh__SigningKey *)body) != 0) {
        *why = FH_CTR_STORE_FULL;
        SAY("cannot record a signing key");
    } else {
        v = FH_SIG_OK;
    }
    fh__signing_key__free_unpacked(k, NULL);
    return v;
}

/* A KEY entry from the parent: its own key (the anchor), or one it vouches for. */
static int down_key(struct fh_txn *t, const Fh__Envelope *env, const Fh__SigningKey *body,
                    const Fh__SigningKey *k, const fh_hash root, const char **bad)
{
    static const char anchor[] = "anchor";
    char kb[KEY_BUF];
    const char *parts[] = {anchor};
    size_t klen = fh_kv_key(kb, sizeof kb, 'y', parts, 1);
    const void *val;
    size_t vlen;
    if (!key_valid(body) || body->role != FH__ROLE__ROLE_COLLECTOR ||
        !fh_path_within(body->path, env->origin)) {
        *bad = "a KEY entry that is not a collector's key above its maker";
        return FH_EINVAL;
    }
    bool self_signed = memcmp(body->key_id.data, env->proof->key_id.data, FH_KEY_ID_LEN) == 0;
    bool anchored = fh_kv_get(t, kb, klen, &val, &vlen) == 0;
    if (!k && self_signed && strcmp(body->path, env->origin) == 0 &&
        (S.pinned ? memcmp(S.pin, body->public_key.data, FH_ED25519_LEN) == 0 : !anchored)) {
        /* the parent's own key: pinned at registration, or trusted on first use */
        if (!fh_sign_verify_root(body->public_key.data, root, env->proof->leaf_count,
                                 env->proof->root_sig.data)) {
            *bad = "the parent's own KEY entry is not signed by that key";
            return FH_EINVAL;
        }
        int err = fh_sig_record(t, body);
        return err ? err : fh_kv_put(t, kb, klen, "1", 1);
    }
    if (!k) {
        *bad = S.pinned && self_signed ? "a KEY entry of a key that is not the pinned parent "
                                         "key, signed by itself"
                                       : "a KEY entry signed by a key not known here";
        return FH_EINVAL;
    }
    return fh_sig_record(t, body);
}

int fh_sig_check_down(struct fh_txn *t, const char *self, const Fh__Envelope *env,
                      const ProtobufCMessage *body, char *why, size_t why_len)
{
    fh_hash root;
    const char *bad = NULL;
    enum fh_counter c = FH_CTR_REFUSED_SIGNATURE;
    int err = FH_EINVAL;
    Fh__SigningKey *k = NULL;
    (void)self;
    if (!S.on)
        return 0;
    if (env->time_us > fh_now_us() + FH_SIG_FUTURE_SKEW_US) {
        bad = "timed in the future";
        c = FH_CTR_REFUSED_REPLAY;
        goto out;
    }
    if (fh_proof_root(env, root) != 0) {
        bad = "no signature, or its proof does not decode";
        goto out;
    }
    k = fh_sig_key(t, env->proof->key_id.data);
    if (k && (k->role != FH__ROLE__ROLE_COLLECTOR || strcmp(k->path, env->origin) != 0)) {
        bad = "signed by a key that is not its issuer's (authority goes by the signing "
              "key's path, not the claimed issuer)";
    } else if (k && !authentic(k->public_key.data, env)) {
        bad = "the signature does not match (altered or forged)";
    } else if (env->kind == FH__KIND__KIND_KEY) {
        err = down_key(t, env, (const Fh__SigningKey *)body, k, root, &bad);
        goto out;
    } else if (!k) {
        bad = "signed by a key not known here";
    } else {
        err = 0;
    }
out:
    if (bad) {
        snprintf(why, why_len, "%s %s seq %llu: %s", fh_kind_name(env->kind), env->origin,
                 (unsigned long long)env->seq, bad);
        if (S.ctr)
            S.ctr[c]++;
        err = FH_EINVAL;
    }
    fh__signing_key__free_unpacked(k, NULL);
    return err;
}

int fh_sig_before_down_append(struct fh_txn *t, const uint8_t *buf, size_t len)
{
    if (!S.on)
        return 0;
    Fh__Envelope *env = fh__envelope__unpack(NULL, len, buf);
    int err = 0;
    if (env && env->proof && env->proof->key_id.len == FH_KEY_ID_LEN &&
        memcmp(env->proof->key_id.data, fh_signer_key_id(S.signer), FH_KEY_ID_LEN) != 0 &&
        !marked(t, 'd', env->proof->key_id.data)) {
        Fh__SigningKey *k = fh_sig_key(t, env->proof->key_id.data);
        err = k ? append_key_entry(t, k) : 0;   /* unknown: it was refused on receipt */
        fh__signing_key__free_unpacked(k, NULL);
    }
    fh__envelope__free_unpacked(env, NULL);
    return err;
}

struct each {
    fh_sig_key_fn fn;
    void *arg;
};

static int each_one(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    struct each *e = arg;
    (void)key;
    (void)klen;
    Fh__SigningKey *k = fh__signing_key__unpack(NULL, vlen, val);
    if (!k)
        return 0;   /* a damaged record: skipped */
    int err = e->fn(e->arg, k);
    fh__signing_key__free_unpacked(k, NULL);
    return err;
}

int fh_sig_each_key(struct fh_store *st, fh_sig_key_fn fn, void *arg)
{
    struct each e = {fn, arg};
    return fh_kv_each(st, NULL, "k", 2, each_one, &e);
}
