/* rollup.c - counting what a collector keeps, and keeping what rollups say (rollup.h).
 *
 * The pipeline calls fh_rollup_on_report() for each report it stores, inside the round's
 * transaction: a kept detection adds one to its unit's class counter, a kept service
 * event moves its target's outage state and its unit's outage counters, a kept patch
 * state replaces its host's patch summary, and a received rollup replaces the entries of
 * its (origin, unit)s when it is not older than them. Summing and sending is in
 * rollup_sum.c. */
#include "rollup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "taxonomy.h"

#define KEY_MAX (2 * FH_PATH_MAX + 512)
#define TARGET_MAX 256          /* bytes of a service target's name kept in a key */

struct det_ctr {
    uint64_t total, sent;
};

struct out_ctr {
    uint64_t started, ended, outage_s, sent_started, sent_ended, sent_outage_s;
};

struct patch_rec {
    uint64_t seq;
    uint32_t security_pending, reboot;
};

bool fh_rollup_stale(uint64_t then_us, uint32_t interval_s, uint64_t now_us)
{
    uint64_t after_s = (uint64_t)FH_STALE_INTERVALS * (interval_s ? interval_s : 10u);
    if (after_s < FH_STALE_MIN_S)
        after_s = FH_STALE_MIN_S;
    return now_us > then_us && now_us - then_us > after_s * 1000000u;
}

static bool bounded(const char *s, size_t cap)
{
    return s && strnlen(s, cap) < cap;
}

int fh_rollup_check(const Fh__Envelope *env, const Fh__Rollup *r, char *why, size_t why_len)
{
    const char *bad = NULL;
    struct fh_path o;
    if (fh_path_parse(env->origin, &o, NULL, 0) != 0 || o.level[o.nseg - 1] == FH_LEVEL_HOST)
        bad = "only collectors make rollups, not hosts";
    else if (r->n_units > FH_ROLLUP_MAX_RECEIVED_UNITS)
        bad = "too many units";
    for (size_t i = 0; !bad && i < r->n_units; i++) {
        const Fh__RollupUnit *u = r->units[i];
        if (!bounded(u->unit, FH_PATH_MAX) || !fh_path_valid(u->unit) ||
            !fh_path_within_valid(env->origin, u->unit))
            bad = "a unit is not a path inside the origin's scope";
        else if (u->n_detections > FH_ROLLUP_MAX_CLASSES ||
                 u->n_advisories > FH_ROLLUP_MAX_ADVISORIES)
            bad = "a unit has too many classes or advisories";
        for (size_t j = 0; !bad && j < u->n_detections; j++)
            if (!bounded(u->detections[j]->class_code, FH_ROLLUP_CLASS_MAX))
                bad = "a class code is over its bound";
        for (size_t j = 0; !bad && j < u->n_advisories; j++)
            if (!bounded(u->advisories[j]->advisory_id, FH_ROLLUP_ID_MAX))
                bad = "an advisory id is over its bound";
    }
    if (bad)
        snprintf(why, why_len, "rollup: %s", bad);
    return bad ? FH_EINVAL : 0;
}

/* The unit a report of origin counts under: a host's parent, else the origin itself. */
static int unit_of(const char *origin, char *unit)
{
    struct fh_path p;
    if (fh_path_parse(origin, &p, NULL, 0) != 0)
        return FH_EINVAL;
    if (p.level[p.nseg - 1] == FH_LEVEL_HOST)
        return fh_path_parent(origin, unit, FH_PATH_MAX);
    snprintf(unit, FH_PATH_MAX, "%s", origin);
    return 0;
}

/* Read the fixed-size record under key into rec (zeros when there is none). */
static int get_rec(struct fh_txn *t, const char *kb, size_t klen, void *rec, size_t size)
{
    const void *val;
    size_t vlen;
    memset(rec, 0, size);
    int err = fh_kv_get(t, kb, klen, &val, &vlen);
    if (err == 0 && vlen == size)
        memcpy(rec, val, size);
    return err == FH_ENOTFOUND ? 0 : err;
}

static int count_detection(struct fh_txn *t, const Fh__Envelope *env, const Fh__Detection *d)
{
    char unit[FH_PATH_MAX], kb[KEY_MAX];
    if (d->drill || unit_of(env->origin, unit) != 0)
        return 0;
    const char *code = bounded(d->class_code, FH_ROLLUP_CLASS_MAX) &&
                       fh_class_valid(d->class_code) ? d->class_code : "other";
    const char *parts[] = {"d", unit, code};
    size_t klen = fh_kv_key(kb, sizeof kb, 'K', parts, 3);
    struct det_ctr c;
    int err = klen ? get_rec(t, kb, klen, &c, sizeof c) : FH_EINVAL;
    if (err)
        return err;
    c.total++;
    return fh_kv_put(t, kb, klen, &c, sizeof c);
}

/* A target goes down (a start not seen before) or comes up (an end): move its state
 * record and its unit's outage counters. */
static int count_service(struct fh_txn *t, const Fh__Envelope *env, const Fh__ServiceEvent *e)
{
    char unit[FH_PATH_MAX], kb[KEY_MAX], ob[KEY_MAX];
    if (unit_of(env->origin, unit) != 0 || !bounded(e->name, TARGET_MAX))
        return 0;    /* counted nowhere: a target name over the bound */
    const char *tparts[] = {"t", env->origin, e->name}, *oparts[] = {"o", unit};
    size_t tlen = fh_kv_key(kb, sizeof kb, 'K', tparts, 3);
    size_t olen = fh_kv_key(ob, sizeof ob, 'K', oparts, 2);
    if (!tlen || !olen)
        return 0;
    const void *val;
    size_t vlen;
    int err = fh_kv_get(t, kb, tlen, &val, &vlen);
    if (err && err != FH_ENOTFOUND)
        return err;
    bool was_down = err == 0;
    struct out_ctr c;
    if ((err = get_rec(t, ob, olen, &c, sizeof c)))
        return err;
    if (!e->up) {
        if (was_down)
            return 0;
        c.started++;
        uint64_t since = e->down_since_us ? e->down_since_us : e->since_us;
        err = fh_kv_put(t, kb, tlen, &since, sizeof since);
    } else {
        c.ended++;
        c.outage_s += e->duration_s;
        err = was_down ? fh_kv_del(t, kb, tlen) : 0;
    }
    return err ? err : fh_kv_put(t, ob, olen, &c, sizeof c);
}

static int keep_patch(struct fh_txn *t, const Fh__Envelope *env, const Fh__PatchState *ps)
{
    char kb[KEY_MAX];
    const char *parts[] = {"p", env->origin};
    size_t klen = fh_kv_key(kb, sizeof kb, 'K', parts, 2);
    struct patch_rec r;
    int err = klen ? get_rec(t, kb, klen, &r, sizeof r) : FH_EINVAL;
    if (err || r.seq > env->seq)
        return err;   /* an older state arriving late changes nothing */
    r.seq = env->seq;
    r.security_pending = ps->pending_security_updates;
    r.reboot = ps->reboot_required;
    return fh_kv_put(t, kb, klen, &r, sizeof r);
}

/* Keep each unit entry of a received rollup unless a newer one of its origin is kept. */
static int keep_rollup(struct fh_txn *t, const Fh__Envelope *env, const Fh__Rollup *r,
                       bool relayed)
{
    char kb[KEY_MAX];
    int err = 0;
    for (size_t i = 0; i < r->n_units && !err; i++) {
        const char *parts[] = {env->origin, r->units[i]->unit};
        size_t klen = fh_kv_key(kb, sizeof kb, 'L', parts, 2);
        if (!klen)
            return FH_EINVAL;
        const void *val;
        size_t vlen;
        if (fh_kv_get(t, kb, klen, &val, &vlen) == 0) {
            Fh__RollupRecord *old = fh__rollup_record__unpack(NULL, vlen, val);
            bool newer = old && old->time_us > r->period_end_us;
            fh__rollup_record__free_unpacked(old, NULL);
            if (newer)
                continue;
        }
        Fh__RollupRecord rec = FH__ROLLUP_RECORD__INIT;
        rec.unit = r->units[i];
        rec.origin = env->origin;
        rec.time_us = r->period_end_us;
        rec.period_s = r->period_s;
        rec.relayed = relayed;
        size_t len = fh__rollup_record__get_packed_size(&rec);
        uint8_t *buf = malloc(len ? len : 1);
        if (!buf)
            return FH_ENOMEM;
        fh__rollup_record__pack(&rec, buf);
        err = fh_kv_put(t, kb, klen, buf, len);
        free(buf);
    }
    return err;
}

int fh_rollup_on_report(struct fh_txn *t, const Fh__Envelope *env,
                        const ProtobufCMessage *body, bool relayed)
{
    switch (env->kind) {
    case FH__KIND__KIND_ROLLUP:
        return keep_rollup(t, env, (const Fh__Rollup *)body, relayed);
    case FH__KIND__KIND_DETECTION:
        return relayed ? 0 : count_detection(t, env, (const Fh__Detection *)body);
    case FH__KIND__KIND_SERVICE:
        return relayed ? 0 : count_service(t, env, (const Fh__ServiceEvent *)body);
    case FH__KIND__KIND_PATCH:
        return relayed ? 0 : keep_patch(t, env, (const Fh__PatchState *)body);
    default:
        return 0;
    }
}
