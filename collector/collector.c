/* collector.c - fenghuo-collector: one binary for every tier.
 *
 * The tier is configuration: a scope (a path prefix), an endpoint where children
 * connect, an optional parent. main() loads and checks the config, opens the store,
 * binds the children's ROUTER with the pipeline (pipeline.c) as its callbacks, starts
 * the uplink to the parent when there is one, and runs the libuv loop until SIGTERM or
 * SIGINT. Everything a round stores is committed before its acks go out, so stopping at
 * any instant loses nothing acknowledged. */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <zmq.h>

#include "config.h"
#include "control.h"
#include "down.h"
#include "incidents.h"
#include "enrol.h"
#include "enrolment.h"
#include "err.h"
#include "fenghuo.pb-c.h"
#include "log.h"
#include "nodeconf.h"
#include "pipeline.h"
#include "sig.h"
#include "relay_policy.h"
#include "rollup.h"
#include "runloop.h"
#include "store.h"
#include "uplink.h"
#include "zap.h"

struct conf {
    char scope[FH_PATH_MAX];
    char listen[256];
    char parent[256];
    char data_dir[512];
    char enrol_listen[256];
};

#define K(name, type, field, req, def, help)                                             \
    {"collector", name, type, offsetof(struct conf, field),                               \
     sizeof(((struct conf *)0)->field), req, def, 0, 0, help}

static const struct fh_config_key keys[] = {
    K("scope", FH_CONF_PATH, scope, true, NULL,
      "the part of the tree this collector answers for, e.g. 320000/320100/320102"),
    K("listen", FH_CONF_ENDPOINT, listen, true, NULL,
      "where children connect, e.g. tcp://0.0.0.0:7102"),
    K("parent", FH_CONF_STRING, parent, false, "",
      "the parent collector's endpoint; empty at the top tier"),
    K("data_dir", FH_CONF_STRING, data_dir, true, NULL,
      "directory of this collector's LMDB store"),
    K("enrol_listen", FH_CONF_STRING, enrol_listen, false, "",
      "where nodes holding a token enrol (`fenghuo-ctl token create`), e.g. "
      "tcp://0.0.0.0:7103; empty: no enrolment here, only keys added with `peers add`"),
};

/* [incidents]: how detections become incidents here (incidents.h). */
struct incconf {
    char profile[32];
    int64_t window_h;
    int64_t grace_s;
};

static const struct fh_config_key incident_keys[] = {
    {"incidents", "profile", FH_CONF_STRING, offsetof(struct incconf, profile),
     sizeof(((struct incconf *)0)->profile), false, "national", 0, 0,
     "grading profile of this collector: national (plan 001) or education (plan 004)"},
    {"incidents", "window_h", FH_CONF_INT, offsetof(struct incconf, window_h),
     sizeof(int64_t), false, "24", 1, 720,
     "detections of one unit, class and fingerprint this close are one incident"},
    {"incidents", "report_grace_s", FH_CONF_INT, offsetof(struct incconf, grace_s),
     sizeof(int64_t), false, "600", 0, 86400,
     "an incident to report at once (立即) is late (迟报) when it reaches a tier above "
     "later than this after it was graded"},
};
#define INCIDENT_TABLE(dst) {incident_keys, sizeof incident_keys / sizeof incident_keys[0], dst}

struct collector {
    struct conf conf;
    struct incconf ic;
    struct fh_relay_conf rc;           /* [relay_policy], [rollup] (relay_policy.h) */
    struct fh_relay_policy policy;
    uv_timer_t rollup;                 /* with a parent: every [rollup] period_s */
    struct fh_incidents *incidents;
    struct fh_nodeconf nc;
    uv_loop_t *loop;
    void *zctx;
    struct fh_store *st;
    struct fh_pipeline *pipe;
    struct fh_link *children;
    struct fh_uplink *up;
    struct fh_control *control;
    struct fh_keys keys;               /* [security]: this node's, and its parent's key */
    char parent_key[FH_Z85_KEY_LEN + 1];
    struct fh_zap *zap;
    struct fh_enrolment *enrol;
    uint64_t ctr[FH_CTR_COUNT];
    /* what the last flush saved of what the uplink changes (SENT .. DEAD_LETTER) */
    uint64_t saved_up[FH_CTR_DEAD_LETTER - FH_CTR_SENT + 1];
    uint64_t saved_ack_us;
    uv_timer_t flush;
    uv_signal_t sigs[2];
};

static void on_round_end(struct fh_link *l, void *arg)
{
    struct collector *c = arg;
    fh_pipeline_on_round_end(l, c->pipe);
    if (fh_pipeline_take_stored(c->pipe))
        fh_uplink_kick(c->up);
}

static void on_message(struct fh_link *l, zmq_msg_t *parts, size_t n, bool truncated,
                       void *arg)
{
    fh_pipeline_on_message(l, parts, n, truncated, ((struct collector *)arg)->pipe);
}

static void on_event(struct fh_link *l, int event, int value, void *arg)
{
    fh_pipeline_on_event(l, event, value, ((struct collector *)arg)->pipe);
}

/* Warnings and advisories from the parent: stored, and into this node's down log for
 * the children. */
static int on_down(void *arg, const uint8_t *const *parts, const size_t *lens, size_t n,
                   uint64_t down_next)
{
    struct collector *c = arg;
    int err = fh_down_receive(c->st, c->conf.scope, true, parts, lens, n, down_next, NULL,
                              NULL, &c->ctr[FH_CTR_REFUSED_MALFORMED]);
    if (!err && n)
        fh_pipeline_push_down(c->pipe, c->children);   /* on to the children at once */
    return err;
}

/* fenghuo-ctl had this collector issue something: send it up now. */
static void on_control(void *arg)
{
    struct collector *c = arg;
    if (c->up)
        fh_uplink_kick(c->up);
    fh_pipeline_push_down(c->pipe, c->children);
}

/* Every [rollup] period_s: what this collector keeps, counted per unit, sent up. */
static void on_rollup(uv_timer_t *t)
{
    static struct fh_log_limit lim;
    struct collector *c = t->data;
    uint64_t made = 0;
    int err = fh_rollup_emit(c->st, c->conf.scope, &c->policy,
                             (uint32_t)c->rc.rollup_period_s, fh_now_us(), &made);
    if (err)
        fh_log_limited(&lim, 60, FH_LOG_ERROR, "rollup not made (the next period sends "
                       "it all): %s", fh_strerror(err));
    else if (made)
        fh_uplink_kick(c->up);
}

/* Counters changed outside a committed round (refusals, the uplink): save them. */
static void on_flush(uv_timer_t *t)
{
    struct collector *c = t->data;
    uint64_t ack = fh_uplink_last_ack_us(c->up);
    bool sent = memcmp(c->saved_up, c->ctr + FH_CTR_SENT, sizeof c->saved_up) != 0;
    fh_pipeline_check_revoked(c->pipe, c->children);
    bool security = fh_zap_take_dirty(c->zap) | fh_enrolment_take_dirty(c->enrol);
    if (fh_pipeline_take_dirty(c->pipe) || sent || ack != c->saved_ack_us || security) {
        fh_store_flush_state(c->st, c->ctr, ack);
        c->saved_ack_us = ack;
        memcpy(c->saved_up, c->ctr + FH_CTR_SENT, sizeof c->saved_up);
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: fenghuo-collector -c CONFIG\n"
               "       fenghuo-collector enroll TOKEN -c CONFIG   (join the parent once)\n"
               "       fenghuo-collector --print-config\n"
               "       fenghuo-collector --version\n");
}

static int load_conf(struct collector *c, const char *file)
{
    struct fh_config_table tables[] = {{keys, sizeof keys / sizeof keys[0], &c->conf},
                                       fh_nodeconf_table(&c->nc), INCIDENT_TABLE(&c->ic),
                                       fh_relay_conf_table(&c->rc)};
    char err[512];
    if (fh_config_load(file, tables, 4, err, sizeof err) != 0 ||
        fh_nodeconf_apply(&c->nc, file, c->conf.scope, err, sizeof err) != 0) {
        fprintf(stderr, "fenghuo-collector: %s\n", err);
        return FH_ECONFIG;
    }
    fh_relay_policy_make(&c->rc, &c->policy);
    if (c->conf.enrol_listen[0] && !c->nc.curve) {
        fprintf(stderr, "fenghuo-collector: %s: collector.enrol_listen needs security.curve "
                "on\n", file);
        return FH_ECONFIG;
    }
    return 0;
}

/* The keys, checked: a node with a private key others can read does not start. */
static int load_keys(struct collector *c, const char *file)
{
    char err[1200];
    if (fh_nodeconf_keys(&c->nc, file, c->conf.parent[0] != 0, &c->keys, c->parent_key, err,
                         sizeof err) != 0) {
        fprintf(stderr, "fenghuo-collector: %s\n", err);
        return FH_ECONFIG;
    }
    if (!c->nc.curve)
        fprintf(stderr, "fenghuo-collector: %s: security.curve is off: links are neither "
                "encrypted nor authenticated, and children are trusted for their scope\n",
                file);
    return 0;
}

/* fenghuo-collector enroll TOKEN -c CONFIG */
static int enroll(struct collector *c, const char *file, const char *token)
{
    char msg[1200];
    if (!c->nc.curve || !c->nc.key_dir[0]) {
        fprintf(stderr, "fenghuo-collector: enroll needs security.curve on and "
                "security.key_dir in %s\n", file);
        return 1;
    }
    struct fh_enrol_request r = {.token = token, .key_dir = c->nc.key_dir,
                                 .path = c->conf.scope, .role = FH__ROLE__ROLE_COLLECTOR,
                                 .software = "fenghuo-collector " FH_VERSION};
    int err = fh_enrol_run(&r, msg, sizeof msg);
    fprintf(err ? stderr : stdout, "%s%s\n", err ? "fenghuo-collector: enroll: " : "", msg);
    return err ? 1 : 0;
}

static int run(struct collector *c)
{
    int err = fh_store_open(c->conf.data_dir, (size_t)c->nc.map_size_mb, 0, &c->st);
    if (err)
        return err;
    fh_store_load_counters(c->st, c->ctr);
    char started[32];
    snprintf(started, sizeof started, "%llu", (unsigned long long)fh_now_us());
    if ((err = fh_store_meta_set(c->st, "path", c->conf.scope)) ||
        (err = fh_store_meta_set(c->st, "role", "collector")) ||
        (err = fh_store_meta_set(c->st, "listen", c->conf.listen)) ||
        (err = fh_store_meta_set(c->st, "parent", c->conf.parent)) ||
        (err = fh_store_meta_set(c->st, "started_us", started)))
        return err;
    fh_store_set_map_max(c->st, (size_t)c->nc.map_max_mb);
    /* signatures follow CURVE: own reports signed, children's checked (sig.h) */
    if (c->nc.curve && (err = fh_sig_start(c->st, c->nc.key_dir, c->conf.scope,
                                           FH__ROLE__ROLE_COLLECTOR, c->ctr)))
        return err;
    struct fh_pipeline_opts po = {.scope = c->conf.scope, .relay = c->conf.parent[0] != 0,
                                  .st = c->st, .counters = c->ctr,
                                  .outbox_max_bytes = (uint64_t)c->nc.outbox_max_mb << 20,
                                  .curve = c->nc.curve};
    struct fh_incidents_opts io = {.self = c->conf.scope, .top = !c->conf.parent[0],
                                   .profile = c->ic.profile,
                                   .window_s = (uint32_t)c->ic.window_h * 3600,
                                   .grace_s = (uint32_t)c->ic.grace_s,
                                   .policy = &c->policy};
    char why[256];
    if ((err = fh_incidents_new(&io, &c->incidents, why, sizeof why))) {
        fh_log(FH_LOG_ERROR, "[incidents] profile: %s", why);
        return err;
    }
    po.incidents = c->incidents;
    po.policy = &c->policy;
    if ((err = fh_pipeline_new(&po, &c->pipe)))
        return err;
    /* The ZAP handler first: a CURVE server bound without one lets every key in. */
    if (c->nc.curve && ((err = fh_store_meta_set(c->st, "curve_public", c->keys.curve_public)) ||
                        (err = fh_zap_start(c->loop, c->zctx, c->st, c->ctr, &c->zap))))
        return err;
    struct fh_link_cbs cbs = {.on_message = on_message, .on_round_end = on_round_end,
                              .on_event = on_event, .arg = c};
    struct fh_link_opts lo = {.curve_secret = c->nc.curve ? c->keys.curve_secret : NULL,
                              .zap_domain = FH_ZAP_DOMAIN_LINK};
    if ((err = fh_link_bind(c->loop, c->zctx, c->conf.listen, &lo, &cbs, &c->children)))
        return err;
    if (c->conf.enrol_listen[0]) {
        struct fh_enrolment_opts eo = {.endpoint = c->conf.enrol_listen,
                                       .scope = c->conf.scope, .keys = &c->keys, .st = c->st,
                                       .counters = c->ctr};
        if ((err = fh_enrolment_start(c->loop, c->zctx, &eo, &c->enrol)) ||
            (err = fh_store_meta_set(c->st, "enrol_endpoint", fh_enrolment_endpoint(c->enrol))))
            return err;
    } else if ((err = fh_store_meta_set(c->st, "enrol_endpoint", ""))) {
        return err;
    }
    if (c->conf.parent[0]) {
        struct fh_uplink_opts uo = fh_nodeconf_uplink(&c->nc, c->conf.parent, c->conf.scope,
                                                      FH__ROLE__ROLE_COLLECTOR,
                                                      "fenghuo-collector " FH_VERSION);
        uo.on_down = on_down;
        uo.down_arg = c;
        if (c->nc.curve) {
            uo.curve_secret = c->keys.curve_secret;
            uo.curve_public = c->keys.curve_public;
            uo.server_key = c->parent_key;
        }
        if ((err = fh_uplink_start(c->loop, c->zctx, c->st, &uo, c->ctr, &c->up)))
            return err;
    }
    struct fh_control_opts co = {.data_dir = c->conf.data_dir, .self = c->conf.scope,
                                 .top = !c->conf.parent[0], .st = c->st,
                                 .incidents = c->incidents,
                                 .changed = on_control, .arg = c};
    if ((err = fh_control_start(c->loop, &co, &c->control)))
        return err;
    uv_timer_init(c->loop, &c->flush);
    c->flush.data = c;
    uv_timer_start(&c->flush, on_flush, 1000, 1000);
    if (c->conf.parent[0]) {
        uint64_t ms = (uint64_t)c->rc.rollup_period_s * 1000u;
        uv_timer_init(c->loop, &c->rollup);
        c->rollup.data = c;
        uv_timer_start(&c->rollup, on_rollup, ms, ms);
    }
    char pol[512];
    fh_relay_policy_describe(&c->policy, pol, sizeof pol);
    if (c->conf.parent[0])
        fh_log(FH_LOG_INFO, "relay policy: %s; rollup every %llu s", pol,
               (unsigned long long)c->rc.rollup_period_s);
    fh_loop_stop_on_signals(c->loop, c->sigs);
    fh_log(FH_LOG_INFO, "collector for %s listening on %s, parent %s, %llu reports waiting "
           "to relay", c->conf.scope, fh_link_endpoint(c->children),
           c->conf.parent[0] ? c->conf.parent : "(none: top tier)",
           (unsigned long long)fh_outbox_depth(c->st));
    uv_run(c->loop, UV_RUN_DEFAULT);
    return 0;
}

int main(int argc, char **argv)
{
    const char *file = NULL, *token = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            file = argv[++i];
        } else if (i == 1 && strcmp(argv[i], "enroll") == 0 && i + 1 < argc) {
            token = argv[++i];
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("fenghuo-collector %s\n", FH_VERSION);
            return 0;
        } else if (strcmp(argv[i], "--print-config") == 0) {
            struct collector tmp;
            struct fh_config_table tables[] = {{keys, sizeof keys / sizeof keys[0], NULL},
                                               fh_nodeconf_table(&tmp.nc),
                                               INCIDENT_TABLE(NULL),
                                               fh_relay_conf_table(NULL)};
            fh_config_print(stdout, tables, 4);
            return 0;
        } else {
            usage(stderr);
            return 1;
        }
    }
    if (!file) {
        usage(stderr);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    struct collector c = {0};
    if (load_conf(&c, file) != 0)
        return 1;
    if (token)
        return enroll(&c, file, token);
    if (load_keys(&c, file) != 0)
        return 1;
    c.loop = uv_default_loop();
    c.zctx = zmq_ctx_new();
    int err = run(&c);
    if (err)
        fh_log(FH_LOG_ERROR, "cannot start: %s", fh_strerror(err));
    /* Stop: the pipeline commits per round, so there is nothing pending to flush but
     * the counters. */
    if (c.st && c.pipe)
        fh_store_flush_state(c.st, c.ctr, fh_uplink_last_ack_us(c.up));
    fh_uplink_stop(c.up);
    fh_link_close(c.children);
    fh_enrolment_stop(c.enrol);
    fh_zap_stop(c.zap);
    fh_loop_close_all(c.loop);
    uv_run(c.loop, UV_RUN_DEFAULT);
    fh_pipeline_free(c.pipe);
    fh_incidents_free(c.incidents);
    fh_control_free(c.control);
    fh_sig_teardown();
    fh_store_close(c.st);
    zmq_ctx_term(c.zctx);
    uv_loop_close(c.loop);
    fh_keys_wipe(&c.keys);
    fh_log(FH_LOG_INFO, "stopped");
    return err ? 1 : 0;
}
