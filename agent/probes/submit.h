/* submit.h - who may hand the agent a detection over its submit socket (submit.c).
 *
 * The submit probe listens on a Unix socket; each connection's peer is known by the
 * kernel's SO_PEERCRED (uid, gid, pid), which the peer cannot forge. These pure pieces
 * decide from those credentials; tests call them directly. */
#ifndef FH_SUBMIT_H
#define FH_SUBMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FH_SUBMIT_MAX_IDS 32   /* uids in allow_uids, gids in allow_gids */

struct fh_submit_acl {
    uint32_t uids[FH_SUBMIT_MAX_IDS];
    size_t nuids;
    uint32_t gids[FH_SUBMIT_MAX_IDS];
    size_t ngids;
};

/* Parse "1000, 1001" (decimal ids < 2^32-1, comma separated, "" for none) into
 * out[0..max). Returns 0 or FH_ECONFIG. */
int fh_submit_parse_ids(const char *text, uint32_t *out, size_t max, size_t *n);

/* True when a peer with this uid and (primary) gid may submit: uid 0, a uid in
 * acl->uids or a gid in acl->gids. */
bool fh_submit_peer_allowed(const struct fh_submit_acl *acl, uint32_t uid, uint32_t gid);

/* Parse an octal file mode "0660" (at most 0777). Returns 0 or FH_ECONFIG. */
int fh_submit_parse_mode(const char *text, uint32_t *mode);

#endif
