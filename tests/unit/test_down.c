/* test_down.c - the down log (common/down.c): what goes to which child and how much per
 * ack, the cursor, and receiving: checked, stored, relayed and the cursor moved in one
 * transaction, duplicates not applied twice, refusals counted and skipped, an error
 * leaving nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "down.h"
#include "err.h"
#include "notice.h"
#include "report.h"
#include "store.h"
#include "tmpdir.h"

#define PROVINCE "320000"
#define CITY "320000/320100"
#define COUNTY "320000/320100/320102"
#define COUNTY_B "320000/320100/320104"
#define UNIT COUNTY "/3132000001"
#define UNIT_B COUNTY "/3132000002"
#define HOST UNIT "/web01"
#define NOW_US 1700000000000000ull
#define SEEN_MAX 64

static struct fh_store *open_store(void)
{
    struct fh_store *st = NULL;
    assert_int_equal(fh_store_open(fh_test_dir, 16, 0, &st), 0);
    return st;
}

/* A WARNING envelope from issuer, report seq, as control.c makes it. */
static void warning_env(const char *issuer, uint64_t seq, Fh__WarningLevel level,
                        const char *scope, uint8_t **env, size_t *len)
{
    char id[FH_WARNING_ID_MAX];
    snprintf(id, sizeof id, "%s#%llu", issuer, (unsigned long long)seq);
    Fh__Warning w = FH__WARNING__INIT;
    w.id = id;
    w.level = level;
    w.scope = (char *)scope;
    w.class_code = "MI.CVI";
    w.watch = "WannaCry 变种";
    w.measures = "关闭 445 端口";
    w.action = FH__WARNING_ACTION__WARNING_ACTION_ISSUE;
    w.issuer = (char *)issuer;
    w.issued_us = NOW_US;
    w.issued_by = "应急办";
    w.revision = 1;
    assert_int_equal(fh_report_encode(issuer, seq, NOW_US, FH__KIND__KIND_WARNING, &w.base,
                                      env, len), 0);
}

static void detection_env(const char *origin, uint64_t seq, uint8_t **env, size_t *len)
{
    Fh__Detection d = FH__DETECTION__INIT;
    d.class_code = "MI.CVI";
    d.summary = "virus";
    d.fingerprint = "fp";
    assert_int_equal(fh_report_encode(origin, seq, NOW_US, FH__KIND__KIND_DETECTION, &d.base,
                                      env, len), 0);
}

/* Append n entries of len bytes (their content does not matter to the log) for scope. */
static void append_n(struct fh_store *st, const char *scope, size_t n, size_t len)
{
    uint8_t *bytes = calloc(1, len);
    struct fh_txn *t;
    assert_non_null(bytes);
    assert_int_equal(fh_txn_begin(st, true, &t), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(fh_down_append(t, scope, bytes, len, NULL), 0);
    assert_int_equal(fh_txn_commit(t), 0);
    free(bytes);
}

struct seen {
    size_t n;
    uint64_t dseq[SEEN_MAX];
    size_t bytes;
    int fail_with;   /* fh_down_new_fn: return this */
    size_t calls;
};

static int seen_entry(void *arg, uint64_t dseq, const uint8_t *env, size_t len)
{
    struct seen *s = arg;
    assert_true(s->n < SEEN_MAX);
    s->dseq[s->n++] = dseq;
    s->bytes += len;
    return 0;
}

/* ---- appending and handing out ---- */

static void test_down_append_numbers_entries_from_one(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    struct fh_txn *t;
    uint64_t d1 = 0, d2 = 0;
    assert_int_equal(fh_txn_begin(st, true, &t), 0);
    assert_int_equal(fh_down_append(t, COUNTY, (const uint8_t *)"a", 1, &d1), 0);
    assert_int_equal(fh_down_append(t, COUNTY, (const uint8_t *)"b", 1, &d2), 0);
    assert_int_equal(fh_txn_commit(t), 0);
    assert_int_equal(d1, 1);
    assert_int_equal(d2, 2);
    /* numbering goes on after a reopen */
    fh_store_close(st);
    st = open_store();
    assert_int_equal(fh_txn_begin(st, true, &t), 0);
    assert_int_equal(fh_down_append(t, COUNTY, (const uint8_t *)"c", 1, &d1), 0);
    assert_int_equal(fh_txn_commit(t), 0);
    assert_int_equal(d1, 3);
    struct seen s = {0};
    assert_int_equal(fh_down_each(st, seen_entry, &s), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.dseq[2], 3);
    fh_store_close(st);
}

static void test_down_append_refuses_oversized_scope_and_envelope(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    struct fh_txn *t;
    char scope[FH_PATH_MAX + 1];
    memset(scope, '1', sizeof scope - 1);
    scope[sizeof scope - 1] = '\0';
    assert_int_equal(fh_txn_begin(st, true, &t), 0);
    assert_int_equal(fh_down_append(t, scope, (const uint8_t *)"a", 1, NULL), FH_EINVAL);
    uint8_t *big = calloc(1, FH_MAX_ENVELOPE_BYTES + 1);
    assert_non_null(big);
    assert_int_equal(fh_down_append(t, COUNTY, big, FH_MAX_ENVELOPE_BYTES + 1, NULL),
                     FH_EINVAL);
    assert_int_equal(fh_down_append(t, COUNTY, big, FH_MAX_ENVELOPE_BYTES, NULL), 0);
    free(big);
    assert_int_equal(fh_txn_commit(t), 0);
    struct seen s = {0};
    assert_int_equal(fh_down_each(st, seen_entry, &s), 0);
    assert_int_equal(s.n, 1);
    fh_store_close(st);
}

static void test_down_for_child_sends_what_concerns_the_child_only(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    append_n(st, COUNTY, 1, 8);     /* 1: the child's county: the unit lies inside it */
    append_n(st, UNIT, 1, 8);       /* 2: the unit itself */
    append_n(st, COUNTY_B, 1, 8);   /* 3: a sibling county */
    append_n(st, UNIT_B, 1, 8);     /* 4: a sibling unit */
    append_n(st, HOST, 1, 8);       /* 5: a host of the unit: inside the child */
    append_n(st, PROVINCE, 1, 8);   /* 6: the whole province */
    struct seen s = {0};
    uint64_t next = 99;
    assert_int_equal(fh_down_for_child(st, UNIT, 0, seen_entry, &s, &next), 0);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.dseq[0], 1);
    assert_int_equal(s.dseq[1], 2);
    assert_int_equal(s.dseq[2], 5);
    assert_int_equal(s.dseq[3], 6);
    assert_int_equal(next, 6);
    /* a county collector gets what lies inside it too (the unit and the host) */
    memset(&s, 0, sizeof s);
    assert_int_equal(fh_down_for_child(st, COUNTY, 0, seen_entry, &s, &next), 0);
    assert_int_equal(s.n, 5);
    assert_int_equal(s.dseq[4], 6);
    /* the sibling county only its own and the province's */
    memset(&s, 0, sizeof s);
    assert_int_equal(fh_down_for_child(st, COUNTY_B, 0, seen_entry, &s, &next), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.dseq[0], 3);
    assert_int_equal(s.dseq[1], 6);
    fh_store_close(st);
}

static void test_down_for_child_moves_next_past_entries_not_for_it(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    append_n(st, COUNTY, 1, 8);
    append_n(st, COUNTY_B, 3, 8);   /* the child's cursor still moves over these */
    struct seen s = {0};
    uint64_t next = 0;
    assert_int_equal(fh_down_for_child(st, UNIT, 0, seen_entry, &s, &next), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(next, 4);
    memset(&s, 0, sizeof s);
    assert_int_equal(fh_down_for_child(st, UNIT, 1, seen_entry, &s, &next), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(next, 4);
    fh_store_close(st);
}

static void test_down_for_child_up_to_date_costs_nothing(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    struct seen s = {0};
    uint64_t next = 99;
    /* an empty log */
    assert_int_equal(fh_down_for_child(st, UNIT, 0, seen_entry, &s, &next), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(next, 0);
    append_n(st, COUNTY, 3, 8);
    assert_int_equal(fh_down_for_child(st, UNIT, 3, seen_entry, &s, &next), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(next, 3);
    /* a cursor beyond the log (a parent that lost its store) is answered as it is */
    assert_int_equal(fh_down_for_child(st, UNIT, 10, seen_entry, &s, &next), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(next, 10);
    fh_store_close(st);
}

static void test_down_for_child_sends_at_most_max_per_ack(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    append_n(st, COUNTY, FH_DOWN_MAX_PER_ACK + 4, 8);
    struct seen s = {0};
    uint64_t next = 0;
    assert_int_equal(fh_down_for_child(st, UNIT, 0, seen_entry, &s, &next), 0);
    assert_int_equal(s.n, FH_DOWN_MAX_PER_ACK);
    assert_int_equal(next, FH_DOWN_MAX_PER_ACK);   /* the last one sent */
    memset(&s, 0, sizeof s);
    assert_int_equal(fh_down_for_child(st, UNIT, next, seen_entry, &s, &next), 0);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.dseq[0], FH_DOWN_MAX_PER_ACK + 1);
    assert_int_equal(next, FH_DOWN_MAX_PER_ACK + 4);
    fh_store_close(st);
}

static void test_down_for_child_looks_at_most_max_scan_entries(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    append_n(st, COUNTY_B, FH_DOWN_MAX_SCAN + 10, 8);   /* none for the child */
    append_n(st, COUNTY, 1, 8);
    struct seen s = {0};
    uint64_t next = 0;
    assert_int_equal(fh_down_for_child(st, UNIT, 0, seen_entry, &s, &next), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(next, FH_DOWN_MAX_SCAN);   /* the last one looked at */
    assert_int_equal(fh_down_for_child(st, UNIT, next, seen_entry, &s, &next), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.dseq[0], FH_DOWN_MAX_SCAN + 11);
    assert_int_equal(next, FH_DOWN_MAX_SCAN + 11);
    fh_store_close(st);
}

static void test_down_for_child_keeps_an_ack_within_its_byte_bound(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    size_t len = FH_DOWN_MAX_BYTES_PER_ACK * 2 / 5;   /* two fit, the third does not */
    append_n(st, COUNTY, 3, len);
    struct seen s = {0};
    uint64_t next = 0;
    assert_int_equal(fh_down_for_child(st, UNIT, 0, seen_entry, &s, &next), 0);
    assert_int_equal(s.n, 2);
    assert_true(s.bytes <= FH_DOWN_MAX_BYTES_PER_ACK);
    assert_int_equal(next, 2);   /* the third comes with the next ack */
    memset(&s, 0, sizeof s);
    assert_int_equal(fh_down_for_child(st, UNIT, next, seen_entry, &s, &next), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(next, 3);
    fh_store_close(st);
}

static void test_down_cursor_is_zero_until_something_is_received(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    uint64_t cur = 99;
    assert_int_equal(fh_down_cursor(st, &cur), 0);
    assert_int_equal(cur, 0);
    assert_int_equal(fh_down_receive(st, UNIT, true, NULL, NULL, 0, 7, NULL, NULL, NULL), 0);
    assert_int_equal(fh_down_cursor(st, &cur), 0);
    assert_int_equal(cur, 7);
    fh_store_close(st);
    st = open_store();
    assert_int_equal(fh_down_cursor(st, &cur), 0);
    assert_int_equal(cur, 7);
    fh_store_close(st);
}

/* ---- receiving ---- */

static int count_new(void *arg, struct fh_txn *t, const Fh__Envelope *env,
                     const ProtobufCMessage *body)
{
    struct seen *s = arg;
    assert_int_equal(env->kind, FH__KIND__KIND_WARNING);
    assert_non_null(body);
    s->calls++;
    return s->fail_with;
}

static void test_down_receive_stores_relays_records_and_moves_cursor(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    uint8_t *env;
    size_t len;
    warning_env(CITY, 5, FH__WARNING_LEVEL__WARNING_LEVEL_YELLOW, COUNTY, &env, &len);
    const uint8_t *parts[] = {env};
    size_t lens[] = {len};
    struct seen s = {0};
    uint64_t refused = 0, cur = 0;
    assert_int_equal(fh_down_receive(st, COUNTY, true, parts, lens, 1, 12, count_new, &s,
                                     &refused), 0);
    assert_int_equal(refused, 0);
    assert_int_equal(s.calls, 1);
    assert_int_equal(fh_store_report_count(st), 1);
    assert_int_equal(fh_down_cursor(st, &cur), 0);
    assert_int_equal(cur, 12);
    Fh__Warning *w = fh_notice_warning(st, CITY "#5");
    assert_non_null(w);
    assert_string_equal(w->scope, COUNTY);
    fh__warning__free_unpacked(w, NULL);
    /* relayed into this node's own log, with its scope, bytes unchanged */
    struct seen d = {0};
    uint64_t next = 0;
    assert_int_equal(fh_down_for_child(st, UNIT, 0, seen_entry, &d, &next), 0);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.bytes, len);
    memset(&d, 0, sizeof d);
    assert_int_equal(fh_down_for_child(st, COUNTY_B, 0, seen_entry, &d, &next), 0);
    assert_int_equal(d.n, 0);
    free(env);
    fh_store_close(st);
}

static void test_down_receive_without_relay_does_not_append(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    uint8_t *env;
    size_t len;
    warning_env(COUNTY, 3, FH__WARNING_LEVEL__WARNING_LEVEL_BLUE, COUNTY, &env, &len);
    const uint8_t *parts[] = {env};
    size_t lens[] = {len};
    struct seen s = {0};
    assert_int_equal(fh_down_receive(st, HOST, false, parts, lens, 1, 1, count_new, &s, NULL),
                     0);
    assert_int_equal(s.calls, 1);
    assert_int_equal(fh_store_report_count(st), 1);
    struct seen d = {0};
    assert_int_equal(fh_down_each(st, seen_entry, &d), 0);
    assert_int_equal(d.n, 0);
    free(env);
    fh_store_close(st);
}

static void test_down_receive_does_not_apply_a_duplicate_twice(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    uint8_t *env;
    size_t len;
    warning_env(CITY, 5, FH__WARNING_LEVEL__WARNING_LEVEL_YELLOW, CITY, &env, &len);
    const uint8_t *parts[] = {env};
    size_t lens[] = {len};
    struct seen s = {0};
    uint64_t refused = 0, cur = 0;
    assert_int_equal(fh_down_receive(st, COUNTY, true, parts, lens, 1, 4, count_new, &s,
                                     &refused), 0);
    /* sent again (the cursor had not reached the parent yet) */
    assert_int_equal(fh_down_receive(st, COUNTY, true, parts, lens, 1, 6, count_new, &s,
                                     &refused), 0);
    assert_int_equal(s.calls, 1);
    assert_int_equal(refused, 0);
    assert_int_equal(fh_store_report_count(st), 1);
    struct seen d = {0};
    assert_int_equal(fh_down_each(st, seen_entry, &d), 0);
    assert_int_equal(d.n, 1);
    assert_int_equal(fh_down_cursor(st, &cur), 0);
    assert_int_equal(cur, 6);
    free(env);
    fh_store_close(st);
}

static void test_down_receive_counts_and_skips_refused_entries(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    uint8_t *env[6];
    size_t lens[7];
    const uint8_t *parts[7];
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0x01, 0x02};
    parts[0] = garbage;                               /* does not decode */
    lens[0] = sizeof garbage;
    detection_env(COUNTY, 1, &env[0], &lens[1]);      /* not a warning or advisory */
    warning_env(UNIT_B, 2, FH__WARNING_LEVEL__WARNING_LEVEL_BLUE, UNIT_B, &env[1],
                &lens[2]);                            /* a sibling is not an ancestor */
    warning_env(UNIT, 3, FH__WARNING_LEVEL__WARNING_LEVEL_BLUE, UNIT, &env[2],
                &lens[3]);                            /* nor is the node itself */
    warning_env(COUNTY, 4, FH__WARNING_LEVEL__WARNING_LEVEL_ORANGE, COUNTY, &env[3],
                &lens[4]);                            /* a county issues no orange */
    warning_env(COUNTY, 5, FH__WARNING_LEVEL__WARNING_LEVEL_YELLOW, COUNTY_B, &env[4],
                &lens[5]);                            /* scope outside the issuer */
    warning_env(COUNTY, 6, FH__WARNING_LEVEL__WARNING_LEVEL_YELLOW, UNIT, &env[5],
                &lens[6]);                            /* the good one */
    for (size_t i = 0; i < 6; i++)
        parts[i + 1] = env[i];
    struct seen s = {0};
    uint64_t refused = 1, cur = 0;   /* added to what was counted before */
    assert_int_equal(fh_down_receive(st, UNIT, true, parts, lens, 7, 7, count_new, &s,
                                     &refused), 0);
    assert_int_equal(refused, 1 + 6);
    assert_int_equal(s.calls, 1);
    assert_int_equal(fh_store_report_count(st), 1);
    Fh__Warning *w = fh_notice_warning(st, COUNTY "#6");
    assert_non_null(w);
    fh__warning__free_unpacked(w, NULL);
    assert_null(fh_notice_warning(st, COUNTY "#4"));
    struct seen d = {0};
    assert_int_equal(fh_down_each(st, seen_entry, &d), 0);
    assert_int_equal(d.n, 1);
    assert_int_equal(fh_down_cursor(st, &cur), 0);
    assert_int_equal(cur, 7);   /* refused ones never become valid: moved past */
    for (size_t i = 0; i < 6; i++)
        free(env[i]);
    fh_store_close(st);
}

/* An error from fn: nothing stored, nothing relayed, the cursor where it was; the
 * receipt fails with expect. */
static void receive_fails_with(int fail_with, int expect)
{
    struct fh_store *st = open_store();
    uint8_t *env[2];
    size_t lens[2];
    warning_env(CITY, 5, FH__WARNING_LEVEL__WARNING_LEVEL_YELLOW, CITY, &env[0], &lens[0]);
    warning_env(CITY, 6, FH__WARNING_LEVEL__WARNING_LEVEL_BLUE, CITY, &env[1], &lens[1]);
    const uint8_t *parts[] = {env[0], env[1]};
    assert_int_equal(fh_down_receive(st, COUNTY, true, NULL, NULL, 0, 3, NULL, NULL, NULL), 0);
    struct seen s = {.fail_with = fail_with};
    uint64_t refused = 0, cur = 0;
    assert_int_equal(fh_down_receive(st, COUNTY, true, parts, lens, 2, 9, count_new, &s,
                                     &refused), expect);
    assert_int_equal(refused, 0);
    assert_int_equal(fh_store_report_count(st), 0);
    assert_null(fh_notice_warning(st, CITY "#5"));
    struct seen d = {0};
    assert_int_equal(fh_down_each(st, seen_entry, &d), 0);
    assert_int_equal(d.n, 0);
    assert_int_equal(fh_down_cursor(st, &cur), 0);
    assert_int_equal(cur, 3);
    /* sent again and taken: the log numbering has no gap from the aborted appends */
    s.fail_with = 0;
    assert_int_equal(fh_down_receive(st, COUNTY, true, parts, lens, 2, 9, count_new, &s,
                                     &refused), 0);
    assert_int_equal(fh_store_report_count(st), 2);
    assert_int_equal(fh_down_each(st, seen_entry, &d), 0);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.dseq[0], 1);
    assert_int_equal(d.dseq[1], 2);
    uint64_t next = 0;
    memset(&d, 0, sizeof d);
    assert_int_equal(fh_down_for_child(st, UNIT, 0, seen_entry, &d, &next), 0);
    assert_int_equal(d.n, 2);
    assert_int_equal(next, 2);
    free(env[0]);
    free(env[1]);
    fh_store_close(st);
}

static void test_down_receive_error_from_fn_leaves_nothing(void **state)
{
    (void)state;
    receive_fails_with(FH_EIO, FH_EIO);
}

static void test_down_receive_einval_from_fn_is_an_error_not_a_refusal(void **state)
{
    (void)state;
    receive_fails_with(FH_EINVAL, FH_EAGAIN);   /* an FH_EINVAL of fn is not a refusal */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_down_append_numbers_entries_from_one, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_down_append_refuses_oversized_scope_and_envelope, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_down_for_child_sends_what_concerns_the_child_only, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_down_for_child_moves_next_past_entries_not_for_it, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_down_for_child_up_to_date_costs_nothing, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_down_for_child_sends_at_most_max_per_ack, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_down_for_child_looks_at_most_max_scan_entries, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_down_for_child_keeps_an_ack_within_its_byte_bound, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_down_cursor_is_zero_until_something_is_received, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_down_receive_stores_relays_records_and_moves_cursor, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_down_receive_without_relay_does_not_append, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_down_receive_does_not_apply_a_duplicate_twice, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_down_receive_counts_and_skips_refused_entries, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_down_receive_error_from_fn_leaves_nothing, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_down_receive_einval_from_fn_is_an_error_not_a_refusal, tmpdir_setup, tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
