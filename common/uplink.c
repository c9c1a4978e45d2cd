/* uplink.c - the sending half of delivery (see uplink.h for the protocol).
 *
 * State: `cursor`, the outbox key to send next; a ring of in-flight batches, each with
 * the outbox keys it carried; the retransmission timeout `rto_ms`; and `resume_ms`, the
 * earliest time the next send may happen after a rewind or a full queue. One repeating
 * timer checks timeouts and heartbeats; sends are otherwise driven by kicks (new
 * outbox entries) and acks (window space).
 *
 * Keys only ever grow, so "retransmitted" is simply a key at or below the highest key
 * ever sent. */
#include "uplink.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "down.h"
#include "err.h"
#include "log.h"
#include "report.h"

#define TICK_MS 200

struct batch {
    uint64_t id;
    uint64_t sent_ms;
    uint32_t n;
    bool done;
    uint64_t *keys;            /* batch_max of them */
};

struct fh_uplink {
    struct fh_uplink_opts o;
    char self[FH_PATH_MAX];
    char software[64];
    char hostname[64];
    char endpoint[256];
    struct fh_store *st;
    struct fh_link *link;
    uint64_t *ctr;
    uv_timer_t tick;

    struct batch *ring;        /* in-flight batches, oldest at head */
    size_t ring_cap, head, count;
    uint32_t inflight;         /* reports in flight */
    uint32_t credit;           /* reports the parent said it will take in flight */
    uint64_t cursor[FH_LANES]; /* next outbox key to send, per lane (0: lane start) */
    uint64_t highest_sent[FH_LANES]; /* highest key ever sent, per lane */
    uint64_t next_batch;
    uint64_t started_us;

    uint32_t rto_ms;
    uint64_t resume_ms;        /* do not send before this (monotonic ms) */
    uint64_t last_send_ms;
    uint64_t last_ack_us;
    bool connected;
    struct fh_log_limit auth_lim;
    uint64_t down_seq;         /* how far in the parent's down log this node has stored */

    /* scratch for one send */
    struct iovec *iov;         /* batch_max + 1 */
    uint64_t *keys;
    int send_err;
};

static uint32_t jitter(uint32_t ms)
{
    /* +-25 %; random() is fine for spreading retries, not for secrets. */
    uint32_t quarter = ms / 4;
    return quarter ? ms - quarter + (uint32_t)(random() % (2 * quarter + 1)) : ms;
}

static struct batch *ring_at(struct fh_uplink *u, size_t i)
{
    return &u->ring[(u->head + i) % u->ring_cap];
}

static void ring_pop_done(struct fh_uplink *u)
{
    while (u->count && ring_at(u, 0)->done) {
        u->head = (u->head + 1) % u->ring_cap;
        u->count--;
    }
}

/* Forget everything in flight and send again from the oldest outbox entry, not before
 * delay_ms from now. */
static void rewind_outbox(struct fh_uplink *u, uint32_t delay_ms, const char *why)
{
    if (u->count)
        fh_log(FH_LOG_INFO, "uplink %s: %s: resending %u reports from the oldest, in %u ms",
               u->endpoint, why, u->inflight, delay_ms);
    u->count = 0;
    u->inflight = 0;
    memset(u->cursor, 0, sizeof u->cursor);
    u->resume_ms = fh_mono_ms() + delay_ms;
}

static int make_hello(struct fh_uplink *u, uint64_t batch, uint8_t **out, size_t *len)
{
    Fh__Hello h = FH__HELLO__INIT;
    h.role = (Fh__Role)u->o.role;
    h.software = u->software;
    h.hostname = u->hostname;
    h.batch = batch;
    h.outbox_depth = fh_outbox_depth(u->st);
    h.started_us = u->started_us;
    h.dead_letters = u->ctr[FH_CTR_DEAD_LETTER];
    h.down_seq = u->down_seq;
    return fh_report_encode(u->self, 0, fh_now_us(), FH__KIND__KIND_HELLO, &h.base, out, len);
}

/* Send the hello and entries as one message (called inside the outbox read). */
static void send_entries(const struct iovec *entries, const uint64_t *keys, size_t n,
                         void *arg)
{
    struct fh_uplink *u = arg;
    uint8_t *hello;
    size_t hlen;
    if ((u->send_err = make_hello(u, u->next_batch, &hello, &hlen)))
        return;
    u->iov[0] = (struct iovec){.iov_base = hello, .iov_len = hlen};
    memcpy(u->iov + 1, entries, n * sizeof *entries);
    memcpy(u->keys, keys, n * sizeof *keys);
    u->send_err = fh_link_send(u->link, u->iov, n + 1);
    free(hello);
}

static void send_heartbeat(struct fh_uplink *u)
{
    uint8_t *hello;
    size_t hlen;
    if (make_hello(u, u->next_batch++, &hello, &hlen))
        return;
    struct iovec iov = {.iov_base = hello, .iov_len = hlen};
    if (fh_link_send(u->link, &iov, 1) == 0)
        u->last_send_ms = fh_mono_ms();
    free(hello);
}

/* Reports that may still go out now: the window, narrowed by the parent's credit. */
static uint32_t room(const struct fh_uplink *u)
{
    uint32_t w = u->credit < u->o.window ? u->credit : u->o.window;
    return w > u->inflight ? w - u->inflight : 0;
}

static void pump(struct fh_uplink *u)
{
    uint64_t now = fh_mono_ms();
    if (now < u->resume_ms)
        return;
    uint32_t r;
    while (u->count < u->ring_cap && (r = room(u)) > 0) {
        size_t max = r < u->o.batch_max ? r : u->o.batch_max;
        int n = 0;
        enum fh_lane lane;
        /* urgent first: detections overtake a backlog of health samples */
        for (lane = FH_LANE_URGENT; lane < FH_LANES && n == 0; lane++) {
            u->send_err = 0;
            n = fh_outbox_read(u->st, lane, u->cursor[lane], max, FH_MAX_FRAME_BYTES / 2,
                               u->iov + 1, u->keys, send_entries, u);
            if (n < 0)
                return;
        }
        if (n == 0)
            return;
        lane--;
        if (u->send_err == FH_EAGAIN) {
            u->resume_ms = now + jitter(u->rto_ms);
            return;
        }
        if (u->send_err) {
            fh_log(FH_LOG_WARN, "uplink %s: send: %s", u->endpoint, fh_strerror(u->send_err));
            u->resume_ms = now + jitter(u->rto_ms);
            return;
        }
        struct batch *b = ring_at(u, u->count++);
        b->id = u->next_batch++;
        b->sent_ms = now;
        b->n = (uint32_t)n;
        b->done = false;
        memcpy(b->keys, u->keys, (size_t)n * sizeof *u->keys);
        u->inflight += (uint32_t)n;
        u->ctr[FH_CTR_SENT] += (uint64_t)n;
        for (int i = 0; i < n; i++)
            if (u->keys[i] <= u->highest_sent[lane])
                u->ctr[FH_CTR_RETRANSMITTED]++;
        if (u->keys[n - 1] > u->highest_sent[lane])
            u->highest_sent[lane] = u->keys[n - 1];
        u->cursor[lane] = u->keys[n - 1] + 1;
        u->last_send_ms = now;
    }
}

static void handle_ack(struct fh_uplink *u, const Fh__Ack *ack)
{
    u->credit = ack->credit;
    struct batch *b = NULL;
    for (size_t i = 0; i < u->count; i++)
        if (!ring_at(u, i)->done && ring_at(u, i)->id == ack->batch)
            b = ring_at(u, i);
    if (!b)
        return; /* a heartbeat, or a batch forgotten by a rewind: its entries come again */
    if (ack->n_verdicts != b->n) {
        fh_log(FH_LOG_WARN, "uplink %s: ack for batch %llu has %zu verdicts for %u reports",
               u->endpoint, (unsigned long long)ack->batch, ack->n_verdicts, b->n);
        return;
    }
    uint64_t acked[FH_MAX_BATCH] = {0}, refused[FH_MAX_BATCH] = {0};
    size_t na = 0, nr = 0;
    bool retry = false;
    for (uint32_t i = 0; i < b->n; i++) {
        switch (ack->verdicts[i]) {
        case FH__VERDICT__VERDICT_STORED:
        case FH__VERDICT__VERDICT_DUPLICATE:
            acked[na++] = b->keys[i];
            break;
        case FH__VERDICT__VERDICT_REFUSED:
            refused[nr++] = b->keys[i];
            break;
        default:
            retry = true;
        }
    }
    int err = fh_outbox_settle(u->st, acked, na, refused, nr, u->last_ack_us);
    if (err) {
        /* Not settled: the entries stay and will be sent again, harmlessly. */
        fh_log(FH_LOG_ERROR, "uplink %s: cannot settle acked reports: %s", u->endpoint,
               fh_strerror(err));
        rewind_outbox(u, jitter(u->rto_ms), "store error");
        return;
    }
    if (nr)
        fh_log(FH_LOG_WARN, "uplink %s: parent refused %zu reports for good; kept as dead "
               "letters", u->endpoint, nr);
    u->ctr[FH_CTR_ACKED] += na;
    u->ctr[FH_CTR_DEAD_LETTER] += nr;
    b->done = true;
    u->inflight -= b->n;
    ring_pop_done(u);
    if (retry) {
        rewind_outbox(u, jitter(u->rto_ms), "parent asked for a retry");
        u->rto_ms = u->rto_ms * 2 > u->o.retry_max_ms ? u->o.retry_max_ms : u->rto_ms * 2;
    } else {
        u->rto_ms = u->o.retry_min_ms;
    }
}

/* Warnings and advisories after the ack: the node stores them (on_down), then the
 * cursor moves and a heartbeat tells the parent at once, which sends what is next. */
static void receive_down(struct fh_uplink *u, const Fh__Ack *ack, zmq_msg_t *parts, size_t n)
{
    if (!u->o.on_down || ack->down_next <= u->down_seq)
        return;
    if (ack->n_down_seqs != n || n > FH_DOWN_MAX_PER_ACK) {
        fh_log(FH_LOG_WARN, "uplink %s: ack with %zu down parts for %zu entries: ignored",
               u->endpoint, n, ack->n_down_seqs);
        return;
    }
    const uint8_t *bufs[FH_DOWN_MAX_PER_ACK];
    size_t lens[FH_DOWN_MAX_PER_ACK];
    for (size_t i = 0; i < n; i++) {
        bufs[i] = zmq_msg_data(&parts[i]);
        lens[i] = zmq_msg_size(&parts[i]);
    }
    int err = u->o.on_down(u->o.down_arg, bufs, lens, n, ack->down_next);
    if (err) {
        fh_log(FH_LOG_ERROR, "uplink %s: cannot store what came down: %s", u->endpoint,
               fh_strerror(err));
        return;   /* the parent sends it again */
    }
    u->down_seq = ack->down_next;
    if (u->connected)
        send_heartbeat(u);
}

static void on_message(struct fh_link *l, zmq_msg_t *parts, size_t n, bool truncated,
                       void *arg)
{
    struct fh_uplink *u = arg;
    (void)l;
    (void)truncated;
    Fh__Envelope *env = NULL;
    ProtobufCMessage *body = NULL;
    enum fh_counter why;
    if (n < 1 || fh_report_decode(zmq_msg_data(&parts[0]), zmq_msg_size(&parts[0]), &env,
                                  &why) != 0)
        goto bad;
    if (env->kind != FH__KIND__KIND_ACK || fh_report_body(env, &body) != 0)
        goto bad;
    u->last_ack_us = fh_now_us();
    handle_ack(u, (const Fh__Ack *)body);
    receive_down(u, (const Fh__Ack *)body, parts + 1, n - 1);
    goto out;
bad:
    fh_log(FH_LOG_WARN, "uplink %s: ignoring a message from the parent that is not an ack",
           u->endpoint);
out:
    if (body)
        protobuf_c_message_free_unpacked(body, NULL);
    if (env)
        fh__envelope__free_unpacked(env, NULL);
}

static void on_round_end(struct fh_link *l, void *arg)
{
    (void)l;
    pump(arg);
}

static void on_event(struct fh_link *l, int event, int value, void *arg)
{
    struct fh_uplink *u = arg;
    (void)l;
    (void)value;
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
        u->connected = true;
        fh_log(FH_LOG_INFO, "uplink %s: connected", u->endpoint);
        u->resume_ms = 0;
        pump(u);
    } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
        fh_log_limited(&u->auth_lim, 60, FH_LOG_ERROR, "uplink %s: the parent refused this "
                       "node's key (ZAP status %d): not registered there or revoked; enrol "
                       "with a token (`enroll TOKEN`)", u->endpoint, value);
    } else if (event == ZMQ_EVENT_DISCONNECTED) {
        u->connected = false;
        fh_log(FH_LOG_WARN, "uplink %s: disconnected", u->endpoint);
        rewind_outbox(u, 0, "connection lost");
    }
}

static void on_tick(uv_timer_t *t)
{
    struct fh_uplink *u = t->data;
    uint64_t now = fh_mono_ms();
    if (u->count && now - ring_at(u, 0)->sent_ms > u->rto_ms) {
        uint32_t delay = jitter(u->rto_ms);
        u->rto_ms = u->rto_ms * 2 > u->o.retry_max_ms ? u->o.retry_max_ms : u->rto_ms * 2;
        rewind_outbox(u, delay, "no ack in time");
    }
    pump(u);
    /* A heartbeat when idle; sooner while the parent gives no credit, to learn when it
     * has room again (its ack carries the new credit). */
    if (u->connected && (now - u->last_send_ms >= u->o.heartbeat_ms ||
                         (u->credit == 0 && now - u->last_send_ms >= u->rto_ms)))
        send_heartbeat(u);
}

int fh_uplink_start(uv_loop_t *loop, void *zctx, struct fh_store *st,
                    const struct fh_uplink_opts *opts, uint64_t *counters,
                    struct fh_uplink **out)
{
    if (opts->batch_max < 1 || opts->batch_max > FH_MAX_BATCH ||
        opts->window < opts->batch_max || opts->retry_min_ms < 1 ||
        opts->retry_max_ms < opts->retry_min_ms)
        return FH_EINVAL;
    struct fh_uplink *u = calloc(1, sizeof *u);
    if (!u)
        return FH_ENOMEM;
    u->o = *opts;
    snprintf(u->self, sizeof u->self, "%s", opts->self_path);
    snprintf(u->software, sizeof u->software, "%s", opts->software);
    snprintf(u->endpoint, sizeof u->endpoint, "%s", opts->endpoint);
    if (gethostname(u->hostname, sizeof u->hostname) != 0)
        u->hostname[0] = 0;
    u->hostname[sizeof u->hostname - 1] = 0;
    u->st = st;
    u->ctr = counters;
    u->rto_ms = opts->retry_min_ms;
    u->credit = opts->window;
    u->started_us = fh_now_us();
    if (fh_down_cursor(st, &u->down_seq) != 0)
        u->down_seq = 0;   /* the parent sends the log again: dedup makes it harmless */
    u->next_batch = u->started_us; /* never reuses a number of an earlier run */
    u->ring_cap = opts->window / opts->batch_max + 1;
    u->ring = calloc(u->ring_cap, sizeof *u->ring);
    u->iov = calloc(opts->batch_max + 1, sizeof *u->iov);
    u->keys = calloc(opts->batch_max, sizeof *u->keys);
    int err = FH_ENOMEM;
    if (!u->ring || !u->iov || !u->keys)
        goto fail;
    for (size_t i = 0; i < u->ring_cap; i++)
        if (!(u->ring[i].keys = calloc(opts->batch_max, sizeof(uint64_t))))
            goto fail;
    struct fh_link_cbs cbs = {.on_message = on_message, .on_round_end = on_round_end,
                              .on_event = on_event, .arg = u};
    /* The ZMTP heartbeat follows the relay's: a dead path (a middlebox that lost its
     * state) is noticed after three missed heartbeats, not libzmq's default 15-30 s. */
    struct fh_link_opts lo = {.reconnect_ms = 100,
                              .reconnect_max_ms = opts->retry_max_ms < 5000 ? opts->retry_max_ms
                                                                            : 5000,
                              .heartbeat_ms = opts->heartbeat_ms,
                              .curve_secret = opts->curve_secret,
                              .curve_public = opts->curve_public,
                              .server_key = opts->server_key};
    if ((err = fh_link_connect(loop, zctx, opts->endpoint, &lo, &cbs, &u->link)))
        goto fail;
    uv_timer_init(loop, &u->tick);
    u->tick.data = u;
    uv_timer_start(&u->tick, on_tick, TICK_MS, TICK_MS);
    *out = u;
    return 0;
fail:
    fh_uplink_stop(u);
    return err;
}

void fh_uplink_kick(struct fh_uplink *u)
{
    if (u)
        pump(u);
}

uint64_t fh_uplink_last_ack_us(const struct fh_uplink *u)
{
    return u ? u->last_ack_us : 0;
}

bool fh_uplink_connected(const struct fh_uplink *u)
{
    return u && u->connected;
}

static void free_uplink(uv_handle_t *h)
{
    struct fh_uplink *u = h->data;
    for (size_t i = 0; u->ring && i < u->ring_cap; i++)
        free(u->ring[i].keys);
    free(u->ring);
    free(u->iov);
    free(u->keys);
    free(u);
}

void fh_uplink_stop(struct fh_uplink *u)
{
    if (!u)
        return;
    fh_link_close(u->link);
    if (u->tick.data == u) {
        uv_timer_stop(&u->tick);
        uv_close((uv_handle_t *)&u->tick, free_uplink);
    } else {
        u->tick.data = u;
        free_uplink((uv_handle_t *)&u->tick);
    }
}
