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
#include "err.h"
#include "fenghuo.pb-c.h"
#include "log.h"
#include "nodeconf.h"
#include "pipeline.h"
#include "runloop.h"
#include "store.h"
#include "uplink.h"

struct conf {
    char scope[FH_PATH_MAX];
    char listen[256];
    char parent[256];
    char data_dir[512];
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
};

struct collector {
    struct conf conf;
    struct fh_nodeconf nc;
    uv_loop_t *loop;
    void *zctx;
    struct fh_store *st;
    struct fh_pipeline *pipe;
    struct fh_link *children;
    struct fh_uplink *up;
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

/* Counters changed outside a committed round (refusals, the uplink): save them. */
static void on_flush(uv_timer_t *t)
{
    struct collector *c = t->data;
    uint64_t ack = fh_uplink_last_ack_us(c->up);
    bool sent = memcmp(c->saved_up, c->ctr + FH_CTR_SENT, sizeof c->saved_up) != 0;
    if (fh_pipeline_take_dirty(c->pipe) || sent || ack != c->saved_ack_us) {
        fh_store_flush_state(c->st, c->ctr, ack);
        c->saved_ack_us = ack;
        memcpy(c->saved_up, c->ctr + FH_CTR_SENT, sizeof c->saved_up);
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: fenghuo-collector -c CONFIG\n"
               "       fenghuo-collector --print-config\n"
               "       fenghuo-collector --version\n");
}

static int load_conf(struct collector *c, const char *file)
{
    struct fh_config_table tables[] = {{keys, sizeof keys / sizeof keys[0], &c->conf},
                                       fh_nodeconf_table(&c->nc)};
    char err[512];
    if (fh_config_load(file, tables, 2, err, sizeof err) != 0 ||
        fh_nodeconf_apply(&c->nc, file, c->conf.scope, err, sizeof err) != 0) {
        fprintf(stderr, "fenghuo-collector: %s\n", err);
        return FH_ECONFIG;
    }
    return 0;
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
    struct fh_pipeline_opts po = {.scope = c->conf.scope, .relay = c->conf.parent[0] != 0,
                                  .st = c->st, .counters = c->ctr,
                                  .outbox_max_bytes = (uint64_t)c->nc.outbox_max_mb << 20};
    if ((err = fh_pipeline_new(&po, &c->pipe)))
        return err;
    struct fh_link_cbs cbs = {.on_message = on_message, .on_round_end = on_round_end,
                              .on_event = on_event, .arg = c};
    if ((err = fh_link_bind(c->loop, c->zctx, c->conf.listen, NULL, &cbs, &c->children)))
        return err;
    if (c->conf.parent[0]) {
        struct fh_uplink_opts uo = fh_nodeconf_uplink(&c->nc, c->conf.parent, c->conf.scope,
                                                      FH__ROLE__ROLE_COLLECTOR,
                                                      "fenghuo-collector " FH_VERSION);
        if ((err = fh_uplink_start(c->loop, c->zctx, c->st, &uo, c->ctr, &c->up)))
            return err;
    }
    uv_timer_init(c->loop, &c->flush);
    c->flush.data = c;
    uv_timer_start(&c->flush, on_flush, 1000, 1000);
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
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            file = argv[++i];
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("fenghuo-collector %s\n", FH_VERSION);
            return 0;
        } else if (strcmp(argv[i], "--print-config") == 0) {
            struct collector tmp;
            struct fh_config_table tables[] = {{keys, sizeof keys / sizeof keys[0], NULL},
                                               fh_nodeconf_table(&tmp.nc)};
            fh_config_print(stdout, tables, 2);
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
    fh_loop_close_all(c.loop);
    uv_run(c.loop, UV_RUN_DEFAULT);
    fh_pipeline_free(c.pipe);
    fh_store_close(c.st);
    zmq_ctx_term(c.zctx);
    uv_loop_close(c.loop);
    fh_log(FH_LOG_INFO, "stopped");
    return err ? 1 : 0;
}
