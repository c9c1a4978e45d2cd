/* zap.c - the ZAP handler (see zap.h).
 *
 * A request is seven frames: version "1.0", request id, domain, address, routing id,
 * mechanism, credentials (for CURVE: the client's 32-byte public key). Every frame is
 * bounded by ZAP_FRAME_MAX; a request that is not exactly that is answered 400 when its
 * request id can be read, else dropped. The answer is six frames: version, request id,
 * status code, status text, user id, metadata (empty).
 *
 * The REP socket's ZMQ_FD is edge-triggered like any ZeroMQ socket's: every poll event
 * drains ZMQ_EVENTS, at most ZAP_PER_ROUND requests, and a uv_idle continues a drain
 * that stopped at the bound. */
#include "zap.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "err.h"
#include "keys.h"
#include "log.h"
#include "peers.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_FRAMES 7
#define ZAP_FRAME_MAX 256
#define ZAP_PER_ROUND 64

struct fh_zap {
    void *sock;
    struct fh_store *st;
    uint64_t *ctr;
    uv_poll_t poll;
    uv_idle_t idle;
    int open_handles;
    bool closing;
    bool dirty;
    struct fh_log_limit lim;
};

static bool pollin(void *sock)
{
    int ev = 0;
    size_t len = sizeof ev;
    return zmq_getsockopt(sock, ZMQ_EVENTS, &ev, &len) == 0 && (ev & ZMQ_POLLIN);
}

static void reply(struct fh_zap *z, const zmq_msg_t *id, const char *code, const char *text,
                  const char *user)
{
    zmq_send(z->sock, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(z->sock, zmq_msg_data((zmq_msg_t *)id), zmq_msg_size((zmq_msg_t *)id),
             ZMQ_SNDMORE);
    zmq_send(z->sock, code, 3, ZMQ_SNDMORE);
    zmq_send(z->sock, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(z->sock, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(z->sock, "", 0, 0);
}

static bool frame_is(const zmq_msg_t *m, const char *s)
{
    size_t n = strlen(s);
    return zmq_msg_size((zmq_msg_t *)m) == n && memcmp(zmq_msg_data((zmq_msg_t *)m), s, n) == 0;
}

static void frame_str(const zmq_msg_t *m, char *out, size_t out_len)
{
    size_t n = zmq_msg_size((zmq_msg_t *)m);
    n = n < out_len - 1 ? n : out_len - 1;
    memcpy(out, zmq_msg_data((zmq_msg_t *)m), n);
    out[n] = 0;
    for (size_t i = 0; i < n; i++)
        if (out[i] < ' ' || out[i] > '~')
            out[i] = '?';
}

static void refuse(struct fh_zap *z, const zmq_msg_t *id, const char *address,
                   const char *key, const char *why)
{
    z->ctr[FH_CTR_REFUSED_KEY]++;
    z->dirty = true;
    fh_log_limited(&z->lim, 60, FH_LOG_WARN, "refused input (%s) from %s: %s %s",
                   fh_counter_name(FH_CTR_REFUSED_KEY), address, why, key);
    reply(z, id, "400", why, "");
}

/* Answer one whole request held in f[0..n). */
static void answer(struct fh_zap *z, zmq_msg_t *f, size_t n)
{
    char address[64] = "?", key[FH_Z85_KEY_LEN + 1] = "";
    if (n != ZAP_FRAMES || !frame_is(&f[0], "1.0")) {
        refuse(z, &f[1], address, "", "malformed ZAP request");
        return;
    }
    frame_str(&f[3], address, sizeof address);
    if (!frame_is(&f[5], "CURVE") || zmq_msg_size(&f[6]) != 32) {
        refuse(z, &f[1], address, "", "not a CURVE client:");
        return;
    }
    zmq_z85_encode(key, zmq_msg_data(&f[6]), 32);
    if (frame_is(&f[2], FH_ZAP_DOMAIN_ENROL)) {
        reply(z, &f[1], "200", "OK", key);
        return;
    }
    if (!frame_is(&f[2], FH_ZAP_DOMAIN_LINK)) {
        refuse(z, &f[1], address, key, "unknown ZAP domain for key");
        return;
    }
    struct fh_peer p;
    int err = fh_peers_get(z->st, NULL, key, &p);
    if (err == 0)
        reply(z, &f[1], "200", "OK", key);
    else
        refuse(z, &f[1], address, key, err == FH_ENOTFOUND ? "unknown or revoked key"
                                                           : "cannot look up key");
}

static void on_idle(uv_idle_t *h);

static void drain(struct fh_zap *z)
{
    int handled = 0;
    while (!z->closing && handled < ZAP_PER_ROUND && pollin(z->sock)) {
        zmq_msg_t f[ZAP_FRAMES], extra;
        size_t n = 0;
        int more = 1;
        bool too_big = false;
        while (more) {   /* frames past ZAP_FRAMES are read into `extra` and dropped */
            zmq_msg_t *m = n < ZAP_FRAMES ? &f[n] : &extra;
            zmq_msg_init(m);
            if (zmq_msg_recv(m, z->sock, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
                zmq_msg_close(m);
                break;
            }
            more = zmq_msg_more(m);
            too_big |= zmq_msg_size(m) > ZAP_FRAME_MAX;
            if (m == &extra)
                zmq_msg_close(m);
            n++;
        }
        if (n == 0)
            break;
        size_t kept = n < ZAP_FRAMES ? n : ZAP_FRAMES;
        if (kept >= 2 && zmq_msg_size(&f[1]) <= ZAP_FRAME_MAX) {
            answer(z, f, too_big ? ZAP_FRAMES + 1 : n);
        } else {
            /* A REP socket must answer before it can read the next request. */
            zmq_msg_t none;
            zmq_msg_init(&none);
            refuse(z, &none, "?", "", "malformed ZAP request");
            zmq_msg_close(&none);
        }
        for (size_t i = 0; i < kept; i++)
            zmq_msg_close(&f[i]);
        handled++;
    }
    if (!z->closing && pollin(z->sock))
        uv_idle_start(&z->idle, on_idle);
}

static void on_idle(uv_idle_t *h)
{
    uv_idle_stop(h);
    drain(h->data);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    drain(h->data);
}

int fh_zap_start(uv_loop_t *loop, void *zctx, struct fh_store *st, uint64_t *counters,
                 struct fh_zap **out)
{
    struct fh_zap *z = calloc(1, sizeof *z);
    if (!z)
        return FH_ENOMEM;
    z->st = st;
    z->ctr = counters;
    int linger = 0, fd;
    size_t len = sizeof fd;
    if (!(z->sock = zmq_socket(zctx, ZMQ_REP)) ||
        zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind(z->sock, ZAP_ENDPOINT) != 0 ||
        zmq_getsockopt(z->sock, ZMQ_FD, &fd, &len) != 0) {
        fh_log(FH_LOG_ERROR, "zap: cannot bind %s: %s", ZAP_ENDPOINT,
               zmq_strerror(zmq_errno()));
        if (z->sock)
            zmq_close(z->sock);
        free(z);
        return FH_ELINK;
    }
    uv_poll_init(loop, &z->poll, fd);
    uv_idle_init(loop, &z->idle);
    z->poll.data = z->idle.data = z;
    z->open_handles = 2;
    uv_poll_start(&z->poll, UV_READABLE, on_poll);
    if (pollin(z->sock))   /* arm ZMQ_FD; anything waiting is seen on the next turn */
        uv_idle_start(&z->idle, on_idle);
    *out = z;
    return 0;
}

bool fh_zap_take_dirty(struct fh_zap *z)
{
    bool d = z && z->dirty;
    if (z)
        z->dirty = false;
    return d;
}

static void on_closed(uv_handle_t *h)
{
    struct fh_zap *z = h->data;
    if (--z->open_handles == 0)
        free(z);
}

void fh_zap_stop(struct fh_zap *z)
{
    if (!z || z->closing)
        return;
    z->closing = true;
    uv_close((uv_handle_t *)&z->poll, on_closed);
    uv_close((uv_handle_t *)&z->idle, on_closed);
    zmq_close(z->sock);
}
