/* guard.h - who sent this, and may they: the pipeline's view of its children's keys.
 *
 * With CURVE on, every message a collector receives came over a connection the ZAP
 * handler (zap.h) let in, and carries the key it authenticated with. The guard:
 *   - looks that key up in the peers database for every message, so a key revoked while
 *     connected is refused from its next message on (and its connection dropped);
 *   - gives the pipeline the key's registered scope, against which the HELLO's sender
 *     and every report's origin are checked (the HELLO is a claim, the key is a fact);
 *   - turns refusals of origins outside that scope into one IDI.IMI (信息假冒) detection
 *     per peer per FH_GUARD_EVENT_INTERVAL_S, made by this collector, with the count;
 *   - remembers which connection (fd) carries which key, so a revocation made with
 *     fenghuo-ctl drops the connection within a second even if the peer stays silent.
 *
 * "Dropped" precisely: the collector shuts the connection's socket down; libzmq closes
 * it; the peer's DEALER reconnects and the ZAP handler refuses it (refused_key) on every
 * attempt. Nothing the peer sent after the revocation was committed. */
#ifndef FH_GUARD_H
#define FH_GUARD_H

#include <stdbool.h>
#include <stdint.h>
#include <zmq.h>

#include "link.h"
#include "peers.h"
#include "store.h"

#define FH_GUARD_EVENT_INTERVAL_S 60   /* one IDI.IMI per peer per minute at most */
#define FH_GUARD_TRACKED_MAX 65536     /* connections remembered for revocation */
#define FH_GUARD_OFFENDERS_MAX 1024    /* peers with an IDI.IMI pending or recent */

struct fh_guard;

/* scope: this collector's scope, the origin of its detections. */
int fh_guard_new(struct fh_store *st, const char *scope, struct fh_guard **out);
void fh_guard_free(struct fh_guard *g);

/* The registered peer that sent the message whose part is given: looked up in t (the
 * round's write transaction, which also records when it was last seen) or, t NULL, in a
 * read transaction. Returns 0 with *out filled, FH_ENOTFOUND when the key is not (any
 * more) registered or the message has no key: the caller refuses it and calls
 * fh_link_drop_fd(). */
int fh_guard_sender(struct fh_guard *g, struct fh_txn *t, zmq_msg_t *part,
                    struct fh_peer *out);

/* Remember that connection fd carries key (after fh_guard_sender accepted it). */
void fh_guard_track(struct fh_guard *g, int fd, const char *key);
/* A monitor event of the children's link: ACCEPTED / DISCONNECTED forget the fd. */
void fh_guard_on_event(struct fh_guard *g, int event, int fd);

/* peer claimed origin, which is outside its registered scope. */
void fh_guard_impersonation(struct fh_guard *g, const struct fh_peer *peer,
                            const char *origin);
/* True when an IDI.IMI detection is due (the caller makes sure a transaction is open). */
bool fh_guard_due(struct fh_guard *g);
/* Make the detections that are due, in write transaction t: kept in this collector's
 * reports and, when relay, owed to its parent. Returns 0 or FH_E* (t must then be
 * aborted). */
int fh_guard_emit(struct fh_guard *g, struct fh_txn *t, bool relay);

/* When the peers database changed generation (a revocation): drop every tracked
 * connection whose key is no longer registered. Returns how many were dropped. */
unsigned fh_guard_check_revoked(struct fh_guard *g, struct fh_link *l);

#endif
