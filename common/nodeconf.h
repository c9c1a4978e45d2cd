/* nodeconf.h - configuration sections every node (agent or collector) shares.
 *
 *   [store] map_size_mb, map_max_mb, outbox_max_mb
 *   [relay] batch_max, window, retry_min_ms, retry_max_ms, heartbeat_ms
 *   [log]   level
 *   [security] curve, key_dir, parent_key
 *
 * Each program adds fh_nodeconf_table() to its own tables before fh_config_load(). */
#ifndef FH_NODECONF_H
#define FH_NODECONF_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "keys.h"
#include "uplink.h"

struct fh_nodeconf {
    int64_t map_size_mb;
    int64_t map_max_mb;
    int64_t outbox_max_mb;
    int64_t batch_max;
    int64_t window;
    int64_t retry_min_ms;
    int64_t retry_max_ms;
    int64_t heartbeat_ms;
    char log_level[16];
    bool curve;              /* [security] */
    char key_dir[512];
    char parent_key[FH_Z85_KEY_LEN + 1];
};

/* The table of the shared keys, landing in nc. */
struct fh_config_table fh_nodeconf_table(struct fh_nodeconf *nc);

/* Check cross-key rules (window >= batch_max, retry_max_ms >= retry_min_ms, the log
 * level) and set up the logger with name. Returns 0 or FH_ECONFIG with err filled. */
int fh_nodeconf_apply(const struct fh_nodeconf *nc, const char *file, const char *name,
                      char *err, size_t err_len);

/* With [security] curve on: load and check the node's keys from key_dir into k (a
 * private key readable by others, or missing, is an error), and when need_parent the
 * parent's public key (parent_key, else key_dir/parent.pub) into parent (41 bytes).
 * With curve off: nothing, 0. Returns 0 or FH_E* with err filled. */
int fh_nodeconf_keys(const struct fh_nodeconf *nc, const char *file, bool need_parent,
                     struct fh_keys *k, char *parent, char *err, size_t err_len);

/* Uplink options from nc (strings borrowed from the arguments). */
struct fh_uplink_opts fh_nodeconf_uplink(const struct fh_nodeconf *nc, const char *endpoint,
                                         const char *self_path, int role,
                                         const char *software);

#endif
