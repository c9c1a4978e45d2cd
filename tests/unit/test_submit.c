/* test_submit.c - a submitted detection is checked the same way whichever way it comes
 * (fh_submitted_parse, shared by the spool and the socket); the submit socket commits a
 * valid document before it answers {"ok":true,"seq":N}, answers every refusal with a
 * reason (malformed, silent, a uid not allowed: checked with the kernel's peer
 * credentials), and the submitter cannot pose as someone else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "config.h"
#include "err.h"
#include "fake_sink.h"
#include "probes.h"
#include "submit.h"
#include "submitted.h"
#include "tmpdir.h"

#define WAIT_MAX_MS 5000

static struct fake_sink f;

/* ---- the shared check ---- */

static void test_submitted_accepts_a_full_document(void **state)
{
    (void)state;
    const char *doc = "{\"kind\":\"detection\",\"class\":\"FF.PSFF\",\"summary\":\"机房断电\","
                      "\"severity\":\"high\",\"drill\":true,\"facts\":{\"room\":\"A-101\"}}";
    struct fh_submitted s;
    const char *why = NULL;
    assert_int_equal(fh_submitted_parse(doc, strlen(doc), &s, &why), 0);
    assert_string_equal(s.class_code, "FF.PSFF");
    assert_int_equal(s.severity, FH__SEVERITY__SEVERITY_HIGH);
    assert_true(s.drill);
    assert_int_equal(s.nfacts, 1);
    struct fh_submitted_body b;
    fh_submitted_detection(&s, "submit", NULL, 0, 42, &b);
    assert_string_equal(b.d.probe, "submit");
    assert_int_equal(b.d.count, 1);
    assert_int_equal(b.d.first_seen_us, 42);
    assert_true(b.d.drill);
    assert_int_equal(strlen(b.d.fingerprint), FH_DETECT_FINGERPRINT_LEN);
    fh_submitted_free(&s);
}

static void test_submitted_defaults_to_medium_and_no_drill(void **state)
{
    (void)state;
    const char *doc = "{\"kind\":\"detection\",\"class\":\"MI\",\"summary\":\"x\"}";
    struct fh_submitted s;
    const char *why;
    assert_int_equal(fh_submitted_parse(doc, strlen(doc), &s, &why), 0);
    assert_int_equal(s.severity, FH__SEVERITY__SEVERITY_MEDIUM);
    assert_false(s.drill);
    assert_int_equal(s.nfacts, 0);
    fh_submitted_free(&s);
}

static void test_submitted_refuses_each_malformed_document(void **state)
{
    (void)state;
    const char *bad[] = {
        "not json", "[1]", "{\"kind\":\"health\",\"class\":\"MI\",\"summary\":\"x\"}",
        "{\"kind\":\"detection\",\"class\":\"XX.YY\",\"summary\":\"x\"}",
        "{\"kind\":\"detection\",\"class\":\"MI\",\"summary\":\"\"}",
        "{\"kind\":\"detection\",\"class\":\"MI\",\"summary\":\"x\",\"facts\":{\"a\":1}}",
        "{\"kind\":\"detection\",\"class\":\"MI\",\"summary\":\"x\",\"facts\":[]}",
        "{\"kind\":\"detection\",\"class\":\"MI\",\"summary\":\"x\",\"facts\":{\"\":\"v\"}}",
        "{\"kind\":\"detection\",\"class\":\"MI\",\"summary\":\"x\",\"severity\":\"urgent\"}",
        "{\"kind\":\"detection\",\"class\":\"MI\",\"summary\":\"x\",\"severity\":3}",
        "{\"kind\":\"detection\",\"class\":\"MI\",\"summary\":\"x\",\"drill\":\"yes\"}",
        "{\"kind\":\"detection\",\"class\":\"MI\",\"summary\":\"x\",\"summary\":\"y\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fh_submitted s;
        const char *why = NULL;
        assert_int_equal(fh_submitted_parse(bad[i], strlen(bad[i]), &s, &why), FH_EMALFORMED);
        assert_non_null(why);
        assert_null(s.doc);
    }
}

static void test_submitted_refuses_over_the_bounds(void **state)
{
    (void)state;
    struct fh_submitted s;
    const char *why;
    char *big = malloc(FH_SUBMITTED_MAX_BYTES + 2);
    memset(big, ' ', FH_SUBMITTED_MAX_BYTES + 1);
    big[FH_SUBMITTED_MAX_BYTES + 1] = 0;
    assert_int_equal(fh_submitted_parse(big, FH_SUBMITTED_MAX_BYTES + 1, &s, &why), FH_ETOOBIG);
    /* a summary of 1025 bytes, 33 facts */
    int n = snprintf(big, FH_SUBMITTED_MAX_BYTES, "{\"kind\":\"detection\",\"class\":\"MI\","
                     "\"summary\":\"%01025d\"}", 0);
    assert_int_equal(fh_submitted_parse(big, (size_t)n, &s, &why), FH_EMALFORMED);
    n = sprintf(big, "{\"kind\":\"detection\",\"class\":\"MI\",\"summary\":\"x\",\"facts\":{");
    for (int i = 0; i <= FH_SUBMITTED_MAX_FACTS; i++)
        n += sprintf(big + n, "%s\"k%d\":\"v\"", i ? "," : "", i);
    n += sprintf(big + n, "}}");
    assert_int_equal(fh_submitted_parse(big, (size_t)n, &s, &why), FH_EMALFORMED);
    free(big);
}

static void test_submitted_facts_cannot_override_who_submitted(void **state)
{
    (void)state;
    const char *doc = "{\"kind\":\"detection\",\"class\":\"MI\",\"summary\":\"x\","
                      "\"facts\":{\"submitted_by_uid\":\"0\",\"room\":\"B\"}}";
    struct fh_submitted s;
    const char *why;
    assert_int_equal(fh_submitted_parse(doc, strlen(doc), &s, &why), 0);
    struct fh_detect_fact who[] = {{"submitted_by_uid", "1000"}};
    struct fh_submitted_body b;
    fh_submitted_detection(&s, "submit", who, 1, 1, &b);
    assert_int_equal(b.d.n_facts, 2);
    assert_string_equal(b.d.facts[0]->key, "submitted_by_uid");
    assert_string_equal(b.d.facts[0]->value, "1000");
    assert_string_equal(b.d.facts[1]->key, "room");
    fh_submitted_free(&s);
}

/* ---- credentials and config ---- */

static void test_submit_allows_root_listed_uids_and_gids_only(void **state)
{
    (void)state;
    struct fh_submit_acl acl = {0};
    assert_int_equal(fh_submit_parse_ids("1000, 1001", acl.uids, FH_SUBMIT_MAX_IDS, &acl.nuids), 0);
    assert_int_equal(fh_submit_parse_ids("50", acl.gids, FH_SUBMIT_MAX_IDS, &acl.ngids), 0);
    assert_true(fh_submit_peer_allowed(&acl, 0, 0));
    assert_true(fh_submit_peer_allowed(&acl, 1001, 1001));
    assert_true(fh_submit_peer_allowed(&acl, 2000, 50));
    assert_false(fh_submit_peer_allowed(&acl, 2000, 2000));
    struct fh_submit_acl none = {0};
    assert_false(fh_submit_peer_allowed(&none, 65534, 65534));
    uint32_t ids[2];
    size_t n;
    assert_int_equal(fh_submit_parse_ids("", ids, 2, &n), 0);
    assert_int_equal(n, 0);
    const char *bad[] = {"x", "-1", "1,,2", "1 2", "4294967295", "1,2,3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(fh_submit_parse_ids(bad[i], ids, 2, &n), FH_ECONFIG);
    uint32_t mode;
    assert_int_equal(fh_submit_parse_mode("0660", &mode), 0);
    assert_int_equal(mode, 0660);
    assert_int_equal(fh_submit_parse_mode("0999", &mode), FH_ECONFIG);
    assert_int_equal(fh_submit_parse_mode("1777", &mode), FH_ECONFIG);
    assert_int_equal(fh_submit_parse_mode("", &mode), FH_ECONFIG);
}

/* ---- the socket, on a real loop ---- */

struct client {
    char path[100];
    const char *send;     /* NULL: connect and say nothing */
    char reply[512];
    uv_async_t *done;
};

static void client_talk(struct client *c)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", c->path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    size_t got = 0;
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
        if (c->send) {
            send(fd, c->send, strlen(c->send), MSG_NOSIGNAL);
            shutdown(fd, SHUT_WR);
        }
        ssize_t r;
        while (got < sizeof c->reply - 1 &&
               (r = recv(fd, c->reply + got, sizeof c->reply - 1 - got, 0)) > 0)
            got += (size_t)r;
    }
    c->reply[got] = 0;
    if (fd >= 0)
        close(fd);
}

static void *client_thread(void *arg)
{
    struct client *c = arg;
    client_talk(c);
    uv_async_send(c->done);
    return NULL;
}

static void on_done(uv_async_t *a)
{
    uv_stop(a->loop);
}

static void on_deadline(uv_timer_t *t)
{
    uv_stop(t->loop);
}

static void close_one(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

struct world {
    uv_loop_t loop;
    uv_async_t done;
    uv_timer_t deadline;
    void *probe;
    char path[100];
};

static void world_start(struct world *w, const char *extra)
{
    char conf[4096] = {0}, text[1024], err[256];
    const struct fh_probe *p = &fh_probe_submit;
    snprintf(w->path, sizeof w->path, "%s/agent.sock", fh_test_dir);
    snprintf(text, sizeof text, "[submit]\nsocket = %s\nread_timeout_ms = 200\n%s", w->path,
             extra);
    struct fh_config_table t = {p->keys, p->nkeys, conf};
    assert_int_equal(fh_config_load_string("test", text, &t, 1, err, sizeof err), 0);
    uint32_t iv;
    assert_int_equal(p->init(conf, &w->probe, &iv), 0);
    assert_int_equal(uv_loop_init(&w->loop), 0);
    uv_async_init(&w->loop, &w->done, on_done);
    uv_timer_init(&w->loop, &w->deadline);
    uv_timer_start(&w->deadline, on_deadline, WAIT_MAX_MS, 0);
    fake_sink_init(&f);
    assert_int_equal(p->start(w->probe, &w->loop, &f.sink), 0);
}

static void world_stop(struct world *w)
{
    uv_walk(&w->loop, close_one, NULL);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    fh_probe_submit.destroy(w->probe);
    assert_int_equal(uv_loop_close(&w->loop), 0);
}

/* One client in a thread while the loop runs; its reply in c->reply. */
static void talk(struct world *w, struct client *c, const char *send)
{
    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "%s", w->path);
    c->send = send;
    c->done = &w->done;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, client_thread, c), 0);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    pthread_join(th, NULL);
    uv_run(&w->loop, UV_RUN_NOWAIT);   /* let the connection's close finish */
}

static void test_submit_commits_then_answers_ok_with_the_seq(void **state)
{
    (void)state;
    struct world w;
    struct client c;
    world_start(&w, "");
    talk(&w, &c, "{\"kind\":\"detection\",\"class\":\"FF.PSFF\",\"summary\":\"机房断电\","
                 "\"severity\":\"high\",\"facts\":{\"submitted_by_user\":\"boss\"}}");
    assert_string_equal(c.reply, "{\"ok\":true,\"seq\":1}\n");
    assert_int_equal(f.calls, 1);
    assert_string_equal(f.d[0].probe, "submit");
    assert_string_equal(f.d[0].class_code, "FF.PSFF");
    assert_int_equal(f.d[0].severity, FH__SEVERITY__SEVERITY_HIGH);
    char uid[16];
    snprintf(uid, sizeof uid, "%u", (unsigned)getuid());
    assert_string_equal(fake_fact(&f.d[0], "submitted_by_uid"), uid);
    assert_string_not_equal(fake_fact(&f.d[0], "submitted_by_user"), "boss");
    struct stat sb;
    assert_int_equal(stat(w.path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0660);
    world_stop(&w);
    assert_int_not_equal(access(w.path, F_OK), 0);   /* removed at exit */
}

static void test_submit_answers_a_malformed_document_with_its_reason(void **state)
{
    (void)state;
    struct world w;
    struct client c;
    world_start(&w, "");
    talk(&w, &c, "{\"kind\":\"detection\",\"class\":\"XX\",\"summary\":\"x\"}");
    assert_non_null(strstr(c.reply, "\"ok\":false"));
    assert_non_null(strstr(c.reply, "GB/Z 20986"));
    assert_int_equal(f.calls, 0);
    world_stop(&w);
}

static void test_submit_answers_an_error_when_the_commit_fails(void **state)
{
    (void)state;
    struct world w;
    struct client c;
    world_start(&w, "");
    f.fail = FH_EFULL;
    talk(&w, &c, "{\"kind\":\"detection\",\"class\":\"MI\",\"summary\":\"x\"}");
    assert_non_null(strstr(c.reply, "\"ok\":false"));
    assert_non_null(strstr(c.reply, "not committed"));
    world_stop(&w);
}

static void test_submit_times_out_a_silent_client(void **state)
{
    (void)state;
    struct world w;
    struct client c;
    world_start(&w, "");
    talk(&w, &c, NULL);
    assert_non_null(strstr(c.reply, "no complete document"));
    assert_int_equal(f.calls, 0);
    world_stop(&w);
}

/* Runs as root only: a child drops to nobody (65534) and is refused by its credentials
 * (the socket is 0666 here so the file mode does not refuse it first). */
static void test_submit_refuses_a_uid_not_allowed(void **state)
{
    (void)state;
    if (getuid() != 0)
        skip();
    struct world w;
    chmod(fh_test_dir, 0755);
    world_start(&w, "mode = 0666\nallow_uids = 4242\n");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct client c = {0};
        snprintf(c.path, sizeof c.path, "%s", w.path);
        c.send = "{\"kind\":\"detection\",\"class\":\"MI\",\"summary\":\"x\"}";
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(3);
        client_talk(&c);
        _exit(strstr(c.reply, "uid 65534 may not submit") ? 0 : 1);
    }
    int status = -1;
    for (int i = 0; i < WAIT_MAX_MS / 10 && waitpid(pid, &status, WNOHANG) == 0; i++) {
        uv_run(&w.loop, UV_RUN_NOWAIT);
        usleep(10000);
    }
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(f.calls, 0);
    world_stop(&w);
}

static void test_submit_without_a_socket_is_off(void **state)
{
    (void)state;
    char conf[4096] = {0};
    void *st = NULL;
    uint32_t iv;
    assert_int_equal(fh_probe_submit.init(conf, &st, &iv), FH_ENOTFOUND);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tmpdir_setup, tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        T(test_submitted_accepts_a_full_document),
        T(test_submitted_defaults_to_medium_and_no_drill),
        T(test_submitted_refuses_each_malformed_document),
        T(test_submitted_refuses_over_the_bounds),
        T(test_submitted_facts_cannot_override_who_submitted),
        T(test_submit_allows_root_listed_uids_and_gids_only),
        T(test_submit_commits_then_answers_ok_with_the_seq),
        T(test_submit_answers_a_malformed_document_with_its_reason),
        T(test_submit_answers_an_error_when_the_commit_fails),
        T(test_submit_times_out_a_silent_client),
        T(test_submit_refuses_a_uid_not_allowed),
        T(test_submit_without_a_socket_is_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
