/* incidents_int.h - what incidents.c and incident_ops.c share; not for other modules. */
#ifndef FH_INCIDENTS_INT_H
#define FH_INCIDENTS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "fenghuo.pb-c.h"
#include "grading.h"
#include "incidents.h"
#include "path.h"
#include "store.h"

#define KEY_MAX (3 * FH_PATH_MAX + 64)
#define FP_MAX 128

struct fh_incidents {
    char self[FH_PATH_MAX];
    enum fh_path_level level;
    bool top;
    char profile[32];
    struct fh_grade_profile *prof;
    const struct fh_relay_policy *policy;
    uint64_t window_us, grace_us;
    bool conceal;             /* FH_TEST_CONCEAL_INCIDENTS: make none (tests of 漏报) */
};

/* The record of incident id in t (free with fh__incident_record__free_unpacked), or NULL. */
Fh__IncidentRecord *fh_inc_load(struct fh_txn *t, const char *id);
/* Keep inc as the latest revision known here, with this tier's receipt. */
int fh_inc_save(struct fh_txn *t, Fh__Incident *inc, uint64_t received_us, bool late,
                uint64_t delay_s, const char *from);
/* Send a revision up (this collector's own report) and keep it stored here; *made + 1. */
int fh_inc_emit(struct fh_incidents *in, struct fh_txn *t, Fh__Incident *inc, uint64_t *made);

/* A new id "<self>#<n>" into id (FH_INCIDENT_ID_MAX). */
int fh_inc_new_id(struct fh_incidents *in, struct fh_txn *t, char *id);
/* Grade inc for its class and spread (rule and string fields point into rule or the
 * profile); a new grade restarts its reporting duty from now. */
void fh_inc_grade(struct fh_incidents *in, Fh__Incident *inc, enum fh_grade_scope scope,
                  uint64_t units, uint64_t now, char *rule, size_t rule_len);
/* The playbook id for a class ("" when none). */
const char *fh_inc_playbook(const char *cls);

/* missed.c: 漏报. An incident known here (made or received) covers its units and class;
 * a rollup from below showing detections of a class in a unit that no incident covers
 * makes, once the grace has passed, an incident here marked missed. */
int fh_missed_reported(struct fh_txn *t, const Fh__Incident *inc);
int fh_missed_on_rollup(struct fh_incidents *in, struct fh_txn *t, const Fh__Envelope *env,
                        const Fh__Rollup *r, uint64_t now, uint64_t *made);

#endif
