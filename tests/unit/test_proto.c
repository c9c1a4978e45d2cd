/* test_proto.c - envelopes round-trip, and every decoder check refuses what it should. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pbjson.h"
#include "report.h"

#define ORIGIN "320000/320100/320102/3132000001/web01"

static void make_health(Fh__Health *h, Fh__Filesystem *fs, Fh__Filesystem **fsp)
{
    fh__health__init(h);
    fh__filesystem__init(fs);
    h->interval_s = 10;
    h->cpu_pct = 12.5;
    h->mem_total_kb = 4096;
    h->hostname = "web01";
    fs->mount = "/";
    fs->total_bytes = 1000;
    fs->avail_bytes = 250;
    fsp[0] = fs;
    h->filesystems = fsp;
    h->n_filesystems = 1;
}

static void test_proto_envelope_round_trips_with_body(void **state)
{
    (void)state;
    Fh__Health h;
    Fh__Filesystem fs, *fsp[1];
    make_health(&h, &fs, fsp);
    uint8_t *buf;
    size_t len;
    assert_int_equal(fh_report_encode(ORIGIN, 7, 123456789, FH__KIND__KIND_HEALTH, &h.base,
                                      &buf, &len), 0);
    Fh__Envelope *env;
    enum fh_counter why;
    assert_int_equal(fh_report_decode(buf, len, &env, &why), 0);
    assert_int_equal(env->version, FH_PROTO_VERSION);
    assert_string_equal(env->origin, ORIGIN);
    assert_int_equal(env->seq, 7);
    assert_int_equal(env->time_us, 123456789);
    assert_int_equal(env->kind, FH__KIND__KIND_HEALTH);
    ProtobufCMessage *body;
    assert_int_equal(fh_report_body(env, &body), 0);
    const Fh__Health *back = (const Fh__Health *)body;
    assert_int_equal(back->interval_s, 10);
    assert_true(back->cpu_pct == 12.5);
    assert_string_equal(back->hostname, "web01");
    assert_int_equal(back->n_filesystems, 1);
    assert_int_equal(back->filesystems[0]->avail_bytes, 250);
    /* the same bytes re-encode identically: relays can forward them unchanged */
    size_t n2 = fh__envelope__get_packed_size(env);
    uint8_t *again = malloc(n2);
    fh__envelope__pack(env, again);
    assert_int_equal(n2, len);
    assert_memory_equal(again, buf, len);
    free(again);
    protobuf_c_message_free_unpacked(body, NULL);
    fh__envelope__free_unpacked(env, NULL);
    free(buf);
}

static enum fh_counter decode_refusal(const Fh__Envelope *env)
{
    size_t len = fh__envelope__get_packed_size(env);
    uint8_t *buf = malloc(len);
    fh__envelope__pack(env, buf);
    Fh__Envelope *out = NULL;
    enum fh_counter why = FH_CTR_COUNT;
    int rc = fh_report_decode(buf, len, &out, &why);
    free(buf);
    assert_int_not_equal(rc, 0);
    assert_null(out);
    return why;
}

static void test_proto_refuses_wrong_version(void **state)
{
    (void)state;
    Fh__Envelope e = FH__ENVELOPE__INIT;
    e.version = 2;
    e.origin = ORIGIN;
    e.kind = FH__KIND__KIND_HEALTH;
    assert_int_equal(decode_refusal(&e), FH_CTR_REFUSED_VERSION);
}

static void test_proto_refuses_invalid_origin(void **state)
{
    (void)state;
    Fh__Envelope e = FH__ENVELOPE__INIT;
    e.version = FH_PROTO_VERSION;
    e.origin = "320000/330100";   /* a city outside its province */
    e.kind = FH__KIND__KIND_HEALTH;
    assert_int_equal(decode_refusal(&e), FH_CTR_REFUSED_PATH);
}

static void test_proto_refuses_unknown_kind(void **state)
{
    (void)state;
    Fh__Envelope e = FH__ENVELOPE__INIT;
    e.version = FH_PROTO_VERSION;
    e.origin = ORIGIN;
    e.kind = (Fh__Kind)99;
    assert_int_equal(decode_refusal(&e), FH_CTR_REFUSED_KIND);
}

static void test_proto_refuses_garbage_and_truncation(void **state)
{
    (void)state;
    uint8_t junk[64];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(0xff - i * 7);
    Fh__Envelope *env = NULL;
    enum fh_counter why;
    assert_int_not_equal(fh_report_decode(junk, sizeof junk, &env, &why), 0);
    assert_null(env);

    uint8_t *buf;
    size_t len;
    assert_int_equal(fh_report_encode(ORIGIN, 1, 1, FH__KIND__KIND_HEALTH, NULL, &buf, &len),
                     0);
    for (size_t cut = 1; cut < len; cut++) {
        env = NULL;
        int rc = fh_report_decode(buf, cut, &env, &why);
        if (rc == 0) /* a prefix can be a valid shorter envelope; never a crash */
            fh__envelope__free_unpacked(env, NULL);
    }
    free(buf);
}

static void test_proto_refuses_oversized_part_before_decoding(void **state)
{
    (void)state;
    size_t len = FH_MAX_ENVELOPE_BYTES + 1;
    uint8_t *buf = calloc(1, len);
    Fh__Envelope *env = NULL;
    enum fh_counter why;
    assert_int_equal(fh_report_decode(buf, len, &env, &why), FH_ETOOBIG);
    assert_int_equal(why, FH_CTR_REFUSED_TOOBIG);
    free(buf);
}

static void test_proto_encode_refuses_oversized_body(void **state)
{
    (void)state;
    Fh__Detection d = FH__DETECTION__INIT;
    char *big = malloc(FH_MAX_ENVELOPE_BYTES + 10);
    memset(big, 'a', FH_MAX_ENVELOPE_BYTES + 9);
    big[FH_MAX_ENVELOPE_BYTES + 9] = 0;
    d.summary = big;
    uint8_t *buf = NULL;
    size_t len;
    assert_int_equal(fh_report_encode(ORIGIN, 1, 1, FH__KIND__KIND_DETECTION, &d.base, &buf,
                                      &len), FH_ETOOBIG);
    assert_null(buf);
    free(big);
}

static void test_proto_body_that_does_not_decode_is_malformed(void **state)
{
    (void)state;
    Fh__Envelope e = FH__ENVELOPE__INIT;
    uint8_t bad[] = {0x0a, 0x7f, 0x01}; /* field 1, length 127, 1 byte present */
    e.version = FH_PROTO_VERSION;
    e.origin = ORIGIN;
    e.kind = FH__KIND__KIND_HEALTH;
    e.body.data = bad;
    e.body.len = sizeof bad;
    ProtobufCMessage *body = NULL;
    assert_int_equal(fh_report_body(&e, &body), FH_EMALFORMED);
}

static void test_proto_every_kind_has_a_body_and_a_name(void **state)
{
    (void)state;
    for (int k = FH__KIND__KIND_HELLO; k <= FH__KIND__KIND_SERVICE; k++) {
        assert_non_null(fh_kind_body(k));
        assert_string_not_equal(fh_kind_name(k), "unknown");
    }
    assert_null(fh_kind_body(0));
    assert_null(fh_kind_body(1000));
}

static void test_proto_body_as_json_names_fields(void **state)
{
    (void)state;
    Fh__Health h;
    Fh__Filesystem fs, *fsp[1];
    make_health(&h, &fs, fsp);
    json_t *j = fh_pbjson(&h.base);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "interval_s")), 10);
    assert_string_equal(json_string_value(json_object_get(j, "hostname")), "web01");
    json_t *f0 = json_array_get(json_object_get(j, "filesystems"), 0);
    assert_int_equal(json_integer_value(json_object_get(f0, "avail_bytes")), 250);
    json_decref(j);

    Fh__Detection d = FH__DETECTION__INIT;
    Fh__Detection__FactsEntry e1 = FH__DETECTION__FACTS_ENTRY__INIT, *ep[1] = {&e1};
    e1.key = "path";
    e1.value = "/var/www/index.html";
    d.class_code = "IDI.IAI";
    d.facts = ep;
    d.n_facts = 1;
    j = fh_pbjson(&d.base);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "facts"), "path")),
                        "/var/www/index.html");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proto_envelope_round_trips_with_body),
        cmocka_unit_test(test_proto_refuses_wrong_version),
        cmocka_unit_test(test_proto_refuses_invalid_origin),
        cmocka_unit_test(test_proto_refuses_unknown_kind),
        cmocka_unit_test(test_proto_refuses_garbage_and_truncation),
        cmocka_unit_test(test_proto_refuses_oversized_part_before_decoding),
        cmocka_unit_test(test_proto_encode_refuses_oversized_body),
        cmocka_unit_test(test_proto_body_that_does_not_decode_is_malformed),
        cmocka_unit_test(test_proto_every_kind_has_a_body_and_a_name),
        cmocka_unit_test(test_proto_body_as_json_names_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
