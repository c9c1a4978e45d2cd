/* loadgen.c - fh-loadgen: K simulated agents against a real fenghuo-collector.
 *
 *   fh-loadgen --endpoint tcp://127.0.0.1:PORT [options]     (--help lists them)
 *
 * Each simulated agent has its own origin path and its own seq counter starting at 1,
 * and sends exactly what common/uplink.c sends: one ZeroMQ multipart message per batch,
 * a HELLO envelope (sender path, batch number, outbox depth) followed by up to --batch
 * report envelopes of kind HEALTH (or DETECTION) whose body is padded to --body-bytes.
 * Like the uplink it keeps at most --window reports unacknowledged, sends a new batch
 * only when a whole batch fits in the window, reads the ACK's verdicts, and rewinds to
 * its oldest unacknowledged report on a RETRY verdict, a lost connection or a missing
 * ack (--retry-ms). A resent report carries the time_us it was first sent with, as a
 * real outbox entry would.
 *
 * Agent i is 320000/320100/320102/31320UUUUU/hH (--prefix is the county part) with
 * unit U = i mod --units and host H = i div --units + 1, and uses DEALER socket
 * i mod --sockets (fh_link, the same code the agents and collectors use). A socket's
 * HELLO names the longest common path of its agents: with one socket per agent (the
 * default) that is the agent itself; when several agents share a socket it is their
 * common unit or county, which the collector accepts only when its scope lies strictly
 * above that path (pipeline.c: the sender must be inside the scope and not the scope
 * itself, and every report's origin inside the sender).
 *
 * --rate R paces the sending at R reports/s overall with a 1 ms timer (token bucket,
 * at most 100 ms of credit); 0 sends as fast as the windows allow. Sending does not
 * wait for the link's handshake event: fh_link_send() gives FH_EAGAIN until a socket
 * is connected and the tick tries again; the clock starts at the first send. The run
 * ends when every report is acknowledged, or after --duration-s in any case.
 *
 * --watch-store DIR measures how long reports take to become durable at another node
 * (the top of a chain of collectors): every --watch-ms it opens a read transaction on
 * that node's LMDB store and reads the `seqs` database (origin -> the seq up to which
 * all are stored, store.h), which a reader sees only after the writer's commit (and
 * its fsync). Each
 * newly visible seq gets latency = poll time - the report's time_us: an upper bound,
 * late by at most one poll interval.
 *
 * Result: reports sent, acknowledged STORED / DUPLICATE / other, elapsed time, acked
 * reports/s, ack latency p50/p90/p99/max (from each report's time_us to its ack), as a
 * text summary or, with --json, one JSON object on stdout. Only 127.0.0.1 endpoints are
 * accepted: this tool never loads another host. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <uv.h>
#include <zmq.h>

#include "err.h"
#include "fenghuo.pb-c.h"
#include "hist.h"
#include "link.h"
#include "loadgen.h"
#include "log.h"
#include "path.h"
#include "report.h"

#define TICK_MS 1
#define SCAN_EVERY_MS 100
#define BURST_S 0.1
#define RING_MAX 1024u
#define BATCH_SHIFT 40        /* batch number = (agent + 1) << 40 | agent's batch count */


struct batch {
    uint64_t id, first_seq, sent_ms;
    uint32_t n;
    bool done;
};

struct agent {
    char path[FH_PATH_MAX];
    uint32_t sock;
    uint8_t *body;
    size_t body_len;
    uint64_t quota;        /* it makes seqs 1..quota */
    uint64_t next_seq, highest_sent;
    uint64_t acked_hi;     /* every seq <= acked_hi is settled (stored, duplicate, refused) */
    uint64_t top_mark;     /* --watch-store: highest seq visible there */
    uint64_t *time_us;     /* time_us of each seq, fixed when first sent */
    uint8_t **senv;        /* --key-dir: each seq's envelope, signed at start (lg_sign.c) */
    size_t *slen;
    uint64_t batches;
    uint32_t inflight;
    struct batch *ring;
    size_t head, count;
    bool done;
};

struct sock {
    struct lg *g;
    struct fh_link *link;
    char sender[FH_PATH_MAX];
    uint32_t *agents, nagents, rr;
    uint64_t inflight;     /* reports in flight over all its agents */
    uint64_t blocked_tick;
};

struct watch {
    struct lg_watch *store;
    uv_timer_t timer;
    uint32_t *by_path;     /* agent indexes sorted by path */
    uint32_t complete;     /* agents whose every seq is visible */
    uint64_t done_ms;
};

struct lg {
    struct lg_opts o;
    struct lg_keys keys;       /* --key-dir */
    uv_loop_t *loop;
    void *zctx;
    struct agent *agents;
    struct sock *socks;
    uint32_t ndone, ring_cap, rr;
    uint8_t *scratch;
    struct iovec *iov;
    uv_timer_t tick, stop_timer;
    uv_signal_t sigint, sigterm;
    uint64_t start_ms, end_ms, last_scan_ms, last_tick_ms, ticks, started_us;
    double tokens;
    bool started, stopping;
    char hostname[64];
    struct watch w;
    struct lg_result r;
};

static uint64_t u64min(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* ---- the simulated agent ---- */

static int make_body(const struct lg_opts *o, const char *host, uint8_t **out, size_t *len)
{
    char pad[65536 + 64];
    const char *base = o->kind == FH__KIND__KIND_HEALTH ? "Debian GNU/Linux 12 (bookworm)"
                                                        : "fh-loadgen detection";
    size_t plen = strlen(base);
    memset(pad, ' ', sizeof pad);
    memcpy(pad, base, plen);
    Fh__Health h = FH__HEALTH__INIT;
    Fh__Detection d = FH__DETECTION__INIT;
    ProtobufCMessage *m;
    if (o->kind == FH__KIND__KIND_HEALTH) {
        h.interval_s = 10;
        h.cpu_pct = 3.5;
        h.cpus = 2;
        h.mem_total_kb = 4042128;
        h.mem_available_kb = 2519300;
        h.load1 = 0.25;
        h.load5 = 0.2;
        h.load15 = 0.15;
        h.uptime_s = 864000;
        h.procs = 151;
        h.hostname = (char *)host;
        h.kernel = "6.1.0-bench-amd64";
        h.os = pad;
        m = &h.base;
    } else {
        d.class_code = "malware.virus";
        d.summary = pad;
        m = &d.base;
    }
    /* Grow the padding until the body has the size asked for (or the least it can). */
    for (int i = 0; i < 8; i++) {
        pad[plen] = 0;
        size_t size = protobuf_c_message_get_packed_size(m);
        pad[plen] = ' ';
        if (size == o->body_bytes)
            break;
        long want = (long)plen + (long)o->body_bytes - (long)size;
        plen = want < (long)strlen(base) ? strlen(base) : (size_t)want;
        if (plen > 65536)
            plen = 65536;
    }
    pad[plen] = 0;
    *len = protobuf_c_message_get_packed_size(m);
    if (!(*out = malloc(*len)))
        return FH_ENOMEM;
    protobuf_c_message_pack(m, *out);
    return 0;
}

/* Forget what is in flight and send again from the oldest unsettled report. */
static void rewind_agent(struct lg *g, struct agent *a)
{
    if (a->count || a->inflight)
        g->r.rewinds++;
    g->socks[a->sock].inflight -= a->inflight;
    a->count = 0;
    a->head = 0;
    a->inflight = 0;
    a->next_seq = a->acked_hi + 1;
}

static int send_batch(struct lg *g, struct sock *s, struct agent *a, uint32_t n)
{
    uint64_t now_us = fh_now_us(), idx = (uint64_t)(a - g->agents);
    uint64_t id = (idx + 1) << BATCH_SHIFT | (++a->batches & ((1ull << BATCH_SHIFT) - 1));
    Fh__Hello h = FH__HELLO__INIT;
    h.role = s->nagents == 1 ? FH__ROLE__ROLE_AGENT : FH__ROLE__ROLE_COLLECTOR;
    h.software = "fh-loadgen " FH_VERSION;
    h.hostname = g->hostname;
    h.batch = id;
    h.outbox_depth = a->quota - a->acked_hi;
    h.started_us = g->started_us;
    uint8_t *hello;
    size_t hlen;
    int err = fh_report_encode(s->sender, 0, now_us, FH__KIND__KIND_HELLO, &h.base, &hello,
                               &hlen);
    if (err)
        return err;
    g->iov[0] = (struct iovec){.iov_base = hello, .iov_len = hlen};
    Fh__Envelope env = FH__ENVELOPE__INIT;
    env.version = FH_PROTO_VERSION;
    env.origin = a->path;
    env.kind = (Fh__Kind)g->o.kind;
    env.body.data = a->body;
    env.body.len = a->body_len;
    uint8_t *p = g->scratch;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t seq = a->next_seq + i;
        if (!a->time_us[seq - 1])
            a->time_us[seq - 1] = now_us;
        env.seq = seq;
        env.time_us = a->time_us[seq - 1];
        if (a->senv) {   /* signed at start: its own time inside, latency from now */
            g->iov[1 + i] = (struct iovec){a->senv[seq - 1], a->slen[seq - 1]};
            continue;
        }
        size_t len = fh__envelope__pack(&env, p);
        g->iov[1 + i] = (struct iovec){.iov_base = p, .iov_len = len};
        p += len;
    }
    err = fh_link_send(s->link, g->iov, n + 1);
    free(hello);
    if (err)
        return err;
    if (!g->started) {
        g->started = true;
        g->start_ms = fh_mono_ms();
        g->r.env_bytes = g->iov[1].iov_len;
    }
    struct batch *b = &a->ring[(a->head + a->count++) % g->ring_cap];
    *b = (struct batch){.id = id, .first_seq = a->next_seq, .n = n, .sent_ms = fh_mono_ms()};
    a->inflight += n;
    s->inflight += n;
    g->r.sent += n;
    for (uint32_t i = 0; i < n; i++)
        if (a->next_seq + i <= a->highest_sent)
            g->r.retransmitted++;
    a->next_seq += n;
    if (a->next_seq - 1 > a->highest_sent)
        a->highest_sent = a->next_seq - 1;
    return 0;
}

/* How many reports agent a may send now (0: none), as the uplink decides: only when a
 * whole batch fits in the window. */
static uint32_t sendable(const struct lg *g, const struct agent *a)
{
    if (a->done || a->next_seq > a->quota || a->count == g->ring_cap ||
        a->inflight + g->o.batch > g->o.window)
        return 0;
    return (uint32_t)u64min(g->o.batch, a->quota - a->next_seq + 1);
}

/* Unpaced: send from every agent of s while windows allow. */
static void pump_sock(struct lg *g, struct sock *s)
{
    if (g->stopping)
        return;
    for (uint32_t k = 0; k < s->nagents; k++) {
        uint32_t at = (s->rr + k) % s->nagents;
        struct agent *a = &g->agents[s->agents[at]];
        uint32_t n;
        while ((n = sendable(g, a)) > 0) {
            if (send_batch(g, s, a, n) != 0) {
                s->rr = at;   /* queue full or link down: this agent goes first next time */
                return;
            }
        }
    }
}

/* Paced: spend the tokens one batch per agent, round robin over all agents. */
static void pump_paced(struct lg *g)
{
    for (uint32_t k = 0; k < g->o.agents && g->tokens >= 1; k++) {
        struct agent *a = &g->agents[g->rr];
        g->rr = (g->rr + 1) % g->o.agents;
        struct sock *s = &g->socks[a->sock];
        uint32_t n = sendable(g, a);
        if (!n || s->blocked_tick == g->ticks)
            continue;
        if (n > g->tokens)
            n = (uint32_t)g->tokens;
        if (send_batch(g, s, a, n) != 0)
            s->blocked_tick = g->ticks;
        else
            g->tokens -= n;
    }
}

/* ---- the end ---- */

static void stop(struct lg *g)
{
    if (g->stopping)
        return;
    g->stopping = true;
    if (!g->end_ms)
        g->end_ms = fh_mono_ms();
    uv_stop(g->loop);
}

static bool watching(const struct lg *g)
{
    return g->o.watch_dir != NULL;
}

static void maybe_finish(struct lg *g)
{
    if (g->ndone < g->o.agents)
        return;
    if (!watching(g) || g->w.complete == g->o.agents)
        stop(g);
}

/* ---- acks ---- */

static void handle_ack(struct lg *g, struct sock *s, const Fh__Ack *ack)
{
    uint64_t idx = (ack->batch >> BATCH_SHIFT) - 1;
    if (ack->batch >> BATCH_SHIFT == 0 || idx >= g->o.agents ||
        &g->socks[g->agents[idx].sock] != s) {
        g->r.stale_acks++;
        return;
    }
    struct agent *a = &g->agents[idx];
    struct batch *b = NULL;
    for (size_t i = 0; i < a->count && !b; i++) {
        struct batch *c = &a->ring[(a->head + i) % g->ring_cap];
        if (!c->done && c->id == ack->batch)
            b = c;
    }
    if (!b) {
        g->r.stale_acks++;   /* a batch forgotten by a rewind: its reports come again */
        return;
    }
    if (ack->n_verdicts != b->n) {
        g->r.bad_acks++;
        return;
    }
    uint64_t now_us = fh_now_us();
    bool retry = false;
    for (uint32_t i = 0; i < b->n; i++) {
        uint64_t seq = b->first_seq + i, t = a->time_us[seq - 1];
        switch (ack->verdicts[i]) {
        case FH__VERDICT__VERDICT_STORED:
        case FH__VERDICT__VERDICT_DUPLICATE:
            if (ack->verdicts[i] == FH__VERDICT__VERDICT_STORED)
                g->r.stored++;
            else
                g->r.duplicate++;
            hist_add(&g->r.ack, now_us > t ? now_us - t : 0, 1);
            break;
        case FH__VERDICT__VERDICT_REFUSED:
            g->r.refused++;      /* a dead letter for a real sender: settled, not resent */
            break;
        default:
            g->r.retry++;
            retry = true;
        }
        if (!retry && seq == a->acked_hi + 1)
            a->acked_hi = seq;
    }
    b->done = true;
    a->inflight -= b->n;
    s->inflight -= b->n;
    while (a->count && a->ring[a->head].done) {
        a->head = (a->head + 1) % g->ring_cap;
        a->count--;
    }
    if (retry)
        rewind_agent(g, a);
    if (!a->done && a->acked_hi >= a->quota) {
        a->done = true;
        if (++g->ndone == g->o.agents)
            g->end_ms = fh_mono_ms();
        maybe_finish(g);
    }
}

static void on_message(struct fh_link *l, zmq_msg_t *parts, size_t n, bool truncated,
                       void *arg)
{
    struct sock *s = arg;
    Fh__Envelope *env = NULL;
    ProtobufCMessage *body = NULL;
    enum fh_counter why;
    (void)l;
    (void)truncated;
    if (n < 1 || fh_report_decode(zmq_msg_data(&parts[0]), zmq_msg_size(&parts[0]), &env,
                                  &why) != 0 ||
        env->kind != FH__KIND__KIND_ACK || fh_report_body(env, &body) != 0)
        s->g->r.bad_acks++;
    else
        handle_ack(s->g, s, (const Fh__Ack *)body);
    if (body)
        protobuf_c_message_free_unpacked(body, NULL);
    if (env)
        fh__envelope__free_unpacked(env, NULL);
}

static void on_round_end(struct fh_link *l, void *arg)
{
    struct sock *s = arg;
    (void)l;
    if (s->g->o.rate == 0)
        pump_sock(s->g, s);
}

/* The monitor's events, when the link delivers them: a new connection is a reason to
 * send, a lost one to resend what was in flight (as the uplink does). The loadgen does
 * not wait for them: fh_link_send() gives FH_EAGAIN until the connection is up, and
 * the tick tries again. */
static void on_event(struct fh_link *l, int event, int value, void *arg)
{
    struct sock *s = arg;
    struct lg *g = s->g;
    (void)l;
    (void)value;
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
        g->r.connects++;
        if (g->o.rate == 0)
            pump_sock(g, s);
    } else if (event == ZMQ_EVENT_DISCONNECTED) {
        g->r.disconnects++;
        for (uint32_t i = 0; i < s->nagents; i++)
            rewind_agent(g, &g->agents[s->agents[i]]);
    }
}

/* ---- the watched store ---- */

static int cmp_path(const void *x, const void *y, void *arg)
{
    const struct agent *ag = arg;
    return strcmp(ag[*(const uint32_t *)x].path, ag[*(const uint32_t *)y].path);
}

static struct agent *agent_by_path(struct lg *g, const char *path, size_t len)
{
    size_t lo = 0, hi = g->o.agents;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        struct agent *a = &g->agents[g->w.by_path[mid]];
        size_t alen = strlen(a->path);
        int c = memcmp(a->path, path, alen < len ? alen : len);
        if (c == 0)
            c = alen < len ? -1 : alen > len;
        if (c == 0)
            return a;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The watched node has committed every seq of origin up to mark. */
static void on_mark(const char *origin, size_t len, uint64_t mark, void *arg)
{
    struct lg *g = arg;
    struct watch *w = &g->w;
    struct agent *a = agent_by_path(g, origin, len);
    if (!a)
        return;
    mark = u64min(mark, a->highest_sent);   /* a store used before: ignore the rest */
    uint64_t now_us = fh_now_us();
    for (uint64_t s = a->top_mark + 1; s <= mark; s++) {
        uint64_t t = a->time_us[s - 1];
        hist_add(&g->r.durable, now_us > t ? now_us - t : 0, 1);
        g->r.observed++;
    }
    if (mark <= a->top_mark)
        return;
    a->top_mark = mark;
    if (mark == a->quota && ++w->complete == g->o.agents)
        w->done_ms = fh_mono_ms();
}

static void on_watch(uv_timer_t *t)
{
    struct lg *g = t->data;
    lg_watch_poll(g->w.store, on_mark, g);
    maybe_finish(g);
}

static int watch_start(struct lg *g)
{
    struct watch *w = &g->w;
    if (!(w->by_path = malloc(g->o.agents * sizeof *w->by_path)))
        return FH_ENOMEM;
    for (uint32_t i = 0; i < g->o.agents; i++)
        w->by_path[i] = i;
    qsort_r(w->by_path, g->o.agents, sizeof *w->by_path, cmp_path, g->agents);
    int err = lg_watch_open(g->o.watch_dir, &w->store);
    if (err)
        return err;
    uv_timer_init(g->loop, &w->timer);
    w->timer.data = g;
    uv_timer_start(&w->timer, on_watch, g->o.watch_ms, g->o.watch_ms);
    return 0;
}

/* ---- timers ---- */

static void on_tick(uv_timer_t *t)
{
    struct lg *g = t->data;
    uint64_t now = fh_mono_ms();
    g->ticks++;
    if (now - g->last_scan_ms >= SCAN_EVERY_MS) {
        g->last_scan_ms = now;
        for (uint32_t i = 0; i < g->o.agents; i++) {
            struct agent *a = &g->agents[i];
            if (a->count && now - a->ring[a->head].sent_ms > g->o.retry_ms) {
                g->r.timeouts++;
                rewind_agent(g, a);
            }
        }
    }
    /* Unpaced: a socket with nothing in flight is waiting for its connection (or has
     * just rewound): try it on every tick. Acks drive everything else. */
    for (uint32_t i = 0; g->o.rate == 0 && i < g->o.sockets; i++)
        if (!g->socks[i].inflight)
            pump_sock(g, &g->socks[i]);
    if (g->o.rate > 0) {
        /* Credit accrues from the first send on: no burst while connecting. */
        double dt = g->started && g->last_tick_ms ? (double)(now - g->last_tick_ms) / 1000.0
                                                  : 0;
        g->last_tick_ms = now;
        if (!g->started)
            g->tokens = g->o.rate * TICK_MS / 1000.0 < 1 ? 1 : g->o.rate * TICK_MS / 1000.0;
        double cap = g->o.rate * BURST_S > g->o.batch ? g->o.rate * BURST_S : g->o.batch;
        g->tokens += g->o.rate * dt;
        if (g->tokens > cap)
            g->tokens = cap;
        pump_paced(g);
    }
}

static void on_stop_timer(uv_timer_t *t)
{
    stop(t->data);
}

static void on_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    stop(s->data);
}

/* ---- setup ---- */

/* The longest common prefix, by whole segments, of a and b, into a. */
static void common_path(char *a, const char *b)
{
    size_t i = 0, cut = 0;
    while (a[i] && a[i] == b[i]) {
        i++;
        if (a[i] == '/' && (b[i] == '/' || b[i] == 0))
            cut = i;
    }
    if ((a[i] == 0 || a[i] == '/') && (b[i] == 0 || b[i] == '/'))
        cut = i;
    a[cut] = 0;
}

static int setup(struct lg *g)
{
    struct lg_opts *o = &g->o;
    g->ring_cap = o->window < RING_MAX ? o->window : RING_MAX;
    g->started_us = fh_now_us();
    if (gethostname(g->hostname, sizeof g->hostname) != 0)
        snprintf(g->hostname, sizeof g->hostname, "localhost");
    g->hostname[sizeof g->hostname - 1] = 0;
    g->agents = calloc(o->agents, sizeof *g->agents);
    g->socks = calloc(o->sockets, sizeof *g->socks);
    g->iov = calloc(o->batch + 1, sizeof *g->iov);
    if (!g->agents || !g->socks || !g->iov)
        return FH_ENOMEM;
    size_t max_body = 0;
    int err;
    if (o->key_dir && (err = lg_keys_load(o->key_dir, &g->keys)))
        return err;
    for (uint32_t i = 0; i < o->agents; i++) {
        struct agent *a = &g->agents[i];
        char host[16];
        snprintf(host, sizeof host, "h%u", i / o->units + 1);
        snprintf(a->path, sizeof a->path, "%s/31320%05u/%s", o->prefix, i % o->units, host);
        if (!fh_path_valid(a->path)) {
            fprintf(stderr, "fh-loadgen: %s is not a valid path\n", a->path);
            return FH_EINVAL;
        }
        a->sock = i % o->sockets;
        a->quota = o->total ? o->total / o->agents + (i < o->total % o->agents)
                            : o->per_agent;
        a->next_seq = 1;
        a->ring = calloc(g->ring_cap, sizeof *a->ring);
        a->time_us = calloc(a->quota ? a->quota : 1, sizeof *a->time_us);
        if (!a->ring || !a->time_us || make_body(o, host, &a->body, &a->body_len) != 0)
            return FH_ENOMEM;
        if (a->body_len > max_body)
            max_body = a->body_len;
        if (a->quota == 0) {
            a->done = true;
            g->ndone++;
        }
        if (o->key_dir && (err = lg_presign(&g->keys, a->path, o->kind, a->body, a->body_len,
                                            a->quota, o->batch, fh_now_us(), &a->senv,
                                            &a->slen)))
            return err;
    }
    if (!(g->scratch = malloc((size_t)o->batch * (max_body + FH_PATH_MAX + 64))))
        return FH_ENOMEM;
    for (uint32_t i = 0; i < o->sockets; i++) {
        struct sock *s = &g->socks[i];
        s->g = g;
        s->nagents = o->agents / o->sockets + (i < o->agents % o->sockets);
        if (!(s->agents = calloc(s->nagents, sizeof *s->agents)))
            return FH_ENOMEM;
        for (uint32_t j = 0; j < s->nagents; j++)
            s->agents[j] = i + j * o->sockets;
        snprintf(s->sender, sizeof s->sender, "%s", g->agents[s->agents[0]].path);
        for (uint32_t j = 1; j < s->nagents; j++)
            common_path(s->sender, g->agents[s->agents[j]].path);
        struct fh_link_cbs cbs = {.on_message = on_message, .on_round_end = on_round_end,
                                  .on_event = on_event, .arg = s};
        struct fh_link_opts lo = {.curve_secret = g->keys.secret, .curve_public =
                                  g->keys.public_, .server_key = g->keys.server};
        err = fh_link_connect(g->loop, g->zctx, o->endpoint, o->key_dir ? &lo : NULL, &cbs,
                              &s->link);
        if (err)
            return err;
    }
    if (watching(g) && (err = watch_start(g)) != 0)
        return err;
    return 0;
}

static void print_result(struct lg *g)
{
    struct lg_result *r = &g->r;
    for (uint32_t i = 0; i < g->o.agents; i++)
        r->planned += g->agents[i].quota;
    r->complete = g->ndone == g->o.agents;
    r->elapsed_s = g->started ? (double)(g->end_ms - g->start_ms) / 1000.0 : 0;
    r->watch_complete = g->w.complete == g->o.agents;
    r->until_all_durable_s = g->w.done_ms && g->started
                                 ? (double)(g->w.done_ms - g->start_ms) / 1000.0 : 0;
    lg_result_print(&g->o, r);
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

int main(int argc, char **argv)
{
    static struct lg g;
    if (lg_opts_parse(argc, argv, &g.o) != 0) {
        lg_usage(stderr);
        return 2;
    }
    fh_log_init("fh-loadgen", FH_LOG_WARN);
    signal(SIGPIPE, SIG_IGN);
    /* Each fh_link holds three ZeroMQ sockets (its DEALER, a monitor PAIR and libzmq's
     * end of it) and a few descriptors: make room for thousands of them. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    g.loop = uv_default_loop();
    g.zctx = zmq_ctx_new();
    zmq_ctx_set(g.zctx, ZMQ_MAX_SOCKETS, (int)(3 * g.o.sockets + 64));
    int err = setup(&g);
    int rc = 1;
    if (err) {
        fprintf(stderr, "fh-loadgen: cannot start: %s\n", fh_strerror(err));
        goto out;
    }
    uv_timer_init(g.loop, &g.tick);
    g.tick.data = &g;
    uv_timer_start(&g.tick, on_tick, TICK_MS, TICK_MS);
    uv_timer_init(g.loop, &g.stop_timer);
    g.stop_timer.data = &g;
    uv_timer_start(&g.stop_timer, on_stop_timer, (uint64_t)(g.o.duration_s * 1000), 0);
    uv_signal_init(g.loop, &g.sigint);
    uv_signal_init(g.loop, &g.sigterm);
    g.sigint.data = g.sigterm.data = &g;
    uv_signal_start(&g.sigint, on_signal, SIGINT);
    uv_signal_start(&g.sigterm, on_signal, SIGTERM);
    /* Runs until everything is acknowledged (and seen at --watch-store), a signal, or
     * --duration-s; with --watch-store, the wait after the last ack is bounded too. */
    while (!g.stopping) {
        uv_run(g.loop, UV_RUN_ONCE);
        if (watching(&g) && g.ndone == g.o.agents && !g.stopping &&
            fh_mono_ms() - g.end_ms > (uint64_t)(g.o.watch_wait_s * 1000))
            stop(&g);
    }
    if (watching(&g))
        lg_watch_poll(g.w.store, on_mark, &g);   /* a last look */
    print_result(&g);
    rc = g.ndone == g.o.agents ? 0 : 3;
out:
    for (uint32_t i = 0; g.socks && i < g.o.sockets; i++)
        fh_link_close(g.socks[i].link);
    uv_walk(g.loop, close_walk, NULL);
    uv_run(g.loop, UV_RUN_DEFAULT);
    uv_loop_close(g.loop);
    zmq_ctx_term(g.zctx);
    lg_watch_close(g.w.store);
    return rc;
}
