/* test_detect.c - detections: the first sighting goes at once, repeats within the window
 * become one report with their count, strings are cut on UTF-8 boundaries, a sink error
 * loses nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "detect.h"
#include "err.h"

#define S 1000000ull   /* one second in µs */

struct got {
    char summary[FH_DETECT_MAX_SUMMARY + 1];
    char evidence[FH_DETECT_MAX_EVIDENCE + 1];
    char fingerprint[FH_DETECT_FINGERPRINT_LEN + 1];
    char probe[16];
    uint32_t count;
    uint64_t first_us, last_us;
    Fh__Severity severity;
    size_t nfacts;
    char fact0[FH_DETECT_MAX_FACT + 1];
};

struct fake {
    struct fh_probe_sink sink;
    int calls;
    int fail;
    struct got got[8];
};

static int fake_emit(struct fh_probe_sink *sink, Fh__Kind kind, const ProtobufCMessage *body)
{
    struct fake *f = (struct fake *)sink;
    if (f->fail)
        return f->fail;
    assert_int_equal(kind, FH__KIND__KIND_DETECTION);
    assert_true(f->calls < 8);
    const Fh__Detection *d = (const Fh__Detection *)body;
    struct got *g = &f->got[f->calls++];
    snprintf(g->summary, sizeof g->summary, "%s", d->summary);
    snprintf(g->evidence, sizeof g->evidence, "%s", d->evidence);
    snprintf(g->fingerprint, sizeof g->fingerprint, "%s", d->fingerprint);
    snprintf(g->probe, sizeof g->probe, "%s", d->probe);
    g->count = d->count;
    g->first_us = d->first_seen_us;
    g->last_us = d->last_seen_us;
    g->severity = d->severity;
    g->nfacts = d->n_facts;
    if (d->n_facts)
        snprintf(g->fact0, sizeof g->fact0, "%s", d->facts[0]->value);
    return 0;
}

static struct fh_detect sighting(const char *key, const char *summary)
{
    static const struct fh_detect_fact facts[] = {{"source", "203.0.113.5"}};
    return (struct fh_detect){.probe = "auth", .class_code = "NAI.ONAI",
                              .severity = FH__SEVERITY__SEVERITY_HIGH, .key = key,
                              .summary = summary, .facts = facts, .nfacts = 1};
}

static void test_detect_first_sighting_is_sent_at_once(void **state)
{
    (void)state;
    struct fh_repeats *r;
    assert_int_equal(fh_repeats_new(60, 16, &r), 0);
    struct fake f = {.sink.emit = fake_emit};
    struct fh_detect d = sighting("ssh 203.0.113.5", "5 failures");
    assert_int_equal(fh_detect_report(&f.sink, r, &d, 100 * S), 0);
    assert_int_equal(f.calls, 1);
    assert_int_equal(f.got[0].count, 1);
    assert_int_equal(f.got[0].first_us, 100 * S);
    assert_string_equal(f.got[0].probe, "auth");
    assert_int_equal(f.got[0].severity, FH__SEVERITY__SEVERITY_HIGH);
    assert_string_equal(f.got[0].fact0, "203.0.113.5");
    char fp[FH_DETECT_FINGERPRINT_LEN + 1];
    fh_detect_fingerprint("auth", "NAI.ONAI", "ssh 203.0.113.5", fp);
    assert_string_equal(f.got[0].fingerprint, fp);
    assert_int_equal(strlen(fp), FH_DETECT_FINGERPRINT_LEN);
    fh_repeats_free(r);
}

static void test_detect_repeats_in_the_window_are_one_report_with_their_count(void **state)
{
    (void)state;
    struct fh_repeats *r;
    assert_int_equal(fh_repeats_new(60, 16, &r), 0);
    struct fake f = {.sink.emit = fake_emit};
    struct fh_detect d = sighting("ssh 203.0.113.5", "first");
    assert_int_equal(fh_detect_report(&f.sink, r, &d, 100 * S), 0);
    for (int i = 1; i <= 1000; i++) {
        d.summary = i == 1000 ? "last" : "again";
        assert_int_equal(fh_detect_report(&f.sink, r, &d, 100 * S + (uint64_t)i * 50000), 1);
    }
    assert_int_equal(fh_repeats_flush(&f.sink, r, 159 * S), 0);   /* window still open */
    assert_int_equal(f.calls, 1);
    assert_int_equal(fh_repeats_flush(&f.sink, r, 160 * S), 0);
    assert_int_equal(f.calls, 2);
    assert_int_equal(f.got[1].count, 1000);
    assert_string_equal(f.got[1].summary, "last");
    assert_int_equal(f.got[1].first_us, 100 * S + 50000);
    assert_int_equal(f.got[1].last_us, 150 * S);
    assert_string_equal(f.got[1].fingerprint, f.got[0].fingerprint);
    /* the window closed: the next sighting is news again */
    assert_int_equal(fh_detect_report(&f.sink, r, &d, 161 * S), 0);
    assert_int_equal(f.calls, 3);
    assert_int_equal(f.got[2].count, 1);
    fh_repeats_free(r);
}

static void test_detect_window_without_repeats_sends_nothing_more(void **state)
{
    (void)state;
    struct fh_repeats *r;
    assert_int_equal(fh_repeats_new(10, 16, &r), 0);
    struct fake f = {.sink.emit = fake_emit};
    struct fh_detect d = sighting("k", "once");
    assert_int_equal(fh_detect_report(&f.sink, r, &d, 0), 0);
    assert_int_equal(fh_repeats_flush(&f.sink, r, 11 * S), 0);
    assert_int_equal(f.calls, 1);
    fh_repeats_free(r);
}

static void test_detect_different_keys_are_different_fingerprints(void **state)
{
    (void)state;
    struct fh_repeats *r;
    assert_int_equal(fh_repeats_new(60, 16, &r), 0);
    struct fake f = {.sink.emit = fake_emit};
    struct fh_detect a = sighting("ssh 203.0.113.5", "a"), b = sighting("ssh 203.0.113.6", "b");
    assert_int_equal(fh_detect_report(&f.sink, r, &a, S), 0);
    assert_int_equal(fh_detect_report(&f.sink, r, &b, S), 0);
    assert_int_equal(f.calls, 2);
    assert_string_not_equal(f.got[0].fingerprint, f.got[1].fingerprint);
    b.class_code = "NAI.VAI";   /* same key, other class: other fingerprint */
    b.key = a.key;
    assert_int_equal(fh_detect_report(&f.sink, r, &b, S), 0);
    assert_int_equal(f.calls, 3);
    fh_repeats_free(r);
}

static void test_detect_full_table_sends_new_fingerprints_uncounted(void **state)
{
    (void)state;
    struct fh_repeats *r;
    assert_int_equal(fh_repeats_new(60, 1, &r), 0);
    struct fake f = {.sink.emit = fake_emit};
    struct fh_detect a = sighting("a", "a"), b = sighting("b", "b");
    assert_int_equal(fh_detect_report(&f.sink, r, &a, S), 0);
    assert_int_equal(fh_detect_report(&f.sink, r, &b, S), 0);
    assert_int_equal(fh_detect_report(&f.sink, r, &b, 2 * S), 0);  /* not tracked: sent */
    assert_int_equal(fh_detect_report(&f.sink, r, &a, 2 * S), 1);  /* tracked: counted */
    assert_int_equal(f.calls, 3);
    fh_repeats_free(r);
}

static void test_detect_long_strings_are_cut_on_a_utf8_boundary(void **state)
{
    (void)state;
    char summary[3 * 1000 + 1], evidence[5000];
    for (int i = 0; i < 1000; i++)
        memcpy(summary + 3 * i, "篡", 3);   /* 3 bytes each */
    summary[3000] = 0;
    memset(evidence, 'x', sizeof evidence - 1);
    evidence[sizeof evidence - 1] = 0;
    struct fake f = {.sink.emit = fake_emit};
    struct fh_detect d = sighting("k", summary);
    d.evidence = evidence;
    assert_int_equal(fh_detect_report(&f.sink, NULL, &d, S), 0);
    size_t len = strlen(f.got[0].summary);
    assert_true(len <= FH_DETECT_MAX_SUMMARY);
    assert_int_equal((len - 3) % 3, 0);   /* whole characters, then "…" */
    assert_memory_equal(f.got[0].summary + len - 3, "\xe2\x80\xa6", 3);
    assert_int_equal(strlen(f.got[0].evidence), FH_DETECT_MAX_EVIDENCE);
}

static void test_detect_refuses_bad_class_and_too_many_facts(void **state)
{
    (void)state;
    struct fake f = {.sink.emit = fake_emit};
    struct fh_detect d = sighting("k", "x");
    d.class_code = "XX.YY";
    assert_int_equal(fh_detect_report(&f.sink, NULL, &d, S), FH_EINVAL);
    d = sighting("k", "x");
    d.nfacts = FH_DETECT_MAX_FACTS + 1;
    assert_int_equal(fh_detect_report(&f.sink, NULL, &d, S), FH_EINVAL);
    assert_int_equal(f.calls, 0);
}

static void test_detect_sink_error_records_nothing(void **state)
{
    (void)state;
    struct fh_repeats *r;
    assert_int_equal(fh_repeats_new(60, 4, &r), 0);
    struct fake f = {.sink.emit = fake_emit, .fail = FH_EFULL};
    struct fh_detect d = sighting("k", "x");
    assert_int_equal(fh_detect_report(&f.sink, r, &d, S), FH_EFULL);
    f.fail = 0;
    assert_int_equal(fh_detect_report(&f.sink, r, &d, 2 * S), 0);   /* still news */
    assert_int_equal(fh_detect_report(&f.sink, r, &d, 3 * S), 1);
    f.fail = FH_EFULL;
    assert_int_equal(fh_repeats_flush(&f.sink, r, 70 * S), FH_EFULL);
    f.fail = 0;
    assert_int_equal(fh_repeats_flush(&f.sink, r, 71 * S), 0);      /* kept, sent now */
    assert_int_equal(f.calls, 2);
    assert_int_equal(f.got[1].count, 1);
    fh_repeats_free(r);
}

static void test_detect_severity_names_round_trip(void **state)
{
    (void)state;
    const char *names[] = {"info", "low", "medium", "high", "critical"};
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(fh_severity_name(fh_severity_from_name(names[i])), names[i]);
    assert_int_equal(fh_severity_from_name("severe"), FH__SEVERITY__SEVERITY_UNSPECIFIED);
    assert_string_equal(fh_severity_name((Fh__Severity)42), "unspecified");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect_first_sighting_is_sent_at_once),
        cmocka_unit_test(test_detect_repeats_in_the_window_are_one_report_with_their_count),
        cmocka_unit_test(test_detect_window_without_repeats_sends_nothing_more),
        cmocka_unit_test(test_detect_different_keys_are_different_fingerprints),
        cmocka_unit_test(test_detect_full_table_sends_new_fingerprints_uncounted),
        cmocka_unit_test(test_detect_long_strings_are_cut_on_a_utf8_boundary),
        cmocka_unit_test(test_detect_refuses_bad_class_and_too_many_facts),
        cmocka_unit_test(test_detect_sink_error_records_nothing),
        cmocka_unit_test(test_detect_severity_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
