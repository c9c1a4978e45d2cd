/* origin.c - encode, number, sign and commit an own report (see origin.h).
 *
 * Every own report is signed here, when it is committed, with the node's signing key
 * (sig.h; none with security.curve off): one report alone is a group of one; a group
 * committed together (fh_origin_emit_group) shares one signature. */
#include "origin.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "outbox.h"
#include "report.h"
#include "sig.h"
#include "signer.h"

int fh_origin_emit_bytes(struct fh_store *st, const char *path, int kind,
                         const uint8_t *body, size_t len, uint64_t *seq)
{
    uint8_t *buf;
    size_t n;
    uint64_t s = fh_store_next_seq(st);
    struct fh_sign_item it = {.origin = path, .seq = s, .time_us = fh_now_us(), .kind = kind,
                              .body = body, .len = len};
    int err = fh_sign_encode(fh_sig_signer(), &it, 1, &buf, &n);
    if (err)
        return err;
    err = fh_store_put_own(st, s, buf, n, fh_kind_lane(kind));
    if (err == FH_EFULL && fh_store_grow(st) == 0)
        err = fh_store_put_own(st, s, buf, n, fh_kind_lane(kind));
    free(buf);
    if (err == 0 && seq)
        *seq = s;
    return err;
}

int fh_origin_emit(struct fh_store *st, const char *path, int kind,
                   const ProtobufCMessage *body, uint64_t *seq)
{
    size_t len = body ? protobuf_c_message_get_packed_size(body) : 0;
    if (len > FH_MAX_ENVELOPE_BYTES)
        return FH_ETOOBIG;
    uint8_t *buf = len ? malloc(len) : NULL;
    if (len && !buf)
        return FH_ENOMEM;
    if (len)
        protobuf_c_message_pack(body, buf);
    int err = fh_origin_emit_bytes(st, path, kind, buf, len, seq);
    free(buf);
    return err;
}

int fh_origin_emit_txn(struct fh_txn *t, const char *path, int kind,
                       const ProtobufCMessage *body, uint64_t seq, bool send, uint8_t **env,
                       size_t *env_len)
{
    size_t blen = body ? protobuf_c_message_get_packed_size(body) : 0;
    if (blen > FH_MAX_ENVELOPE_BYTES)
        return FH_ETOOBIG;
    uint8_t *bbuf = blen ? malloc(blen) : NULL;
    if (blen && !bbuf)
        return FH_ENOMEM;
    if (blen)
        protobuf_c_message_pack(body, bbuf);
    struct fh_sign_item it = {.origin = path, .seq = seq, .time_us = fh_now_us(),
                              .kind = kind, .body = bbuf, .len = blen};
    int err = fh_sign_encode(fh_sig_signer(), &it, 1, env, env_len);
    free(bbuf);
    if (err)
        return err;
    if ((err = fh_store_put_own_txn(t, seq, send ? *env : NULL, *env_len,
                                    fh_kind_lane(kind)))) {
        free(*env);
        *env = NULL;
    }
    return err;
}

int fh_origin_emit_group(struct fh_store *st, const char *path, size_t n, const int *kinds,
                         const uint8_t *const *bodies, const size_t *lens, uint64_t *seqs)
{
    if (n == 0 || n > FH_SIGN_GROUP_MAX)
        return FH_EINVAL;
    struct fh_sign_item *items = calloc(n, sizeof *items);
    uint8_t **bufs = calloc(n, sizeof *bufs);
    size_t *blens = calloc(n, sizeof *blens);
    struct fh_txn *t = NULL;
    int err = !items || !bufs || !blens ? FH_ENOMEM : 0;
    for (int attempt = 0; !err && attempt < 2; attempt++) {
        if ((err = fh_txn_begin(st, true, &t)))
            break;
        uint64_t first = fh_txn_next_seq(t), now = fh_now_us();
        for (size_t i = 0; i < n; i++)
            items[i] = (struct fh_sign_item){.origin = path, .seq = first + i, .time_us = now,
                                             .kind = kinds[i], .body = bodies[i],
                                             .len = lens[i]};
        if ((err = fh_sign_encode(fh_sig_signer(), items, n, bufs, blens))) {
            fh_txn_abort(t);
            break;
        }
        for (size_t i = 0; i < n && !err; i++)
            err = fh_store_put_own_txn(t, first + i, bufs[i], blens[i],
                                       fh_kind_lane(kinds[i]));
        for (size_t i = 0; i < n; i++) {
            free(bufs[i]);
            bufs[i] = NULL;
        }
        if (err)
            fh_txn_abort(t);
        else
            err = fh_txn_commit(t);
        if (!err && seqs)
            for (size_t i = 0; i < n; i++)
                seqs[i] = first + i;
        /* a full map: grow it once (as the disk allows) and sign the group again */
        if (err != FH_EFULL || attempt == 1 || fh_store_grow(st) != 0)
            break;
        err = 0;
    }
    free(items);
    free(bufs);
    free(blens);
    return err;
}

bool fh_origin_relieve(struct fh_store *st, const char *path, uint64_t bound_bytes,
                       uint64_t *ctr)
{
    uint64_t before = fh_outbox_bytes(st);
    if (before <= bound_bytes)
        return false;
    uint64_t dropped = 0;
    int err = fh_outbox_coalesce(st, fh_report_series, NULL, &dropped);
    if (err) {
        fh_log(FH_LOG_ERROR, "outbox over its bound and cannot be coalesced: %s",
               fh_strerror(err));
        return true;
    }
    uint64_t after = fh_outbox_bytes(st);
    if (dropped) {
        ctr[FH_CTR_COALESCED] += dropped;
        fh_log(FH_LOG_WARN, "outbox over its bound (%llu of %llu KiB): coalesced %llu older "
               "health samples, %llu KiB left; detections are kept",
               (unsigned long long)(before >> 10), (unsigned long long)(bound_bytes >> 10),
               (unsigned long long)dropped, (unsigned long long)(after >> 10));
        Fh__DropNotice dn = FH__DROP_NOTICE__INIT;
        dn.coalesced = ctr[FH_CTR_COALESCED];
        dn.refused = ctr[FH_CTR_OUTBOX_FULL];
        if ((err = fh_origin_emit(st, path, FH__KIND__KIND_DROP_NOTICE, &dn.base, NULL)))
            fh_log(FH_LOG_ERROR, "cannot keep a drop notice: %s", fh_strerror(err));
    }
    return after > bound_bytes;
}
