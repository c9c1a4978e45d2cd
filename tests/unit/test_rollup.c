/* test_rollup.c - collector/rollup.c and rollup_sum.c: what is kept is counted per unit
 * and class, outages open and close, rollups are emitted with totals and the period's
 * part, cut into parts, received entries kept latest per (origin, unit) and merged, an
 * old entry's hosts counted stale, malformed rollups refused, the stale threshold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fenghuo.pb-c.h"
#include "log.h"
#include "outbox.h"
#include "report.h"
#include "rollup.h"
#include "tmpdir.h"

#define COUNTY "320000/320100/320102"
#define SCHOOL_A COUNTY "/3132000001"
#define SCHOOL_B COUNTY "/3132000002"
#define MAX_UNITS_SEEN 128
#define READ_MAX 16

static struct fh_store *open_store(void)
{
    struct fh_store *st = NULL;
    assert_int_equal(fh_store_open(fh_test_dir, 16, 0, &st), 0);
    return st;
}

/* Hand body, as a report of kind from origin, to fh_rollup_on_report in a txn of its own. */
static void on_report(struct fh_store *st, const char *origin, uint64_t seq, int kind,
                      const ProtobufCMessage *body, bool relayed)
{
    Fh__Envelope env = FH__ENVELOPE__INIT;
    env.origin = (char *)origin;
    env.seq = seq;
    env.kind = (Fh__Kind)kind;
    struct fh_txn *t;
    assert_int_equal(fh_txn_begin(st, true, &t), 0);
    assert_int_equal(fh_rollup_on_report(t, &env, body, relayed), 0);
    assert_int_equal(fh_txn_commit(t), 0);
}

static void detection(struct fh_store *st, const char *host, uint64_t seq, const char *cls,
                      bool drill, bool relayed)
{
    Fh__Detection d = FH__DETECTION__INIT;
    d.class_code = (char *)cls;
    d.drill = drill;
    on_report(st, host, seq, FH__KIND__KIND_DETECTION, &d.base, relayed);
}

struct seen {
    size_t n;
    struct fh_rollup_unit u[MAX_UNITS_SEEN];
    struct fh_rollup_class cls[MAX_UNITS_SEEN][4];
};

static int see(void *arg, const struct fh_rollup_unit *u)
{
    struct seen *s = arg;
    assert_true(s->n < MAX_UNITS_SEEN);
    s->u[s->n] = *u;
    for (size_t i = 0; i < u->nclasses && i < 4; i++)
        s->cls[s->n][i] = u->classes[i];
    s->n++;
    return 0;
}

static uint64_t class_total(const struct seen *s, size_t unit, const char *code)
{
    for (size_t i = 0; i < s->u[unit].nclasses && i < 4; i++)
        if (strcmp(s->cls[unit][i].code, code) == 0)
            return s->cls[unit][i].total;
    return 0;
}

static void test_rollup_counts_kept_detections_by_unit_and_class(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    detection(st, SCHOOL_A "/h0", 1, "MI.CVI", false, false);
    detection(st, SCHOOL_A "/h1", 1, "MI.CVI", false, false);
    detection(st, SCHOOL_A "/h1", 2, "IDI.IAI", false, false);
    detection(st, SCHOOL_B "/h2", 1, "NOT.ACLASS", false, false);
    struct seen s = {0};
    assert_int_equal(fh_rollup_each_unit(st, fh_now_us(), see, &s), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.u[0].unit, SCHOOL_A);
    assert_int_equal(class_total(&s, 0, "MI.CVI"), 2);
    assert_int_equal(class_total(&s, 0, "IDI.IAI"), 1);
    assert_string_equal(s.u[1].unit, SCHOOL_B);
    assert_int_equal(class_total(&s, 1, "other"), 1);   /* an invalid code, bounded */
    fh_store_close(st);
}

static void test_rollup_ignores_relayed_and_drill_detections(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    detection(st, SCHOOL_A "/h0", 1, "MI.CVI", false, true);   /* counted above */
    detection(st, SCHOOL_A "/h0", 2, "MI.CVI", true, false);   /* 演练 */
    struct seen s = {0};
    assert_int_equal(fh_rollup_each_unit(st, fh_now_us(), see, &s), 0);
    assert_int_equal(s.n, 0);
    fh_store_close(st);
}

static void service(struct fh_store *st, uint64_t seq, const char *name, bool up,
                    uint64_t duration_s)
{
    Fh__ServiceEvent e = FH__SERVICE_EVENT__INIT;
    e.name = (char *)name;
    e.up = up;
    e.since_us = 1000;
    e.duration_s = duration_s;
    on_report(st, SCHOOL_A "/h0", seq, FH__KIND__KIND_SERVICE, &e.base, false);
}

static void test_rollup_outage_opens_and_ends_with_its_seconds(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    service(st, 1, "nginx.service", false, 0);
    service(st, 2, "nginx.service", false, 0);   /* still down: not a second outage */
    service(st, 3, "tcp:3306", false, 0);
    struct seen s = {0};
    assert_int_equal(fh_rollup_each_unit(st, fh_now_us(), see, &s), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.u[0].outages_open, 2);
    assert_int_equal(s.u[0].outages_started, 2);
    service(st, 4, "nginx.service", true, 90);
    memset(&s, 0, sizeof s);
    assert_int_equal(fh_rollup_each_unit(st, fh_now_us(), see, &s), 0);
    assert_int_equal(s.u[0].outages_open, 1);
    assert_int_equal(s.u[0].outages_ended, 1);
    assert_int_equal(s.u[0].outage_s, 90);
    fh_store_close(st);
}

static void test_rollup_patch_keeps_the_newest_state_per_host(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    Fh__PatchState ps = FH__PATCH_STATE__INIT;
    ps.pending_security_updates = 3;
    ps.reboot_required = true;
    on_report(st, SCHOOL_A "/h0", 5, FH__KIND__KIND_PATCH, &ps.base, false);
    ps.pending_security_updates = 0;
    ps.reboot_required = false;
    on_report(st, SCHOOL_A "/h0", 4, FH__KIND__KIND_PATCH, &ps.base, false);  /* older */
    on_report(st, SCHOOL_A "/h1", 1, FH__KIND__KIND_PATCH, &ps.base, false);
    struct seen s = {0};
    assert_int_equal(fh_rollup_each_unit(st, fh_now_us(), see, &s), 0);
    assert_int_equal(s.u[0].hosts_patch_known, 2);
    assert_int_equal(s.u[0].hosts_security_pending, 1);
    assert_int_equal(s.u[0].hosts_reboot_required, 1);
    fh_store_close(st);
}

struct emitted {
    size_t n;
    Fh__Rollup *r[READ_MAX];
};

static void take(const struct iovec *entries, const uint64_t *keys, size_t n, void *arg)
{
    struct emitted *e = arg;
    (void)keys;
    for (size_t i = 0; i < n && e->n < READ_MAX; i++) {
        Fh__Envelope *env;
        enum fh_counter why;
        ProtobufCMessage *body;
        assert_int_equal(fh_report_decode(entries[i].iov_base, entries[i].iov_len, &env, &why), 0);
        assert_int_equal(env->kind, FH__KIND__KIND_ROLLUP);
        assert_string_equal(env->origin, COUNTY);
        assert_int_equal(fh_report_body(env, &body), 0);
        e->r[e->n++] = (Fh__Rollup *)body;
        fh__envelope__free_unpacked(env, NULL);
    }
}

static void read_rollups(struct fh_store *st, struct emitted *e)
{
    struct iovec iov[READ_MAX];
    uint64_t keys[READ_MAX];
    assert_true(fh_outbox_read(st, FH_LANE_BULK, 0, READ_MAX, 1u << 24, iov, keys, take, e) >= 0);
}

static void free_rollups(struct emitted *e)
{
    for (size_t i = 0; i < e->n; i++)
        fh__rollup__free_unpacked(e->r[i], NULL);
}

static void test_rollup_emit_sends_totals_and_the_period_part(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    struct fh_relay_policy p;
    fh_relay_policy_all(&p);
    detection(st, SCHOOL_A "/h0", 1, "MI.CVI", false, false);
    detection(st, SCHOOL_A "/h0", 2, "MI.CVI", false, false);
    uint64_t made = 0;
    assert_int_equal(fh_rollup_emit(st, COUNTY, &p, 5, fh_now_us(), &made), 0);
    assert_int_equal(made, 1);
    detection(st, SCHOOL_A "/h0", 3, "MI.CVI", false, false);
    assert_int_equal(fh_rollup_emit(st, COUNTY, &p, 5, fh_now_us(), &made), 0);
    assert_int_equal(fh_rollup_emit(st, COUNTY, &p, 5, fh_now_us(), &made), 0);
    struct emitted e = {0};
    read_rollups(st, &e);
    assert_int_equal(e.n, 3);
    uint64_t want[3][2] = {{2, 2}, {3, 1}, {3, 0}};   /* total, period */
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(e.r[i]->period_s, 5);
        assert_int_equal(e.r[i]->parts, 1);
        assert_int_equal(e.r[i]->n_units, 1);
        assert_string_equal(e.r[i]->units[0]->unit, SCHOOL_A);
        assert_int_equal(e.r[i]->units[0]->n_detections, 1);
        assert_int_equal(e.r[i]->units[0]->detections[0]->total, want[i][0]);
        assert_int_equal(e.r[i]->units[0]->detections[0]->period, want[i][1]);
    }
    free_rollups(&e);
    fh_store_close(st);
}

static void test_rollup_emit_with_nothing_kept_makes_nothing(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    struct fh_relay_policy p;
    fh_relay_policy_all(&p);
    uint64_t made = 7;
    assert_int_equal(fh_rollup_emit(st, COUNTY, &p, 5, fh_now_us(), &made), 0);
    assert_int_equal(made, 0);
    assert_int_equal(fh_outbox_depth(st), 0);
    fh_store_close(st);
}

static void test_rollup_emit_cuts_many_units_into_parts(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    struct fh_relay_policy p;
    fh_relay_policy_all(&p);
    size_t units = FH_ROLLUP_UNITS_PER_REPORT + 6;
    for (size_t i = 0; i < units; i++) {
        char host[FH_PATH_MAX];
        snprintf(host, sizeof host, COUNTY "/31320%05zu/h", i);
        detection(st, host, 1, "MI.WI", false, false);
    }
    uint64_t made = 0;
    assert_int_equal(fh_rollup_emit(st, COUNTY, &p, 5, fh_now_us(), &made), 0);
    assert_int_equal(made, 2);
    struct emitted e = {0};
    read_rollups(st, &e);
    assert_int_equal(e.n, 2);
    assert_int_equal(e.r[0]->n_units, FH_ROLLUP_UNITS_PER_REPORT);
    assert_int_equal(e.r[1]->n_units, 6);
    assert_int_equal(e.r[0]->part, 0);
    assert_int_equal(e.r[1]->part, 1);
    assert_int_equal(e.r[1]->parts, 2);
    free_rollups(&e);
    fh_store_close(st);
}

/* A rollup from origin with one entry for unit: hosts, stale, one MI.CVI count. */
static void receive(struct fh_store *st, const char *origin, uint64_t seq, const char *unit,
                    uint32_t hosts, uint32_t stale, uint64_t cvi, uint64_t end_us,
                    bool relayed)
{
    Fh__ClassCount cc = FH__CLASS_COUNT__INIT, *pcc = &cc;
    cc.class_code = "MI.CVI";
    cc.total = cvi;
    Fh__RollupUnit u = FH__ROLLUP_UNIT__INIT, *pu = &u;
    u.unit = (char *)unit;
    u.hosts_total = hosts;
    u.hosts_stale = stale;
    u.detections = &pcc;
    u.n_detections = 1;
    Fh__Rollup r = FH__ROLLUP__INIT;
    r.units = &pu;
    r.n_units = 1;
    r.period_s = 1;
    r.period_end_us = end_us;
    on_report(st, origin, seq, FH__KIND__KIND_ROLLUP, &r.base, relayed);
}

static void test_rollup_received_entries_latest_per_origin_and_merged(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    uint64_t now = fh_now_us();
    receive(st, COUNTY, 2, SCHOOL_A, 4, 1, 7, now, true);
    receive(st, COUNTY, 1, SCHOOL_A, 9, 9, 1, now - 1000, true);   /* older: ignored */
    receive(st, SCHOOL_A, 1, SCHOOL_A, 2, 0, 3, now, true);        /* a unit collector */
    detection(st, SCHOOL_A "/h0", 1, "MI.CVI", false, false);       /* kept here */
    struct seen s = {0};
    assert_int_equal(fh_rollup_each_unit(st, now, see, &s), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.u[0].hosts_total, 6);
    assert_int_equal(s.u[0].hosts_stale, 1);
    assert_int_equal(s.u[0].origins, 2);
    assert_int_equal(class_total(&s, 0, "MI.CVI"), 11);
    fh_store_close(st);
}

static void test_rollup_old_entry_counts_all_its_hosts_stale(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    uint64_t now = fh_now_us();
    receive(st, COUNTY, 1, SCHOOL_A, 5, 0, 0, now - 31 * 1000000ull, true);
    struct seen s = {0};
    assert_int_equal(fh_rollup_each_unit(st, now, see, &s), 0);
    assert_int_equal(s.u[0].hosts_total, 5);
    assert_int_equal(s.u[0].hosts_stale, 5);
    fh_store_close(st);
}

static void test_rollup_emit_merges_kept_entries_not_relayed_ones(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    struct fh_relay_policy p;
    fh_relay_policy_all(&p);
    uint64_t now = fh_now_us();
    receive(st, COUNTY "/" "3132000001", 1, SCHOOL_A, 3, 0, 2, now, false);
    receive(st, SCHOOL_B, 1, SCHOOL_B, 8, 0, 1, now, true);   /* went up as is */
    uint64_t made = 0;
    assert_int_equal(fh_rollup_emit(st, COUNTY, &p, 5, now, &made), 0);
    struct emitted e = {0};
    read_rollups(st, &e);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.r[0]->n_units, 1);
    assert_string_equal(e.r[0]->units[0]->unit, SCHOOL_A);
    assert_int_equal(e.r[0]->units[0]->hosts_total, 3);
    assert_int_equal(e.r[0]->units[0]->hosts_online, 3);
    free_rollups(&e);
    fh_store_close(st);
}

static void test_rollup_check_refuses_units_outside_origin_and_over_bounds(void **state)
{
    (void)state;
    char why[128];
    Fh__Envelope env = FH__ENVELOPE__INIT;
    env.origin = COUNTY;
    Fh__RollupUnit u = FH__ROLLUP_UNIT__INIT, *pu = &u;
    Fh__Rollup r = FH__ROLLUP__INIT;
    r.units = &pu;
    r.n_units = 1;
    u.unit = SCHOOL_A;
    assert_int_equal(fh_rollup_check(&env, &r, why, sizeof why), 0);
    u.unit = "320000/320100/320104/3132000001";    /* another county's school */
    assert_int_equal(fh_rollup_check(&env, &r, why, sizeof why), FH_EINVAL);
    assert_non_null(strstr(why, "inside the origin"));
    u.unit = "not a path";
    assert_int_equal(fh_rollup_check(&env, &r, why, sizeof why), FH_EINVAL);
    u.unit = SCHOOL_A;
    u.n_detections = FH_ROLLUP_MAX_CLASSES + 1;   /* the count alone is refused */
    assert_int_equal(fh_rollup_check(&env, &r, why, sizeof why), FH_EINVAL);
    u.n_detections = 0;
    r.n_units = FH_ROLLUP_MAX_RECEIVED_UNITS + 1;
    assert_int_equal(fh_rollup_check(&env, &r, why, sizeof why), FH_EINVAL);
    r.n_units = 1;
    env.origin = SCHOOL_A "/h0";          /* an agent claiming counts */
    u.unit = SCHOOL_A "/h0";
    assert_int_equal(fh_rollup_check(&env, &r, why, sizeof why), FH_EINVAL);
    assert_non_null(strstr(why, "not hosts"));
}

static void test_rollup_stale_after_three_intervals_at_least_thirty_seconds(void **state)
{
    (void)state;
    uint64_t now = 1000ull * 1000000u, s = 1000000u;
    assert_false(fh_rollup_stale(now - 30 * s, 1, now));       /* at the floor */
    assert_true(fh_rollup_stale(now - 30 * s - 1, 1, now));    /* just above */
    assert_false(fh_rollup_stale(now - 60 * s, 20, now));      /* 3 x 20 s */
    assert_true(fh_rollup_stale(now - 60 * s - 1, 20, now));
    assert_true(fh_rollup_stale(now - 31 * s, 0, now));        /* 0: taken as 10 s */
    assert_false(fh_rollup_stale(now + 5 * s, 1, now));        /* from the future */
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tmpdir_setup, tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        T(test_rollup_counts_kept_detections_by_unit_and_class),
        T(test_rollup_ignores_relayed_and_drill_detections),
        T(test_rollup_outage_opens_and_ends_with_its_seconds),
        T(test_rollup_patch_keeps_the_newest_state_per_host),
        T(test_rollup_emit_sends_totals_and_the_period_part),
        T(test_rollup_emit_with_nothing_kept_makes_nothing),
        T(test_rollup_emit_cuts_many_units_into_parts),
        T(test_rollup_received_entries_latest_per_origin_and_merged),
        T(test_rollup_old_entry_counts_all_its_hosts_stale),
        T(test_rollup_emit_merges_kept_entries_not_relayed_ones),
        cmocka_unit_test(test_rollup_check_refuses_units_outside_origin_and_over_bounds),
        cmocka_unit_test(test_rollup_stale_after_three_intervals_at_least_thirty_seconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
