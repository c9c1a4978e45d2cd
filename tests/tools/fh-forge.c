/* fh-forge.c - forged, replayed and re-signed input, for the signature tests
 * (tests/integration/signatures.py).
 *
 *   fh-forge send tcp://127.0.0.1:PORT SENDER_PATH STORE_DIR ORIGIN same|reseq|future
 *   fh-forge warn STORE_DIR KEY_DIR ISSUER LEVEL SCOPE
 *
 * send: connect like a child (a DEALER; CURVE with the keys of FH_FORGE_KEY_DIR, a key
 * directory with parent.pub, registered at the collector), and send one batch with a
 * HELLO from SENDER_PATH of:
 *   same     the reports of ORIGIN kept in the store at STORE_DIR (at most MAX_REPLAY),
 *            byte for byte: a captured batch replayed
 *   reseq    the same with each seq raised by RESEQ_BY (proofs unchanged): a replay
 *            dressed as new reports
 *   future   one health report of ORIGIN timed FUTURE_S ahead, signed with
 *            FH_FORGE_KEY_DIR's own signing key
 * and print the verdicts of the ack: "STORED 0 DUPLICATE 10 RETRY 0 REFUSED 0", or
 * "no reply". The store is opened read-only (the node may run).
 *
 * warn: append to the down log of the store at STORE_DIR (its collector stopped) a red,
 * orange, yellow or blue warning claiming to be issued by ISSUER for SCOPE, signed with
 * KEY_DIR's signing key: a tier that forges a warning of a level above its own. Prints
 * its id. The endpoint must be on 127.0.0.1; every wait is bounded. Exit status 0: done,
 * 1: could not, 2: usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "down.h"
#include "err.h"
#include "fenghuo.pb-c.h"
#include "keys.h"
#include "log.h"
#include "notice.h"
#include "path.h"
#include "report.h"
#include "signer.h"
#include "store.h"

#define MAX_REPLAY 64
#define RESEQ_BY 1000000u
#define FUTURE_S 3600u
#define FORGED_SEQ 900000u
#define WAIT_MS 3000

struct replay {
    const char *origin;
    size_t n;
    uint8_t *buf[MAX_REPLAY];
    size_t len[MAX_REPLAY];
};

static int take(const char *origin, uint64_t seq, const void *bytes, size_t len, void *arg)
{
    struct replay *r = arg;
    (void)seq;
    if (strcmp(origin, r->origin) != 0 || r->n == MAX_REPLAY)
        return 0;
    if (!(r->buf[r->n] = malloc(len)))
        return FH_ENOMEM;
    memcpy(r->buf[r->n], bytes, len);
    r->len[r->n++] = len;
    return 0;
}

static int reseq(uint8_t **buf, size_t *len)
{
    Fh__Envelope *env = fh__envelope__unpack(NULL, *len, *buf);
    if (!env)
        return FH_EMALFORMED;
    env->seq += RESEQ_BY;
    free(*buf);
    *len = fh__envelope__get_packed_size(env);
    if ((*buf = malloc(*len)))
        fh__envelope__pack(env, *buf);
    fh__envelope__free_unpacked(env, NULL);
    return *buf ? 0 : FH_ENOMEM;
}

static int future(const char *key_dir, const char *origin, struct replay *r)
{
    char err[600];
    struct fh_signer *s;
    if (fh_signer_load(key_dir, &s, err, sizeof err) != 0) {
        fprintf(stderr, "fh-forge: %s\n", err);
        return FH_ECONFIG;
    }
    Fh__Health h = FH__HEALTH__INIT;
    h.interval_s = 30;
    h.hostname = "forged";
    uint8_t body[64];
    size_t blen = fh__health__pack(&h, body);
    struct fh_sign_item it = {.origin = origin, .seq = FORGED_SEQ,
                              .time_us = fh_now_us() + FUTURE_S * 1000000ull,
                              .kind = FH__KIND__KIND_HEALTH, .body = body, .len = blen};
    int rc = fh_sign_encode(s, &it, 1, &r->buf[0], &r->len[0]);
    r->n = rc == 0;
    fh_signer_free(s);
    return rc;
}

static int curve(void *sock, const char *dir)
{
    struct fh_keys k;
    char why[600], file[1024], server[FH_Z85_KEY_LEN + 1];
    snprintf(file, sizeof file, "%s/%s", dir, FH_KEY_PARENT_PUBLIC);
    if (fh_keys_load(dir, &k, why, sizeof why) != 0 || fh_keys_read_public(file, server) != 0)
        return FH_ECONFIG;
    int rc = zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, k.curve_secret, FH_Z85_KEY_LEN) ||
             zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, k.curve_public, FH_Z85_KEY_LEN) ||
             zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server, FH_Z85_KEY_LEN);
    fh_keys_wipe(&k);
    return rc ? FH_ELINK : 0;
}

/* Send the batch, print the ack's verdicts. */
static int send_batch(const char *endpoint, const char *key_dir, const char *sender,
                      struct replay *r)
{
    static const char *const names[] = {"?", "STORED", "DUPLICATE", "RETRY", "REFUSED"};
    void *ctx = zmq_ctx_new(), *sock = ctx ? zmq_socket(ctx, ZMQ_DEALER) : NULL;
    int zero = 0, wait = WAIT_MS, rc = 1;
    uint8_t *hello = NULL;
    size_t hlen;
    if (!sock || curve(sock, key_dir) != 0) {
        fprintf(stderr, "fh-forge: no socket or no usable keys in %s\n", key_dir);
        goto out;
    }
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sock, ZMQ_SNDTIMEO, &wait, sizeof wait);
    zmq_setsockopt(sock, ZMQ_RCVTIMEO, &wait, sizeof wait);
    int immediate = 1;
    zmq_setsockopt(sock, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
    Fh__Hello h = FH__HELLO__INIT;
    h.role = FH__ROLE__ROLE_AGENT;
    h.software = "fh-forge";
    h.batch = 1;
    if (zmq_connect(sock, endpoint) != 0 ||
        fh_report_encode(sender, 0, fh_now_us(), FH__KIND__KIND_HELLO, &h.base, &hello,
                         &hlen) != 0)
        goto out;
    bool sent = zmq_send(sock, hello, hlen, r->n ? ZMQ_SNDMORE : 0) >= 0;
    for (size_t i = 0; sent && i < r->n; i++)
        sent = zmq_send(sock, r->buf[i], r->len[i], i + 1 < r->n ? ZMQ_SNDMORE : 0) >= 0;
    if (!sent) {
        printf("not sent (no connection)\n");
        goto out;
    }
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, sock, 0) < 0) {
        printf("no reply\n");
        rc = 0;
        zmq_msg_close(&m);
        goto out;
    }
    Fh__Envelope *env = NULL;
    enum fh_counter why;
    ProtobufCMessage *body = NULL;
    unsigned count[5] = {0};
    if (fh_report_decode(zmq_msg_data(&m), zmq_msg_size(&m), &env, &why) == 0 &&
        env->kind == FH__KIND__KIND_ACK && fh_report_body(env, &body) == 0) {
        const Fh__Ack *a = (const Fh__Ack *)body;
        for (size_t i = 0; i < a->n_verdicts; i++)
            count[(unsigned)a->verdicts[i] < 5 ? a->verdicts[i] : 0]++;
        for (int i = 1; i < 5; i++)
            printf("%s%s %u", i > 1 ? " " : "", names[i], count[i]);
        printf("\n");
        rc = 0;
    }
    if (body)
        protobuf_c_message_free_unpacked(body, NULL);
    if (env)
        fh__envelope__free_unpacked(env, NULL);
    zmq_msg_close(&m);
out:
    free(hello);
    if (sock)
        zmq_close(sock);
    if (ctx)
        zmq_ctx_term(ctx);
    return rc;
}

static int cmd_send(char **argv)
{
    const char *endpoint = argv[0], *sender = argv[1], *dir = argv[2], *origin = argv[3],
               *variant = argv[4], *key_dir = getenv("FH_FORGE_KEY_DIR");
    struct replay r = {.origin = origin};
    struct fh_store *st = NULL;
    int rc = 1;
    if (strncmp(endpoint, "tcp://127.0.0.1:", 16) != 0 || !key_dir || !fh_path_valid(sender) ||
        !fh_path_valid(origin)) {
        fprintf(stderr, "fh-forge: send needs a 127.0.0.1 endpoint, valid paths and "
                "FH_FORGE_KEY_DIR\n");
        return 2;
    }
    if (strcmp(variant, "future") == 0) {
        if (future(key_dir, origin, &r) != 0)
            return 1;
    } else if (fh_store_open(dir, 0, FH_STORE_READONLY, &st) != 0 ||
               fh_store_each_report(st, take, &r) != 0) {
        fprintf(stderr, "fh-forge: cannot read the reports of %s in %s\n", origin, dir);
        goto out;
    }
    for (size_t i = 0; strcmp(variant, "reseq") == 0 && i < r.n; i++)
        if (reseq(&r.buf[i], &r.len[i]) != 0)
            goto out;
    rc = send_batch(endpoint, key_dir, sender, &r);
out:
    fh_store_close(st);
    for (size_t i = 0; i < r.n; i++)
        free(r.buf[i]);
    return rc;
}

static int cmd_warn(char **argv)
{
    const char *dir = argv[0], *key_dir = argv[1], *issuer = argv[2], *scope = argv[4];
    Fh__WarningLevel level = fh_warning_level_from_name(argv[3]);
    char err[600], id[FH_WARNING_ID_MAX];
    struct fh_signer *s = NULL;
    struct fh_store *st = NULL;
    struct fh_txn *t = NULL;
    uint8_t *body = NULL, *env = NULL;
    size_t elen;
    int rc = 1;
    if (!level || !fh_path_valid(issuer) || !fh_path_valid(scope))
        return 2;
    if (fh_signer_load(key_dir, &s, err, sizeof err) != 0) {
        fprintf(stderr, "fh-forge: %s\n", err);
        return 1;
    }
    snprintf(id, sizeof id, "%s#%u", issuer, FORGED_SEQ);
    Fh__Warning w = FH__WARNING__INIT;
    w.id = id;
    w.level = level;
    w.scope = (char *)scope;
    w.class_code = "MI.CVI";
    w.watch = "forged by fh-forge";
    w.action = FH__WARNING_ACTION__WARNING_ACTION_ISSUE;
    w.issuer = (char *)issuer;
    w.issued_us = fh_now_us();
    w.revision = 1;
    size_t blen = fh__warning__get_packed_size(&w);
    if (!(body = malloc(blen)))
        goto out;
    fh__warning__pack(&w, body);
    struct fh_sign_item it = {.origin = issuer, .seq = FORGED_SEQ, .time_us = fh_now_us(),
                              .kind = FH__KIND__KIND_WARNING, .body = body, .len = blen};
    if (fh_sign_encode(s, &it, 1, &env, &elen) != 0 || fh_store_open(dir, 64, 0, &st) != 0 ||
        fh_txn_begin(st, true, &t) != 0)
        goto out;
    if (fh_down_append(t, scope, env, elen, NULL) != 0) {
        fh_txn_abort(t);
        goto out;
    }
    if (fh_txn_commit(t) == 0) {
        printf("%s\n", id);
        rc = 0;
    }
out:
    if (rc)
        fprintf(stderr, "fh-forge: cannot append the warning to %s\n", dir);
    fh_store_close(st);
    fh_signer_free(s);
    free(body);
    free(env);
    return rc;
}

int main(int argc, char **argv)
{
    fh_log_init("fh-forge", FH_LOG_WARN);
    if (argc == 7 && strcmp(argv[1], "send") == 0)
        return cmd_send(argv + 2);
    if (argc == 7 && strcmp(argv[1], "warn") == 0)
        return cmd_warn(argv + 2);
    fprintf(stderr, "usage: fh-forge send tcp://127.0.0.1:PORT SENDER STORE_DIR ORIGIN "
                    "same|reseq|future\n"
                    "       fh-forge warn STORE_DIR KEY_DIR ISSUER LEVEL SCOPE\n");
    return 2;
}
