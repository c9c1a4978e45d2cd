/* peers.c - the peers and tokens databases (see peers.h).
 *
 * Records are fixed little headers followed by the path, big-endian numbers:
 *   peer:  version, role, has_sign, 0, registered_us, last_seen_us, sign key (32), path
 *   token: version, role, 0, 0, created_us, expires_us, used_us, used_by (40), path
 * A record that does not parse is reported as FH_EMALFORMED and never trusted. */
#include "peers.h"

#include <lmdb.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "store_int.h"

#define REC_VERSION 1
#define PEER_HDR (4 + 8 + 8 + FH_ED25519_LEN)
#define TOKEN_HDR (4 + 8 + 8 + 8 + FH_Z85_KEY_LEN)
#define META_PEERS_GEN "peers_gen"

static size_t pack_peer(const struct fh_peer *p, unsigned char *b)
{
    size_t plen = strlen(p->path);
    b[0] = REC_VERSION;
    b[1] = (unsigned char)p->role;
    b[2] = p->has_sign;
    b[3] = 0;
    fh_be64_put(b + 4, p->registered_us);
    fh_be64_put(b + 12, p->last_seen_us);
    memcpy(b + 20, p->sign_public, FH_ED25519_LEN);
    memcpy(b + PEER_HDR, p->path, plen);
    return PEER_HDR + plen;
}

static int unpack_peer(const MDB_val *k, const MDB_val *v, struct fh_peer *p)
{
    const unsigned char *b = v->mv_data;
    size_t plen = v->mv_size - PEER_HDR;
    if (k->mv_size != FH_Z85_KEY_LEN || v->mv_size <= PEER_HDR || plen >= FH_PATH_MAX ||
        b[0] != REC_VERSION)
        return FH_EMALFORMED;
    memset(p, 0, sizeof *p);
    memcpy(p->key, k->mv_data, FH_Z85_KEY_LEN);
    p->role = b[1];
    p->has_sign = b[2] != 0;
    p->registered_us = fh_be64_get(b + 4);
    p->last_seen_us = fh_be64_get(b + 12);
    memcpy(p->sign_public, b + 20, FH_ED25519_LEN);
    memcpy(p->path, b + PEER_HDR, plen);
    return fh_path_valid(p->path) ? 0 : FH_EMALFORMED;
}

static size_t pack_token(const struct fh_token_rec *r, unsigned char *b)
{
    size_t plen = strlen(r->path);
    memset(b, 0, TOKEN_HDR);
    b[0] = REC_VERSION;
    b[1] = (unsigned char)r->role;
    fh_be64_put(b + 4, r->created_us);
    fh_be64_put(b + 12, r->expires_us);
    fh_be64_put(b + 20, r->used_us);
    memcpy(b + 28, r->used_by, strnlen(r->used_by, FH_Z85_KEY_LEN));
    memcpy(b + TOKEN_HDR, r->path, plen);
    return TOKEN_HDR + plen;
}

static int unpack_token(const MDB_val *k, const MDB_val *v, struct fh_token_rec *r)
{
    const unsigned char *b = v->mv_data;
    size_t plen = v->mv_size - TOKEN_HDR;
    if (k->mv_size != FH_TOKEN_HASH_LEN || v->mv_size <= TOKEN_HDR || plen >= FH_PATH_MAX ||
        b[0] != REC_VERSION)
        return FH_EMALFORMED;
    memset(r, 0, sizeof *r);
    memcpy(r->hash, k->mv_data, FH_TOKEN_HASH_LEN);
    r->role = b[1];
    r->created_us = fh_be64_get(b + 4);
    r->expires_us = fh_be64_get(b + 12);
    r->used_us = fh_be64_get(b + 20);
    memcpy(r->used_by, b + 28, FH_Z85_KEY_LEN);
    memcpy(r->path, b + TOKEN_HDR, plen);
    return fh_path_valid(r->path) ? 0 : FH_EMALFORMED;
}

static int put_peer(MDB_txn *txn, struct fh_store *st, const struct fh_peer *p)
{
    unsigned char b[PEER_HDR + FH_PATH_MAX];
    if (!fh_keys_z85_valid(p->key) || !fh_path_valid(p->path))
        return FH_EINVAL;
    MDB_val k = fh_lmdb_val(p->key, FH_Z85_KEY_LEN), v = fh_lmdb_val(b, pack_peer(p, b));
    return fh_lmdb_err(mdb_put(txn, st->dbi[DB_PEERS], &k, &v, 0), "put peer");
}

/* Run fn(txn, arg) in a write transaction of its own and commit it. */
static int in_write_txn(struct fh_store *st, int (*fn)(MDB_txn *, struct fh_store *,
                                                        void *), void *arg)
{
    struct fh_txn *t;
    int err = fh_txn_begin(st, true, &t);
    if (err)
        return err;
    if ((err = fn(t->txn, st, arg))) {
        fh_txn_abort(t);
        return err;
    }
    return fh_txn_commit(t);
}

static int do_put(MDB_txn *txn, struct fh_store *st, void *arg)
{
    return put_peer(txn, st, arg);
}

int fh_peers_put(struct fh_store *st, const struct fh_peer *p)
{
    return in_write_txn(st, do_put, (void *)p);
}

int fh_peers_get(struct fh_store *st, struct fh_txn *t, const char *key, struct fh_peer *out)
{
    if (strlen(key) != FH_Z85_KEY_LEN)
        return FH_ENOTFOUND;
    struct fh_txn *own = NULL;
    int err = t ? 0 : fh_txn_begin(st, false, &own);
    if (err)
        return err;
    MDB_val k = fh_lmdb_val(key, FH_Z85_KEY_LEN), v;
    int rc = mdb_get((t ? t : own)->txn, st->dbi[DB_PEERS], &k, &v);
    err = rc ? fh_lmdb_err(rc, "get peer") : unpack_peer(&k, &v, out);
    fh_txn_abort(own);
    return err;
}

int fh_peers_touch(struct fh_txn *t, const struct fh_peer *p, uint64_t now_us)
{
    struct fh_peer q = *p;
    q.last_seen_us = now_us;
    return put_peer(t->txn, t->st, &q);
}

struct revoke {
    const char *what;
    unsigned removed;
};

static int do_revoke(MDB_txn *txn, struct fh_store *st, void *arg)
{
    struct revoke *r = arg;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, st->dbi[DB_PEERS], &cur);
    if (rc)
        return fh_lmdb_err(rc, "cursor_open");
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        struct fh_peer p;
        bool bad = unpack_peer(&k, &v, &p) != 0;
        bool match = (k.mv_size == strlen(r->what) && memcmp(k.mv_data, r->what, k.mv_size) == 0)
                     || (!bad && strcmp(p.path, r->what) == 0);
        if (match && (rc = mdb_cursor_del(cur, 0)) != 0)
            break;
        r->removed += match;
    }
    mdb_cursor_close(cur);
    if (rc != MDB_NOTFOUND)
        return fh_lmdb_err(rc, "revoke");
    if (!r->removed)
        return FH_ENOTFOUND;
    uint64_t gen = 0;
    fh_lmdb_load_u64(txn, st->dbi[DB_META], META_PEERS_GEN, &gen);
    return fh_lmdb_save_u64(txn, st->dbi[DB_META], META_PEERS_GEN, gen + 1);
}

int fh_peers_revoke(struct fh_store *st, const char *key_or_path, unsigned *removed)
{
    struct revoke r = {.what = key_or_path};
    int err = in_write_txn(st, do_revoke, &r);
    *removed = err ? 0 : r.removed;
    return err;
}

uint64_t fh_peers_generation(struct fh_store *st)
{
    struct fh_txn *t;
    uint64_t gen = 0;
    if (fh_txn_begin(st, false, &t) == 0) {
        fh_lmdb_load_u64(t->txn, st->dbi[DB_META], META_PEERS_GEN, &gen);
        fh_txn_abort(t);
    }
    return gen;
}

struct peer_walk {
    fh_peer_fn fn;
    void *arg;
};

static int visit_peer(const MDB_val *k, const MDB_val *v, void *arg)
{
    struct peer_walk *w = arg;
    struct fh_peer p;
    return unpack_peer(k, v, &p) == 0 ? w->fn(&p, w->arg) : 0;
}

int fh_peers_each(struct fh_store *st, fh_peer_fn fn, void *arg)
{
    struct peer_walk w = {fn, arg};
    int stopped = 0, err = fh_lmdb_each(st, DB_PEERS, visit_peer, &w, &stopped);
    return err ? err : stopped;
}

static int do_put_token(MDB_txn *txn, struct fh_store *st, void *arg)
{
    const struct fh_token_rec *r = arg;
    unsigned char b[TOKEN_HDR + FH_PATH_MAX];
    if (!fh_path_valid(r->path))
        return FH_EINVAL;
    MDB_val k = fh_lmdb_val(r->hash, FH_TOKEN_HASH_LEN), v = fh_lmdb_val(b, pack_token(r, b));
    return fh_lmdb_err(mdb_put(txn, st->dbi[DB_TOKENS], &k, &v, MDB_NOOVERWRITE),
                       "put token");
}

int fh_tokens_put(struct fh_store *st, const struct fh_token_rec *r)
{
    return in_write_txn(st, do_put_token, (void *)r);
}

struct token_walk {
    fh_token_fn fn;
    void *arg;
};

static int visit_token(const MDB_val *k, const MDB_val *v, void *arg)
{
    struct token_walk *w = arg;
    struct fh_token_rec r;
    return unpack_token(k, v, &r) == 0 ? w->fn(&r, w->arg) : 0;
}

int fh_tokens_each(struct fh_store *st, fh_token_fn fn, void *arg)
{
    struct token_walk w = {fn, arg};
    int stopped = 0, err = fh_lmdb_each(st, DB_TOKENS, visit_token, &w, &stopped);
    return err ? err : stopped;
}

const char *fh_redeem_name(enum fh_redeem r)
{
    static const char *const names[] = {
        [FH_REDEEM_OK] = "ok", [FH_REDEEM_UNKNOWN] = "unknown token",
        [FH_REDEEM_EXPIRED] = "token expired", [FH_REDEEM_USED] = "token already used",
        [FH_REDEEM_ROLE] = "token is for another role",
        [FH_REDEEM_PATH] = "path outside the token's scope"};
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "refused";
}

struct redeem {
    const uint8_t *secret;
    uint64_t now_us;
    struct fh_peer *p;
    enum fh_redeem result;
};

static int do_redeem(MDB_txn *txn, struct fh_store *st, void *arg)
{
    struct redeem *r = arg;
    uint8_t hash[FH_TOKEN_HASH_LEN];
    fh_token_hash(r->secret, hash);
    MDB_val k = fh_lmdb_val(hash, sizeof hash), v;
    struct fh_token_rec rec;
    int rc = mdb_get(txn, st->dbi[DB_TOKENS], &k, &v);
    if (rc == MDB_NOTFOUND || (rc == 0 && unpack_token(&k, &v, &rec) != 0)) {
        r->result = FH_REDEEM_UNKNOWN;
        return FH_ENOTFOUND;                       /* nothing to write: abort */
    }
    if (rc)
        return fh_lmdb_err(rc, "get token");
    r->result = rec.used_us ? FH_REDEEM_USED
              : r->now_us >= rec.expires_us ? FH_REDEEM_EXPIRED
              : rec.role != r->p->role ? FH_REDEEM_ROLE
              : !fh_path_within(rec.path, r->p->path) ? FH_REDEEM_PATH
              : FH_REDEEM_OK;
    if (r->result != FH_REDEEM_OK)
        return FH_ENOTFOUND;
    rec.used_us = r->now_us;
    snprintf(rec.used_by, sizeof rec.used_by, "%s", r->p->key);
    snprintf(r->p->path, sizeof r->p->path, "%s", rec.path);
    r->p->registered_us = r->now_us;
    r->p->last_seen_us = 0;
    unsigned char b[TOKEN_HDR + FH_PATH_MAX];
    v = fh_lmdb_val(b, pack_token(&rec, b));
    if ((rc = mdb_put(txn, st->dbi[DB_TOKENS], &k, &v, 0)))
        return fh_lmdb_err(rc, "use token");
    return put_peer(txn, st, r->p);
}

int fh_tokens_redeem(struct fh_store *st, const uint8_t *secret, uint64_t now_us,
                     struct fh_peer *p, enum fh_redeem *result)
{
    struct redeem r = {.secret = secret, .now_us = now_us, .p = p,
                       .result = FH_REDEEM_UNKNOWN};
    int err = in_write_txn(st, do_redeem, &r);
    *result = r.result;
    return r.result != FH_REDEEM_OK ? 0 : err;
}
