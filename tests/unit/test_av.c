/* test_av.c - tests of agent/probes/av.c, the av probe: ClamAV result lines (clamd with
 * and without time stamps, clamonacc, malformed ones), the class by signature name,
 * and the probe on a fixture root (var/log/clamav/clamav.log, var/lib/clamav) with a
 * fake sink: FOUND lines, repeats, a stale and a fresh signature database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <utime.h>

#include "av.h"
#include "config.h"
#include "err.h"
#include "fake_sink.h"
#include "probe_fixture.h"
#include "probes.h"

static void test_av_reads_found_lines_of_clamd_and_clamonacc(void **state)
{
    (void)state;
    char path[FH_AV_PATH_MAX], sig[FH_AV_SIG_MAX];
    assert_int_equal(fh_av_parse_found("Tue Nov 25 10:00:01 2025 -> /home/a/x.exe: "
                                       "Win.Trojan.Agent-1234 FOUND", path, sig), 1);
    assert_string_equal(path, "/home/a/x.exe");
    assert_string_equal(sig, "Win.Trojan.Agent-1234");
    assert_int_equal(fh_av_parse_found("ScanOnAccess: /srv/a: b.txt: Eicar-Signature FOUND",
                                       path, sig), 1);
    assert_string_equal(path, "/srv/a: b.txt");   /* cut at the last ": " */
    assert_int_equal(fh_av_parse_found("/tmp/x: OK", path, sig), 0);
    assert_int_equal(fh_av_parse_found("", path, sig), 0);
    assert_int_equal(fh_av_parse_found("Tue Nov 25 -> +++ Started at", path, sig), 0);
}

static void test_av_refuses_malformed_found_lines(void **state)
{
    (void)state;
    char path[FH_AV_PATH_MAX], sig[FH_AV_SIG_MAX], big[FH_AV_PATH_MAX + 64];
    assert_int_equal(fh_av_parse_found("x: Sig FOUND", path, sig), FH_EMALFORMED);
    assert_int_equal(fh_av_parse_found("/x:  FOUND", path, sig), FH_EMALFORMED);
    assert_int_equal(fh_av_parse_found("/x: two words FOUND", path, sig), FH_EMALFORMED);
    assert_int_equal(fh_av_parse_found("/x FOUND", path, sig), FH_EMALFORMED);
    memset(big, 'a', sizeof big);
    big[0] = '/';
    snprintf(big + FH_AV_PATH_MAX, 64, ": Sig FOUND");
    assert_int_equal(fh_av_parse_found(big, path, sig), FH_EMALFORMED);
}

static void test_av_classes_signatures_by_name(void **state)
{
    (void)state;
    Fh__Severity sev;
    int drill;
    assert_string_equal(fh_av_class("Win.Ransomware.Locky-1", &sev, &drill), "MI.OMI");
    assert_string_equal(fh_av_class("Win.Trojan.Agent-1", &sev, &drill), "MI.THI");
    assert_int_equal(sev, FH__SEVERITY__SEVERITY_HIGH);
    assert_string_equal(fh_av_class("Win.Worm.Conficker", &sev, &drill), "MI.WI");
    assert_string_equal(fh_av_class("Php.Webshell.Generic", &sev, &drill), "MI.WBPI");
    assert_string_equal(fh_av_class("Unix.Backdoor.Tsunami", &sev, &drill), "NAI.BDAI");
    assert_string_equal(fh_av_class("PUA.Win.Tool.Packed", &sev, &drill), "MI.OMI");
    assert_int_equal(sev, FH__SEVERITY__SEVERITY_MEDIUM);
    assert_string_equal(fh_av_class("Win.Virus.Sality", &sev, &drill), "MI.CVI");
    assert_int_equal(drill, 0);
    assert_string_equal(fh_av_class("Win.Test.EICAR_HDB-1", &sev, &drill), "MI.CVI");
    assert_int_equal(drill, 1);
}

/* ---- the probe ---- */

static void age(const char *rel_path, time_t seconds)
{
    char path[512];
    time_t t = time(NULL) - seconds;
    snprintf(path, sizeof path, "%s/%s", fh_test_dir, rel_path);
    assert_int_equal(utime(path, &(struct utimbuf){t, t}), 0);
}

static void *start_probe(const char *extra, int expect)
{
    return fixture_probe_start(&fh_probe_av, extra, expect, NULL);
}

static void test_av_probe_reports_found_lines_once_per_window(void **state)
{
    (void)state;
    struct fake_sink f;
    fixture_put("var/log/clamav/clamav.log", "w", "/old: Win.Trojan.Old FOUND\n");
    void *st = start_probe("", 0);
    fake_sink_init(&f);
    assert_int_equal(fh_probe_av.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 0);                      /* history is not replayed */
    fixture_put("var/log/clamav/clamav.log", "a",
        "Tue Nov 25 10:00:01 2025 -> /home/a/x.exe: Win.Worm.Agent-1 FOUND\n"
        "Tue Nov 25 10:00:01 2025 -> /home/a/y: OK\n"
        "Tue Nov 25 10:00:02 2025 -> broken: Sig FOUND\n"
        "Tue Nov 25 10:00:03 2025 -> /home/a/x.exe: Win.Worm.Agent-1 FOUND\n");
    assert_int_equal(fh_probe_av.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 1);                      /* the second sighting: a repeat */
    assert_string_equal(f.d[0].class_code, "MI.WI");
    assert_string_equal(f.d[0].probe, "av");
    assert_int_equal(f.d[0].severity, FH__SEVERITY__SEVERITY_HIGH);
    assert_string_equal(fake_fact(&f.d[0], "path"), "/home/a/x.exe");
    assert_string_equal(fake_fact(&f.d[0], "signature"), "Win.Worm.Agent-1");
    /* clamonacc's log too, and EICAR as a drill */
    fixture_put("var/log/clamav/clamonacc.log", "a", "/tmp/eicar.com: Eicar-Signature FOUND\n");
    assert_int_equal(fh_probe_av.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 2);
    assert_int_equal(f.d[1].drill, 1);
    fh_probe_av.destroy(st);
}

static void test_av_probe_reports_a_stale_signature_database(void **state)
{
    (void)state;
    struct fake_sink f;
    fixture_put("var/lib/clamav/daily.cvd", "w", "x");
    fixture_put("var/lib/clamav/daily.cld", "w", "x");
    age("var/lib/clamav/daily.cvd", 10 * 86400);
    age("var/lib/clamav/daily.cld", 2 * 86400);        /* the newer one counts: fresh */
    void *st = start_probe("max_db_age_days = 3\n", 0);
    fake_sink_init(&f);
    assert_int_equal(fh_probe_av.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 0);
    age("var/lib/clamav/daily.cld", 4 * 86400);        /* now both are too old */
    assert_int_equal(fh_probe_av.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 1);
    assert_string_equal(f.d[0].class_code, "FF.SHF");
    assert_int_equal(f.d[0].severity, FH__SEVERITY__SEVERITY_LOW);
    assert_string_equal(fake_fact(&f.d[0], "age_days"), "4");
    assert_int_equal(fh_probe_av.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 1);                      /* a repeat within the window */
    fh_probe_av.destroy(st);
}

static void test_av_probe_is_off_without_clamav(void **state)
{
    (void)state;
    assert_null(start_probe("", FH_ENOTFOUND));
    assert_null(start_probe("db_dir = var/lib/clamav\n", FH_ECONFIG));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tmpdir_setup, tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_av_reads_found_lines_of_clamd_and_clamonacc),
        cmocka_unit_test(test_av_refuses_malformed_found_lines),
        cmocka_unit_test(test_av_classes_signatures_by_name),
        T(test_av_probe_reports_found_lines_once_per_window),
        T(test_av_probe_reports_a_stale_signature_database),
        T(test_av_probe_is_off_without_clamav),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
