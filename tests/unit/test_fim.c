/* test_fim.c - the fim probe on a fixture tree: the first walk builds the baseline
 * silently; live changes (real inotify watches on a libuv loop) are reported as IDI.IAI
 * with their facts; a deployment window silences web root changes; max_files bounds the
 * baseline; unreadable files are counted; the baseline survives a restart; web shells in
 * new scripts are found; bad lists are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "deploywin.h"
#include "err.h"
#include "log.h"
#include "probes.h"
#include "tmpdir.h"

#define MAX_SEEN 64
#define CONF_BYTES 65536

struct seen {
    char class_code[16];
    char probe[16];
    char summary[512];
    char evidence[512];
    Fh__Severity severity;
    size_t nfacts;
    char keys[16][32];
    char values[16][256];
};

struct sink {
    struct fh_probe_sink sink;   /* first */
    int n;
    struct seen d[MAX_SEEN];
};

static int sink_emit(struct fh_probe_sink *s, Fh__Kind kind, const ProtobufCMessage *body)
{
    struct sink *f = (struct sink *)s;
    assert_int_equal(kind, FH__KIND__KIND_DETECTION);
    assert_true(f->n < MAX_SEEN);
    const Fh__Detection *d = (const Fh__Detection *)body;
    struct seen *g = &f->d[f->n++];
    snprintf(g->class_code, sizeof g->class_code, "%s", d->class_code);
    snprintf(g->probe, sizeof g->probe, "%s", d->probe);
    snprintf(g->summary, sizeof g->summary, "%s", d->summary);
    snprintf(g->evidence, sizeof g->evidence, "%s", d->evidence ? d->evidence : "");
    g->severity = d->severity;
    g->nfacts = d->n_facts < 16 ? d->n_facts : 16;
    for (size_t i = 0; i < g->nfacts; i++) {
        snprintf(g->keys[i], sizeof g->keys[i], "%s", d->facts[i]->key);
        snprintf(g->values[i], sizeof g->values[i], "%s", d->facts[i]->value);
    }
    return 0;
}

static const char *fact(const struct seen *g, const char *key)
{
    for (size_t i = 0; i < g->nfacts; i++)
        if (strcmp(g->keys[i], key) == 0)
            return g->values[i];
    return NULL;
}

/* The first detection of class with fact path == path (NULL: any), or NULL. */
static const struct seen *find(const struct sink *f, const char *cls, const char *path)
{
    for (int i = 0; i < f->n; i++) {
        const char *p = fact(&f->d[i], "path");
        if (strcmp(f->d[i].class_code, cls) == 0 && (!path || (p && strcmp(p, path) == 0)))
            return &f->d[i];
    }
    return NULL;
}

struct rig {
    uv_loop_t loop;
    char conf[CONF_BYTES];
    void *state;
    struct sink sink;
};

static void put(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/fx%s", fh_test_dir, rel);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void mk(const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/fx%s", fh_test_dir, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

static void rm(const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/fx%s", fh_test_dir, rel);
    assert_int_equal(unlink(path), 0);
}

/* A fixture: /www (web root) with 3 files, /etc/passwd (system path). */
static int fixture_setup(void **state)
{
    if (tmpdir_setup(state))
        return -1;
    chmod(fh_test_dir, 0755);
    mk("");
    mk("/www");
    mk("/www/news");
    mk("/etc");
    put("/www/index.html", "<html>home</html>\n");
    put("/www/news/a.html", "<html>news</html>\n");
    put("/www/contact.php", "<?php echo 'contact'; ?>\n");
    put("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
    return 0;
}

/* Load the probe's config from INI text (the [fim] and [webshell] keys: roots and
 * extra) and init it. */
static int rig_init_roots(struct rig *r, const char *keys)
{
    char ini[2048], err[512];
    const struct fh_probe *p = &fh_probe_fim;
    /* a generous budget: a round's walk ends within it even under valgrind */
    snprintf(ini, sizeof ini, "[fim]\nenabled = true\nroot = %s/fx\ndb = %s/db\n"
             "hash_budget_ms = 10000\n%s", fh_test_dir, fh_test_dir, keys);
    memset(r->conf, 0, sizeof r->conf);
    assert_true(p->conf_size <= sizeof r->conf);
    struct fh_config_table t = {p->keys, p->nkeys, r->conf};
    assert_int_equal(fh_config_load_string("test.ini", ini, &t, 1, err, sizeof err), 0);
    uint32_t iv = 0;
    r->state = NULL;
    r->sink = (struct sink){.sink = {.emit = sink_emit}};
    int rc = p->init(r->conf, &r->state, &iv);
    if (rc)
        return rc;
    assert_int_equal(iv, 1);
    assert_int_equal(uv_loop_init(&r->loop), 0);
    assert_int_equal(p->start(r->state, &r->loop, &r->sink.sink), 0);
    return 0;
}

/* The fixture's roots (/www, /etc/passwd) and extra [fim] keys. */
static int rig_init(struct rig *r, const char *extra)
{
    char keys[1024];
    snprintf(keys, sizeof keys, "web_roots = /www\npaths = /etc/passwd\n%s", extra);
    return rig_init_roots(r, keys);
}

/* Run the loop for ms (watch requests applied, events marked). */
static void spin(struct rig *r, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        uv_run(&r->loop, UV_RUN_NOWAIT);
        usleep(10000);
    }
}

/* One round, with the detections it made only. */
static void round_(struct rig *r)
{
    r->sink.n = 0;
    assert_int_equal(fh_probe_fim.collect(r->state, &r->sink.sink), 0);
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void rig_stop(struct rig *r)
{
    uv_walk(&r->loop, close_walk, NULL);
    uv_run(&r->loop, UV_RUN_DEFAULT);
    fh_probe_fim.destroy(r->state);
    assert_int_equal(uv_loop_close(&r->loop), 0);
}

/* Started, baseline made, watches in place. */
static void rig_ready(struct rig *r, const char *extra)
{
    assert_int_equal(rig_init(r, extra), 0);
    round_(r);
    assert_int_equal(r->sink.n, 1);
    spin(r, 600);
    round_(r);   /* the new watches' own re-listing: nothing changed */
    assert_int_equal(r->sink.n, 0);
}

static void test_fim_first_walk_builds_baseline_silently(void **state)
{
    (void)state;
    struct rig r;
    assert_int_equal(rig_init(&r, ""), 0);
    round_(&r);
    assert_int_equal(r.sink.n, 1);
    assert_string_equal(r.sink.d[0].class_code, "OI");
    assert_int_equal(r.sink.d[0].severity, FH__SEVERITY__SEVERITY_INFO);
    assert_string_equal(r.sink.d[0].summary, "baseline of 4 files in 2 roots");
    assert_string_equal(fact(&r.sink.d[0], "files"), "4");
    round_(&r);
    assert_int_equal(r.sink.n, 0);
    rig_stop(&r);
}

static void test_fim_live_change_add_remove_reported(void **state)
{
    (void)state;
    struct rig r;
    rig_ready(&r, "");
    put("/www/index.html", "<html>hacked by x</html>\n");
    put("/www/news/b.html", "<html>new</html>\n");
    rm("/www/news/a.html");
    put("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nevil:x:0:0::/:/bin/sh\n");
    spin(&r, 500);
    round_(&r);
    const struct seen *m = find(&r.sink, "IDI.IAI", "/www/index.html");
    assert_non_null(m);
    assert_int_equal(m->severity, FH__SEVERITY__SEVERITY_CRITICAL);
    assert_string_equal(fact(m, "change"), "modified");
    assert_string_equal(fact(m, "size"), "25");
    assert_int_equal(strlen(fact(m, "old_sha256")), 64);
    assert_int_equal(strlen(fact(m, "new_sha256")), 64);
    assert_string_not_equal(fact(m, "old_sha256"), fact(m, "new_sha256"));
    assert_non_null(fact(m, "uid"));
    assert_non_null(fact(m, "owner"));
    assert_non_null(fact(m, "mtime"));
    const struct seen *a = find(&r.sink, "IDI.IAI", "/www/news/b.html");
    assert_non_null(a);
    assert_string_equal(fact(a, "change"), "added");
    const struct seen *d = find(&r.sink, "IDI.IAI", "/www/news/a.html");
    assert_non_null(d);
    assert_string_equal(fact(d, "change"), "removed");
    const struct seen *p = find(&r.sink, "IDI.IAI", "/etc/passwd");
    assert_non_null(p);
    assert_int_equal(p->severity, FH__SEVERITY__SEVERITY_HIGH);
    assert_int_equal(r.sink.n, 4);
    rig_stop(&r);
}

static void test_fim_new_directory_is_walked_and_watched(void **state)
{
    (void)state;
    struct rig r;
    rig_ready(&r, "");
    mk("/www/up");
    put("/www/up/x.html", "x\n");
    spin(&r, 500);
    round_(&r);
    assert_non_null(find(&r.sink, "IDI.IAI", "/www/up/x.html"));
    spin(&r, 500);   /* the new directory's watch */
    round_(&r);
    put("/www/up/y.html", "y\n");
    spin(&r, 500);
    round_(&r);
    assert_non_null(find(&r.sink, "IDI.IAI", "/www/up/y.html"));
    rig_stop(&r);
}

static void test_fim_deploy_window_silences_web_root_only(void **state)
{
    (void)state;
    struct rig r;
    char db[128];
    rig_ready(&r, "");
    snprintf(db, sizeof db, "%s/db", fh_test_dir);
    struct fh_deploywin_set set = {.n = 1};
    uint64_t now = fh_now_us();
    set.w[0] = (struct fh_deploywin){now - 1000000, now + 600000000, 1000, "/www", "v2"};
    assert_int_equal(fh_deploywin_save(db, &set), 0);
    round_(&r);
    assert_int_equal(r.sink.n, 1);
    assert_string_equal(r.sink.d[0].class_code, "OI");
    assert_non_null(strstr(r.sink.d[0].summary, "opened by uid 1000"));
    put("/www/index.html", "<html>release 2</html>\n");
    put("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    spin(&r, 500);
    round_(&r);
    assert_null(find(&r.sink, "IDI.IAI", "/www/index.html"));
    assert_non_null(find(&r.sink, "IDI.IAI", "/etc/passwd"));   /* not a web root */
    set.n = 0;
    assert_int_equal(fh_deploywin_save(db, &set), 0);
    round_(&r);
    assert_int_equal(r.sink.n, 1);
    assert_non_null(strstr(r.sink.d[0].summary, "closed"));
    assert_string_equal(fact(&r.sink.d[0], "changes"), "1");
    put("/www/index.html", "<html>after the window</html>\n");
    spin(&r, 500);
    round_(&r);
    assert_non_null(find(&r.sink, "IDI.IAI", "/www/index.html"));
    rig_stop(&r);
}

static void test_fim_max_files_bounds_the_baseline(void **state)
{
    (void)state;
    struct rig r;
    /* records: /www, /www/contact.php, /www/index.html, /www/news, ... in walk order */
    assert_int_equal(rig_init(&r, "max_files = 3\n"), 0);
    round_(&r);
    assert_int_equal(r.sink.n, 1);
    assert_string_not_equal(fact(&r.sink.d[0], "over_max_files"), "0");
    spin(&r, 600);
    round_(&r);
    put("/www/new.html", "new\n");   /* the baseline is full: not watched */
    spin(&r, 500);
    round_(&r);
    assert_null(find(&r.sink, "IDI.IAI", "/www/new.html"));
    rig_stop(&r);
}

static void test_fim_unreadable_file_counted_and_compared_by_size(void **state)
{
    (void)state;
    struct rig r;
    char path[256];
    snprintf(path, sizeof path, "%s/fx/www/secret.php", fh_test_dir);
    put("/www/secret.php", "<?php $k = 1; ?>\n");
    assert_int_equal(chmod(path, 0), 0);
    assert_int_equal(rig_init(&r, ""), 0);
    int old_fsuid = setfsuid(65534);   /* root reads anything: act as nobody */
    round_(&r);
    setfsuid((uid_t)old_fsuid);
    assert_int_equal(r.sink.n, 1);
    assert_string_equal(fact(&r.sink.d[0], "unreadable"), "1");
    spin(&r, 600);
    round_(&r);
    FILE *fp = fopen(path, "a");   /* root may still write it */
    assert_non_null(fp);
    fputs("more\n", fp);
    fclose(fp);
    spin(&r, 500);
    old_fsuid = setfsuid(65534);
    round_(&r);
    setfsuid((uid_t)old_fsuid);
    const struct seen *m = find(&r.sink, "IDI.IAI", "/www/secret.php");
    assert_non_null(m);
    assert_string_equal(fact(m, "new_sha256"), "not hashed (unreadable)");
    rig_stop(&r);
}

static void test_fim_db_reopen_keeps_baseline(void **state)
{
    (void)state;
    struct rig r;
    assert_int_equal(rig_init(&r, ""), 0);
    round_(&r);
    rig_stop(&r);
    put("/www/contact.php", "<?php echo 'changed while the agent was down'; ?>\n");
    assert_int_equal(rig_init(&r, ""), 0);
    round_(&r);   /* the catch-up walk: no second baseline, the change reported */
    assert_null(find(&r.sink, "OI", NULL));
    const struct seen *m = find(&r.sink, "IDI.IAI", "/www/contact.php");
    assert_non_null(m);
    assert_string_equal(fact(m, "change"), "modified");
    rig_stop(&r);
}

static void test_fim_changed_roots_remake_baseline_silently(void **state)
{
    (void)state;
    struct rig r;
    assert_int_equal(rig_init(&r, ""), 0);
    round_(&r);
    rig_stop(&r);
    assert_int_equal(rig_init(&r, "exclude = *.tmp\n"), 0);   /* same roots: kept */
    round_(&r);
    assert_int_equal(r.sink.n, 0);
    rig_stop(&r);
    put("/etc/group", "root:x:0:\n");
    assert_int_equal(rig_init_roots(&r, "web_roots = /www\npaths = /etc\n"), 0);
    round_(&r);   /* /etc is new: its files are baseline, not alarms */
    assert_int_equal(r.sink.n, 1);
    assert_string_equal(r.sink.d[0].class_code, "OI");
    assert_string_equal(fact(&r.sink.d[0], "files"), "5");
    rig_stop(&r);
}

static void test_fim_webshell_in_new_script_reported_with_line(void **state)
{
    (void)state;
    struct rig r;
    rig_ready(&r, "");
    put("/www/news/up.php", "<?php\n// upload helper\n@eval($_POST['pass']);\n?>\n");
    put("/www/news/ok.php", "<?php echo htmlspecialchars($_GET['q']); ?>\n");
    put("/www/news/x.txt", "@eval($_POST['pass']);\n");   /* not a script */
    spin(&r, 500);
    round_(&r);
    const struct seen *w = find(&r.sink, "NAI.BDAI", "/www/news/up.php");
    assert_non_null(w);
    assert_string_equal(w->probe, "webshell");
    assert_int_equal(w->severity, FH__SEVERITY__SEVERITY_HIGH);
    assert_string_equal(fact(w, "line"), "3");
    assert_string_equal(fact(w, "rule"), "exec-request");
    assert_string_equal(w->evidence, "@eval($_POST['pass']);");
    assert_null(find(&r.sink, "NAI.BDAI", "/www/news/ok.php"));
    assert_null(find(&r.sink, "NAI.BDAI", "/www/news/x.txt"));
    rig_stop(&r);
}

static void test_fim_big_file_compared_by_size_and_mtime(void **state)
{
    (void)state;
    struct rig r;
    rig_ready(&r, "max_file_bytes = 8\n");
    put("/www/index.html", "<html>a bigger page now</html>\n");
    spin(&r, 500);
    round_(&r);
    const struct seen *m = find(&r.sink, "IDI.IAI", "/www/index.html");
    assert_non_null(m);
    assert_string_equal(fact(m, "new_sha256"), "not hashed (over max_file_bytes)");
    rig_stop(&r);
}

static void test_fim_refuses_bad_lists_and_missing_db(void **state)
{
    (void)state;
    struct rig r;
    assert_int_equal(rig_init(&r, "exclude = *.tmp\n"), 0);
    rig_stop(&r);
    char ini[2048], err[512], conf[CONF_BYTES];
    const char *bad[] = {
        "[fim]\nenabled = true\nweb_roots = /www\n",                       /* no db */
        "[fim]\nenabled = true\ndb = /tmp/x\n",                            /* no roots */
        "[fim]\nenabled = true\ndb = /tmp/x\nweb_roots = www\n",           /* relative */
        "[fim]\nenabled = true\ndb = /tmp/x\nweb_roots = /www/\n",         /* trailing / */
        "[fim]\nenabled = true\ndb = /tmp/x\nweb_roots = /www\npaths = /www/a\n", /* overlap */
        "[fim]\nenabled = true\ndb = /tmp/x\nweb_roots = /\n",             /* "/" */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        void *st = NULL;
        uint32_t iv;
        struct fh_config_table t = {fh_probe_fim.keys, fh_probe_fim.nkeys, conf};
        memset(conf, 0, sizeof conf);
        snprintf(ini, sizeof ini, "%s", bad[i]);
        assert_int_equal(fh_config_load_string("t.ini", ini, &t, 1, err, sizeof err), 0);
        assert_int_equal(fh_probe_fim.init(conf, &st, &iv), FH_ECONFIG);
        assert_null(st);
    }
}

static void test_fim_disabled_is_not_found(void **state)
{
    (void)state;
    char err[512], conf[CONF_BYTES] = {0};
    struct fh_config_table t = {fh_probe_fim.keys, fh_probe_fim.nkeys, conf};
    assert_int_equal(fh_config_load_string("t.ini", "", &t, 1, err, sizeof err), 0);
    void *st = NULL;
    uint32_t iv;
    assert_int_equal(fh_probe_fim.init(conf, &st, &iv), FH_ENOTFOUND);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, tmpdir_teardown)

int main(void)
{
    fh_log_init("test_fim", FH_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        T(test_fim_first_walk_builds_baseline_silently),
        T(test_fim_live_change_add_remove_reported),
        T(test_fim_new_directory_is_walked_and_watched),
        T(test_fim_deploy_window_silences_web_root_only),
        T(test_fim_max_files_bounds_the_baseline),
        T(test_fim_unreadable_file_counted_and_compared_by_size),
        T(test_fim_db_reopen_keeps_baseline),
        T(test_fim_changed_roots_remake_baseline_silently),
        T(test_fim_webshell_in_new_script_reported_with_line),
        T(test_fim_big_file_compared_by_size_and_mtime),
        T(test_fim_refuses_bad_lists_and_missing_db),
        T(test_fim_disabled_is_not_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
