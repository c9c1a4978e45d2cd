/* counters.h - the named counters every node keeps and `fenghuo-ctl status` shows.
 *
 * Counters live in memory while a node runs and are saved in the node's store with each
 * batch, so they survive restarts and can be read by fenghuo-ctl at any time. The table
 * of names is the one place a counter is named; JSON output uses these names. */
#ifndef FH_COUNTERS_H
#define FH_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

enum fh_counter {
    FH_CTR_STORED,            /* reports newly committed here */
    FH_CTR_DUPLICATE,         /* reports received again and acknowledged as duplicates */
    FH_CTR_REFUSED_MALFORMED, /* parts that do not decode as an Envelope or its body */
    FH_CTR_REFUSED_TOOBIG,    /* parts over FH_MAX_ENVELOPE_BYTES */
    FH_CTR_REFUSED_VERSION,   /* envelopes of another protocol version */
    FH_CTR_REFUSED_SCOPE,     /* origins outside this node's scope or the sender's path */
    FH_CTR_REFUSED_PATH,      /* origins that are not valid paths */
    FH_CTR_REFUSED_KIND,      /* kinds unknown, or not allowed where they were found */
    FH_CTR_REFUSED_HELLO,     /* messages without a valid HELLO first part */
    FH_CTR_REFUSED_TOOMANY,   /* messages with more parts than FH_MAX_PARTS */
    FH_CTR_LINK_DROPPED,      /* connections the transport dropped (oversized frame, bad stream) */
    FH_CTR_GENERATED,         /* reports this node made itself (agents) */
    FH_CTR_SENT,              /* reports sent to the parent, retransmissions included */
    FH_CTR_RETRANSMITTED,     /* of those, sent again after a timeout or a retry verdict */
    FH_CTR_ACKED,             /* reports the parent acknowledged (stored or duplicate) */
    FH_CTR_DEAD_LETTER,       /* reports the parent refused for good, kept aside */
    FH_CTR_STORE_FULL,        /* rounds not stored because the store was full */
    FH_CTR_COALESCED,         /* older health samples dropped from a full outbox */
    FH_CTR_OUTBOX_FULL,       /* health samples sent back to retry: the outbox is over its bound */
    FH_CTR_REFUSED_KEY,       /* connections refused at the handshake: unknown or revoked key */
    FH_CTR_REFUSED_REVOKED,   /* messages from a key revoked while connected (then dropped) */
    FH_CTR_REFUSED_KEY_SCOPE, /* HELLOs and reports outside the sender's registered scope
                               * (信息假冒: raised as an IDI.IMI detection) */
    FH_CTR_ENROLLED,          /* peers registered by redeeming a token */
    FH_CTR_REFUSED_TOKEN,     /* enrolments refused: unknown, expired, used or wrong token */
    FH_CTR_REFUSED_SIGNATURE, /* reports, warnings, advisories without a valid signature of a
                               * key allowed to sign for their origin (sign.h) */
    FH_CTR_REFUSED_REPLAY,    /* reports timed too far in the future, or signed by a key
                               * after its successor took over */
    FH_CTR_RETRY_UNKNOWN_KEY, /* reports signed by a key this tier has not learned yet:
                               * sent back to retry (its KEY report travels ahead) */
    FH_CTR_COUNT
};

/* "stored", "duplicate", ... : a static string. */
const char *fh_counter_name(enum fh_counter c);

#endif
