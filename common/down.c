/* down.c - the down log (see down.h).
 *
 * Database "down": key dseq (u64 big-endian), value [u16 scope length][scope][envelope].
 * The next key is read from the database the first time it is needed and kept in the
 * store, so a child that is up to date costs the parent no transaction per ack.
 * The cursor of a node in its parent's log is the meta key "down_cursor". */
#include "down.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "notice.h"
#include "path.h"
#include "report.h"
#include "sig.h"
#include "store_int.h"

#define META_DOWN_CURSOR "down_cursor"

static int load_next(struct fh_store *st, MDB_txn *txn)
{
    if (st->next_down)
        return 0;
    return fh_lmdb_next_key(txn, st->dbi[DB_DOWN], 1, 0, &st->next_down);
}

int fh_down_append(struct fh_txn *t, const char *scope, const uint8_t *env, size_t len,
                   uint64_t *dseq)
{
    size_t slen = strlen(scope);
    if (slen >= FH_PATH_MAX || len > FH_MAX_ENVELOPE_BYTES)
        return FH_EINVAL;
    /* the children must learn the key that signed env before they get env (sig.h) */
    int err = fh_sig_before_down_append(t, env, len);
    if (!err)
        err = load_next(t->st, t->txn);
    if (err)
        return err;
    uint8_t *buf = malloc(2 + slen + len);
    if (!buf)
        return FH_ENOMEM;
    buf[0] = (uint8_t)(slen >> 8);
    buf[1] = (uint8_t)slen;
    memcpy(buf + 2, scope, slen);
    memcpy(buf + 2 + slen, env, len);
    uint64_t key = t->st->next_down;
    err = fh_lmdb_append(t->txn, t->st->dbi[DB_DOWN], &t->st->next_down, buf, 2 + slen + len);
    free(buf);
    if (!err && dseq)
        *dseq = key;
    return err;
}

/* Split a log value; false when it is damaged. */
static bool split(const MDB_val *v, char *scope, const uint8_t **env, size_t *len)
{
    const uint8_t *p = v->mv_data;
    if (v->mv_size < 2)
        return false;
    size_t slen = (size_t)p[0] << 8 | p[1];
    if (slen >= FH_PATH_MAX || 2 + slen > v->mv_size)
        return false;
    memcpy(scope, p + 2, slen);
    scope[slen] = '\0';
    *env = p + 2 + slen;
    *len = v->mv_size - 2 - slen;
    return true;
}

static bool concerns(const char *scope, const char *child)
{
    return fh_path_within(scope, child) || fh_path_within(child, scope);
}

/* Walk the log after `after`; with child set, only what concerns it, within the bounds. */
static int walk(struct fh_store *st, const char *child, uint64_t after, fh_down_fn fn,
                void *arg, uint64_t *next)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    if (next)
        *next = after;
    int err = fh_lmdb_read_cursor(st, DB_DOWN, &txn, &cur);
    if (err)
        return err;
    unsigned char kb[8];
    fh_be64_put(kb, after + 1);
    MDB_val k = fh_lmdb_val(kb, 8), v;
    size_t sent = 0, bytes = 0, looked = 0;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    for (; rc == 0 && !err; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        uint64_t dseq = fh_be64_get(k.mv_data);
        char scope[FH_PATH_MAX];
        const uint8_t *env;
        size_t len;
        if (child && (sent == FH_DOWN_MAX_PER_ACK || looked == FH_DOWN_MAX_SCAN))
            break;
        looked++;
        if (!split(&v, scope, &env, &len)) {
            fh_log(FH_LOG_ERROR, "down log entry %llu is damaged: skipped",
                   (unsigned long long)dseq);
        } else if (!child || concerns(scope, child)) {
            if (child && sent && bytes + len > FH_DOWN_MAX_BYTES_PER_ACK)
                break;
            err = fn(arg, dseq, env, len);
            sent++;
            bytes += len;
        }
        if (next && !err)
            *next = dseq;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return err;
}

int fh_down_for_child(struct fh_store *st, const char *child_path, uint64_t after,
                      fh_down_fn fn, void *arg, uint64_t *next)
{
    *next = after;
    if (st->next_down && after + 1 >= st->next_down)
        return 0;   /* up to date: the common case */
    if (!st->next_down) {
        struct fh_txn *t;
        int err = fh_txn_begin(st, false, &t);
        if (err)
            return err;
        err = load_next(st, t->txn);
        fh_txn_abort(t);
        if (err)
            return err;
        if (after + 1 >= st->next_down)
            return 0;
    }
    return walk(st, child_path, after, fn, arg, next);
}

int fh_down_each(struct fh_store *st, fh_down_fn fn, void *arg)
{
    return walk(st, NULL, 0, fn, arg, NULL);
}

int fh_down_cursor(struct fh_store *st, uint64_t *out)
{
    struct fh_txn *t;
    *out = 0;
    int err = fh_txn_begin(st, false, &t);
    if (err)
        return err;
    err = fh_lmdb_load_u64(t->txn, st->dbi[DB_META], META_DOWN_CURSOR, out);
    fh_txn_abort(t);
    return err == FH_ENOTFOUND ? 0 : err;
}

/* Check and store one part; FH_EINVAL when it is refused for good. */
static int receive_one(struct fh_txn *t, const char *self, bool relay_down,
                       const uint8_t *buf, size_t len, fh_down_new_fn fn, void *arg)
{
    Fh__Envelope *env = NULL;
    ProtobufCMessage *body = NULL;
    enum fh_counter why;
    static struct fh_log_limit lim;
    char reason[160] = "";
    int err = FH_EINVAL;
    if (fh_report_decode(buf, len, &env, &why) != 0) {
        snprintf(reason, sizeof reason, "does not decode");
        goto out;
    }
    /* KEY entries (seq 0) tell the keys that sign what follows them (sig.h) */
    bool key = env->kind == FH__KIND__KIND_KEY && env->seq == 0;
    if ((env->kind != FH__KIND__KIND_WARNING && env->kind != FH__KIND__KIND_ADVISORY && !key) ||
        (env->seq == 0 && !key) || fh_report_body(env, &body) != 0) {
        snprintf(reason, sizeof reason, "not a warning or advisory");
        goto out;
    }
    if (!fh_path_within(env->origin, self) || strcmp(env->origin, self) == 0) {
        snprintf(reason, sizeof reason, "issuer %s is not above %s", env->origin, self);
        goto out;
    }
    if ((err = fh_sig_check_down(t, self, env, body, reason, sizeof reason)) != 0) {
        if (err == FH_EINVAL)
            err = FH_ESCOPE;   /* counted as a signature refusal there: skipped */
        goto out;
    }
    if (key)
        goto out;   /* recorded; nothing to store or pass on */
    err = FH_EINVAL;
    const char *scope = NULL;
    if (fh_notice_check(env, body, &scope, reason, sizeof reason) != 0)
        goto out;
    struct fh_report_ref ref = {.origin = env->origin, .seq = env->seq, .kind = env->kind,
                                .lane = fh_kind_lane(env->kind), .bytes = buf, .len = len};
    err = fh_store_accept(t, &ref, false);
    if (err == FH_EDUP) {
        err = 0;   /* sent again before our cursor moved: nothing to do */
        goto out;
    }
    if (!err && relay_down)
        err = fh_down_append(t, scope, buf, len, NULL);
    if (!err)
        err = fh_notice_record(t, env, body);
    if (!err && fn)
        err = fn(arg, t, env, body);
    /* Past the checks, t holds this part's writes: an error (fn's FH_EINVAL too) must
     * abort the receipt, never read as a refusal that is skipped and committed. */
    if (err == FH_EINVAL || err == FH_ESCOPE)
        err = FH_EAGAIN;
out:
    if (err == FH_EINVAL || err == FH_ESCOPE)
        fh_log_limited(&lim, 60, FH_LOG_WARN, "refused a %s from the parent: %s",
                       env ? fh_kind_name(env->kind) : "part", reason);
    if (body)
        protobuf_c_message_free_unpacked(body, NULL);
    if (env)
        fh__envelope__free_unpacked(env, NULL);
    return err;
}

int fh_down_receive(struct fh_store *st, const char *self, bool relay_down,
                    const uint8_t *const *parts, const size_t *lens, size_t n,
                    uint64_t down_next, fh_down_new_fn fn, void *arg, uint64_t *refused)
{
    struct fh_txn *t;
    int err = fh_txn_begin(st, true, &t);
    if (err)
        return err;
    uint64_t bad = 0;
    for (size_t i = 0; i < n && !err; i++) {
        err = receive_one(t, self, relay_down, parts[i], lens[i], fn, arg);
        if (err == FH_EINVAL) {
            bad++;
            err = 0;
        } else if (err == FH_ESCOPE) {
            err = 0;   /* a signature refusal, counted by sig.c */
        }
    }
    if (!err)
        err = fh_lmdb_save_u64(t->txn, st->dbi[DB_META], META_DOWN_CURSOR, down_next);
    if (err) {
        fh_txn_abort(t);
        st->next_down = 0;   /* appends of the aborted txn: read the key again */
        return err;
    }
    if ((err = fh_txn_commit(t))) {
        st->next_down = 0;
        return err;
    }
    if (refused)
        *refused += bad;
    return 0;
}
