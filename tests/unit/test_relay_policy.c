/* test_relay_policy.c - collector/relay_policy.c: the built-in policy, `default`, a kind's
 * key over `default`, refused words with file and line, incident lanes by grade, and the
 * keys named as the kinds are. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "fenghuo.pb-c.h"
#include "relay_policy.h"
#include "report.h"

static int load(const char *text, struct fh_relay_policy *p, char *err, size_t err_len)
{
    struct fh_relay_conf c;
    memset(&c, 0, sizeof c);
    struct fh_config_table t = fh_relay_conf_table(&c);
    int rc = fh_config_load_string("t.ini", text, &t, 1, err, err_len);
    if (rc == 0)
        fh_relay_policy_make(&c, p);
    return rc;
}

static void test_relay_policy_builtin_keeps_samples_and_relays_incidents(void **state)
{
    (void)state;
    struct fh_relay_policy p;
    char err[256];
    assert_int_equal(load("", &p, err, sizeof err), 0);
    assert_false(fh_relay_sends(&p, FH__KIND__KIND_HEALTH));
    assert_false(fh_relay_sends(&p, FH__KIND__KIND_PATCH));
    assert_false(fh_relay_sends(&p, FH__KIND__KIND_DETECTION));
    assert_false(fh_relay_sends(&p, FH__KIND__KIND_SERVICE));
    assert_true(fh_relay_sends(&p, FH__KIND__KIND_INCIDENT));
    assert_true(fh_relay_sends(&p, FH__KIND__KIND_ROLLUP));
    assert_true(fh_relay_sends(&p, FH__KIND__KIND_WARNING));
    assert_true(fh_relay_sends(&p, FH__KIND__KIND_ADVISORY));
    assert_true(fh_relay_sends(&p, FH__KIND__KIND_WARNING_ACK));
    assert_true(fh_relay_sends(&p, FH__KIND__KIND_ADVISORY_ANSWER));
    assert_true(fh_relay_sends(&p, FH__KIND__KIND_DROP_NOTICE));
    /* a kind without a key (newer protocol) and out-of-table values go up */
    assert_true(fh_relay_sends(&p, 30));
    assert_true(fh_relay_sends(&p, 1000));
    assert_true(fh_relay_sends(&p, -1));
    assert_true(fh_relay_sends(NULL, FH__KIND__KIND_HEALTH));
}

static void test_relay_policy_default_relay_relays_every_kind(void **state)
{
    (void)state;
    struct fh_relay_policy p;
    char err[256];
    assert_int_equal(load("[relay_policy]\ndefault = relay\n", &p, err, sizeof err), 0);
    for (int k = 1; k < FH_RELAY_KINDS; k++)
        assert_true(fh_relay_sends(&p, k));
}

static void test_relay_policy_kind_key_wins_over_default(void **state)
{
    (void)state;
    struct fh_relay_policy p;
    char err[256];
    assert_int_equal(load("[relay_policy]\ndefault = keep\nincident = relay\nhealth = keep\n",
                          &p, err, sizeof err), 0);
    assert_true(fh_relay_sends(&p, FH__KIND__KIND_INCIDENT));
    assert_false(fh_relay_sends(&p, FH__KIND__KIND_WARNING));
    assert_false(fh_relay_sends(&p, FH__KIND__KIND_ROLLUP));
    assert_false(fh_relay_sends(&p, FH__KIND__KIND_HEALTH));
    assert_int_equal(load("[relay_policy]\nhealth = relay\n", &p, err, sizeof err), 0);
    assert_true(fh_relay_sends(&p, FH__KIND__KIND_HEALTH));
    assert_false(fh_relay_sends(&p, FH__KIND__KIND_DETECTION));   /* built-in still */
}

static void test_relay_policy_refuses_unknown_word_naming_file_line_key(void **state)
{
    (void)state;
    struct fh_relay_policy p;
    char err[256];
    assert_int_equal(load("[relay_policy]\nincident = relay\nhealth = drop\n", &p, err,
                          sizeof err), FH_ECONFIG);
    assert_non_null(strstr(err, "t.ini:3: relay_policy.health"));
    assert_non_null(strstr(err, "\"drop\" is not one of relay|keep"));
    assert_int_equal(load("[relay_policy]\ndefault = Relay\n", &p, err, sizeof err), FH_ECONFIG);
    assert_int_equal(load("[relay_policy]\ndefault = rela\n", &p, err, sizeof err), FH_ECONFIG);
    assert_int_equal(load("[relay_policy]\ndefault =\n", &p, err, sizeof err), FH_ECONFIG);
    assert_int_equal(load("[relay_policy]\nhello = relay\n", &p, err, sizeof err), FH_ECONFIG);
}

static void test_relay_policy_urgent_grade_bounds(void **state)
{
    (void)state;
    struct fh_relay_policy p;
    char err[256];
    assert_int_equal(load("[relay_policy]\nurgent_grade = 0\n", &p, err, sizeof err), FH_ECONFIG);
    assert_int_equal(load("[relay_policy]\nurgent_grade = 5\n", &p, err, sizeof err), FH_ECONFIG);
    assert_int_equal(load("[relay_policy]\nurgent_grade = 4\n", &p, err, sizeof err), 0);
    assert_int_equal(p.urgent_grade, 4);
    assert_int_equal(load("[rollup]\nperiod_s = 0\n", &p, err, sizeof err), FH_ECONFIG);
}

static enum fh_lane incident_lane(const struct fh_relay_policy *p, uint32_t grade)
{
    Fh__Incident inc = FH__INCIDENT__INIT;
    inc.grade = grade;
    return fh_relay_lane(p, FH__KIND__KIND_INCIDENT, &inc.base);
}

static void test_relay_policy_incident_lane_by_grade(void **state)
{
    (void)state;
    struct fh_relay_policy p;
    char err[256];
    assert_int_equal(load("", &p, err, sizeof err), 0);
    assert_int_equal(incident_lane(&p, 1), FH_LANE_URGENT);
    assert_int_equal(incident_lane(&p, 3), FH_LANE_URGENT);   /* at the bound */
    assert_int_equal(incident_lane(&p, 4), FH_LANE_BULK);     /* above it */
    assert_int_equal(incident_lane(&p, 0), FH_LANE_URGENT);   /* ungraded: at once */
    assert_int_equal(incident_lane(NULL, 4), FH_LANE_URGENT);
    assert_int_equal(load("[relay_policy]\nurgent_grade = 2\n", &p, err, sizeof err), 0);
    assert_int_equal(incident_lane(&p, 2), FH_LANE_URGENT);
    assert_int_equal(incident_lane(&p, 3), FH_LANE_BULK);
    /* other kinds keep their kind's lane */
    assert_int_equal(fh_relay_lane(&p, FH__KIND__KIND_HEALTH, NULL), FH_LANE_BULK);
    assert_int_equal(fh_relay_lane(&p, FH__KIND__KIND_DETECTION, NULL), FH_LANE_URGENT);
    assert_int_equal(fh_relay_lane(&p, FH__KIND__KIND_ROLLUP, NULL), FH_LANE_BULK);
}

static void test_relay_policy_keys_are_kind_names(void **state)
{
    (void)state;
    struct fh_config_table t = fh_relay_conf_table(NULL);
    size_t kinds = 0;
    for (size_t i = 0; i < t.nkeys; i++) {
        const struct fh_config_key *k = &t.keys[i];
        if (strcmp(k->section, "relay_policy") != 0 || strcmp(k->name, "default") == 0 ||
            strcmp(k->name, "urgent_grade") == 0)
            continue;
        bool found = false;
        for (int kind = 1; kind < FH_RELAY_KINDS && !found; kind++)
            found = strcmp(fh_kind_name(kind), k->name) == 0;
        assert_true(found);
        kinds++;
    }
    assert_int_equal(kinds, FH_RELAY_CONF_KEYS);
}

static void test_relay_policy_describe_names_every_kind(void **state)
{
    (void)state;
    struct fh_relay_policy p;
    char err[256], buf[512], small[16];
    assert_int_equal(load("", &p, err, sizeof err), 0);
    fh_relay_policy_describe(&p, buf, sizeof buf);
    assert_non_null(strstr(buf, "health=keep"));
    assert_non_null(strstr(buf, "incident=relay"));
    assert_non_null(strstr(buf, "urgent_grade=3"));
    fh_relay_policy_describe(&p, small, sizeof small);   /* cut, NUL-terminated */
    assert_true(strlen(small) < sizeof small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relay_policy_builtin_keeps_samples_and_relays_incidents),
        cmocka_unit_test(test_relay_policy_default_relay_relays_every_kind),
        cmocka_unit_test(test_relay_policy_kind_key_wins_over_default),
        cmocka_unit_test(test_relay_policy_refuses_unknown_word_naming_file_line_key),
        cmocka_unit_test(test_relay_policy_urgent_grade_bounds),
        cmocka_unit_test(test_relay_policy_incident_lane_by_grade),
        cmocka_unit_test(test_relay_policy_keys_are_kind_names),
        cmocka_unit_test(test_relay_policy_describe_names_every_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
