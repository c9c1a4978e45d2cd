/* control.c - requests from fenghuo-ctl to a running collector (see control.h).
 *
 * A timer polls DATA_DIR/control every FH_CONTROL_POLL_MS for NAME.req files, in name
 * order, at most FH_CONTROL_PER_TICK a tick. A request is read (bounded), parsed, and
 * handled in one store transaction; the answer is written to NAME.res before the
 * request is deleted, so a crash in between handles the request again at worst (a
 * warning issued twice is visible as two ids; nothing is lost). */
#include "control.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "advisory.h"
#include "down.h"
#include "err.h"
#include "log.h"
#include "notice.h"
#include "origin.h"
#include "playbooks.h"
#include "outbox.h"
#include "report.h"
#include "taxonomy.h"

#define DIR_MAX 600

struct fh_control {
    struct fh_control_opts o;
    char self[FH_PATH_MAX];
    char dir[DIR_MAX];
    char why[256];           /* a refusal's text, until the answer is written */
    uv_timer_t timer;
};

/* ---- one request ---- */

static const char *jstr(json_t *req, const char *key)
{
    return json_string_value(json_object_get(req, key));
}

/* Store one own report made by this collector: numbered in t, queued for the parent
 * (unless top), stored here like a received one, recorded as notice state, and for a
 * warning appended to the down log. */
static int commit_own(struct fh_control *c, struct fh_txn *t, int kind,
                      const ProtobufCMessage *body, uint64_t seq, const char *down_scope)
{
    uint8_t *env;
    size_t len;
    int err = fh_origin_emit_txn(t, c->self, kind, body, seq, !c->o.top, &env, &len);
    if (err)
        return err;
    struct fh_report_ref ref = {.origin = c->self, .seq = seq, .kind = kind,
                                .lane = fh_kind_lane(kind), .bytes = env, .len = len};
    Fh__Envelope e = FH__ENVELOPE__INIT;
    e.origin = c->self;
    e.kind = (Fh__Kind)kind;
    e.seq = seq;
    if (!(err = fh_store_accept(t, &ref, false)) && !(err = fh_notice_record(t, &e, body)) &&
        down_scope)
        err = fh_down_append(t, down_scope, env, len, NULL);
    free(env);
    return err;
}

static bool text_ok(const char *s)
{
    return !s || strnlen(s, FH_WARNING_MAX_TEXT + 1) <= FH_WARNING_MAX_TEXT;
}

/* Fill w from the request's fields (those present); returns an error text or NULL. */
static const char *warning_fields(json_t *req, Fh__Warning *w)
{
    const char *v;
    if ((v = jstr(req, "level")) &&
        !(w->level = fh_warning_level_from_name(v)))
        return "level must be red, orange, yellow or blue";
    if ((v = jstr(req, "class"))) {
        if (!fh_class_valid(v))
            return "class must be a GB/Z 20986 code such as MI.CVI";
        w->class_code = (char *)v;
    }
    if ((v = jstr(req, "watch")))
        w->watch = (char *)v;
    if ((v = jstr(req, "measures")))
        w->measures = (char *)v;
    if ((v = jstr(req, "by")))
        w->issued_by = (char *)v;
    json_t *d = json_object_get(req, "deadline_us");
    if (d && (!json_is_integer(d) || json_integer_value(d) < 0))
        return "deadline_us must be a time in UTC microseconds";
    if (d)
        w->deadline_us = (uint64_t)json_integer_value(d);
    if (!text_ok(w->watch) || !text_ok(w->measures) || !text_ok(w->issued_by))
        return "a text is longer than 4096 bytes";
    return NULL;
}

static const char *do_warning(struct fh_control *c, struct fh_txn *t, json_t *req,
                              json_t *res)
{
    const char *action = jstr(req, "action"), *why;
    uint64_t seq = fh_txn_next_seq(t);
    char id[FH_WARNING_ID_MAX];
    Fh__Warning w = FH__WARNING__INIT, *old = NULL;
    if (action && strcmp(action, "issue") == 0) {
        w.action = FH__WARNING_ACTION__WARNING_ACTION_ISSUE;
        w.scope = (char *)(jstr(req, "scope") ? jstr(req, "scope") : c->self);
        w.drill = json_is_true(json_object_get(req, "drill"));
        w.revision = 1;
        snprintf(id, sizeof id, "%s#%llu", c->self, (unsigned long long)seq);
        if ((why = warning_fields(req, &w)))
            return why;
        if (!w.level || !w.class_code || !w.watch || !w.watch[0])
            return "a warning needs level, class and watch";
    } else if (action && (strcmp(action, "adjust") == 0 || strcmp(action, "lift") == 0)) {
        const char *wid = jstr(req, "id");
        if (!wid || !(old = fh_notice_warning(c->o.st, wid)))
            return "no such warning here";
        if (strcmp(old->issuer, c->self) != 0) {
            fh__warning__free_unpacked(old, NULL);
            return "only the issuer adjusts or lifts a warning";
        }
        if (old->action == FH__WARNING_ACTION__WARNING_ACTION_LIFT) {
            fh__warning__free_unpacked(old, NULL);
            return "the warning is lifted already";
        }
        w = *old;
        w.base = (ProtobufCMessage)PROTOBUF_C_MESSAGE_INIT(&fh__warning__descriptor);
        w.action = action[0] == 'l' ? FH__WARNING_ACTION__WARNING_ACTION_LIFT
                                    : FH__WARNING_ACTION__WARNING_ACTION_ADJUST;
        w.revision = old->revision + 1;
        snprintf(id, sizeof id, "%s", old->id);
        if ((why = warning_fields(req, &w))) {
            fh__warning__free_unpacked(old, NULL);
            return why;
        }
    } else {
        return "action must be issue, adjust or lift";
    }
    w.id = id;
    w.issuer = c->self;
    w.issued_us = fh_now_us();
    const struct fh_grade_profile *prof = c->o.incidents ? fh_incidents_profile(c->o.incidents)
                                                         : NULL;
    why = fh_warning_authority(prof, w.level, c->self, c->o.top, w.scope, c->why,
                               sizeof c->why) ? c->why : NULL;
    int err = why ? 0 : commit_own(c, t, FH__KIND__KIND_WARNING, &w.base, seq, w.scope);
    if (!why && err)
        why = fh_strerror(err);
    if (!why) {
        json_object_set_new(res, "id", json_string(id));
        json_object_set_new(res, "seq", json_integer((json_int_t)seq));
        json_object_set_new(res, "revision", json_integer(w.revision));
        fh_log(FH_LOG_INFO, "warning %s %s: %s for %s (%s)", id, action,
               fh_warning_level_name(w.level), w.scope, w.class_code);
    }
    if (old)
        fh__warning__free_unpacked(old, NULL);
    return why;
}

/* A person's receipt for a unit of this collector's region. */
static const char *do_warning_ack(struct fh_control *c, struct fh_txn *t, json_t *req,
                                  json_t *res)
{
    const char *wid = jstr(req, "id"), *unit = jstr(req, "unit"), *by = jstr(req, "by");
    if (!wid || !by || !by[0] || !text_ok(by))
        return "a receipt needs the warning id and who confirms it (by)";
    if (!unit)
        unit = c->self;
    if (!fh_path_valid(unit) || !fh_path_within(c->self, unit))
        return "unit must be a path inside this collector's region";
    Fh__Warning *w = fh_notice_warning(c->o.st, wid);
    if (!w)
        return "no such warning here";
    Fh__WarningAck a = FH__WARNING_ACK__INIT;
    a.warning_id = (char *)wid;
    a.by = (char *)by;
    a.unit = (char *)unit;
    a.host = "";
    a.person = true;
    a.received_us = fh_now_us();
    a.revision = w->revision;
    a.drill = w->drill;
    uint64_t seq = fh_txn_next_seq(t);
    int err = commit_own(c, t, FH__KIND__KIND_WARNING_ACK, &a.base, seq, NULL);
    fh__warning__free_unpacked(w, NULL);
    if (err)
        return fh_strerror(err);
    json_object_set_new(res, "seq", json_integer((json_int_t)seq));
    return NULL;
}

/* 风险通报: an advisory for this collector's region, checked by every agent in it. */
static const char *do_advisory(struct fh_control *c, struct fh_txn *t, json_t *req,
                               json_t *res, char *why, size_t why_len)
{
    json_t *spec = json_object_get(req, "advisory");
    const char *by = jstr(req, "by");
    if (!json_is_object(spec))
        return "an advisory request needs the advisory object";
    if (by && !text_ok(by))
        return "by is too long";
    char *text = json_dumps(spec, JSON_COMPACT);
    Fh__Advisory *a = NULL;
    int err = text ? fh_advisory_from_json(text, strlen(text), fh_now_us(), &a, why, why_len)
                   : FH_ENOMEM;
    free(text);
    if (err)
        return err == FH_ENOMEM ? "out of memory" : why;
    uint64_t seq = fh_txn_next_seq(t);
    char id[FH_PATH_MAX + 96], scope[FH_PATH_MAX];
    /* The issuer's own id keeps advisories apart across the tree; a given id (a CNVD
     * number) stays readable in it. */
    if (a->id && a->id[0])
        snprintf(id, sizeof id, "%s#%llu:%.40s", c->self, (unsigned long long)seq, a->id);
    if (!(a->id && a->id[0]) || strlen(id) >= FH_ADVISORY_ID_MAX)
        snprintf(id, sizeof id, "%s#%llu", c->self, (unsigned long long)seq);
    snprintf(scope, sizeof scope, "%s", a->scope && a->scope[0] ? a->scope : c->self);
    const char *bad = NULL;
    if (!fh_path_within(c->self, scope))
        bad = "an advisory's scope must be this collector's region or a part of it";
    char *saved_id = a->id, *saved_scope = a->scope, *saved_issuer = a->issuer,
         *saved_by = a->issued_by;
    a->id = id;
    a->scope = scope;
    a->issuer = c->self;
    a->issued_by = (char *)(by ? by : "");
    if (!bad && (err = commit_own(c, t, FH__KIND__KIND_ADVISORY, &a->base, seq, scope)))
        bad = fh_strerror(err);
    a->id = saved_id, a->scope = saved_scope, a->issuer = saved_issuer, a->issued_by = saved_by;
    fh_advisory_free(a);
    if (bad)
        return bad;
    json_object_set_new(res, "id", json_string(id));
    fh_log(FH_LOG_INFO, "advisory %s issued for %s", id, scope);
    return NULL;
}

/* A person moves an incident this collector made along its lifecycle. */
static const char *do_incident(struct fh_control *c, struct fh_txn *t, json_t *req,
                               json_t *res, char *why, size_t why_len)
{
    const char *id = jstr(req, "id"), *note = jstr(req, "note");
    if (!c->o.incidents)
        return "this collector keeps no incidents";
    if (!id)
        return "an incident update needs its id";
    if (!text_ok(note))
        return "the note is longer than 4096 bytes";
    json_t *report = json_object_get(req, "summary_report");
    char *report_text = report ? json_dumps(report, JSON_COMPACT) : NULL;
    if (report_text && strlen(report_text) > FH_CONTROL_MAX_BYTES / 2) {
        free(report_text);
        return "the summary report is too long";
    }
    uint32_t done[FH_PLAYBOOK_MAX_STEPS];
    size_t ndone = 0, i;
    json_t *d;
    json_array_foreach(json_object_get(req, "done"), i, d)
        if (json_is_integer(d) && ndone < FH_PLAYBOOK_MAX_STEPS &&
            json_integer_value(d) > 0 && json_integer_value(d) <= FH_PLAYBOOK_MAX_STEPS)
            done[ndone++] = (uint32_t)json_integer_value(d);
    int err = fh_incidents_update(c->o.incidents, t, id, jstr(req, "state"), note,
                                  report_text, done, ndone, fh_now_us(), why, why_len);
    free(report_text);
    if (err)
        return why;
    json_object_set_new(res, "id", json_string(id));
    return NULL;
}

static json_t *handle(struct fh_control *c, json_t *req)
{
    json_t *res = json_object();
    const char *cmd = jstr(req, "cmd"), *why = NULL;
    char buf[256];
    struct fh_txn *t = NULL;
    int err = fh_txn_begin(c->o.st, true, &t);
    if (err)
        why = fh_strerror(err);
    else if (cmd && strcmp(cmd, "warning") == 0)
        why = do_warning(c, t, req, res);
    else if (cmd && strcmp(cmd, "warning_ack") == 0)
        why = do_warning_ack(c, t, req, res);
    else if (cmd && strcmp(cmd, "incident") == 0)
        why = do_incident(c, t, req, res, buf, sizeof buf);
    else if (cmd && strcmp(cmd, "advisory") == 0)
        why = do_advisory(c, t, req, res, buf, sizeof buf);
    else
        why = "unknown cmd";
    if (t && why)
        fh_txn_abort(t);
    else if (t && (err = fh_txn_commit(t)))
        why = fh_strerror(err);
    json_object_set_new(res, "ok", json_boolean(!why));
    if (why) {
        json_object_set_new(res, "error", json_string(why));
        fh_log(FH_LOG_WARN, "control: %s request refused: %s", cmd ? cmd : "?", why);
    } else if (c->o.changed) {
        c->o.changed(c->o.arg);
    }
    return res;
}

/* ---- the directory ---- */

static json_t *read_request(const char *path, char *why, size_t why_len)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || sb.st_size > FH_CONTROL_MAX_BYTES) {
        snprintf(why, why_len, "request missing or over %d bytes", FH_CONTROL_MAX_BYTES);
        return NULL;
    }
    json_error_t je;
    json_t *req = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!req || !json_is_object(req)) {
        snprintf(why, why_len, "not a JSON object: %s", req ? "" : je.text);
        json_decref(req);
        return NULL;
    }
    return req;
}

static void take(struct fh_control *c, const char *name)
{
    char path[DIR_MAX + 300], res_path[DIR_MAX + 300], tmp[DIR_MAX + 300], why[200];
    size_t base = strlen(name) - 4;   /* without ".req" */
    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    snprintf(res_path, sizeof res_path, "%s/%.*s.res", c->dir, (int)base, name);
    snprintf(tmp, sizeof tmp, "%s/.%.*s.res.tmp", c->dir, (int)base, name);
    json_t *req = read_request(path, why, sizeof why), *res;
    if (req) {
        res = handle(c, req);
    } else {
        res = json_pack("{s:b, s:s}", "ok", 0, "error", why);
        fh_log(FH_LOG_WARN, "control: %s refused: %s", name, why);
    }
    if (json_dump_file(res, tmp, JSON_COMPACT) != 0 || rename(tmp, res_path) != 0)
        fh_log(FH_LOG_ERROR, "control: cannot write %s: %s", res_path, strerror(errno));
    unlink(path);
    json_decref(req);
    json_decref(res);
}

static int is_request(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".req") == 0 &&
           n < 256;
}

static void on_tick(uv_timer_t *timer)
{
    struct fh_control *c = timer->data;
    struct dirent **names;
    int n = scandir(c->dir, &names, is_request, alphasort);
    for (int i = 0; i < n; i++) {
        if (i < FH_CONTROL_PER_TICK)
            take(c, names[i]->d_name);
        free(names[i]);
    }
    if (n >= 0)
        free(names);
}

int fh_control_start(uv_loop_t *loop, const struct fh_control_opts *o, struct fh_control **out)
{
    struct fh_control *c = calloc(1, sizeof *c);
    if (!c)
        return FH_ENOMEM;
    c->o = *o;
    snprintf(c->self, sizeof c->self, "%s", o->self);
    c->o.self = c->self;
    snprintf(c->dir, sizeof c->dir, "%s/control", o->data_dir);
    if (mkdir(c->dir, 0700) != 0 && errno != EEXIST) {
        fh_log(FH_LOG_ERROR, "control: cannot create %s: %s", c->dir, strerror(errno));
        free(c);
        return FH_EIO;
    }
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    uv_timer_start(&c->timer, on_tick, FH_CONTROL_POLL_MS, FH_CONTROL_POLL_MS);
    *out = c;
    return 0;
}

void fh_control_free(struct fh_control *c)
{
    free(c);
}
