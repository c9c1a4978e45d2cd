/* test_notice_record.c - the state every tier keeps of warnings and advisories
 * (common/notice.c fh_notice_record and the walks): the latest revision, receipts per
 * host and per person's unit, the latest answer per host, and what is not recorded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "grading.h"
#include "notice.h"
#include "notice_fixtures.h"
#include "store.h"
#include "tmpdir.h"

static struct fh_store *open_store(void)
{
    struct fh_store *st = NULL;
    assert_int_equal(fh_store_open(fh_test_dir, 16, 0, &st), 0);
    return st;
}

/* ---- state records ---- */

static void record(struct fh_store *st, const Fh__Envelope *env, const ProtobufCMessage *body)
{
    struct fh_txn *t;
    assert_int_equal(fh_txn_begin(st, true, &t), 0);
    assert_int_equal(fh_notice_record(t, env, body), 0);
    assert_int_equal(fh_txn_commit(t), 0);
}

static void record_revision(struct fh_store *st, const char *issuer, uint32_t rev,
                            Fh__WarningLevel level)
{
    struct wmsg m;
    good_warning(&m, issuer);
    m.w.revision = rev;
    m.w.level = level;
    m.w.action = rev > 1 ? FH__WARNING_ACTION__WARNING_ACTION_ADJUST
                         : FH__WARNING_ACTION__WARNING_ACTION_ISSUE;
    record(st, &m.env, &m.w.base);
}

static void test_notice_record_keeps_the_latest_revision(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    assert_null(fh_notice_warning(st, CITY "#7"));
    record_revision(st, CITY, 1, YELLOW);
    record_revision(st, CITY, 3, BLUE);
    record_revision(st, CITY, 2, YELLOW);   /* an older one arriving late */
    Fh__Warning *w = fh_notice_warning(st, CITY "#7");
    assert_non_null(w);
    assert_int_equal(w->revision, 3);
    assert_int_equal(w->level, BLUE);
    fh__warning__free_unpacked(w, NULL);
    record_revision(st, CITY, 4, YELLOW);
    w = fh_notice_warning(st, CITY "#7");
    assert_int_equal(w->revision, 4);
    fh__warning__free_unpacked(w, NULL);
    fh_store_close(st);
}

static void test_notice_record_ignores_a_warning_whose_id_is_not_its_origins(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    record_revision(st, CITY, 1, YELLOW);
    /* a county's report claiming a later revision of the city's warning (a lift) */
    struct wmsg m;
    good_warning(&m, CITY);
    m.env.origin = COUNTY;
    m.w.revision = 9;
    m.w.action = FH__WARNING_ACTION__WARNING_ACTION_LIFT;
    record(st, &m.env, &m.w.base);
    Fh__Warning *w = fh_notice_warning(st, CITY "#7");
    assert_non_null(w);
    assert_int_equal(w->revision, 1);
    assert_int_equal(w->action, FH__WARNING_ACTION__WARNING_ACTION_ISSUE);
    fh__warning__free_unpacked(w, NULL);
    fh_store_close(st);
}

struct walk {
    size_t n;
    char what[WALK_MAX][FH_WARNING_ID_MAX + 32];
};

static int warning_seen(void *arg, const Fh__Warning *w)
{
    struct walk *k = arg;
    assert_true(k->n < WALK_MAX);
    snprintf(k->what[k->n++], sizeof k->what[0], "%s r%u", w->id, w->revision);
    return 0;
}

static int ack_seen(void *arg, const Fh__WarningAck *a)
{
    struct walk *k = arg;
    assert_true(k->n < WALK_MAX);
    snprintf(k->what[k->n++], sizeof k->what[0], "%s %s %s r%u", a->warning_id,
             a->person ? a->unit : a->host, a->by, a->revision);
    return 0;
}

static void ack(struct fh_store *st, const char *origin, const char *id, const char *host,
                const char *unit, const char *by, uint32_t rev)
{
    Fh__Envelope e = FH__ENVELOPE__INIT;
    Fh__WarningAck a = FH__WARNING_ACK__INIT;
    e.origin = (char *)origin;
    e.kind = FH__KIND__KIND_WARNING_ACK;
    e.seq = 1;
    a.warning_id = (char *)id;
    a.by = (char *)by;
    a.unit = (char *)unit;
    a.host = (char *)host;
    a.person = strcmp(by, "agent") != 0;
    a.revision = rev;
    record(st, &e, &a.base);
}

static void test_notice_record_keeps_a_receipt_per_host(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    ack(st, HOST, CITY "#7", HOST, UNIT, "agent", 1);
    ack(st, HOST_2, CITY "#7", HOST_2, UNIT, "agent", 1);
    ack(st, HOST, CITY "#7", HOST, UNIT, "agent", 2);   /* the host's latest */
    struct walk k = {0};
    assert_int_equal(fh_notice_each_ack(st, CITY "#7", ack_seen, &k), 0);
    assert_int_equal(k.n, 2);
    assert_string_equal(k.what[0], CITY "#7 " HOST " agent r2");
    assert_string_equal(k.what[1], CITY "#7 " HOST_2 " agent r1");
    fh_store_close(st);
}

static void test_notice_record_keeps_a_persons_receipt_per_unit(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    /* a county confirms for two of its units (fenghuo-ctl warning ack --unit): the
     * receipts come from the same origin with no host, one per unit */
    ack(st, COUNTY, CITY "#7", "", UNIT, "张老师", 1);
    ack(st, COUNTY, CITY "#7", "", UNIT_B, "李老师", 1);
    ack(st, HOST, CITY "#7", HOST, UNIT, "agent", 1);   /* and an agent of the unit */
    struct walk k = {0};
    assert_int_equal(fh_notice_each_ack(st, CITY "#7", ack_seen, &k), 0);
    assert_int_equal(k.n, 3);
    bool first = false, second = false, agent = false;
    for (size_t i = 0; i < k.n; i++) {
        first |= strcmp(k.what[i], CITY "#7 " UNIT " 张老师 r1") == 0;
        second |= strcmp(k.what[i], CITY "#7 " UNIT_B " 李老师 r1") == 0;
        agent |= strcmp(k.what[i], CITY "#7 " HOST " agent r1") == 0;
    }
    assert_true(first && second && agent);
    /* a second person for the same unit: the unit's latest confirmation */
    ack(st, COUNTY, CITY "#7", "", UNIT, "王老师", 1);
    memset(&k, 0, sizeof k);
    assert_int_equal(fh_notice_each_ack(st, CITY "#7", ack_seen, &k), 0);
    assert_int_equal(k.n, 3);
    fh_store_close(st);
}

static void test_notice_each_ack_does_not_mix_ids_that_are_prefixes(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    ack(st, HOST, CITY "#1", HOST, UNIT, "agent", 1);
    ack(st, HOST, CITY "#10", HOST, UNIT, "agent", 1);
    ack(st, HOST_2, CITY "#10", HOST_2, UNIT, "agent", 1);
    ack(st, HOST, CITY "#1x", HOST, UNIT, "agent", 1);
    struct walk k = {0};
    assert_int_equal(fh_notice_each_ack(st, CITY "#1", ack_seen, &k), 0);
    assert_int_equal(k.n, 1);
    assert_string_equal(k.what[0], CITY "#1 " HOST " agent r1");
    memset(&k, 0, sizeof k);
    assert_int_equal(fh_notice_each_ack(st, CITY "#10", ack_seen, &k), 0);
    assert_int_equal(k.n, 2);
    memset(&k, 0, sizeof k);
    assert_int_equal(fh_notice_each_ack(st, CITY "#2", ack_seen, &k), 0);
    assert_int_equal(k.n, 0);
    fh_store_close(st);
}

static void test_notice_each_warning_walks_warnings_only_in_id_order(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    record_revision(st, COUNTY, 1, BLUE);
    record_revision(st, CITY, 2, YELLOW);
    ack(st, HOST, CITY "#7", HOST, UNIT, "agent", 1);
    struct amsg m;
    good_advisory(&m, PROVINCE, PROVINCE);
    record(st, &m.env, &m.a.base);
    struct walk k = {0};
    assert_int_equal(fh_notice_each_warning(st, warning_seen, &k), 0);
    assert_int_equal(k.n, 2);
    assert_string_equal(k.what[0], CITY "#7 r2");
    assert_string_equal(k.what[1], COUNTY "#7 r1");
    fh_store_close(st);
}

static int advisory_seen(void *arg, const Fh__Advisory *a)
{
    struct walk *k = arg;
    snprintf(k->what[k->n++], sizeof k->what[0], "%s", a->id);
    return 0;
}

static int answer_seen(void *arg, const Fh__AdvisoryAnswer *a)
{
    struct walk *k = arg;
    snprintf(k->what[k->n++], sizeof k->what[0], "%s %d", a->host, a->verdict);
    return 0;
}

static void answer(struct fh_store *st, const char *host, const char *id, uint64_t checked_us,
                   Fh__AdvisoryVerdict v)
{
    Fh__Envelope e = FH__ENVELOPE__INIT;
    Fh__AdvisoryAnswer a = FH__ADVISORY_ANSWER__INIT;
    e.origin = (char *)host;
    e.kind = FH__KIND__KIND_ADVISORY_ANSWER;
    e.seq = 1;
    a.advisory_id = (char *)id;
    a.verdict = v;
    a.checked_us = checked_us;
    a.host = (char *)host;
    record(st, &e, &a.base);
}

static void test_notice_advisories_and_latest_answer_per_host(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    struct amsg m;
    good_advisory(&m, PROVINCE, PROVINCE);
    record(st, &m.env, &m.a.base);
    Fh__Advisory *a = fh_notice_advisory(st, PROVINCE "#3");
    assert_non_null(a);
    assert_string_equal(a->title, "OpenSSH regreSSHion");
    fh__advisory__free_unpacked(a, NULL);
    assert_null(fh_notice_advisory(st, PROVINCE "#4"));
    struct walk k = {0};
    assert_int_equal(fh_notice_each_advisory(st, advisory_seen, &k), 0);
    assert_int_equal(k.n, 1);

    answer(st, HOST, PROVINCE "#3", NOW_US + 10, FH__ADVISORY_VERDICT__ADVISORY_VERDICT_FIXED);
    answer(st, HOST, PROVINCE "#3", NOW_US + 5,   /* older, arriving late */
           FH__ADVISORY_VERDICT__ADVISORY_VERDICT_AFFECTED);
    answer(st, HOST_2, PROVINCE "#3", NOW_US, FH__ADVISORY_VERDICT__ADVISORY_VERDICT_AFFECTED);
    answer(st, HOST, PROVINCE "#30", NOW_US, FH__ADVISORY_VERDICT__ADVISORY_VERDICT_AFFECTED);
    memset(&k, 0, sizeof k);
    assert_int_equal(fh_notice_each_answer(st, PROVINCE "#3", answer_seen, &k), 0);
    assert_int_equal(k.n, 2);
    char want[64];
    snprintf(want, sizeof want, "%s %d", HOST, FH__ADVISORY_VERDICT__ADVISORY_VERDICT_FIXED);
    assert_string_equal(k.what[0], want);
    fh_store_close(st);
}

/* A child's report with an id over its bound is stored by the pipeline; its state is
 * not recorded, and that must not fail the transaction (the round would be retried, and
 * refused again, for ever). */
static void test_notice_record_skips_records_whose_key_is_over_its_bound(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    char long_id[2 * FH_WARNING_ID_MAX + 16];
    memset(long_id, '7', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    struct fh_txn *t;
    assert_int_equal(fh_txn_begin(st, true, &t), 0);
    Fh__Envelope e = FH__ENVELOPE__INIT;
    Fh__WarningAck a = FH__WARNING_ACK__INIT;
    e.origin = HOST;
    e.kind = FH__KIND__KIND_WARNING_ACK;
    a.warning_id = long_id;
    a.host = HOST;
    assert_int_equal(fh_notice_record(t, &e, &a.base), 0);
    Fh__AdvisoryAnswer r = FH__ADVISORY_ANSWER__INIT;
    e.kind = FH__KIND__KIND_ADVISORY_ANSWER;
    r.advisory_id = long_id;
    assert_int_equal(fh_notice_record(t, &e, &r.base), 0);
    Fh__Warning w = FH__WARNING__INIT;
    e.kind = FH__KIND__KIND_WARNING;
    w.id = long_id;
    assert_int_equal(fh_notice_record(t, &e, &w.base), 0);
    Fh__Advisory v = FH__ADVISORY__INIT;
    e.kind = FH__KIND__KIND_ADVISORY;
    v.id = long_id;
    assert_int_equal(fh_notice_record(t, &e, &v.base), 0);
    assert_int_equal(fh_txn_commit(t), 0);
    struct walk k = {0};
    assert_int_equal(fh_notice_each_warning(st, warning_seen, &k), 0);
    assert_int_equal(k.n, 0);
    fh_store_close(st);
}

static void test_notice_record_ignores_other_kinds(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    Fh__Envelope e = FH__ENVELOPE__INIT;
    Fh__Detection d = FH__DETECTION__INIT;
    e.origin = HOST;
    e.kind = FH__KIND__KIND_DETECTION;
    record(st, &e, &d.base);
    struct walk k = {0};
    assert_int_equal(fh_notice_each_warning(st, warning_seen, &k), 0);
    assert_int_equal(k.n, 0);
    fh_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_notice_record_keeps_the_latest_revision, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_notice_record_ignores_a_warning_whose_id_is_not_its_origins, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_notice_record_keeps_a_receipt_per_host, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_notice_record_keeps_a_persons_receipt_per_unit, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_notice_each_ack_does_not_mix_ids_that_are_prefixes, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_notice_each_warning_walks_warnings_only_in_id_order, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_notice_advisories_and_latest_answer_per_host, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_notice_record_skips_records_whose_key_is_over_its_bound, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_notice_record_ignores_other_kinds, tmpdir_setup, tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
