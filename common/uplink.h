/* uplink.h - delivering a node's outbox to its parent.
 *
 * Agents and collectors relay the same way. The uplink reads the outbox oldest first and
 * sends it in batches (a HELLO part naming the sender and the batch number, then up to
 * batch_max envelopes exactly as stored). The parent answers each batch with an ACK
 * holding one verdict per report; the uplink then, in one durable transaction, deletes
 * what was stored or was a duplicate and sets aside (dead letter) what was refused for
 * good. At most `window` reports are in flight, fewer when the parent's last ack gave
 * less credit (a parent whose own outbox is over its bound slows its children down).
 *
 * Nothing is removed without an ack (delivery invariant 3). When an ack does not come
 * within the retransmission timeout, when a verdict says retry, or when the connection
 * drops, the uplink rewinds: it forgets what was in flight and sends again from the
 * oldest entry still in the outbox, after a delay that doubles up to retry_max_ms, with
 * +-25 % jitter. The parent's dedup makes the repeats harmless (invariant 4) and keeps
 * per-origin order (invariant 5). A heartbeat (a HELLO with no reports) goes out when
 * nothing else was sent for heartbeat_ms, so the parent knows the child is alive. */
#ifndef FH_UPLINK_H
#define FH_UPLINK_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "link.h"
#include "store.h"

struct fh_uplink;

struct fh_uplink_opts {
    const char *endpoint;      /* the parent's ROUTER */
    const char *self_path;     /* this node's path (agent) or scope (collector) */
    int role;                  /* Fh__Role */
    const char *software;      /* "fenghuo-agent 0.1.0" */
    uint32_t batch_max;        /* reports per message, 1..FH_MAX_BATCH */
    uint32_t window;           /* reports in flight, >= batch_max */
    uint32_t retry_min_ms;     /* first retransmission timeout */
    uint32_t retry_max_ms;     /* longest delay between attempts */
    uint32_t heartbeat_ms;     /* a HELLO at least this often */
    const char *curve_secret;  /* this node's CURVE keys and the parent's public key */
    const char *curve_public;  /* (Z85, keys.h); NULL curve_secret: a plain link */
    const char *server_key;
    /* What came down with an ack (warnings, advisories: down.h): store parts[0..n) and
     * the cursor down_next durably, return 0; an error makes the parent send them again.
     * NULL: this node takes nothing from above. */
    int (*on_down)(void *arg, const uint8_t *const *parts, const size_t *lens, size_t n,
                   uint64_t down_next);
    void *down_arg;
};

/* Connect to the parent and start sending. counters is the node's FH_CTR_COUNT array:
 * the uplink adds to SENT, RETRANSMITTED, ACKED and DEAD_LETTER. The caller keeps st
 * and counters alive until fh_uplink_stop(). */
int fh_uplink_start(uv_loop_t *loop, void *zctx, struct fh_store *st,
                    const struct fh_uplink_opts *opts, uint64_t *counters,
                    struct fh_uplink **out);

/* New entries were committed to the outbox: send them if the window allows. */
void fh_uplink_kick(struct fh_uplink *u);

/* Time of the parent's last ack (UTC us, 0: none since start), and whether the link to
 * the parent is up. */
uint64_t fh_uplink_last_ack_us(const struct fh_uplink *u);
bool fh_uplink_connected(const struct fh_uplink *u);

/* Stop and free (what is in flight stays in the outbox for the next start). */
void fh_uplink_stop(struct fh_uplink *u);

#endif
