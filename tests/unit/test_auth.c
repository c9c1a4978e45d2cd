/* test_auth.c - tests of agent/probes/auth_parse.c and auth.c, the auth probe.
 *
 * The parser gets auth.log lines of Debian/Ubuntu (classic and RFC 3339 time stamps) and
 * RHEL secure; the failure tracker runs on a clock of the test's own (at, below and
 * above fail_count, inside and outside the window); the probe runs on a fixture root in
 * a temp dir (var/log/auth.log, var/log/secure, etc/passwd, etc/group, home/ * /.ssh)
 * with a fake sink. The key fingerprints were made with `ssh-keygen -l`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth_parse.h"
#include "config.h"
#include "err.h"
#include "fake_sink.h"
#include "probe_fixture.h"
#include "probes.h"

#define KEY1 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGw1JDxDnN+nYr68ssq3W9zXz4/sBfuxZNupBZniogkL"
#define KEY1_FP "SHA256:Bru0G7V6ggAOIa6eXz2wrqFDOrQVnJOseBE9bmpRa1E"
#define KEY2 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
#define KEY2_FP "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU"

#define DEB_FAIL(ip) "Nov 25 10:00:01 web1 sshd[4242]: Failed password for root from " ip \
                     " port 51022 ssh2\n"
#define RHEL_FAIL(ip) "Nov  5 10:00:01 srv sshd[977]: Failed password for invalid user " \
                      "oracle from " ip " port 40100 ssh2\n"

/* ---- the parser ---- */

static void test_auth_parses_sshd_failures_logins_and_invalid_users(void **state)
{
    (void)state;
    struct fh_auth_event ev;
    assert_int_equal(fh_auth_parse_line("Nov 25 10:00:01 web1 sshd[4242]: Failed password "
                                        "for root from 203.0.113.5 port 51022 ssh2", &ev), 1);
    assert_int_equal(ev.kind, FH_AUTH_FAILED);
    assert_string_equal(ev.user, "root");
    assert_string_equal(ev.source, "203.0.113.5");
    assert_string_equal(ev.method, "password");
    assert_string_equal(ev.program, "sshd");
    assert_int_equal(ev.pid, 4242);
    assert_false(ev.invalid_user);
    /* RHEL secure, day padded with a space; invalid user */
    assert_int_equal(fh_auth_parse_line("Nov  5 10:00:01 srv sshd[977]: Failed password for "
                                        "invalid user oracle from 2001:db8::7 port 4 ssh2",
                                        &ev), 1);
    assert_true(ev.invalid_user);
    assert_string_equal(ev.user, "oracle");
    assert_string_equal(ev.source, "2001:db8::7");
    /* Ubuntu 24.04 RFC 3339 stamps, OpenSSH 9.8 sshd-session */
    assert_int_equal(fh_auth_parse_line("2025-11-25T10:00:02.123456+08:00 web1 "
                                        "sshd-session[88]: Accepted publickey for alice from "
                                        "198.51.100.9 port 2222 ssh2: ED25519 SHA256:abc",
                                        &ev), 1);
    assert_int_equal(ev.kind, FH_AUTH_ACCEPTED);
    assert_string_equal(ev.user, "alice");
    assert_string_equal(ev.method, "publickey");
    assert_int_equal(fh_auth_parse_line("Nov 25 10:00:03 web1 sshd[5]: Invalid user admin "
                                        "from 203.0.113.5 port 3333", &ev), 1);
    assert_int_equal(ev.kind, FH_AUTH_INVALID_USER);
    assert_string_equal(ev.user, "admin");
}

static void test_auth_cuts_the_user_at_the_last_from(void **state)
{
    (void)state;
    struct fh_auth_event ev;
    assert_int_equal(fh_auth_parse_line("Nov 25 10:00:01 h sshd[1]: Failed password for "
                                        "invalid user x from 1.1.1.1 from 203.0.113.5 port "
                                        "22 ssh2", &ev), 1);
    assert_string_equal(ev.user, "x from 1.1.1.1");
    assert_string_equal(ev.source, "203.0.113.5");
}

static void test_auth_counts_pam_failures_of_other_services_and_repeats(void **state)
{
    (void)state;
    struct fh_auth_event ev;
    assert_int_equal(fh_auth_parse_line("Nov 25 10:00:01 h vsftpd[9]: pam_unix(vsftpd:auth): "
                                        "authentication failure; logname= uid=0 euid=0 "
                                        "tty=ftp ruser=bob rhost=192.0.2.4  user=bob", &ev), 1);
    assert_int_equal(ev.kind, FH_AUTH_FAILED);
    assert_string_equal(ev.source, "192.0.2.4");
    assert_string_equal(ev.user, "bob");
    /* sshd's own pam line: its "Failed password" line counts instead */
    assert_int_equal(fh_auth_parse_line("Nov 25 10:00:01 h sshd[9]: pam_unix(sshd:auth): "
                                        "authentication failure; logname= uid=0 euid=0 "
                                        "tty=ssh ruser= rhost=192.0.2.4  user=root", &ev), 0);
    /* local su: no source */
    assert_int_equal(fh_auth_parse_line("Nov 25 10:00:01 h su[9]: pam_unix(su:auth): "
                                        "authentication failure; logname=bob uid=1000 euid=0 "
                                        "tty=/dev/pts/0 ruser=bob rhost=  user=root", &ev), 0);
    assert_int_equal(fh_auth_parse_line("Nov 25 10:00:01 h sshd[9]: message repeated 4 times: "
                                        "[ Failed password for root from 192.0.2.4 port 22 "
                                        "ssh2]", &ev), 1);
    assert_int_equal(ev.count, 4);
}

static void test_auth_refuses_a_source_that_is_not_an_address(void **state)
{
    (void)state;
    struct fh_auth_event ev;
    assert_int_equal(fh_auth_parse_line("Nov 25 10:00:01 h sshd[1]: Failed password for root "
                                        "from 203.0.113.5;rm port 22 ssh2", &ev),
                     FH_EMALFORMED);
    assert_int_equal(fh_auth_parse_line("Nov 25 10:00:01 h sshd[1]: Failed password for root "
                                        "from  port 22", &ev), FH_EMALFORMED);
    assert_int_equal(fh_auth_parse_line("Nov 25 10:00:01 h sshd[1]: Failed password for root",
                                        &ev), FH_EMALFORMED);
    assert_int_equal(ev.kind, FH_AUTH_NONE);
}

static void test_auth_ignores_other_lines(void **state)
{
    (void)state;
    struct fh_auth_event ev;
    const char *lines[] = {
        "", "garbage", "Nov 25 10:00:01 h CRON[1]: pam_unix(cron:session): session opened",
        "Nov 25 10:00:01 h sshd[1]: Connection closed by 1.2.3.4 port 5 [preauth]",
        "Nov 25 10:00:01 h sudo[1]: Failed password for root from 1.2.3.4 port 5",
        "Nov 25 10:00:01 h sshd[1]: message repeated x times: [ Failed password for r from 1.2.3.4]",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        assert_int_equal(fh_auth_parse_line(lines[i], &ev), 0);
}

/* ---- the tracker ---- */

static struct fh_auth_tracker *tracker(void)
{
    struct fh_auth_rules r = {.fail_count = 5, .fail_window_s = 60, .success_window_s = 3600,
                              .success_min_fails = 3};
    struct fh_auth_tracker *tr;
    assert_int_equal(fh_auth_tracker_new(&r, &tr), 0);
    return tr;
}

static struct fh_auth_event event(enum fh_auth_kind kind, const char *source, long pid)
{
    struct fh_auth_event ev = {.kind = kind, .count = 1, .pid = pid};
    snprintf(ev.source, sizeof ev.source, "%s", source);
    snprintf(ev.user, sizeof ev.user, "root");
    return ev;
}

static void test_auth_brute_force_at_fail_count_not_below(void **state)
{
    (void)state;
    struct fh_auth_tracker *tr = tracker();
    struct fh_auth_event ev = event(FH_AUTH_FAILED, "203.0.113.5", 1);
    struct fh_auth_verdict v;
    for (int i = 0; i < 4; i++) {
        fh_auth_track(tr, &ev, 1000 + (uint64_t)i, &v);
        assert_false(v.brute_force);
    }
    assert_int_equal(v.in_window, 4);
    fh_auth_track(tr, &ev, 1059, &v);   /* the 5th, 59 s after the 1st */
    assert_true(v.brute_force);
    fh_auth_track(tr, &ev, 1060, &v);   /* the 6th */
    assert_true(v.brute_force);
    fh_auth_tracker_free(tr);
}

static void test_auth_failures_outside_the_window_are_no_brute_force(void **state)
{
    (void)state;
    struct fh_auth_tracker *tr = tracker();
    struct fh_auth_event ev = event(FH_AUTH_FAILED, "203.0.113.5", 1);
    struct fh_auth_event other = event(FH_AUTH_FAILED, "198.51.100.1", 1);
    struct fh_auth_verdict v;
    for (int i = 0; i < 20; i++) {      /* one every 15 s: 4 within any 60 s */
        fh_auth_track(tr, &ev, 1000 + 15 * (uint64_t)i, &v);
        assert_false(v.brute_force);
        fh_auth_track(tr, &other, 1000 + 15 * (uint64_t)i, &v); /* sources apart */
        assert_false(v.brute_force);
    }
    fh_auth_tracker_free(tr);
}

static void test_auth_login_after_failures_is_flagged_within_the_window(void **state)
{
    (void)state;
    struct fh_auth_tracker *tr = tracker();
    struct fh_auth_event f = event(FH_AUTH_FAILED, "203.0.113.5", 1);
    struct fh_auth_event ok = event(FH_AUTH_ACCEPTED, "203.0.113.5", 2);
    struct fh_auth_verdict v;
    f.count = 3;                        /* "message repeated 3 times" */
    fh_auth_track(tr, &f, 1000, &v);
    fh_auth_track(tr, &ok, 1000 + 3599, &v);
    assert_true(v.after_failures);
    assert_int_equal(v.failed_before, 3);
    fh_auth_track(tr, &ok, 1000 + 3600, &v);   /* the login cleared them */
    assert_false(v.after_failures);
    f.count = 2;                        /* below success_min_fails */
    fh_auth_track(tr, &f, 9000, &v);
    fh_auth_track(tr, &ok, 9001, &v);
    assert_false(v.after_failures);
    f.count = 3;                        /* an hour too late */
    fh_auth_track(tr, &f, 20000, &v);
    fh_auth_track(tr, &ok, 20000 + 3600, &v);
    assert_false(v.after_failures);
    fh_auth_tracker_free(tr);
}

static void test_auth_invalid_user_and_its_failed_line_count_once(void **state)
{
    (void)state;
    struct fh_auth_tracker *tr = tracker();
    struct fh_auth_event inv = event(FH_AUTH_INVALID_USER, "203.0.113.5", 7);
    struct fh_auth_event f = event(FH_AUTH_FAILED, "203.0.113.5", 7);
    struct fh_auth_verdict v;
    f.invalid_user = true;
    fh_auth_track(tr, &inv, 1000, &v);
    fh_auth_track(tr, &f, 1000, &v);    /* the same attempt */
    fh_auth_track(tr, &f, 1001, &v);    /* a second password in the connection */
    assert_int_equal(v.in_window, 2);
    fh_auth_tracker_free(tr);
}

static void test_auth_tracker_forgets_the_least_recent_source_when_full(void **state)
{
    (void)state;
    struct fh_auth_tracker *tr = tracker();
    struct fh_auth_verdict v;
    char ip[32];
    struct fh_auth_event first = event(FH_AUTH_FAILED, "10.0.0.1", 1);
    for (int i = 0; i < 4; i++)
        fh_auth_track(tr, &first, 1000, &v);
    for (int i = 0; i < FH_AUTH_MAX_SOURCES; i++) {
        snprintf(ip, sizeof ip, "10.1.%d.%d", i / 256, i % 256);
        struct fh_auth_event ev = event(FH_AUTH_FAILED, ip, 1);
        fh_auth_track(tr, &ev, 1001, &v);
    }
    fh_auth_track(tr, &first, 1002, &v);   /* forgotten: counts from 1 again */
    assert_int_equal(v.in_window, 1);
    struct fh_auth_rules bad = {.fail_count = 0, .fail_window_s = 1, .success_window_s = 1};
    struct fh_auth_tracker *none = NULL;
    assert_int_equal(fh_auth_tracker_new(&bad, &none), FH_EINVAL);
    fh_auth_tracker_free(tr);
}

/* ---- privileged accounts, keys ---- */

#define PASSWD "root:x:0:0:root:/root:/bin/bash\n" \
               "# a comment\n" \
               "alice:x:1000:1000::/home/alice:/bin/bash\n" \
               "bob:x:1001:27::/home/bob:/bin/sh\n" \
               "broken line\n"
#define GROUP "root:x:0:\nsudo:x:27:alice\nwheel:x:10:\nusers:x:100:alice,carol\n"

static void collect_entry(void *arg, const char *entry)
{
    char *out = arg;
    strcat(out, entry);
    strcat(out, ";");
}

static void test_auth_lists_uid0_and_sudo_members_and_what_is_new(void **state)
{
    (void)state;
    struct fh_auth_priv *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    char added[512] = "";
    fh_auth_priv_build(PASSWD, GROUP, "sudo,wheel", a);
    assert_int_equal(a->n, 3);
    assert_string_equal(a->e[0], "group sudo alice");
    assert_string_equal(a->e[1], "group sudo bob");   /* by primary gid */
    assert_string_equal(a->e[2], "uid0 root");
    assert_int_equal(a->malformed, 1);
    fh_auth_priv_build(PASSWD "toor:x:0:0::/root:/bin/sh\n",
                       "sudo:x:27:alice\nwheel:x:10:carol\n", "sudo,wheel", b);
    assert_int_equal(fh_auth_priv_added(a, b, collect_entry, added), 2);
    assert_string_equal(added, "group wheel carol;uid0 toor;");
    free(a);
    free(b);
}

static void test_auth_fingerprints_keys_as_ssh_keygen_does(void **state)
{
    (void)state;
    char fp[FH_AUTH_KEYFP_MAX];
    assert_int_equal(fh_auth_key_fingerprint(KEY1 " test", fp), 0);
    assert_string_equal(fp, KEY1_FP);
    assert_int_equal(fh_auth_key_fingerprint("from=\"10.0.0.0/8\",no-pty " KEY2, fp), 0);
    assert_string_equal(fp, KEY2_FP);
    assert_int_equal(fh_auth_key_fingerprint("# " KEY1, fp), FH_ENOTFOUND);
    assert_int_equal(fh_auth_key_fingerprint("", fp), FH_ENOTFOUND);
    assert_int_equal(fh_auth_key_fingerprint("ssh-rsa not*base64", fp), FH_ENOTFOUND);
}

/* ---- the probe on a fixture root ---- */

/* The probe on the fixture root with the [auth] keys of extra on top of the defaults. */
static void *start_probe(const char *extra)
{
    uint32_t iv = 0;
    void *st = fixture_probe_start(&fh_probe_auth, extra, 0, &iv);
    assert_int_equal(iv, 1);
    return st;
}

static void fixture(void)
{
    fixture_put("etc/passwd", "w", PASSWD);
    fixture_put("etc/group", "w", GROUP);
    fixture_put("var/log/auth.log", "w", "Nov 25 09:00:00 web1 sshd[1]: Failed password for root "
                                 "from 203.0.113.5 port 1 ssh2\n"); /* history: not read */
    fixture_put("root/.ssh/authorized_keys", "w", KEY1 " root@admin\n");
}

static void test_auth_probe_reports_brute_force_at_fail_count_once(void **state)
{
    (void)state;
    struct fake_sink f;
    fixture();
    void *st = start_probe("");
    fake_sink_init(&f);
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 0);                       /* baseline, history skipped */
    for (int i = 0; i < 4; i++)
        fixture_put("var/log/auth.log", "a", DEB_FAIL("203.0.113.5"));
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 0);                       /* fail_count - 1 */
    fixture_put("var/log/auth.log", "a", DEB_FAIL("203.0.113.5"));
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 1);                       /* fail_count */
    assert_string_equal(f.d[0].class_code, "NAI.ONAI");
    assert_int_equal(f.d[0].severity, FH__SEVERITY__SEVERITY_HIGH);
    assert_string_equal(f.d[0].probe, "auth");
    assert_string_equal(fake_fact(&f.d[0], "source"), "203.0.113.5");
    assert_string_equal(fake_fact(&f.d[0], "failures"), "5");
    fixture_put("var/log/auth.log", "a", DEB_FAIL("203.0.113.5"));
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 1);                       /* + 1: a repeat, counted */
    fh_probe_auth.destroy(st);
}

static void test_auth_probe_reads_rhel_secure_and_flags_login_after_failures(void **state)
{
    (void)state;
    struct fake_sink f;
    fixture();
    fixture_put("var/log/secure", "w", "");
    void *st = start_probe("fail_count = 3\n");
    fake_sink_init(&f);
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);
    fixture_put("var/log/secure", "a", RHEL_FAIL("198.51.100.7") RHEL_FAIL("198.51.100.7"));
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 0);
    fixture_put("var/log/secure", "a", RHEL_FAIL("198.51.100.7")
        "Nov  5 10:00:09 srv sshd[980]: Accepted password for oracle from 198.51.100.7 "
        "port 40111 ssh2\n");
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 2);
    assert_string_equal(f.d[0].class_code, "NAI.ONAI");
    assert_string_equal(f.d[1].class_code, "NAI.VAI");
    assert_int_equal(f.d[1].severity, FH__SEVERITY__SEVERITY_CRITICAL);
    assert_string_equal(fake_fact(&f.d[1], "user"), "oracle");
    assert_string_equal(fake_fact(&f.d[1], "failures_before"), "3");
    fh_probe_auth.destroy(st);
}

static void test_auth_probe_reports_a_new_uid0_account_and_sudo_member(void **state)
{
    (void)state;
    struct fake_sink f;
    fixture();
    void *st = start_probe("");
    fake_sink_init(&f);
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 0);
    fixture_put("etc/passwd", "a", "toor:x:0:0::/root:/bin/bash\n");
    fixture_put("etc/group", "w", "root:x:0:\nsudo:x:27:alice,mallory\n");
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 2);
    assert_string_equal(f.d[0].class_code, "NAI.BDAI");
    assert_string_equal(fake_fact(&f.d[0], "user"), "mallory");
    assert_string_equal(fake_fact(&f.d[0], "group"), "sudo");
    assert_int_equal(f.d[0].severity, FH__SEVERITY__SEVERITY_HIGH);
    assert_string_equal(fake_fact(&f.d[1], "user"), "toor");
    assert_int_equal(f.d[1].severity, FH__SEVERITY__SEVERITY_CRITICAL);
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 2);                       /* reported once */
    fh_probe_auth.destroy(st);
}

static void test_auth_probe_reports_authorized_keys_changes_with_the_added_key(void **state)
{
    (void)state;
    struct fake_sink f;
    fixture();
    void *st = start_probe("");
    fake_sink_init(&f);
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 0);
    fixture_put("root/.ssh/authorized_keys", "a", KEY2 " evil\n");
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 1);
    assert_string_equal(f.d[0].class_code, "NAI.BDAI");
    assert_int_equal(f.d[0].severity, FH__SEVERITY__SEVERITY_HIGH);
    assert_string_equal(fake_fact(&f.d[0], "path"), "/root/.ssh/authorized_keys");
    assert_string_equal(fake_fact(&f.d[0], "added_keys"), KEY2_FP);
    /* a new file under a glob after the first round; then only a key removed */
    fixture_put("home/bob/.ssh/authorized_keys", "w", KEY1 "\n");
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 2);
    assert_string_equal(fake_fact(&f.d[1], "path"), "/home/bob/.ssh/authorized_keys");
    assert_string_equal(fake_fact(&f.d[1], "added_keys"), KEY1_FP);
    fixture_put("root/.ssh/authorized_keys", "w", KEY1 " root@admin\n");
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 3);
    assert_int_equal(f.d[2].severity, FH__SEVERITY__SEVERITY_MEDIUM);
    assert_string_equal(fake_fact(&f.d[2], "added"), "0");
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);
    assert_int_equal(f.calls, 3);                       /* unchanged: nothing */
    fh_probe_auth.destroy(st);
}

static void test_auth_probe_counts_malformed_lines_and_survives_a_sink_error(void **state)
{
    (void)state;
    struct fake_sink f;
    fixture();
    void *st = start_probe("fail_count = 1\n");
    fake_sink_init(&f);
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);
    fixture_put("var/log/auth.log", "a", "Nov 25 10:00:01 h sshd[1]: Failed password for root from "
                                 "$(reboot) port 1 ssh2\n" DEB_FAIL("192.0.2.1"));
    f.fail = FH_EFULL;
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), FH_EFULL);
    f.fail = 0;
    assert_int_equal(fh_probe_auth.collect(st, &f.sink), 0);  /* the line comes again */
    assert_int_equal(f.calls, 1);
    assert_string_equal(fake_fact(&f.d[0], "source"), "192.0.2.1");
    fh_probe_auth.destroy(st);
}

static void test_auth_probe_refuses_relative_paths_and_can_be_off(void **state)
{
    (void)state;
    char err[256];
    void *conf = calloc(1, fh_probe_auth.conf_size), *st = NULL;
    struct fh_config_table t = {fh_probe_auth.keys, fh_probe_auth.nkeys, conf};
    uint32_t iv;
    assert_int_equal(fh_config_load_string("t", "[auth]\nlogs = var/log/auth.log\n", &t, 1,
                                           err, sizeof err), 0);
    assert_int_equal(fh_probe_auth.init(conf, &st, &iv), FH_ECONFIG);
    assert_int_equal(fh_config_load_string("t", "[auth]\npasswd = etc/passwd\n", &t, 1, err,
                                           sizeof err), 0);
    assert_int_equal(fh_probe_auth.init(conf, &st, &iv), FH_ECONFIG);
    assert_int_equal(fh_config_load_string("t", "[auth]\nenabled = false\n", &t, 1, err,
                                           sizeof err), 0);
    assert_int_equal(fh_probe_auth.init(conf, &st, &iv), FH_ENOTFOUND);
    assert_null(st);
    free(conf);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tmpdir_setup, tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_parses_sshd_failures_logins_and_invalid_users),
        cmocka_unit_test(test_auth_cuts_the_user_at_the_last_from),
        cmocka_unit_test(test_auth_counts_pam_failures_of_other_services_and_repeats),
        cmocka_unit_test(test_auth_refuses_a_source_that_is_not_an_address),
        cmocka_unit_test(test_auth_ignores_other_lines),
        cmocka_unit_test(test_auth_brute_force_at_fail_count_not_below),
        cmocka_unit_test(test_auth_failures_outside_the_window_are_no_brute_force),
        cmocka_unit_test(test_auth_login_after_failures_is_flagged_within_the_window),
        cmocka_unit_test(test_auth_invalid_user_and_its_failed_line_count_once),
        cmocka_unit_test(test_auth_tracker_forgets_the_least_recent_source_when_full),
        cmocka_unit_test(test_auth_lists_uid0_and_sudo_members_and_what_is_new),
        cmocka_unit_test(test_auth_fingerprints_keys_as_ssh_keygen_does),
        T(test_auth_probe_reports_brute_force_at_fail_count_once),
        T(test_auth_probe_reads_rhel_secure_and_flags_login_after_failures),
        T(test_auth_probe_reports_a_new_uid0_account_and_sudo_member),
        T(test_auth_probe_reports_authorized_keys_changes_with_the_added_key),
        T(test_auth_probe_counts_malformed_lines_and_survives_a_sink_error),
        T(test_auth_probe_refuses_relative_paths_and_can_be_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
