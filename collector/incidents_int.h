/* incidents_int.h - what incidents.c and incident_ops.c share; not for other modules. */
#ifndef FH_INCIDENTS_INT_H
#define FH_INCIDENTS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "fenghuo.pb-c.h"
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
};

/* The record of incident id in t (free with fh__incident_record__free_unpacked), or NULL. */
Fh__IncidentRecord *fh_inc_load(struct fh_txn *t, const char *id);
/* Keep inc as the latest revision known here, with this tier's receipt. */
int fh_inc_save(struct fh_txn *t, Fh__Incident *inc, uint64_t received_us, bool late,
                uint64_t delay_s, const char *from);
/* Send a revision up (this collector's own report) and keep it stored here; *made + 1. */
int fh_inc_emit(struct fh_incidents *in, struct fh_txn *t, Fh__Incident *inc, uint64_t *made);

#endif
