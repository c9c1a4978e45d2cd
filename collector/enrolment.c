/* enrolment.c - redeem tokens sent to the enrolment endpoint (see enrolment.h).
 *
 * Messages are [routing id][ENROL_REQUEST envelope]. Everything is checked before the
 * store is touched: the part count, the envelope (bounded decode), the kind, the body,
 * the secret's and the signing key's lengths, the role, and that the connection has an
 * authenticated key. A request that cannot be answered (no routing id) is only counted. */
#include "enrolment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fenghuo.pb-c.h"
#include "link.h"
#include "log.h"
#include "peers.h"
#include "report.h"
#include "zap.h"

#define MAX_ROUTING_ID 256

struct fh_enrolment {
    struct fh_enrolment_opts o;
    char scope[FH_PATH_MAX];
    struct fh_link *link;
    bool dirty;
    struct fh_log_limit lim;
};

static void answer(struct fh_enrolment *e, struct fh_link *l, zmq_msg_t *rid, bool ok,
                   const char *reason, const char *scope)
{
    Fh__EnrolAnswer a = FH__ENROL_ANSWER__INIT;
    a.ok = ok;
    a.reason = (char *)reason;
    a.scope = (char *)scope;
    a.collector = e->scope;
    a.collector_key = (char *)e->o.keys->curve_public;
    a.collector_sign_key = (ProtobufCBinaryData){FH_ED25519_LEN,
                                                 (uint8_t *)e->o.keys->sign_public};
    uint8_t *buf;
    size_t len;
    if (fh_report_encode(e->scope, 0, fh_now_us(), FH__KIND__KIND_ENROL_ANSWER, &a.base, &buf,
                         &len) != 0)
        return;
    struct iovec iov[2] = {{zmq_msg_data(rid), zmq_msg_size(rid)}, {buf, len}};
    fh_link_send(l, iov, 2);
    free(buf);
}

static void refuse(struct fh_enrolment *e, struct fh_link *l, zmq_msg_t *rid,
                   const char *from, const char *why)
{
    e->o.counters[FH_CTR_REFUSED_TOKEN]++;
    e->dirty = true;
    fh_log_limited(&e->lim, 60, FH_LOG_WARN, "refused input (%s) from %s: %s",
                   fh_counter_name(FH_CTR_REFUSED_TOKEN), from, why);
    if (rid)
        answer(e, l, rid, false, why, "");
}

/* Check the request and redeem its token for the connection's key. */
static void handle(struct fh_enrolment *e, struct fh_link *l, zmq_msg_t *rid,
                   zmq_msg_t *part)
{
    Fh__Envelope *env = NULL;
    ProtobufCMessage *body = NULL;
    enum fh_counter why;
    const char *key = fh_link_user_id(part);
    if (!key || !fh_keys_z85_valid(key)) {
        refuse(e, l, rid, "?", "no authenticated key");
        return;
    }
    if (fh_report_decode(zmq_msg_data(part), zmq_msg_size(part), &env, &why) != 0 ||
        env->kind != FH__KIND__KIND_ENROL_REQUEST || fh_report_body(env, &body) != 0) {
        refuse(e, l, rid, key, "not an enrolment request");
        goto out;
    }
    const Fh__EnrolRequest *q = (const Fh__EnrolRequest *)body;
    if (q->token_secret.len != FH_TOKEN_SECRET_LEN ||
        (q->sign_public_key.len != 0 && q->sign_public_key.len != FH_ED25519_LEN) ||
        (q->role != FH__ROLE__ROLE_AGENT && q->role != FH__ROLE__ROLE_COLLECTOR)) {
        refuse(e, l, rid, key, "malformed enrolment request");
        goto out;
    }
    struct fh_peer p = {.role = q->role, .has_sign = q->sign_public_key.len != 0};
    snprintf(p.key, sizeof p.key, "%s", key);
    snprintf(p.path, sizeof p.path, "%s", env->origin);   /* valid: decode checked it */
    if (p.has_sign)
        memcpy(p.sign_public, q->sign_public_key.data, FH_ED25519_LEN);
    enum fh_redeem result;
    int err = fh_tokens_redeem(e->o.st, q->token_secret.data, fh_now_us(), &p, &result);
    if (err) {
        fh_log(FH_LOG_ERROR, "enrolment of %s: store: %s", env->origin, fh_strerror(err));
        answer(e, l, rid, false, "the collector cannot store the registration now", "");
    } else if (result != FH_REDEEM_OK) {
        char detail[FH_PATH_MAX + 96];
        snprintf(detail, sizeof detail, "%s (for %s)", fh_redeem_name(result), env->origin);
        refuse(e, l, rid, key, detail);
    } else {
        e->o.counters[FH_CTR_ENROLLED]++;
        e->dirty = true;
        fh_log(FH_LOG_INFO, "enrolled %s %s (host %.64s) with key %s for scope %s",
               q->role == FH__ROLE__ROLE_AGENT ? "agent" : "collector", env->origin,
               q->hostname, key, p.path);
        answer(e, l, rid, true, "", p.path);
    }
out:
    if (body)
        protobuf_c_message_free_unpacked(body, NULL);
    if (env)
        fh__envelope__free_unpacked(env, NULL);
}

static void on_message(struct fh_link *l, zmq_msg_t *parts, size_t n, bool truncated,
                       void *arg)
{
    struct fh_enrolment *e = arg;
    bool rid_ok = n >= 1 && zmq_msg_size(&parts[0]) <= MAX_ROUTING_ID;
    if (truncated || n != 2 || !rid_ok) {
        refuse(e, l, rid_ok ? &parts[0] : NULL, "?", "an enrolment message is one part");
        return;
    }
    handle(e, l, &parts[0], &parts[1]);
}

int fh_enrolment_start(uv_loop_t *loop, void *zctx, const struct fh_enrolment_opts *o,
                       struct fh_enrolment **out)
{
    struct fh_enrolment *e = calloc(1, sizeof *e);
    if (!e)
        return FH_ENOMEM;
    e->o = *o;
    snprintf(e->scope, sizeof e->scope, "%s", o->scope);
    struct fh_link_cbs cbs = {.on_message = on_message, .arg = e};
    struct fh_link_opts lo = {.curve_secret = o->keys->curve_secret,
                              .zap_domain = FH_ZAP_DOMAIN_ENROL};
    int err = fh_link_bind(loop, zctx, o->endpoint, &lo, &cbs, &e->link);
    if (err) {
        free(e);
        return err;
    }
    *out = e;
    return 0;
}

const char *fh_enrolment_endpoint(const struct fh_enrolment *e)
{
    return fh_link_endpoint(e->link);
}

bool fh_enrolment_take_dirty(struct fh_enrolment *e)
{
    bool d = e && e->dirty;
    if (e)
        e->dirty = false;
    return d;
}

void fh_enrolment_stop(struct fh_enrolment *e)
{
    if (!e)
        return;
    fh_link_close(e->link);
    free(e);
}
