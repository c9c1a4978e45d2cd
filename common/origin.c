/* origin.c - encode, number and commit an own report (see origin.h). */
#include "origin.h"

#include <stdlib.h>

#include "err.h"
#include "log.h"
#include "outbox.h"
#include "report.h"

int fh_origin_emit_bytes(struct fh_store *st, const char *path, int kind,
                         const uint8_t *body, size_t len, uint64_t *seq)
{
    uint8_t *buf;
    size_t n;
    uint64_t s = fh_store_next_seq(st);
    int err = fh_report_encode_bytes(path, s, fh_now_us(), kind, body, len, &buf, &n);
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
    int err = fh_report_encode(path, seq, fh_now_us(), kind, body, env, env_len);
    if (err)
        return err;
    if ((err = fh_store_put_own_txn(t, seq, send ? *env : NULL, *env_len,
                                    fh_kind_lane(kind)))) {
        free(*env);
        *env = NULL;
    }
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
