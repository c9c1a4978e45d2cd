/* test_service_parse.c - the service probe's parsers: systemctl show output, the bounded
 * HTTP response parser (lengths, chunked, oversize, malformed), config lists and URLs,
 * certificate days left, and the outage state machine on an injected clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "service_fixtures.h"
#include "service_parse.h"

/* ---- systemctl show ---- */

static const char SHOW_TWO[] =
    "Id=nginx.service\nLoadState=loaded\nActiveState=active\nSubState=running\n"
    "Result=success\nNRestarts=2\n\n"
    "Id=mysql.service\nLoadState=loaded\nActiveState=failed\nSubState=failed\n"
    "Result=exit-code\nNRestarts=0\nSomethingElse=x\n";

static void test_show_parses_one_block_per_unit_in_order(void **state)
{
    (void)state;
    struct fh_svc_unit u[4];
    size_t n;
    assert_int_equal(fh_svc_parse_show(SHOW_TWO, strlen(SHOW_TWO), u, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(u[0].id, "nginx.service");
    assert_string_equal(u[0].sub, "running");
    assert_true(u[0].have_restarts);
    assert_int_equal(u[0].restarts, 2);
    assert_true(fh_svc_unit_up(&u[0]));
    assert_string_equal(u[1].active, "failed");
    assert_string_equal(u[1].result, "exit-code");
    assert_false(fh_svc_unit_up(&u[1]));
}

static void test_show_up_only_when_loaded_and_running(void **state)
{
    (void)state;
    struct fh_svc_unit u = {.load = "loaded", .active = "activating", .sub = "start"};
    assert_true(fh_svc_unit_up(&u));
    strcpy(u.sub, "auto-restart");
    assert_false(fh_svc_unit_up(&u));
    strcpy(u.active, "reloading");
    assert_true(fh_svc_unit_up(&u));
    strcpy(u.active, "inactive");
    assert_false(fh_svc_unit_up(&u));
    struct fh_svc_unit nf = {.load = "not-found", .active = "active"};
    assert_false(fh_svc_unit_up(&nf));
}

static void test_show_refuses_malformed_and_oversized_output(void **state)
{
    (void)state;
    struct fh_svc_unit u[2];
    size_t n;
    char big[FH_SVC_SHOW_LINE_MAX + 32];
    const char *no_eq = "Id=a.service\nActiveState active\n";
    const char *no_id = "ActiveState=active\n";
    const char *bad_nr = "Id=a.service\nNRestarts=12x\n";
    const char *three = "Id=a\n\nId=b\n\nId=c\n";
    const char *unset = "Id=a\nNRestarts=[not set]\n";
    char long_value[96];
    assert_int_equal(fh_svc_parse_show(no_eq, strlen(no_eq), u, 2, &n), FH_EMALFORMED);
    assert_int_equal(fh_svc_parse_show(no_id, strlen(no_id), u, 2, &n), FH_EMALFORMED);
    assert_int_equal(fh_svc_parse_show(bad_nr, strlen(bad_nr), u, 2, &n), FH_EMALFORMED);
    assert_int_equal(fh_svc_parse_show(three, strlen(three), u, 2, &n), FH_ETOOBIG);
    snprintf(long_value, sizeof long_value, "Id=a\nSubState=%0*d\n", FH_SVC_UNIT_FIELD_MAX, 0);
    assert_int_equal(fh_svc_parse_show(long_value, strlen(long_value), u, 2, &n),
                     FH_EMALFORMED);
    memset(big, 'x', sizeof big);
    memcpy(big, "Id=", 3);
    assert_int_equal(fh_svc_parse_show(big, sizeof big, u, 2, &n), FH_ETOOBIG);
    /* at the bound: a line of exactly FH_SVC_SHOW_LINE_MAX bytes is read (and skipped) */
    char at[FH_SVC_SHOW_LINE_MAX + 16] = "Id=a\nX=";
    memset(at + 7, 'y', FH_SVC_SHOW_LINE_MAX - 2);
    at[5 + FH_SVC_SHOW_LINE_MAX] = '\n';
    assert_int_equal(fh_svc_parse_show(at, 6 + FH_SVC_SHOW_LINE_MAX, u, 2, &n), 0);
    assert_int_equal(fh_svc_parse_show(unset, strlen(unset), u, 2, &n), 0);
    assert_false(u[0].have_restarts);
}

/* ---- HTTP responses ---- */

/* Feed text in pieces of step bytes (0: at once), then the end of the connection when
 * eof. Returns the last result. */
static int feed(struct fh_svc_http *h, const char *text, size_t len, size_t step, bool eof)
{
    int rc = 0;
    memset(h, 0, offsetof(struct fh_svc_http, head));
    assert_int_equal(fh_svc_http_init(h), 0);
    for (size_t pos = 0; pos < len && rc == 0;) {
        size_t n = step && len - pos > step ? step : len - pos;
        rc = fh_svc_http_feed(h, text + pos, n);
        pos += n;
    }
    if (rc == 0 && eof)
        rc = fh_svc_http_eof(h);
    return rc;
}

static struct fh_svc_http H;   /* 16 KiB of head: not on the stack */

static void test_http_hashes_a_content_length_body_in_any_pieces(void **state)
{
    (void)state;
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\ncontent-length: 11\r\n"
                       "\r\nhello worldTRAILING GARBAGE";
    uint8_t want[32];
    sha256_of("hello world", 11, want);
    for (size_t step = 0; step <= 7; step += 1) {
        assert_int_equal(feed(&H, resp, strlen(resp), step, false), 1);
        assert_int_equal(H.status, 200);
        assert_int_equal(H.body_bytes, 11);
        assert_memory_equal(H.sha256, want, 32);
        fh_svc_http_free(&H);
    }
}

static void test_http_dechunks_with_extensions_and_trailer(void **state)
{
    (void)state;
    const char *resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "5;name=x\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n";
    uint8_t want[32];
    sha256_of("hello world", 11, want);
    assert_int_equal(feed(&H, resp, strlen(resp), 3, false), 1);
    assert_true(H.chunked);
    assert_memory_equal(H.sha256, want, 32);
    fh_svc_http_free(&H);
}

static void test_http_body_to_the_end_of_the_connection(void **state)
{
    (void)state;
    const char *resp = "HTTP/1.0 503 Service Unavailable\n\nbusy";
    uint8_t want[32];
    sha256_of("busy", 4, want);
    assert_int_equal(feed(&H, resp, strlen(resp), 0, true), 1);
    assert_int_equal(H.status, 503);
    assert_memory_equal(H.sha256, want, 32);
    fh_svc_http_free(&H);
}

static void test_http_skips_interim_and_reads_no_body_for_204(void **state)
{
    (void)state;
    const char *resp = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
    assert_int_equal(feed(&H, resp, strlen(resp), 0, false), 1);
    assert_int_equal(H.status, 204);
    assert_int_equal(H.body_bytes, 0);
    fh_svc_http_free(&H);
}

static void test_http_refuses_malformed_responses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "SSH-2.0-OpenSSH_9.2\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(feed(&H, bad[i], strlen(bad[i]), 0, true), FH_EMALFORMED);
        assert_non_null(H.why);
        fh_svc_http_free(&H);
    }
    /* cut short: Content-Length promises more than came */
    const char *cut = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
    assert_int_equal(feed(&H, cut, strlen(cut), 0, true), FH_EMALFORMED);
    fh_svc_http_free(&H);
}

static void test_http_refuses_a_head_over_the_bound(void **state)
{
    (void)state;
    size_t len = FH_SVC_HTTP_MAX_HEADER + 64;
    char *resp = malloc(len);
    assert_non_null(resp);
    memset(resp, 'a', len);
    memcpy(resp, "HTTP/1.1 200 OK\r\nX: ", 20);
    assert_int_equal(feed(&H, resp, len, 4096, false), FH_ETOOBIG);
    fh_svc_http_free(&H);
    /* a head just under the bound is read */
    size_t head = FH_SVC_HTTP_MAX_HEADER;
    memset(resp, 'a', len);
    memcpy(resp, "HTTP/1.1 200 OK\r\nX: ", 20);
    memcpy(resp + head - 4, "\r\n\r\n", 4);
    assert_int_equal(feed(&H, resp, head, 0, true), 1);
    assert_int_equal(H.body_bytes, 0);
    fh_svc_http_free(&H);
    free(resp);
}

static void test_http_body_over_the_bound_is_hashed_up_to_it(void **state)
{
    (void)state;
    const char *head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    size_t body = FH_SVC_HTTP_MAX_BODY + 10, cap = FH_SVC_HTTP_MAX_BODY;
    char *text = malloc(body + 256), *p = text;
    uint8_t want[32];
    assert_non_null(text);
    p += sprintf(p, "%s%zx\r\n", head, body);
    memset(p, 'z', body);
    sha256_of(p, cap, want);
    p += body;
    p += sprintf(p, "\r\n0\r\n\r\n");
    assert_int_equal(feed(&H, text, (size_t)(p - text), 65536, false), 1);
    assert_true(H.truncated);
    assert_int_equal(H.body_bytes, cap);
    assert_memory_equal(H.sha256, want, 32);
    fh_svc_http_free(&H);
    /* exactly at the bound: complete, not truncated */
    p = text + sprintf(text, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", cap);
    memset(p, 'z', cap);
    assert_int_equal(feed(&H, text, (size_t)(p - text) + cap, 65536, false), 1);
    assert_false(H.truncated);
    assert_memory_equal(H.sha256, want, 32);
    fh_svc_http_free(&H);
    free(text);
}

/* ---- config lists and URLs ---- */

static void test_lists_and_urls_parse_and_refuse(void **state)
{
    (void)state;
    char items[4 * 16];
    struct fh_svc_url u;
    char host[FH_SVC_HOST_MAX];
    uint16_t port;
    assert_int_equal(fh_svc_split_list(" a.service , b ,,c ", items, 16, 4, false), 3);
    assert_string_equal(items + 16, "b");
    assert_int_equal(fh_svc_split_list("a,b,c,d,e", items, 16, 4, false), FH_ETOOBIG);
    assert_int_equal(fh_svc_split_list("0123456789abcdef", items, 16, 4, false), FH_ETOOBIG);
    assert_int_equal(fh_svc_split_list("a b", items, 16, 4, false), FH_EMALFORMED);
    assert_int_equal(fh_svc_split_list("", items, 16, 4, false), 0);

    assert_int_equal(fh_svc_parse_url("https://www.example.edu.cn/a?b=1", &u), 0);
    assert_true(u.tls);
    assert_int_equal(u.port, 443);
    assert_string_equal(u.path, "/a?b=1");
    assert_string_equal(u.host_header, "www.example.edu.cn");
    assert_int_equal(fh_svc_parse_url("http://127.0.0.1:8080", &u), 0);
    assert_string_equal(u.path, "/");
    assert_string_equal(u.host_header, "127.0.0.1:8080");
    assert_int_equal(fh_svc_parse_url("http://[::1]:81/x", &u), 0);
    assert_string_equal(u.host, "::1");
    assert_string_equal(u.host_header, "[::1]:81");
    assert_int_equal(fh_svc_parse_url("ftp://x/", &u), FH_EMALFORMED);
    assert_int_equal(fh_svc_parse_url("http://user@x/", &u), FH_EMALFORMED);
    assert_int_equal(fh_svc_parse_url("http://x:0/", &u), FH_EMALFORMED);
    assert_int_equal(fh_svc_parse_url("http://x:65536/", &u), FH_EMALFORMED);
    assert_int_equal(fh_svc_parse_url("http:///", &u), FH_EMALFORMED);
    assert_int_equal(fh_svc_parse_url("http://x/#frag", &u), FH_EMALFORMED);

    assert_int_equal(fh_svc_parse_hostport("127.0.0.1:3306", host, &port), 0);
    assert_int_equal(port, 3306);
    assert_int_equal(fh_svc_parse_hostport("[::1]:22", host, &port), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(fh_svc_parse_hostport("127.0.0.1", host, &port), FH_EMALFORMED);
    assert_int_equal(fh_svc_parse_hostport("::1:22", host, &port), FH_EMALFORMED);
}

/* ---- certificates ---- */

static void test_cert_days_left_rounds_down_and_goes_negative(void **state)
{
    (void)state;
    time_t now = 1764000000;   /* 2025-11-24 */
    EVP_PKEY *k;
    int32_t days;
    X509 *x = make_cert(now, 10 * 86400 + 3600, &k);
    assert_int_equal(fh_svc_cert_days_left(x, now, &days), 0);
    assert_int_equal(days, 10);
    assert_int_equal(fh_svc_cert_days_left(x, now + 3601, &days), 0);
    assert_int_equal(days, 9);
    assert_int_equal(fh_svc_cert_days_left(x, now + 10 * 86400 + 3600, &days), 0);
    assert_int_equal(days, 0);
    assert_int_equal(fh_svc_cert_days_left(x, now + 10 * 86400 + 3601, &days), 0);
    assert_int_equal(days, -1);
    X509_free(x);
    EVP_PKEY_free(k);
}

/* ---- outages ---- */

static void test_outage_has_a_start_and_an_end_with_its_duration(void **state)
{
    (void)state;
    struct fh_svc_outage o = {0};
    uint64_t d = 7, s = 1000000;
    assert_int_equal(fh_svc_outage_step(&o, true, 1 * s, &d), FH_SVC_SAME);
    assert_int_equal(fh_svc_outage_step(&o, false, 60 * s, &d), FH_SVC_WENT_DOWN);
    assert_int_equal(o.down_since_us, 60 * s);
    assert_int_equal(fh_svc_outage_step(&o, false, 120 * s, &d), FH_SVC_SAME);
    assert_int_equal(o.down_since_us, 60 * s);
    assert_int_equal(fh_svc_outage_step(&o, true, 60 * s + 5400 * s + 999999, &d),
                     FH_SVC_CAME_UP);
    assert_int_equal(d, 5400);   /* 1.5 hours */
    assert_int_equal(fh_svc_outage_step(&o, true, 9000 * s, &d), FH_SVC_SAME);
}

static void test_outage_down_at_the_first_check_starts_then(void **state)
{
    (void)state;
    struct fh_svc_outage o = {0};
    uint64_t d = 0;
    assert_int_equal(fh_svc_outage_step(&o, false, 42, &d), FH_SVC_WENT_DOWN);
    assert_int_equal(o.down_since_us, 42);
    assert_int_equal(fh_svc_outage_step(&o, true, 10, &d), FH_SVC_CAME_UP);
    assert_int_equal(d, 0);   /* the clock went back: no negative duration */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_show_parses_one_block_per_unit_in_order),
        cmocka_unit_test(test_show_up_only_when_loaded_and_running),
        cmocka_unit_test(test_show_refuses_malformed_and_oversized_output),
        cmocka_unit_test(test_http_hashes_a_content_length_body_in_any_pieces),
        cmocka_unit_test(test_http_dechunks_with_extensions_and_trailer),
        cmocka_unit_test(test_http_body_to_the_end_of_the_connection),
        cmocka_unit_test(test_http_skips_interim_and_reads_no_body_for_204),
        cmocka_unit_test(test_http_refuses_malformed_responses),
        cmocka_unit_test(test_http_refuses_a_head_over_the_bound),
        cmocka_unit_test(test_http_body_over_the_bound_is_hashed_up_to_it),
        cmocka_unit_test(test_lists_and_urls_parse_and_refuse),
        cmocka_unit_test(test_cert_days_left_rounds_down_and_goes_negative),
        cmocka_unit_test(test_outage_has_a_start_and_an_end_with_its_duration),
        cmocka_unit_test(test_outage_down_at_the_first_check_starts_then),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
