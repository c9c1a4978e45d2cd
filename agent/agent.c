/* agent.c - fenghuo-agent: probes on a host, an outbox, an uplink to the collector.
 *
 * Each probe listed in probes/probes.c runs on its own libuv timer. What it emits goes
 * through emit(): the body is wrapped in an envelope with the next seq of this origin
 * and committed (fsync'd) to the outbox before anything is sent (delivery invariant 1);
 * then the uplink is kicked. The uplink (common/uplink.c) does the rest: batches,
 * acks, retransmission with backoff while the collector is away, oldest first.
 *
 * For tests and demos, --interval-ms overrides every probe's interval and --max-reports
 * stops the probes once this origin has made report N, across restarts (the agent keeps
 * running to deliver them). */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <zmq.h>

#include "config.h"
#include "detect.h"
#include "down.h"
#include "enrol.h"
#include "err.h"
#include "log.h"
#include "nodeconf.h"
#include "notice.h"
#include "origin.h"
#include "outbox.h"
#include "path.h"
#include "probe.h"
#include "report.h"
#include "runloop.h"
#include "sig.h"
#include "store.h"
#include "uplink.h"

struct conf {
    char path[FH_PATH_MAX];
    char parent[256];
    char data_dir[512];
};

#define K(name, type, field, req, def, help)                                             \
    {"agent", name, type, offsetof(struct conf, field), sizeof(((struct conf *)0)->field), \
     req, def, 0, 0, help}

static const struct fh_config_key keys[] = {
    K("path", FH_CONF_PATH, path, true, NULL,
      "this host's path: division codes, unit code, host name, e.g. "
      "320000/320100/320102/3132000001/web01"),
    K("parent", FH_CONF_ENDPOINT, parent, true, NULL,
      "the collector this agent reports to, e.g. tcp://10.1.2.3:7102"),
    K("data_dir", FH_CONF_STRING, data_dir, true, NULL,
      "directory of the agent's LMDB outbox"),
};

#define MAX_PROBES 16

/* A report a threaded probe emitted in the worker, waiting to be committed on the loop. */
struct deferred {
    int kind;
    uint8_t *body;
    size_t len;
    struct deferred *next;
};

struct running_probe {
    const struct fh_probe *probe;
    void *conf;
    void *state;
    uint32_t interval_s;
    uv_timer_t timer;
    struct agent *agent;
    /* threaded probes */
    uv_work_t work;
    bool busy;
    struct fh_probe_sink wsink;    /* the worker's sink: packs into `queued` */
    struct deferred *queued, **queued_tail;
    int work_err;
};

struct agent {
    struct conf conf;
    struct fh_nodeconf nc;
    uv_loop_t *loop;
    void *zctx;
    struct fh_store *st;
    struct fh_uplink *up;
    uint64_t ctr[FH_CTR_COUNT];
    struct running_probe probes[MAX_PROBES];
    size_t nprobes;
    uint64_t interval_ms_override;
    uint64_t max_reports;    /* 0: no limit; else the last seq this origin makes */
    struct fh_probe_sink sink;
    struct fh_repeats *probe_faults;   /* failing probes reported upward (probe_failed) */
    struct fh_keys keys;               /* [security]: this host's, and its parent's key */
    char parent_key[FH_Z85_KEY_LEN + 1];
    uv_timer_t flush;
    uv_signal_t sigs[2];
};

/* --max-reports reached: stop the probes that sample (on-demand ones keep running). */
static void stop_probes(struct agent *a)
{
    for (size_t i = 0; i < a->nprobes; i++)
        if (!a->probes[i].probe->on_demand && a->probes[i].state)
            uv_timer_stop(&a->probes[i].timer);
}

/* A report was committed: count it, keep the outbox in bounds, send it. */
static void emitted(struct agent *a, int kind, uint64_t seq)
{
    a->ctr[FH_CTR_GENERATED]++;
    if (fh_kind_is_state(kind))
        fh_origin_relieve(a->st, a->conf.path, (uint64_t)a->nc.outbox_max_mb << 20, a->ctr);
    if (a->max_reports && seq >= a->max_reports && fh_kind_is_state(kind)) {
        fh_log(FH_LOG_INFO, "made report %llu (--max-reports): probes stop, delivery goes on",
               (unsigned long long)seq);
        stop_probes(a);
    }
    fh_uplink_kick(a->up);
}

/* --max-reports: no more state samples once the last seq was made. */
static bool past_max(struct agent *a, int kind)
{
    if (a->max_reports && fh_store_next_seq(a->st) > a->max_reports && fh_kind_is_state(kind)) {
        stop_probes(a);
        return true;
    }
    return false;
}

static int emit(struct fh_probe_sink *sink, Fh__Kind kind, const ProtobufCMessage *body)
{
    struct agent *a = sink->agent;
    if (past_max(a, kind))
        return 0;
    uint64_t seq;
    int err = fh_origin_emit(a->st, a->conf.path, kind, body, &seq);
    if (err) {
        fh_log(FH_LOG_ERROR, "cannot keep a %s report: %s", fh_kind_name(kind),
               fh_strerror(err));
        return err;
    }
    sink->last_seq = seq;   /* the submit probe tells its caller */
    emitted(a, kind, seq);
    return 0;
}

static void on_probe_timer(uv_timer_t *t);

/* A warning reached this host: confirm receipt at once, in the transaction that stores
 * it, so the issuer sees it as soon as the receipt travels up. */
static int on_new_down(void *arg, struct fh_txn *t, const Fh__Envelope *env,
                       const ProtobufCMessage *body)
{
    struct agent *a = arg;
    if (env->kind == FH__KIND__KIND_ADVISORY) {
        /* Check it now, not at the probe's next round (the timers fire after this
         * transaction commits). */
        for (size_t i = 0; i < a->nprobes; i++)
            if (a->probes[i].probe->checks_advisories && a->probes[i].state)
                uv_timer_start(&a->probes[i].timer, on_probe_timer, 0,
                               uv_timer_get_repeat(&a->probes[i].timer));
        fh_log(FH_LOG_WARN, "advisory %s from %s: %s", ((const Fh__Advisory *)body)->id,
               env->origin, ((const Fh__Advisory *)body)->title);
        return 0;
    }
    if (env->kind != FH__KIND__KIND_WARNING)
        return 0;
    const Fh__Warning *w = (const Fh__Warning *)body;
    char unit[FH_PATH_MAX];
    if (fh_path_parent(a->conf.path, unit, sizeof unit) != 0)
        snprintf(unit, sizeof unit, "%s", a->conf.path);
    Fh__WarningAck ack = FH__WARNING_ACK__INIT;
    ack.warning_id = w->id;
    ack.by = "agent";
    ack.unit = unit;
    ack.host = a->conf.path;
    ack.received_us = fh_now_us();
    ack.revision = w->revision;
    ack.drill = w->drill;
    uint8_t *bytes;
    size_t len;
    int err = fh_origin_emit_txn(t, a->conf.path, FH__KIND__KIND_WARNING_ACK, &ack.base,
                                 fh_txn_next_seq(t), true, &bytes, &len);
    if (err)
        return err;
    free(bytes);
    fh_log(FH_LOG_WARN, "%s%s warning %s from %s (%s): %s", w->drill ? "[演练 drill] " : "",
           fh_warning_level_name(w->level), w->id, w->issuer, w->class_code, w->watch);
    return 0;
}

static int on_down(void *arg, const uint8_t *const *parts, const size_t *lens, size_t n,
                   uint64_t down_next)
{
    struct agent *a = arg;
    return fh_down_receive(a->st, a->conf.path, false, parts, lens, n, down_next, on_new_down,
                           a, &a->ctr[FH_CTR_REFUSED_MALFORMED]);
}

/* Advisories kept in the store (fh_down_receive recorded them): for the probe that
 * checks them, on the loop or in a worker (an LMDB read transaction of that thread). */
static int each_advisory_in(struct agent *a, int (*fn)(void *arg, const Fh__Advisory *adv),
                            void *arg)
{
    return fh_notice_each_advisory(a->st, fn, arg);
}

static int each_advisory_loop(struct fh_probe_sink *sink,
                              int (*fn)(void *arg, const Fh__Advisory *adv), void *arg)
{
    return each_advisory_in(sink->agent, fn, arg);
}

static int each_advisory(struct fh_probe_sink *sink,
                         int (*fn)(void *arg, const Fh__Advisory *adv), void *arg)
{
    return each_advisory_in(((struct running_probe *)sink->agent)->agent, fn, arg);
}

/* The worker thread's sink: pack the body and queue it for the loop. */
static int defer_emit(struct fh_probe_sink *sink, Fh__Kind kind, const ProtobufCMessage *body)
{
    struct running_probe *rp = sink->agent;
    struct deferred *d = calloc(1, sizeof *d);
    size_t len = body ? protobuf_c_message_get_packed_size(body) : 0;
    if (!d || (len && !(d->body = malloc(len)))) {
        free(d);
        return FH_ENOMEM;
    }
    if (len)
        protobuf_c_message_pack(body, d->body);
    d->kind = kind;
    d->len = len;
    *rp->queued_tail = d;
    rp->queued_tail = &d->next;
    return 0;
}

static void on_work(uv_work_t *w)
{
    struct running_probe *rp = w->data;
    rp->work_err = rp->probe->collect(rp->state, &rp->wsink);
}

/* A probe round failed: logged, and reported upward as a fault of this host's watch
 * (软硬件自身故障, low) once per hour per probe and error, with the repeats counted; the
 * probe runs again at its next round. */
static void probe_failed(struct agent *a, struct running_probe *rp, int err)
{
    char key[96], summary[160];
    fh_log(FH_LOG_WARN, "probe %s: %s", rp->probe->name, fh_strerror(err));
    if (err == FH_EFULL || !a->probe_faults)
        return;   /* a full store cannot take the report either */
    snprintf(key, sizeof key, "%s %d", rp->probe->name, err);
    snprintf(summary, sizeof summary, "probe %s failing: %s", rp->probe->name,
             fh_strerror(err));
    const struct fh_detect_fact facts[] = {{"probe", rp->probe->name},
                                           {"error", fh_strerror(err)}};
    struct fh_detect d = {.probe = "agent", .class_code = "FF.SHF",
                          .severity = FH__SEVERITY__SEVERITY_LOW, .key = key,
                          .summary = summary, .facts = facts, .nfacts = 2};
    fh_detect_report(&a->sink, a->probe_faults, &d, fh_now_us());
    fh_repeats_flush(&a->sink, a->probe_faults, fh_now_us());
}

/* Commit what a worker round emitted as one group: one signature for the round
 * (origin.h fh_origin_emit_group), FH_SIGN_GROUP_MAX reports at a time. Frees the list. */
static void commit_round(struct agent *a, struct deferred *d, bool ok)
{
    int kinds[FH_SIGN_GROUP_MAX];
    const uint8_t *bodies[FH_SIGN_GROUP_MAX];
    size_t lens[FH_SIGN_GROUP_MAX], n;
    uint64_t seqs[FH_SIGN_GROUP_MAX];
    while (d) {
        struct deferred *first = d;
        for (n = 0; d && n < FH_SIGN_GROUP_MAX; d = d->next) {
            if (!ok || past_max(a, d->kind))
                continue;
            kinds[n] = d->kind;
            bodies[n] = d->body;
            lens[n++] = d->len;
        }
        int err = n ? fh_origin_emit_group(a->st, a->conf.path, n, kinds, bodies, lens, seqs)
                    : 0;
        if (err)
            fh_log(FH_LOG_ERROR, "cannot keep %zu reports of a probe round: %s", n,
                   fh_strerror(err));
        for (size_t i = 0; !err && i < n; i++)
            emitted(a, kinds[i], seqs[i]);
        while (first != d) {
            struct deferred *next = first->next;
            free(first->body);
            free(first);
            first = next;
        }
    }
}

static void after_work(uv_work_t *w, int status)
{
    struct running_probe *rp = w->data;
    struct agent *a = rp->agent;
    rp->busy = false;
    commit_round(a, rp->queued, status == 0);
    rp->queued = NULL;
    rp->queued_tail = &rp->queued;
    if (status == 0 && rp->work_err)
        probe_failed(a, rp, rp->work_err);
}

static void on_probe_timer(uv_timer_t *t)
{
    struct running_probe *rp = t->data;
    if (rp->probe->threaded) {
        if (rp->busy)
            return;   /* the previous round is still running: skip this one */
        rp->busy = true;
        rp->work.data = rp;
        rp->wsink = (struct fh_probe_sink){.emit = defer_emit, .agent = rp,
                                           .each_advisory = each_advisory,
                                           .self_path = rp->agent->conf.path};
        rp->queued_tail = &rp->queued;
        uv_queue_work(rp->agent->loop, &rp->work, on_work, after_work);
        return;
    }
    int err = rp->probe->collect(rp->state, &rp->agent->sink);
    if (err)
        probe_failed(rp->agent, rp, err);
}

static void on_flush(uv_timer_t *t)
{
    struct agent *a = t->data;
    fh_store_flush_state(a->st, a->ctr, fh_uplink_last_ack_us(a->up));
}

/* Config tables: the agent's own, the shared node keys, one per probe. */
static int load_conf(struct agent *a, const char *file, bool print)
{
    struct fh_config_table tables[MAX_PROBES + 2];
    size_t n = 0;
    tables[n++] = (struct fh_config_table){keys, sizeof keys / sizeof keys[0], &a->conf};
    tables[n++] = fh_nodeconf_table(&a->nc);
    for (size_t i = 0; fh_probes[i] && i < MAX_PROBES; i++) {
        struct running_probe *rp = &a->probes[a->nprobes++];
        rp->probe = fh_probes[i];
        if (!(rp->conf = calloc(1, fh_probes[i]->conf_size ? fh_probes[i]->conf_size : 1)))
            return FH_ENOMEM;
        tables[n++] = (struct fh_config_table){fh_probes[i]->keys, fh_probes[i]->nkeys,
                                               rp->conf};
    }
    if (print) {
        fh_config_print(stdout, tables, n);
        return 0;
    }
    char err[512];
    if (fh_config_load(file, tables, n, err, sizeof err) != 0 ||
        fh_nodeconf_apply(&a->nc, file, a->conf.path, err, sizeof err) != 0) {
        fprintf(stderr, "fenghuo-agent: %s\n", err);
        return FH_ECONFIG;
    }
    return 0;
}

static int start_probes(struct agent *a)
{
    if (fh_repeats_new(3600, 64, &a->probe_faults) != 0)
        a->probe_faults = NULL;
    a->sink = (struct fh_probe_sink){.emit = emit, .agent = a,
                                     .each_advisory = each_advisory_loop,
                                     .self_path = a->conf.path};
    size_t started = 0;
    for (size_t i = 0; i < a->nprobes; i++) {
        struct running_probe *rp = &a->probes[i];
        rp->agent = a;
        int err = rp->probe->init(rp->conf, &rp->state, &rp->interval_s);
        if (err == FH_ENOTFOUND) {
            fh_log(FH_LOG_INFO, "probe %s: disabled", rp->probe->name);
            continue;
        }
        if (err) {
            fh_log(FH_LOG_ERROR, "probe %s: cannot start: %s", rp->probe->name,
                   fh_strerror(err));
            return err;
        }
        if (rp->probe->start && (err = rp->probe->start(rp->state, a->loop, &a->sink))) {
            fh_log(FH_LOG_ERROR, "probe %s: cannot start watching: %s", rp->probe->name,
                   fh_strerror(err));
            return err;
        }
        /* --interval-ms speeds up the sampling probes only: not what runs on demand,
         * nor a threaded probe (a package manager run every few ms is no test). */
        bool fast = a->interval_ms_override && !rp->probe->on_demand && !rp->probe->threaded;
        uint64_t ms = fast ? a->interval_ms_override : (uint64_t)rp->interval_s * 1000u;
        uv_timer_init(a->loop, &rp->timer);
        rp->timer.data = rp;
        uv_timer_start(&rp->timer, on_probe_timer, 0, ms);
        fh_log(FH_LOG_INFO, "probe %s: every %llu ms", rp->probe->name,
               (unsigned long long)ms);
        started++;
    }
    return 0;
}

static int run(struct agent *a)
{
    int err = fh_store_open(a->conf.data_dir, (size_t)a->nc.map_size_mb, 0, &a->st);
    if (err)
        return err;
    fh_store_load_counters(a->st, a->ctr);
    fh_store_set_map_max(a->st, (size_t)a->nc.map_max_mb);
    /* signatures follow CURVE: every report signed as it is committed (sig.h) */
    if (a->nc.curve && (err = fh_sig_start(a->st, a->nc.key_dir, a->conf.path,
                                           FH__ROLE__ROLE_AGENT, a->ctr)))
        return err;
    char started[32];
    snprintf(started, sizeof started, "%llu", (unsigned long long)fh_now_us());
    if ((err = fh_store_meta_set(a->st, "path", a->conf.path)) ||
        (err = fh_store_meta_set(a->st, "role", "agent")) ||
        (err = fh_store_meta_set(a->st, "parent", a->conf.parent)) ||
        (err = fh_store_meta_set(a->st, "started_us", started)))
        return err;
    struct fh_uplink_opts uo = fh_nodeconf_uplink(&a->nc, a->conf.parent, a->conf.path,
                                                  FH__ROLE__ROLE_AGENT,
                                                  "fenghuo-agent " FH_VERSION);
    uo.on_down = on_down;
    uo.down_arg = a;
    if (a->nc.curve) {
        uo.curve_secret = a->keys.curve_secret;
        uo.curve_public = a->keys.curve_public;
        uo.server_key = a->parent_key;
    }
    if ((err = fh_uplink_start(a->loop, a->zctx, a->st, &uo, a->ctr, &a->up)))
        return err;
    if ((err = start_probes(a)))
        return err;
    uv_timer_init(a->loop, &a->flush);
    a->flush.data = a;
    uv_timer_start(&a->flush, on_flush, 5000, 5000);
    fh_loop_stop_on_signals(a->loop, a->sigs);
    fh_log(FH_LOG_INFO, "agent %s reporting to %s; next seq %llu, %llu reports waiting",
           a->conf.path, a->conf.parent, (unsigned long long)fh_store_next_seq(a->st),
           (unsigned long long)fh_outbox_depth(a->st));
    uv_run(a->loop, UV_RUN_DEFAULT);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: fenghuo-agent -c CONFIG [--interval-ms MS] [--max-reports N]\n"
               "       fenghuo-agent enroll TOKEN -c CONFIG   (join the collector once)\n"
               "       fenghuo-agent --print-config\n"
               "       fenghuo-agent --version\n"
               "  --interval-ms MS  run the sampling probes (health) every MS milliseconds\n"
               "  --max-reports N   stop probing once this origin made report N; keep delivering\n");
}

/* fenghuo-agent enroll TOKEN -c CONFIG: make the keys, register them with the collector
 * the token names, keep its public key. */
static int enroll(struct agent *a, const char *file, const char *token)
{
    char msg[1200];
    if (!a->nc.curve || !a->nc.key_dir[0]) {
        fprintf(stderr, "fenghuo-agent: enroll needs security.curve on and security.key_dir "
                "in %s\n", file);
        return FH_ECONFIG;
    }
    struct fh_enrol_request r = {.token = token, .key_dir = a->nc.key_dir,
                                 .path = a->conf.path, .role = FH__ROLE__ROLE_AGENT,
                                 .software = "fenghuo-agent " FH_VERSION};
    int err = fh_enrol_run(&r, msg, sizeof msg);
    fprintf(err ? stderr : stdout, "%s%s\n", err ? "fenghuo-agent: enroll: " : "", msg);
    return err;
}

/* The keys, checked: a host whose private key others can read does not start. */
static int load_keys(struct agent *a, const char *file)
{
    char msg[1200];
    int err = fh_nodeconf_keys(&a->nc, file, true, &a->keys, a->parent_key, msg, sizeof msg);
    if (err)
        fprintf(stderr, "fenghuo-agent: %s\n", msg);
    else if (!a->nc.curve)
        fprintf(stderr, "fenghuo-agent: %s: security.curve is off: the link to the collector "
                "is neither encrypted nor authenticated\n", file);
    return err;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || s[0] == '-')
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    struct agent a = {0};
    const char *file = NULL, *token = NULL;
    bool print = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            file = argv[++i];
        } else if (i == 1 && strcmp(argv[i], "enroll") == 0 && i + 1 < argc) {
            token = argv[++i];
        } else if (strcmp(argv[i], "--interval-ms") == 0 && i + 1 < argc) {
            if (!parse_u64(argv[++i], &a.interval_ms_override) || !a.interval_ms_override) {
                fprintf(stderr, "fenghuo-agent: --interval-ms needs a positive number\n");
                return 1;
            }
        } else if (strcmp(argv[i], "--max-reports") == 0 && i + 1 < argc) {
            if (!parse_u64(argv[++i], &a.max_reports)) {
                fprintf(stderr, "fenghuo-agent: --max-reports needs a number\n");
                return 1;
            }
        } else if (strcmp(argv[i], "--print-config") == 0) {
            print = true;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("fenghuo-agent %s\n", FH_VERSION);
            return 0;
        } else {
            usage(stderr);
            return 1;
        }
    }
    if (!file && !print) {
        usage(stderr);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    int err = load_conf(&a, file, print);
    if (err || print)
        goto out;
    if (token || (err = load_keys(&a, file))) {
        if (token)
            err = enroll(&a, file, token);
        goto out;
    }
    a.loop = uv_default_loop();
    a.zctx = zmq_ctx_new();
    if ((err = run(&a)))
        fh_log(FH_LOG_ERROR, "cannot start: %s", fh_strerror(err));
    if (a.st)
        fh_store_flush_state(a.st, a.ctr, fh_uplink_last_ack_us(a.up));
    fh_uplink_stop(a.up);
    a.up = NULL;   /* a threaded probe finishing during the close must not send */
    fh_loop_close_all(a.loop);
    /* A threaded probe still running (a hung package manager) must not hold the stop:
     * give it a moment, then leave without it (its result is dropped, its state kept). */
    bool busy = false;
    for (int i = 0; i < 200; i++) {
        int alive = uv_run(a.loop, UV_RUN_NOWAIT);
        busy = false;
        for (size_t k = 0; k < a.nprobes; k++)
            busy |= a.probes[k].busy;
        if (!alive)
            break;
        if (busy)
            uv_sleep(10);
    }
    if (busy)
        fh_log(FH_LOG_WARN, "a probe is still running: stopping without its result");
    fh_sig_teardown();
    fh_store_close(a.st);
    a.st = NULL;
    zmq_ctx_term(a.zctx);
    if (!busy)
        uv_loop_close(a.loop);
    fh_log(FH_LOG_INFO, "stopped");
out:
    fh_repeats_free(a.probe_faults);
    for (size_t i = 0; i < a.nprobes; i++) {
        if (a.probes[i].state && !a.probes[i].busy)
            a.probes[i].probe->destroy(a.probes[i].state);
        if (!a.probes[i].busy)
            free(a.probes[i].conf);
    }
    fh_keys_wipe(&a.keys);
    return err ? 1 : 0;
}
