/* incident_ops.c - what people do with incidents: list, read, move along the lifecycle
 * (see incidents.h); the engine that makes them is incidents.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "incidents.h"
#include "incidents_int.h"
#include "playbooks.h"

static const char *const state_names[] = {"unspecified", "reported", "graded", "contained",
                                          "eradicated", "recovered", "closed"};

Fh__IncidentState fh_incident_state_from_name(const char *name)
{
    for (size_t i = 1; name && i < sizeof state_names / sizeof state_names[0]; i++)
        if (strcmp(name, state_names[i]) == 0)
            return (Fh__IncidentState)i;
    return FH__INCIDENT_STATE__INCIDENT_STATE_UNSPECIFIED;
}

const char *fh_incident_state_name(Fh__IncidentState s)
{
    return (unsigned)s < sizeof state_names / sizeof state_names[0] ? state_names[s]
                                                                     : state_names[0];
}

/* ---- fenghuo-ctl ---- */

struct each {
    fh_incident_fn fn;
    void *arg;
};

static int each_record(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    struct each *e = arg;
    Fh__IncidentRecord *r = fh__incident_record__unpack(NULL, vlen, val);
    int err = r && r->incident ? e->fn(e->arg, r) : 0;
    if (r)
        fh__incident_record__free_unpacked(r, NULL);
    return err;
}

int fh_incidents_each(struct fh_store *st, fh_incident_fn fn, void *arg)
{
    struct each e = {fn, arg};
    return fh_kv_each(st, NULL, "I", 2, each_record, &e);
}

Fh__IncidentRecord *fh_incidents_get(struct fh_store *st, const char *id)
{
    struct fh_txn *t;
    if (fh_txn_begin(st, false, &t) != 0)
        return NULL;
    Fh__IncidentRecord *r = fh_inc_load(t, id);
    fh_txn_abort(t);
    return r;
}

int fh_incidents_update(struct fh_incidents *in, struct fh_txn *t, const char *id,
                        const char *state, const char *note, const char *summary_report,
                        const uint32_t *done, size_t ndone, uint64_t now_us, char *why,
                        size_t why_len)
{
    uint32_t steps[FH_PLAYBOOK_MAX_STEPS];
    size_t nsteps = 0;
    Fh__IncidentRecord *old = fh_inc_load(t, id);
    int err = FH_EINVAL;
    if (!old) {
        snprintf(why, why_len, "no incident %s here", id);
        return FH_ENOTFOUND;
    }
    Fh__Incident inc = *old->incident;
    Fh__IncidentState to = state && state[0] ? fh_incident_state_from_name(state) : inc.state;
    if (strcmp(inc.made_by, in->self) != 0) {
        snprintf(why, why_len, "incident %s was made by %s: update it there", id, inc.made_by);
    } else if (!to) {
        snprintf(why, why_len, "unknown state \"%s\" (reported, graded, contained, "
                 "eradicated, recovered, closed)", state);
    } else if (to < inc.state) {
        snprintf(why, why_len, "an incident does not go back from %s to %s",
                 fh_incident_state_name(inc.state), fh_incident_state_name(to));
    } else if (inc.state == FH__INCIDENT_STATE__INCIDENT_STATE_CLOSED) {
        snprintf(why, why_len, "incident %s is closed", id);
    } else if (ndone && !fh_playbook_get(inc.playbook)) {
        snprintf(why, why_len, "incident %s has no playbook to tick off", id);
    } else if (to == FH__INCIDENT_STATE__INCIDENT_STATE_CLOSED && inc.grade <= 3 &&
               inc.summary_due_days >= 0 && (!summary_report || !summary_report[0])) {
        snprintf(why, why_len, "closing a grade %s incident needs the summary investigation "
                 "report (总结调查报告): --summary-report FILE", inc.grade == 3 ? "III" : "II+");
    } else {
        err = 0;
    }
    if (!err) {
        if (to >= FH__INCIDENT_STATE__INCIDENT_STATE_RECOVERED && !inc.response_ended_us)
            inc.response_ended_us = now_us;
        inc.state = to;
        if (note)
            inc.note = (char *)note;
        if (summary_report && summary_report[0])
            inc.summary_report = (char *)summary_report;
        /* steps ticked off: what was, plus what is new, each once, within the playbook */
        size_t max = fh_playbook_steps(fh_playbook_get(inc.playbook));
        for (size_t i = 0; i < inc.n_playbook_done && nsteps < FH_PLAYBOOK_MAX_STEPS; i++)
            steps[nsteps++] = inc.playbook_done[i];
        for (size_t i = 0; i < ndone; i++) {
            bool seen = done[i] < 1 || done[i] > max;
            for (size_t k = 0; k < nsteps && !seen; k++)
                seen = steps[k] == done[i];
            if (!seen && nsteps < FH_PLAYBOOK_MAX_STEPS)
                steps[nsteps++] = done[i];
        }
        inc.playbook_done = steps;
        inc.n_playbook_done = nsteps;
        inc.revision++;
        inc.updated_us = now_us;
        uint64_t made = 0;
        if (!(err = fh_inc_emit(in, t, &inc, &made)))
            err = fh_inc_save(t, &inc, old->received_us, old->late, old->delay_s, old->from);
        if (err)
            snprintf(why, why_len, "%s", fh_strerror(err));
    }
    fh__incident_record__free_unpacked(old, NULL);
    return err;
}
