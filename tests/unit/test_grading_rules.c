/* test_grading_rules.c - the rule-file loader accepts the embedded profiles and a minimal
 * valid file, and refuses every kind of bad rule file with "file:line: reason". */
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

/* A valid profile of 27 lines; tests append sections to it. */
static const char base[] =
    "[profile]\n"                                   /* 1 */
    "name = t\n"
    "summary_due_days = none\n"
    "[grade I]\n"
    "name = 特别重大\nwarning = red\nreport_within_minutes = 60\nreport_to = up\n"
    "[grade II]\n"                                  /* 9 */
    "name = 重大\nwarning = orange\nreport_within_minutes = 120\nreport_to = up\n"
    "[grade III]\n"                                 /* 14 */
    "name = 较大\nwarning = yellow\nreport_within_minutes = 0\nreport_to = up\n"
    "[grade IV]\n"                                  /* 19 */
    "name = 一般\nwarning = blue\nreport_within_minutes = none\nreport_to = none\n"
    "[warning]\n"                                   /* 24 */
    "red = city\norange = county\nyellow = unit\nblue = unit\nmulti_area = city\n"
    "red_issuer = a\norange_issuer = b\nyellow_issuer = c\nblue_issuer = d\n"
    "[rule t.IV]\n"                                 /* 34 */
    "grade = IV\n"
    "clause = 一般\n";                              /* 36 */
#define BASE_LINES 36

static int parse_with(const char *extra, char *why, size_t len,
                      struct fh_grade_profile **p)
{
    char text[8192];
    snprintf(text, sizeof text, "%s%s", base, extra);
    return fh_grade_profile_parse("t.ini", text, strlen(text), p, why, len);
}

/* base + extra is refused, the message starting "t.ini:LINE:" and containing word. */
static void bad(const char *extra, int line, const char *word)
{
    char why[FH_GRADE_WHY_MAX] = "", head[32];
    struct fh_grade_profile *p = NULL;
    int err = parse_with(extra, why, sizeof why, &p);
    snprintf(head, sizeof head, "t.ini:%d: ", line);
    if (err != FH_ECONFIG || p || strncmp(why, head, strlen(head)) != 0 || !strstr(why, word))
        fail_msg("extra \"%s\": err %d, why \"%s\"; expected %s...%s", extra, err, why, head,
                 word);
}

static void test_loads_the_embedded_profiles(void **state)
{
    const char *const *names = fh_grade_profile_names();
    size_t n = 0;
    for (; names[n]; n++) {
        struct fh_grade_profile *p;
        char why[FH_GRADE_WHY_MAX] = "";
        if (fh_grade_profile_load(names[n], &p, why, sizeof why))
            fail_msg("%s: %s", names[n], why);
        assert_string_equal(fh_grade_profile_name(p), names[n]);
        fh_grade_profile_free(p);
    }
    assert_int_equal(n, 2);
    struct fh_grade_profile *p;
    char why[FH_GRADE_WHY_MAX];
    assert_int_equal(fh_grade_profile_load("nation", &p, why, sizeof why), FH_ENOTFOUND);
    assert_null(p);
}

static void test_loads_a_minimal_file_with_alternatives(void **state)
{
    char why[FH_GRADE_WHY_MAX] = "";
    struct fh_grade_profile *p;
    int err = parse_with("[rule t.II.1]\ngrade = II\nclause = c\nreading = r\n"
                         "impact_in = serious\n"
                         "[rule t.II.1]\ngrade = II\nclass_in = MI NAI.DOSAI\n", why,
                         sizeof why, &p);
    if (err)
        fail_msg("%s", why);
    struct fh_grade_input in = {.class_code = "MI.WI"};
    struct fh_grade_result r;
    assert_int_equal(fh_grade_eval(p, &in, &r), 0);
    assert_int_equal(r.grade, FH_GRADE_II);
    assert_string_equal(r.matches[0].text, "c [fenghuo 读法: r]");
    snprintf(in.class_code, sizeof in.class_code, "NAI.PI");
    assert_int_equal(fh_grade_eval(p, &in, &r), 0);
    assert_int_equal(r.grade, FH_GRADE_IV);
    fh_grade_profile_free(p);
}

static void test_refuses_unknown_condition_key_and_section(void **state)
{
    bad("[rule t.I.1]\ngrade = I\nclause = c\nhours_ge = 2\n", BASE_LINES + 4,
        "unknown condition \"hours_ge\"");
    bad("[rules t.I.1]\n", BASE_LINES + 1, "unknown section");
    bad("[rule t.I.1]\ngrade = I\nclause = c\nimpact_in = serious\nimpact_in = some\n",
        BASE_LINES + 5, "given twice");
}

static void test_refuses_bad_grades_and_ids(void **state)
{
    bad("[rule t.I.1]\ngrade = V\nclause = c\nimpact_in = some\n", BASE_LINES + 2,
        "not I, II, III or IV");
    bad("[rule t.I.1]\ngrade = II\nclause = c\nimpact_in = some\n", BASE_LINES + 1,
        "the id's grade");
    bad("[rule x.I.1]\n", BASE_LINES + 1, "is not t.GRADE.N");
    bad("[rule t.I]\n", BASE_LINES + 1, "is not t.GRADE.N");
    bad("[rule t.I.0]\n", BASE_LINES + 1, "is not t.GRADE.N");
    bad("[rule t.IV.1]\n", BASE_LINES + 1, "is not t.GRADE.N");
    bad("[rule t.I.1]\ngrade = I\nclause = c\n", BASE_LINES + 1, "needs conditions");
    bad("[rule t.IV]\ngrade = IV\nimpact_in = some\n", BASE_LINES + 1, "takes no conditions");
    bad("[grade V]\n", BASE_LINES + 1, "unknown grade");
    bad("[grade I]\n", BASE_LINES + 1, "given twice");
}

static void test_refuses_bad_condition_values(void **state)
{
    bad("[rule t.I.1]\ngrade = I\nclause = c\nimportance_in = vital\n", BASE_LINES + 4,
        "unknown value \"vital\"");
    bad("[rule t.I.1]\ngrade = I\nclause = c\nimportance_in = absent\n", BASE_LINES + 4,
        "unknown value");
    bad("[rule t.I.1]\ngrade = I\nclause = c\nclass_in = MI XX\n", BASE_LINES + 4,
        "class code");
    bad("[rule t.I.1]\ngrade = I\nclause = c\noutage_hours_ge = -1\n", BASE_LINES + 4,
        "number >= 0");
    bad("[rule t.I.1]\ngrade = I\nclause = c\noutage_hours_ge = 2h\n", BASE_LINES + 4,
        "number >= 0");
    bad("[rule t.I.1]\ngrade = I\nclause = c\npeople_affected_ge = 1.5\n", BASE_LINES + 4,
        "whole number");
    bad("[rule t.I.1]\ngrade = I\nclause = c\nedu_core_unreachable_is = yes\n",
        BASE_LINES + 4, "true or false");
    bad("[rule t.I.1]\ngrade = I\nclause = c\nimpact_in =\n", BASE_LINES + 4, "empty value");
}

static void test_refuses_clause_problems(void **state)
{
    bad("[rule t.I.1]\ngrade = I\nimpact_in = some\n", BASE_LINES + 1, "no clause");
    bad("[rule t.I.1]\ngrade = I\nclause = c\nimpact_in = some\n"
        "[rule t.I.1]\ngrade = I\nclause = d\n", BASE_LINES + 7, "first section");
    bad("[rule t.I.1]\ngrade = I\nclause = \xff\xfe\nimpact_in = some\n", BASE_LINES + 3,
        "UTF-8");
}

static void test_refuses_missing_parts_and_bad_lines(void **state)
{
    char why[FH_GRADE_WHY_MAX];
    struct fh_grade_profile *p;
    const char *no_iv = strstr(base, "[rule t.IV]");
    char text[4096];
    snprintf(text, sizeof text, "%.*s", (int)(no_iv - base), base);
    assert_int_equal(fh_grade_profile_parse("t.ini", text, strlen(text), &p, why, sizeof why),
                     FH_ECONFIG);
    assert_non_null(strstr(why, "no rule for grade IV"));
    const char *no_profile = "[grade I]\nname = x\n";
    assert_int_equal(fh_grade_profile_parse("t.ini", no_profile, strlen(no_profile), &p, why,
                                            sizeof why), FH_ECONFIG);
    assert_non_null(strstr(why, "t.ini:1: [profile]"));
    char with_key[4096];
    snprintf(with_key, sizeof with_key, "[profile]\ncolour = red\n%s", base + 10);
    assert_int_equal(fh_grade_profile_parse("t.ini", with_key, strlen(with_key), &p, why,
                                            sizeof why), FH_ECONFIG);
    assert_string_equal(why, "t.ini:2: unknown key \"colour\"");
    const char *before = "name = t\n";
    assert_int_equal(fh_grade_profile_parse("t.ini", before, strlen(before), &p, why,
                                            sizeof why), FH_ECONFIG);
    assert_non_null(strstr(why, "t.ini:1: key \"name\" before any section"));
    bad("[oops\n", BASE_LINES + 1, "without ']'");
    bad("just words\n", BASE_LINES + 1, "neither");
    /* a line over the bound */
    char *longline = malloc(3000);
    assert_non_null(longline);
    memset(longline, 'x', 2999);
    longline[2999] = '\0';
    bad(longline, BASE_LINES + 1, "longer than");
    free(longline);
}

static void test_refuses_a_file_over_its_bound(void **state)
{
    size_t n = FH_GRADE_RULES_MAX_BYTES + 1;
    char *text = calloc(1, n + 1);
    assert_non_null(text);
    memset(text, '\n', n);
    char why[FH_GRADE_WHY_MAX];
    struct fh_grade_profile *p;
    assert_int_equal(fh_grade_profile_parse("t.ini", text, n, &p, why, sizeof why),
                     FH_ETOOBIG);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loads_the_embedded_profiles),
        cmocka_unit_test(test_loads_a_minimal_file_with_alternatives),
        cmocka_unit_test(test_refuses_unknown_condition_key_and_section),
        cmocka_unit_test(test_refuses_bad_grades_and_ids),
        cmocka_unit_test(test_refuses_bad_condition_values),
        cmocka_unit_test(test_refuses_clause_problems),
        cmocka_unit_test(test_refuses_missing_parts_and_bad_lines),
        cmocka_unit_test(test_refuses_a_file_over_its_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
