/* test_ports.c - the ports probe reports risky listeners by exposure, databases only on a
 * public address, nothing for a clean host, each finding once per window; the
 * authentication check tells an open Redis/Memcached from one that asks for a password,
 * a silent one and a closed port. The fixtures are /proc/net/tcp{,6} files in a temp
 * root; the fake services are threads on 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "fake_sink.h"
#include "log.h"
#include "ports.h"
#include "probes.h"
#include "tmpdir.h"

#define HDR "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid" \
            "  timeout inode\n"
#define TAIL " 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n"
/* addresses as the kernel prints them (little-endian words) */
#define ANY4 "00000000"
#define LO4 "0100007F"
#define ANY6 "00000000000000000000000000000000"
#define LO6 "00000000000000000000000001000000"

static struct fake_sink f;

static void put(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/proc", fh_test_dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/proc/net", fh_test_dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/proc/%s", fh_test_dir, rel);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* The probe from "[ports]" + extra over its defaults, rooted at the temp dir. */
static void *start(const char *extra)
{
    char conf[4096] = {0}, text[2048], err[256];
    const struct fh_probe *p = &fh_probe_ports;
    assert_true(p->conf_size <= sizeof conf);
    snprintf(text, sizeof text, "[ports]\nenabled = true\nroot = %s\n%s", fh_test_dir, extra);
    struct fh_config_table t = {p->keys, p->nkeys, conf};
    assert_int_equal(fh_config_load_string("test", text, &t, 1, err, sizeof err), 0);
    void *state = NULL;
    uint32_t iv = 0;
    assert_int_equal(p->init(conf, &state, &iv), 0);
    fake_sink_init(&f);
    return state;
}

static int find(const char *key_fact_port, const char *address)
{
    for (int i = 0; i < f.calls; i++) {
        const char *port = fake_fact(&f.d[i], "port"), *addr = fake_fact(&f.d[i], "address");
        if (port && strcmp(port, key_fact_port) == 0 &&
            (!address || (addr && strcmp(addr, address) == 0)))
            return i;
    }
    return -1;
}

static void test_ports_parse_risky_accepts_pairs_and_refuses_malformed(void **state)
{
    (void)state;
    struct fh_ports_risky r[4];
    size_t n;
    const char *why;
    assert_int_equal(fh_ports_parse_risky(" 445 = smb , 3389=rdp", r, 4, &n, &why), 0);
    assert_int_equal(n, 2);
    assert_int_equal(r[0].port, 445);
    assert_string_equal(r[0].name, "smb");
    assert_string_equal(r[1].name, "rdp");
    assert_int_equal(fh_ports_parse_risky("", r, 4, &n, &why), 0);
    assert_int_equal(n, 0);
    const char *bad[] = {"445", "0=x", "65536=x", "445=", "445=a b", "445=x,445=y",
                         "445=x;22=y", "1=a,2=b,3=c,4=d,5=e",
                         "1=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(fh_ports_parse_risky(bad[i], r, 4, &n, &why), FH_ECONFIG);
    uint32_t l[2];
    assert_int_equal(fh_ports_parse_list("3306, 5432", l, 2, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(fh_ports_parse_list("3306,x", l, 2, &n), FH_ECONFIG);
    assert_int_equal(fh_ports_parse_list("1,2,3", l, 2, &n), FH_ECONFIG);
}

static void test_ports_loopback_is_127_8_and_v6_loopback(void **state)
{
    (void)state;
    assert_true(fh_ports_is_loopback("127.0.0.1"));
    assert_true(fh_ports_is_loopback("127.3.2.1"));
    assert_true(fh_ports_is_loopback("::1"));
    assert_true(fh_ports_is_loopback("::ffff:127.0.0.1"));
    assert_false(fh_ports_is_loopback("0.0.0.0"));
    assert_false(fh_ports_is_loopback("::"));
    assert_false(fh_ports_is_loopback("10.0.0.1"));
    assert_false(fh_ports_is_loopback("garbage"));
}

static void test_ports_reports_risky_listeners_by_exposure(void **state)
{
    (void)state;
    put("net/tcp", HDR "   0: " ANY4 ":01BD " ANY4 ":0000 0A" TAIL      /* 445 any */
                   "   1: " LO4 ":0017 " ANY4 ":0000 0A" TAIL           /* 23 loopback */
                   "   2: " ANY4 ":0016 " ANY4 ":0000 0A" TAIL          /* 22: not risky */
                   "   3: " LO4 ":0D3D " LO4 ":9C40 01" TAIL);          /* 3389 established */
    put("net/tcp6", HDR "   0: " ANY6 ":01BD " ANY6 ":0000 0A" TAIL);   /* 445 on :: */
    void *st = start("check_auth = false\n");
    assert_int_equal(fh_probe_ports.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 3);
    int smb4 = find("445", "0.0.0.0"), smb6 = find("445", "::"), tel = find("23", NULL);
    assert_true(smb4 >= 0 && smb6 >= 0 && tel >= 0);
    assert_string_equal(f.d[smb4].class_code, "OI");
    assert_string_equal(f.d[smb4].probe, "ports");
    assert_int_equal(f.d[smb4].severity, FH__SEVERITY__SEVERITY_LOW);
    assert_string_equal(fake_fact(&f.d[smb4], "service"), "smb");
    assert_int_equal(f.d[tel].severity, FH__SEVERITY__SEVERITY_INFO);
    assert_string_equal(fake_fact(&f.d[tel], "exposure"), "loopback");
    assert_string_not_equal(f.d[smb4].fingerprint, f.d[smb6].fingerprint);
    assert_int_equal(find("3389", NULL), -1);
    fh_probe_ports.destroy(st);
}

static void test_ports_databases_only_on_a_public_address(void **state)
{
    (void)state;
    put("net/tcp", HDR "   0: " LO4 ":0CEA " ANY4 ":0000 0A" TAIL     /* 3306 loopback */
                   "   1: " ANY4 ":1538 " ANY4 ":0000 0A" TAIL);   /* 5432 any */
    put("net/tcp6", HDR "   0: " LO6 ":1538 " ANY6 ":0000 0A" TAIL);  /* 5432 on ::1 */
    void *st = start("check_auth = false\n");
    assert_int_equal(fh_probe_ports.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 1);
    assert_string_equal(fake_fact(&f.d[0], "port"), "5432");
    assert_string_equal(fake_fact(&f.d[0], "address"), "0.0.0.0");
    assert_string_equal(fake_fact(&f.d[0], "service"), "postgresql");
    fh_probe_ports.destroy(st);
}

static void test_ports_clean_host_reports_nothing(void **state)
{
    (void)state;
    put("net/tcp", HDR "   0: " ANY4 ":0016 " ANY4 ":0000 0A" TAIL "garbage line\n");
    void *st = start("check_auth = false\n");
    assert_int_equal(fh_probe_ports.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 0);
    fh_probe_ports.destroy(st);
}

static void test_ports_finding_is_counted_not_resent_within_the_window(void **state)
{
    (void)state;
    put("net/tcp", HDR "   0: " ANY4 ":0D3D " ANY4 ":0000 0A" TAIL);   /* 3389 */
    void *st = start("check_auth = false\n");
    assert_int_equal(fh_probe_ports.collect(st, &f.sink), 0);
    assert_int_equal(fh_probe_ports.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 1);
    fh_probe_ports.destroy(st);
}

static void test_ports_without_a_socket_table_is_an_error(void **state)
{
    (void)state;
    void *st = start("");
    assert_int_equal(fh_probe_ports.collect(st, &f.sink), FH_EIO);
    fh_probe_ports.destroy(st);
}

static void test_ports_refuses_a_bad_risky_list_at_init(void **state)
{
    (void)state;
    char conf[4096] = {0}, err[256];
    const struct fh_probe *p = &fh_probe_ports;
    struct fh_config_table t = {p->keys, p->nkeys, conf};
    assert_int_equal(fh_config_load_string("t", "[ports]\nenabled = true\nrisky = 445\n", &t,
                                           1, err, sizeof err), 0);
    void *st = NULL;
    uint32_t iv;
    assert_int_equal(p->init(conf, &st, &iv), FH_ECONFIG);
    memset(conf, 0, sizeof conf);
    assert_int_equal(fh_config_load_string("t", "[ports]\n", &t, 1, err, sizeof err), 0);
    assert_int_equal(p->init(conf, &st, &iv), FH_ENOTFOUND);   /* off by default */
}

/* ---- a fake service on 127.0.0.1 ---- */

struct fake_service {
    int lfd;
    uint16_t port;
    const char *reply;   /* NULL: say nothing until the client goes */
    pthread_t thread;
};

static void *serve_one(void *arg)
{
    struct fake_service *s = arg;
    int c = accept(s->lfd, NULL, NULL);
    if (c < 0)
        return NULL;
    char buf[64];
    ssize_t r = recv(c, buf, sizeof buf, 0);   /* the question */
    if (r > 0 && s->reply)
        send(c, s->reply, strlen(s->reply), MSG_NOSIGNAL);
    else if (r > 0)
        while (recv(c, buf, sizeof buf, 0) > 0)   /* silent until the client closes */
            ;
    close(c);
    return NULL;
}

static void service_start(struct fake_service *s, const char *reply)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    s->reply = reply;
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->lfd >= 0);
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(s->lfd, 4), 0);
    assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&sa, &sl), 0);
    s->port = ntohs(sa.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, serve_one, s), 0);
}

static void service_stop(struct fake_service *s)
{
    pthread_join(s->thread, NULL);
    close(s->lfd);
}

static void test_ports_auth_check_tells_open_from_protected(void **state)
{
    (void)state;
    struct fake_service s;
    service_start(&s, "+PONG\r\n");
    assert_int_equal(fh_ports_check_auth(FH_PORTS_REDIS, s.port, 2000), 1);
    service_stop(&s);
    service_start(&s, "-NOAUTH Authentication required.\r\n");
    assert_int_equal(fh_ports_check_auth(FH_PORTS_REDIS, s.port, 2000), 0);
    service_stop(&s);
    service_start(&s, "STAT pid 1\r\nSTAT uptime 5\r\nEND\r\n");
    assert_int_equal(fh_ports_check_auth(FH_PORTS_MEMCACHED, s.port, 2000), 1);
    service_stop(&s);
    service_start(&s, "ERROR\r\n");
    assert_int_equal(fh_ports_check_auth(FH_PORTS_MEMCACHED, s.port, 2000), 0);
    service_stop(&s);
}

static void test_ports_auth_check_gives_up_on_a_silent_service(void **state)
{
    (void)state;
    struct fake_service s;
    service_start(&s, NULL);
    uint64_t t0 = fh_mono_ms();
    assert_int_equal(fh_ports_check_auth(FH_PORTS_REDIS, s.port, 200), 0);
    assert_true(fh_mono_ms() - t0 < 1500);
    service_stop(&s);
}

static void test_ports_auth_check_of_a_closed_port_is_eio(void **state)
{
    (void)state;
    struct fake_service s;
    service_start(&s, "+PONG\r\n");
    uint16_t port = s.port;
    shutdown(s.lfd, SHUT_RDWR);   /* wakes the accept: nothing serves the port now */
    service_stop(&s);
    assert_int_equal(fh_ports_check_auth(FH_PORTS_REDIS, port, 500), FH_EIO);
}

static void test_ports_reports_an_open_redis_found_listening(void **state)
{
    (void)state;
    struct fake_service s;
    service_start(&s, "+PONG\r\n");
    char tcp[512], extra[128];
    snprintf(tcp, sizeof tcp, HDR "   0: " LO4 ":%04X " ANY4 ":0000 0A" TAIL, s.port);
    put("net/tcp", tcp);
    snprintf(extra, sizeof extra, "risky = %u=redis\ntimeout_ms = 2000\n", s.port);
    void *st = start(extra);
    assert_int_equal(fh_probe_ports.collect(st, &f.sink), 0);
    service_stop(&s);
    assert_int_equal(f.calls, 2);   /* listening on loopback (info), no auth (low) */
    int i = strcmp(fake_fact(&f.d[0], "exposure"), "loopback") == 0 &&
            fake_fact(&f.d[0], "auth") ? 0 : 1;
    assert_string_equal(fake_fact(&f.d[i], "auth"), "none");
    assert_int_equal(f.d[i].severity, FH__SEVERITY__SEVERITY_LOW);
    fh_probe_ports.destroy(st);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tmpdir_setup, tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        T(test_ports_parse_risky_accepts_pairs_and_refuses_malformed),
        T(test_ports_loopback_is_127_8_and_v6_loopback),
        T(test_ports_reports_risky_listeners_by_exposure),
        T(test_ports_databases_only_on_a_public_address),
        T(test_ports_clean_host_reports_nothing),
        T(test_ports_finding_is_counted_not_resent_within_the_window),
        T(test_ports_without_a_socket_table_is_an_error),
        T(test_ports_refuses_a_bad_risky_list_at_init),
        T(test_ports_auth_check_tells_open_from_protected),
        T(test_ports_auth_check_gives_up_on_a_silent_service),
        T(test_ports_auth_check_of_a_closed_port_is_eio),
        T(test_ports_reports_an_open_redis_found_listening),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
