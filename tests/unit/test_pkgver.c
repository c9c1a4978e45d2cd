/* test_pkgver.c - tests of common/pkgver.c, Debian and RPM version order.
 *
 * Each case {a, b, want} is checked both ways (cmp(a, b) == want and cmp(b, a) ==
 * -want), so every row also proves antisymmetry. The expected answers were written from
 * Debian Policy §5.6.12 and rpm's documented rules and cross-checked once against
 * `dpkg --compare-versions` and rpm 4.18's rpm.vercmp. A bounded pseudo-random walk
 * over short versions from a small alphabet then checks that each order is a total
 * preorder (antisymmetric and transitive) on valid and invalid strings alike. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "pkgver.h"

struct vcase {
    const char *a, *b;
    int want;
};

#define N_OF(t) (sizeof(t) / sizeof((t)[0]))

static void check_table(const struct vcase *t, size_t n, int (*cmp)(const char *, const char *),
                        const char *what)
{
    for (size_t i = 0; i < n; i++) {
        int ab = cmp(t[i].a, t[i].b), ba = cmp(t[i].b, t[i].a);
        if (ab != t[i].want || ba != -t[i].want)
            fail_msg("%s: cmp(\"%s\", \"%s\") = %d, reverse %d, want %d", what,
                     t[i].a ? t[i].a : "(null)", t[i].b ? t[i].b : "(null)", ab, ba,
                     t[i].want);
    }
}

/* BEGIN DEB CASES */
static const struct vcase deb_cases[] = {
    {"1.0", "1.0", 0},
    {"1.0", "1.1", -1},
    {"1.0", "1.0.1", -1},
    {"1.9", "1.10", -1},
    {"1.01", "1.1", 0},
    {"1.001", "1.1", 0},
    {"007", "7", 0},
    {"1.0~rc1", "1.0", -1},
    {"1.0~rc1", "1.0~rc2", -1},
    {"1.0~~", "1.0~", -1},
    {"1.0~~a", "1.0~~", 1},
    {"1.0~", "1.0", -1},
    {"1.0~rc1-1", "1.0-1", -1},
    {"1.0+b1", "1.0", 1},
    {"1.0+b1", "1.0.1", -1},
    {"1.0a", "1.0", 1},
    {"1.0a", "1.0+", -1},
    {"1.0a", "1.0.", -1},
    {"1.0a", "1.0b", -1},
    {"1.0Z", "1.0a", -1},
    {"1.0z", "1.0+", -1},
    {"1.0+", "1.0.", -1},
    {"1.0.", "1.0", 1},
    {"1.0-1", "1.0", 1},
    {"1.0-0", "1.0", 0},
    {"1.0-00", "1.0", 0},
    {"1.0-0.1", "1.0", 1},
    {"1.0-1", "1.0-2", -1},
    {"1.0-1", "1.0-1.1", -1},
    {"1.0-1", "1.0-1+b1", -1},
    {"1.0-1~bpo11+1", "1.0-1", -1},
    {"1.0-10", "1.0-9", 1},
    {"1-2-3", "1-2", 1},
    {"1-2-3", "1-2-4", -1},
    {"1.2-3-4", "1.2-3.4", 1},
    {"0:1.0", "1.0", 0},
    {"00:1.0", "1.0", 0},
    {"1:1.0", "2.0", 1},
    {"1:1.0", "1:2.0", -1},
    {"2:0.1", "1:99", 1},
    {"10:1", "9:1", 1},
    {"1:1.0-1", "1:1.0-1", 0},
    {"1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3", -1},
    {"1:9.2p1-2+deb12u3", "1:9.2p1-2", 1},
    {"1:9.2p1-2+deb12u3", "1:9.3p1-1", -1},
    {"1:9.2p1-2+deb12u3", "1:9.2p2-1", -1},
    {"1:8.4p1-5+deb11u3", "1:9.2p1-2+deb12u3", -1},
    {"3.0.11-1~deb12u2", "3.0.11-1~deb12u1", 1},
    {"3.0.11-1~deb12u2", "3.0.11-1", -1},
    {"3.0.13-1~deb12u1", "3.0.11-1~deb12u2", 1},
    {"2.36-9+deb12u4", "2.36-9+deb12u10", -1},
    {"6.1.0-18-amd64", "6.1.0-9-amd64", 1},
    {"6.1.76-1", "6.1.69-1", 1},
    {"1.2.3+dfsg-1", "1.2.3-1", 1},
    {"1.2.3+dfsg-1", "1.2.3.1-1", -1},
    {"1.2.3~dfsg-1", "1.2.3-1", -1},
    {"2:1.2.3", "1:9.9.9", 1},
    {"1.0+git20240101.abc-1", "1.0+git20231231.fff-1", 1},
    {"12345678901234567890123", "12345678901234567890124", -1},
    {"99999999999999999999999", "100000000000000000000000", -1},
    {"99999999999999999999999:1", "1:2", 1},
    {"a", "b", -1},
    {"a", "1", 1},
    {"1a", "1", 1},
    {"", "1.0", -1},
    {NULL, "1.0", -1},
    {NULL, NULL, 0},
    {NULL, "", -1},
    {"1.0", "1.0:1", 1},
    {":1.0", "1.0", -1},
    {"a:1.0", "1.0", -1},
    {"1.0-", "1.0", -1},
    {"-1", "0", -1},
    {"1.0 ", "1.0", -1},
    {"1.0_1", "1.0", -1},
    {"1.0-1_2", "0.1", -1},
    {"1.0\xff", "0.1", -1},
    {"1.0\n", "1.0\t", 1},
    {"1:", "0", -1},
};
/* END DEB CASES */

/* BEGIN RPM CASES */
static const struct vcase rpm_cases[] = {
    {"1.0", "1.0", 0},
    {"1.0", "1.0.1", -1},
    {"1.0.1", "1.0.2", -1},
    {"2.0", "1.9", 1},
    {"1.9", "1.10", -1},
    {"1.01", "1.1", 0},
    {"1.0a", "1.0", 1},
    {"1.0a", "1.0.1", -1},
    {"1.0a", "1.0b", -1},
    {"1.0A", "1.0a", -1},
    {"1.a", "1.1", -1},
    {"a", "1", -1},
    {"1.0", "1_0", 0},
    {"1.0", "1+0", 0},
    {"1..0", "1.0", 0},
    {"1.0.", "1.0", 0},
    {"1.0~rc1", "1.0", -1},
    {"1.0~rc1", "1.0~rc2", -1},
    {"1.0~rc1", "1.0~~", 1},
    {"1.0~rc1", "0.9", 1},
    {"1.0^", "1.0", 1},
    {"1.0^git1", "1.0", 1},
    {"1.0^git1", "1.0^git2", -1},
    {"1.0^git1", "1.0.1", -1},
    {"1.0^git1", "1.01", -1},
    {"1.0^git1", "1.00", 1},
    {"1.0^git1~pre", "1.0^git1", -1},
    {"1.0^git1", "1.0~rc1", 1},
    {"1.0~rc1^git1", "1.0~rc1", 1},
    {"1.0~rc1^git1", "1.0", -1},
    {"1.0-1", "1.0-2", -1},
    {"1.0-1", "1.0", 1},
    {"1.0-~1", "1.0", 1},
    {"1.0-1", "1.0-1.el9", -1},
    {"1.0-1.el9", "1.0-1.el9_2", -1},
    {"1.0-1.el9_2", "1.0-1.el9_10", -1},
    {"1.0-1.el8", "1.0-1.el9", -1},
    {"1.0-2.el8", "1.0-1.el9", 1},
    {"8.7p1-34.el9", "8.7p1-38.el9", -1},
    {"8.7p1-38.el9", "8.7p1-38.el9_4", -1},
    {"8.7p1-38.el9_4.4", "8.7p1-38.el9_4", 1},
    {"8.0p1-19.el8_9.2", "8.7p1-34.el9", -1},
    {"3.0.7-27.el9", "3.0.7-25.el9_3", 1},
    {"1:3.0.7-27.el9", "3.0.7-28.el9", 1},
    {"0:1.0-1", "1.0-1", 0},
    {"1:1.0", "2.0", 1},
    {"2:1.0", "10:1.0", -1},
    {"5.14.0-362.8.1.el9_3", "5.14.0-362.13.1.el9_3", -1},
    {"5.14.0-427.13.1.el9_4", "5.14.0-362.24.1.el9_3", 1},
    {"2.28-225.el8", "2.28-225.el8_8.6", -1},
    {"1.2.3-1.fc39", "1.2.3-1.fc40", -1},
    {"1.0-1.1", "1.0-1.a", 1},
    {"20240101", "20231231", 1},
    {"123456789012345678901234567890", "123456789012345678901234567891", -1},
    {"", "1.0", -1},
    {NULL, "1.0", -1},
    {NULL, NULL, 0},
    {":1.0", "1.0", -1},
    {"a:1.0", "1.0", -1},
    {"1.0-", "1.0", -1},
    {"1-2-3", "1.0", -1},
    {"1.0 ", "1.0", -1},
    {"1.0%", "0.1", -1},
    {"1.0\xff", "0.1", -1},
    {"1:", "0", -1},
};
/* END RPM CASES */

/* rpmvercmp on bare strings, separators and all (no EVR split) */
static const struct vcase rpmvercmp_cases[] = {
    {"1.0", "1.0", 0},
    {"", "", 0},
    {"", "1", -1},
    {"", "~", 1},
    {"", "^", -1},
    {"~", "^", -1},
    {"1-2", "1.2", 0},
    {"1:2", "1.2", 0},
    {".", "", 0},
    {"a", "", 1},
    {NULL, "", 0},
    {"0010", "10", 0},
    {"1.0a", "1.0.a", 0},
    {"1.0-rc1", "1.0rc1", 0},
};

static void test_deb_table_matches_policy(void **state)
{
    (void)state;
    check_table(deb_cases, N_OF(deb_cases), fh_pkgver_cmp_deb, "deb");
}

static void test_rpm_table_matches_rpmvercmp(void **state)
{
    (void)state;
    check_table(rpm_cases, N_OF(rpm_cases), fh_pkgver_cmp_rpm, "rpm");
    check_table(rpmvercmp_cases, N_OF(rpmvercmp_cases), fh_pkgver_rpmvercmp, "rpmvercmp");
}

static void test_deb_validity(void **state)
{
    (void)state;
    const char *ok[] = {"1.0", "0", "1:1.0", "1.0-1", "1.0~rc1-0+b1", "a", "1-2-3",
                        "1:9.2p1-2+deb12u3", "2:1.2.3+dfsg~1-1.1~bpo1"};
    const char *bad[] = {NULL, "", ":1", "a:1", "1:", "1.0-", "-1", "1:-1", "1 0",
                         "1.0_1", "1.0-1_2", "1.0-1:2", "1:2:3", "1.0\n", "é"};
    for (size_t i = 0; i < N_OF(ok); i++)
        if (!fh_pkgver_valid_deb(ok[i]))
            fail_msg("valid_deb(\"%s\") is false", ok[i]);
    for (size_t i = 0; i < N_OF(bad); i++)
        if (fh_pkgver_valid_deb(bad[i]))
            fail_msg("valid_deb(\"%s\") is true", bad[i]);
}

static void test_rpm_validity(void **state)
{
    (void)state;
    const char *ok[] = {"1.0", "1.0-1", "1:1.0-1.el9", "1.0^git1~pre_2+x", "8.7p1-38.el9_4.4"};
    const char *bad[] = {NULL, "", ":1", "a:1", "1:", "1.0-", "-1", "1-2-3", "1.0%",
                         "1 0", "1:2:3", "1.0-1:2"};
    for (size_t i = 0; i < N_OF(ok); i++)
        if (!fh_pkgver_valid_rpm(ok[i]))
            fail_msg("valid_rpm(\"%s\") is false", ok[i]);
    for (size_t i = 0; i < N_OF(bad); i++)
        if (fh_pkgver_valid_rpm(bad[i]))
            fail_msg("valid_rpm(\"%s\") is true", bad[i]);
}

static void test_rpm_split_finds_epoch_version_release(void **state)
{
    (void)state;
    struct fh_pkgver_evr e;
    assert_int_equal(fh_pkgver_split_rpm("12:8.7p1-38.el9_4", &e), 0);
    assert_int_equal(e.epoch_len, 2);
    assert_memory_equal(e.epoch, "12", 2);
    assert_int_equal(e.version_len, 5);
    assert_memory_equal(e.version, "8.7p1", 5);
    assert_int_equal(e.release_len, 8);
    assert_memory_equal(e.release, "38.el9_4", 8);
    assert_int_equal(fh_pkgver_split_rpm("1.0", &e), 0);
    assert_int_equal(e.epoch_len, 0);
    assert_int_equal(e.version_len, 3);
    assert_null(e.release);
    assert_int_equal(fh_pkgver_split_rpm("1.0-", &e), FH_EMALFORMED);
    assert_int_equal(fh_pkgver_split_rpm(NULL, &e), FH_EMALFORMED);
}

/* A version of FH_PKGVER_MAX - 1 bytes is valid; one byte more is invalid (and so
 * below every valid version), and neither is read past the bound. */
static void test_length_bound(void **state)
{
    (void)state;
    char edge[FH_PKGVER_MAX], over[FH_PKGVER_MAX + 1];
    memset(edge, '1', sizeof edge - 1);
    edge[sizeof edge - 1] = '\0';
    memset(over, '9', sizeof over - 1);
    over[sizeof over - 1] = '\0';
    assert_true(fh_pkgver_valid_deb(edge));
    assert_true(fh_pkgver_valid_rpm(edge));
    assert_false(fh_pkgver_valid_deb(over));
    assert_false(fh_pkgver_valid_rpm(over));
    assert_int_equal(fh_pkgver_cmp_deb(over, "0"), -1);
    assert_int_equal(fh_pkgver_cmp_rpm(over, "0"), -1);
    assert_int_equal(fh_pkgver_cmp_deb(edge, "2"), 1);
    assert_int_equal(fh_pkgver_cmp_rpm(edge, "2"), 1);
    /* two invalid strings equal in their first FH_PKGVER_MAX bytes compare equal */
    char over2[FH_PKGVER_MAX + 8];
    memset(over2, '9', sizeof over2 - 1);
    over2[sizeof over2 - 1] = '\0';
    assert_int_equal(fh_pkgver_cmp_deb(over, over2), 0);
}

/* ---- total preorder over a random sample ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)rng_state;
}

#define SAMPLE 300
#define SAMPLE_LEN 8

static void random_versions(char v[SAMPLE][SAMPLE_LEN + 1], const char *alphabet)
{
    size_t na = strlen(alphabet);
    for (size_t i = 0; i < SAMPLE; i++) {
        size_t len = rng() % (SAMPLE_LEN + 1);
        for (size_t k = 0; k < len; k++)
            v[i][k] = alphabet[rng() % na];
        v[i][len] = '\0';
    }
}

static void check_preorder(char v[SAMPLE][SAMPLE_LEN + 1],
                           int (*cmp)(const char *, const char *), const char *what)
{
    static int m[SAMPLE][SAMPLE];
    for (size_t i = 0; i < SAMPLE; i++)
        for (size_t j = 0; j < SAMPLE; j++) {
            m[i][j] = cmp(v[i], v[j]);
            if (m[i][j] < -1 || m[i][j] > 1)
                fail_msg("%s: cmp(\"%s\", \"%s\") = %d, not -1/0/1", what, v[i], v[j],
                         m[i][j]);
        }
    for (size_t i = 0; i < SAMPLE; i++) {
        if (m[i][i] != 0)
            fail_msg("%s: \"%s\" is not equal to itself", what, v[i]);
        for (size_t j = 0; j < SAMPLE; j++) {
            if (m[i][j] != -m[j][i])
                fail_msg("%s: not antisymmetric on \"%s\", \"%s\"", what, v[i], v[j]);
            if (m[i][j] > 0)
                continue;
            for (size_t k = 0; k < SAMPLE; k++) /* i <= j and j <= k give i <= k */
                if (m[j][k] <= 0 && m[i][k] > 0)
                    fail_msg("%s: not transitive on \"%s\" <= \"%s\" <= \"%s\"", what,
                             v[i], v[j], v[k]);
        }
    }
}

static void test_deb_is_total_preorder(void **state)
{
    (void)state;
    static char v[SAMPLE][SAMPLE_LEN + 1];
    random_versions(v, "0019aZ.+~-:_");
    check_preorder(v, fh_pkgver_cmp_deb, "deb");
}

static void test_rpm_is_total_preorder(void **state)
{
    (void)state;
    static char v[SAMPLE][SAMPLE_LEN + 1];
    random_versions(v, "0019aZ.~^-:_%");
    check_preorder(v, fh_pkgver_cmp_rpm, "rpm");
    check_preorder(v, fh_pkgver_rpmvercmp, "rpmvercmp");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deb_table_matches_policy),
        cmocka_unit_test(test_rpm_table_matches_rpmvercmp),
        cmocka_unit_test(test_deb_validity),
        cmocka_unit_test(test_rpm_validity),
        cmocka_unit_test(test_rpm_split_finds_epoch_version_release),
        cmocka_unit_test(test_length_bound),
        cmocka_unit_test(test_deb_is_total_preorder),
        cmocka_unit_test(test_rpm_is_total_preorder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
