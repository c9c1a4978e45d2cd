/* test_grading_input.c - fh_grade_input_parse refuses what GRADING.md says it refuses
 * (unknown fields and codes, negative numbers, wrong types, malformed JSON), each time
 * with a message naming the field, and reads what it accepts exactly. */
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

/* json is refused with err and a message containing each of the words. */
static void refused(const char *json, int err, const char *word1, const char *word2)
{
    struct fh_grade_input in;
    char why[FH_GRADE_WHY_MAX] = "";
    int got = fh_grade_input_parse_text(json, strlen(json), &in, why, sizeof why);
    if (got != err)
        fail_msg("%s: got %d (%s), expected %d", json, got, why, err);
    if ((word1 && !strstr(why, word1)) || (word2 && !strstr(why, word2)))
        fail_msg("%s: message \"%s\" lacks \"%s\"/\"%s\"", json, why, word1,
                 word2 ? word2 : "");
}

static void test_refuses_unknown_fields_by_name(void **state)
{
    refused("{\"class\": \"MI\", \"colour\": \"red\"}", FH_EINVAL, "colour", "unknown field");
    refused("{\"class\": \"MI\", \"system\": {\"size\": 1}}", FH_EINVAL, "system.size",
            "unknown field");
    refused("{\"class\": \"MI\", \"edu\": {\"users_offline\": \"many\"}}", FH_EINVAL,
            "edu.users_offline", NULL);
    refused("{\"class\": \"MI\", \"kind\": \"key_data\"}", FH_EINVAL, "kind", NULL);
}

static void test_refuses_unknown_or_missing_class(void **state)
{
    refused("{\"class\": \"XX.YY\"}", FH_EINVAL, "class", "GB/Z 20986");
    refused("{\"class\": \"MI.DOSAI\"}", FH_EINVAL, "class", NULL);
    refused("{\"class\": \"mi.cvi\"}", FH_EINVAL, "class", NULL);
    refused("{\"class\": \"MI.CVIMI.CVIMI.CVIMI.CVI\"}", FH_EINVAL, "class", NULL);
    refused("{\"impact\": \"some\"}", FH_EINVAL, "class", "required");
    refused("{\"class\": null}", FH_EINVAL, "class", "required");
    refused("{\"class\": 7}", FH_EINVAL, "class", "string");
}

static void test_refuses_unknown_codes_of_each_vocabulary(void **state)
{
    refused("{\"class\": \"MI\", \"system\": {\"importance\": \"vital\"}}", FH_EINVAL,
            "system.importance", "unknown value");
    refused("{\"class\": \"MI\", \"system\": {\"loss\": \"huge\"}}", FH_EINVAL, "system.loss",
            NULL);
    refused("{\"class\": \"MI\", \"data\": {\"kind\": \"secret\"}}", FH_EINVAL, "data.kind",
            NULL);
    refused("{\"class\": \"MI\", \"data\": {\"threat\": \"minor\"}}", FH_EINVAL, "data.threat",
            NULL);
    refused("{\"class\": \"MI\", \"spread\": {\"scope\": \"world\"}}", FH_EINVAL,
            "spread.scope", NULL);
    refused("{\"class\": \"MI\", \"impact\": \"none\"}", FH_EINVAL, "impact", NULL);
    /* "absent" is a word of the rule files, not an input value */
    refused("{\"class\": \"MI\", \"system\": {\"loss\": \"absent\"}}", FH_EINVAL,
            "system.loss", NULL);
}

static void test_refuses_negative_numbers(void **state)
{
    refused("{\"class\": \"MI\", \"outage_hours\": -0.5}", FH_EINVAL, "outage_hours",
            "negative");
    refused("{\"class\": \"MI\", \"people_affected\": -1}", FH_EINVAL, "people_affected",
            "negative");
    refused("{\"class\": \"MI\", \"economic_loss_cny\": -100}", FH_EINVAL,
            "economic_loss_cny", "negative");
    refused("{\"class\": \"MI\", \"spread\": {\"units\": -2}}", FH_EINVAL, "spread.units",
            "negative");
}

static void test_refuses_wrong_types_by_field(void **state)
{
    refused("{\"class\": \"MI\", \"outage_hours\": \"2\"}", FH_EINVAL, "outage_hours",
            "number");
    refused("{\"class\": \"MI\", \"people_affected\": 1.5}", FH_EINVAL, "people_affected",
            "whole");
    refused("{\"class\": \"MI\", \"spread\": {\"units\": true}}", FH_EINVAL, "spread.units",
            NULL);
    refused("{\"class\": \"MI\", \"system\": \"critical\"}", FH_EINVAL, "system", "object");
    refused("{\"class\": \"MI\", \"data\": [1]}", FH_EINVAL, "data", "object");
    refused("{\"class\": \"MI\", \"system\": {\"importance\": 3}}", FH_EINVAL,
            "system.importance", "string");
    refused("{\"class\": \"MI\", \"edu\": {\"core_system_unreachable\": \"yes\"}}", FH_EINVAL,
            "edu.core_system_unreachable", "true or false");
    refused("[{\"class\": \"MI\"}]", FH_EINVAL, "object", NULL);
    refused("\"MI\"", FH_EINVAL, "object", NULL);
}

static void test_refuses_malformed_json_and_duplicate_keys(void **state)
{
    refused("{\"class\": \"MI\"", FH_EMALFORMED, "malformed JSON", NULL);
    refused("{class: MI}", FH_EMALFORMED, "malformed JSON", NULL);
    refused("", FH_EMALFORMED, "malformed JSON", NULL);
    refused("{\"class\": \"MI\", \"class\": \"OI\"}", FH_EMALFORMED, "duplicate", NULL);
}

static void test_refuses_input_over_its_bound(void **state)
{
    size_t n = FH_GRADE_INPUT_MAX_BYTES + 1;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, ' ', n);
    memcpy(big, "{\"class\": \"MI\"}", 15);
    big[n] = '\0';
    struct fh_grade_input in;
    char why[FH_GRADE_WHY_MAX];
    assert_int_equal(fh_grade_input_parse_text(big, n, &in, why, sizeof why), FH_ETOOBIG);
    /* at the bound it is read */
    assert_int_equal(fh_grade_input_parse_text(big, n - 1, &in, why, sizeof why), 0);
    free(big);
}

static void test_reads_every_field_exactly(void **state)
{
    const char *json =
        "{\"class\": \"IDI.IAI\", \"system\": {\"importance\": \"critical\", \"loss\": "
        "\"minor\"}, \"outage_hours\": 0.25, \"people_affected\": 12345678901, "
        "\"economic_loss_cny\": 5, \"data\": {\"kind\": \"personal\", \"threat\": \"some\"}, "
        "\"spread\": {\"scope\": \"county\", \"units\": 0}, \"edu\": {"
        "\"provincial_network_users_offline\": \"none\", "
        "\"metro_or_campus_network_users_offline\": \"some\", "
        "\"core_system_unreachable\": true}, \"impact\": \"relatively_serious\"}";
    struct fh_grade_input in;
    char why[FH_GRADE_WHY_MAX];
    assert_int_equal(fh_grade_input_parse_text(json, strlen(json), &in, why, sizeof why), 0);
    assert_string_equal(in.class_code, "IDI.IAI");
    assert_int_equal(in.importance, FH_IMPORTANCE_CRITICAL);
    assert_int_equal(in.loss, FH_LOSS_MINOR);
    assert_int_equal(in.has, FH_GRADE_HAS_OUTAGE | FH_GRADE_HAS_PEOPLE |
                                 FH_GRADE_HAS_ECONOMIC_LOSS | FH_GRADE_HAS_SPREAD_UNITS);
    assert_true(in.outage_hours == 0.25);
    assert_true(in.people_affected == 12345678901ull);
    assert_true(in.economic_loss_cny == 5.0);
    assert_int_equal(in.data_kind, FH_DATA_PERSONAL);
    assert_int_equal(in.data_threat, FH_DEGREE_SOME);
    assert_int_equal(in.spread_scope, FH_SCOPE_COUNTY);
    assert_true(in.spread_units == 0);
    assert_int_equal(in.edu_provincial_offline, FH_OFFLINE_NONE);
    assert_int_equal(in.edu_metro_offline, FH_OFFLINE_SOME);
    assert_true(in.edu_core_unreachable);
    assert_int_equal(in.impact, FH_DEGREE_RELATIVELY_SERIOUS);
}

static void test_absent_and_null_fields_are_absent_importance_general(void **state)
{
    const char *json = "{\"class\": \"MI\", \"system\": null, \"outage_hours\": null, "
                       "\"data\": {\"kind\": null}}";
    struct fh_grade_input in;
    char why[FH_GRADE_WHY_MAX];
    assert_int_equal(fh_grade_input_parse_text(json, strlen(json), &in, why, sizeof why), 0);
    assert_int_equal(in.importance, FH_IMPORTANCE_GENERAL);
    assert_int_equal(in.loss, FH_LOSS_ABSENT);
    assert_int_equal(in.has, 0);
    assert_int_equal(in.data_kind, FH_DATA_ABSENT);
    assert_false(in.edu_core_unreachable);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuses_unknown_fields_by_name),
        cmocka_unit_test(test_refuses_unknown_or_missing_class),
        cmocka_unit_test(test_refuses_unknown_codes_of_each_vocabulary),
        cmocka_unit_test(test_refuses_negative_numbers),
        cmocka_unit_test(test_refuses_wrong_types_by_field),
        cmocka_unit_test(test_refuses_malformed_json_and_duplicate_keys),
        cmocka_unit_test(test_refuses_input_over_its_bound),
        cmocka_unit_test(test_reads_every_field_exactly),
        cmocka_unit_test(test_absent_and_null_fields_are_absent_importance_general),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
