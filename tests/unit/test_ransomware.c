/* test_ransomware.c - bursts fire at burst_count sightings within the window and not
 * below it or spread wider (an injected clock); ransom extensions match the last suffix
 * without regard to case; note names match their globs; lists and walks keep their
 * bounds; and on a real loop, renames in a watched tree become one critical MI.CVI
 * detection with its count, while fewer renames than burst_count give none. */
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
#include <unistd.h>
#include <uv.h>

#include "config.h"
#include "err.h"
#include "fake_sink.h"
#include "probes.h"
#include "ransom_match.h"
#include "ransom_scan.h"
#include "tmpdir.h"

#define S 1000000ull   /* one second in µs */
#define T0 (1700000000ull * S)

static struct fake_sink f;

/* ---- bursts, with an injected clock ---- */

static void test_ransom_burst_fires_at_the_count_within_the_window(void **state)
{
    (void)state;
    struct fh_ransom_burst b;
    assert_int_equal(fh_ransom_burst_init(&b, 20), 0);
    for (int i = 0; i < 19; i++)   /* below: 19 in 1.9 s */
        assert_false(fh_ransom_burst_add(&b, T0 + (uint64_t)i * S / 10, 10 * S));
    assert_true(fh_ransom_burst_add(&b, T0 + 19 * S / 10, 10 * S));   /* at: the 20th */
    assert_true(fh_ransom_burst_add(&b, T0 + 2 * S, 10 * S));        /* above: the 21st */
    fh_ransom_burst_free(&b);
}

static void test_ransom_burst_needs_the_count_inside_one_window(void **state)
{
    (void)state;
    struct fh_ransom_burst b;
    assert_int_equal(fh_ransom_burst_init(&b, 20), 0);
    /* one every 0.6 s: any 20 span 11.4 s, wider than 10 s */
    for (int i = 0; i < 100; i++)
        assert_false(fh_ransom_burst_add(&b, T0 + (uint64_t)i * 6 * S / 10, 10 * S));
    fh_ransom_burst_free(&b);
    /* 20 spanning exactly the window still count; one microsecond more does not */
    assert_int_equal(fh_ransom_burst_init(&b, 20), 0);
    for (int i = 0; i < 19; i++)
        fh_ransom_burst_add(&b, T0, 10 * S);
    assert_true(fh_ransom_burst_add(&b, T0 + 10 * S, 10 * S));
    fh_ransom_burst_free(&b);
    assert_int_equal(fh_ransom_burst_init(&b, 20), 0);
    for (int i = 0; i < 19; i++)
        fh_ransom_burst_add(&b, T0, 10 * S);
    assert_false(fh_ransom_burst_add(&b, T0 + 10 * S + 1, 10 * S));
    fh_ransom_burst_free(&b);
}

static void test_ransom_burst_refuses_sizes_out_of_bounds(void **state)
{
    (void)state;
    struct fh_ransom_burst b;
    assert_int_equal(fh_ransom_burst_init(&b, 0), FH_EINVAL);
    assert_int_equal(fh_ransom_burst_init(&b, FH_RANSOM_MAX_BURST + 1), FH_EINVAL);
    assert_int_equal(fh_ransom_burst_init(&b, 1), 0);
    assert_true(fh_ransom_burst_add(&b, T0, S));   /* a burst of one */
    fh_ransom_burst_free(&b);
}

/* ---- names ---- */

static void test_ransom_extension_is_the_last_suffix_in_any_case(void **state)
{
    (void)state;
    struct fh_ransom_lists l;
    assert_int_equal(fh_ransom_parse_exts(".locked, WNCRY ,crypt", &l), 0);
    assert_int_equal(l.nexts, 3);
    assert_string_equal(l.exts[1], "wncry");
    assert_int_equal(fh_ransom_ext_of(&l, "report.docx.LOCKED"), 0);
    assert_int_equal(fh_ransom_ext_of(&l, "photo.jpg.WnCrY"), 1);
    assert_int_equal(fh_ransom_ext_of(&l, "a.crypt"), 2);
    assert_int_equal(fh_ransom_ext_of(&l, "a.locked.txt"), -1);
    assert_int_equal(fh_ransom_ext_of(&l, ".locked"), -1);    /* a hidden file's name */
    assert_int_equal(fh_ransom_ext_of(&l, "locked"), -1);
    assert_int_equal(fh_ransom_ext_of(&l, "a."), -1);
    assert_int_equal(fh_ransom_ext_of(&l, "a.lockedx"), -1);
}

static void test_ransom_note_names_match_their_globs_in_any_case(void **state)
{
    (void)state;
    struct fh_ransom_lists l;
    assert_int_equal(fh_ransom_parse_notes("HOW_TO_DECRYPT*, _readme.txt,!!!READ_ME!!!.txt",
                                           &l), 0);
    assert_true(fh_ransom_is_note(&l, "HOW_TO_DECRYPT_FILES.html"));
    assert_true(fh_ransom_is_note(&l, "how_to_decrypt.txt"));
    assert_true(fh_ransom_is_note(&l, "_README.TXT"));
    assert_true(fh_ransom_is_note(&l, "!!!read_me!!!.txt"));
    assert_false(fh_ransom_is_note(&l, "readme.txt"));
    assert_false(fh_ransom_is_note(&l, "x_HOW_TO_DECRYPT"));
}

static void test_ransom_lists_refuse_malformed_and_oversized(void **state)
{
    (void)state;
    struct fh_ransom_lists l;
    const char *bad_exts[] = {"a/b", ".", "lo cked", "a,,b",
                              ".aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof bad_exts / sizeof bad_exts[0]; i++)
        assert_int_equal(fh_ransom_parse_exts(bad_exts[i], &l), FH_ECONFIG);
    char many[1024] = "";
    for (int i = 0; i <= FH_RANSOM_MAX_EXTS; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "e%d,", i);
    assert_int_equal(fh_ransom_parse_exts(many, &l), FH_ECONFIG);
    const char *bad_notes[] = {"*", "**", "a/b.txt", "x,,y"};
    for (size_t i = 0; i < sizeof bad_notes / sizeof bad_notes[0]; i++)
        assert_int_equal(fh_ransom_parse_notes(bad_notes[i], &l), FH_ECONFIG);
    assert_int_equal(fh_ransom_parse_notes("", &l), 0);
    assert_int_equal(l.nnotes, 0);
}

/* ---- the walk ---- */

static void mk(const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", fh_test_dir, rel);
    size_t n = strlen(path);
    if (path[n - 1] == '/') {
        path[n - 1] = 0;
        assert_int_equal(mkdir(path, 0700), 0);
        return;
    }
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("x", fp);
    fclose(fp);
}

static void tree_fixture(void)
{
    mk("share/");
    mk("share/a/");
    mk("share/a/b/");
    mk("share/doc1.docx.locked");
    mk("share/a/doc2.LOCKED");
    mk("share/a/b/doc3.locked");
    mk("share/a/b/HOW_TO_DECRYPT.txt");
    mk("share/a/b/plain.txt");
}

static void scan_setup(struct fh_ransom_scan *s, struct fh_ransom_lists *l,
                       char (*trees)[FH_RANSOM_PATH_MAX])
{
    memset(s, 0, sizeof *s);
    assert_int_equal(fh_ransom_parse_exts("locked", l), 0);
    assert_int_equal(fh_ransom_parse_notes("HOW_TO_DECRYPT*", l), 0);
    snprintf(trees[0], FH_RANSOM_PATH_MAX, "%s/share", fh_test_dir);
    s->lists = l;
    s->trees = (const char (*)[FH_RANSOM_PATH_MAX])trees;
    s->ntrees = 1;
    s->max_entries = 1000;
    s->max_dirs = 100;
}

static void test_ransom_scan_counts_ransom_files_notes_and_directories(void **state)
{
    (void)state;
    static struct fh_ransom_scan s;
    static char trees[1][FH_RANSOM_PATH_MAX];
    struct fh_ransom_lists l;
    tree_fixture();
    scan_setup(&s, &l, trees);
    assert_int_equal(fh_ransom_scan_run(&s), 0);
    assert_false(s.truncated);
    assert_int_equal(s.ndirs, 3);
    assert_int_equal(s.nhits, 2);
    for (size_t i = 0; i < s.nhits; i++)
        assert_int_equal(s.hits[i].count, s.hits[i].ext < 0 ? 1 : 3);
    s.since_s = (int64_t)time(NULL) + 100;   /* nothing renamed since: notes only */
    assert_int_equal(fh_ransom_scan_run(&s), 0);
    assert_int_equal(s.nhits, 1);
    assert_int_equal(s.hits[0].ext, -1);
    fh_ransom_scan_clear(&s);
}

static void test_ransom_scan_keeps_its_bounds(void **state)
{
    (void)state;
    static struct fh_ransom_scan s;
    static char trees[1][FH_RANSOM_PATH_MAX];
    struct fh_ransom_lists l;
    tree_fixture();
    scan_setup(&s, &l, trees);
    s.max_entries = 3;
    s.max_dirs = 1;
    assert_int_equal(fh_ransom_scan_run(&s), 0);
    assert_true(s.truncated);
    assert_int_equal(s.ndirs, 1);
    assert_true(s.entries <= 4);
    fh_ransom_scan_clear(&s);
}

/* ---- the probe on a real loop ---- */

static void on_stop(uv_timer_t *t)
{
    uv_stop(t->loop);
}

static void run_for(uv_loop_t *loop, uint64_t ms)
{
    uv_timer_t t;
    uv_timer_init(loop, &t);
    uv_timer_start(&t, on_stop, ms, 0);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
}

static void close_one(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void *probe_start(uv_loop_t *loop)
{
    char conf[8192] = {0}, text[1024], err[256];
    const struct fh_probe *p = &fh_probe_ransomware;
    assert_true(p->conf_size <= sizeof conf);
    snprintf(text, sizeof text, "[ransomware]\nroot = %s\npaths = /share\nburst_count = 20\n"
             "burst_window_s = 10\n", fh_test_dir);
    struct fh_config_table t = {p->keys, p->nkeys, conf};
    assert_int_equal(fh_config_load_string("test", text, &t, 1, err, sizeof err), 0);
    void *st = NULL;
    uint32_t iv;
    assert_int_equal(p->init(conf, &st, &iv), 0);
    assert_int_equal(iv, 300);
    fake_sink_init(&f);
    assert_int_equal(uv_loop_init(loop), 0);
    assert_int_equal(p->start(st, loop, &f.sink), 0);
    assert_int_equal(p->collect(st, &f.sink), 0);   /* the first walk, as the worker would */
    run_for(loop, 1300);                            /* a tick: the watches are set */
    return st;
}

static void probe_stop(uv_loop_t *loop, void *st)
{
    uv_walk(loop, close_one, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
    fh_probe_ransomware.destroy(st);
    assert_int_equal(uv_loop_close(loop), 0);
}

static void rename_n(const char *dir, int n)
{
    char from[256], to[sizeof from + 8];
    for (int i = 0; i < n; i++) {
        snprintf(from, sizeof from, "%s/share/%s/f%d.doc", fh_test_dir, dir, i);
        snprintf(to, sizeof to, "%s.locked", from);
        assert_int_equal(rename(from, to), 0);
    }
}

static void files_n(const char *dir, int n)
{
    char rel[128];
    snprintf(rel, sizeof rel, "share/%s/", dir);
    mk(rel);
    for (int i = 0; i < n; i++) {
        snprintf(rel, sizeof rel, "share/%s/f%d.doc", dir, i);
        mk(rel);
    }
}

static void test_ransomware_renames_in_a_watched_tree_are_one_critical_mi_cvi(void **state)
{
    (void)state;
    uv_loop_t loop;
    mk("share/");
    files_n("deep", 25);
    void *st = probe_start(&loop);
    assert_int_equal(f.calls, 0);
    rename_n("deep", 25);
    run_for(&loop, 1300);
    assert_int_equal(f.calls, 1);
    assert_string_equal(f.d[0].class_code, "MI.CVI");
    assert_string_equal(f.d[0].probe, "ransomware");
    assert_int_equal(f.d[0].severity, FH__SEVERITY__SEVERITY_CRITICAL);
    assert_string_equal(fake_fact(&f.d[0], "extension"), "locked");
    assert_string_equal(fake_fact(&f.d[0], "source"), "watch");
    assert_int_equal(atoi(fake_fact(&f.d[0], "affected_count")), 25);
    assert_non_null(strstr(fake_fact(&f.d[0], "playbook"), "445"));
    assert_non_null(strstr(fake_fact(&f.d[0], "sample_paths"), ".locked"));
    probe_stop(&loop, st);
}

static void test_ransomware_fewer_renames_than_the_burst_report_nothing(void **state)
{
    (void)state;
    uv_loop_t loop;
    mk("share/");
    files_n("d", 19);
    void *st = probe_start(&loop);
    rename_n("d", 19);
    run_for(&loop, 1300);
    assert_int_equal(f.calls, 0);
    probe_stop(&loop, st);
}

static void test_ransomware_a_note_appearing_is_reported_at_once(void **state)
{
    (void)state;
    uv_loop_t loop;
    mk("share/");
    void *st = probe_start(&loop);
    mk("share/_readme.txt");
    run_for(&loop, 1300);
    assert_int_equal(f.calls, 1);
    assert_string_equal(fake_fact(&f.d[0], "note"), "_readme.txt");
    assert_string_equal(f.d[0].class_code, "MI.CVI");
    probe_stop(&loop, st);
}

static void test_ransomware_scan_finds_what_the_watches_missed(void **state)
{
    (void)state;
    uv_loop_t loop;
    mk("share/");
    files_n("x", 20);
    rename_n("x", 20);   /* before the probe: only the walk can see them */
    void *st = probe_start(&loop);
    assert_int_equal(f.calls, 1);
    assert_string_equal(fake_fact(&f.d[0], "source"), "scan");
    assert_string_equal(fake_fact(&f.d[0], "affected_count"), "20");
    probe_stop(&loop, st);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tmpdir_setup, tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        T(test_ransom_burst_fires_at_the_count_within_the_window),
        T(test_ransom_burst_needs_the_count_inside_one_window),
        T(test_ransom_burst_refuses_sizes_out_of_bounds),
        T(test_ransom_extension_is_the_last_suffix_in_any_case),
        T(test_ransom_note_names_match_their_globs_in_any_case),
        T(test_ransom_lists_refuse_malformed_and_oversized),
        T(test_ransom_scan_counts_ransom_files_notes_and_directories),
        T(test_ransom_scan_keeps_its_bounds),
        T(test_ransomware_renames_in_a_watched_tree_are_one_critical_mi_cvi),
        T(test_ransomware_fewer_renames_than_the_burst_report_nothing),
        T(test_ransomware_a_note_appearing_is_reported_at_once),
        T(test_ransomware_scan_finds_what_the_watches_missed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
