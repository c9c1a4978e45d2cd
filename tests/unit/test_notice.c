/* test_notice.c - warnings and advisories (common/notice.c): who may issue which level
 * under each profile and tier, and the checks of a received warning or advisory. The
 * state records are tested in test_notice_record.c. */
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

static struct fh_grade_profile *profile(const char *name)
{
    struct fh_grade_profile *p = NULL;
    char why[FH_GRADE_WHY_MAX];
    assert_int_equal(fh_grade_profile_load(name, &p, why, sizeof why), 0);
    return p;
}

static int may(const struct fh_grade_profile *p, Fh__WarningLevel level, const char *issuer,
               bool top, const char *scope)
{
    char why[256] = "";
    int rc = fh_warning_authority(p, level, issuer, top, scope, why, sizeof why);
    if (rc)
        assert_true(why[0]);   /* a refusal always says why */
    return rc;
}

/* ---- authority ---- */

/* The same table under each profile (both plans give the same tiers). */
static void authority_by_tier(const struct fh_grade_profile *p)
{
    /* red: a province or the nation, and only the top of the deployment */
    assert_int_equal(may(p, RED, PROVINCE, true, PROVINCE), 0);
    assert_int_equal(may(p, RED, NATION, true, NATION), 0);
    assert_int_equal(may(p, RED, PROVINCE, false, PROVINCE), FH_EINVAL);
    assert_int_equal(may(p, RED, CITY, true, CITY), FH_EINVAL);
    assert_int_equal(may(p, RED, COUNTY, true, COUNTY), FH_EINVAL);
    /* orange: a province (top or not) or above */
    assert_int_equal(may(p, ORANGE, PROVINCE, false, PROVINCE), 0);
    assert_int_equal(may(p, ORANGE, PROVINCE, true, CITY), 0);
    assert_int_equal(may(p, ORANGE, NATION, true, NATION), 0);
    assert_int_equal(may(p, ORANGE, CITY, true, CITY), FH_EINVAL);
    assert_int_equal(may(p, ORANGE, COUNTY, false, COUNTY), FH_EINVAL);
    /* yellow and blue: a county, a city or above; not a unit */
    for (Fh__WarningLevel l = BLUE; l <= YELLOW; l++) {
        assert_int_equal(may(p, l, COUNTY, false, COUNTY), 0);
        assert_int_equal(may(p, l, COUNTY, false, UNIT), 0);
        assert_int_equal(may(p, l, CITY, false, CITY), 0);
        assert_int_equal(may(p, l, PROVINCE, false, PROVINCE), 0);
        assert_int_equal(may(p, l, UNIT, false, UNIT), FH_EINVAL);
        assert_int_equal(may(p, l, UNIT, true, UNIT), FH_EINVAL);
    }
}

static void test_notice_authority_under_the_national_profile(void **state)
{
    (void)state;
    struct fh_grade_profile *p = profile("national");
    authority_by_tier(p);
    fh_grade_profile_free(p);
}

static void test_notice_authority_under_the_education_profile(void **state)
{
    (void)state;
    struct fh_grade_profile *p = profile("education");
    authority_by_tier(p);
    fh_grade_profile_free(p);
}

static void test_notice_authority_null_profile_is_national(void **state)
{
    (void)state;
    authority_by_tier(NULL);
}

static void test_notice_authority_refuses_a_scope_outside_the_issuer(void **state)
{
    (void)state;
    assert_int_equal(may(NULL, YELLOW, COUNTY, true, COUNTY_B), FH_EINVAL);   /* sibling */
    assert_int_equal(may(NULL, YELLOW, COUNTY, true, CITY), FH_EINVAL);       /* above */
    assert_int_equal(may(NULL, ORANGE, PROVINCE, true, "330000"), FH_EINVAL); /* another */
    assert_int_equal(may(NULL, YELLOW, COUNTY, true, NULL), FH_EINVAL);
    assert_int_equal(may(NULL, YELLOW, COUNTY, true, "not a path"), FH_EINVAL);
    assert_int_equal(may(NULL, YELLOW, CITY, true, HOST), 0);                 /* below */
}

static void test_notice_authority_refuses_unknown_levels_and_bad_issuers(void **state)
{
    (void)state;
    assert_int_equal(may(NULL, FH__WARNING_LEVEL__WARNING_LEVEL_UNSPECIFIED, PROVINCE, true,
                         PROVINCE), FH_EINVAL);
    assert_int_equal(may(NULL, (Fh__WarningLevel)5, PROVINCE, true, PROVINCE), FH_EINVAL);
    assert_int_equal(may(NULL, (Fh__WarningLevel)-1, PROVINCE, true, PROVINCE), FH_EINVAL);
    assert_int_equal(may(NULL, BLUE, "32010", true, "32010"), FH_EINVAL);
    assert_int_equal(may(NULL, BLUE, "", true, ""), FH_EINVAL);
}

static void test_notice_level_names_round_trip(void **state)
{
    (void)state;
    for (Fh__WarningLevel l = BLUE; l <= RED; l++)
        assert_int_equal(fh_warning_level_from_name(fh_warning_level_name(l)), l);
    assert_string_equal(fh_warning_level_name(RED), "red");
    assert_int_equal(fh_warning_level_from_name("purple"), 0);
    assert_int_equal(fh_warning_level_from_name(NULL), 0);
    assert_int_equal(fh_warning_level_from_name("unspecified"), 0);
    assert_string_equal(fh_warning_level_name((Fh__WarningLevel)9), "unspecified");
}

/* ---- checks of what is received ---- */

static int check(const struct wmsg *m, const char **scope)
{
    char why[256] = "";
    int rc = fh_notice_check(&m->env, &m->w.base, scope, why, sizeof why);
    if (rc)
        assert_true(why[0]);
    return rc;
}

static void test_notice_check_accepts_a_valid_warning(void **state)
{
    (void)state;
    struct wmsg m;
    const char *scope = NULL;
    good_warning(&m, CITY);
    m.w.scope = COUNTY;
    assert_int_equal(check(&m, &scope), 0);
    assert_ptr_equal(scope, m.w.scope);
    m.w.action = FH__WARNING_ACTION__WARNING_ACTION_LIFT;
    assert_int_equal(check(&m, &scope), 0);
}

static void test_notice_check_refuses_issuer_other_than_origin(void **state)
{
    (void)state;
    struct wmsg m;
    const char *scope;
    good_warning(&m, CITY);
    m.w.issuer = COUNTY;
    assert_int_equal(check(&m, &scope), FH_EINVAL);
    m.w.issuer = "";
    assert_int_equal(check(&m, &scope), FH_EINVAL);
}

static void test_notice_check_refuses_an_id_not_of_the_issuer(void **state)
{
    (void)state;
    struct wmsg m;
    const char *scope;
    good_warning(&m, CITY);
    m.w.id = COUNTY_B "#7";       /* another collector's */
    assert_int_equal(check(&m, &scope), FH_EINVAL);
    m.w.id = CITY "7";            /* no '#' */
    assert_int_equal(check(&m, &scope), FH_EINVAL);
    m.w.id = CITY;                /* the issuer alone */
    assert_int_equal(check(&m, &scope), FH_EINVAL);
    m.w.id = "320000/3201#7";     /* a prefix of the issuer */
    assert_int_equal(check(&m, &scope), FH_EINVAL);
    char long_id[FH_WARNING_ID_MAX + 8];
    memset(long_id, '9', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    memcpy(long_id, CITY "#", strlen(CITY "#"));
    m.w.id = long_id;             /* over FH_WARNING_ID_MAX */
    assert_int_equal(check(&m, &scope), FH_EINVAL);
}

static void test_notice_check_refuses_unknown_action(void **state)
{
    (void)state;
    struct wmsg m;
    const char *scope;
    good_warning(&m, CITY);
    m.w.action = FH__WARNING_ACTION__WARNING_ACTION_UNSPECIFIED;
    assert_int_equal(check(&m, &scope), FH_EINVAL);
    m.w.action = (Fh__WarningAction)4;
    assert_int_equal(check(&m, &scope), FH_EINVAL);
}

static void test_notice_check_refuses_a_bad_class(void **state)
{
    (void)state;
    struct wmsg m;
    const char *scope;
    good_warning(&m, CITY);
    m.w.class_code = "XX.YY";
    assert_int_equal(check(&m, &scope), FH_EINVAL);
    m.w.class_code = "";
    assert_int_equal(check(&m, &scope), FH_EINVAL);
    m.w.class_code = "MI";   /* a category alone is a class */
    assert_int_equal(check(&m, &scope), 0);
}

static void test_notice_check_bounds_every_text_field(void **state)
{
    (void)state;
    struct wmsg m;
    const char *scope;
    char *text = malloc(FH_WARNING_MAX_TEXT + 2);
    assert_non_null(text);
    memset(text, 'a', FH_WARNING_MAX_TEXT + 1);
    text[FH_WARNING_MAX_TEXT + 1] = '\0';          /* one over */
    char **fields[] = {&m.w.watch, &m.w.measures, &m.w.issued_by};
    for (size_t i = 0; i < 3; i++) {
        good_warning(&m, CITY);
        *fields[i] = text;
        assert_int_equal(check(&m, &scope), FH_EINVAL);
        text[FH_WARNING_MAX_TEXT] = '\0';           /* at the bound */
        assert_int_equal(check(&m, &scope), 0);
        text[FH_WARNING_MAX_TEXT] = 'a';
    }
    free(text);
}

static void test_notice_check_refuses_a_level_above_the_issuer(void **state)
{
    (void)state;
    struct wmsg m;
    const char *scope;
    good_warning(&m, CITY);
    m.w.level = ORANGE;
    assert_int_equal(check(&m, &scope), FH_EINVAL);
    m.w.level = RED;
    assert_int_equal(check(&m, &scope), FH_EINVAL);
    /* a receiver cannot know the top: a province's red passes */
    good_warning(&m, PROVINCE);
    m.w.level = RED;
    assert_int_equal(check(&m, &scope), 0);
    good_warning(&m, CITY);
    m.w.scope = COUNTY_B "/3132000009";   /* inside the city: fine */
    assert_int_equal(check(&m, &scope), 0);
    m.w.scope = "330000";
    assert_int_equal(check(&m, &scope), FH_EINVAL);
}

static int check_advisory(const struct amsg *m)
{
    char why[256] = "";
    const char *scope = NULL;
    int rc = fh_notice_check(&m->env, &m->a.base, &scope, why, sizeof why);
    if (rc)
        assert_true(why[0]);
    else
        assert_ptr_equal(scope, m->a.scope);
    return rc;
}

static void test_notice_check_advisories(void **state)
{
    (void)state;
    struct amsg m;
    good_advisory(&m, PROVINCE, CITY);
    assert_int_equal(check_advisory(&m), 0);
    m.a.issuer = CITY;                      /* not the origin */
    assert_int_equal(check_advisory(&m), FH_EINVAL);
    good_advisory(&m, CITY, "330000");      /* outside the issuer's region */
    assert_int_equal(check_advisory(&m), FH_EINVAL);
    good_advisory(&m, CITY, "");            /* no scope */
    assert_int_equal(check_advisory(&m), FH_EINVAL);
    good_advisory(&m, CITY, CITY);
    m.a.deadline_us = NOW_US;               /* fails the advisory's own rules */
    assert_int_equal(check_advisory(&m), FH_EINVAL);
    good_advisory(&m, CITY, CITY);
    m.a.n_cves = 0;
    assert_int_equal(check_advisory(&m), FH_EINVAL);
}

static void test_notice_check_refuses_other_kinds(void **state)
{
    (void)state;
    struct wmsg m;
    const char *scope;
    good_warning(&m, CITY);
    m.env.kind = FH__KIND__KIND_DETECTION;
    char why[64] = "";
    assert_int_equal(fh_notice_check(&m.env, &m.w.base, &scope, why, sizeof why), FH_EINVAL);
    assert_true(why[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notice_authority_under_the_national_profile),
        cmocka_unit_test(test_notice_authority_under_the_education_profile),
        cmocka_unit_test(test_notice_authority_null_profile_is_national),
        cmocka_unit_test(test_notice_authority_refuses_a_scope_outside_the_issuer),
        cmocka_unit_test(test_notice_authority_refuses_unknown_levels_and_bad_issuers),
        cmocka_unit_test(test_notice_level_names_round_trip),
        cmocka_unit_test(test_notice_check_accepts_a_valid_warning),
        cmocka_unit_test(test_notice_check_refuses_issuer_other_than_origin),
        cmocka_unit_test(test_notice_check_refuses_an_id_not_of_the_issuer),
        cmocka_unit_test(test_notice_check_refuses_unknown_action),
        cmocka_unit_test(test_notice_check_refuses_a_bad_class),
        cmocka_unit_test(test_notice_check_bounds_every_text_field),
        cmocka_unit_test(test_notice_check_refuses_a_level_above_the_issuer),
        cmocka_unit_test(test_notice_check_advisories),
        cmocka_unit_test(test_notice_check_refuses_other_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
