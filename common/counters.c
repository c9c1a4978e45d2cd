/* counters.c - names of the counters of counters.h, in enum order. */
#include "counters.h"

static const char *const names[FH_CTR_COUNT] = {
    [FH_CTR_STORED] = "stored",
    [FH_CTR_DUPLICATE] = "duplicate",
    [FH_CTR_REFUSED_MALFORMED] = "refused_malformed",
    [FH_CTR_REFUSED_TOOBIG] = "refused_too_big",
    [FH_CTR_REFUSED_VERSION] = "refused_version",
    [FH_CTR_REFUSED_SCOPE] = "refused_scope",
    [FH_CTR_REFUSED_PATH] = "refused_path",
    [FH_CTR_REFUSED_KIND] = "refused_kind",
    [FH_CTR_REFUSED_HELLO] = "refused_hello",
    [FH_CTR_REFUSED_TOOMANY] = "refused_too_many_parts",
    [FH_CTR_LINK_DROPPED] = "link_dropped",
    [FH_CTR_GENERATED] = "generated",
    [FH_CTR_SENT] = "sent",
    [FH_CTR_RETRANSMITTED] = "retransmitted",
    [FH_CTR_ACKED] = "acked_by_parent",
    [FH_CTR_DEAD_LETTER] = "dead_letter",
    [FH_CTR_STORE_FULL] = "store_full",
    [FH_CTR_COALESCED] = "coalesced",
    [FH_CTR_OUTBOX_FULL] = "outbox_full_retry",
    [FH_CTR_REFUSED_KEY] = "refused_key",
    [FH_CTR_REFUSED_REVOKED] = "refused_revoked",
    [FH_CTR_REFUSED_KEY_SCOPE] = "refused_key_scope",
    [FH_CTR_ENROLLED] = "enrolled",
    [FH_CTR_REFUSED_TOKEN] = "refused_token",
    [FH_CTR_REFUSED_SIGNATURE] = "refused_signature",
    [FH_CTR_REFUSED_REPLAY] = "refused_replay",
    [FH_CTR_RETRY_UNKNOWN_KEY] = "retry_unknown_key",
};

const char *fh_counter_name(enum fh_counter c)
{
    return (unsigned)c < FH_CTR_COUNT ? names[c] : "unknown";
}
