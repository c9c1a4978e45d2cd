/* link.c - a ZeroMQ socket polled by libuv (see link.h for the rules of ZMQ_FD).
 *
 * Each link owns its socket, a uv_poll on the socket's ZMQ_FD, a uv_idle used to
 * continue a drain, and a monitor: a PAIR socket on an inproc endpoint receiving the
 * socket's disconnect and handshake-failure events, polled the same way. Closing the
 * link closes the libuv handles first and frees the struct when the last one is closed.
 *
 * Receiving reuses one array of zmq_msg_t per link: no allocation per message beyond
 * what libzmq itself does. */
#include "link.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"
#include "log.h"
#include "report.h"

#define MSGS_PER_ROUND FH_LINK_MSGS_PER_ROUND

struct fh_link {
    uv_loop_t *loop;
    void *sock;
    void *mon;                  /* PAIR socket receiving monitor events */
    uv_poll_t poll;
    uv_poll_t mon_poll;
    uv_idle_t idle;
    int open_handles;
    bool closing;
    bool is_router;
    struct fh_link_cbs cbs;
    char endpoint[256];
    zmq_msg_t parts[FH_MAX_PARTS + 1];
};

static void drain(struct fh_link *l);
static void on_idle(uv_idle_t *h);

static bool pollin(void *sock)
{
    int ev = 0;
    size_t len = sizeof ev;
    if (zmq_getsockopt(sock, ZMQ_EVENTS, &ev, &len) != 0)
        return false;
    return ev & ZMQ_POLLIN;
}

/* Receive one whole multipart message into l->parts. Returns the parts kept (0 when
 * nothing was waiting) and sets *truncated when some had to be discarded. */
static size_t recv_message(struct fh_link *l, bool *truncated)
{
    size_t n = 0;
    int more = 1;
    *truncated = false;
    while (more) {
        zmq_msg_t *m = &l->parts[n < FH_MAX_PARTS + 1 ? n : FH_MAX_PARTS];
        if (n >= FH_MAX_PARTS + 1) {
            zmq_msg_close(m);  /* discard the part kept last: we keep reading */
            *truncated = true;
            n = FH_MAX_PARTS;
        }
        zmq_msg_init(m);
        if (zmq_msg_recv(m, l->sock, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            zmq_msg_close(m);
            return n;
        }
        n++;
        more = zmq_msg_more(m);
    }
    return n;
}

static void drain(struct fh_link *l)
{
    int delivered = 0;
    while (!l->closing && delivered < MSGS_PER_ROUND && pollin(l->sock)) {
        bool truncated;
        size_t n = recv_message(l, &truncated);
        if (n == 0)
            break;
        l->cbs.on_message(l, l->parts, n, truncated, l->cbs.arg);
        for (size_t i = 0; i < n; i++)
            zmq_msg_close(&l->parts[i]);
        delivered++;
    }
    if (delivered && l->cbs.on_round_end && !l->closing)
        l->cbs.on_round_end(l, l->cbs.arg);
    if (l->closing)
        return;
    if (pollin(l->sock))
        uv_idle_start(&l->idle, on_idle);
}

static void on_mon_poll(uv_poll_t *h, int status, int events);

static void on_idle(uv_idle_t *h)
{
    struct fh_link *l = h->data;
    uv_idle_stop(h);
    on_mon_poll(&l->mon_poll, 0, 0);
    drain(l);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    drain(h->data);
}

static void on_mon_poll(uv_poll_t *h, int status, int events)
{
    struct fh_link *l = h->data;
    (void)status;
    (void)events;
    while (!l->closing && pollin(l->mon)) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, l->mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            break;
        }
        int event = -1, value = 0;
        if (zmq_msg_size(&m) == 6) {
            const uint8_t *d = zmq_msg_data(&m);
            uint16_t e;
            uint32_t v;
            memcpy(&e, d, 2);
            memcpy(&v, d + 2, 4);
            event = e;
            value = (int)v;
        }
        while (zmq_msg_more(&m)) {   /* the second frame: the endpoint */
            zmq_msg_close(&m);
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, l->mon, ZMQ_DONTWAIT) < 0)
                break;
        }
        zmq_msg_close(&m);
        if (event >= 0 && l->cbs.on_event)
            l->cbs.on_event(l, event, value, l->cbs.arg);
    }
}

static int set_int(void *sock, int opt, int value)
{
    return zmq_setsockopt(sock, opt, &value, sizeof value);
}

/* CURVE server (ROUTER, with its ZAP domain) or client (DEALER) options. */
static int set_curve(void *sock, bool server, const struct fh_link_opts *o)
{
    int rc = zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, o->curve_secret, 40);
    if (server)
        return rc || !o->zap_domain || set_int(sock, ZMQ_CURVE_SERVER, 1) ||
               zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, o->zap_domain, strlen(o->zap_domain));
    return rc || !o->curve_public || !o->server_key ||
           zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, o->curve_public, 40) ||
           zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, o->server_key, 40);
}

static int start_poll(struct fh_link *l, void *sock, uv_poll_t *p, uv_poll_cb cb)
{
    int fd;
    size_t len = sizeof fd;
    if (zmq_getsockopt(sock, ZMQ_FD, &fd, &len) != 0)
        return FH_ELINK;
    if (uv_poll_init(l->loop, p, fd) != 0)
        return FH_ELINK;
    p->data = l;
    l->open_handles++;
    uv_poll_start(p, UV_READABLE, cb);
    return 0;
}

static int open_link(uv_loop_t *loop, void *zctx, int type, const char *endpoint,
                     const struct fh_link_opts *opts, const struct fh_link_cbs *cbs,
                     struct fh_link **out)
{
    struct fh_link *l = calloc(1, sizeof *l);
    if (!l)
        return FH_ENOMEM;
    l->loop = loop;
    l->cbs = *cbs;
    l->is_router = type == ZMQ_ROUTER;
    snprintf(l->endpoint, sizeof l->endpoint, "%s", endpoint);
    struct fh_link_opts o = opts ? *opts : (struct fh_link_opts){0};
    int hb = o.heartbeat_ms ? (int)o.heartbeat_ms : 5000;

    if (!(l->sock = zmq_socket(zctx, type)))
        goto fail;
    set_int(l->sock, ZMQ_LINGER, 0);
    set_int(l->sock, ZMQ_HEARTBEAT_IVL, hb);
    set_int(l->sock, ZMQ_HEARTBEAT_TIMEOUT, hb * 3);
    set_int(l->sock, ZMQ_HEARTBEAT_TTL, hb * 3);
    set_int(l->sock, ZMQ_HANDSHAKE_IVL, hb * 3);   /* a connect into a black hole */
    set_int(l->sock, ZMQ_SNDHWM, 1000);
    set_int(l->sock, ZMQ_RCVHWM, 1000);
    int64_t maxmsg = FH_MAX_FRAME_BYTES;
    zmq_setsockopt(l->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (o.curve_secret && set_curve(l->sock, l->is_router, &o) != 0)
        goto fail;
    if (l->is_router) {
        set_int(l->sock, ZMQ_ROUTER_MANDATORY, 1);
        if (zmq_bind(l->sock, endpoint) != 0)
            goto fail;
        size_t len = sizeof l->endpoint;
        zmq_getsockopt(l->sock, ZMQ_LAST_ENDPOINT, l->endpoint, &len);
    } else {
        set_int(l->sock, ZMQ_IMMEDIATE, 1);
        set_int(l->sock, ZMQ_RECONNECT_IVL, o.reconnect_ms ? (int)o.reconnect_ms : 100);
        set_int(l->sock, ZMQ_RECONNECT_IVL_MAX,
                o.reconnect_max_ms ? (int)o.reconnect_max_ms : 5000);
        if (zmq_connect(l->sock, endpoint) != 0)
            goto fail;
    }
    char mon_ep[64];
    snprintf(mon_ep, sizeof mon_ep, "inproc://fh-monitor-%p", (void *)l);
    if (zmq_socket_monitor(l->sock, mon_ep,
                           ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                               ZMQ_EVENT_HANDSHAKE_SUCCEEDED) != 0)
        goto fail;
    if (!(l->mon = zmq_socket(zctx, ZMQ_PAIR)) || zmq_connect(l->mon, mon_ep) != 0)
        goto fail;
    set_int(l->mon, ZMQ_LINGER, 0);
    uv_idle_init(loop, &l->idle);
    l->idle.data = l;
    l->open_handles++;
    if (start_poll(l, l->sock, &l->poll, on_poll) || start_poll(l, l->mon, &l->mon_poll,
                                                                  on_mon_poll)) {
        fh_log(FH_LOG_ERROR, "link %s: cannot poll the socket", endpoint);
        fh_link_close(l);
        return FH_ELINK;
    }
    /* ZMQ_FD only signals after ZMQ_EVENTS was read once: arm both sockets now. */
    /* Anything already queued then would wait forever for an edge: look at it on the
     * next loop iteration. */
    bool waiting = pollin(l->sock);
    if (pollin(l->mon) || waiting)
        uv_idle_start(&l->idle, on_idle);
    *out = l;
    return 0;
fail:
    fh_log(FH_LOG_ERROR, "link %s %s: %s", l->is_router ? "bind" : "connect", endpoint,
           zmq_strerror(zmq_errno()));
    if (l->mon)
        zmq_close(l->mon);
    if (l->sock)
        zmq_close(l->sock);
    free(l);
    return FH_ELINK;
}

int fh_link_bind(uv_loop_t *loop, void *zctx, const char *endpoint,
                 const struct fh_link_opts *opts, const struct fh_link_cbs *cbs,
                 struct fh_link **out)
{
    return open_link(loop, zctx, ZMQ_ROUTER, endpoint, opts, cbs, out);
}

int fh_link_connect(uv_loop_t *loop, void *zctx, const char *endpoint,
                    const struct fh_link_opts *opts, const struct fh_link_cbs *cbs,
                    struct fh_link **out)
{
    return open_link(loop, zctx, ZMQ_DEALER, endpoint, opts, cbs, out);
}

int fh_link_send(struct fh_link *l, const struct iovec *parts, size_t n)
{
    int err = 0;
    for (size_t i = 0; i < n; i++) {
        int flags = ZMQ_DONTWAIT | (i + 1 < n ? ZMQ_SNDMORE : 0);
        if (zmq_send(l->sock, parts[i].iov_base, parts[i].iov_len, flags) < 0) {
            /* Only the first part can meet a full queue or no peer; later parts of a
             * message already accepted always go. */
            int e = zmq_errno();
            err = (i == 0 && e == EAGAIN) ? FH_EAGAIN : FH_ELINK;
            break;
        }
    }
    /* A send can consume the edge of ZMQ_FD: look for input now. */
    if (!l->closing && pollin(l->sock))
        uv_idle_start(&l->idle, on_idle);
    return err;
}

int fh_link_msg_fd(zmq_msg_t *part)
{
    return zmq_msg_get(part, ZMQ_SRCFD);
}

const char *fh_link_user_id(zmq_msg_t *part)
{
    return zmq_msg_gets(part, "User-Id");
}

void fh_link_drop_fd(struct fh_link *l, int fd)
{
    (void)l;
    if (fd >= 0)
        shutdown(fd, SHUT_RDWR);
}

const char *fh_link_endpoint(const struct fh_link *l)
{
    return l->endpoint;
}

static void on_handle_closed(uv_handle_t *h)
{
    struct fh_link *l = h->data;
    if (--l->open_handles == 0)
        free(l);
}

void fh_link_close(struct fh_link *l)
{
    if (!l || l->closing)
        return;
    l->closing = true;
    /* uv_close() on a poll handle stops watching its fd at once, before libzmq closes it. */
    if (l->poll.data == l)
        uv_close((uv_handle_t *)&l->poll, on_handle_closed);
    if (l->mon_poll.data == l)
        uv_close((uv_handle_t *)&l->mon_poll, on_handle_closed);
    if (l->idle.data == l)
        uv_close((uv_handle_t *)&l->idle, on_handle_closed);
    zmq_socket_monitor(l->sock, NULL, 0);
    zmq_close(l->mon);
    zmq_close(l->sock);
    if (l->open_handles == 0)
        free(l);
}
