/* rollup_sum.c - summing per unit, sending rollups, and the view fenghuo-ctl reads.
 *
 * A summary is an array of units sorted by path (records are walked in key order, so
 * most units are appended at its end), each with its classes and advisories. It is
 * filled from four sources:
 *   health      the latest health per host in the store (emit only, when health is kept)
 *   counters    the 'K' records (rollup.h)
 *   received    the 'L' records: when emitting only those not relayed (their origin's
 *               rollups stop here), for the view all of them. An entry older than
 *               three of its maker's periods counts all its hosts stale.
 *   answers     advisory answers kept here (emit only, when answers are kept)
 * fh_rollup_emit() opens one write transaction for the counters (whose "sent" marks it
 * moves to their totals as it reads them) and the reports; the health walk runs before
 * it, in a read transaction of its own. */
#include "rollup.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "origin.h"
#include "report.h"

#define UNIT_FRAMING_BYTES 6    /* a unit's field tag and length in a Rollup */

struct acc {
    struct fh_rollup_unit u;
    struct fh_rollup_class *cls;     /* u.classes, owned */
    struct fh_rollup_advisory *adv;  /* u.advisories, owned */
};

struct sum {
    struct acc *a;
    size_t n, cap;
    bool dropped;          /* FH_ROLLUP_MAX_UNITS reached */
    bool emit;             /* summing for a rollup to send (else for the view) */
    struct fh_txn *t;      /* emit: the write transaction */
    uint64_t now_us;
};

static void sum_free(struct sum *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->a[i].cls);
        free(s->a[i].adv);
    }
    free(s->a);
}

/* The unit's accumulator, added in path order when new; NULL when full or no memory. */
static struct acc *unit_acc(struct sum *s, const char *unit)
{
    size_t lo = 0, hi = s->n;
    if (s->n && strcmp(s->a[s->n - 1].u.unit, unit) < 0) {
        lo = s->n;
    } else {
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            int c = strcmp(s->a[mid].u.unit, unit);
            if (c == 0)
                return &s->a[mid];
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    if (s->n == FH_ROLLUP_MAX_UNITS || strlen(unit) >= FH_PATH_MAX) {
        s->dropped = true;
        return NULL;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct acc *a = realloc(s->a, cap * sizeof *a);
        if (!a)
            return NULL;
        s->a = a;
        s->cap = cap;
    }
    memmove(&s->a[lo + 1], &s->a[lo], (s->n - lo) * sizeof *s->a);
    memset(&s->a[lo], 0, sizeof s->a[lo]);
    snprintf(s->a[lo].u.unit, FH_PATH_MAX, "%s", unit);
    s->n++;
    return &s->a[lo];
}

static void add_class(struct acc *a, const char *code, uint64_t total, uint64_t period)
{
    for (size_t i = 0; i < a->u.nclasses; i++)
        if (strcmp(a->cls[i].code, code) == 0) {
            a->cls[i].total += total;
            a->cls[i].period += period;
            return;
        }
    if (a->u.nclasses == FH_ROLLUP_MAX_CLASSES || strlen(code) >= FH_ROLLUP_CLASS_MAX)
        return;
    if (!a->cls && !(a->cls = calloc(FH_ROLLUP_MAX_CLASSES, sizeof *a->cls)))
        return;
    struct fh_rollup_class *c = &a->cls[a->u.nclasses++];
    snprintf(c->code, sizeof c->code, "%s", code);
    c->total = total;
    c->period = period;
    a->u.classes = a->cls;
}

/* The tally of advisory id in a (NULL when full, too long or no memory). */
static struct fh_rollup_advisory *advisory_of(struct acc *a, const char *id)
{
    for (size_t i = 0; i < a->u.nadvisories; i++)
        if (strcmp(a->adv[i].id, id) == 0)
            return &a->adv[i];
    if (a->u.nadvisories == FH_ROLLUP_MAX_ADVISORIES || strlen(id) >= FH_ROLLUP_ID_MAX)
        return NULL;
    if (!a->adv && !(a->adv = calloc(FH_ROLLUP_MAX_ADVISORIES, sizeof *a->adv)))
        return NULL;
    struct fh_rollup_advisory *v = &a->adv[a->u.nadvisories++];
    snprintf(v->id, sizeof v->id, "%s", id);
    a->u.advisories = a->adv;
    return v;
}

/* ---- sources ---- */

static int add_health(const char *origin, uint64_t seq, const void *bytes, size_t len,
                      void *arg)
{
    struct sum *s = arg;
    Fh__Envelope *env;
    enum fh_counter why;
    ProtobufCMessage *body;
    char unit[FH_PATH_MAX];
    (void)seq;
    if (fh_report_decode(bytes, len, &env, &why) != 0)
        return 0;
    if (fh_report_body(env, &body) == 0) {
        struct acc *a = fh_path_parent(origin, unit, sizeof unit) == 0 ? unit_acc(s, unit)
                                                                        : NULL;
        if (a) {
            a->u.hosts_total++;
            a->u.hosts_stale += fh_rollup_stale(env->time_us,
                                                ((const Fh__Health *)body)->interval_s,
                                                s->now_us);
        }
        protobuf_c_message_free_unpacked(body, NULL);
    }
    fh__envelope__free_unpacked(env, NULL);
    return 0;
}

/* Split a state record's key after its tag into parts (NUL-separated, copied). */
static size_t key_parts(const void *key, size_t klen, char parts[][FH_PATH_MAX], size_t max)
{
    const char *k = key;
    size_t n = 0, i = 1;
    while (i < klen && k[i] == '\0' && n < max) {
        size_t start = ++i;
        while (i < klen && k[i] != '\0')
            i++;
        if (i - start >= FH_PATH_MAX)
            return 0;
        memcpy(parts[n], k + start, i - start);
        parts[n++][i - start] = '\0';
    }
    return i == klen ? n : 0;
}

/* Move a counter's "sent" mark to its total (emit only), in place. */
static int mark_sent(struct sum *s, const void *key, size_t klen, const void *val,
                     size_t vlen, size_t sent_off, size_t nfields)
{
    if (!s->emit)
        return 0;
    uint64_t v[6];
    memcpy(v, val, vlen);
    memcpy(v + sent_off, v, nfields * sizeof v[0]);
    return fh_kv_put(s->t, key, klen, v, vlen);
}

static int add_counter(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    struct sum *s = arg;
    char p[3][FH_PATH_MAX], unit[FH_PATH_MAX];
    size_t n = key_parts(key, klen, p, 3);
    uint64_t v[6];
    struct acc *a;
    if (n == 3 && strcmp(p[0], "d") == 0 && vlen == 2 * sizeof v[0]) {
        memcpy(v, val, vlen);
        if ((a = unit_acc(s, p[1])))
            add_class(a, p[2], v[0], v[0] - v[1]);
        return v[0] != v[1] ? mark_sent(s, key, klen, val, vlen, 1, 1) : 0;
    }
    if (n == 2 && strcmp(p[0], "o") == 0 && vlen == 6 * sizeof v[0]) {
        memcpy(v, val, vlen);
        if ((a = unit_acc(s, p[1]))) {
            a->u.outages_started += v[0];
            a->u.outages_ended += v[1];
            a->u.outage_s += v[2];
            a->u.outages_started_period += v[0] - v[3];
            a->u.outages_ended_period += v[1] - v[4];
            a->u.outage_s_period += v[2] - v[5];
        }
        return memcmp(v, v + 3, 3 * sizeof v[0]) ? mark_sent(s, key, klen, val, vlen, 3, 3)
                                                  : 0;
    }
    if (n == 3 && strcmp(p[0], "t") == 0 && fh_path_parent(p[1], unit, sizeof unit) == 0 &&
        (a = unit_acc(s, unit)))
        a->u.outages_open++;
    if (n == 2 && strcmp(p[0], "p") == 0 && vlen == 16 &&
        fh_path_parent(p[1], unit, sizeof unit) == 0 && (a = unit_acc(s, unit))) {
        uint32_t sec, reboot;
        memcpy(&sec, (const char *)val + 8, 4);
        memcpy(&reboot, (const char *)val + 12, 4);
        a->u.hosts_patch_known++;
        a->u.hosts_security_pending += sec > 0;
        a->u.hosts_reboot_required += reboot != 0;
    }
    return 0;
}

static int add_received(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    struct sum *s = arg;
    (void)key;
    (void)klen;
    Fh__RollupRecord *r = fh__rollup_record__unpack(NULL, vlen, val);
    struct acc *a;
    if (r && r->unit && r->unit->unit && (!s->emit || !r->relayed) &&
        (a = unit_acc(s, r->unit->unit))) {
        const Fh__RollupUnit *u = r->unit;
        bool old = fh_rollup_stale(r->time_us, r->period_s, s->now_us);
        a->u.hosts_total += u->hosts_total;
        a->u.hosts_stale += old ? u->hosts_total : u->hosts_stale;
        a->u.outages_open += u->outages_open;
        a->u.outages_started += u->outages_started;
        a->u.outages_ended += u->outages_ended;
        a->u.outage_s += u->outage_s;
        a->u.outages_started_period += u->outages_started_period;
        a->u.outages_ended_period += u->outages_ended_period;
        a->u.outage_s_period += u->outage_s_period;
        a->u.hosts_patch_known += u->hosts_patch_known;
        a->u.hosts_security_pending += u->hosts_security_pending;
        a->u.hosts_reboot_required += u->hosts_reboot_required;
        for (size_t i = 0; i < u->n_detections; i++)
            add_class(a, u->detections[i]->class_code, u->detections[i]->total,
                      u->detections[i]->period);
        for (size_t i = 0; i < u->n_advisories; i++) {
            const Fh__AdvisoryTally *t = u->advisories[i];
            struct fh_rollup_advisory *v = advisory_of(a, t->advisory_id);
            if (v) {
                v->affected += t->affected;
                v->not_affected += t->not_affected;
                v->fixed += t->fixed;
                v->unknown += t->unknown;
            }
        }
        a->u.origins++;
        if (r->time_us > a->u.newest_us)
            a->u.newest_us = r->time_us;
    }
    fh__rollup_record__free_unpacked(r, NULL);
    return 0;
}

static int add_answer(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    struct sum *s = arg;
    (void)key;
    (void)klen;
    Fh__AdvisoryAnswer *r = fh__advisory_answer__unpack(NULL, vlen, val);
    char unit[FH_PATH_MAX];
    struct acc *a;
    struct fh_rollup_advisory *v;
    if (r && r->host && fh_path_valid(r->host) && r->advisory_id && !r->drill &&
        fh_path_parent(r->host, unit, sizeof unit) == 0 && (a = unit_acc(s, unit)) &&
        (v = advisory_of(a, r->advisory_id))) {
        switch (r->verdict) {
        case FH__ADVISORY_VERDICT__ADVISORY_VERDICT_AFFECTED: v->affected++; break;
        case FH__ADVISORY_VERDICT__ADVISORY_VERDICT_NOT_AFFECTED: v->not_affected++; break;
        case FH__ADVISORY_VERDICT__ADVISORY_VERDICT_FIXED: v->fixed++; break;
        default: v->unknown++; break;
        }
    }
    fh__advisory_answer__free_unpacked(r, NULL);
    return 0;
}

/* ---- sending ---- */

/* The message of one unit, its lists in the caller's arrays (FH_ROLLUP_MAX_CLASSES and
 * FH_ROLLUP_MAX_ADVISORIES entries, with as many pointers). */
static void fill_unit(const struct fh_rollup_unit *u, Fh__RollupUnit *m, Fh__ClassCount *cls,
                      Fh__ClassCount **pc, Fh__AdvisoryTally *adv, Fh__AdvisoryTally **pa)
{
    fh__rollup_unit__init(m);
    m->unit = (char *)u->unit;
    m->hosts_total = u->hosts_total;
    m->hosts_stale = u->hosts_stale;
    m->hosts_online = u->hosts_total - u->hosts_stale;
    m->outages_open = u->outages_open;
    m->outages_started = u->outages_started;
    m->outages_ended = u->outages_ended;
    m->outage_s = u->outage_s;
    m->outages_started_period = u->outages_started_period;
    m->outages_ended_period = u->outages_ended_period;
    m->outage_s_period = u->outage_s_period;
    m->hosts_patch_known = u->hosts_patch_known;
    m->hosts_security_pending = u->hosts_security_pending;
    m->hosts_reboot_required = u->hosts_reboot_required;
    m->detections = pc;
    m->n_detections = u->nclasses;
    for (size_t j = 0; j < u->nclasses; j++) {
        fh__class_count__init(&cls[j]);
        cls[j].class_code = (char *)u->classes[j].code;
        cls[j].total = u->classes[j].total;
        cls[j].period = u->classes[j].period;
        pc[j] = &cls[j];
    }
    m->advisories = pa;
    m->n_advisories = u->nadvisories;
    for (size_t j = 0; j < u->nadvisories; j++) {
        fh__advisory_tally__init(&adv[j]);
        adv[j].advisory_id = (char *)u->advisories[j].id;
        adv[j].affected = u->advisories[j].affected;
        adv[j].not_affected = u->advisories[j].not_affected;
        adv[j].fixed = u->advisories[j].fixed;
        adv[j].unknown = u->advisories[j].unknown;
        pa[j] = &adv[j];
    }
}

/* Scratch for the messages of up to FH_ROLLUP_UNITS_PER_REPORT units. */
struct part_buf {
    Fh__RollupUnit mu[FH_ROLLUP_UNITS_PER_REPORT], *pu[FH_ROLLUP_UNITS_PER_REPORT];
    Fh__ClassCount cls[FH_ROLLUP_UNITS_PER_REPORT][FH_ROLLUP_MAX_CLASSES];
    Fh__ClassCount *pc[FH_ROLLUP_UNITS_PER_REPORT][FH_ROLLUP_MAX_CLASSES];
    Fh__AdvisoryTally adv[FH_ROLLUP_UNITS_PER_REPORT][FH_ROLLUP_MAX_ADVISORIES];
    Fh__AdvisoryTally *pa[FH_ROLLUP_UNITS_PER_REPORT][FH_ROLLUP_MAX_ADVISORIES];
};

/* Where the part that starts at unit from ends: at most FH_ROLLUP_UNITS_PER_REPORT units
 * and FH_ROLLUP_PART_BYTES of them (always at least one unit). */
static size_t part_end(const struct sum *s, struct part_buf *b, size_t from)
{
    size_t bytes = 0, to = from;
    while (to < s->n && to - from < FH_ROLLUP_UNITS_PER_REPORT) {
        fill_unit(&s->a[to].u, &b->mu[0], b->cls[0], b->pc[0], b->adv[0], b->pa[0]);
        size_t n = fh__rollup_unit__get_packed_size(&b->mu[0]) + UNIT_FRAMING_BYTES;
        if (to > from && bytes + n > FH_ROLLUP_PART_BYTES)
            break;
        bytes += n;
        to++;
    }
    return to;
}

/* One Rollup report of units [from, to) of s. */
static int emit_part(struct sum *s, struct part_buf *b, const char *self, uint32_t period_s,
                     uint64_t start_us, size_t from, size_t to, uint32_t part, uint32_t parts)
{
    for (size_t i = from; i < to; i++) {
        fill_unit(&s->a[i].u, &b->mu[i - from], b->cls[i - from], b->pc[i - from],
                  b->adv[i - from], b->pa[i - from]);
        b->pu[i - from] = &b->mu[i - from];
    }
    Fh__Rollup r = FH__ROLLUP__INIT;
    r.period_start_us = start_us;
    r.period_end_us = s->now_us;
    r.period_s = period_s;
    r.units = b->pu;
    r.n_units = to - from;
    r.part = part;
    r.parts = parts;
    uint8_t *env = NULL;
    size_t len;
    int err = fh_origin_emit_txn(s->t, self, FH__KIND__KIND_ROLLUP, &r.base,
                                 fh_txn_next_seq(s->t), true, &env, &len);
    free(env);
    return err;
}

/* Cut the summary into parts and send each. *made: the parts sent. */
static int emit_all(struct sum *s, const char *self, uint32_t period_s, uint64_t *made)
{
    struct part_buf *b = malloc(sizeof *b);
    size_t *ends = malloc((s->n + 1) * sizeof *ends), nparts = 0;
    int err = b && ends ? 0 : FH_ENOMEM;
    for (size_t from = 0; !err && from < s->n; from = ends[nparts++])
        ends[nparts] = part_end(s, b, from);
    uint64_t start_us = s->now_us - (uint64_t)period_s * 1000000u;
    for (size_t i = 0; !err && i < nparts; i++)
        err = emit_part(s, b, self, period_s, start_us, i ? ends[i - 1] : 0, ends[i],
                        (uint32_t)i, (uint32_t)nparts);
    *made = err ? 0 : nparts;
    free(b);
    free(ends);
    return err;
}

int fh_rollup_emit(struct fh_store *st, const char *self, const struct fh_relay_policy *p,
                   uint32_t period_s, uint64_t now_us, uint64_t *made)
{
    struct sum s = {.emit = true, .now_us = now_us};
    uint64_t parts = 0;
    *made = 0;
    int err = 0;
    if (!fh_relay_sends(p, FH__KIND__KIND_HEALTH))
        err = fh_store_each_latest(st, FH__KIND__KIND_HEALTH, add_health, &s);
    if (!err)
        err = fh_txn_begin(st, true, &s.t);
    if (err)
        goto out;
    if (!(err = fh_kv_each(st, s.t, "K", 2, add_counter, &s)) &&
        !(err = fh_kv_each(st, s.t, "L", 2, add_received, &s)) &&
        !fh_relay_sends(p, FH__KIND__KIND_ADVISORY_ANSWER))
        err = fh_kv_each(st, s.t, "r", 2, add_answer, &s);
    if (!err)
        err = emit_all(&s, self, period_s, &parts);
    if (err)
        fh_txn_abort(s.t);
    else if (!(err = fh_txn_commit(s.t)))
        *made = parts;
    if (s.dropped)
        fh_log(FH_LOG_WARN, "rollup: more than %u units; the rest are left out",
               (unsigned)FH_ROLLUP_MAX_UNITS);
out:
    sum_free(&s);
    return err;
}

/* ---- the view ---- */

int fh_rollup_each_unit(struct fh_store *st, uint64_t now_us, fh_rollup_unit_fn fn,
                        void *arg)
{
    struct sum s = {.now_us = now_us};
    int err = fh_kv_each(st, NULL, "K", 2, add_counter, &s);
    if (!err)
        err = fh_kv_each(st, NULL, "L", 2, add_received, &s);
    for (size_t i = 0; !err && i < s.n; i++)
        err = fn(arg, &s.a[i].u);
    sum_free(&s);
    return err;
}
