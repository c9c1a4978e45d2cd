/* notice.c - warning checks, issuing authority as data, and the notices database. */
#include "notice.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advisory.h"
#include "err.h"
#include "grading.h"
#include "log.h"
#include "report.h"
#include "store.h"
#include "taxonomy.h"

/* Who may issue each level is data: the [warning] section of the grading profile
 * (common/rules/, plans 001 §3.3 and 004 §3.3): the lowest tier allowed per level.
 * On top of it, fenghuo's rule for red: only the top tier of a deployment issues it. A
 * receiver checks against its own profile, or the national one (agents have none). */
static const char *const level_names[] = {"unspecified", "blue", "yellow", "orange", "red"};
#define NLEVELS (sizeof level_names / sizeof level_names[0])

static struct fh_grade_profile *national;
static pthread_once_t national_once = PTHREAD_ONCE_INIT;

static void load_national(void)
{
    char why[FH_GRADE_WHY_MAX];
    if (fh_grade_profile_load("national", &national, why, sizeof why) != 0)
        fh_log(FH_LOG_ERROR, "the embedded national profile does not load: %s", why);
}

Fh__WarningLevel fh_warning_level_from_name(const char *name)
{
    for (size_t i = 1; name && i < NLEVELS; i++)
        if (strcmp(name, level_names[i]) == 0)
            return (Fh__WarningLevel)i;
    return FH__WARNING_LEVEL__WARNING_LEVEL_UNSPECIFIED;
}

const char *fh_warning_level_name(Fh__WarningLevel level)
{
    return (unsigned)level < NLEVELS ? level_names[level] : level_names[0];
}

int fh_warning_authority(const struct fh_grade_profile *p, Fh__WarningLevel level,
                         const char *issuer, bool top, const char *scope, char *why,
                         size_t why_len)
{
    static const char *const tiers[] = {"nation", "province", "city", "county", "unit", "host"};
    struct fh_path path;
    if (!p) {
        pthread_once(&national_once, load_national);
        p = national;
    }
    if (fh_path_parse(issuer, &path, NULL, 0) != 0) {
        snprintf(why, why_len, "the issuer's path is not valid");
        return FH_EINVAL;
    }
    if (!scope || !fh_path_within(issuer, scope)) {
        snprintf(why, why_len, "a warning's scope must be the issuer's own region or a part "
                 "of it");
        return FH_EINVAL;
    }
    int lowest = p && (unsigned)level < NLEVELS && level
                     ? fh_grade_warning_authority(p, (enum fh_warning)(5 - level))
                     : FH_EINVAL;
    if (lowest < 0) {
        snprintf(why, why_len, "unknown warning level");
        return FH_EINVAL;
    }
    enum fh_path_level at = path.level[path.nseg - 1];
    if ((int)at > lowest) {
        snprintf(why, why_len, "%s warnings are issued by a %s office or above (the %s "
                 "profile; docs/grading.md)", level_names[level], tiers[lowest],
                 fh_grade_profile_name(p));
        return FH_EINVAL;
    }
    if (level == FH__WARNING_LEVEL__WARNING_LEVEL_RED && !top) {
        snprintf(why, why_len, "red warnings are issued only by the top tier of a deployment");
        return FH_EINVAL;
    }
    return 0;
}

static bool bounded(const char *s, size_t max)
{
    return s && strnlen(s, max + 1) <= max;
}

static int check_warning(const Fh__Envelope *env, const Fh__Warning *w, char *why,
                         size_t why_len)
{
    size_t ilen = strlen(env->origin);
    const char *bad = NULL;
    char reason[256];
    if (!w->issuer || strcmp(w->issuer, env->origin) != 0)
        bad = "its issuer is not the report's origin";
    else if (!bounded(w->id, FH_WARNING_ID_MAX) || strncmp(w->id, env->origin, ilen) != 0 ||
             w->id[ilen] != '#')
        bad = "its id is not <issuer>#<seq>";
    else if (w->action < FH__WARNING_ACTION__WARNING_ACTION_ISSUE ||
             w->action > FH__WARNING_ACTION__WARNING_ACTION_LIFT)
        bad = "unknown action";
    else if (!fh_class_valid(w->class_code))
        bad = "its class is not a GB/Z 20986 code";
    else if (!bounded(w->watch, FH_WARNING_MAX_TEXT) ||
             !bounded(w->measures, FH_WARNING_MAX_TEXT) ||
             !bounded(w->issued_by, FH_WARNING_MAX_TEXT))
        bad = "a text field is over its bound";
    else if (fh_warning_authority(NULL, w->level, env->origin, true, w->scope, reason,
                                  sizeof reason) != 0)
        bad = reason;
    if (bad)
        snprintf(why, why_len, "warning %s: %s", bounded(w->id, 80) ? w->id : "?", bad);
    return bad ? FH_EINVAL : 0;
}

int fh_notice_check(const Fh__Envelope *env, const ProtobufCMessage *body,
                    const char **scope, char *why, size_t why_len)
{
    if (env->kind == FH__KIND__KIND_WARNING) {
        const Fh__Warning *w = (const Fh__Warning *)body;
        *scope = w->scope;
        return check_warning(env, w, why, why_len);
    }
    if (env->kind == FH__KIND__KIND_ADVISORY) {
        const Fh__Advisory *a = (const Fh__Advisory *)body;
        *scope = a->scope;
        if (fh_advisory_validate(a, why, why_len) != 0)
            return FH_EINVAL;
        if (a->issuer && strcmp(a->issuer, env->origin) == 0 && a->scope &&
            fh_path_within(env->origin, a->scope))
            return 0;
        snprintf(why, why_len, "advisory %s: not its issuer's, or outside the issuer's region",
                 bounded(a->id, 80) ? a->id : "?");
        return FH_EINVAL;
    }
    snprintf(why, why_len, "not a warning or an advisory");
    return FH_EINVAL;
}

static int put_packed(struct fh_txn *t, const char *kb, size_t klen,
                      const ProtobufCMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return FH_ENOMEM;
    protobuf_c_message_pack(m, buf);
    int err = fh_kv_put(t, kb, klen, buf, len);
    free(buf);
    return err;
}

/* A record that cannot be kept (an id or path over its bound, a warning id not of its
 * origin) arrived in a report from below that is stored all the same: logged and
 * skipped, never an error, which would abort the round that stores it again and again. */
static int not_recorded(const Fh__Envelope *env, const char *what)
{
    static struct fh_log_limit lim;
    fh_log_limited(&lim, 60, FH_LOG_WARN, "%s from %s: %s, not recorded",
                   fh_kind_name(env->kind), env->origin, what);
    return 0;
}

int fh_notice_record(struct fh_txn *t, const Fh__Envelope *env, const ProtobufCMessage *body)
{
    char kb[2 * FH_WARNING_ID_MAX + 16];
    const void *val;
    size_t vlen;
    if (env->kind == FH__KIND__KIND_WARNING) {
        const Fh__Warning *w = (const Fh__Warning *)body;
        const char *parts[] = {w->id};
        size_t klen = fh_kv_key(kb, sizeof kb, 'w', parts, 1), ilen = strlen(env->origin);
        if (!klen)
            return not_recorded(env, "its id is over its bound");
        if (strncmp(w->id, env->origin, ilen) != 0 || w->id[ilen] != '#')
            return not_recorded(env, "its id is not <origin>#<seq>");
        if (fh_kv_get(t, kb, klen, &val, &vlen) == 0) {
            Fh__Warning *old = fh__warning__unpack(NULL, vlen, val);
            bool newer = !old || old->revision <= w->revision;
            fh__warning__free_unpacked(old, NULL);
            if (!newer)
                return 0;   /* an older revision arriving late */
        }
        return put_packed(t, kb, klen, body);
    }
    if (env->kind == FH__KIND__KIND_ADVISORY) {
        const Fh__Advisory *a = (const Fh__Advisory *)body;
        const char *parts[] = {a->id};
        size_t klen = fh_kv_key(kb, sizeof kb, 'v', parts, 1);
        return klen ? put_packed(t, kb, klen, body)
                    : not_recorded(env, "its id is over its bound");
    }
    if (env->kind == FH__KIND__KIND_ADVISORY_ANSWER) {
        const Fh__AdvisoryAnswer *a = (const Fh__AdvisoryAnswer *)body;
        const char *parts[] = {a->advisory_id, env->origin};
        size_t klen = fh_kv_key(kb, sizeof kb, 'r', parts, 2);
        if (!klen)
            return not_recorded(env, "its advisory id is over its bound");
        if (fh_kv_get(t, kb, klen, &val, &vlen) == 0) {
            Fh__AdvisoryAnswer *old = fh__advisory_answer__unpack(NULL, vlen, val);
            bool newer = !old || old->checked_us <= a->checked_us;
            fh__advisory_answer__free_unpacked(old, NULL);
            if (!newer)
                return 0;
        }
        return put_packed(t, kb, klen, body);
    }
    if (env->kind == FH__KIND__KIND_WARNING_ACK) {
        const Fh__WarningAck *a = (const Fh__WarningAck *)body;
        /* per host; a person's receipt (no host) per unit confirmed */
        const char *who = a->host && a->host[0]   ? a->host
                          : a->unit && a->unit[0] ? a->unit
                                                  : env->origin;
        const char *parts[] = {a->warning_id, who, a->person ? "person" : "agent"};
        size_t klen = fh_kv_key(kb, sizeof kb, 'a', parts, 3);
        return klen ? put_packed(t, kb, klen, body)
                    : not_recorded(env, "its warning id or host is over its bound");
    }
    return 0;
}

Fh__Warning *fh_notice_warning(struct fh_store *st, const char *id)
{
    char kb[FH_WARNING_ID_MAX + 8];
    const char *parts[] = {id};
    size_t klen = fh_kv_key(kb, sizeof kb, 'w', parts, 1);
    struct fh_txn *t;
    if (!klen || fh_txn_begin(st, false, &t) != 0)
        return NULL;
    const void *val;
    size_t vlen;
    Fh__Warning *w = NULL;
    if (fh_kv_get(t, kb, klen, &val, &vlen) == 0)
        w = fh__warning__unpack(NULL, vlen, val);
    fh_txn_abort(t);
    return w;
}

struct typed {
    const ProtobufCMessageDescriptor *desc;
    fh_warning_fn wfn;
    fh_ack_fn afn;
    fh_advisory_fn vfn;
    fh_answer_fn rfn;
    void *arg;
};

static int call(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    struct typed *t = arg;
    ProtobufCMessage *m = protobuf_c_message_unpack(t->desc, NULL, vlen, val);
    if (!m)
        return 0;   /* a damaged record: skipped */
    int err = t->wfn   ? t->wfn(t->arg, (const Fh__Warning *)m)
              : t->afn ? t->afn(t->arg, (const Fh__WarningAck *)m)
              : t->vfn ? t->vfn(t->arg, (const Fh__Advisory *)m)
                       : t->rfn(t->arg, (const Fh__AdvisoryAnswer *)m);
    protobuf_c_message_free_unpacked(m, NULL);
    return err;
}

int fh_notice_each_warning(struct fh_store *st, fh_warning_fn fn, void *arg)
{
    struct typed t = {.desc = &fh__warning__descriptor, .wfn = fn, .arg = arg};
    return fh_kv_each(st, NULL, "w", 2, call, &t);
}

int fh_notice_each_ack(struct fh_store *st, const char *id, fh_ack_fn fn, void *arg)
{
    char kb[FH_WARNING_ID_MAX + 8];
    const char *parts[] = {id};
    size_t klen = fh_kv_key(kb, sizeof kb, 'a', parts, 1);
    if (!klen || klen + 1 > sizeof kb)
        return FH_EINVAL;
    kb[klen++] = '\0';   /* the id whole, not a prefix of a longer one */
    struct typed t = {.desc = &fh__warning_ack__descriptor, .afn = fn, .arg = arg};
    return fh_kv_each(st, NULL, kb, klen, call, &t);
}

int fh_notice_each_advisory(struct fh_store *st, fh_advisory_fn fn, void *arg)
{
    struct typed t = {.desc = &fh__advisory__descriptor, .vfn = fn, .arg = arg};
    return fh_kv_each(st, NULL, "v", 2, call, &t);
}

Fh__Advisory *fh_notice_advisory(struct fh_store *st, const char *id)
{
    char kb[FH_WARNING_ID_MAX + 8];
    const char *parts[] = {id};
    size_t klen = fh_kv_key(kb, sizeof kb, 'v', parts, 1);
    struct fh_txn *t;
    if (!klen || fh_txn_begin(st, false, &t) != 0)
        return NULL;
    const void *val;
    size_t vlen;
    Fh__Advisory *a = NULL;
    if (fh_kv_get(t, kb, klen, &val, &vlen) == 0)
        a = fh__advisory__unpack(NULL, vlen, val);
    fh_txn_abort(t);
    return a;
}

int fh_notice_each_answer(struct fh_store *st, const char *id, fh_answer_fn fn, void *arg)
{
    char kb[FH_WARNING_ID_MAX + 8];
    const char *parts[] = {id};
    size_t klen = fh_kv_key(kb, sizeof kb, 'r', parts, 1);
    if (!klen || klen + 1 > sizeof kb)
        return FH_EINVAL;
    kb[klen++] = '\0';
    struct typed t = {.desc = &fh__advisory_answer__descriptor, .rfn = fn, .arg = arg};
    return fh_kv_each(st, NULL, kb, klen, call, &t);
}
