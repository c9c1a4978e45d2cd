/* incidents.h - detections become graded incidents; spread is correlated at every tier.
 *
 * The pipeline hands this module every DETECTION it stores that came straight from the
 * agent that made it (the first collector), and every INCIDENT it stores from a child
 * collector, inside the round's transaction. Everything it knows is in the store (state
 * records, store.h fh_kv_*), nothing in memory, so a restart or an aborted round loses
 * nothing and counts nothing twice.
 *
 *   - Unit incidents: detections of one unit, class and fingerprint within window_s are
 *     one incident (made by the first collector), graded with spread.scope "unit".
 *   - Spread incidents: when the units with an incident of the same class and
 *     fingerprint lie in two or more regions one level below this collector (two units
 *     under a county, two counties under a city, two cities under a province), this
 *     collector makes (or widens) its own incident with spread.scope "units" (all in one
 *     county), "city", "province" or "nation" (the smallest region holding them all),
 *     regraded by the profile (education Ⅲ④ 多个单位, Ⅱ④ 全省).
 *   - Every new incident, and every change that matters (regraded, spread wider, state
 *     changed), is a new revision sent up as this collector's own report. A tier that
 *     receives one keeps when it did, and marks it 迟报 (late) with the delay when that
 *     was after its deadline: the time its maker graded it plus the profile's reporting
 *     time (Ⅰ 60 min and Ⅱ 120 min national; "at once" is read as within grace_s).
 *   - Drills (演练) are recorded and relayed, never correlated or counted. */
#ifndef FH_INCIDENTS_H
#define FH_INCIDENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "fenghuo.pb-c.h"
#include "store.h"

#define FH_INCIDENT_MAX_UNITS 256
#define FH_INCIDENT_MAX_HOSTS 32
#define FH_INCIDENT_ID_MAX 352

struct fh_incidents;
struct fh_relay_policy;

struct fh_incidents_opts {
    const char *self;         /* this collector's scope path */
    bool top;                 /* no parent: made incidents go nowhere up */
    const char *profile;      /* grading profile name: "education", "national" */
    uint32_t window_s;        /* detections this close belong to one incident */
    uint32_t grace_s;         /* "at once" (立即) means within this */
    const struct fh_relay_policy *policy;  /* the lane of each revision sent up, by its
                                            * grade (relay_policy.h); NULL: urgent */
};

/* Load the profile; FH_ENOTFOUND for an unknown one (why says so). */
int fh_incidents_new(const struct fh_incidents_opts *o, struct fh_incidents **out,
                     char *why, size_t why_len);
void fh_incidents_free(struct fh_incidents *in);
/* The grading profile this collector uses (owned by in). */
struct fh_grade_profile;
const struct fh_grade_profile *fh_incidents_profile(const struct fh_incidents *in);

/* A report just stored in t: a DETECTION (sender == its origin: the agent itself) or an
 * INCIDENT from the child sender. Other kinds and relayed detections are ignored, and
 * so is an incident whose made_by is not its origin or whose id is not "<origin>#...".
 * *made is increased by the own reports this made in t. Returns 0 or a negative FH_E*
 * (t must then be aborted). */
int fh_incidents_on_report(struct fh_incidents *in, struct fh_txn *t, const char *sender,
                           const Fh__Envelope *env, const ProtobufCMessage *body,
                           uint64_t now_us, uint64_t *made);

/* fenghuo-ctl: every incident record known here, or one. fn's record is valid during
 * the call. */
typedef int (*fh_incident_fn)(void *arg, const Fh__IncidentRecord *r);
int fh_incidents_each(struct fh_store *st, fh_incident_fn fn, void *arg);
Fh__IncidentRecord *fh_incidents_get(struct fh_store *st, const char *id);  /* free with
                                                   fh__incident_record__free_unpacked */

/* A person's update of an incident this collector made (control.h): state (a name of
 * fh_incident_state_from_name, "" to keep), note, steps of its playbook done (1-based;
 * playbooks.h), and for closing the summary report (JSON text). Refuses (why) going backwards, closing a Ⅲ-or-above incident without a
 * summary report, and incidents made elsewhere. */
int fh_incidents_update(struct fh_incidents *in, struct fh_txn *t, const char *id,
                        const char *state, const char *note, const char *summary_report,
                        const uint32_t *done, size_t ndone, uint64_t now_us, char *why,
                        size_t why_len);

Fh__IncidentState fh_incident_state_from_name(const char *name);
const char *fh_incident_state_name(Fh__IncidentState s);

#endif
