/* routes.h - how to reach each child now: its ZeroMQ routing id and down-log cursor.
 *
 * Children open the links (DEALER -> ROUTER), so a collector can only send to a child
 * whose routing id it has seen. The pipeline records, for every child that sent a
 * message, its routing id and the down-log cursor its HELLO gave; when the collector's
 * down log grows (a warning issued here or received from above), it sends each child
 * that has something new an ack of its own at once, instead of waiting for the child's
 * next heartbeat. Memory only: after a restart children are known again as soon as they
 * send (their heartbeat), and nothing depends on it for correctness. */
#ifndef FH_ROUTES_H
#define FH_ROUTES_H

#include <stddef.h>
#include <stdint.h>

#define FH_ROUTE_ID_MAX 256
#define FH_ROUTES_MAX 65536          /* children remembered; beyond, the oldest go */

struct fh_routes;

struct fh_route {
    const char *path;                /* the child's path */
    const uint8_t *rid;              /* its routing id */
    size_t rid_len;
    uint64_t down_seq;               /* its cursor in this node's down log, as last told */
};

int fh_routes_new(struct fh_routes **out);
void fh_routes_free(struct fh_routes *r);
/* Remember (or refresh) a child. Returns 0 or FH_ENOMEM / FH_EINVAL (rid too long). */
int fh_routes_seen(struct fh_routes *r, const char *path, const uint8_t *rid, size_t rid_len,
                   uint64_t down_seq, uint64_t now_ms);
/* Every child seen within max_age_ms, in no particular order. */
void fh_routes_each(struct fh_routes *r, uint64_t now_ms, uint64_t max_age_ms,
                    void (*fn)(void *arg, const struct fh_route *route), void *arg);
size_t fh_routes_count(const struct fh_routes *r);

#endif
