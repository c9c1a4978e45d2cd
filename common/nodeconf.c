/* nodeconf.c - the [store], [relay] and [log] keys shared by every node. */
#include "nodeconf.h"

#include <stddef.h>
#include <stdio.h>

#include "err.h"
#include "log.h"
#include "report.h"

#define K(sec, name, type, field, def, min, max, help)                                    \
    {sec, name, type, offsetof(struct fh_nodeconf, field),                                \
     sizeof(((struct fh_nodeconf *)0)->field), false, def, min, max, help}

static const struct fh_config_key keys[] = {
    K("store", "map_size_mb", FH_CONF_INT, map_size_mb, "1024", 16, 1 << 24,
      "size of the LMDB map at start, in MiB (sparse: disk is used as data grows)"),
    K("store", "map_max_mb", FH_CONF_INT, map_max_mb, "0", 0, 1 << 24,
      "the map doubles when full up to this many MiB; 0: as far as the disk allows "
      "(64 MiB of it are always left free)"),
    K("store", "outbox_max_mb", FH_CONF_INT, outbox_max_mb, "256", 1, 1 << 24,
      "bound of the outbox in MiB: over it, older health samples are coalesced (the "
      "latest per host kept) and counted; detections are never dropped"),
    K("relay", "batch_max", FH_CONF_INT, batch_max, "256", 1, FH_MAX_BATCH,
      "reports per message sent to the parent"),
    K("relay", "window", FH_CONF_INT, window, "4096", 1, 1 << 20,
      "reports in flight to the parent before waiting for acks (>= batch_max)"),
    K("relay", "retry_min_ms", FH_CONF_INT, retry_min_ms, "1000", 10, 3600000,
      "first retransmission timeout; doubles on each failure"),
    K("relay", "retry_max_ms", FH_CONF_INT, retry_max_ms, "30000", 10, 86400000,
      "longest wait between two attempts while the parent is unreachable"),
    K("relay", "heartbeat_ms", FH_CONF_INT, heartbeat_ms, "10000", 100, 3600000,
      "send a heartbeat when nothing else went to the parent for this long"),
    K("log", "level", FH_CONF_STRING, log_level, "info", 0, 0,
      "lowest level logged: debug, info, warn, error"),
    K("security", "curve", FH_CONF_BOOL, curve, "on", 0, 0,
      "encrypt and authenticate every link with CURVE (off only to measure its cost: a "
      "plain link trusts whatever a child claims)"),
    K("security", "key_dir", FH_CONF_STRING, key_dir, "", 0, 0,
      "directory of this node's keys (curve.key, sign.key, mode 0600; made by "
      "`fenghuo-ctl keygen --dir DIR` or by enrolment); required with curve on"),
    K("security", "parent_key", FH_CONF_STRING, parent_key, "", 0, 0,
      "the parent collector's CURVE public key (Z85); empty: read KEY_DIR/parent.pub, "
      "which enrolment writes"),
};

struct fh_config_table fh_nodeconf_table(struct fh_nodeconf *nc)
{
    return (struct fh_config_table){keys, sizeof keys / sizeof keys[0], nc};
}

int fh_nodeconf_apply(const struct fh_nodeconf *nc, const char *file, const char *name,
                      char *err, size_t err_len)
{
    enum fh_log_level lvl;
    if (fh_log_level_parse(nc->log_level, &lvl) != 0) {
        snprintf(err, err_len, "%s: log.level: \"%s\" is not debug, info, warn or error",
                 file, nc->log_level);
        return FH_ECONFIG;
    }
    if (nc->window < nc->batch_max) {
        snprintf(err, err_len, "%s: relay.window: %lld is smaller than relay.batch_max %lld",
                 file, (long long)nc->window, (long long)nc->batch_max);
        return FH_ECONFIG;
    }
    if (nc->map_max_mb && nc->map_max_mb < nc->map_size_mb) {
        snprintf(err, err_len, "%s: store.map_max_mb: %lld is smaller than store.map_size_mb "
                 "%lld", file, (long long)nc->map_max_mb, (long long)nc->map_size_mb);
        return FH_ECONFIG;
    }
    if (nc->retry_max_ms < nc->retry_min_ms) {
        snprintf(err, err_len, "%s: relay.retry_max_ms: %lld is smaller than "
                 "relay.retry_min_ms %lld", file, (long long)nc->retry_max_ms,
                 (long long)nc->retry_min_ms);
        return FH_ECONFIG;
    }
    fh_log_init(name, lvl);
    return 0;
}

int fh_nodeconf_keys(const struct fh_nodeconf *nc, const char *file, bool need_parent,
                     struct fh_keys *k, char *parent, char *err, size_t err_len)
{
    char why[600];
    if (!nc->curve)
        return 0;
    if (!nc->key_dir[0]) {
        snprintf(err, err_len, "%s: security.key_dir: required with security.curve on (make "
                 "the keys with `fenghuo-ctl keygen --dir DIR` or `enroll TOKEN`)", file);
        return FH_ECONFIG;
    }
    int rc = fh_keys_load(nc->key_dir, k, why, sizeof why);
    if (rc) {
        snprintf(err, err_len, "%s: security.key_dir: %s", file, why);
        return rc;
    }
    if (!need_parent)
        return 0;
    if (nc->parent_key[0]) {
        if (!fh_keys_z85_valid(nc->parent_key)) {
            snprintf(err, err_len, "%s: security.parent_key: not a Z85 CURVE public key", file);
            return FH_ECONFIG;
        }
        snprintf(parent, FH_Z85_KEY_LEN + 1, "%s", nc->parent_key);
        return 0;
    }
    snprintf(why, sizeof why, "%s/%s", nc->key_dir, FH_KEY_PARENT_PUBLIC);
    if ((rc = fh_keys_read_public(why, parent))) {
        snprintf(err, err_len, "%s: the parent's public key: %s is %s (enrol with a token, "
                 "or set security.parent_key)", file, why,
                 rc == FH_ENOTFOUND ? "missing" : "not a Z85 CURVE public key");
        return FH_ECONFIG;
    }
    return 0;
}

struct fh_uplink_opts fh_nodeconf_uplink(const struct fh_nodeconf *nc, const char *endpoint,
                                         const char *self_path, int role,
                                         const char *software)
{
    return (struct fh_uplink_opts){
        .endpoint = endpoint,
        .self_path = self_path,
        .role = role,
        .software = software,
        .batch_max = (uint32_t)nc->batch_max,
        .window = (uint32_t)nc->window,
        .retry_min_ms = (uint32_t)nc->retry_min_ms,
        .retry_max_ms = (uint32_t)nc->retry_max_ms,
        .heartbeat_ms = (uint32_t)nc->heartbeat_ms,
    };
}
