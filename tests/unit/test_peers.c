/* test_peers.c - enrolment tokens (common/token.c), key files (common/keys.c) and the
 * peers and tokens databases (common/peers.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "err.h"
#include "fenghuo.pb-c.h"
#include "keys.h"
#include "peers.h"
#include "store.h"
#include "tmpdir.h"
#include "token.h"

#define ROUNDS 200
#define SCOPE "320000/320100/320102/3132000001"

static void sample_token(struct fh_token *t)
{
    char sec[41];
    memset(t, 0, sizeof *t);
    t->role = FH__ROLE__ROLE_AGENT;
    assert_int_equal(zmq_curve_keypair(t->server_key, sec), 0);
    snprintf(t->endpoint, sizeof t->endpoint, "tcp://county.example.cn:7103");
    snprintf(t->path, sizeof t->path, "%s", SCOPE);
    assert_int_equal(fh_token_new_secret(t), 0);
}

static void test_token_round_trips_for_random_secrets_and_keys(void **state)
{
    (void)state;
    for (int i = 0; i < ROUNDS; i++) {
        struct fh_token t, u;
        char text[FH_TOKEN_TEXT_MAX];
        sample_token(&t);
        t.role = i % 2 ? FH__ROLE__ROLE_AGENT : FH__ROLE__ROLE_COLLECTOR;
        /* endpoints of every length mod 3 exercise every base64 tail */
        snprintf(t.endpoint, sizeof t.endpoint, "tcp://h%.*s:7103", i % 7, "abcdefg");
        assert_int_equal(fh_token_encode(&t, text, sizeof text), 0);
        assert_int_equal(strncmp(text, FH_TOKEN_PREFIX, 4), 0);
        assert_int_equal(fh_token_decode(text, &u), 0);
        assert_int_equal(u.role, t.role);
        assert_string_equal(u.server_key, t.server_key);
        assert_memory_equal(u.secret, t.secret, FH_TOKEN_SECRET_LEN);
        assert_string_equal(u.endpoint, t.endpoint);
        assert_string_equal(u.path, t.path);
    }
}

static void test_token_decode_ignores_surrounding_blanks(void **state)
{
    (void)state;
    struct fh_token t, u;
    char text[FH_TOKEN_TEXT_MAX], padded[FH_TOKEN_TEXT_MAX + 8];
    sample_token(&t);
    assert_int_equal(fh_token_encode(&t, text, sizeof text), 0);
    snprintf(padded, sizeof padded, "  %s\n", text);
    assert_int_equal(fh_token_decode(padded, &u), 0);
}

static void test_token_decode_refuses_every_truncation_and_extension(void **state)
{
    (void)state;
    struct fh_token t, u;
    char text[FH_TOKEN_TEXT_MAX], cut[FH_TOKEN_TEXT_MAX + 4];
    sample_token(&t);
    assert_int_equal(fh_token_encode(&t, text, sizeof text), 0);
    size_t n = strlen(text);
    for (size_t len = 0; len < n; len++) {
        snprintf(cut, sizeof cut, "%.*s", (int)len, text);
        assert_int_not_equal(fh_token_decode(cut, &u), 0);
    }
    snprintf(cut, sizeof cut, "%sAAAA", text);
    assert_int_equal(fh_token_decode(cut, &u), FH_EMALFORMED);
}

static void test_token_decode_refuses_garbage_and_wrong_prefix(void **state)
{
    (void)state;
    struct fh_token t, u;
    char text[FH_TOKEN_TEXT_MAX], big[FH_TOKEN_TEXT_MAX + 16];
    sample_token(&t);
    assert_int_equal(fh_token_encode(&t, text, sizeof text), 0);
    text[10] = '+';   /* not base64url */
    assert_int_equal(fh_token_decode(text, &u), FH_EMALFORMED);
    assert_int_equal(fh_token_decode("fh2_AAAA", &u), FH_EMALFORMED);
    assert_int_equal(fh_token_decode("", &u), FH_EMALFORMED);
    memset(big, 'A', sizeof big - 1);
    memcpy(big, FH_TOKEN_PREFIX, 4);
    big[sizeof big - 1] = 0;
    assert_int_equal(fh_token_decode(big, &u), FH_EMALFORMED);
}

static void test_token_encode_refuses_invalid_fields(void **state)
{
    (void)state;
    struct fh_token t;
    char text[FH_TOKEN_TEXT_MAX];
    sample_token(&t);
    snprintf(t.path, sizeof t.path, "not/a/path");
    assert_int_equal(fh_token_encode(&t, text, sizeof text), FH_EINVAL);
    sample_token(&t);
    snprintf(t.endpoint, sizeof t.endpoint, "ipc:///tmp/x");
    assert_int_equal(fh_token_encode(&t, text, sizeof text), FH_EINVAL);
    sample_token(&t);
    t.role = 7;
    assert_int_equal(fh_token_encode(&t, text, sizeof text), FH_EINVAL);
}

static void test_duration_parse_units_and_bounds(void **state)
{
    (void)state;
    uint64_t s;
    assert_int_equal(fh_duration_parse("24h", &s), 0);
    assert_int_equal(s, 86400);
    assert_int_equal(fh_duration_parse("90s", &s), 0);
    assert_int_equal(s, 90);
    assert_int_equal(fh_duration_parse("30m", &s), 0);
    assert_int_equal(s, 1800);
    assert_int_equal(fh_duration_parse("30d", &s), 0);   /* the maximum */
    assert_int_equal(fh_duration_parse("31d", &s), FH_EINVAL);
    assert_int_equal(fh_duration_parse("0h", &s), FH_EINVAL);
    assert_int_equal(fh_duration_parse("5", &s), 0);
    assert_int_equal(fh_duration_parse("h", &s), FH_EINVAL);
    assert_int_equal(fh_duration_parse("5hh", &s), FH_EINVAL);
    assert_int_equal(fh_duration_parse("99999999999999999999d", &s), FH_EINVAL);
}

static void key_dir(char *out, size_t len)
{
    snprintf(out, len, "%s/keys", fh_test_dir);
}

static void test_keys_are_made_0600_and_load(void **state)
{
    (void)state;
    char dir[128], file[256], err[600];
    struct fh_keys k;
    struct stat sb;
    key_dir(dir, sizeof dir);
    assert_int_equal(fh_keys_generate(dir, false, err, sizeof err), 0);
    snprintf(file, sizeof file, "%s/%s", dir, FH_KEY_CURVE_SECRET);
    assert_int_equal(stat(file, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    snprintf(file, sizeof file, "%s/%s", dir, FH_KEY_SIGN_SECRET);
    assert_int_equal(stat(file, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(fh_keys_load(dir, &k, err, sizeof err), 0);
    assert_true(fh_keys_z85_valid(k.curve_public));
    fh_keys_wipe(&k);
    /* no silent replacement of existing keys */
    assert_int_equal(fh_keys_generate(dir, false, err, sizeof err), FH_EDUP);
}

static void test_keys_readable_by_group_are_refused(void **state)
{
    (void)state;
    char dir[128], file[256], err[600];
    struct fh_keys k;
    key_dir(dir, sizeof dir);
    assert_int_equal(fh_keys_generate(dir, false, err, sizeof err), 0);
    snprintf(file, sizeof file, "%s/%s", dir, FH_KEY_CURVE_SECRET);
    chmod(file, 0640);
    assert_int_equal(fh_keys_load(dir, &k, err, sizeof err), FH_ECONFIG);
    assert_non_null(strstr(err, "group or others"));
    chmod(file, 0600);
    snprintf(file, sizeof file, "%s/%s", dir, FH_KEY_SIGN_SECRET);
    chmod(file, 0604);
    assert_int_equal(fh_keys_load(dir, &k, err, sizeof err), FH_ECONFIG);
    chmod(file, 0600);
    assert_int_equal(fh_keys_load(dir, &k, err, sizeof err), 0);
}

static void test_keys_missing_or_mismatched_are_refused(void **state)
{
    (void)state;
    char dir[128], file[256], err[600], pub[41], sec[41];
    struct fh_keys k;
    key_dir(dir, sizeof dir);
    assert_int_equal(fh_keys_load(dir, &k, err, sizeof err), FH_ENOTFOUND);
    assert_int_equal(fh_keys_generate(dir, false, err, sizeof err), 0);
    assert_int_equal(zmq_curve_keypair(pub, sec), 0);
    assert_int_equal(fh_keys_write_public(dir, FH_KEY_CURVE_PUBLIC, pub), 0);
    assert_int_equal(fh_keys_load(dir, &k, err, sizeof err), FH_EMALFORMED);
    snprintf(file, sizeof file, "%s/%s", dir, FH_KEY_SIGN_SECRET);
    FILE *f = fopen(file, "w");
    fputs("-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n", f);
    fclose(f);
    assert_int_equal(fh_keys_generate(dir, true, err, sizeof err), 0);
    assert_int_equal(fh_keys_load(dir, &k, err, sizeof err), 0);
}

static struct fh_store *open_store(void)
{
    char dir[128];
    struct fh_store *st;
    snprintf(dir, sizeof dir, "%s/store", fh_test_dir);
    assert_int_equal(fh_store_open(dir, 16, 0, &st), 0);
    return st;
}

static struct fh_peer peer(const char *path)
{
    char sec[41];
    struct fh_peer p = {.role = FH__ROLE__ROLE_AGENT, .registered_us = 1};
    assert_int_equal(zmq_curve_keypair(p.key, sec), 0);
    snprintf(p.path, sizeof p.path, "%s", path);
    return p;
}

static void test_peers_put_get_and_revoke_by_key_or_path(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    struct fh_peer a = peer(SCOPE), b = peer(SCOPE), c = peer(SCOPE "/web01"), got;
    assert_int_equal(fh_peers_put(st, &a), 0);
    assert_int_equal(fh_peers_put(st, &b), 0);
    assert_int_equal(fh_peers_put(st, &c), 0);
    assert_int_equal(fh_peers_get(st, NULL, a.key, &got), 0);
    assert_string_equal(got.path, SCOPE);
    assert_int_equal(fh_peers_generation(st), 0);
    unsigned n;
    assert_int_equal(fh_peers_revoke(st, c.key, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(fh_peers_get(st, NULL, c.key, &got), FH_ENOTFOUND);
    assert_int_equal(fh_peers_generation(st), 1);
    assert_int_equal(fh_peers_revoke(st, SCOPE, &n), 0);   /* every key of that path */
    assert_int_equal(n, 2);
    assert_int_equal(fh_peers_get(st, NULL, a.key, &got), FH_ENOTFOUND);
    assert_int_equal(fh_peers_revoke(st, SCOPE, &n), FH_ENOTFOUND);
    assert_int_equal(fh_peers_get(st, NULL, "short", &got), FH_ENOTFOUND);
    fh_store_close(st);
}

static void test_peers_refuse_invalid_keys_and_paths(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    struct fh_peer p = peer("not a path");
    assert_int_equal(fh_peers_put(st, &p), FH_EINVAL);
    p = peer(SCOPE);
    p.key[5] = 0;
    assert_int_equal(fh_peers_put(st, &p), FH_EINVAL);
    fh_store_close(st);
}

static struct fh_token_rec token_rec(const uint8_t *secret, uint64_t expires_us, uint32_t role)
{
    struct fh_token_rec r = {.role = role, .created_us = 1, .expires_us = expires_us};
    snprintf(r.path, sizeof r.path, "%s", SCOPE);
    fh_token_hash(secret, r.hash);
    return r;
}

static void test_token_redeems_once_within_its_scope(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    uint8_t secret[FH_TOKEN_SECRET_LEN] = {1, 2, 3};
    struct fh_token_rec r = token_rec(secret, 1000, FH__ROLE__ROLE_AGENT);
    assert_int_equal(fh_tokens_put(st, &r), 0);
    enum fh_redeem res;
    struct fh_peer p = peer(SCOPE "/web01"), got;
    assert_int_equal(fh_tokens_redeem(st, secret, 500, &p, &res), 0);
    assert_int_equal(res, FH_REDEEM_OK);
    assert_int_equal(fh_peers_get(st, NULL, p.key, &got), 0);
    assert_string_equal(got.path, SCOPE);        /* the token's scope, not the claim */
    struct fh_peer q = peer(SCOPE "/web02");
    assert_int_equal(fh_tokens_redeem(st, secret, 600, &q, &res), 0);
    assert_int_equal(res, FH_REDEEM_USED);
    assert_int_equal(fh_peers_get(st, NULL, q.key, &got), FH_ENOTFOUND);
    fh_store_close(st);
}

static void test_token_refused_when_expired_unknown_other_role_or_outside(void **state)
{
    (void)state;
    struct fh_store *st = open_store();
    uint8_t s1[FH_TOKEN_SECRET_LEN] = {1}, s2[FH_TOKEN_SECRET_LEN] = {2},
            s3[FH_TOKEN_SECRET_LEN] = {3};
    struct fh_token_rec r1 = token_rec(s1, 1000, FH__ROLE__ROLE_AGENT),
                        r2 = token_rec(s2, 1000, FH__ROLE__ROLE_COLLECTOR);
    assert_int_equal(fh_tokens_put(st, &r1), 0);
    assert_int_equal(fh_tokens_put(st, &r2), 0);
    enum fh_redeem res;
    struct fh_peer p = peer(SCOPE "/web01");
    assert_int_equal(fh_tokens_redeem(st, s1, 1000, &p, &res), 0);   /* at expiry: gone */
    assert_int_equal(res, FH_REDEEM_EXPIRED);
    assert_int_equal(fh_tokens_redeem(st, s3, 10, &p, &res), 0);
    assert_int_equal(res, FH_REDEEM_UNKNOWN);
    assert_int_equal(fh_tokens_redeem(st, s2, 10, &p, &res), 0);
    assert_int_equal(res, FH_REDEEM_ROLE);
    struct fh_peer o = peer("320000/320100/320102/3132000002/web01");
    assert_int_equal(fh_tokens_redeem(st, s1, 10, &o, &res), 0);
    assert_int_equal(res, FH_REDEEM_PATH);
    /* none of those used the token: it still works once */
    assert_int_equal(fh_tokens_redeem(st, s1, 10, &p, &res), 0);
    assert_int_equal(res, FH_REDEEM_OK);
    fh_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_round_trips_for_random_secrets_and_keys),
        cmocka_unit_test(test_token_decode_ignores_surrounding_blanks),
        cmocka_unit_test(test_token_decode_refuses_every_truncation_and_extension),
        cmocka_unit_test(test_token_decode_refuses_garbage_and_wrong_prefix),
        cmocka_unit_test(test_token_encode_refuses_invalid_fields),
        cmocka_unit_test(test_duration_parse_units_and_bounds),
        cmocka_unit_test_setup_teardown(test_keys_are_made_0600_and_load, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_keys_readable_by_group_are_refused, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_keys_missing_or_mismatched_are_refused,
                                        tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_peers_put_get_and_revoke_by_key_or_path,
                                        tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_peers_refuse_invalid_keys_and_paths, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_token_redeems_once_within_its_scope, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_token_refused_when_expired_unknown_other_role_or_outside,
                                        tmpdir_setup, tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
