/* guard.c - keys, scopes and revocation for the pipeline (see guard.h).
 *
 * Connections are remembered by fd in an array indexed by fd (a malloc'd key each);
 * offenders (peers that claimed origins outside their scope) in a small array searched
 * linearly: it holds peers that misbehave, not every peer. A peer's first offence is
 * reported at the end of its round; later ones are counted and reported together once
 * FH_GUARD_EVENT_INTERVAL_S has passed since the last report. */
#include "guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fenghuo.pb-c.h"
#include "log.h"
#include "origin.h"
#include "report.h"

#define PEER_SEEN_EVERY_US (5u * 1000000u) /* last_seen is written at most this often */

struct offender {
    char key[FH_Z85_KEY_LEN + 1];
    char scope[FH_PATH_MAX];
    char origin[FH_PATH_MAX];     /* the last origin claimed */
    uint64_t first_us, last_us;   /* of the offences not reported yet */
    uint32_t count;               /* offences not reported yet */
    uint64_t reported_ms;         /* monotonic; 0: never reported */
};

struct fh_guard {
    struct fh_store *st;
    char scope[FH_PATH_MAX];
    char **key_of_fd;             /* FH_GUARD_TRACKED_MAX */
    uint64_t generation;
    struct offender off[FH_GUARD_OFFENDERS_MAX];
    size_t noff;
};

int fh_guard_new(struct fh_store *st, const char *scope, struct fh_guard **out)
{
    struct fh_guard *g = calloc(1, sizeof *g);
    if (!g || !(g->key_of_fd = calloc(FH_GUARD_TRACKED_MAX, sizeof *g->key_of_fd))) {
        free(g);
        return FH_ENOMEM;
    }
    g->st = st;
    snprintf(g->scope, sizeof g->scope, "%s", scope);
    g->generation = fh_peers_generation(st);
    *out = g;
    return 0;
}

void fh_guard_free(struct fh_guard *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < FH_GUARD_TRACKED_MAX; i++)
        free(g->key_of_fd[i]);
    free(g->key_of_fd);
    free(g);
}

int fh_guard_sender(struct fh_guard *g, struct fh_txn *t, zmq_msg_t *part,
                    struct fh_peer *out)
{
    const char *key = fh_link_user_id(part);
    if (!key || strlen(key) != FH_Z85_KEY_LEN)
        return FH_ENOTFOUND;
    int err = fh_peers_get(g->st, t, key, out);
    if (err)
        return err == FH_ENOTFOUND ? err : FH_ENOTFOUND;
    uint64_t now = fh_now_us();
    /* Only inside the write transaction that looked it up: a peer revoked meanwhile is
     * never written back. A failure here costs a stale "last seen", nothing else. */
    if (t && now - out->last_seen_us >= PEER_SEEN_EVERY_US && fh_peers_touch(t, out, now) == 0)
        out->last_seen_us = now;
    return 0;
}

static void forget_fd(struct fh_guard *g, int fd)
{
    if (fd >= 0 && fd < FH_GUARD_TRACKED_MAX) {
        free(g->key_of_fd[fd]);
        g->key_of_fd[fd] = NULL;
    }
}

void fh_guard_track(struct fh_guard *g, int fd, const char *key)
{
    if (fd < 0 || fd >= FH_GUARD_TRACKED_MAX)
        return;
    if (g->key_of_fd[fd] && strcmp(g->key_of_fd[fd], key) == 0)
        return;
    forget_fd(g, fd);
    g->key_of_fd[fd] = strdup(key);   /* NULL on no memory: just not tracked */
}

void fh_guard_on_event(struct fh_guard *g, int event, int fd)
{
    if (event == ZMQ_EVENT_ACCEPTED || event == ZMQ_EVENT_DISCONNECTED)
        forget_fd(g, fd);
}

static struct offender *offender_of(struct fh_guard *g, const char *key)
{
    struct offender *o = NULL;
    for (size_t i = 0; i < g->noff; i++)
        if (strcmp(g->off[i].key, key) == 0)
            return &g->off[i];
    if (g->noff < FH_GUARD_OFFENDERS_MAX) {
        o = &g->off[g->noff++];
    } else {
        /* full: take the place of the one reported longest ago with nothing pending */
        for (size_t i = 0; i < g->noff; i++)
            if (!g->off[i].count && (!o || g->off[i].reported_ms < o->reported_ms))
                o = &g->off[i];
        if (!o)
            return NULL;
    }
    memset(o, 0, sizeof *o);
    snprintf(o->key, sizeof o->key, "%s", key);
    return o;
}

void fh_guard_impersonation(struct fh_guard *g, const struct fh_peer *peer,
                            const char *origin)
{
    struct offender *o = offender_of(g, peer->key);
    if (!o)
        return;   /* a thousand peers offending at once: counted, reported later */
    uint64_t now = fh_now_us();
    if (!o->count)
        o->first_us = now;
    o->last_us = now;
    o->count++;
    snprintf(o->scope, sizeof o->scope, "%s", peer->path);
    snprintf(o->origin, sizeof o->origin, "%s", origin);
}

static bool is_due(const struct offender *o, uint64_t now_ms)
{
    return o->count &&
           (!o->reported_ms || now_ms - o->reported_ms >= FH_GUARD_EVENT_INTERVAL_S * 1000u);
}

bool fh_guard_due(struct fh_guard *g)
{
    uint64_t now = fh_mono_ms();
    for (size_t i = 0; i < g->noff; i++)
        if (is_due(&g->off[i], now))
            return true;
    return false;
}

static int emit_one(struct fh_guard *g, struct fh_txn *t, bool relay,
                    const struct offender *o)
{
    char count[24], evidence[FH_PATH_MAX * 2 + 128], fp[FH_Z85_KEY_LEN + 8];
    snprintf(count, sizeof count, "%u", o->count);
    snprintf(fp, sizeof fp, "imi:%s", o->key);
    snprintf(evidence, sizeof evidence, "key %s registered for %s claimed origin %s",
             o->key, o->scope, o->origin);
    Fh__Detection__FactsEntry f[4] = {FH__DETECTION__FACTS_ENTRY__INIT,
                                      FH__DETECTION__FACTS_ENTRY__INIT,
                                      FH__DETECTION__FACTS_ENTRY__INIT,
                                      FH__DETECTION__FACTS_ENTRY__INIT};
    Fh__Detection__FactsEntry *fv[4] = {&f[0], &f[1], &f[2], &f[3]};
    f[0].key = "peer_key", f[0].value = (char *)o->key;
    f[1].key = "registered_scope", f[1].value = (char *)o->scope;
    f[2].key = "claimed_origin", f[2].value = (char *)o->origin;
    f[3].key = "refused", f[3].value = count;
    Fh__Detection d = FH__DETECTION__INIT;
    d.class_code = "IDI.IMI";
    d.summary = "a child sent reports for origins outside the scope its key is registered "
                "for (信息假冒): refused";
    d.n_facts = 4;
    d.facts = fv;
    d.severity = FH__SEVERITY__SEVERITY_HIGH;
    d.fingerprint = fp;
    d.probe = "collector";
    d.count = o->count;
    d.first_seen_us = o->first_us;
    d.last_seen_us = o->last_us;
    d.evidence = evidence;
    uint8_t *env = NULL;
    size_t len = 0;
    uint64_t seq = fh_txn_next_seq(t);
    /* Kept here, so this tier's export shows it, and owed to the parent if any. */
    int err = fh_origin_emit_txn(t, g->scope, FH__KIND__KIND_DETECTION, &d.base, seq, relay,
                                 &env, &len);
    if (!err) {
        struct fh_report_ref ref = {.origin = g->scope, .seq = seq,
                                    .kind = FH__KIND__KIND_DETECTION, .keep_latest = false,
                                    .lane = FH_LANE_URGENT, .bytes = env, .len = len};
        err = fh_store_accept(t, &ref, false);
    }
    free(env);
    return err;
}

int fh_guard_emit(struct fh_guard *g, struct fh_txn *t, bool relay)
{
    uint64_t now = fh_mono_ms();
    for (size_t i = 0; i < g->noff; i++) {
        struct offender *o = &g->off[i];
        if (!is_due(o, now))
            continue;
        int err = emit_one(g, t, relay, o);
        if (err)
            return err;
        fh_log(FH_LOG_WARN, "security event IDI.IMI: key %s (registered for %s) claimed %u "
               "origin(s) outside its scope, the last %s", o->key, o->scope, o->count,
               o->origin);
        o->count = 0;
        o->reported_ms = now;
    }
    return 0;
}

unsigned fh_guard_check_revoked(struct fh_guard *g, struct fh_link *l)
{
    uint64_t gen = fh_peers_generation(g->st);
    if (gen == g->generation)
        return 0;
    g->generation = gen;
    unsigned dropped = 0;
    for (int fd = 0; fd < FH_GUARD_TRACKED_MAX; fd++) {
        struct fh_peer p;
        if (!g->key_of_fd[fd] || fh_peers_get(g->st, NULL, g->key_of_fd[fd], &p) != FH_ENOTFOUND)
            continue;
        fh_log(FH_LOG_WARN, "key %s was revoked: dropping its connection", g->key_of_fd[fd]);
        fh_link_drop_fd(l, fd);
        forget_fd(g, fd);
        dropped++;
    }
    return dropped;
}
