/* test_incidents_update.c - a person's updates of an incident (collector/incidents.c
 * fh_incidents_update): states forward only, the summary report to close Ⅲ, only by the
 * maker, playbook steps ticked off; and every revision made sent up unless top. */
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

/* ---- a person's updates ---- */

static int update(struct fixture *f, const char *id, const char *st, const char *summary,
                  const uint32_t *done, size_t ndone, uint64_t now)
{
    struct fh_txn *t;
    char why[256] = "";
    assert_int_equal(fh_txn_begin(f->st, true, &t), 0);
    int rc = fh_incidents_update(f->in, t, id, st, "note", summary, done, ndone, now, why,
                                 sizeof why);
    if (rc == 0) {
        assert_int_equal(fh_txn_commit(t), 0);
    } else {
        assert_true(why[0]);
        fh_txn_abort(t);
    }
    return rc;
}

static void test_incidents_update_moves_states_forward_only(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, COUNTY, false, "education");
    detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, T0);
    assert_int_equal(update(&f, COUNTY "#1", "contained", NULL, NULL, 0, T0 + S), 0);
    assert_int_equal(update(&f, COUNTY "#1", "graded", NULL, NULL, 0, T0 + S), FH_EINVAL);
    assert_int_equal(update(&f, COUNTY "#1", "mended", NULL, NULL, 0, T0 + S), FH_EINVAL);
    assert_int_equal(update(&f, COUNTY "#1", "", NULL, NULL, 0, T0 + S), 0);   /* a note */
    assert_int_equal(update(&f, COUNTY "#1", "recovered", NULL, NULL, 0, T0 + 2 * S), 0);
    assert_int_equal(update(&f, COUNTY "#9", "closed", NULL, NULL, 0, T0), FH_ENOTFOUND);
    Fh__IncidentRecord *r = get(&f, COUNTY "#1");
    assert_int_equal(r->incident->state, FH__INCIDENT_STATE__INCIDENT_STATE_RECOVERED);
    assert_int_equal(r->incident->revision, 4);
    assert_int_equal(r->incident->response_ended_us, T0 + 2 * S);
    assert_string_equal(r->incident->note, "note");
    fh__incident_record__free_unpacked(r, NULL);
    /* Ⅳ closes without a summary report; closed is final */
    assert_int_equal(update(&f, COUNTY "#1", "closed", NULL, NULL, 0, T0 + 3 * S), 0);
    assert_int_equal(update(&f, COUNTY "#1", "closed", NULL, NULL, 0, T0 + 4 * S), FH_EINVAL);
    assert_int_equal(update(&f, COUNTY "#1", "", NULL, NULL, 0, T0 + 4 * S), FH_EINVAL);
    stop(&f);
}

static void test_incidents_closing_grade_iii_needs_the_summary_report(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, COUNTY, false, "education");
    detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, T0);
    detect(&f, NULL, HOST_U2, "MI.CVI", "wannacry", false, T0);   /* #3: spread, Ⅲ */
    Fh__IncidentRecord *r = get(&f, COUNTY "#3");
    assert_int_equal(r->incident->grade, 3);
    fh__incident_record__free_unpacked(r, NULL);
    assert_int_equal(update(&f, COUNTY "#3", "closed", NULL, NULL, 0, T0 + S), FH_EINVAL);
    assert_int_equal(update(&f, COUNTY "#3", "closed", "", NULL, 0, T0 + S), FH_EINVAL);
    assert_int_equal(update(&f, COUNTY "#3", "closed", "{\"事件概况\": \"...\"}", NULL, 0,
                            T0 + S), 0);
    r = get(&f, COUNTY "#3");
    assert_int_equal(r->incident->state, FH__INCIDENT_STATE__INCIDENT_STATE_CLOSED);
    assert_string_equal(r->incident->summary_report, "{\"事件概况\": \"...\"}");
    fh__incident_record__free_unpacked(r, NULL);
    stop(&f);
}

static void test_incidents_update_only_by_the_maker(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, CITY, false, "education");
    struct child a;
    child_incident(&a, COUNTY, COUNTY "#1", 1, UNIT);
    send_child(&f, COUNTY, &a, T0);
    uint64_t depth = fh_outbox_depth(f.st);
    assert_int_equal(update(&f, COUNTY "#1", "contained", NULL, NULL, 0, T0 + S), FH_EINVAL);
    Fh__IncidentRecord *r = get(&f, COUNTY "#1");
    assert_int_equal(r->incident->revision, 1);
    fh__incident_record__free_unpacked(r, NULL);
    assert_int_equal(fh_outbox_depth(f.st), depth);
    stop(&f);
}

static void test_incidents_done_steps_are_bounded_and_deduplicated(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, COUNTY, false, "education");
    detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, T0);
    const struct fh_playbook *p = fh_playbook_get("virus_outbreak");
    uint32_t steps = (uint32_t)fh_playbook_steps(p);
    uint32_t first[] = {1, 1, 3, 0, steps + 1, 99};
    assert_int_equal(update(&f, COUNTY "#1", "", NULL, first, 6, T0 + S), 0);
    Fh__IncidentRecord *r = get(&f, COUNTY "#1");
    assert_int_equal(r->incident->n_playbook_done, 2);
    assert_int_equal(r->incident->playbook_done[0], 1);
    assert_int_equal(r->incident->playbook_done[1], 3);
    fh__incident_record__free_unpacked(r, NULL);
    uint32_t second[] = {3, steps, 2};
    assert_int_equal(update(&f, COUNTY "#1", "", NULL, second, 3, T0 + 2 * S), 0);
    r = get(&f, COUNTY "#1");
    assert_int_equal(r->incident->n_playbook_done, 4);
    assert_int_equal(r->incident->playbook_done[2], steps);
    assert_int_equal(r->incident->playbook_done[3], 2);
    fh__incident_record__free_unpacked(r, NULL);
    /* every step at once, twice over: never more than the playbook has */
    uint32_t many[2 * FH_PLAYBOOK_MAX_STEPS];
    for (uint32_t i = 0; i < 2 * FH_PLAYBOOK_MAX_STEPS; i++)
        many[i] = 1 + i % FH_PLAYBOOK_MAX_STEPS;
    assert_int_equal(update(&f, COUNTY "#1", "", NULL, many, 2 * FH_PLAYBOOK_MAX_STEPS,
                            T0 + 3 * S), 0);
    r = get(&f, COUNTY "#1");
    assert_int_equal(r->incident->n_playbook_done, steps);
    fh__incident_record__free_unpacked(r, NULL);
    stop(&f);
}

static void test_incidents_done_steps_need_a_playbook(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, COUNTY, false, "education");
    detect(&f, NULL, HOST, "IDI.OIDI", "x", false, T0);   /* no playbook answers it */
    Fh__IncidentRecord *r = get(&f, COUNTY "#1");
    assert_string_equal(r->incident->playbook, "");
    fh__incident_record__free_unpacked(r, NULL);
    uint32_t one[] = {1};
    assert_int_equal(update(&f, COUNTY "#1", "", NULL, one, 1, T0 + S), FH_EINVAL);
    assert_int_equal(update(&f, COUNTY "#1", "contained", NULL, NULL, 0, T0 + S), 0);
    stop(&f);
}

/* ---- where revisions go ---- */

static void test_incidents_every_revision_goes_to_the_outbox(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, COUNTY, false, "education");
    uint64_t made = 0;
    made += detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, T0);
    made += detect(&f, NULL, HOST_2, "MI.CVI", "wannacry", false, T0 + S);
    made += detect(&f, NULL, HOST_U2, "MI.CVI", "wannacry", false, T0 + S);
    made += detect(&f, NULL, HOST_U3, "MI.CVI", "wannacry", false, T0 + S);
    assert_int_equal(update(&f, COUNTY "#1", "contained", NULL, NULL, 0, T0 + 2 * S), 0);
    assert_int_equal(made, 1 + 1 + 2 + 2);
    assert_int_equal(fh_outbox_depth(f.st), made + 1);
    /* each is also stored here as this collector's own report */
    assert_int_equal(fh_store_report_count(f.st), made + 1);
    stop(&f);
}

static void test_incidents_top_tier_sends_nothing_up(void **state)
{
    (void)state;
    struct fixture f;
    start(&f, COUNTY, true, "education");
    uint64_t made = 0;
    made += detect(&f, NULL, HOST, "MI.CVI", "wannacry", false, T0);
    made += detect(&f, NULL, HOST_U2, "MI.CVI", "wannacry", false, T0);
    assert_int_equal(update(&f, COUNTY "#1", "contained", NULL, NULL, 0, T0 + S), 0);
    assert_int_equal(made, 3);
    assert_int_equal(fh_outbox_depth(f.st), 0);
    assert_int_equal(fh_store_report_count(f.st), made + 1);
    stop(&f);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tmpdir_setup, tmpdir_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_incidents_update_moves_states_forward_only),
        T(test_incidents_closing_grade_iii_needs_the_summary_report),
        T(test_incidents_update_only_by_the_maker),
        T(test_incidents_done_steps_are_bounded_and_deduplicated),
        T(test_incidents_done_steps_need_a_playbook),
        T(test_incidents_every_revision_goes_to_the_outbox),
        T(test_incidents_top_tier_sends_nothing_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
