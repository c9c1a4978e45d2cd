/* test_pbjson.c - protobuf-c messages as JSON (common/pbjson.c): what a peer may put in a
 * body never makes a field vanish from fenghuo-ctl's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "pbjson.h"
#include "fenghuo.pb-c.h"

static void test_pbjson_keeps_a_string_that_is_not_utf8_with_replacement_characters(void **state)
{
    (void)state;
    Fh__Detection d = FH__DETECTION__INIT;
    Fh__Detection__FactsEntry e = FH__DETECTION__FACTS_ENTRY__INIT, *ep[1] = {&e};
    d.class_code = "IDI.IAI";
    d.summary = "bad \xff byte, overlong \xc0\xaf, surrogate \xed\xa0\x80, cut \xe4\xb8";
    e.key = "pa\xfeth";
    e.value = "/var\xafwww";
    d.facts = ep;
    d.n_facts = 1;
    json_t *j = fh_pbjson(&d.base);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "summary")),
                        "bad \xef\xbf\xbd byte, overlong \xef\xbf\xbd\xef\xbf\xbd, surrogate "
                        "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd, cut \xef\xbf\xbd\xef\xbf\xbd");
    json_t *facts = json_object_get(j, "facts");
    assert_int_equal(json_object_size(facts), 1);
    assert_string_equal(json_string_value(json_object_get(facts, "pa\xef\xbf\xbdth")),
                        "/var\xef\xbf\xbdwww");
    json_decref(j);
}

static void test_pbjson_keeps_valid_utf8_as_it_is(void **state)
{
    (void)state;
    Fh__Detection d = FH__DETECTION__INIT;
    d.summary = "机房断电 \xf0\x9f\x94\xa5 \xf4\x8f\xbf\xbf";
    json_t *j = fh_pbjson(&d.base);
    assert_string_equal(json_string_value(json_object_get(j, "summary")), d.summary);
    json_decref(j);
}

static void test_pbjson_prints_nan_and_infinity_as_null(void **state)
{
    (void)state;
    Fh__Health h = FH__HEALTH__INIT;
    h.cpu_pct = NAN;
    h.load1 = INFINITY;
    h.load5 = -INFINITY;
    h.load15 = 0.25;
    json_t *j = fh_pbjson(&h.base);
    assert_non_null(j);
    assert_true(json_is_null(json_object_get(j, "cpu_pct")));
    assert_true(json_is_null(json_object_get(j, "load1")));
    assert_true(json_is_null(json_object_get(j, "load5")));
    assert_float_equal(json_real_value(json_object_get(j, "load15")), 0.25, 1e-12);
    assert_int_equal(json_object_size(j), fh__health__descriptor.n_fields);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pbjson_keeps_a_string_that_is_not_utf8_with_replacement_characters),
        cmocka_unit_test(test_pbjson_keeps_valid_utf8_as_it_is),
        cmocka_unit_test(test_pbjson_prints_nan_and_infinity_as_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
