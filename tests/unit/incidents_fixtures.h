/* incidents_fixtures.h - a collector's incident engine on a store in the test's temp dir,
 * and the reports it is fed (detections from agents, children's incident revisions),
 * for test_incidents.c and test_incidents_update.c. Include after cmocka.h and tmpdir.h.
 * Header-only. */
#ifndef FH_TEST_INCIDENTS_FIXTURES_H
#define FH_TEST_INCIDENTS_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incidents.h"
#include "store.h"

#define PROVINCE "320000"
#define CITY "320000/320100"
#define COUNTY "320000/320100/320102"
#define COUNTY_B "320000/320100/320104"
#define UNIT COUNTY "/3132000001"
#define UNIT_2 COUNTY "/3132000002"
#define UNIT_3 COUNTY "/3132000003"
#define UNIT_B COUNTY_B "/3132000009"
#define HOST UNIT "/web01"
#define HOST_2 UNIT "/web02"
#define HOST_U2 UNIT_2 "/pc01"
#define HOST_U3 UNIT_3 "/pc01"
#define T0 1700000000000000ull
#define S 1000000ull
#define WINDOW_S 3600
#define GRACE_S 600
#define MAX_SEEN 16

struct fixture {
    struct fh_store *st;
    struct fh_incidents *in;
    uint64_t seq;   /* of the next report made up here */
};

static inline void start(struct fixture *f, const char *self, bool top, const char *profile)
{
    struct fh_incidents_opts o = {.self = self, .top = top, .profile = profile,
                                  .window_s = WINDOW_S, .grace_s = GRACE_S};
    char why[256];
    f->seq = 1;
    assert_int_equal(fh_store_open(fh_test_dir, 16, 0, &f->st), 0);
    assert_int_equal(fh_incidents_new(&o, &f->in, why, sizeof why), 0);
}

static inline void stop(struct fixture *f)
{
    fh_incidents_free(f->in);
    fh_store_close(f->st);
}

/* Hand one report to the engine in a transaction of its own; returns what it made. */
static inline uint64_t feed(struct fixture *f, const char *sender, Fh__Envelope *env,
                     const ProtobufCMessage *body, uint64_t now)
{
    struct fh_txn *t;
    uint64_t made = 0;
    env->seq = f->seq++;
    assert_int_equal(fh_txn_begin(f->st, true, &t), 0);
    assert_int_equal(fh_incidents_on_report(f->in, t, sender, env, body, now, &made), 0);
    assert_int_equal(fh_txn_commit(t), 0);
    return made;
}

/* A detection the agent at origin sends itself (sender == origin unless given). */
static inline uint64_t detect(struct fixture *f, const char *sender, const char *origin,
                       const char *cls, const char *fp, bool drill, uint64_t now)
{
    Fh__Envelope e = FH__ENVELOPE__INIT;
    Fh__Detection d = FH__DETECTION__INIT;
    e.origin = (char *)origin;
    e.kind = FH__KIND__KIND_DETECTION;
    e.time_us = now;
    d.class_code = (char *)cls;
    d.summary = "seen";
    d.fingerprint = (char *)fp;
    d.count = 1;
    d.first_seen_us = now;
    d.last_seen_us = now;
    d.drill = drill;
    return feed(f, sender ? sender : origin, &e, &d.base, now);
}

/* A child collector's incident revision (sender == its maker). */
struct child {
    Fh__Incident inc;
    char *units[4];
    char *hosts[4];
};

static inline void child_incident(struct child *c, const char *maker, const char *id, uint32_t rev,
                           const char *unit)
{
    Fh__Incident i = FH__INCIDENT__INIT;
    c->inc = i;
    c->inc.id = (char *)id;
    c->inc.revision = rev;
    c->inc.class_code = "MI.CVI";
    c->inc.fingerprint = "wannacry";
    c->units[0] = (char *)unit;
    c->inc.units = c->units;
    c->inc.n_units = 1;
    c->inc.spread_scope = "unit";
    c->inc.made_by = (char *)maker;
    c->inc.grade = 4;
    c->inc.state = FH__INCIDENT_STATE__INCIDENT_STATE_GRADED;
}

static inline uint64_t send_child(struct fixture *f, const char *sender, struct child *c,
                           uint64_t now)
{
    Fh__Envelope e = FH__ENVELOPE__INIT;
    e.origin = c->inc.made_by;
    e.kind = FH__KIND__KIND_INCIDENT;
    e.time_us = now;
    return feed(f, sender, &e, &c->inc.base, now);
}

/* What the store holds, one line per record. */
struct seen {
    size_t n;
    struct {
        char id[FH_INCIDENT_ID_MAX];
        char scope[16];
        uint32_t revision, grade, detections, state;
        size_t units, hosts;
        bool drill, late;
        uint64_t delay_s;
    } r[MAX_SEEN];
};

static inline int collect(void *arg, const Fh__IncidentRecord *rec)
{
    struct seen *s = arg;
    const Fh__Incident *i = rec->incident;
    assert_true(s->n < MAX_SEEN);
    snprintf(s->r[s->n].id, sizeof s->r[0].id, "%s", i->id);
    snprintf(s->r[s->n].scope, sizeof s->r[0].scope, "%s", i->spread_scope);
    s->r[s->n].revision = i->revision;
    s->r[s->n].grade = i->grade;
    s->r[s->n].detections = i->detections;
    s->r[s->n].state = i->state;
    s->r[s->n].units = i->n_units;
    s->r[s->n].hosts = i->n_hosts;
    s->r[s->n].drill = i->drill;
    s->r[s->n].late = rec->late;
    s->r[s->n].delay_s = rec->delay_s;
    s->n++;
    return 0;
}

static inline struct seen all(struct fixture *f)
{
    struct seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(fh_incidents_each(f->st, collect, &s), 0);
    return s;
}

static inline size_t count_scope(const struct seen *s, const char *scope)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += strcmp(s->r[i].scope, scope) == 0;
    return n;
}

static inline Fh__IncidentRecord *get(struct fixture *f, const char *id)
{
    Fh__IncidentRecord *r = fh_incidents_get(f->st, id);
    assert_non_null(r);
    return r;
}

#endif
