/* test_path.c - unit tests of common/path.c: which paths are valid, why the others are
 * not, scope containment segment by segment, and parents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "path.h"

/* Assert that s is refused with FH_EINVAL and a reason containing part. */
static void assert_refused(const char *s, const char *part)
{
    char why[256] = "";
    struct fh_path p;
    int rc = fh_path_parse(s, &p, why, sizeof why);
    if (rc != FH_EINVAL || !strstr(why, part))
        fail_msg("\"%s\": rc %d, why \"%s\", wanted \"%s\"", s, rc, why, part);
}

static void test_path_accepts_each_division_level(void **state)
{
    (void)state;
    struct fh_path p;
    assert_int_equal(fh_path_parse("320000", &p, NULL, 0), 0);
    assert_int_equal(p.nseg, 1);
    assert_int_equal(p.level[0], FH_LEVEL_PROVINCE);
    assert_int_equal(fh_path_parse("320000/320100", &p, NULL, 0), 0);
    assert_int_equal(p.level[1], FH_LEVEL_CITY);
    assert_int_equal(fh_path_parse("320000/320100/320102", &p, NULL, 0), 0);
    assert_int_equal(p.nseg, 3);
    assert_int_equal(p.level[2], FH_LEVEL_COUNTY);
    assert_true(fh_path_valid("110000/110100/110101"));
    assert_true(fh_path_valid("820000"));
}

static void test_path_accepts_full_path_with_offsets(void **state)
{
    (void)state;
    struct fh_path p;
    char why[128] = "stale";
    const char *s = "100000/320000/320100/320102/3132000001/web01.example-1.cn";
    assert_int_equal(fh_path_parse(s, &p, why, sizeof why), 0);
    assert_string_equal(why, "");
    assert_string_equal(p.text, s);
    assert_int_equal(p.nseg, 6);
    const enum fh_path_level want[] = {FH_LEVEL_NATION, FH_LEVEL_PROVINCE, FH_LEVEL_CITY,
                                       FH_LEVEL_COUNTY, FH_LEVEL_UNIT, FH_LEVEL_HOST};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(p.level[i], want[i]);
    assert_int_equal(p.off[4], 28);
    assert_int_equal(p.len[4], 10);
    assert_int_equal(p.off[5], 39);
    assert_int_equal(p.len[5], strlen("web01.example-1.cn"));
}

static void test_path_accepts_unit_under_any_division(void **state)
{
    (void)state;
    assert_true(fh_path_valid("320000/32000000")); /* 8 characters, the minimum */
    assert_true(fh_path_valid("320000/320100/91320100MA1XYZ1234")); /* 18, the maximum */
    assert_true(fh_path_valid("320000/320100/320102/3132000001"));
    assert_true(fh_path_valid("100000/3132000001"));
}

static void test_path_accepts_host_only_under_unit(void **state)
{
    (void)state;
    assert_true(fh_path_valid("320000/3132000001/web01"));
    assert_true(fh_path_valid("320000/3132000001/WEB01"));
    assert_refused("320000/320100/web01", "a host name needs a unit code above it");
    assert_refused("320000/320100/320102/db-1.lan", "a host name needs a unit code above it");
}

static void test_path_refuses_county_outside_city(void **state)
{
    (void)state;
    assert_refused("320000/320100/320202",
                   "segment 3 \"320202\": this county is not in city 320100 (the first 4"
                   " digits differ)");
}

static void test_path_refuses_city_outside_province(void **state)
{
    (void)state;
    assert_refused("320000/330100",
                   "segment 2 \"330100\": this city is not in province 320000");
}

static void test_path_refuses_county_without_city(void **state)
{
    (void)state;
    assert_refused("320000/320102", "segment 2 \"320102\": a county needs its city before it");
}

static void test_path_refuses_path_not_starting_at_province(void **state)
{
    (void)state;
    assert_refused("320100", "segment 1 \"320100\": a path starts with a province code");
    assert_refused("100000/320100/320102",
                   "segment 2 \"320100\": the nation is followed by a province code");
    assert_refused("3132000001/web01", "segment 1 \"3132000001\": a path starts with");
}

static void test_path_refuses_levels_out_of_order(void **state)
{
    (void)state;
    assert_refused("320000/330000", "a province cannot follow a province");
    assert_refused("320000/320100/320200", "a city cannot follow a city");
    assert_refused("320000/320100/320102/320103", "no division lies below a county");
}

static void test_path_refuses_province_outside_11_to_82(void **state)
{
    (void)state;
    assert_refused("100001", "province 11..82");
    assert_refused("830000", "province 11..82");
    assert_refused("990000/990100", "province 11..82");
    assert_refused("320001", "a county code has a city part");
}

static void test_path_refuses_malformed_division_codes(void **state)
{
    (void)state;
    assert_refused("320000/320200x", "segment 2 \"320200x\": a city code is 6 digits");
    assert_refused("32000", "segment 1 \"32000\": a province code is 6 digits");
    assert_refused("320000/320100/32010", "segment 3 \"32010\": a county code is 6 digits");
}

static void test_path_refuses_bad_unit_codes(void **state)
{
    (void)state;
    assert_refused("320000/320100/320102/3132000", "a unit code is 8 to 18");
    assert_refused("320000/320100/320102/91320100MA1XYZ12345", "a unit code is 8 to 18");
    assert_refused("320000/320100/320102/3132_00001", "a unit code is 8 to 18");
    assert_refused("320000/320100/320102/31320000\xc3\xa9", "a unit code is 8 to 18");
}

static void test_path_refuses_bad_host_names(void **state)
{
    (void)state;
    char host[300];
    assert_refused("320000/3132000001/-web", "does not start or end with '-'");
    assert_refused("320000/3132000001/web-", "does not start or end with '-'");
    assert_refused("320000/3132000001/web_01", "only letters, digits, '-' and '.'");
    assert_refused("320000/3132000001/a..b", "no empty label");
    assert_refused("320000/3132000001/.a", "no empty label");
    memset(host, 'a', 64);
    host[64] = '\0';
    char path[400];
    snprintf(path, sizeof path, "320000/3132000001/%s", host);
    assert_refused(path, "label is at most 63");
    for (size_t i = 0; i < 254; i++)
        host[i] = (i % 2) ? '.' : 'a';
    host[254] = '\0'; /* 127 labels "a." ... ending in '.', 254 chars */
    host[253] = 'a';
    snprintf(path, sizeof path, "320000/3132000001/%s", host);
    assert_refused(path, "at most 253 characters");
}

static void test_path_refuses_empty_segments_and_edge_slashes(void **state)
{
    (void)state;
    assert_refused("", "the path is empty");
    assert_refused("/320000", "starts with '/'");
    assert_refused("320000/", "ends with '/'");
    assert_refused("320000//320100", "segment 2 is empty (a doubled '/')");
    assert_refused("/", "starts with '/'");
    assert_int_equal(fh_path_parse(NULL, NULL, NULL, 0), FH_EINVAL);
}

static void test_path_refuses_nation_code_after_first_segment(void **state)
{
    (void)state;
    const char *why = "segment 2 \"100000\": the nation code may only come first";
    assert_refused("100000/100000", why);
    assert_refused("320000/100000", why);
    assert_refused("320000/3132000001/100000", "segment 3 \"100000\": the nation code");
    assert_true(fh_path_valid("100000"));
}

static void test_path_refuses_segment_after_host(void **state)
{
    (void)state;
    assert_refused("320000/3132000001/web01/x", "segment 4: nothing may follow a host name");
    /* after a unit comes a host, whatever it looks like, so a second unit is a host */
    assert_refused("320000/3132000001/3132000002/web01", "segment 4: nothing may follow");
}

static void test_path_refuses_overlong_path_with_etoobig(void **state)
{
    (void)state;
    char s[FH_PATH_MAX + 10];
    char why[128];
    memset(s, 'a', sizeof s - 1);
    s[sizeof s - 1] = '\0';
    memcpy(s, "320000/3132000001/", 18);
    assert_int_equal(fh_path_parse(s, NULL, why, sizeof why), FH_ETOOBIG);
    assert_string_equal(why, "the path is longer than 319 bytes");
    s[FH_PATH_MAX] = '\0'; /* exactly FH_PATH_MAX bytes without the NUL: still too long */
    assert_int_equal(fh_path_parse(s, NULL, NULL, 0), FH_ETOOBIG);
}

static void test_path_accepts_longest_possible_valid_path(void **state)
{
    (void)state;
    char s[FH_PATH_MAX];
    int n = snprintf(s, sizeof s, "100000/320000/320100/320102/91320100MA1XYZ1234/");
    for (int label = 0; label < 4; label++) { /* 4 labels of 62 + 3 dots = 251 */
        for (int i = 0; i < 62; i++)
            s[n++] = 'h';
        if (label < 3)
            s[n++] = '.';
    }
    s[n] = '\0';
    assert_true(fh_path_valid(s));
}

static void test_path_why_is_nul_terminated_in_small_buffer(void **state)
{
    (void)state;
    char why[8];
    memset(why, 'x', sizeof why);
    assert_int_equal(fh_path_parse("320000/330100", NULL, why, sizeof why), FH_EINVAL);
    assert_string_equal(why, "segment");
    assert_int_equal(fh_path_parse("320000/330100", NULL, why, 0), FH_EINVAL);
}

static void test_within_is_true_for_scope_itself(void **state)
{
    (void)state;
    assert_true(fh_path_within("320000", "320000"));
    assert_true(fh_path_within("320000/3132000001/web01", "320000/3132000001/web01"));
}

static void test_within_is_true_for_every_descendant(void **state)
{
    (void)state;
    const char *leaf = "320000/320100/320102/3132000001/web01";
    assert_true(fh_path_within("320000", leaf));
    assert_true(fh_path_within("320000/320100", leaf));
    assert_true(fh_path_within("320000/320100/320102", leaf));
    assert_true(fh_path_within("320000/320100/320102/3132000001", leaf));
    assert_true(fh_path_within("100000", "100000/320000/3132000001"));
}

static void test_within_compares_whole_segments_not_string_prefixes(void **state)
{
    (void)state;
    /* "320000/320100" is a string prefix of a unit directly under the province. */
    assert_true(fh_path_valid("320000/3201001234"));
    assert_false(fh_path_within("320000/320100", "320000/3201001234"));
    /* "32010" is a string prefix of "320100" but never a segment of it. */
    assert_false(fh_path_within("320000/32010", "320000/320100"));
    assert_false(fh_path_within("320000/3132000001/web", "320000/3132000001/web01"));
}

static void test_within_is_false_for_sibling_schools(void **state)
{
    (void)state;
    assert_false(fh_path_within("320000/320100/320102/3132000001",
                                "320000/320100/320102/3132000002/web01"));
    assert_false(fh_path_within("320000/320100/320102", "320000/320100/320104/3132000001"));
}

static void test_within_is_false_above_scope_or_for_invalid_paths(void **state)
{
    (void)state;
    assert_false(fh_path_within("320000/320100", "320000"));
    assert_false(fh_path_within("100000", "320000/320100")); /* segment-wise, literally */
    assert_false(fh_path_within("320000", "320000//320100"));
    assert_false(fh_path_within("", "320000"));
    assert_false(fh_path_within(NULL, "320000"));
    assert_false(fh_path_within("320000", NULL));
}

static void test_parent_drops_the_last_segment(void **state)
{
    (void)state;
    char out[FH_PATH_MAX];
    assert_int_equal(fh_path_parent("320000/320100/320102/3132000001/web01", out,
                                    sizeof out), 0);
    assert_string_equal(out, "320000/320100/320102/3132000001");
    assert_int_equal(fh_path_parent("100000/320000", out, sizeof out), 0);
    assert_string_equal(out, "100000");
}

static void test_parent_of_single_segment_is_empty(void **state)
{
    (void)state;
    char out[4] = "xyz";
    assert_int_equal(fh_path_parent("320000", out, sizeof out), 0);
    assert_string_equal(out, "");
}

static void test_parent_reports_etoobig_for_small_buffer(void **state)
{
    (void)state;
    char out[13];
    assert_int_equal(fh_path_parent("320000/320100/320102", out, sizeof out), FH_ETOOBIG);
    assert_string_equal(out, "");
    char fits[14];
    assert_int_equal(fh_path_parent("320000/320100/320102", fits, sizeof fits), 0);
    assert_string_equal(fits, "320000/320100");
    assert_int_equal(fh_path_parent("320000", NULL, 0), FH_ETOOBIG);
}

static void test_parent_refuses_invalid_path(void **state)
{
    (void)state;
    char out[FH_PATH_MAX];
    assert_int_equal(fh_path_parent("320000/330100", out, sizeof out), FH_EINVAL);
    assert_string_equal(out, "");
}

static void test_level_names_are_the_documented_words(void **state)
{
    (void)state;
    assert_string_equal(fh_path_level_name(FH_LEVEL_NATION), "nation");
    assert_string_equal(fh_path_level_name(FH_LEVEL_PROVINCE), "province");
    assert_string_equal(fh_path_level_name(FH_LEVEL_CITY), "city");
    assert_string_equal(fh_path_level_name(FH_LEVEL_COUNTY), "county");
    assert_string_equal(fh_path_level_name(FH_LEVEL_UNIT), "unit");
    assert_string_equal(fh_path_level_name(FH_LEVEL_HOST), "host");
}

/* The string-compare version agrees with the parsing one on valid paths. */
static void test_within_valid_agrees_with_within(void **state)
{
    (void)state;
    const char *paths[] = {
        "320000", "320000/320100", "320000/320200", "320000/320100/320102",
        "320000/320100/320102/3132000001", "320000/320100/320102/31320000012",
        "320000/320100/320102/3132000001/web01", "320000/320100/320102/3132000001/web0",
        "320000/320100/320102/3132000002/web01", "320000/3132000001", "330000",
        "100000/320000", "100000",
    };
    size_t n = sizeof paths / sizeof paths[0];
    for (size_t i = 0; i < n; i++)
        assert_true(fh_path_valid(paths[i]));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            assert_int_equal(fh_path_within_valid(paths[i], paths[j]),
                             fh_path_within(paths[i], paths[j]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_within_valid_agrees_with_within),
        cmocka_unit_test(test_path_accepts_each_division_level),
        cmocka_unit_test(test_path_accepts_full_path_with_offsets),
        cmocka_unit_test(test_path_accepts_unit_under_any_division),
        cmocka_unit_test(test_path_accepts_host_only_under_unit),
        cmocka_unit_test(test_path_refuses_county_outside_city),
        cmocka_unit_test(test_path_refuses_city_outside_province),
        cmocka_unit_test(test_path_refuses_county_without_city),
        cmocka_unit_test(test_path_refuses_path_not_starting_at_province),
        cmocka_unit_test(test_path_refuses_levels_out_of_order),
        cmocka_unit_test(test_path_refuses_province_outside_11_to_82),
        cmocka_unit_test(test_path_refuses_malformed_division_codes),
        cmocka_unit_test(test_path_refuses_bad_unit_codes),
        cmocka_unit_test(test_path_refuses_bad_host_names),
        cmocka_unit_test(test_path_refuses_empty_segments_and_edge_slashes),
        cmocka_unit_test(test_path_refuses_nation_code_after_first_segment),
        cmocka_unit_test(test_path_refuses_segment_after_host),
        cmocka_unit_test(test_path_refuses_overlong_path_with_etoobig),
        cmocka_unit_test(test_path_accepts_longest_possible_valid_path),
        cmocka_unit_test(test_path_why_is_nul_terminated_in_small_buffer),
        cmocka_unit_test(test_within_is_true_for_scope_itself),
        cmocka_unit_test(test_within_is_true_for_every_descendant),
        cmocka_unit_test(test_within_compares_whole_segments_not_string_prefixes),
        cmocka_unit_test(test_within_is_false_for_sibling_schools),
        cmocka_unit_test(test_within_is_false_above_scope_or_for_invalid_paths),
        cmocka_unit_test(test_parent_drops_the_last_segment),
        cmocka_unit_test(test_parent_of_single_segment_is_empty),
        cmocka_unit_test(test_parent_reports_etoobig_for_small_buffer),
        cmocka_unit_test(test_parent_refuses_invalid_path),
        cmocka_unit_test(test_level_names_are_the_documented_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
