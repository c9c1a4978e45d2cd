/* report.c - envelope encoding and the checks every received part goes through.
 *
 * The kind table maps each Kind to its body's protobuf-c descriptor; it is the one place
 * a new kind is added. Decoding checks the cheapest things first (size, then version,
 * path and kind) so garbage costs little. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "path.h"

/* lane: where its relay duty waits; state: a newer sample replaces an older one (and
 * may be coalesced); latest: each origin's latest report of the kind is kept apart. */
static const struct {
    const char *name;
    const ProtobufCMessageDescriptor *body;
    enum fh_lane lane;
    bool state;
    bool latest;
} kinds[] = {
    [FH__KIND__KIND_HELLO] = {"hello", &fh__hello__descriptor, FH_LANE_URGENT, false},
    [FH__KIND__KIND_HEALTH] = {"health", &fh__health__descriptor, FH_LANE_BULK, true, true},
    [FH__KIND__KIND_ACK] = {"ack", &fh__ack__descriptor, FH_LANE_URGENT, false},
    [FH__KIND__KIND_PATCH] = {"patch", &fh__patch_state__descriptor, FH_LANE_BULK, false},
    [FH__KIND__KIND_DETECTION] = {"detection", &fh__detection__descriptor, FH_LANE_URGENT,
                                  false},
    [FH__KIND__KIND_INCIDENT] = {"incident", &fh__incident__descriptor, FH_LANE_URGENT, false},
    [FH__KIND__KIND_ROLLUP] = {"rollup", &fh__rollup__descriptor, FH_LANE_BULK, false},
    [FH__KIND__KIND_WARNING] = {"warning", &fh__warning__descriptor, FH_LANE_URGENT, false},
    [FH__KIND__KIND_ADVISORY] = {"advisory", &fh__advisory__descriptor, FH_LANE_URGENT, false},
    [FH__KIND__KIND_WARNING_ACK] = {"warning_ack", &fh__warning_ack__descriptor,
                                    FH_LANE_URGENT, false},
    [FH__KIND__KIND_DROP_NOTICE] = {"drop_notice", &fh__drop_notice__descriptor,
                                    FH_LANE_URGENT, false, true},
    [FH__KIND__KIND_SERVICE] = {"service", &fh__service_event__descriptor, FH_LANE_URGENT,
                                false},
    [FH__KIND__KIND_ADVISORY_ANSWER] = {"advisory_answer", &fh__advisory_answer__descriptor,
                                        FH_LANE_URGENT, false},
    [FH__KIND__KIND_ENROL_REQUEST] = {"enrol_request", &fh__enrol_request__descriptor,
                                      FH_LANE_URGENT, false},
    [FH__KIND__KIND_ENROL_ANSWER] = {"enrol_answer", &fh__enrol_answer__descriptor,
                                     FH_LANE_URGENT, false},
    [FH__KIND__KIND_KEY] = {"key", &fh__signing_key__descriptor, FH_LANE_URGENT, false},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

const ProtobufCMessageDescriptor *fh_kind_body(int kind)
{
    return kind > 0 && (size_t)kind < NKINDS ? kinds[kind].body : NULL;
}

const char *fh_kind_name(int kind)
{
    return kind > 0 && (size_t)kind < NKINDS && kinds[kind].name ? kinds[kind].name
                                                                   : "unknown";
}

enum fh_lane fh_kind_lane(int kind)
{
    return fh_kind_body(kind) ? kinds[kind].lane : FH_LANE_URGENT;
}

bool fh_kind_is_state(int kind)
{
    return fh_kind_body(kind) && kinds[kind].state;
}

bool fh_kind_keeps_latest(int kind)
{
    return fh_kind_body(kind) && kinds[kind].latest;
}

int fh_report_series(const void *bytes, size_t len, uint64_t *series, void *arg)
{
    (void)arg;
    Fh__Envelope *env = fh__envelope__unpack(NULL, len, bytes);
    if (!env)
        return 0;
    int state = fh_kind_is_state(env->kind) && env->origin;
    if (state) {
        uint64_t h = 1469598103934665603ull; /* FNV-1a over origin and kind */
        for (const char *c = env->origin; *c; c++)
            h = (h ^ (unsigned char)*c) * 1099511628211ull;
        *series = (h ^ (uint64_t)env->kind) * 1099511628211ull;
    }
    fh__envelope__free_unpacked(env, NULL);
    return state;
}

int fh_report_encode_bytes(const char *origin, uint64_t seq, uint64_t time_us, int kind,
                           const uint8_t *body, size_t len, uint8_t **out, size_t *out_len)
{
    if (len > FH_MAX_ENVELOPE_BYTES)
        return FH_ETOOBIG;
    Fh__Envelope env = FH__ENVELOPE__INIT;
    env.version = FH_PROTO_VERSION;
    env.origin = (char *)origin;
    env.seq = seq;
    env.time_us = time_us;
    env.kind = (Fh__Kind)kind;
    env.body.data = (uint8_t *)body;
    env.body.len = len;
    size_t n = fh__envelope__get_packed_size(&env);
    if (n > FH_MAX_ENVELOPE_BYTES)
        return FH_ETOOBIG;
    if (!(*out = malloc(n)))
        return FH_ENOMEM;
    fh__envelope__pack(&env, *out);
    *out_len = n;
    return 0;
}

int fh_report_encode(const char *origin, uint64_t seq, uint64_t time_us, int kind,
                     const ProtobufCMessage *body, uint8_t **out, size_t *len)
{
    uint8_t *bbuf = NULL;
    size_t blen = body ? protobuf_c_message_get_packed_size(body) : 0;
    if (blen > FH_MAX_ENVELOPE_BYTES)
        return FH_ETOOBIG;
    if (blen) {
        if (!(bbuf = malloc(blen)))
            return FH_ENOMEM;
        protobuf_c_message_pack(body, bbuf);
    }
    int err = fh_report_encode_bytes(origin, seq, time_us, kind, bbuf, blen, out, len);
    free(bbuf);
    return err;
}

int fh_report_decode(const uint8_t *buf, size_t len, Fh__Envelope **out,
                     enum fh_counter *why)
{
    if (len > FH_MAX_ENVELOPE_BYTES) {
        *why = FH_CTR_REFUSED_TOOBIG;
        return FH_ETOOBIG;
    }
    Fh__Envelope *env = fh__envelope__unpack(NULL, len, buf);
    if (!env) {
        *why = FH_CTR_REFUSED_MALFORMED;
        return FH_EMALFORMED;
    }
    int err = 0;
    if (env->version != FH_PROTO_VERSION) {
        *why = FH_CTR_REFUSED_VERSION;
        err = FH_EVERSION;
    } else if (!fh_path_valid(env->origin)) {
        *why = FH_CTR_REFUSED_PATH;
        err = FH_EINVAL;
    } else if (!fh_kind_body(env->kind)) {
        *why = FH_CTR_REFUSED_KIND;
        err = FH_EINVAL;
    }
    if (err) {
        fh__envelope__free_unpacked(env, NULL);
        return err;
    }
    *out = env;
    return 0;
}

int fh_report_body(const Fh__Envelope *env, ProtobufCMessage **out)
{
    const ProtobufCMessageDescriptor *d = fh_kind_body(env->kind);
    if (!d)
        return FH_EINVAL;
    *out = protobuf_c_message_unpack(d, NULL, env->body.len, env->body.data);
    return *out ? 0 : FH_EMALFORMED;
}
