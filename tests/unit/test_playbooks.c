/* test_playbooks.c - plan 001 附件4 checklists by class (collector/playbooks.c): an exact
 * class code first, then its category, nothing for a class no playbook answers; every
 * playbook has steps within its bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "playbooks.h"

static const char *id_for(const char *cls)
{
    const struct fh_playbook *p = fh_playbook_for_class(cls);
    return p ? p->id : NULL;
}

static void test_playbooks_exact_class_code_wins_over_its_category(void **state)
{
    (void)state;
    /* FF (category) is "system down"; FF.PSFF and FF.OFF are named for network outage */
    assert_string_equal(id_for("FF.PSFF"), "network_outage");
    assert_string_equal(id_for("FF.OFF"), "network_outage");
    assert_string_equal(id_for("FF.SHF"), "system_down");
    assert_string_equal(id_for("NAI.VAI"), "high_risk_vuln");
    assert_string_equal(id_for("NAI.DOSAI"), "system_down");
    assert_string_equal(id_for("IDI.IAI"), "web_tamper");
}

static void test_playbooks_category_answers_its_other_classes(void **state)
{
    (void)state;
    assert_string_equal(id_for("MI.CVI"), "virus_outbreak");
    assert_string_equal(id_for("MI"), "virus_outbreak");
    assert_string_equal(id_for("FF.MDA"), "system_down");
    assert_string_equal(id_for("FF"), "system_down");
    assert_string_equal(id_for("ICSI.XYZ"), "web_tamper");
    /* a code that is only a prefix (or an extension) of an exact one is not it */
    assert_string_equal(id_for("FF.PSF"), "system_down");
    assert_string_equal(id_for("FF.PSFFF"), "system_down");
}

static void test_playbooks_unknown_class_has_none(void **state)
{
    (void)state;
    assert_null(id_for("IDI.OIDI"));   /* IDI is answered only for IAI */
    assert_null(id_for("NAI.OTHER"));  /* NAI only for VAI and DOSAI */
    assert_null(id_for("OI"));
    assert_null(id_for(""));
    assert_null(id_for("."));
    assert_null(id_for(NULL));
    assert_null(id_for("F"));          /* a prefix of a listed code is not it */
    assert_null(id_for("MIX.CVI"));
}

static void test_playbooks_get_by_id(void **state)
{
    (void)state;
    static const char *const ids[] = {"web_tamper", "virus_outbreak", "system_down",
                                      "network_outage", "high_risk_vuln"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const struct fh_playbook *p = fh_playbook_get(ids[i]);
        assert_non_null(p);
        assert_string_equal(p->id, ids[i]);
        assert_true(p->title && p->title[0]);
    }
    assert_null(fh_playbook_get("nope"));
    assert_null(fh_playbook_get(""));
    assert_null(fh_playbook_get(NULL));
}

static void test_playbooks_step_counts(void **state)
{
    (void)state;
    assert_int_equal(fh_playbook_steps(fh_playbook_get("web_tamper")), 5);
    assert_int_equal(fh_playbook_steps(fh_playbook_get("virus_outbreak")), 5);
    assert_int_equal(fh_playbook_steps(fh_playbook_get("system_down")), 4);
    assert_int_equal(fh_playbook_steps(fh_playbook_get("network_outage")), 4);
    assert_int_equal(fh_playbook_steps(fh_playbook_get("high_risk_vuln")), 4);
    assert_int_equal(fh_playbook_steps(NULL), 0);
}

static void test_playbooks_steps_are_within_bound_and_deadlines_as_the_plan(void **state)
{
    (void)state;
    static const char *const ids[] = {"web_tamper", "virus_outbreak", "system_down",
                                      "network_outage", "high_risk_vuln"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const struct fh_playbook *p = fh_playbook_get(ids[i]);
        size_t n = fh_playbook_steps(p);
        assert_true(n >= 1 && n <= FH_PLAYBOOK_MAX_STEPS);
        assert_null(p->steps[n]);
        for (size_t k = 0; k < n; k++)
            assert_true(strlen(p->steps[k]) > 0);
    }
    assert_int_equal(fh_playbook_get("high_risk_vuln")->deadline_days, 7);   /* 7 日内 */
    assert_int_equal(fh_playbook_get("web_tamper")->deadline_days, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_playbooks_exact_class_code_wins_over_its_category),
        cmocka_unit_test(test_playbooks_category_answers_its_other_classes),
        cmocka_unit_test(test_playbooks_unknown_class_has_none),
        cmocka_unit_test(test_playbooks_get_by_id),
        cmocka_unit_test(test_playbooks_step_counts),
        cmocka_unit_test(test_playbooks_steps_are_within_bound_and_deadlines_as_the_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
