/* test_grading.c - every clause of both embedded profiles grades as GRADING.md says:
 * each numeric threshold at, just under and just over its value, each reading of an
 * ambiguous clause, the reporting duty and warning authority of each grade, and the
 * shape of the answer (JSON and text). Inputs go through the real JSON parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "grading.h"

static struct fh_grade_profile *nat, *edu;

static int load(void **state)
{
    char why[FH_GRADE_WHY_MAX];
    if (fh_grade_profile_load("national", &nat, why, sizeof why) ||
        fh_grade_profile_load("education", &edu, why, sizeof why)) {
        fprintf(stderr, "%s\n", why);
        return -1;
    }
    return 0;
}

static int unload(void **state)
{
    fh_grade_profile_free(nat);
    fh_grade_profile_free(edu);
    return 0;
}

static struct fh_grade_result grade(const struct fh_grade_profile *p, const char *json)
{
    struct fh_grade_input in;
    struct fh_grade_result r;
    char why[FH_GRADE_WHY_MAX] = "";
    int err = fh_grade_input_parse_text(json, strlen(json), &in, why, sizeof why);
    if (err)
        fail_msg("input refused: %s: %s", json, why);
    assert_int_equal(fh_grade_eval(p, &in, &r), 0);
    return r;
}

static bool has_rule(const struct fh_grade_result *r, const char *id)
{
    for (size_t i = 0; i < r->nmatches; i++)
        if (strcmp(r->matches[i].id, id) == 0)
            return true;
    return false;
}

/* json grades as g by rule id (NULL: any rule). */
static void expect(const struct fh_grade_profile *p, const char *json, enum fh_grade g,
                   const char *id)
{
    struct fh_grade_result r = grade(p, json);
    if (r.grade != g || (id && !has_rule(&r, id)))
        fail_msg("%s: %s gave grade %s by %s, expected %s by %s", fh_grade_profile_name(p),
                 json, r.grade_code, r.nmatches ? r.matches[0].id : "-",
                 g == FH_GRADE_I ? "I" : g == FH_GRADE_II ? "II" : g == FH_GRADE_III ? "III"
                                                                                  : "IV",
                 id ? id : "any");
}

#define SYS_IMP "\"class\": \"NAI.DOSAI\", \"system\": {\"importance\": \"important\"}"

/* ---- national ---- */

static void test_national_I1_outage_and_people_at_under_over(void **state)
{
    expect(nat, "{" SYS_IMP ", \"outage_hours\": 2, \"people_affected\": 1000000}",
           FH_GRADE_I, "national.I.1");
    expect(nat, "{" SYS_IMP ", \"outage_hours\": 2.01, \"people_affected\": 1000001}",
           FH_GRADE_I, "national.I.1");
    expect(nat, "{" SYS_IMP ", \"outage_hours\": 1.99, \"people_affected\": 1000000}",
           FH_GRADE_II, "national.II.1");
    expect(nat, "{" SYS_IMP ", \"outage_hours\": 2, \"people_affected\": 999999}",
           FH_GRADE_II, "national.II.1");
}

static void test_national_II1_outage_and_people_at_under_over(void **state)
{
    expect(nat, "{" SYS_IMP ", \"outage_hours\": 1, \"people_affected\": 100000}",
           FH_GRADE_II, "national.II.1");
    expect(nat, "{" SYS_IMP ", \"outage_hours\": 1.01, \"people_affected\": 100001}",
           FH_GRADE_II, "national.II.1");
    expect(nat, "{" SYS_IMP ", \"outage_hours\": 0.99, \"people_affected\": 100000}",
           FH_GRADE_III, "national.III.1");
    expect(nat, "{" SYS_IMP ", \"outage_hours\": 1, \"people_affected\": 99999}",
           FH_GRADE_III, "national.III.1");
}

static void test_national_III1_outage_and_people_at_under_over(void **state)
{
    expect(nat, "{" SYS_IMP ", \"outage_hours\": 0.5, \"people_affected\": 20000}",
           FH_GRADE_III, "national.III.1");
    expect(nat, "{" SYS_IMP ", \"outage_hours\": 0.51, \"people_affected\": 20001}",
           FH_GRADE_III, "national.III.1");
    expect(nat, "{" SYS_IMP ", \"outage_hours\": 0.49, \"people_affected\": 20000}",
           FH_GRADE_IV, "national.IV");
    expect(nat, "{" SYS_IMP ", \"outage_hours\": 0.5, \"people_affected\": 19999}",
           FH_GRADE_IV, "national.IV");
}

static void test_national_outage_clauses_need_an_important_or_critical_system(void **state)
{
    const char *big = "\"outage_hours\": 100, \"people_affected\": 100000000";
    char buf[256];
    snprintf(buf, sizeof buf, "{\"class\": \"FF.SHF\", %s}", big);
    expect(nat, buf, FH_GRADE_IV, "national.IV");  /* absent importance means general */
    snprintf(buf, sizeof buf,
             "{\"class\": \"FF.SHF\", \"system\": {\"importance\": \"general\"}, %s}", big);
    expect(nat, buf, FH_GRADE_IV, "national.IV");
    snprintf(buf, sizeof buf,
             "{\"class\": \"FF.SHF\", \"system\": {\"importance\": \"critical\"}, %s}", big);
    expect(nat, buf, FH_GRADE_I, "national.I.1");  /* critical counts as important */
}

#define NAT_LOSS(loss)                                                                 \
    "{\"class\": \"FF.SHF\", \"system\": {\"importance\": \"important\"" loss "}, "        \
    "\"outage_hours\": 0.5, \"people_affected\": 20000}"

static void test_national_III1_loss_absent_met_by_outage_minor_or_none_fails(void **state)
{
    expect(nat, NAT_LOSS(""), FH_GRADE_III, "national.III.1");
    expect(nat, NAT_LOSS(", \"loss\": \"relatively_serious\""), FH_GRADE_III,
           "national.III.1");
    expect(nat, NAT_LOSS(", \"loss\": \"especially_serious\""), FH_GRADE_III,
           "national.III.1");
    expect(nat, NAT_LOSS(", \"loss\": \"minor\""), FH_GRADE_IV, "national.IV");
    expect(nat, NAT_LOSS(", \"loss\": \"none\""), FH_GRADE_IV, "national.IV");
}

static void test_national_2_data_threat_grades_each_kind(void **state)
{
    static const char *const kinds[] = {"state_secret", "important_sensitive", "key_data",
                                        "important_data", "personal"};
    char buf[256];
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        snprintf(buf, sizeof buf, "{\"class\": \"IDI.III\", \"data\": {\"kind\": \"%s\", "
                                  "\"threat\": \"especially_serious\"}}", kinds[i]);
        expect(nat, buf, FH_GRADE_I, "national.I.2");
    }
    expect(nat, "{\"class\": \"IDI.LII\", \"data\": {\"kind\": \"key_data\", \"threat\": "
                "\"serious\"}}", FH_GRADE_II, "national.II.2");
    expect(nat, "{\"class\": \"IDI.ILI\", \"data\": {\"kind\": \"key_data\", \"threat\": "
                "\"relatively_serious\"}}", FH_GRADE_III, "national.III.2");
    expect(nat, "{\"class\": \"IDI.ILI\", \"data\": {\"kind\": \"key_data\", \"threat\": "
                "\"some\"}}", FH_GRADE_IV, "national.IV");
    expect(nat, "{\"class\": \"IDI.ILI\", \"data\": {\"kind\": \"none\", \"threat\": "
                "\"especially_serious\"}}", FH_GRADE_IV, "national.IV");
    expect(nat, "{\"class\": \"IDI.ILI\", \"data\": {\"kind\": \"key_data\"}}", FH_GRADE_IV,
           "national.IV");  /* no threat given: nothing to grade it by */
}

static void test_national_2_economic_loss_at_under_over_on_its_own(void **state)
{
    static const struct {
        const char *cny;
        enum fh_grade g;
        const char *id;
    } rows[] = {
        {"100000000", FH_GRADE_I, "national.I.2"}, {"100000001", FH_GRADE_I, "national.I.2"},
        {"99999999", FH_GRADE_II, "national.II.2"}, {"10000000", FH_GRADE_II, "national.II.2"},
        {"10000000.5", FH_GRADE_II, "national.II.2"}, {"9999999", FH_GRADE_III, "national.III.2"},
        {"1000000", FH_GRADE_III, "national.III.2"}, {"1000001", FH_GRADE_III, "national.III.2"},
        {"999999.99", FH_GRADE_IV, "national.IV"}, {"0", FH_GRADE_IV, "national.IV"},
    };
    char buf[128];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        /* no data compromise at all: the amount grades on its own */
        snprintf(buf, sizeof buf, "{\"class\": \"NAI.ONAI\", \"economic_loss_cny\": %s}",
                 rows[i].cny);
        expect(nat, buf, rows[i].g, rows[i].id);
    }
}

static void test_national_3_impact_catch_all(void **state)
{
    expect(nat, "{\"class\": \"ICSI\", \"impact\": \"especially_serious\"}", FH_GRADE_I,
           "national.I.3");
    expect(nat, "{\"class\": \"ICSI\", \"impact\": \"serious\"}", FH_GRADE_II, "national.II.3");
    expect(nat, "{\"class\": \"ICSI\", \"impact\": \"relatively_serious\"}", FH_GRADE_III,
           "national.III.3");
    expect(nat, "{\"class\": \"ICSI\", \"impact\": \"some\"}", FH_GRADE_IV, "national.IV");
}

static void test_national_lists_every_rule_met_at_the_grade_once(void **state)
{
    struct fh_grade_result r = grade(nat,
        "{" SYS_IMP ", \"outage_hours\": 3, \"people_affected\": 2000000, "
        "\"economic_loss_cny\": 200000000, \"data\": {\"kind\": \"state_secret\", "
        "\"threat\": \"especially_serious\"}, \"impact\": \"serious\"}");
    assert_int_equal(r.grade, FH_GRADE_I);
    assert_int_equal(r.nmatches, 2);  /* I.2 met by both alternatives, listed once */
    assert_string_equal(r.matches[0].id, "national.I.1");
    assert_string_equal(r.matches[1].id, "national.I.2");
}

static void test_national_report_duty_and_warning_per_grade(void **state)
{
    static const struct {
        const char *json;
        const char *code, *name, *warning;
        int within;
    } rows[] = {
        {"{\"class\": \"OI\", \"impact\": \"especially_serious\"}", "I", "特别重大", "red", 60},
        {"{\"class\": \"OI\", \"impact\": \"serious\"}", "II", "重大", "orange", 120},
        {"{\"class\": \"OI\", \"impact\": \"relatively_serious\"}", "III", "较大", "yellow", 0},
        {"{\"class\": \"OI\"}", "IV", "一般", "blue", -1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fh_grade_result r = grade(nat, rows[i].json);
        assert_string_equal(r.grade_code, rows[i].code);
        assert_string_equal(r.name, rows[i].name);
        assert_string_equal(r.warning, rows[i].warning);
        assert_int_equal(r.report_within_minutes, rows[i].within);
        assert_int_equal(r.summary_due_days, -1);
        assert_true(strlen(r.report_to) > 0);
    }
}

/* ---- education ---- */

#define EDU_SYS(imp, loss) \
    "{\"class\": \"FF.SHF\", \"system\": {\"importance\": \"" imp "\", \"loss\": \"" loss "\"}}"

static void test_education_system_loss_clauses_I1_II2_III2(void **state)
{
    expect(edu, EDU_SYS("important", "especially_serious"), FH_GRADE_I, "education.I.1");
    expect(edu, EDU_SYS("critical", "especially_serious"), FH_GRADE_I, "education.I.1");
    expect(edu, EDU_SYS("important", "serious"), FH_GRADE_II, "education.II.2");
    expect(edu, EDU_SYS("critical", "relatively_serious"), FH_GRADE_III, "education.III.2");
    expect(edu, EDU_SYS("important", "minor"), FH_GRADE_IV, "education.IV");
    expect(edu, EDU_SYS("general", "especially_serious"), FH_GRADE_IV, "education.IV");
}

static void test_education_III2_needs_the_loss_not_only_an_outage(void **state)
{
    expect(edu, "{\"class\": \"FF.SHF\", \"system\": {\"importance\": \"important\"}, "
                "\"outage_hours\": 30, \"people_affected\": 5000000}", FH_GRADE_IV,
           "education.IV");
}

#define EDU_DATA(imp, kind, threat)                                                         \
    "{\"class\": \"IDI.III\", \"system\": {\"importance\": \"" imp "\"}, \"data\": {\"kind\": " \
    "\"" kind "\", \"threat\": \"" threat "\"}}"

static void test_education_data_I2_II3_cover_all_but_none_and_personal(void **state)
{
    static const char *const kinds[] = {"state_secret", "important_sensitive", "key_data",
                                        "important_data"};
    char buf[256];
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        snprintf(buf, sizeof buf, "{\"class\": \"IDI.III\", \"system\": {\"importance\": "
                                  "\"critical\"}, \"data\": {\"kind\": \"%s\", \"threat\": "
                                  "\"especially_serious\"}}", kinds[i]);
        expect(edu, buf, FH_GRADE_I, "education.I.2");
    }
    expect(edu, EDU_DATA("important", "key_data", "serious"), FH_GRADE_II, "education.II.3");
    /* personal data is not in I.2/II.3 but is in III.3 */
    expect(edu, EDU_DATA("important", "personal", "especially_serious"), FH_GRADE_III,
           "education.III.3");
    expect(edu, EDU_DATA("important", "none", "especially_serious"), FH_GRADE_IV,
           "education.IV");
    expect(edu, EDU_DATA("general", "state_secret", "especially_serious"), FH_GRADE_IV,
           "education.IV");
}

static void test_education_III3_any_data_of_an_important_system(void **state)
{
    expect(edu, EDU_DATA("important", "important_data", "relatively_serious"), FH_GRADE_III,
           "education.III.3");
    expect(edu, EDU_DATA("critical", "personal", "relatively_serious"), FH_GRADE_III,
           "education.III.3");
    expect(edu, EDU_DATA("important", "important_data", "some"), FH_GRADE_IV, "education.IV");
}

#define EDU_VIRUS(cls, spread) "{\"class\": \"" cls "\", \"spread\": {" spread "}}"

static void test_education_virus_spread_I3_II4_III4(void **state)
{
    expect(edu, EDU_VIRUS("MI.WI", "\"scope\": \"nation\""), FH_GRADE_I, "education.I.3");
    expect(edu, EDU_VIRUS("MI", "\"scope\": \"province\""), FH_GRADE_II, "education.II.4");
    expect(edu, EDU_VIRUS("MI.CVI", "\"scope\": \"city\""), FH_GRADE_III, "education.III.4");
    expect(edu, EDU_VIRUS("MI.CVI", "\"scope\": \"units\""), FH_GRADE_III, "education.III.4");
    expect(edu, EDU_VIRUS("MI.CVI", "\"scope\": \"unit\""), FH_GRADE_IV, "education.IV");
    expect(edu, EDU_VIRUS("MI.CVI", "\"scope\": \"host\""), FH_GRADE_IV, "education.IV");
    /* "网络病毒" is any MI class: an attack spreading nation-wide is not this clause */
    expect(edu, EDU_VIRUS("NAI.DOSAI", "\"scope\": \"nation\""), FH_GRADE_IV,
           "education.IV");
}

static void test_education_III4_several_units_is_two_or_more(void **state)
{
    expect(edu, EDU_VIRUS("MI.THI", "\"units\": 2"), FH_GRADE_III, "education.III.4");
    expect(edu, EDU_VIRUS("MI.THI", "\"units\": 3"), FH_GRADE_III, "education.III.4");
    expect(edu, EDU_VIRUS("MI.THI", "\"units\": 1"), FH_GRADE_IV, "education.IV");
    expect(edu, EDU_VIRUS("MI.THI", "\"scope\": \"unit\", \"units\": 1"), FH_GRADE_IV,
           "education.IV");
}

static void test_education_users_offline_II1_III1(void **state)
{
    expect(edu, "{\"class\": \"NAI.DOSAI\", \"edu\": {\"provincial_network_users_offline\": "
                "\"many\"}}", FH_GRADE_II, "education.II.1");
    expect(edu, "{\"class\": \"NAI.DOSAI\", \"edu\": {\"provincial_network_users_offline\": "
                "\"some\"}}", FH_GRADE_IV, "education.IV");
    expect(edu, "{\"class\": \"NAI.DOSAI\", \"edu\": {"
                "\"metro_or_campus_network_users_offline\": \"many\"}}", FH_GRADE_III,
           "education.III.1");
    expect(edu, "{\"class\": \"NAI.DOSAI\", \"edu\": {"
                "\"metro_or_campus_network_users_offline\": \"some\"}}", FH_GRADE_IV,
           "education.IV");
    expect(edu, "{\"class\": \"FF.PSFF\", \"edu\": {\"core_system_unreachable\": true}}",
           FH_GRADE_III, "education.III.1");
    expect(edu, "{\"class\": \"FF.PSFF\", \"edu\": {\"core_system_unreachable\": false}}",
           FH_GRADE_IV, "education.IV");
}

static void test_education_impact_catch_all(void **state)
{
    expect(edu, "{\"class\": \"ICSI\", \"impact\": \"especially_serious\"}", FH_GRADE_I,
           "education.I.4");
    expect(edu, "{\"class\": \"ICSI\", \"impact\": \"serious\"}", FH_GRADE_II,
           "education.II.5");
    expect(edu, "{\"class\": \"ICSI\", \"impact\": \"relatively_serious\"}", FH_GRADE_III,
           "education.III.5");
    expect(edu, "{\"class\": \"ICSI\", \"impact\": \"some\"}", FH_GRADE_IV, "education.IV");
}

static void test_education_hours_people_cny_do_not_grade(void **state)
{
    /* the education plan has no hours, people or CNY thresholds */
    expect(edu, "{\"class\": \"NAI.DOSAI\", \"system\": {\"importance\": \"critical\"}, "
                "\"outage_hours\": 48, \"people_affected\": 9000000, "
                "\"economic_loss_cny\": 900000000}", FH_GRADE_IV, "education.IV");
}

static void test_education_report_at_once_for_I_to_III_summary_5_days(void **state)
{
    static const struct {
        const char *json;
        int within;
    } rows[] = {
        {"{\"class\": \"OI\", \"impact\": \"especially_serious\"}", 0},
        {"{\"class\": \"OI\", \"impact\": \"serious\"}", 0},
        {"{\"class\": \"OI\", \"impact\": \"relatively_serious\"}", 0},
        {"{\"class\": \"OI\"}", -1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fh_grade_result r = grade(edu, rows[i].json);
        assert_int_equal(r.grade, FH_GRADE_I + (int)i);
        assert_int_equal(r.report_within_minutes, rows[i].within);
        assert_int_equal(r.summary_due_days, 5);
    }
}

/* ---- warnings, output ---- */

static void test_warning_authority_per_level_from_the_plans(void **state)
{
    assert_int_equal(fh_grade_warning_authority(nat, FH_WARNING_RED), FH_LEVEL_PROVINCE);
    assert_int_equal(fh_grade_warning_authority(nat, FH_WARNING_ORANGE), FH_LEVEL_PROVINCE);
    assert_int_equal(fh_grade_warning_authority(nat, FH_WARNING_YELLOW), FH_LEVEL_COUNTY);
    assert_int_equal(fh_grade_warning_authority(nat, FH_WARNING_BLUE), FH_LEVEL_COUNTY);
    assert_int_equal(fh_grade_warning_multi_area_authority(nat), FH_LEVEL_PROVINCE);
    assert_int_equal(fh_grade_warning_authority(edu, FH_WARNING_RED), FH_LEVEL_PROVINCE);
    assert_int_equal(fh_grade_warning_authority(edu, FH_WARNING_ORANGE), FH_LEVEL_PROVINCE);
    assert_int_equal(fh_grade_warning_authority(edu, FH_WARNING_YELLOW), FH_LEVEL_COUNTY);
    assert_int_equal(fh_grade_warning_authority(edu, FH_WARNING_BLUE), FH_LEVEL_COUNTY);
    assert_int_equal(fh_grade_warning_multi_area_authority(edu), FH_LEVEL_PROVINCE);
    assert_int_equal(fh_grade_warning_authority(edu, (enum fh_warning)0), FH_EINVAL);
    assert_int_equal(fh_grade_warning_authority(edu, (enum fh_warning)5), FH_EINVAL);
    assert_non_null(strstr(fh_grade_warning_issuer(nat, FH_WARNING_RED), "市委网信部门"));
    assert_null(fh_grade_warning_issuer(nat, (enum fh_warning)9));
    assert_string_equal(fh_grade_warning_name(FH_WARNING_ORANGE), "orange");
}

static void test_answer_json_has_the_contract_shape(void **state)
{
    /* the example input of GRADING.md */
    const char *example =
        "{\"class\": \"MI.CVI\", \"system\": {\"importance\": \"critical\", \"loss\": "
        "\"serious\"}, \"outage_hours\": 1.5, \"people_affected\": 150000, "
        "\"economic_loss_cny\": 0, \"data\": {\"kind\": \"key_data\", \"threat\": \"serious\"},"
        " \"spread\": {\"scope\": \"units\", \"units\": 4}, \"edu\": {"
        "\"provincial_network_users_offline\": \"many\", "
        "\"metro_or_campus_network_users_offline\": \"none\", \"core_system_unreachable\": "
        "false}, \"impact\": \"some\"}";
    struct fh_grade_result r = grade(nat, example);
    json_t *doc = fh_grade_result_json(&r);
    assert_non_null(doc);
    assert_int_equal(json_object_size(doc), 7);
    assert_string_equal(json_string_value(json_object_get(doc, "grade")), "II");
    assert_string_equal(json_string_value(json_object_get(doc, "name")), "重大");
    assert_string_equal(json_string_value(json_object_get(doc, "warning")), "orange");
    assert_string_equal(json_string_value(json_object_get(doc, "response")), "II");
    json_t *rules = json_object_get(doc, "rules");
    assert_int_equal(json_array_size(rules), 2);
    json_t *r0 = json_array_get(rules, 0);
    assert_int_equal(json_object_size(r0), 2);
    assert_string_equal(json_string_value(json_object_get(r0, "id")), "national.II.1");
    assert_true(strncmp(json_string_value(json_object_get(r0, "text")),
                        "重要网络和信息系统中断运行1小时以上,影响人数10万人以上",
                        strlen("重要网络和信息系统中断运行1小时以上,影响人数10万人以上")) == 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rules, 1), "id")),
                        "national.II.2");
    json_t *rep = json_object_get(doc, "report");
    assert_int_equal(json_object_size(rep), 2);
    assert_int_equal(json_integer_value(json_object_get(rep, "within_minutes")), 120);
    assert_string_equal(json_string_value(json_object_get(rep, "to")),
                        "county CAC office and public security, then upward");
    assert_true(json_is_null(json_object_get(doc, "summary_due_days")));
    json_decref(doc);

    r = grade(edu, example);  /* II.1, II.2, II.3 at once; III.4 is below */
    doc = fh_grade_result_json(&r);
    assert_string_equal(json_string_value(json_object_get(doc, "grade")), "II");
    assert_int_equal(json_array_size(json_object_get(doc, "rules")), 3);
    assert_int_equal(json_integer_value(json_object_get(doc, "summary_due_days")), 5);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "report"),
                                                        "within_minutes")), 0);
    json_decref(doc);
}

static void test_answer_json_of_grade_IV_has_null_deadline(void **state)
{
    struct fh_grade_result r = grade(nat, "{\"class\": \"NAI.NSEI\"}");
    json_t *doc = fh_grade_result_json(&r);
    assert_string_equal(json_string_value(json_object_get(doc, "grade")), "IV");
    assert_string_equal(json_string_value(json_object_get(doc, "warning")), "blue");
    json_t *rule = json_array_get(json_object_get(doc, "rules"), 0);
    assert_string_equal(json_string_value(json_object_get(rule, "id")), "national.IV");
    assert_true(json_is_null(json_object_get(json_object_get(doc, "report"),
                                             "within_minutes")));
    json_decref(doc);
}

static void test_rule_text_says_how_an_ambiguous_clause_is_read(void **state)
{
    struct fh_grade_result r = grade(nat, "{\"class\": \"IDI.LII\", \"economic_loss_cny\": "
                                          "1000000}");
    assert_non_null(strstr(r.matches[0].text, "导致100万元人民币以上的经济损失"));
    assert_non_null(strstr(r.matches[0].text, "fenghuo 读法"));
    assert_non_null(strstr(r.matches[0].text, "单独即可定级"));
}

static void test_answer_text_is_two_lines(void **state)
{
    struct fh_grade_result r = grade(edu, "{\"class\": \"MI\", \"spread\": {\"units\": 5}}");
    char buf[2048];
    fh_grade_result_text(&r, buf, sizeof buf);
    assert_non_null(strstr(buf, "III级 较大"));
    assert_non_null(strstr(buf, "education.III.4"));
    assert_non_null(strstr(buf, "at once"));
    assert_non_null(strstr(buf, "due 5 days"));
    int lines = 0;
    for (const char *c = buf; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_national_I1_outage_and_people_at_under_over),
        cmocka_unit_test(test_national_II1_outage_and_people_at_under_over),
        cmocka_unit_test(test_national_III1_outage_and_people_at_under_over),
        cmocka_unit_test(test_national_outage_clauses_need_an_important_or_critical_system),
        cmocka_unit_test(test_national_III1_loss_absent_met_by_outage_minor_or_none_fails),
        cmocka_unit_test(test_national_2_data_threat_grades_each_kind),
        cmocka_unit_test(test_national_2_economic_loss_at_under_over_on_its_own),
        cmocka_unit_test(test_national_3_impact_catch_all),
        cmocka_unit_test(test_national_lists_every_rule_met_at_the_grade_once),
        cmocka_unit_test(test_national_report_duty_and_warning_per_grade),
        cmocka_unit_test(test_education_system_loss_clauses_I1_II2_III2),
        cmocka_unit_test(test_education_III2_needs_the_loss_not_only_an_outage),
        cmocka_unit_test(test_education_data_I2_II3_cover_all_but_none_and_personal),
        cmocka_unit_test(test_education_III3_any_data_of_an_important_system),
        cmocka_unit_test(test_education_virus_spread_I3_II4_III4),
        cmocka_unit_test(test_education_III4_several_units_is_two_or_more),
        cmocka_unit_test(test_education_users_offline_II1_III1),
        cmocka_unit_test(test_education_impact_catch_all),
        cmocka_unit_test(test_education_hours_people_cny_do_not_grade),
        cmocka_unit_test(test_education_report_at_once_for_I_to_III_summary_5_days),
        cmocka_unit_test(test_warning_authority_per_level_from_the_plans),
        cmocka_unit_test(test_answer_json_has_the_contract_shape),
        cmocka_unit_test(test_answer_json_of_grade_IV_has_null_deadline),
        cmocka_unit_test(test_rule_text_says_how_an_ambiguous_clause_is_read),
        cmocka_unit_test(test_answer_text_is_two_lines),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
