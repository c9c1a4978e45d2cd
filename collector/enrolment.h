/* enrolment.h - the collector's enrolment endpoint (the joining side is common/enrol.h).
 *
 * A second ROUTER, bound on [collector] enrol_listen, CURVE server under the ZAP domain
 * FH_ZAP_DOMAIN_ENROL: any key may connect there, and the only thing accepted is one
 * ENROL_REQUEST envelope per message. For each, in one LMDB transaction
 * (fh_tokens_redeem), the token is checked (known, unexpired, unused, made for the
 * node's role, the node's path inside its scope), marked used, and the connection's
 * authenticated key is registered with the token's scope. The answer says ok and gives
 * the collector's scope and keys, or says why not; refusals are counted (refused_token)
 * and logged at most once a minute. Only then can the node connect to the children's
 * endpoint, where unknown keys are refused at the handshake. */
#ifndef FH_ENROLMENT_H
#define FH_ENROLMENT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "keys.h"
#include "store.h"

struct fh_enrolment;

struct fh_enrolment_opts {
    const char *endpoint;          /* where to bind, e.g. tcp://0.0.0.0:7103 */
    const char *scope;             /* this collector's scope */
    const struct fh_keys *keys;    /* this collector's keys (kept by the caller) */
    struct fh_store *st;
    uint64_t *counters;            /* FH_CTR_COUNT, the caller's */
};

int fh_enrolment_start(uv_loop_t *loop, void *zctx, const struct fh_enrolment_opts *o,
                       struct fh_enrolment **out);
/* The endpoint bound (port 0 resolved). */
const char *fh_enrolment_endpoint(const struct fh_enrolment *e);
/* True when a counter changed since the last call. */
bool fh_enrolment_take_dirty(struct fh_enrolment *e);
void fh_enrolment_stop(struct fh_enrolment *e);

#endif
