/* incidents.c - unit and spread incidents, regraded and relayed (see incidents.h).
 *
 * State records (fh_kv_*), all in the round's transaction:
 *   "I\0<id>"                      -> IncidentRecord (the latest revision known here)
 *   "G\0<unit>\0<class>\0<fp>"     -> id of the open unit incident of that group
 *   "D\0<unit>\0<class>\0<fp>"     -> the same for drills (never joined with real ones)
 *   "S\0<class>\0<fp>"             -> id of this collector's spread incident
 *   "U\0<class>\0<fp>\0<unit>"     -> u64 time the unit was last seen with it
 *   "N\0incident"                  -> u64 the last incident number used here */
#include "incidents.h"
#include "incidents_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "grading.h"
#include "log.h"
#include "origin.h"
#include "outbox.h"
#include "path.h"
#include "playbooks.h"
#include "relay_policy.h"
#include "report.h"


static enum fh_path_level level_of(const char *path)
{
    struct fh_path p;
    return fh_path_parse(path, &p, NULL, 0) == 0 ? p.level[p.nseg - 1] : FH_LEVEL_HOST;
}

/* The prefix of path that is its region at level lvl; false when it has none. */
static bool region_at(const char *path, enum fh_path_level lvl, char *out)
{
    struct fh_path p;
    if (fh_path_parse(path, &p, NULL, 0) != 0)
        return false;
    for (size_t i = 0; i < p.nseg; i++)
        if (p.level[i] == lvl) {
            size_t n = (size_t)p.off[i] + p.len[i];
            memcpy(out, p.text, n);
            out[n] = '\0';
            return true;
        }
    return false;
}

int fh_incidents_new(const struct fh_incidents_opts *o, struct fh_incidents **out,
                     char *why, size_t why_len)
{
    struct fh_incidents *in = calloc(1, sizeof *in);
    if (!in)
        return FH_ENOMEM;
    int err = fh_grade_profile_load(o->profile, &in->prof, why, why_len);
    if (err) {
        free(in);
        return err;
    }
    snprintf(in->self, sizeof in->self, "%s", o->self);
    snprintf(in->profile, sizeof in->profile, "%s", o->profile);
    in->level = level_of(o->self);
    in->top = o->top;
    in->window_us = (uint64_t)o->window_s * 1000000u;
    in->grace_us = (uint64_t)o->grace_s * 1000000u;
    /* Test only: a tier that hides its incidents (瞒报), for the 漏报 test. */
    if ((in->conceal = getenv("FH_TEST_CONCEAL_INCIDENTS") != NULL))
        fh_log(FH_LOG_WARN, "FH_TEST_CONCEAL_INCIDENTS: making no incidents (a test)");
    in->policy = o->policy;
    *out = in;
    return 0;
}

const struct fh_grade_profile *fh_incidents_profile(const struct fh_incidents *in)
{
    return in->prof;
}

void fh_incidents_free(struct fh_incidents *in)
{
    if (!in)
        return;
    fh_grade_profile_free(in->prof);
    free(in);
}

const char *fh_inc_playbook(const char *cls)
{
    const struct fh_playbook *p = fh_playbook_for_class(cls);
    return p ? p->id : "";
}

/* ---- records ---- */

Fh__IncidentRecord *fh_inc_load(struct fh_txn *t, const char *id)
{
    char kb[KEY_MAX];
    const char *parts[] = {id};
    size_t klen = fh_kv_key(kb, sizeof kb, 'I', parts, 1);
    const void *val;
    size_t vlen;
    if (!klen || fh_kv_get(t, kb, klen, &val, &vlen) != 0)
        return NULL;
    Fh__IncidentRecord *r = fh__incident_record__unpack(NULL, vlen, val);
    if (r && !r->incident) {
        fh__incident_record__free_unpacked(r, NULL);
        r = NULL;
    }
    return r;
}

int fh_inc_save(struct fh_txn *t, Fh__Incident *inc, uint64_t received_us, bool late,
                uint64_t delay_s, const char *from)
{
    Fh__IncidentRecord r = FH__INCIDENT_RECORD__INIT;
    r.incident = inc;
    r.received_us = received_us;
    r.late = late;
    r.delay_s = delay_s;
    r.from = (char *)from;
    char kb[KEY_MAX];
    const char *parts[] = {inc->id};
    size_t klen = fh_kv_key(kb, sizeof kb, 'I', parts, 1);
    size_t len = fh__incident_record__get_packed_size(&r);
    uint8_t *buf = malloc(len);
    if (!klen || !buf) {
        free(buf);
        return klen ? FH_ENOMEM : FH_EINVAL;
    }
    fh__incident_record__pack(&r, buf);
    int err = fh_kv_put(t, kb, klen, buf, len);
    free(buf);
    return err;
}

/* The id under an index key (G or S), or "" when none. */
static void index_get(struct fh_txn *t, const char *kb, size_t klen, char *id)
{
    const void *val;
    size_t vlen;
    id[0] = '\0';
    if (fh_kv_get(t, kb, klen, &val, &vlen) == 0 && vlen < FH_INCIDENT_ID_MAX) {
        memcpy(id, val, vlen);
        id[vlen] = '\0';
    }
}

int fh_inc_new_id(struct fh_incidents *in, struct fh_txn *t, char *id)
{
    static const char key[] = "N\0incident";
    const void *val;
    size_t vlen;
    uint64_t n = 0;
    if (fh_kv_get(t, key, sizeof key - 1, &val, &vlen) == 0 && vlen == sizeof n)
        memcpy(&n, val, sizeof n);
    n++;
    snprintf(id, FH_INCIDENT_ID_MAX, "%s#%llu", in->self, (unsigned long long)n);
    return fh_kv_put(t, key, sizeof key - 1, &n, sizeof n);
}

/* Send a revision up (as this collector's own report) and keep it here as stored. */
int fh_inc_emit(struct fh_incidents *in, struct fh_txn *t, Fh__Incident *inc, uint64_t *made)
{
    uint64_t seq = fh_txn_next_seq(t);
    uint8_t *env;
    size_t len;
    int err = fh_missed_reported(t, inc);
    if (err)
        return err;
    err = fh_origin_emit_txn(t, in->self, FH__KIND__KIND_INCIDENT, &inc->base, seq,
                             false, &env, &len);
    if (err)
        return err;
    /* up in the lane its grade asks for: Ⅰ..Ⅲ urgent, Ⅳ bulk (relay_policy.h) */
    if (!in->top &&
        (err = fh_outbox_append(t, fh_relay_lane(in->policy, FH__KIND__KIND_INCIDENT,
                                                 &inc->base), env, len))) {
        free(env);
        return err;
    }
    struct fh_report_ref ref = {.origin = in->self, .seq = seq, .kind = FH__KIND__KIND_INCIDENT,
                                .lane = fh_kind_lane(FH__KIND__KIND_INCIDENT), .bytes = env,
                                .len = len};
    err = fh_store_accept(t, &ref, false);
    free(env);
    if (!err)
        (*made)++;
    fh_log(FH_LOG_INFO, "incident %s rev %u: %s grade %u (%s) spread %s, %zu units%s", inc->id,
           inc->revision, inc->class_code, inc->grade, inc->rule, inc->spread_scope,
           inc->n_units, inc->drill ? " [drill]" : "");
    return err;
}

/* Grade inc by the profile for its class and spread; a new grade restarts the duty. */
void fh_inc_grade(struct fh_incidents *in, Fh__Incident *inc, enum fh_grade_scope scope,
                  uint64_t units, uint64_t now, char *rule, size_t rule_len)
{
    struct fh_grade_input gi = {0};
    struct fh_grade_result r;
    snprintf(gi.class_code, sizeof gi.class_code, "%s", inc->class_code);
    gi.spread_scope = scope;
    gi.spread_units = units;
    gi.has = FH_GRADE_HAS_SPREAD_UNITS;
    uint32_t before = inc->grade;
    if (fh_grade_eval(in->prof, &gi, &r) != 0) {
        snprintf(gi.class_code, sizeof gi.class_code, "OI");   /* unknown class: 其他 */
        fh_grade_eval(in->prof, &gi, &r);
    }
    inc->grade = (uint32_t)r.grade;
    size_t n = 0;
    rule[0] = '\0';
    for (size_t i = 0; i < r.nmatches && n < rule_len; i++)
        n += (size_t)snprintf(rule + n, rule_len - n, "%s%s", i ? "," : "", r.matches[i].id);
    inc->rule = rule;
    inc->warning = (char *)r.warning;
    inc->profile = in->profile;
    inc->has_duty = r.report_within_minutes >= 0;
    inc->report_within_minutes = inc->has_duty ? (uint32_t)r.report_within_minutes : 0;
    inc->summary_due_days = r.summary_due_days;
    if (inc->grade != before)
        inc->deadline_us = !inc->has_duty ? 0
                           : now + (inc->report_within_minutes
                                        ? (uint64_t)inc->report_within_minutes * 60000000u
                                        : in->grace_us);
}

/* ---- spread ---- */

struct units {
    size_t n;
    char (*path)[FH_PATH_MAX];
    uint64_t since;   /* only units seen after this */
};

static int collect_unit(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    struct units *u = arg;
    uint64_t seen = 0;
    const char *unit = memrchr(key, '\0', klen);
    if (vlen == sizeof seen)
        memcpy(&seen, val, sizeof seen);
    if (!unit || seen < u->since || u->n == FH_INCIDENT_MAX_UNITS)
        return 0;
    size_t len = klen - (size_t)(unit + 1 - (const char *)key);
    if (len >= FH_PATH_MAX)
        return 0;
    memcpy(u->path[u->n], unit + 1, len);
    u->path[u->n++][len] = '\0';
    return 0;
}

/* The smallest region holding every unit, as GRADING.md's spread.scope. */
static enum fh_grade_scope spread_scope(const struct units *u, const char **name)
{
    static const struct {
        enum fh_path_level level;
        enum fh_grade_scope scope;
        const char *name;
    } ladder[] = {{FH_LEVEL_COUNTY, FH_SCOPE_UNITS, "units"},
                  {FH_LEVEL_CITY, FH_SCOPE_CITY, "city"},
                  {FH_LEVEL_PROVINCE, FH_SCOPE_PROVINCE, "province"}};
    for (size_t l = 0; l < sizeof ladder / sizeof ladder[0]; l++) {
        char first[FH_PATH_MAX], r[FH_PATH_MAX];
        bool same = region_at(u->path[0], ladder[l].level, first);
        for (size_t i = 1; same && i < u->n; i++)
            same = region_at(u->path[i], ladder[l].level, r) && strcmp(r, first) == 0;
        if (same) {
            *name = ladder[l].name;
            return ladder[l].scope;
        }
    }
    *name = "nation";
    return FH_SCOPE_NATION;
}

/* Regions one level below this collector that the units fall in (at most 2 counted). */
static size_t child_regions(const struct fh_incidents *in, const struct units *u)
{
    char first[FH_PATH_MAX] = "", r[FH_PATH_MAX];
    for (size_t i = 0; i < u->n; i++) {
        if (!region_at(u->path[i], in->level + 1, r))
            continue;
        if (!first[0])
            snprintf(first, sizeof first, "%s", r);
        else if (strcmp(first, r) != 0)
            return 2;
    }
    return first[0] ? 1 : 0;
}

static int spread(struct fh_incidents *in, struct fh_txn *t, const char *cls, const char *fp,
                  uint64_t detected_us, uint64_t now, uint64_t *made)
{
    char kb[KEY_MAX];
    const char *parts[] = {cls, fp, ""};
    size_t klen = fh_kv_key(kb, sizeof kb, 'U', parts, 3);
    struct units u = {.since = now > in->window_us ? now - in->window_us : 0};
    if (!klen || !(u.path = malloc(FH_INCIDENT_MAX_UNITS * sizeof *u.path)))
        return klen ? FH_ENOMEM : 0;
    int err = fh_kv_each(NULL, t, kb, klen, collect_unit, &u);
    Fh__IncidentRecord *old = NULL;
    if (err || child_regions(in, &u) < 2)
        goto out;
    size_t sklen = fh_kv_key(kb, sizeof kb, 'S', parts, 2);
    char id[FH_INCIDENT_ID_MAX];
    index_get(t, kb, sklen, id);
    old = id[0] ? fh_inc_load(t, id) : NULL;
    if (old && (old->incident->n_units >= u.n ||
                old->incident->state == FH__INCIDENT_STATE__INCIDENT_STATE_CLOSED))
        goto out;   /* no wider than what was reported */
    Fh__Incident inc = FH__INCIDENT__INIT;
    char rule[256], summary[512];
    char *units[FH_INCIDENT_MAX_UNITS];
    if (old) {
        inc = *old->incident;
    } else {
        if ((err = fh_inc_new_id(in, t, id)) || (err = fh_kv_put(t, kb, sklen, id, strlen(id))))
            goto out;
        inc.id = id;
        inc.class_code = (char *)cls;
        inc.fingerprint = (char *)fp;
        inc.detected_us = detected_us;
        inc.made_by = in->self;
        inc.n_hosts = 0;
        inc.playbook = (char *)fh_inc_playbook(cls);
    }
    for (size_t i = 0; i < u.n; i++)
        units[i] = u.path[i];
    inc.units = units;
    inc.n_units = u.n;
    const char *scope_name;
    enum fh_grade_scope scope = spread_scope(&u, &scope_name);
    inc.spread_scope = (char *)scope_name;
    fh_inc_grade(in, &inc, scope, u.n, now, rule, sizeof rule);
    snprintf(summary, sizeof summary, "%s %.32s… in %zu units under %s", cls, fp, u.n,
             in->self);
    inc.summary = summary;
    inc.detections = (uint32_t)u.n;
    inc.last_seen_us = now;
    inc.updated_us = now;
    inc.state = FH__INCIDENT_STATE__INCIDENT_STATE_GRADED;
    inc.revision = old ? old->incident->revision + 1 : 1;
    if (!(err = fh_inc_emit(in, t, &inc, made)))
        err = fh_inc_save(t, &inc, old ? old->received_us : now, false, 0, "");
out:
    if (old)
        fh__incident_record__free_unpacked(old, NULL);
    free(u.path);
    return err;
}

static int unit_seen(struct fh_txn *t, const char *cls, const char *fp, const char *unit,
                     uint64_t now)
{
    char kb[KEY_MAX];
    const char *parts[] = {cls, fp, unit};
    size_t klen = fh_kv_key(kb, sizeof kb, 'U', parts, 3);
    return klen ? fh_kv_put(t, kb, klen, &now, sizeof now) : 0;
}

/* ---- detections from this collector's own agents ---- */

static bool has(char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static int on_detection(struct fh_incidents *in, struct fh_txn *t, const Fh__Envelope *env,
                        const Fh__Detection *d, uint64_t now, uint64_t *made)
{
    char unit[FH_PATH_MAX], fp[FP_MAX], id[FH_INCIDENT_ID_MAX], kb[KEY_MAX];
    if (level_of(env->origin) != FH_LEVEL_HOST ||
        fh_path_parent(env->origin, unit, sizeof unit) != 0)
        snprintf(unit, sizeof unit, "%s", env->origin);
    snprintf(fp, sizeof fp, "%s", d->fingerprint && d->fingerprint[0] ? d->fingerprint
                                                                       : d->summary);
    const char *parts[] = {unit, d->class_code, fp};
    size_t klen = fh_kv_key(kb, sizeof kb, d->drill ? 'D' : 'G', parts, 3);
    if (!klen)
        return 0;
    index_get(t, kb, klen, id);
    Fh__IncidentRecord *old = id[0] ? fh_inc_load(t, id) : NULL;
    uint32_t count = d->count ? d->count : 1;
    uint64_t seen = d->last_seen_us ? d->last_seen_us : env->time_us;
    if (seen > now)
        seen = now;   /* an agent's clock ahead of ours: the window is measured here */
    int err = 0;
    if (old && old->incident->state != FH__INCIDENT_STATE__INCIDENT_STATE_CLOSED &&
        now - old->incident->last_seen_us < in->window_us) {
        /* The same thing again: counted; a new host is news worth a revision. */
        Fh__Incident inc = *old->incident;
        char *hosts[FH_INCIDENT_MAX_HOSTS];
        bool new_host = !has(inc.hosts, inc.n_hosts, env->origin) &&
                        inc.n_hosts < FH_INCIDENT_MAX_HOSTS;
        if (inc.n_hosts > FH_INCIDENT_MAX_HOSTS)
            inc.n_hosts = FH_INCIDENT_MAX_HOSTS;
        memcpy(hosts, inc.hosts, inc.n_hosts * sizeof *hosts);
        if (new_host)
            hosts[inc.n_hosts++] = env->origin;
        inc.hosts = hosts;
        inc.detections += count;
        inc.last_seen_us = seen > inc.last_seen_us ? seen : inc.last_seen_us;
        if (new_host) {
            inc.revision++;
            inc.updated_us = now;
            err = fh_inc_emit(in, t, &inc, made);
        }
        if (!err)
            err = fh_inc_save(t, &inc, old->received_us, false, 0, "");
    } else {
        Fh__Incident inc = FH__INCIDENT__INIT;
        char *units[1] = {unit}, *hosts[1] = {env->origin}, rule[256];
        if ((err = fh_inc_new_id(in, t, id)) || (err = fh_kv_put(t, kb, klen, id, strlen(id))))
            goto out;
        inc.id = id;
        inc.class_code = d->class_code;
        inc.fingerprint = fp;
        inc.spread_scope = "unit";
        inc.units = units;
        inc.n_units = 1;
        inc.hosts = hosts;
        inc.n_hosts = 1;
        inc.detected_us = d->first_seen_us ? d->first_seen_us : env->time_us;
        inc.last_seen_us = seen;
        inc.detections = count;
        inc.state = FH__INCIDENT_STATE__INCIDENT_STATE_GRADED;
        inc.made_by = in->self;
        inc.drill = d->drill;
        inc.summary = d->summary;
        inc.playbook = (char *)fh_inc_playbook(d->class_code);
        inc.revision = 1;
        inc.updated_us = now;
        fh_inc_grade(in, &inc, FH_SCOPE_UNIT, 1, now, rule, sizeof rule);
        if (!(err = fh_inc_emit(in, t, &inc, made)))
            err = fh_inc_save(t, &inc, now, false, 0, "");
    }
    if (!err && !d->drill && (err = unit_seen(t, d->class_code, fp, unit, now)) == 0)
        err = spread(in, t, d->class_code, fp,
                     d->first_seen_us ? d->first_seen_us : env->time_us, now, made);
out:
    if (old)
        fh__incident_record__free_unpacked(old, NULL);
    return err;
}

/* ---- incidents from the tiers below ---- */

static int on_child_incident(struct fh_incidents *in, struct fh_txn *t, const char *sender,
                             Fh__Incident *inc, uint64_t now, uint64_t *made)
{
    if (!inc->id || !inc->id[0] || strnlen(inc->id, FH_INCIDENT_ID_MAX) >= FH_INCIDENT_ID_MAX)
        return 0;
    Fh__IncidentRecord *old = fh_inc_load(t, inc->id);
    if (old && old->incident->revision >= inc->revision) {
        fh__incident_record__free_unpacked(old, NULL);
        return 0;   /* an older revision arriving late */
    }
    bool late = old ? old->late : false;
    uint64_t delay_s = old ? old->delay_s : 0;
    if (inc->has_duty && inc->deadline_us && now > inc->deadline_us &&
        (!old || old->incident->grade != inc->grade || !old->late)) {
        late = true;
        delay_s = (now - inc->deadline_us) / 1000000u;
        fh_log(FH_LOG_WARN, "incident %s (grade %u) from %s arrived %llu s after its "
               "deadline: 迟报", inc->id, inc->grade, sender, (unsigned long long)delay_s);
    }
    int err = fh_inc_save(t, inc, old ? old->received_us : now, late, delay_s, sender);
    if (old)
        fh__incident_record__free_unpacked(old, NULL);
    if (!err)
        err = fh_missed_reported(t, inc);
    if (err || inc->drill || !inc->fingerprint || !inc->fingerprint[0] || !inc->class_code)
        return err;
    for (size_t i = 0; i < inc->n_units && !err; i++)
        if (fh_path_valid(inc->units[i]) && fh_path_within(in->self, inc->units[i]))
            err = unit_seen(t, inc->class_code, inc->fingerprint, inc->units[i], now);
    return err ? err : spread(in, t, inc->class_code, inc->fingerprint, inc->detected_us,
                              now, made);
}

int fh_incidents_on_report(struct fh_incidents *in, struct fh_txn *t, const char *sender,
                           const Fh__Envelope *env, const ProtobufCMessage *body,
                           uint64_t now_us, uint64_t *made)
{
    if (env->kind == FH__KIND__KIND_DETECTION && strcmp(sender, env->origin) == 0)
        return in->conceal ? 0 : on_detection(in, t, env, (const Fh__Detection *)body, now_us,
                                               made);
    if (env->kind == FH__KIND__KIND_ROLLUP)
        return fh_missed_on_rollup(in, t, env, (const Fh__Rollup *)body, now_us, made);
    if (env->kind == FH__KIND__KIND_INCIDENT) {
        /* An incident is its maker's own report, id "<maker>#<n>": anything else would
         * let a child write over another's incidents (this collector's included). */
        Fh__Incident *inc = (Fh__Incident *)body;
        size_t olen = strlen(env->origin);
        if (!inc->made_by || strcmp(inc->made_by, env->origin) != 0 || !inc->id ||
            strncmp(inc->id, env->origin, olen) != 0 || inc->id[olen] != '#') {
            static struct fh_log_limit lim;
            fh_log_limited(&lim, 60, FH_LOG_WARN, "incident %.80s from %s: its id or maker "
                           "is not its origin %s, ignored", inc->id ? inc->id : "", sender,
                           env->origin);
            return 0;
        }
        return on_child_incident(in, t, sender, inc, now_us, made);
    }
    return 0;
}
