/* zap.h - who may connect: the ZeroMQ authentication (ZAP, RFC 27) handler of a node.
 *
 * libzmq asks the ZAP handler of a socket's context about every CURVE client during the
 * handshake of a CURVE server socket, with the domain the socket was given:
 *
 *   FH_ZAP_DOMAIN_LINK   the children's ROUTER: the client's key must be registered in
 *                        the peers database (peers.h) -> 200, user id = the key (Z85);
 *                        an unknown or revoked key -> 400, counted (refused_key), logged
 *   FH_ZAP_DOMAIN_ENROL  the enrolment ROUTER: any CURVE key -> 200, user id = the key;
 *                        the enrolment handler accepts nothing there but a token
 *
 * The handler is a REP socket on inproc://zeromq.zap.01 polled on the node's libuv loop
 * like link.c's sockets. It must be started before any CURVE server socket is bound:
 * without a handler libzmq lets every client in. Each received message's "User-Id"
 * (fh_link_user_id) is the key the connection authenticated with. */
#ifndef FH_ZAP_H
#define FH_ZAP_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "store.h"

#define FH_ZAP_DOMAIN_LINK "fenghuo"
#define FH_ZAP_DOMAIN_ENROL "fenghuo-enrol"

struct fh_zap;

/* Bind the handler in zctx. st: the collector's store (peers); counters: its
 * FH_CTR_COUNT array. Returns 0, FH_ELINK or FH_ENOMEM. */
int fh_zap_start(uv_loop_t *loop, void *zctx, struct fh_store *st, uint64_t *counters,
                 struct fh_zap **out);

/* True when a counter changed since the last call (the caller saves the counters). */
bool fh_zap_take_dirty(struct fh_zap *z);

/* Close the socket and free z once libuv released its handles. */
void fh_zap_stop(struct fh_zap *z);

#endif
