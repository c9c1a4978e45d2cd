/* pipeline.c - the collector's receive path, in the order DESIGN.md gives it.
 *
 * A message from a child is [routing id][HELLO][report]...: the HELLO names the sender
 * and its batch. Each report part gets a verdict:
 *   decode      size bound, envelope, version, valid origin path, known kind   -> REFUSED
 *   scope       origin inside this collector's scope and inside the sender's path -> REFUSED
 *   body        decodes as the message its kind names                          -> REFUSED
 *   pressure    a health sample while the outbox is over its bound           -> RETRY
 *   dedup+store fh_store_accept(): STORED or DUPLICATE; relayed or kept as the relay
 *               policy says (relay_policy.h), what is kept counted for rollups (rollup.h)
 * Every refusal is counted under its reason and logged at most once a minute per reason.
 * Messages without a valid HELLO cannot be answered and are only counted.
 *
 * The store transaction of a round is opened at the first message and committed in
 * on_round_end, with the senders' "last seen" and the counters; only then are the acks
 * sent. If the commit fails (map or disk full), every STORED verdict of the round becomes
 * RETRY: the children keep their copies and send them again later. The map then grows
 * if it can; if it cannot, rounds shrink to one message each (and the credit given to
 * children to 16) until the map is under 3/4 full again, so what fits is stored. */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "down.h"
#include "err.h"
#include "incidents.h"
#include "guard.h"
#include "log.h"
#include "notice.h"
#include "origin.h"
#include "path.h"
#include "report.h"
#include "sig.h"
#include "tamper.h"
#include "rollup.h"
#include "routes.h"

#define MAX_ROUTING_ID 256
#define MAX_FDS 65536
#define FH_PUSH_MAX_AGE_MS (10 * 60 * 1000)   /* children heard from this recently */

struct pending {
    uint8_t rid[MAX_ROUTING_ID];
    size_t rid_len;
    char sender[FH_PATH_MAX];
    uint64_t down_seq;               /* the child's cursor in this node's down log */
    uint64_t batch;
    uint32_t n;
    uint8_t verdicts[FH_MAX_BATCH];
};

struct fh_pipeline {
    char scope[FH_PATH_MAX];
    bool relay;
    struct fh_store *st;
    uint64_t *ctr;
    uint64_t outbox_max;
    bool over_bound;                 /* the outbox is over its bound after coalescing */
    bool small_rounds;               /* the store was full: commit message by message, so
                                      * what fits is stored instead of nothing */
    uint64_t next_relieve_ms;
    uint64_t tally[FH_CTR_COUNT];    /* this round's counts, applied on commit */
    struct fh_txn *txn;
    bool store_failed;
    struct fh_incidents *incidents;  /* NULL: no incident engine (tests of delivery) */
    const struct fh_relay_policy *policy;  /* what goes up; NULL: everything */
    struct fh_routes *routes;        /* children's routing ids, to push the down log */
    uint64_t made;                   /* own reports (incidents) made in this round */
    struct pending pend[FH_LINK_MSGS_PER_ROUND];
    size_t npend;
    uint64_t stored_since;
    bool dirty;
    struct fh_log_limit lim[FH_CTR_COUNT];
    struct fh_guard *guard;          /* NULL: plain links, the HELLO is trusted */
    struct fh_peer peer;             /* the sender of the message being judged */
    Fh__Verdict scratch[FH_MAX_BATCH];
    /* Connections (by fd) that delivered a valid HELLO: one that closes without ever
     * doing so (an oversized frame, garbage, a scan) counts as link_dropped. */
    uint8_t good_fd[MAX_FDS / 8];
};

static void fd_mark(struct fh_pipeline *p, int fd, bool good)
{
    if (fd < 0 || fd >= MAX_FDS)
        return;
    if (good)
        p->good_fd[fd / 8] |= (uint8_t)(1u << (fd % 8));
    else
        p->good_fd[fd / 8] &= (uint8_t)~(1u << (fd % 8));
}

static bool fd_good(const struct fh_pipeline *p, int fd)
{
    return fd >= 0 && fd < MAX_FDS && (p->good_fd[fd / 8] >> (fd % 8) & 1u);
}

int fh_pipeline_new(const struct fh_pipeline_opts *o, struct fh_pipeline **out)
{
    if (!fh_path_valid(o->scope))
        return FH_EINVAL;
    struct fh_pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return FH_ENOMEM;
    snprintf(p->scope, sizeof p->scope, "%s", o->scope);
    p->relay = o->relay;
    p->st = o->st;
    p->ctr = o->counters;
    p->outbox_max = o->outbox_max_bytes ? o->outbox_max_bytes : UINT64_MAX;
    p->incidents = o->incidents;
    p->policy = o->policy;
    if (fh_routes_new(&p->routes) != 0) {
        free(p);
        return FH_ENOMEM;
    }
    if (o->curve && fh_guard_new(o->st, o->scope, &p->guard) != 0) {
        fh_routes_free(p->routes);
        free(p);
        return FH_ENOMEM;
    }
    *out = p;
    return 0;
}

void fh_pipeline_free(struct fh_pipeline *p)
{
    if (!p)
        return;
    fh_txn_abort(p->txn);
    fh_guard_free(p->guard);
    fh_routes_free(p->routes);
    free(p);
}

/* Count a refusal, apply it at once (it is not undone by a failed commit). */
static void refuse(struct fh_pipeline *p, enum fh_counter why, const char *from,
                   const char *detail)
{
    p->ctr[why]++;
    p->dirty = true;
    fh_log_limited(&p->lim[why], 60, FH_LOG_WARN, "refused input (%s) from %s: %s",
                   fh_counter_name(why), from, detail);
}

static bool ensure_txn(struct fh_pipeline *p)
{
    if (p->txn)
        return true;
    if (p->store_failed)
        return false;
    int err = fh_txn_begin(p->st, true, &p->txn);
    if (err) {
        fh_log(FH_LOG_ERROR, "pipeline: cannot begin a store transaction: %s",
               fh_strerror(err));
        p->store_failed = true;
        return false;
    }
    return true;
}

/* With CURVE on, the report's signature (sig.h), in the round's transaction: 0 when it
 * verifies, 1 when *v was set (refused, or retry while its key is not known here), or
 * FH_ESTORE when the transaction failed. */
static int signed_ok(struct fh_pipeline *p, const char *sender, const Fh__Envelope *env,
                     const ProtobufCMessage *body, Fh__Verdict *v)
{
    char detail[FH_PATH_MAX * 2 + 96];
    enum fh_counter why;
    if (!p->guard || !fh_sig_on())
        return 0;
    switch (fh_sig_check_up(p->txn, &p->peer, env, body, p->relay, fh_now_us(), &p->made,
                            &why, detail, sizeof detail)) {
    case FH_SIG_OK:
        return 0;
    case FH_SIG_RETRY:
        p->ctr[why]++;
        p->dirty = true;
        fh_log_limited(&p->lim[why], 60, FH_LOG_WARN, "retry asked of %s: %s", sender, detail);
        *v = FH__VERDICT__VERDICT_RETRY;
        return 1;
    case FH_SIG_REFUSED:
        if (why == FH_CTR_STORE_FULL)
            return FH_ESTORE;
        refuse(p, why, sender, detail);
        return 1;
    }
    return 1;
}

/* The verdict for one report part. */
static Fh__Verdict judge(struct fh_pipeline *p, const char *sender, const uint8_t *buf,
                         size_t len)
{
    Fh__Envelope *env = NULL;
    ProtobufCMessage *body = NULL;
    enum fh_counter why;
    Fh__Verdict v = FH__VERDICT__VERDICT_REFUSED;
    uint8_t *tampered = NULL;
    if (fh_report_decode(buf, len, &env, &why) != 0) {
        refuse(p, why, sender, "report does not decode or fails its checks");
        return v;
    }
    if (env->kind == FH__KIND__KIND_HELLO || env->kind == FH__KIND__KIND_ACK ||
        env->kind == FH__KIND__KIND_ENROL_REQUEST || env->kind == FH__KIND__KIND_ENROL_ANSWER ||
        env->seq == 0) {
        refuse(p, FH_CTR_REFUSED_KIND, sender, "link message or seq 0 where a report belongs");
        goto out;
    }
    /* The key's registered scope is a fact; the HELLO's sender only a claim. */
    if (p->guard && fh_path_within_valid(p->scope, env->origin) &&
        !fh_path_within_valid(p->peer.path, env->origin)) {
        refuse(p, FH_CTR_REFUSED_KEY_SCOPE, sender, env->origin);
        fh_guard_impersonation(p->guard, &p->peer, env->origin);
        goto out;
    }
    /* scope, sender and origin were all validated (pipeline_new, read_hello, decode) */
    if (!fh_path_within_valid(p->scope, env->origin) ||
        !fh_path_within_valid(sender, env->origin)) {
        refuse(p, FH_CTR_REFUSED_SCOPE, sender, env->origin);
        goto out;
    }
    if (fh_report_body(env, &body) != 0) {
        refuse(p, FH_CTR_REFUSED_MALFORMED, sender, "body does not decode for its kind");
        goto out;
    }
    char bad[128];
    if (env->kind == FH__KIND__KIND_ROLLUP &&
        fh_rollup_check(env, (const Fh__Rollup *)body, bad, sizeof bad) != 0) {
        refuse(p, FH_CTR_REFUSED_MALFORMED, sender, bad);
        goto out;
    }
    bool relay = p->relay && fh_relay_sends(p->policy, env->kind);   /* relay_policy.h */
    if (p->over_bound && relay && fh_kind_is_state(env->kind)) {
        /* The outbox is full of what must not be dropped: the child keeps this sample
         * (and coalesces its own) until there is room. */
        p->tally[FH_CTR_OUTBOX_FULL]++;
        v = FH__VERDICT__VERDICT_RETRY;
        goto out;
    }
    if (!ensure_txn(p)) {
        v = FH__VERDICT__VERDICT_RETRY;
        goto out;
    }
    int sig = signed_ok(p, sender, env, body, &v);   /* sig.h: before anything is kept */
    if (sig > 0)
        goto out;
    if (relay && fh_tamper_relay(env, &tampered, &len))   /* TEST ONLY: tamper.h */
        buf = tampered;
    struct fh_report_ref ref = {.origin = env->origin, .seq = env->seq, .kind = env->kind,
                                .keep_latest = fh_kind_keeps_latest(env->kind),
                                .lane = fh_relay_lane(p->policy, env->kind, body),
                                .bytes = buf, .len = len};
    int err = sig ? sig : fh_store_accept(p->txn, &ref, relay);
    if (err == 0)
        err = fh_notice_record(p->txn, env, body);   /* warnings, advisories, answers */
    if (err == 0)
        err = fh_rollup_on_report(p->txn, env, body, relay);   /* counted if kept here */
    if (err == 0 && p->incidents)
        err = fh_incidents_on_report(p->incidents, p->txn, sender, env, body, fh_now_us(),
                                     &p->made);
    switch (err) {
    case 0:
        v = FH__VERDICT__VERDICT_STORED;
        p->tally[FH_CTR_STORED]++;
        break;
    case FH_EDUP:
        v = FH__VERDICT__VERDICT_DUPLICATE;
        p->tally[FH_CTR_DUPLICATE]++;
        break;
    default:
        /* The transaction is unusable: nothing of this round can be stored. */
        fh_log(FH_LOG_ERROR, "pipeline: store: %s; not acknowledging this round",
               fh_strerror(err));
        fh_txn_abort(p->txn);
        p->txn = NULL;
        p->store_failed = true;
        v = FH__VERDICT__VERDICT_RETRY;
    }
out:
    if (body)
        protobuf_c_message_free_unpacked(body, NULL);
    free(tampered);
    fh__envelope__free_unpacked(env, NULL);
    return v;
}

/* Decode the HELLO part: the sender must be a valid path strictly inside the scope. */
static Fh__Hello *read_hello(struct fh_pipeline *p, const zmq_msg_t *part, char *sender)
{
    Fh__Envelope *env = NULL;
    ProtobufCMessage *body = NULL;
    enum fh_counter why;
    if (fh_report_decode(zmq_msg_data((zmq_msg_t *)part), zmq_msg_size((zmq_msg_t *)part),
                         &env, &why) != 0) {
        refuse(p, why == FH_CTR_REFUSED_VERSION ? why : FH_CTR_REFUSED_HELLO, "?",
               "first part is not a valid envelope");
        return NULL;
    }
    if (env->kind != FH__KIND__KIND_HELLO || fh_report_body(env, &body) != 0) {
        refuse(p, FH_CTR_REFUSED_HELLO, env->origin, "first part is not a HELLO");
    } else if (!fh_path_within_valid(p->scope, env->origin) ||
               strcmp(p->scope, env->origin) == 0) {
        refuse(p, FH_CTR_REFUSED_SCOPE, env->origin, "sender is outside this scope");
    } else {
        snprintf(sender, FH_PATH_MAX, "%s", env->origin);
        fh__envelope__free_unpacked(env, NULL);
        return (Fh__Hello *)body;
    }
    if (body)
        protobuf_c_message_free_unpacked(body, NULL);
    fh__envelope__free_unpacked(env, NULL);
    return NULL;
}

void fh_pipeline_on_message(struct fh_link *l, zmq_msg_t *parts, size_t n, bool truncated,
                            void *arg)
{
    struct fh_pipeline *p = arg;
    char sender[FH_PATH_MAX];
    if (truncated) {
        refuse(p, FH_CTR_REFUSED_TOOMANY, "?", "message has too many parts");
        return;
    }
    if (n < 2 || zmq_msg_size(&parts[0]) > MAX_ROUTING_ID) {
        refuse(p, FH_CTR_REFUSED_HELLO, "?", "message without a HELLO part");
        return;
    }
    int fd = fh_link_msg_fd(&parts[1]);
    if (p->guard && (ensure_txn(p), fh_guard_sender(p->guard, p->txn, &parts[1], &p->peer))) {
        /* revoked while connected (ZAP checked it at connect): refuse, drop at once */
        const char *key = fh_link_user_id(&parts[1]);
        refuse(p, FH_CTR_REFUSED_REVOKED, key ? key : "?",
               "key not registered (revoked): connection dropped");
        fh_link_drop_fd(l, fd);
        return;
    }
    Fh__Hello *hello = read_hello(p, &parts[1], sender);
    if (!hello)
        return;
    if (p->guard && !fh_path_within_valid(p->peer.path, sender)) {
        refuse(p, FH_CTR_REFUSED_KEY_SCOPE, sender, "HELLO outside the key's registered scope");
        fh_guard_impersonation(p->guard, &p->peer, sender);
        protobuf_c_message_free_unpacked(&hello->base, NULL);
        return;
    }
    if (p->guard)
        fh_guard_track(p->guard, fd, p->peer.key);
    fd_mark(p, fd, true);
    if (p->npend == FH_LINK_MSGS_PER_ROUND)
        fh_pipeline_on_round_end(l, p);   /* never happens with the link's bound */
    struct pending *pd = &p->pend[p->npend++];
    pd->rid_len = zmq_msg_size(&parts[0]);
    memcpy(pd->rid, zmq_msg_data(&parts[0]), pd->rid_len);
    pd->batch = hello->batch;
    pd->down_seq = hello->down_seq;
    snprintf(pd->sender, sizeof pd->sender, "%s", sender);
    fh_routes_seen(p->routes, sender, pd->rid, pd->rid_len, hello->down_seq, fh_mono_ms());
    pd->n = (uint32_t)(n - 2);
    for (size_t i = 2; i < n; i++)
        pd->verdicts[i - 2] = (uint8_t)judge(p, sender, zmq_msg_data(&parts[i]),
                                             zmq_msg_size(&parts[i]));
    if (ensure_txn(p)) {
        struct fh_child c = {.last_seen_us = fh_now_us(), .reports = n - 2,
                             .outbox_depth = hello->outbox_depth,
                             .dead_letters = hello->dead_letters, .role = hello->role};
        c.first_seen_us = c.last_seen_us;
        snprintf(c.software, sizeof c.software, "%s", hello->software);
        if (fh_store_child_seen(p->txn, sender, &c) != 0) {
            fh_txn_abort(p->txn);
            p->txn = NULL;
            p->store_failed = true;
        }
    }
    protobuf_c_message_free_unpacked(&hello->base, NULL);
    if (p->small_rounds)
        fh_pipeline_on_round_end(l, p);
}

/* Down-log entries for one ack, copied out of the log's read transaction. */
struct down_parts {
    size_t n;
    uint64_t dseq[FH_DOWN_MAX_PER_ACK];
    uint8_t *buf[FH_DOWN_MAX_PER_ACK];
    size_t len[FH_DOWN_MAX_PER_ACK];
};

static int take_down(void *arg, uint64_t dseq, const uint8_t *env, size_t len)
{
    struct down_parts *d = arg;
    if (d->n == FH_DOWN_MAX_PER_ACK || !(d->buf[d->n] = malloc(len)))
        return FH_ENOMEM;
    memcpy(d->buf[d->n], env, len);
    d->len[d->n] = len;
    d->dseq[d->n++] = dseq;
    return 0;
}

/* Send the ack of pd with the down-log entries the child has not stored; returns how far
 * in the log the child may move its cursor. */
static uint64_t send_ack(struct fh_pipeline *p, struct fh_link *l, const struct pending *pd)
{
    Fh__Ack ack = FH__ACK__INIT;
    ack.batch = pd->batch;
    ack.n_verdicts = pd->n;
    ack.verdicts = p->scratch;
    for (uint32_t i = 0; i < pd->n; i++)
        p->scratch[i] = (Fh__Verdict)pd->verdicts[i];
    /* Credit: what the child may have in flight. Small while the outbox is over its
     * bound, so a slow parent slows its children instead of making anyone drop. */
    ack.credit = p->over_bound || p->small_rounds ? 16 : 8 * FH_MAX_BATCH;
    ack.receiver_time_us = fh_now_us();
    ack.receiver = p->scope;
    /* Warnings and advisories the child has not stored yet ride along. When the log
     * cannot be read, the ack goes without them: they come with a later one. */
    struct down_parts down = {0};
    uint64_t next = pd->down_seq;
    if (fh_down_for_child(p->st, pd->sender, pd->down_seq, take_down, &down, &next) != 0) {
        for (size_t i = 0; i < down.n; i++)
            free(down.buf[i]);
        down.n = 0;
        next = pd->down_seq;
    }
    ack.down_seqs = down.dseq;
    ack.n_down_seqs = down.n;
    ack.down_next = next;
    uint8_t *buf;
    size_t len;
    if (fh_report_encode(p->scope, 0, ack.receiver_time_us, FH__KIND__KIND_ACK, &ack.base,
                         &buf, &len) == 0) {
        struct iovec iov[2 + FH_DOWN_MAX_PER_ACK] = {
            {.iov_base = (void *)pd->rid, .iov_len = pd->rid_len},
            {.iov_base = buf, .iov_len = len}};
        for (size_t i = 0; i < down.n; i++)
            iov[2 + i] = (struct iovec){.iov_base = down.buf[i], .iov_len = down.len[i]};
        if (fh_link_send(l, iov, 2 + down.n) != 0)
            fh_log(FH_LOG_DEBUG, "pipeline: ack for batch %llu not sent (child gone)",
                   (unsigned long long)pd->batch);
        free(buf);
    }
    for (size_t i = 0; i < down.n; i++)
        free(down.buf[i]);
    return next;
}

struct push {
    struct fh_pipeline *p;
    struct fh_link *l;
    size_t sent;
};

static void push_one(void *arg, const struct fh_route *r)
{
    struct push *push = arg;
    struct pending pd = {.rid_len = r->rid_len, .down_seq = r->down_seq};
    memcpy(pd.rid, r->rid, r->rid_len);
    snprintf(pd.sender, sizeof pd.sender, "%s", r->path);
    uint64_t next = send_ack(push->p, push->l, &pd);
    if (next != r->down_seq) {
        push->sent++;
        /* What the child will say in its next HELLO, if the push arrives. */
        fh_routes_seen(push->p->routes, r->path, r->rid, r->rid_len, next, fh_mono_ms());
    }
}

void fh_pipeline_push_down(struct fh_pipeline *p, struct fh_link *l)
{
    struct push push = {p, l, 0};
    fh_routes_each(p->routes, fh_mono_ms(), FH_PUSH_MAX_AGE_MS, push_one, &push);
    if (push.sent)
        fh_log(FH_LOG_DEBUG, "pipeline: pushed the down log to %zu children", push.sent);
}

void fh_pipeline_on_round_end(struct fh_link *l, void *arg)
{
    struct fh_pipeline *p = arg;
    int err = 0;
    uint64_t next[FH_CTR_COUNT];
    for (int i = 0; i < FH_CTR_COUNT; i++)
        next[i] = p->ctr[i] + p->tally[i];
    /* Security events (IDI.IMI) commit with the round. */
    if (p->guard && fh_guard_due(p->guard) && ensure_txn(p) &&
        fh_guard_emit(p->guard, p->txn, p->relay) != 0) {
        fh_log(FH_LOG_ERROR, "pipeline: cannot keep an IDI.IMI detection; not acknowledging "
               "this round");
        fh_txn_abort(p->txn);
        p->txn = NULL;
        p->store_failed = true;
    }
    if (p->txn) {
        err = fh_store_save_counters(p->txn, next);
        if (err)
            fh_txn_abort(p->txn);
        else
            err = fh_txn_commit(p->txn);
        p->txn = NULL;
    }
    if (err == FH_EFULL && fh_store_grow(p->st) != 0)
        p->small_rounds = true;   /* no room to grow: store what fits, a message at a time */
    if (err || p->store_failed) {
        /* Nothing of this round is stored: ask for everything again. A DUPLICATE may
         * only have been one of a copy stored earlier in this very round (a resend that
         * met its first copy), so it is asked for again too; a true duplicate simply
         * comes back as DUPLICATE. */
        uint64_t retried = 0;
        for (size_t i = 0; i < p->npend; i++)
            for (uint32_t j = 0; j < p->pend[i].n; j++)
                if (p->pend[i].verdicts[j] == FH__VERDICT__VERDICT_STORED ||
                    p->pend[i].verdicts[j] == FH__VERDICT__VERDICT_DUPLICATE) {
                    p->pend[i].verdicts[j] = FH__VERDICT__VERDICT_RETRY;
                    retried++;
                }
        p->ctr[FH_CTR_STORE_FULL]++;
        p->dirty = true;
        fh_log_limited(&p->lim[FH_CTR_STORE_FULL], 10, FH_LOG_ERROR,
                       "STORE FULL OR FAILING (%s): not acknowledging %llu reports; children "
                       "keep them and will resend", fh_strerror(err ? err : FH_ESTORE),
                       (unsigned long long)retried);
    } else {
        memcpy(p->ctr, next, sizeof next);
        p->stored_since += p->tally[FH_CTR_STORED] + p->made;
        if (p->small_rounds) {
            uint64_t used, size;
            fh_store_map_use(p->st, &used, &size);
            p->small_rounds = used > size / 4 * 3;
        }
    }
    memset(p->tally, 0, sizeof p->tally);
    p->made = 0;
    uint64_t now = fh_mono_ms();
    if (p->relay && now >= p->next_relieve_ms) {
        /* Coalescing walks the bulk lane: when it cannot bring the outbox under its
         * bound, wait a while before walking it again. */
        uint64_t coalesced = p->ctr[FH_CTR_COALESCED];
        p->over_bound = fh_origin_relieve(p->st, p->scope, p->outbox_max, p->ctr);
        p->next_relieve_ms = p->over_bound ? now + 5000 : 0;
        p->dirty |= p->ctr[FH_CTR_COALESCED] != coalesced;
    }
    for (size_t i = 0; i < p->npend; i++)
        send_ack(p, l, &p->pend[i]);
    p->npend = 0;
    p->store_failed = false;
}

void fh_pipeline_on_event(struct fh_link *l, int event, int value, void *arg)
{
    struct fh_pipeline *p = arg;
    (void)l;
    /* libzmq ends a connection that breaks the protocol (an oversized frame, a bad
     * greeting, garbage) with a plain DISCONNECTED, like a peer that leaves: what tells
     * them apart is whether the connection ever delivered a valid HELLO. */
    if (p->guard)
        fh_guard_on_event(p->guard, event, value);
    if (event == ZMQ_EVENT_ACCEPTED) {
        fd_mark(p, value, false);
    } else if (event == ZMQ_EVENT_DISCONNECTED) {
        if (!fd_good(p, value))
            refuse(p, FH_CTR_LINK_DROPPED, "a connection",
                   "closed by the transport before a valid HELLO (oversized frame, bad "
                   "greeting, garbage or a scan)");
        fd_mark(p, value, false);
    }
}

void fh_pipeline_check_revoked(struct fh_pipeline *p, struct fh_link *l)
{
    unsigned n = p->guard ? fh_guard_check_revoked(p->guard, l) : 0;
    if (n) {
        p->ctr[FH_CTR_REFUSED_REVOKED] += n;
        p->dirty = true;
    }
}

uint64_t fh_pipeline_take_stored(struct fh_pipeline *p)
{
    uint64_t n = p->stored_since;
    p->stored_since = 0;
    return n;
}

bool fh_pipeline_take_dirty(struct fh_pipeline *p)
{
    bool d = p->dirty;
    p->dirty = false;
    return d;
}
