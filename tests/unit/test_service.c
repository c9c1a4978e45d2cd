/* test_service.c - the service probe end to end within one process: a fake systemctl
 * (a shell script in a temp dir), a TCP listener and small HTTP and HTTPS servers on
 * 127.0.0.1 (threads here; a self-signed certificate made with the OpenSSL API), each
 * check's outage events and detections caught by a recording sink. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "config.h"
#include "err.h"
#include "log.h"
#include "probes.h"
#include "service_fixtures.h"
#include "service_parse.h"
#include "tmpdir.h"

/* ---- the probe ---- */

#define SINK_MAX 32
struct rec {
    Fh__Kind kind;
    char name[128], cls[16], reason[160], sha[65];
    bool up;
    uint64_t duration_s;
    uint32_t status;
    int32_t cert_days;
    Fh__Severity sev;
};
struct sink {
    struct fh_probe_sink sink;
    int n;
    struct rec r[SINK_MAX];
};

static int sink_emit(struct fh_probe_sink *s, Fh__Kind kind, const ProtobufCMessage *body)
{
    struct sink *k = (struct sink *)s;
    assert_true(k->n < SINK_MAX);
    struct rec *r = &k->r[k->n++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    if (kind == FH__KIND__KIND_SERVICE) {
        const Fh__ServiceEvent *e = (const Fh__ServiceEvent *)body;
        snprintf(r->name, sizeof r->name, "%s", e->name);
        snprintf(r->reason, sizeof r->reason, "%s", e->reason);
        snprintf(r->sha, sizeof r->sha, "%s", e->content_sha256 ? e->content_sha256 : "");
        r->up = e->up;
        r->duration_s = e->duration_s;
        r->status = e->http_status;
        r->cert_days = e->cert_days_left;
        assert_true(e->up ? e->since_us >= e->down_since_us : e->since_us == e->down_since_us);
    } else {
        assert_int_equal(kind, FH__KIND__KIND_DETECTION);
        const Fh__Detection *d = (const Fh__Detection *)body;
        snprintf(r->cls, sizeof r->cls, "%s", d->class_code);
        snprintf(r->name, sizeof r->name, "%s", d->summary);
        assert_string_equal(d->probe, "service");
        r->sev = d->severity;
    }
    return 0;
}

/* The probe from INI text (defaults for the rest); NULL when init refuses it. */
static void *probe_start(const char *ini, int want)
{
    static char conf[8192];
    const struct fh_probe *p = &fh_probe_service;
    struct fh_config_table t = {p->keys, p->nkeys, conf};
    char err[512];
    void *st = NULL;
    uint32_t iv = 0;
    assert_true(p->conf_size <= sizeof conf);
    memset(conf, 0, sizeof conf);
    assert_int_equal(fh_config_load_string("test.ini", ini, &t, 1, err, sizeof err), 0);
    assert_int_equal(p->init(conf, &st, &iv), want);
    assert_true(p->threaded);
    return st;
}

static void put(const char *rel, const char *text, mode_t mode)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", fh_test_dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void test_probe_is_off_without_targets_and_refuses_bad_ones(void **state)
{
    (void)state;
    assert_null(probe_start("[service]\n", FH_ENOTFOUND));
    assert_null(probe_start("[service]\nunits = -H evil\n", FH_ECONFIG));
    assert_null(probe_start("[service]\nunits = --host=evil\n", FH_ECONFIG));
    assert_null(probe_start("[service]\nunits = a;reboot\n", FH_ECONFIG));
    assert_null(probe_start("[service]\ntcp = 127.0.0.1\n", FH_ECONFIG));
    assert_null(probe_start("[service]\nhttp = gopher://x/\n", FH_ECONFIG));
    assert_null(probe_start("[service]\ntcp = a:1,a:2,a:3,a:4,a:5,a:6,a:7,a:8,a:9,a:10,a:11,"
                            "a:12,a:13,a:14,a:15,a:16,a:17\n", FH_ECONFIG));
}

static void test_probe_unit_outage_and_restarts(void **state)
{
    (void)state;
    char ini[512], script[512];
    struct sink k = {.sink.emit = sink_emit};
    mkdir(fh_test_dir, 0700);
    snprintf(ini, sizeof ini, "[service]\nunits = web.service\nroot = %s\n"
             "systemctl = /systemctl\ntimeout_ms = 2000\n", fh_test_dir);
    snprintf(script, sizeof script, "#!/bin/sh\n[ \"$1 $3 $4\" = \"show -- web.service\" ] "
             "|| exit 3\ncat %s/show.txt\n", fh_test_dir);
    put("systemctl", script, 0700);
    put("show.txt", "Id=web.service\nLoadState=loaded\nActiveState=failed\nSubState=failed\n"
                    "Result=exit-code\nNRestarts=1\n", 0600);
    void *st = probe_start(ini, 0);
    assert_int_equal(fh_probe_service.collect(st, &k.sink), 0);
    assert_int_equal(k.n, 2);   /* down at the first check: outage start + detection */
    assert_int_equal(k.r[0].kind, FH__KIND__KIND_SERVICE);
    assert_false(k.r[0].up);
    assert_string_equal(k.r[0].name, "web.service");
    assert_non_null(strstr(k.r[0].reason, "ActiveState=failed"));
    assert_string_equal(k.r[1].cls, "FF.SHF");
    assert_int_equal(k.r[1].sev, FH__SEVERITY__SEVERITY_HIGH);
    assert_int_equal(fh_probe_service.collect(st, &k.sink), 0);
    assert_int_equal(k.n, 2);   /* still down: nothing new */
    put("show.txt", "Id=web.service\nLoadState=loaded\nActiveState=active\nSubState=running\n"
                    "Result=success\nNRestarts=3\n", 0600);
    assert_int_equal(fh_probe_service.collect(st, &k.sink), 0);
    assert_int_equal(k.n, 4);   /* restarts grew 1 -> 3, and the outage ended */
    assert_string_equal(k.r[2].cls, "FF.SHF");
    assert_int_equal(k.r[2].sev, FH__SEVERITY__SEVERITY_MEDIUM);
    assert_non_null(strstr(k.r[2].name, "restarted 2 times"));
    assert_int_equal(k.r[3].kind, FH__KIND__KIND_SERVICE);
    assert_true(k.r[3].up);
    /* garbage from systemctl: an error, no transition */
    put("show.txt", "this is not systemctl\n", 0600);
    assert_int_equal(fh_probe_service.collect(st, &k.sink), FH_EMALFORMED);
    assert_int_equal(k.n, 4);
    fh_probe_service.destroy(st);
}

static void test_probe_kills_a_systemctl_that_hangs_or_floods(void **state)
{
    (void)state;
    char ini[512];
    struct sink k = {.sink.emit = sink_emit};
    snprintf(ini, sizeof ini, "[service]\nunits = web.service\nroot = %s\n"
             "systemctl = /systemctl\ntimeout_ms = 300\n", fh_test_dir);
    /* a child of the script that would sleep on: the whole group is killed */
    put("systemctl", "#!/bin/sh\nsleep 30 &\nsleep 30\n", 0700);
    void *st = probe_start(ini, 0);
    uint64_t t0 = fh_mono_ms();
    assert_int_equal(fh_probe_service.collect(st, &k.sink), FH_EAGAIN);
    assert_true(fh_mono_ms() - t0 < 2000);
    /* more than 64 KiB of output */
    put("systemctl", "#!/bin/sh\nwhile :; do echo Id=web.service; done\n", 0700);
    t0 = fh_mono_ms();
    assert_int_equal(fh_probe_service.collect(st, &k.sink), FH_ETOOBIG);
    assert_true(fh_mono_ms() - t0 < 2000);
    /* not there */
    snprintf(ini, sizeof ini, "%s/systemctl", fh_test_dir);
    unlink(ini);
    assert_int_equal(fh_probe_service.collect(st, &k.sink), FH_ENOTFOUND);
    assert_int_equal(k.n, 0);   /* the unit's state stays unknown: no outage invented */
    fh_probe_service.destroy(st);
}

/* Listen on 127.0.0.1:*port (0: any free port, written back). */
static int listen_local(uint16_t *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons(*port)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void test_probe_tcp_port_down_then_up(void **state)
{
    (void)state;
    char ini[256];
    struct sink k = {.sink.emit = sink_emit};
    uint16_t port = 0;
    int fd = listen_local(&port);
    snprintf(ini, sizeof ini, "[service]\ntcp = 127.0.0.1:%u\ntimeout_ms = 1000\n", port);
    void *st = probe_start(ini, 0);
    assert_int_equal(fh_probe_service.collect(st, &k.sink), 0);
    assert_int_equal(k.n, 0);   /* up at the first check: nothing to say */
    close(fd);
    assert_int_equal(fh_probe_service.collect(st, &k.sink), 0);
    assert_int_equal(k.n, 2);
    assert_false(k.r[0].up);
    assert_non_null(strstr(k.r[0].reason, "refused"));
    fd = listen_local(&port);   /* the same port again */
    assert_int_equal(fh_probe_service.collect(st, &k.sink), 0);
    assert_int_equal(k.n, 3);
    assert_true(k.r[2].up);
    assert_string_equal(k.r[2].reason, k.r[0].reason);   /* what the outage was */
    close(fd);
    fh_probe_service.destroy(st);
}

/* A server thread answering each connection with the current response (TLS when ctx). */
struct server {
    int fd;
    SSL_CTX *ctx;
    pthread_mutex_t mu;
    char resp[512];
    int stop;
};

static void *serve(void *arg)
{
    struct server *s = arg;
    for (int i = 0; i < 50; i++) {
        struct pollfd pf = {.fd = s->fd, .events = POLLIN};
        if (poll(&pf, 1, 100) <= 0) {
            pthread_mutex_lock(&s->mu);
            int stop = s->stop;
            pthread_mutex_unlock(&s->mu);
            if (stop)
                break;
            continue;
        }
        int c = accept(s->fd, NULL, NULL);
        char req[2048], resp[512];
        if (c < 0)
            continue;
        pthread_mutex_lock(&s->mu);
        memcpy(resp, s->resp, sizeof resp);
        pthread_mutex_unlock(&s->mu);
        if (s->ctx) {
            SSL *ssl = SSL_new(s->ctx);
            SSL_set_fd(ssl, c);
            if (SSL_accept(ssl) == 1 && SSL_read(ssl, req, sizeof req) > 0)
                SSL_write(ssl, resp, (int)strlen(resp));
            SSL_shutdown(ssl);
            SSL_free(ssl);
        } else if (recv(c, req, sizeof req, 0) > 0) {
            assert_true(send(c, resp, strlen(resp), MSG_NOSIGNAL) > 0);
        }
        close(c);
    }
    return NULL;
}

static void set_page(struct server *s, const char *body)
{
    pthread_mutex_lock(&s->mu);
    snprintf(s->resp, sizeof s->resp, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
             "Connection: close\r\n\r\n%s", strlen(body), body);
    pthread_mutex_unlock(&s->mu);
}

static void test_probe_http_learns_the_page_and_reports_a_change(void **state)
{
    (void)state;
    struct server s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    struct sink k = {.sink.emit = sink_emit};
    char ini[512], hex[65], line[160];
    uint8_t sha[32];
    uint16_t port = 0;
    pthread_t th;
    s.fd = listen_local(&port);
    set_page(&s, "<h1>welcome</h1>");
    assert_int_equal(pthread_create(&th, NULL, serve, &s), 0);
    snprintf(ini, sizeof ini, "[service]\nhttp = http://127.0.0.1:%u/\ntimeout_ms = 2000\n"
             "baseline_file = %s/baselines\n", port, fh_test_dir);
    void *st = probe_start(ini, 0);
    assert_int_equal(fh_probe_service.collect(st, &k.sink), 0);
    assert_int_equal(k.n, 0);    /* up, baseline learned */
    set_page(&s, "<h1>hacked by x</h1>");
    assert_int_equal(fh_probe_service.collect(st, &k.sink), 0);
    assert_int_equal(k.n, 1);
    assert_string_equal(k.r[0].cls, "IDI.IAI");
    assert_int_equal(k.r[0].sev, FH__SEVERITY__SEVERITY_CRITICAL);
    pthread_mutex_lock(&s.mu);
    strcpy(s.resp, "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
    pthread_mutex_unlock(&s.mu);
    assert_int_equal(fh_probe_service.collect(st, &k.sink), 0);
    assert_int_equal(k.n, 3);
    assert_false(k.r[1].up);
    assert_int_equal(k.r[1].status, 503);
    assert_string_equal(k.r[1].reason, "HTTP status 503");
    fh_probe_service.destroy(st);

    /* a restart reads the learned baseline from the file: the changed page is reported */
    sha256_of("<h1>welcome</h1>", 16, sha);
    fh_svc_hex(sha, hex);
    snprintf(line, sizeof line, "%s/baselines", fh_test_dir);
    FILE *f = fopen(line, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_non_null(strstr(line, hex));
    set_page(&s, "<h1>hacked by x</h1>");
    k.n = 0;
    st = probe_start(ini, 0);
    assert_int_equal(fh_probe_service.collect(st, &k.sink), 0);
    assert_int_equal(k.n, 1);
    assert_string_equal(k.r[0].cls, "IDI.IAI");
    fh_probe_service.destroy(st);
    pthread_mutex_lock(&s.mu);
    s.stop = 1;
    pthread_mutex_unlock(&s.mu);
    pthread_join(th, NULL);
    close(s.fd);
}

static void test_probe_https_reads_expiry_of_an_unverified_cert(void **state)
{
    (void)state;
    struct server s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    struct sink k = {.sink.emit = sink_emit};
    char ini[256];
    uint16_t port = 0;
    pthread_t th;
    EVP_PKEY *key;
    X509 *cert = make_cert(time(NULL), 5 * 86400 + 3600, &key);
    s.ctx = SSL_CTX_new(TLS_server_method());
    assert_non_null(s.ctx);
    assert_int_equal(SSL_CTX_use_certificate(s.ctx, cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(s.ctx, key), 1);
    s.fd = listen_local(&port);
    strcpy(s.resp, "HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nno\r\n0\r\n\r\n");
    assert_int_equal(pthread_create(&th, NULL, serve, &s), 0);
    snprintf(ini, sizeof ini, "[service]\nhttp = https://127.0.0.1:%u/x\ntimeout_ms = 3000\n"
             "cert_warn_days = 14\n", port);
    void *st = probe_start(ini, 0);
    assert_int_equal(fh_probe_service.collect(st, &k.sink), 0);
    assert_int_equal(k.n, 3);   /* cert within 14 days; down (500) + its detection */
    assert_string_equal(k.r[0].cls, "OI");
    assert_int_equal(k.r[0].sev, FH__SEVERITY__SEVERITY_LOW);
    assert_non_null(strstr(k.r[0].name, "expires in 5 days"));
    assert_false(k.r[1].up);
    assert_int_equal(k.r[1].status, 500);
    assert_int_equal(k.r[1].cert_days, 5);
    assert_string_equal(k.r[2].cls, "FF.SHF");
    fh_probe_service.destroy(st);
    pthread_mutex_lock(&s.mu);
    s.stop = 1;
    pthread_mutex_unlock(&s.mu);
    pthread_join(th, NULL);
    close(s.fd);
    SSL_CTX_free(s.ctx);
    X509_free(cert);
    EVP_PKEY_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_is_off_without_targets_and_refuses_bad_ones),
        cmocka_unit_test_setup_teardown(test_probe_unit_outage_and_restarts, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_probe_kills_a_systemctl_that_hangs_or_floods,
                                        tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test(test_probe_tcp_port_down_then_up),
        cmocka_unit_test_setup_teardown(test_probe_http_learns_the_page_and_reports_a_change,
                                        tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test(test_probe_https_reads_expiry_of_an_unverified_cert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
