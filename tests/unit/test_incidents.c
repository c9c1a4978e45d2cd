/* test_incidents.c - detections become graded incidents (collector/incidents.c): unit
 * incidents and their repeats, spread over units and counties, 迟报 of children's
 * incidents, revisions out of order, drills. A person's updates and where revisions go
 * are in test_incidents_update.c. Time is the now_us given to each call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "err.h"
#include "incidents.h"
#include "outbox.h"
#include "playbooks.h"
#include "store.h"
#include "tmpdir.h"
#include "incidents_fixtures.h"

/* ---- unit incidents ---- */

static void test_incidents_detection_makes_a_unit_incident_graded_iv_with_its_playbook(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, COUNTY, false, "education");
    assert_int_equal(detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, T0), 1);
    Fh__IncidentRecord *r = get(&f, COUNTY "#1");
    const Fh__Incident *i = r->incident;
    assert_string_equal(i->spread_scope, "unit");
    assert_int_equal(i->grade, 4);
    assert_string_equal(i->profile, "education");
    assert_string_equal(i->playbook, "virus_outbreak");
    assert_string_equal(i->made_by, COUNTY);
    assert_int_equal(i->n_units, 1);
    assert_string_equal(i->units[0], UNIT);
    assert_int_equal(i->n_hosts, 1);
    assert_string_equal(i->hosts[0], HOST);
    assert_int_equal(i->revision, 1);
    assert_int_equal(i->detections, 1);
    assert_int_equal(i->state, FH__INCIDENT_STATE__INCIDENT_STATE_GRADED);
    assert_false(i->has_duty);   /* Ⅳ: handled locally */
    fh__incident_record__free_unpacked(r, NULL);
    /* another class, another playbook, another incident */
    assert_int_equal(detect(&f, NULL, HOST, "IDI.IAI", "index.html", false, T0), 1);
    r = get(&f, COUNTY "#2");
    assert_string_equal(r->incident->playbook, "web_tamper");
    fh__incident_record__free_unpacked(r, NULL);
    assert_int_equal(fh_outbox_depth(f.st), 2);
    stop(&f);
}

static void test_incidents_repeats_within_window_count_without_revision(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, COUNTY, false, "education");
    assert_int_equal(detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, T0), 1);
    assert_int_equal(detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, T0 + 60 * S), 0);
    assert_int_equal(detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, T0 + 120 * S), 0);
    struct seen s = all(&f);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.r[0].detections, 3);
    assert_int_equal(s.r[0].revision, 1);
    assert_int_equal(fh_outbox_depth(f.st), 1);
    /* a new host of the unit is news: a revision */
    assert_int_equal(detect(&f, NULL, HOST_2, "MI.CVI", "wannacry", false, T0 + 180 * S), 1);
    s = all(&f);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.r[0].revision, 2);
    assert_int_equal(s.r[0].hosts, 2);
    assert_int_equal(s.r[0].detections, 4);
    assert_int_equal(fh_outbox_depth(f.st), 2);
    /* another fingerprint is another incident */
    assert_int_equal(detect(&f, NULL, HOST, "MI.CVI", "other", false, T0 + 200 * S), 1);
    assert_int_equal(all(&f).n, 2);
    stop(&f);
}

static void test_incidents_detection_after_the_window_makes_a_new_incident(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, COUNTY, false, "education");
    assert_int_equal(detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, T0), 1);
    uint64_t later = T0 + (WINDOW_S + 1) * S;
    assert_int_equal(detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, later), 1);
    struct seen s = all(&f);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.r[0].detections, 1);
    assert_int_equal(s.r[1].detections, 1);
    stop(&f);
}

static void test_incidents_agent_clock_ahead_still_joins_its_incident(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, COUNTY, false, "education");
    /* the agent's clock runs two hours ahead of the collector's */
    Fh__Envelope e = FH__ENVELOPE__INIT;
    Fh__Detection d = FH__DETECTION__INIT;
    e.origin = HOST;
    e.kind = FH__KIND__KIND_DETECTION;
    d.class_code = "MI.CVI";
    d.summary = "seen";
    d.fingerprint = "wannacry";
    for (uint64_t i = 0; i < 3; i++) {
        e.time_us = T0 + 7200 * S + i * 60 * S;
        d.first_seen_us = d.last_seen_us = e.time_us;
        assert_int_equal(feed(&f, HOST, &e, &d.base, T0 + i * 60 * S), i == 0);
    }
    struct seen s = all(&f);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.r[0].detections, 3);
    /* and the window still closes, by the collector's clock */
    assert_int_equal(detect(&f, NULL, HOST, "MI.CVI", "wannacry", false,
                            T0 + (WINDOW_S + 200) * S), 1);
    stop(&f);
}

static void test_incidents_relayed_detection_is_ignored(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, CITY, false, "education");
    /* at the city a detection arrives from the county that relays it */
    assert_int_equal(detect(&f, COUNTY, HOST, "MI.CVI", "wannacry", false, T0), 0);
    assert_int_equal(all(&f).n, 0);
    assert_int_equal(fh_outbox_depth(f.st), 0);
    stop(&f);
}

/* ---- spread ---- */

static void test_incidents_units_under_a_county_make_one_spread_incident(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, COUNTY, false, "education");
    assert_int_equal(detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, T0), 1);
    /* a second unit: its own incident and the county's spread incident */
    assert_int_equal(detect(&f, NULL, HOST_U2, "MI.CVI", "wannacry", false, T0 + S), 2);
    struct seen s = all(&f);
    assert_int_equal(count_scope(&s, "units"), 1);
    Fh__IncidentRecord *r = get(&f, COUNTY "#3");
    assert_string_equal(r->incident->spread_scope, "units");
    assert_int_equal(r->incident->grade, 3);   /* education Ⅲ④ 多个单位 */
    assert_int_equal(r->incident->n_units, 2);
    assert_int_equal(r->incident->revision, 1);
    assert_true(r->incident->has_duty);
    assert_int_equal(r->incident->deadline_us, T0 + S + GRACE_S * S);   /* at once */
    assert_string_equal(r->incident->made_by, COUNTY);
    assert_string_equal(r->incident->playbook, "virus_outbreak");
    fh__incident_record__free_unpacked(r, NULL);
    /* a third unit widens it: a new revision, not a second spread incident */
    assert_int_equal(detect(&f, NULL, HOST_U3, "MI.CVI", "wannacry", false, T0 + 2 * S), 2);
    s = all(&f);
    assert_int_equal(count_scope(&s, "units"), 1);
    r = get(&f, COUNTY "#3");
    assert_int_equal(r->incident->n_units, 3);
    assert_int_equal(r->incident->revision, 2);
    assert_int_equal(r->incident->grade, 3);
    /* the deadline runs from the first grading: the grade did not change */
    assert_int_equal(r->incident->deadline_us, T0 + S + GRACE_S * S);
    fh__incident_record__free_unpacked(r, NULL);
    /* a unit seen again is no wider: nothing made */
    assert_int_equal(detect(&f, NULL, HOST_U2, "MI.CVI", "wannacry", false, T0 + 3 * S), 0);
    s = all(&f);
    assert_int_equal(count_scope(&s, "units"), 1);
    assert_int_equal(fh_outbox_depth(f.st), 1 + 2 + 2);
    stop(&f);
}

static void test_incidents_units_in_two_counties_spread_at_the_city(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, CITY, false, "education");
    struct child a, b;
    child_incident(&a, COUNTY, COUNTY "#1", 1, UNIT);
    child_incident(&b, COUNTY_B, COUNTY_B "#1", 1, UNIT_B);
    assert_int_equal(send_child(&f, COUNTY, &a, T0), 0);   /* one county: nothing yet */
    assert_int_equal(send_child(&f, COUNTY_B, &b, T0 + S), 1);
    Fh__IncidentRecord *r = get(&f, CITY "#1");
    assert_string_equal(r->incident->spread_scope, "city");
    assert_int_equal(r->incident->grade, 3);
    assert_int_equal(r->incident->n_units, 2);
    assert_string_equal(r->incident->made_by, CITY);
    fh__incident_record__free_unpacked(r, NULL);
    /* the children's records are kept as they came, marked from whom */
    r = get(&f, COUNTY_B "#1");
    assert_string_equal(r->from, COUNTY_B);
    assert_int_equal(r->received_us, T0 + S);
    fh__incident_record__free_unpacked(r, NULL);
    stop(&f);
}

static void test_incidents_two_units_of_one_county_are_not_spread_at_the_city(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, CITY, false, "education");
    struct child a, b;
    child_incident(&a, COUNTY, COUNTY "#1", 1, UNIT);
    child_incident(&b, COUNTY, COUNTY "#2", 1, UNIT_2);
    assert_int_equal(send_child(&f, COUNTY, &a, T0), 0);
    assert_int_equal(send_child(&f, COUNTY, &b, T0), 0);   /* the county's own to make */
    assert_int_equal(all(&f).n, 2);
    stop(&f);
}

/* ---- what children send ---- */

static void test_incidents_child_incident_after_its_deadline_is_marked_late(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, CITY, false, "education");
    struct child a, b;
    child_incident(&a, COUNTY, COUNTY "#1", 1, UNIT);
    a.inc.grade = 3;
    a.inc.has_duty = true;
    a.inc.deadline_us = T0 - 90 * S;
    child_incident(&b, COUNTY, COUNTY "#2", 1, UNIT_2);
    b.inc.grade = 3;
    b.inc.has_duty = true;
    b.inc.deadline_us = T0 + 10 * S;
    send_child(&f, COUNTY, &a, T0);
    send_child(&f, COUNTY, &b, T0);
    Fh__IncidentRecord *r = get(&f, COUNTY "#1");
    assert_true(r->late);
    assert_int_equal(r->delay_s, 90);
    fh__incident_record__free_unpacked(r, NULL);
    r = get(&f, COUNTY "#2");
    assert_false(r->late);
    assert_int_equal(r->delay_s, 0);
    fh__incident_record__free_unpacked(r, NULL);
    /* the record stays late when a later revision arrives in time for nothing new */
    a.inc.revision = 2;
    send_child(&f, COUNTY, &a, T0 + 5 * S);
    r = get(&f, COUNTY "#1");
    assert_true(r->late);
    assert_int_equal(r->delay_s, 90);
    assert_int_equal(r->received_us, T0);   /* when it was first received */
    fh__incident_record__free_unpacked(r, NULL);
    stop(&f);
}

static void test_incidents_incident_without_duty_is_never_late(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, CITY, false, "education");
    struct child a;
    child_incident(&a, COUNTY, COUNTY "#1", 1, UNIT);
    a.inc.deadline_us = T0 - 90 * S;   /* Ⅳ: no duty, whatever the deadline says */
    send_child(&f, COUNTY, &a, T0);
    Fh__IncidentRecord *r = get(&f, COUNTY "#1");
    assert_false(r->late);
    fh__incident_record__free_unpacked(r, NULL);
    stop(&f);
}

static void test_incidents_older_revision_arriving_late_is_ignored(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, CITY, false, "education");
    struct child a;
    child_incident(&a, COUNTY, COUNTY "#1", 2, UNIT);
    a.inc.state = FH__INCIDENT_STATE__INCIDENT_STATE_CONTAINED;
    send_child(&f, COUNTY, &a, T0);
    child_incident(&a, COUNTY, COUNTY "#1", 1, UNIT);
    send_child(&f, COUNTY, &a, T0 + S);
    send_child(&f, COUNTY, &a, T0 + 2 * S);
    Fh__IncidentRecord *r = get(&f, COUNTY "#1");
    assert_int_equal(r->incident->revision, 2);
    assert_int_equal(r->incident->state, FH__INCIDENT_STATE__INCIDENT_STATE_CONTAINED);
    fh__incident_record__free_unpacked(r, NULL);
    stop(&f);
}

static void test_incidents_child_cannot_overwrite_an_incident_made_here(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, COUNTY, false, "education");
    assert_int_equal(detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, T0), 1);
    /* a unit's collector claims a later revision of the county's own incident, with
     * more hosts than an incident holds */
    struct child c;
    char *hosts[FH_INCIDENT_MAX_HOSTS + 8];
    for (size_t i = 0; i < FH_INCIDENT_MAX_HOSTS + 8; i++)
        hosts[i] = HOST;
    child_incident(&c, UNIT, COUNTY "#1", 9, UNIT);
    c.inc.hosts = hosts;
    c.inc.n_hosts = FH_INCIDENT_MAX_HOSTS + 8;
    send_child(&f, UNIT, &c, T0 + S);
    c.inc.made_by = COUNTY;   /* nor by naming the county its maker */
    Fh__Envelope e = FH__ENVELOPE__INIT;
    e.origin = UNIT;
    e.kind = FH__KIND__KIND_INCIDENT;
    feed(&f, UNIT, &e, &c.inc.base, T0 + 2 * S);
    Fh__IncidentRecord *r = get(&f, COUNTY "#1");
    assert_int_equal(r->incident->revision, 1);
    assert_int_equal(r->incident->n_hosts, 1);
    fh__incident_record__free_unpacked(r, NULL);
    /* and the incident goes on as before */
    assert_int_equal(detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, T0 + 3 * S), 0);
    r = get(&f, COUNTY "#1");
    assert_int_equal(r->incident->detections, 2);
    fh__incident_record__free_unpacked(r, NULL);
    stop(&f);
}

/* ---- drills ---- */

static void test_incidents_drills_are_not_correlated(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, COUNTY, false, "education");
    assert_int_equal(detect(&f, NULL, HOST, "MI.CVI", "wannacry", true, T0), 1);
    assert_int_equal(detect(&f, NULL, HOST_U2, "MI.CVI", "wannacry", true, T0), 1);
    assert_int_equal(detect(&f, NULL, HOST_U3, "MI.CVI", "wannacry", true, T0), 1);
    struct seen s = all(&f);
    assert_int_equal(s.n, 3);
    assert_int_equal(count_scope(&s, "units"), 0);
    for (size_t i = 0; i < s.n; i++)
        assert_true(s.r[i].drill);
    /* a real one after the drills is not spread with them either */
    assert_int_equal(detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, T0 + S), 1);
    s = all(&f);
    assert_int_equal(count_scope(&s, "units"), 0);
    stop(&f);
}

static void test_incidents_drill_does_not_join_a_real_incident(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, COUNTY, false, "education");
    assert_int_equal(detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, T0), 1);
    assert_int_equal(detect(&f, NULL, HOST_2, "MI.CVI", "wannacry", true, T0 + S), 1);
    struct seen s = all(&f);
    assert_int_equal(s.n, 2);
    assert_false(s.r[0].drill);
    assert_int_equal(s.r[0].detections, 1);
    assert_int_equal(s.r[0].hosts, 1);
    assert_true(s.r[1].drill);
    /* and the real one still gathers real repeats */
    assert_int_equal(detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, T0 + 2 * S), 0);
    s = all(&f);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.r[0].detections, 2);
    stop(&f);
}

static void test_incidents_new_refuses_an_unknown_profile(void **state)
{
    (void)state;
    struct fh_incidents_opts o = {.self = COUNTY, .profile = "nowhere", .window_s = 1};
    struct fh_incidents *in = NULL;
    char why[256] = "";
    assert_int_equal(fh_incidents_new(&o, &in, why, sizeof why), FH_ENOTFOUND);
    assert_null(in);
    assert_true(why[0]);
}

static void test_incidents_state_names_round_trip(void **state)
{
    (void)state;
    for (int s = FH__INCIDENT_STATE__INCIDENT_STATE_REPORTED;
         s <= FH__INCIDENT_STATE__INCIDENT_STATE_CLOSED; s++)
        assert_int_equal(fh_incident_state_from_name(fh_incident_state_name(s)), s);
    assert_int_equal(fh_incident_state_from_name("unspecified"), 0);
    assert_int_equal(fh_incident_state_from_name(NULL), 0);
    assert_string_equal(fh_incident_state_name((Fh__IncidentState)42), "unspecified");
}

#define T(name) cmocka_unit_test_setup_teardown(name, tmpdir_setup, tmpdir_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_incidents_detection_makes_a_unit_incident_graded_iv_with_its_playbook),
        T(test_incidents_repeats_within_window_count_without_revision),
        T(test_incidents_detection_after_the_window_makes_a_new_incident),
        T(test_incidents_agent_clock_ahead_still_joins_its_incident),
        T(test_incidents_relayed_detection_is_ignored),
        T(test_incidents_units_under_a_county_make_one_spread_incident),
        T(test_incidents_units_in_two_counties_spread_at_the_city),
        T(test_incidents_two_units_of_one_county_are_not_spread_at_the_city),
        T(test_incidents_child_incident_after_its_deadline_is_marked_late),
        T(test_incidents_incident_without_duty_is_never_late),
        T(test_incidents_older_revision_arriving_late_is_ignored),
        T(test_incidents_child_cannot_overwrite_an_incident_made_here),
        T(test_incidents_drills_are_not_correlated),
        T(test_incidents_drill_does_not_join_a_real_incident),
        cmocka_unit_test(test_incidents_new_refuses_an_unknown_profile),
        cmocka_unit_test(test_incidents_state_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
