/* pipeline.h - what a collector does with what its children send.
 *
 * receive -> sender's key (guard.h) -> decode (bounded) -> check scope -> dedup -> store with relay duty -> ack,
 * for every kind of report, in that order, in pipeline.c. One store transaction per
 * round of received messages (link.h), committed before any ack of that round is sent. */
#ifndef FH_PIPELINE_H
#define FH_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "link.h"
#include "store.h"

struct fh_pipeline;
struct fh_incidents;
struct fh_relay_policy;

struct fh_pipeline_opts {
    const char *scope;        /* this collector's scope path */
    bool relay;               /* has a parent: stored reports owe a relay, by policy */
    struct fh_store *st;
    uint64_t *counters;       /* FH_CTR_COUNT, owned by the caller */
    uint64_t outbox_max_bytes; /* over it: coalesce, then send health back to retry */
    bool curve;               /* links are CURVE: check each message's key (guard.h) */
    struct fh_incidents *incidents;  /* detections -> incidents (incidents.h); may be NULL */
    const struct fh_relay_policy *policy;  /* which kinds go up, in which lane
                                            * (relay_policy.h); NULL: every kind */
};

int fh_pipeline_new(const struct fh_pipeline_opts *o, struct fh_pipeline **out);
void fh_pipeline_free(struct fh_pipeline *p);

/* The link callbacks: pass p as their arg. on_round_end commits and sends the acks. */
void fh_pipeline_on_message(struct fh_link *l, zmq_msg_t *parts, size_t n, bool truncated,
                            void *p);
void fh_pipeline_on_round_end(struct fh_link *l, void *p);
void fh_pipeline_on_event(struct fh_link *l, int event, int value, void *p);

/* With curve: after a revocation, drop the connections of revoked keys on l (the
 * children's link). Called every second; cheap when nothing was revoked. */
void fh_pipeline_check_revoked(struct fh_pipeline *p, struct fh_link *l);

/* The down log grew (a warning or advisory issued here or received from above): send
 * each child heard from in the last 10 minutes what it has not stored yet, now, in an
 * ack of its own (batch 0: no verdicts), instead of with its next heartbeat's ack. */
void fh_pipeline_push_down(struct fh_pipeline *p, struct fh_link *l);

/* Reports newly stored since the last call (the caller kicks its uplink when > 0). */
uint64_t fh_pipeline_take_stored(struct fh_pipeline *p);
/* True when counters changed since they were last saved; clears the flag. */
bool fh_pipeline_take_dirty(struct fh_pipeline *p);

#endif
