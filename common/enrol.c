/* enrol.c - the joining side of enrolment (see enrol.h).
 *
 * A one-shot exchange on a DEALER of its own context: blocking zmq_poll with a deadline
 * is fine here, it runs before the node's loop exists. The answer is decoded with the
 * same bounded checks as any envelope and must be an ENROL_ANSWER; anything else is
 * ignored until the deadline. */
#include "enrol.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "err.h"
#include "keys.h"
#include "log.h"
#include "report.h"
#include "sig.h"
#include "signer.h"
#include "token.h"

/* Make the keys if the directory holds none, then load them (checking permissions). */
static int own_keys(const char *dir, struct fh_keys *k, char *msg, size_t msg_len)
{
    char file[1024], why[600];
    snprintf(file, sizeof file, "%s/%s", dir, FH_KEY_CURVE_SECRET);
    if (access(file, F_OK) != 0 && errno == ENOENT) {
        int rc = fh_keys_generate(dir, false, why, sizeof why);
        if (rc) {
            snprintf(msg, msg_len, "cannot make keys: %s", why);
            return rc;
        }
    }
    int rc = fh_keys_load(dir, k, why, sizeof why);
    if (rc)
        snprintf(msg, msg_len, "%s", why);
    return rc;
}

static int request(const struct fh_enrol_request *r, const struct fh_token *t,
                   const struct fh_keys *k, uint8_t **out, size_t *len)
{
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    Fh__EnrolRequest q = FH__ENROL_REQUEST__INIT;
    q.token_secret = (ProtobufCBinaryData){FH_TOKEN_SECRET_LEN, (uint8_t *)t->secret};
    q.role = (Fh__Role)r->role;
    q.sign_public_key = (ProtobufCBinaryData){FH_ED25519_LEN, (uint8_t *)k->sign_public};
    q.software = (char *)r->software;
    q.hostname = host;
    return fh_report_encode(r->path, 0, fh_now_us(), FH__KIND__KIND_ENROL_REQUEST, &q.base,
                            out, len);
}

/* Wait for the answer until the deadline; 0 with *ans set, or FH_EAGAIN. */
static int await_answer(void *sock, Fh__EnrolAnswer **ans)
{
    uint64_t deadline = fh_mono_ms() + FH_ENROL_WAIT_MS;
    for (uint64_t now; (now = fh_mono_ms()) < deadline;) {
        zmq_pollitem_t it = {.socket = sock, .events = ZMQ_POLLIN};
        if (zmq_poll(&it, 1, (long)(deadline - now)) <= 0)
            continue;
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            continue;
        }
        bool more = zmq_msg_more(&m);
        Fh__Envelope *env = NULL;
        ProtobufCMessage *body = NULL;
        enum fh_counter why;
        if (!more && fh_report_decode(zmq_msg_data(&m), zmq_msg_size(&m), &env, &why) == 0 &&
            env->kind == FH__KIND__KIND_ENROL_ANSWER && fh_report_body(env, &body) == 0)
            *ans = (Fh__EnrolAnswer *)body;
        if (env)
            fh__envelope__free_unpacked(env, NULL);
        zmq_msg_close(&m);
        while (more) {   /* a multipart message is not an answer: drain it */
            zmq_msg_init(&m);
            more = zmq_msg_recv(&m, sock, 0) >= 0 && zmq_msg_more(&m);
            zmq_msg_close(&m);
        }
        if (*ans)
            return 0;
    }
    return FH_EAGAIN;
}

int fh_enrol_run(const struct fh_enrol_request *r, char *msg, size_t msg_len)
{
    struct fh_token t;
    struct fh_keys k = {0};
    Fh__EnrolAnswer *ans = NULL;
    uint8_t *req = NULL;
    size_t req_len;
    void *ctx = NULL, *sock = NULL;
    int rc = FH_EMALFORMED;
    if (fh_token_decode(r->token, &t) != 0) {
        snprintf(msg, msg_len, "not an enrolment token (it starts with %s)", FH_TOKEN_PREFIX);
        return FH_EMALFORMED;
    }
    if (t.role != r->role) {
        snprintf(msg, msg_len, "this token is for %s, not for this node",
                 t.role == FH__ROLE__ROLE_AGENT ? "an agent" : "a collector");
        goto out;
    }
    if ((rc = own_keys(r->key_dir, &k, msg, msg_len)))
        goto out;
    if ((rc = request(r, &t, &k, &req, &req_len))) {
        snprintf(msg, msg_len, "cannot encode the request: %s", fh_strerror(rc));
        goto out;
    }
    int linger = 0, immediate = 1;
    rc = FH_ELINK;
    if (!(ctx = zmq_ctx_new()) || !(sock = zmq_socket(ctx, ZMQ_DEALER)) ||
        zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt(sock, ZMQ_IMMEDIATE, &immediate, sizeof immediate) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, k.curve_secret, FH_Z85_KEY_LEN) ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, k.curve_public, FH_Z85_KEY_LEN) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, t.server_key, FH_Z85_KEY_LEN) ||
        zmq_connect(sock, t.endpoint) != 0) {
        snprintf(msg, msg_len, "cannot connect to %s: %s", t.endpoint,
                 zmq_strerror(zmq_errno()));
        goto out;
    }
    /* ZMQ_IMMEDIATE: the send waits for the CURVE handshake, up to the deadline. */
    int timeout = FH_ENROL_WAIT_MS;
    zmq_setsockopt(sock, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    if (zmq_send(sock, req, req_len, 0) < 0 || (rc = await_answer(sock, &ans))) {
        rc = FH_EAGAIN;
        snprintf(msg, msg_len, "no answer from %s within %d s (is it the collector's "
                 "enrolment endpoint, reachable, and the collector the token was made by?)",
                 t.endpoint, FH_ENROL_WAIT_MS / 1000);
        goto out;
    }
    if (!ans->ok) {
        rc = FH_ESCOPE;
        snprintf(msg, msg_len, "the collector refused: %.200s", ans->reason);
        goto out;
    }
    if (strcmp(ans->collector_key, t.server_key) != 0) {
        rc = FH_EMALFORMED;
        snprintf(msg, msg_len, "the collector answered with a key the token does not name");
        goto out;
    }
    if ((rc = fh_keys_write_public(r->key_dir, FH_KEY_PARENT_PUBLIC, t.server_key))) {
        snprintf(msg, msg_len, "enrolled, but cannot write %s/%s: %s", r->key_dir,
                 FH_KEY_PARENT_PUBLIC, strerror(errno));
        goto out;
    }
    /* its signing key, pinned: warnings and advisories are checked against it (sig.h) */
    if (ans->collector_sign_key.len == FH_ED25519_LEN &&
        (rc = fh_sign_write_public(r->key_dir, FH_KEY_PARENT_SIGN,
                                   ans->collector_sign_key.data))) {
        snprintf(msg, msg_len, "enrolled, but cannot write %s/%s", r->key_dir,
                 FH_KEY_PARENT_SIGN);
        goto out;
    }
    snprintf(msg, msg_len, "enrolled %s with collector %.64s for scope %.320s; its key is "
             "in %s/%s", r->path, ans->collector, ans->scope, r->key_dir,
             FH_KEY_PARENT_PUBLIC);
out:
    if (ans)
        protobuf_c_message_free_unpacked(&ans->base, NULL);
    free(req);
    if (sock)
        zmq_close(sock);
    if (ctx)
        zmq_ctx_term(ctx);
    OPENSSL_cleanse(&t, sizeof t);
    fh_keys_wipe(&k);
    return rc;
}
