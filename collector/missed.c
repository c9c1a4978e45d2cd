/* missed.c - 漏报: what a tier learns of without a report from below.
 *
 * With the relay policy's defaults a tier above the first collector learns of a unit's
 * detections twice: in detail through the incidents made below, and counted through the
 * rollups (detections by class per unit). When the counts show detections of a class in
 * a unit that no incident known here covers, the tier below has not reported it: once
 * that has lasted longer than the reporting grace (the incident may be on its way) — times
 * the number of tiers between the rollup's maker and this one, so the tier right above
 * the one that kept silent marks it and the tiers above receive that — this tier makes
 * the incident itself, marked missed, graded and relayed like any other.
 *
 * State records: "C\0<unit>\0<class>" an incident covers them (time it was seen);
 * "M\0<unit>\0<class>" counts first seen uncovered (time); "X\0<unit>\0<class>" the
 * missed incident made (its id). Drills are not counted in rollups, so never missed. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "grading.h"
#include "incidents_int.h"
#include "log.h"

#define KEY_BYTES (2 * FH_PATH_MAX + 32)

static size_t key(char *kb, char tag, const char *unit, const char *cls)
{
    const char *parts[] = {unit, cls};
    return fh_kv_key(kb, KEY_BYTES, tag, parts, 2);
}

static bool present(struct fh_txn *t, const char *kb, size_t klen, uint64_t *when)
{
    const void *val;
    size_t vlen;
    if (fh_kv_get(t, kb, klen, &val, &vlen) != 0)
        return false;
    if (when && vlen == sizeof *when)
        memcpy(when, val, sizeof *when);
    return true;
}

int fh_missed_reported(struct fh_txn *t, const Fh__Incident *inc)
{
    char kb[KEY_BYTES];
    uint64_t now = inc->updated_us;
    int err = 0;
    if (inc->drill || !inc->class_code)
        return 0;
    for (size_t i = 0; i < inc->n_units && !err; i++) {
        size_t klen = key(kb, 'C', inc->units[i], inc->class_code);
        if (klen && !present(t, kb, klen, NULL))
            err = fh_kv_put(t, kb, klen, &now, sizeof now);
    }
    return err;
}

/* Make the missed incident of (unit, class) seen uncovered since first_us. */
static int make_missed(struct fh_incidents *in, struct fh_txn *t, const char *unit,
                       const char *cls, uint64_t count, const char *from, uint64_t first_us,
                       uint64_t now, uint64_t *made)
{
    char id[FH_INCIDENT_ID_MAX], kb[KEY_BYTES], rule[256], summary[FH_PATH_MAX * 2 + 160];
    int err = fh_inc_new_id(in, t, id);
    if (err)
        return err;
    Fh__Incident inc = FH__INCIDENT__INIT;
    char *units[1] = {(char *)unit};
    inc.id = id;
    inc.class_code = (char *)cls;
    inc.fingerprint = "";
    inc.spread_scope = "unit";
    inc.units = units;
    inc.n_units = 1;
    inc.detected_us = first_us;
    inc.last_seen_us = now;
    inc.detections = (uint32_t)(count > UINT32_MAX ? UINT32_MAX : count);
    inc.state = FH__INCIDENT_STATE__INCIDENT_STATE_REPORTED;
    inc.made_by = in->self;
    inc.missed = true;
    inc.revision = 1;
    inc.updated_us = now;
    inc.playbook = (char *)fh_inc_playbook(cls);
    snprintf(summary, sizeof summary, "漏报: %llu detections of %s in %s counted by %s's "
             "rollups, no incident reported from below", (unsigned long long)count, cls, unit,
             from);
    inc.summary = summary;
    fh_inc_grade(in, &inc, FH_SCOPE_UNIT, 1, now, rule, sizeof rule);
    size_t klen = key(kb, 'X', unit, cls);
    if (!klen)
        return 0;
    if ((err = fh_kv_put(t, kb, klen, id, strlen(id))) ||
        (err = fh_inc_emit(in, t, &inc, made)) ||
        (err = fh_inc_save(t, &inc, now, false, 0, "")))
        return err;
    fh_log(FH_LOG_WARN, "incident %s: 漏报 — %s has %llu %s detections (rollups of %s) and no "
           "incident came from below", id, unit, (unsigned long long)count, cls, from);
    return 0;
}

int fh_missed_on_rollup(struct fh_incidents *in, struct fh_txn *t, const Fh__Envelope *env,
                        const Fh__Rollup *r, uint64_t now, uint64_t *made)
{
    /* Each tier between the rollup's maker and this one gets its grace first: the tier
     * right above the maker marks 漏报, the ones above receive its incident. */
    struct fh_path maker;
    uint64_t tiers = 1;
    if (fh_path_parse(env->origin, &maker, NULL, 0) == 0 &&
        maker.level[maker.nseg - 1] > in->level)
        tiers = (uint64_t)(maker.level[maker.nseg - 1] - in->level);
    int err = 0;
    for (size_t u = 0; u < r->n_units && !err; u++) {
        const Fh__RollupUnit *ru = r->units[u];
        if (!ru->unit || !fh_path_valid(ru->unit) || !fh_path_within(in->self, ru->unit))
            continue;
        for (size_t c = 0; c < ru->n_detections && !err; c++) {
            const Fh__ClassCount *cc = ru->detections[c];
            char kb[KEY_BYTES];
            uint64_t first = now;
            if (!cc->class_code || !cc->total)
                continue;
            size_t klen = key(kb, 'C', ru->unit, cc->class_code);
            if (!klen || present(t, kb, klen, NULL))
                continue;   /* reported */
            klen = key(kb, 'X', ru->unit, cc->class_code);
            if (present(t, kb, klen, NULL))
                continue;   /* already marked missed */
            klen = key(kb, 'M', ru->unit, cc->class_code);
            if (!present(t, kb, klen, &first))
                err = fh_kv_put(t, kb, klen, &now, sizeof now);
            else if (now - first > in->grace_us * tiers)
                err = make_missed(in, t, ru->unit, cc->class_code, cc->total, env->origin,
                                  first, now, made);
        }
    }
    return err;
}
