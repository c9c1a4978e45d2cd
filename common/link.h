/* link.h - ZeroMQ sockets joined to a libuv loop.
 *
 * A collector binds a ROUTER for its children; every child (agent or collector) connects
 * a DEALER to its parent. Links are outbound from child to parent, so everything down
 * rides back on the same connection.
 *
 * libzmq's ZMQ_FD is edge-triggered: it signals a change of ZMQ_EVENTS, not that a
 * message is waiting. The link therefore drains ZMQ_EVENTS after every readable poll and
 * after every send, and when a round stops early (it handles at most a bounded number of
 * messages per round, so timers still run under load) a uv_idle handle runs the next
 * round on the following loop iteration.
 *
 * A round delivers each whole multipart message to on_message(), then calls
 * on_round_end(): a receiver batches everything of one round into one store
 * transaction there. Parts beyond FH_MAX_PARTS + 1 are read and discarded and the
 * message is flagged truncated. Frames over FH_MAX_FRAME_BYTES make libzmq drop the
 * connection; the link watches the socket's monitor (ACCEPTED, DISCONNECTED, handshake
 * events) and passes its events to on_event(). */
#ifndef FH_LINK_H
#define FH_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>
#include <uv.h>
#include <zmq.h>

struct fh_link;

/* At most this many messages are delivered in one round. */
#define FH_LINK_MSGS_PER_ROUND 64

struct fh_link_cbs {
    /* parts[0..n): for a ROUTER, parts[0] is the peer's routing id. The parts are closed
     * by the link after the call. */
    void (*on_message)(struct fh_link *l, zmq_msg_t *parts, size_t n, bool truncated,
                       void *arg);
    /* After each round that delivered at least one message. May be NULL. */
    void (*on_round_end)(struct fh_link *l, void *arg);
    /* A monitor event (ZMQ_EVENT_*) with its value. May be NULL. */
    void (*on_event)(struct fh_link *l, int event, int value, void *arg);
    void *arg;
};

struct fh_link_opts {
    uint32_t reconnect_ms;      /* first reconnect delay (DEALER); 0: 100 ms */
    uint32_t reconnect_max_ms;  /* longest reconnect delay (DEALER); 0: 5000 ms */
    uint32_t heartbeat_ms;      /* ZMTP heartbeat interval; 0: 5000 ms. A connection that
                                 * misses three, or whose handshake takes longer, is
                                 * dropped (and a DEALER reconnects) */
    /* CURVE (security invariant 1). NULL curve_secret: a plain link (only where the
     * node's [security] curve = off). A ROUTER is the CURVE server and asks the ZAP
     * handler of its context (zap.h) about each client under zap_domain; a DEALER is
     * a client that trusts only server_key. Keys are Z85 text (keys.h). */
    const char *curve_secret;
    const char *curve_public;   /* DEALER */
    const char *server_key;     /* DEALER: the parent's public key */
    const char *zap_domain;     /* ROUTER */
};

/* Bind a ROUTER on endpoint (e.g. "tcp://127.0.0.1:7001"). Returns 0, FH_ELINK (the log
 * says why, e.g. the address is in use), or FH_ENOMEM. Freed by fh_link_close(). */
int fh_link_bind(uv_loop_t *loop, void *zctx, const char *endpoint,
                 const struct fh_link_opts *opts, const struct fh_link_cbs *cbs,
                 struct fh_link **out);
/* Connect a DEALER to endpoint. Messages are only queued on a completed connection
 * (ZMQ_IMMEDIATE): while the parent is unreachable fh_link_send() gives FH_EAGAIN. */
int fh_link_connect(uv_loop_t *loop, void *zctx, const char *endpoint,
                    const struct fh_link_opts *opts, const struct fh_link_cbs *cbs,
                    struct fh_link **out);

/* Send one multipart message of n parts (for a ROUTER the first part is the routing id
 * of the peer). Never blocks. Returns 0, FH_EAGAIN (nothing sent: no connection or the
 * queue is full; try later), or FH_ELINK (e.g. the peer is gone). */
int fh_link_send(struct fh_link *l, const struct iovec *parts, size_t n);

/* The file descriptor of the connection a received part came in on (-1 if unknown): it
 * matches the value of the ACCEPTED and DISCONNECTED monitor events. */
int fh_link_msg_fd(zmq_msg_t *part);

/* The CURVE public key (Z85) the connection a received part came in on authenticated
 * with: the user id the ZAP handler gave it. NULL on a plain link. Valid while part is. */
const char *fh_link_user_id(zmq_msg_t *part);

/* Drop the connection whose fd fh_link_msg_fd() gave, now: its socket is shut down and
 * libzmq closes it (a DEALER at the other end reconnects, and meets the ZAP handler
 * again). Call it while handling a message of that connection, so the fd cannot have
 * been reused for another one. */
void fh_link_drop_fd(struct fh_link *l, int fd);

/* The endpoint actually bound (resolves port 0 / "*"), for logs and tests. */
const char *fh_link_endpoint(const struct fh_link *l);

/* Stop polling, close the sockets, and free l once libuv has released its handles. */
void fh_link_close(struct fh_link *l);

#endif
