/* test_ids.c - tests of agent/probes/ids.c, the ids probe: the category map (defaults,
 * overrides, refused entries), eve.json lines (alerts, other events, malformed), and the
 * probe on a fixture eve.json with a fake sink: severities reported or only counted,
 * a line over the bound, and rotation (mv + a new file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "err.h"
#include "fake_sink.h"
#include "ids.h"
#include "probe_fixture.h"
#include "probes.h"

#define ALERT(sid, sev, cat, src)                                                        \
    "{\"timestamp\":\"2025-11-25T10:00:00.000000+0800\",\"event_type\":\"alert\","        \
    "\"src_ip\":\"" src "\",\"src_port\":4444,\"dest_ip\":\"10.1.2.3\",\"dest_port\":80,"  \
    "\"proto\":\"TCP\",\"alert\":{\"action\":\"allowed\",\"signature_id\":" #sid ","      \
    "\"signature\":\"ET WEB_SERVER Possible SQL Injection\",\"category\":\"" cat "\","    \
    "\"severity\":" #sev "}}\n"
#define FLOW "{\"event_type\":\"flow\",\"src_ip\":\"1.2.3.4\"}\n"

static void test_ids_map_has_defaults_and_takes_overrides(void **state)
{
    (void)state;
    struct fh_ids_map m;
    const char *why = NULL;
    assert_int_equal(fh_ids_map_parse("", &m, &why), 0);
    assert_string_equal(fh_ids_map_class(&m, "Web Application Attack"), "NAI.VAI");
    assert_string_equal(fh_ids_map_class(&m, "Attempted Denial of Service"), "NAI.DOSAI");
    assert_string_equal(fh_ids_map_class(&m, "Detection of a Network Scan"), "NAI.NSEI");
    assert_string_equal(fh_ids_map_class(&m, "A Network Trojan was detected"), "MI.THI");
    assert_string_equal(fh_ids_map_class(&m, "Misc activity"), "NAI.ONAI");
    assert_int_equal(fh_ids_map_parse(" Web Application Attack = MI.WBPI ;Misc activity=OI;"
                                      "other=NAI.II", &m, &why), 0);
    assert_string_equal(fh_ids_map_class(&m, "Web Application Attack"), "MI.WBPI");
    assert_string_equal(fh_ids_map_class(&m, "Misc activity"), "OI");
    assert_string_equal(fh_ids_map_class(&m, "Not Suspicious Traffic"), "NAI.II");
}

static void test_ids_map_refuses_bad_entries(void **state)
{
    (void)state;
    struct fh_ids_map m;
    const char *why = NULL;
    assert_int_equal(fh_ids_map_parse("Web Application Attack", &m, &why), FH_ECONFIG);
    assert_non_null(why);
    assert_int_equal(fh_ids_map_parse("X=NAI.NOPE", &m, &why), FH_ECONFIG);
    assert_int_equal(fh_ids_map_parse("=NAI.VAI", &m, &why), FH_ECONFIG);
    assert_int_equal(fh_ids_map_parse("X=", &m, &why), FH_ECONFIG);
}

static void test_ids_reads_alerts_and_skips_other_events(void **state)
{
    (void)state;
    struct fh_ids_alert a;
    const char *l = ALERT(2006445, 1, "Web Application Attack", "203.0.113.9");
    assert_int_equal(fh_ids_parse_line(l, strlen(l) - 1, &a), 1);
    assert_string_equal(a.src_ip, "203.0.113.9");
    assert_string_equal(a.dest_ip, "10.1.2.3");
    assert_int_equal(a.dest_port, 80);
    assert_string_equal(a.proto, "TCP");
    assert_int_equal(a.signature_id, 2006445);
    assert_int_equal(a.severity, 1);
    assert_string_equal(a.category, "Web Application Attack");
    assert_int_equal(fh_ids_parse_line(FLOW, strlen(FLOW), &a), 0);
}

static void test_ids_refuses_malformed_lines(void **state)
{
    (void)state;
    struct fh_ids_alert a;
    const char *bad[] = {
        "not json", "[1,2]", "{\"event_type\":1}", "{\"src_ip\":\"1.2.3.4\"}",
        "{\"event_type\":\"alert\"}",
        "{\"event_type\":\"alert\",\"alert\":{\"signature\":\"x\"}}",
        "{\"event_type\":\"alert\",\"alert\":{\"signature_id\":\"1\",\"signature\":\"x\"}}",
        "{\"event_type\":\"alert\",\"event_type\":\"flow\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(fh_ids_parse_line(bad[i], strlen(bad[i]), &a), FH_EMALFORMED);
}

/* ---- the probe ---- */

static void *start_probe(const char *extra, int expect)
{
    return fixture_probe_start(&fh_probe_ids, extra, expect, NULL);
}

static void test_ids_probe_reports_severe_alerts_and_counts_the_rest(void **state)
{
    (void)state;
    struct fake_sink f;
    size_t big = 70 * 1024;
    char *line = malloc(big + 2);
    fixture_put("var/log/suricata/eve.json", "w", ALERT(1, 1, "Web Application Attack", "9.9.9.9"));
    void *st = start_probe("", 0);
    fake_sink_init(&f);
    assert_int_equal(fh_probe_ids.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 0);                      /* history is not replayed */
    memset(line, ' ', big);                            /* over the 64 KiB bound */
    memcpy(line, ALERT(5, 1, "Web Application Attack", "5.5.5.5"), 60);
    line[big] = '\n', line[big + 1] = '\0';
    fixture_put("var/log/suricata/eve.json", "a",
        ALERT(2006445, 1, "Web Application Attack", "203.0.113.9") FLOW
        "{broken\n"
        ALERT(2001219, 2, "Detection of a Network Scan", "198.51.100.3")
        ALERT(2100366, 3, "Misc activity", "198.51.100.4")
        ALERT(2006445, 1, "Web Application Attack", "203.0.113.9"));
    fixture_put("var/log/suricata/eve.json", "a", line);
    fixture_put("var/log/suricata/eve.json", "a", ALERT(2019401, 2, "Misc activity", "192.0.2.8"));
    free(line);
    assert_int_equal(fh_probe_ids.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 3);    /* severity 3 counted only; the repeat counted */
    assert_string_equal(f.d[0].class_code, "NAI.VAI");
    assert_int_equal(f.d[0].severity, FH__SEVERITY__SEVERITY_HIGH);
    assert_string_equal(f.d[0].probe, "ids");
    assert_string_equal(fake_fact(&f.d[0], "src_ip"), "203.0.113.9");
    assert_string_equal(fake_fact(&f.d[0], "dest_port"), "80");
    assert_string_equal(fake_fact(&f.d[0], "signature_id"), "2006445");
    assert_string_equal(f.d[1].class_code, "NAI.NSEI");
    assert_int_equal(f.d[1].severity, FH__SEVERITY__SEVERITY_MEDIUM);
    assert_string_equal(f.d[2].class_code, "NAI.ONAI");  /* after the long line */
    fh_probe_ids.destroy(st);
}

static void test_ids_probe_follows_eve_across_rotation(void **state)
{
    (void)state;
    struct fake_sink f;
    char from[256], to[256];
    fixture_put("var/log/suricata/eve.json", "w", "");
    void *st = start_probe("category_map = Misc activity=NAI.DOSAI\n", 0);
    fake_sink_init(&f);
    assert_int_equal(fh_probe_ids.collect(st, &f.sink), 0);
    fixture_put("var/log/suricata/eve.json", "a", ALERT(1, 1, "Misc activity", "192.0.2.1"));
    snprintf(from, sizeof from, "%s/var/log/suricata/eve.json", fh_test_dir);
    snprintf(to, sizeof to, "%s/var/log/suricata/eve.json.1", fh_test_dir);
    assert_int_equal(rename(from, to), 0);
    fixture_put("var/log/suricata/eve.json", "w", ALERT(2, 1, "Misc activity", "192.0.2.2"));
    assert_int_equal(fh_probe_ids.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 2);
    assert_string_equal(fake_fact(&f.d[0], "src_ip"), "192.0.2.1");
    assert_string_equal(fake_fact(&f.d[1], "src_ip"), "192.0.2.2");
    assert_string_equal(f.d[1].class_code, "NAI.DOSAI");
    fh_probe_ids.destroy(st);
}

static void test_ids_probe_refuses_a_bad_map_and_is_off_without_suricata(void **state)
{
    (void)state;
    assert_null(start_probe("", FH_ENOTFOUND));
    fixture_put("var/log/suricata/eve.json", "w", "");
    assert_null(start_probe("category_map = Misc=NOPE\n", FH_ECONFIG));
    assert_null(start_probe("eve = eve.json\n", FH_ECONFIG));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tmpdir_setup, tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_map_has_defaults_and_takes_overrides),
        cmocka_unit_test(test_ids_map_refuses_bad_entries),
        cmocka_unit_test(test_ids_reads_alerts_and_skips_other_events),
        cmocka_unit_test(test_ids_refuses_malformed_lines),
        T(test_ids_probe_reports_severe_alerts_and_counts_the_rest),
        T(test_ids_probe_follows_eve_across_rotation),
        T(test_ids_probe_refuses_a_bad_map_and_is_off_without_suricata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
