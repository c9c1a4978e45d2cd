/* test_kv.c - the state records of store.h (common/kv.c): put, get, delete, the prefix
 * walk inside a write transaction and in a read transaction of its own, keys holding
 * NULs, and fh_kv_key's bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store.h"
#include "tmpdir.h"

#define WALK_MAX 16

static struct fh_store *open_store(void)
{
    struct fh_store *st = NULL;
    assert_int_equal(fh_store_open(fh_test_dir, 16, 0, &st), 0);
    return st;
}

/* Put key -> val (both NUL-free C strings) in a transaction of its own. */
static void put_str(struct fh_store *st, const char *key, const char *val)
{
    struct fh_txn *t;
    assert_int_equal(fh_txn_begin(st, true, &t), 0);
    assert_int_equal(fh_kv_put(t, key, strlen(key), val, strlen(val)), 0);
    assert_int_equal(fh_txn_commit(t), 0);
}

struct walk {
    size_t n;
    size_t stop_after;   /* 0: never stop */
    char key[WALK_MAX][64];
    size_t klen[WALK_MAX];
    char val[WALK_MAX][32];
};

static int record(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    struct walk *w = arg;
    assert_true(w->n < WALK_MAX && klen <= sizeof w->key[0] && vlen < sizeof w->val[0]);
    memcpy(w->key[w->n], key, klen);
    w->klen[w->n] = klen;
    memcpy(w->val[w->n], val, vlen);
    w->val[w->n][vlen] = '\0';
    w->n++;
    return w->stop_after && w->n == w->stop_after ? 42 : 0;
}

static void test_kv_put_get_replace_and_delete(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    struct fh_txn *t;
    const void *val;
    size_t vlen;
    put_str(st, "k1", "one");
    assert_int_equal(fh_txn_begin(st, false, &t), 0);
    assert_int_equal(fh_kv_get(t, "k1", 2, &val, &vlen), 0);
    assert_int_equal(vlen, 3);
    assert_memory_equal(val, "one", 3);
    assert_int_equal(fh_kv_get(t, "k2", 2, &val, &vlen), FH_ENOTFOUND);
    fh_txn_abort(t);

    put_str(st, "k1", "uno!");   /* a put replaces */
    assert_int_equal(fh_txn_begin(st, true, &t), 0);
    assert_int_equal(fh_kv_get(t, "k1", 2, &val, &vlen), 0);
    assert_int_equal(vlen, 4);
    assert_memory_equal(val, "uno!", 4);
    assert_int_equal(fh_kv_del(t, "k1", 2), 0);
    assert_int_equal(fh_kv_get(t, "k1", 2, &val, &vlen), FH_ENOTFOUND);
    assert_int_equal(fh_kv_del(t, "k1", 2), 0);   /* deleting what is gone is not an error */
    assert_int_equal(fh_txn_commit(t), 0);

    assert_int_equal(fh_txn_begin(st, false, &t), 0);
    assert_int_equal(fh_kv_get(t, "k1", 2, &val, &vlen), FH_ENOTFOUND);
    fh_txn_abort(t);
    fh_store_close(st);
}

static void test_kv_aborted_write_leaves_nothing(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    struct fh_txn *t;
    const void *val;
    size_t vlen;
    assert_int_equal(fh_txn_begin(st, true, &t), 0);
    assert_int_equal(fh_kv_put(t, "gone", 4, "x", 1), 0);
    fh_txn_abort(t);
    assert_int_equal(fh_txn_begin(st, false, &t), 0);
    assert_int_equal(fh_kv_get(t, "gone", 4, &val, &vlen), FH_ENOTFOUND);
    fh_txn_abort(t);
    fh_store_close(st);
}

static void test_kv_records_survive_reopen(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    put_str(st, "durable", "yes");
    fh_store_close(st);
    st = open_store();
    struct fh_txn *t;
    const void *val;
    size_t vlen;
    assert_int_equal(fh_txn_begin(st, false, &t), 0);
    assert_int_equal(fh_kv_get(t, "durable", 7, &val, &vlen), 0);
    assert_memory_equal(val, "yes", 3);
    fh_txn_abort(t);
    fh_store_close(st);
}

static void test_kv_each_walks_only_the_prefix_in_key_order(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    put_str(st, "b2", "B2");
    put_str(st, "a", "A");
    put_str(st, "b1", "B1");
    put_str(st, "b", "B");
    put_str(st, "c", "C");
    put_str(st, "ab", "AB");
    struct walk w = {0};
    assert_int_equal(fh_kv_each(st, NULL, "b", 1, record, &w), 0);
    assert_int_equal(w.n, 3);
    assert_string_equal(w.val[0], "B");
    assert_string_equal(w.val[1], "B1");
    assert_string_equal(w.val[2], "B2");
    /* an empty prefix walks everything */
    memset(&w, 0, sizeof w);
    assert_int_equal(fh_kv_each(st, NULL, "", 0, record, &w), 0);
    assert_int_equal(w.n, 6);
    assert_string_equal(w.val[0], "A");
    assert_string_equal(w.val[5], "C");
    /* a prefix nothing has: fn never called */
    memset(&w, 0, sizeof w);
    assert_int_equal(fh_kv_each(st, NULL, "zz", 2, record, &w), 0);
    assert_int_equal(w.n, 0);
    fh_store_close(st);
}

static void test_kv_each_in_write_txn_sees_its_uncommitted_puts(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    put_str(st, "p1", "committed");
    struct fh_txn *t;
    assert_int_equal(fh_txn_begin(st, true, &t), 0);
    assert_int_equal(fh_kv_put(t, "p2", 2, "pending", 7), 0);
    assert_int_equal(fh_kv_del(t, "p1", 2), 0);
    struct walk w = {0};
    assert_int_equal(fh_kv_each(st, t, "p", 1, record, &w), 0);
    assert_int_equal(w.n, 1);
    assert_string_equal(w.val[0], "pending");
    /* st may be NULL when t is given */
    memset(&w, 0, sizeof w);
    assert_int_equal(fh_kv_each(NULL, t, "p", 1, record, &w), 0);
    assert_int_equal(w.n, 1);
    /* the transaction is still usable after the walk */
    assert_int_equal(fh_kv_put(t, "p3", 2, "more", 4), 0);
    assert_int_equal(fh_txn_commit(t), 0);
    memset(&w, 0, sizeof w);
    assert_int_equal(fh_kv_each(st, NULL, "p", 1, record, &w), 0);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.val[0], "pending");
    assert_string_equal(w.val[1], "more");
    fh_store_close(st);
}

static void test_kv_each_stops_and_returns_what_fn_returned(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    put_str(st, "s1", "1");
    put_str(st, "s2", "2");
    put_str(st, "s3", "3");
    struct walk w = {.stop_after = 2};
    assert_int_equal(fh_kv_each(st, NULL, "s", 1, record, &w), 42);
    assert_int_equal(w.n, 2);
    /* the same within a write transaction, which stays usable */
    struct fh_txn *t;
    assert_int_equal(fh_txn_begin(st, true, &t), 0);
    memset(&w, 0, sizeof w);
    w.stop_after = 1;
    assert_int_equal(fh_kv_each(st, t, "s", 1, record, &w), 42);
    assert_int_equal(w.n, 1);
    assert_int_equal(fh_kv_put(t, "s4", 2, "4", 1), 0);
    assert_int_equal(fh_txn_commit(t), 0);
    fh_store_close(st);
}

static void test_kv_keys_with_embedded_nuls_are_distinct_and_walk_by_part(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    char k[64];
    size_t klen;
    struct fh_txn *t;
    assert_int_equal(fh_txn_begin(st, true, &t), 0);
    const char *x1[] = {"x#1", "hostA"}, *x10[] = {"x#10", "hostB"}, *x1b[] = {"x#1", "hostC"};
    klen = fh_kv_key(k, sizeof k, 'a', x1, 2);
    assert_int_equal(fh_kv_put(t, k, klen, "1A", 2), 0);
    klen = fh_kv_key(k, sizeof k, 'a', x10, 2);
    assert_int_equal(fh_kv_put(t, k, klen, "10B", 3), 0);
    klen = fh_kv_key(k, sizeof k, 'a', x1b, 2);
    assert_int_equal(fh_kv_put(t, k, klen, "1C", 2), 0);
    /* "a\0x#1" alone is another key, not the same as a NUL-terminated "a" */
    const char *only[] = {"x#1"};
    klen = fh_kv_key(k, sizeof k, 'a', only, 1);
    assert_int_equal(klen, 5);
    assert_int_equal(fh_kv_put(t, k, klen, "bare", 4), 0);
    assert_int_equal(fh_txn_commit(t), 0);

    /* the prefix "a\0x#1\0" takes the id whole: not x#10's records, not the bare key */
    k[klen++] = '\0';
    struct walk w = {0};
    assert_int_equal(fh_kv_each(st, NULL, k, klen, record, &w), 0);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.val[0], "1A");
    assert_string_equal(w.val[1], "1C");
    assert_int_equal(w.klen[0], 1 + 1 + 3 + 1 + 5);
    assert_memory_equal(w.key[0], "a\0x#1\0hostA", w.klen[0]);
    /* without the final NUL the walk also finds x#10 and the bare key */
    memset(&w, 0, sizeof w);
    assert_int_equal(fh_kv_each(st, NULL, k, klen - 1, record, &w), 0);
    assert_int_equal(w.n, 4);

    const void *val;
    size_t vlen;
    assert_int_equal(fh_txn_begin(st, false, &t), 0);
    assert_int_equal(fh_kv_get(t, "a\0x#10\0hostB", 12, &val, &vlen), 0);
    assert_memory_equal(val, "10B", 3);
    assert_int_equal(fh_kv_get(t, "a\0x#10", 6, &val, &vlen), FH_ENOTFOUND);
    fh_txn_abort(t);
    fh_store_close(st);
}

static void test_kv_key_builds_tag_then_nul_separated_parts(void **state)
{
    (void)state;
    char k[32];
    const char *parts[] = {"id", "", "z"};
    assert_int_equal(fh_kv_key(k, sizeof k, 'w', parts, 3), 1 + 3 + 1 + 2);
    assert_memory_equal(k, "w\0id\0\0z", 7);
    assert_int_equal(fh_kv_key(k, sizeof k, 'N', NULL, 0), 1);
    assert_int_equal(k[0], 'N');
}

static void test_kv_key_returns_zero_when_it_does_not_fit(void **state)
{
    (void)state;
    char k[8];
    const char *parts[] = {"abc", "de"};   /* "t\0abc\0de": 8 bytes exactly */
    memset(k, '#', sizeof k);
    assert_int_equal(fh_kv_key(k, 8, 't', parts, 2), 8);
    assert_memory_equal(k, "t\0abc\0de", 8);
    assert_int_equal(fh_kv_key(k, 7, 't', parts, 2), 0);   /* one byte short */
    assert_int_equal(fh_kv_key(k, 5, 't', parts, 1), 5);
    assert_int_equal(fh_kv_key(k, 4, 't', parts, 1), 0);
    assert_int_equal(fh_kv_key(k, 1, 't', parts, 0), 1);
    assert_int_equal(fh_kv_key(k, 1, 't', parts, 1), 0);
    assert_int_equal(fh_kv_key(k, 0, 't', parts, 0), 0);
    /* a long part never writes past cap */
    char buf[16];
    memset(buf, '#', sizeof buf);
    const char *longer[] = {"0123456789"};
    assert_int_equal(fh_kv_key(buf, 6, 't', longer, 1), 0);
    assert_memory_equal(buf + 6, "##########", 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kv_put_get_replace_and_delete, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_kv_aborted_write_leaves_nothing, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_kv_records_survive_reopen, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_kv_each_walks_only_the_prefix_in_key_order, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_kv_each_in_write_txn_sees_its_uncommitted_puts, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_kv_each_stops_and_returns_what_fn_returned, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_kv_keys_with_embedded_nuls_are_distinct_and_walk_by_part, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test(test_kv_key_builds_tag_then_nul_separated_parts),
        cmocka_unit_test(test_kv_key_returns_zero_when_it_does_not_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
