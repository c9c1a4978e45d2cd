/* test_store.c - the store keeps what it is given, once, in order, across reopen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tmpdir.h"
#include "outbox.h"
#include "store.h"

#define ORIGIN "320000/320100/320102/3132000001/web01"


static struct fh_store *open_store(void)
{
    struct fh_store *st = NULL;
    assert_int_equal(fh_store_open(fh_test_dir, 16, 0, &st), 0);
    return st;
}

struct collected {
    size_t n;
    uint64_t keys[64];
    char bytes[64][16];
};

static void collect(const struct iovec *e, const uint64_t *keys, size_t n, void *arg)
{
    struct collected *c = arg;
    for (size_t i = 0; i < n; i++) {
        c->keys[c->n] = keys[i];
        snprintf(c->bytes[c->n], sizeof c->bytes[0], "%.*s", (int)e[i].iov_len,
                 (const char *)e[i].iov_base);
        c->n++;
    }
}

static int accept_one(struct fh_store *st, const char *origin, uint64_t seq, bool relay)
{
    struct fh_txn *t;
    assert_int_equal(fh_txn_begin(st, true, &t), 0);
    char body[32];
    snprintf(body, sizeof body, "r%llu", (unsigned long long)seq);
    struct fh_report_ref r = {.origin = origin, .seq = seq, .lane = FH_LANE_BULK,
                              .bytes = body, .len = strlen(body)};
    int rc = fh_store_accept(t, &r, relay);
    if (rc == 0)
        assert_int_equal(fh_txn_commit(t), 0);
    else
        fh_txn_abort(t);
    return rc;
}

static void test_store_outbox_keeps_own_reports_in_order(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    assert_int_equal(fh_store_next_seq(st), 1);
    assert_int_equal(fh_store_put_own(st, 1, "one", 3, FH_LANE_BULK), 0);
    assert_int_equal(fh_store_put_own(st, 2, "two", 3, FH_LANE_BULK), 0);
    assert_int_equal(fh_store_put_own(st, 3, "three", 5, FH_LANE_BULK), 0);
    assert_int_equal(fh_outbox_depth(st), 3);
    struct iovec e[8];
    uint64_t k[8];
    struct collected c = {0};
    assert_int_equal(fh_outbox_read(st, FH_LANE_BULK, 0, 8, 1 << 20, e, k, collect, &c), 3);
    assert_string_equal(c.bytes[0], "one");
    assert_string_equal(c.bytes[2], "three");
    assert_true(c.keys[0] < c.keys[1] && c.keys[1] < c.keys[2]);
    fh_store_close(st);
}

static void test_store_refuses_own_report_with_wrong_seq(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    assert_int_equal(fh_store_put_own(st, 2, "x", 1, FH_LANE_BULK), FH_EINVAL);
    assert_int_equal(fh_outbox_depth(st), 0);
    fh_store_close(st);
}

static void test_store_ack_deletes_and_refusal_moves_to_dead_letters(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    for (uint64_t s = 1; s <= 4; s++)
        assert_int_equal(fh_store_put_own(st, s, "abcd", 4, FH_LANE_BULK), 0);
    struct iovec e[8];
    uint64_t k[8];
    struct collected c = {0};
    assert_int_equal(fh_outbox_read(st, FH_LANE_BULK, 0, 8, 1 << 20, e, k, collect, &c), 4);
    uint64_t acked[] = {c.keys[0], c.keys[1]}, refused[] = {c.keys[2]};
    assert_int_equal(fh_outbox_settle(st, acked, 2, refused, 1, 42), 0);
    assert_int_equal(fh_outbox_depth(st), 1);
    assert_int_equal(fh_outbox_dead_count(st), 1);
    assert_int_equal(fh_store_parent_ack_us(st), 42);
    /* settling keys that are already gone is harmless */
    assert_int_equal(fh_outbox_settle(st, acked, 2, refused, 1, 43), 0);
    assert_int_equal(fh_outbox_depth(st), 1);
    assert_int_equal(fh_outbox_dead_count(st), 1);
    fh_store_close(st);
}

static void test_store_outbox_read_respects_count_and_bytes(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    for (uint64_t s = 1; s <= 10; s++)
        assert_int_equal(fh_store_put_own(st, s, "0123456789", 10, FH_LANE_BULK), 0);
    struct iovec e[16];
    uint64_t k[16];
    struct collected c = {0};
    assert_int_equal(fh_outbox_read(st, FH_LANE_BULK, 0, 4, 1 << 20, e, k, collect, &c), 4);
    c.n = 0;
    assert_int_equal(fh_outbox_read(st, FH_LANE_BULK, 0, 16, 35, e, k, collect, &c), 3);
    c.n = 0;
    /* the first entry always goes, whatever its size */
    assert_int_equal(fh_outbox_read(st, FH_LANE_BULK, 0, 16, 1, e, k, collect, &c), 1);
    fh_store_close(st);
}

static void test_store_accept_dedups_on_origin_and_seq(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    assert_int_equal(accept_one(st, ORIGIN, 1, true), 0);
    assert_int_equal(accept_one(st, ORIGIN, 1, true), FH_EDUP);
    assert_int_equal(accept_one(st, ORIGIN, 2, true), 0);
    assert_int_equal(accept_one(st, ORIGIN, 1, true), FH_EDUP);
    assert_int_equal(fh_store_report_count(st), 2);
    assert_int_equal(fh_outbox_depth(st), 2);
    fh_store_close(st);
}

static void test_store_accept_takes_reports_out_of_order_once(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    assert_int_equal(accept_one(st, ORIGIN, 3, false), 0);   /* overtook 1 and 2 */
    assert_int_equal(accept_one(st, ORIGIN, 1, false), 0);
    assert_int_equal(accept_one(st, ORIGIN, 3, false), FH_EDUP);
    assert_int_equal(accept_one(st, ORIGIN, 2, false), 0);    /* closes the gap */
    assert_int_equal(accept_one(st, ORIGIN, 2, false), FH_EDUP);
    assert_int_equal(accept_one(st, ORIGIN, 1, false), FH_EDUP);
    assert_int_equal(accept_one(st, ORIGIN, 5, false), 0);    /* 4 was coalesced away */
    assert_int_equal(accept_one(st, ORIGIN, 5, false), FH_EDUP);
    assert_int_equal(fh_store_report_count(st), 4);
    assert_int_equal(fh_outbox_depth(st), 0);  /* relay off: no relay duty */
    fh_store_close(st);
}

static void test_store_accept_tracks_origins_separately(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    assert_int_equal(accept_one(st, ORIGIN, 1, false), 0);
    assert_int_equal(accept_one(st, "320000/320100/320102/3132000002/web01", 1, false), 0);
    assert_int_equal(accept_one(st, "320000/320100/320102/3132000001/web0", 1, false), 0);
    assert_int_equal(fh_store_report_count(st), 3);
    fh_store_close(st);
}

struct seen {
    size_t n;
    char origin[8][64];
    uint64_t seq[8];
};

static int see(const char *origin, uint64_t seq, const void *b, size_t len, void *arg)
{
    struct seen *s = arg;
    (void)b;
    (void)len;
    snprintf(s->origin[s->n], sizeof s->origin[0], "%s", origin);
    s->seq[s->n++] = seq;
    return 0;
}

static void test_store_reopen_keeps_everything(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    assert_int_equal(accept_one(st, ORIGIN, 1, true), 0);
    assert_int_equal(accept_one(st, ORIGIN, 2, true), 0);
    assert_int_equal(fh_store_put_own(st, 1, "own", 3, FH_LANE_BULK), 0);
    uint64_t ctr[FH_CTR_COUNT] = {0};
    ctr[FH_CTR_REFUSED_SCOPE] = 7;
    assert_int_equal(fh_store_flush_state(st, ctr, 0), 0);
    assert_int_equal(fh_store_meta_set(st, "path", "320000"), 0);
    fh_store_close(st);

    st = open_store();
    assert_int_equal(fh_store_report_count(st), 2);
    assert_int_equal(fh_outbox_depth(st), 3);
    assert_int_equal(fh_store_next_seq(st), 2);
    assert_int_equal(accept_one(st, ORIGIN, 2, true), FH_EDUP);
    assert_int_equal(accept_one(st, ORIGIN, 3, true), 0);
    uint64_t back[FH_CTR_COUNT];
    assert_int_equal(fh_store_load_counters(st, back), 0);
    assert_int_equal(back[FH_CTR_REFUSED_SCOPE], 7);
    char path[32];
    assert_int_equal(fh_store_meta_get(st, "path", path, sizeof path), 0);
    assert_string_equal(path, "320000");
    struct seen s = {0};
    assert_int_equal(fh_store_each_report(st, see, &s), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.origin[0], ORIGIN);
    assert_int_equal(s.seq[0], 1);
    assert_int_equal(s.seq[2], 3);
    /* appends after reopen sort after what was there */
    struct iovec e[8];
    uint64_t k[8];
    struct collected c = {0};
    assert_int_equal(fh_outbox_read(st, FH_LANE_BULK, 0, 8, 1 << 20, e, k, collect, &c), 4);
    assert_string_equal(c.bytes[3], "r3");
    fh_store_close(st);
}

static void test_store_latest_state_never_goes_back(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    struct fh_txn *t;
    assert_int_equal(fh_txn_begin(st, true, &t), 0);
    uint64_t order[] = {2, 3, 1};   /* 3 is the newest, 1 arrives last */
    for (int i = 0; i < 3; i++) {
        char b[8];
        snprintf(b, sizeof b, "h%llu", (unsigned long long)order[i]);
        struct fh_report_ref r = {.origin = ORIGIN, .seq = order[i], .kind = 2,
                                  .keep_latest = true, .bytes = b, .len = strlen(b)};
        assert_int_equal(fh_store_accept(t, &r, false), 0);
    }
    assert_int_equal(fh_txn_commit(t), 0);
    struct seen s = {0};
    assert_int_equal(fh_store_each_latest(st, 2, see, &s), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.seq[0], 3);
    s.n = 0;
    assert_int_equal(fh_store_each_latest(st, 5, see, &s), 0);
    assert_int_equal(s.n, 0);
    fh_store_close(st);
}

static void test_outbox_urgent_lane_is_read_apart_from_bulk(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    assert_int_equal(fh_store_put_own(st, 1, "h1", 2, FH_LANE_BULK), 0);
    assert_int_equal(fh_store_put_own(st, 2, "d2", 2, FH_LANE_URGENT), 0);
    assert_int_equal(fh_store_put_own(st, 3, "h3", 2, FH_LANE_BULK), 0);
    struct iovec e[8];
    uint64_t k[8];
    struct collected c = {0};
    assert_int_equal(fh_outbox_read(st, FH_LANE_URGENT, 0, 8, 1 << 20, e, k, collect, &c), 1);
    assert_string_equal(c.bytes[0], "d2");
    c.n = 0;
    assert_int_equal(fh_outbox_read(st, FH_LANE_BULK, 0, 8, 1 << 20, e, k, collect, &c), 2);
    assert_string_equal(c.bytes[0], "h1");
    assert_string_equal(c.bytes[1], "h3");
    fh_store_close(st);
    st = open_store();  /* lanes keep their next keys across reopen */
    assert_int_equal(fh_store_put_own(st, 4, "d4", 2, FH_LANE_URGENT), 0);
    c.n = 0;
    assert_int_equal(fh_outbox_read(st, FH_LANE_URGENT, 0, 8, 1 << 20, e, k, collect, &c), 2);
    assert_string_equal(c.bytes[1], "d4");
    fh_store_close(st);
}

/* Test series: entries "sX..." belong to series X; "d..." are never coalesced. */
static int test_series(const void *bytes, size_t len, uint64_t *series, void *arg)
{
    (void)arg;
    const char *b = bytes;
    if (len < 2 || b[0] != 's')
        return 0;
    *series = (uint64_t)(unsigned char)b[1];
    return 1;
}

static void test_outbox_coalesce_keeps_latest_per_series_and_never_others(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    const char *items[] = {"sA1", "sB1", "dX1", "sA2", "sA3", "dX2", "sB2"};
    for (uint64_t i = 0; i < 7; i++)
        assert_int_equal(fh_store_put_own(st, i + 1, items[i], 3, FH_LANE_BULK), 0);
    assert_int_equal(fh_store_put_own(st, 8, "sA9", 3, FH_LANE_URGENT), 0);
    uint64_t dropped = 0;
    assert_int_equal(fh_outbox_coalesce(st, test_series, NULL, &dropped), 0);
    assert_int_equal(dropped, 3);   /* sA1, sA2, sB1 */
    struct iovec e[16];
    uint64_t k[16];
    struct collected c = {0};
    assert_int_equal(fh_outbox_read(st, FH_LANE_BULK, 0, 16, 1 << 20, e, k, collect, &c), 4);
    assert_string_equal(c.bytes[0], "dX1");
    assert_string_equal(c.bytes[1], "sA3");
    assert_string_equal(c.bytes[2], "dX2");
    assert_string_equal(c.bytes[3], "sB2");
    assert_int_equal(fh_outbox_depth(st), 5);  /* the urgent lane is never touched */
    fh_store_close(st);
}

static void test_store_grows_a_full_map(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    static char big[64 * 1024];
    memset(big, 'x', sizeof big);
    int rc = 0;
    uint64_t s;
    for (s = 1; s <= 1000 && rc == 0; s++)
        rc = fh_store_put_own(st, s, big, sizeof big, FH_LANE_BULK);
    assert_int_equal(rc, FH_EFULL);
    uint64_t used, size;
    fh_store_map_use(st, &used, &size);
    fh_store_set_map_max(st, 24);
    assert_int_equal(fh_store_grow(st), 0);
    uint64_t size2;
    fh_store_map_use(st, &used, &size2);
    assert_int_equal(size2, 24u << 20);
    assert_int_equal(fh_store_put_own(st, s - 1, big, sizeof big, FH_LANE_BULK), 0);
    fh_store_set_map_max(st, 24);
    for (rc = 0; rc == 0;)
        rc = fh_store_put_own(st, fh_store_next_seq(st), big, sizeof big, FH_LANE_BULK);
    assert_int_equal(rc, FH_EFULL);
    assert_int_equal(fh_store_grow(st), FH_EFULL);   /* at its limit */
    fh_store_close(st);
}

static int child_count(const char *path, const struct fh_child *c, void *arg)
{
    (void)path;
    *(uint64_t *)arg += c->reports;
    return 0;
}

static void test_store_child_seen_adds_reports_and_keeps_first_seen(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    for (int i = 0; i < 2; i++) {
        struct fh_txn *t;
        assert_int_equal(fh_txn_begin(st, true, &t), 0);
        struct fh_child c = {.first_seen_us = 100u + (uint64_t)i, .last_seen_us = 200,
                             .reports = 5};
        assert_int_equal(fh_store_child_seen(t, "320000/320100", &c), 0);
        assert_int_equal(fh_txn_commit(t), 0);
    }
    uint64_t total = 0;
    assert_int_equal(fh_store_each_child(st, child_count, &total), 0);
    assert_int_equal(total, 10);
    fh_store_close(st);
}

static void test_store_full_map_reports_efull_and_keeps_data(void **state)
{
    (void)state;
    struct fh_store *st = NULL;
    assert_int_equal(fh_store_open(fh_test_dir, 16, 0, &st), 0);
    static char big[64 * 1024];
    memset(big, 'x', sizeof big);
    int rc = 0;
    uint64_t s;
    for (s = 1; s <= 1000 && rc == 0; s++)
        rc = fh_store_put_own(st, s, big, sizeof big, FH_LANE_BULK);
    assert_int_equal(rc, FH_EFULL);
    uint64_t kept = fh_outbox_depth(st);
    assert_true(kept > 10);
    assert_int_equal(fh_store_next_seq(st), kept + 1);
    fh_store_close(st);
    st = open_store();
    assert_int_equal(fh_outbox_depth(st), kept);
    fh_store_close(st);
}

static void test_store_readonly_open_of_missing_store_fails_cleanly(void **state)
{
    (void)state;
    struct fh_store *st = NULL;
    char missing[128];
    snprintf(missing, sizeof missing, "%s/none", fh_test_dir);
    assert_int_not_equal(fh_store_open(missing, 0, FH_STORE_READONLY, &st), 0);
    assert_null(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_outbox_keeps_own_reports_in_order, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_refuses_own_report_with_wrong_seq, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_ack_deletes_and_refusal_moves_to_dead_letters, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_outbox_read_respects_count_and_bytes, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_accept_dedups_on_origin_and_seq, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_accept_takes_reports_out_of_order_once, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_accept_tracks_origins_separately, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_reopen_keeps_everything, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_latest_state_never_goes_back, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_outbox_urgent_lane_is_read_apart_from_bulk, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_outbox_coalesce_keeps_latest_per_series_and_never_others, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_grows_a_full_map, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_child_seen_adds_reports_and_keeps_first_seen, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_full_map_reports_efull_and_keeps_data, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_readonly_open_of_missing_store_fails_cleanly, tmpdir_setup, tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
