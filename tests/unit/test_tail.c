/* test_tail.c - tests of agent/probes/tail.c, the log follower: new lines only, partial
 * lines held back, long lines skipped and counted, rotation, truncation, budgets, and
 * the position kept across a restart in the state file. Every test works on files in
 * its own temp dir. */
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

#include "err.h"
#include "tail.h"
#include "tmpdir.h"

#define MAX_GOT 64
struct got {
    size_t n;
    char line[MAX_GOT][64];
    int fail_at;   /* 1-based call number that returns FH_EFULL; 0: never */
    int calls;
};

static int on_line(void *arg, char *line, size_t len)
{
    struct got *g = arg;
    g->calls++;
    if (g->fail_at && g->calls == g->fail_at)
        return FH_EFULL;
    assert_true(g->n < MAX_GOT);
    assert_int_equal(strlen(line), len);
    snprintf(g->line[g->n++], sizeof g->line[0], "%s", line);
    return 0;
}

static const char *path_of(const char *name)
{
    static char p[4][128];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof p[i], "%s/%s", fh_test_dir, name);
    return p[i];
}

static void append(const char *name, const char *text)
{
    FILE *f = fopen(path_of(name), "a");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static size_t read_all(struct fh_tail *t, struct got *g)
{
    size_t before = g->n;
    assert_int_equal(fh_tail_read(t, 1 << 20, 1000, on_line, g), 0);
    return g->n - before;
}

static void test_tail_starts_at_end_and_reads_only_appended_lines(void **state)
{
    (void)state;
    struct fh_tail t;
    struct got g = {0};
    append("log", "old 1\nold 2\n");
    assert_int_equal(fh_tail_open(&t, path_of("log"), NULL), 0);
    assert_int_equal(read_all(&t, &g), 0);
    append("log", "new 1\r\nnew 2\n");
    assert_int_equal(read_all(&t, &g), 2);
    assert_string_equal(g.line[0], "new 1");   /* CR LF: the CR is dropped too */
    assert_string_equal(g.line[1], "new 2");
    assert_int_equal(read_all(&t, &g), 0);
    fh_tail_close(&t);
}

static void test_tail_from_start_reads_what_is_there(void **state)
{
    (void)state;
    struct fh_tail t;
    struct got g = {0};
    append("log", "old 1\nold 2\n");
    assert_int_equal(fh_tail_open(&t, path_of("log"), &(struct fh_tail_opts){.from_start = true}), 0);
    assert_int_equal(read_all(&t, &g), 2);
    assert_string_equal(g.line[0], "old 1");
    fh_tail_close(&t);
}

static void test_tail_reads_a_file_that_appears_later_from_its_beginning(void **state)
{
    (void)state;
    struct fh_tail t;
    struct got g = {0};
    assert_int_equal(fh_tail_open(&t, path_of("log"), NULL), 0);
    assert_int_equal(read_all(&t, &g), 0);
    append("log", "first\n");
    assert_int_equal(read_all(&t, &g), 1);
    assert_string_equal(g.line[0], "first");
    fh_tail_close(&t);
}

static void test_tail_holds_back_a_partial_last_line_until_complete(void **state)
{
    (void)state;
    struct fh_tail t;
    struct got g = {0};
    assert_int_equal(fh_tail_open(&t, path_of("log"), NULL), 0);
    append("log", "whole\nhal");
    assert_int_equal(read_all(&t, &g), 1);
    assert_int_equal(read_all(&t, &g), 0);
    append("log", "f done\n");
    assert_int_equal(read_all(&t, &g), 1);
    assert_string_equal(g.line[1], "half done");
    fh_tail_close(&t);
}

static void test_tail_skips_and_counts_a_line_over_the_bound(void **state)
{
    (void)state;
    struct fh_tail t;
    struct got g = {0};
    size_t big = FH_TAIL_DEFAULT_MAX_LINE * 5 + 3;   /* over several buffers */
    char *line = malloc(big + 1);
    assert_non_null(line);
    memset(line, 'x', big);
    line[big] = '\0';
    assert_int_equal(fh_tail_open(&t, path_of("log"), NULL), 0);
    append("log", "before\n");
    append("log", line);          /* written in two rounds: the head first */
    assert_int_equal(read_all(&t, &g), 1);
    append("log", "tail of it\nafter\n");
    assert_int_equal(read_all(&t, &g), 1);
    assert_string_equal(g.line[1], "after");
    assert_int_equal(t.long_lines, 1);
    /* a line of exactly the bound is whole; one byte more is not */
    line[FH_TAIL_DEFAULT_MAX_LINE] = '\0';
    append("log", line);
    append("log", "\n");
    line[FH_TAIL_DEFAULT_MAX_LINE] = 'x';
    line[FH_TAIL_DEFAULT_MAX_LINE + 1] = '\0';
    append("log", line);
    append("log", "\nend\n");
    assert_int_equal(read_all(&t, &g), 2);
    assert_string_equal(g.line[3], "end");
    assert_int_equal(t.long_lines, 2);
    free(line);
    fh_tail_close(&t);
}

static void test_tail_follows_rotation_finishing_the_old_file_first(void **state)
{
    (void)state;
    struct fh_tail t;
    struct got g = {0};
    assert_int_equal(fh_tail_open(&t, path_of("log"), NULL), 0);
    append("log", "a\n");
    assert_int_equal(read_all(&t, &g), 1);
    append("log", "b\nc-without-newline");
    assert_int_equal(rename(path_of("log"), path_of("log.1")), 0);
    assert_int_equal(read_all(&t, &g), 1);   /* the path is gone: the old file is read */
    append("log", "d\n");                    /* the new file: the old one's last line */
    assert_int_equal(read_all(&t, &g), 2);
    assert_string_equal(g.line[1], "b");
    assert_string_equal(g.line[2], "c-without-newline");
    assert_string_equal(g.line[3], "d");
    assert_int_equal(t.rotations, 1);
    fh_tail_close(&t);
}

static void test_tail_starts_over_after_truncation(void **state)
{
    (void)state;
    struct fh_tail t;
    struct got g = {0};
    assert_int_equal(fh_tail_open(&t, path_of("log"), NULL), 0);
    append("log", "one long line\n");
    assert_int_equal(read_all(&t, &g), 1);
    assert_int_equal(truncate(path_of("log"), 0), 0);
    append("log", "x\n");
    assert_int_equal(read_all(&t, &g), 1);
    assert_string_equal(g.line[1], "x");
    assert_int_equal(t.truncations, 1);
    fh_tail_close(&t);
}

static void test_tail_stops_at_the_line_and_byte_budgets(void **state)
{
    (void)state;
    struct fh_tail t;
    struct got g = {0};
    assert_int_equal(fh_tail_open(&t, path_of("log"), NULL), 0);
    append("log", "1\n2\n3\n4\n5\n");
    assert_int_equal(fh_tail_read(&t, 1 << 20, 2, on_line, &g), 0);
    assert_int_equal(g.n, 2);
    assert_int_equal(fh_tail_read(&t, 3, 100, on_line, &g), 0);   /* 3 bytes: 2 lines */
    assert_int_equal(g.n, 4);
    assert_string_equal(g.line[3], "4");
    assert_int_equal(read_all(&t, &g), 1);
    fh_tail_close(&t);
}

static void test_tail_keeps_a_line_the_callback_refused(void **state)
{
    (void)state;
    struct fh_tail t;
    struct got g = {.fail_at = 2};
    assert_int_equal(fh_tail_open(&t, path_of("log"), NULL), 0);
    append("log", "a\nb\nc\n");
    assert_int_equal(fh_tail_read(&t, 1 << 20, 100, on_line, &g), FH_EFULL);
    assert_int_equal(g.n, 1);
    assert_int_equal(read_all(&t, &g), 2);
    assert_string_equal(g.line[1], "b");
    fh_tail_close(&t);
}

static void test_tail_resumes_from_its_state_file_after_a_restart(void **state)
{
    (void)state;
    struct fh_tail t;
    struct got g = {0};
    char pos[128];
    snprintf(pos, sizeof pos, "%s", path_of("pos"));
    struct fh_tail_opts o = {.state_file = pos};
    assert_int_equal(fh_tail_open(&t, path_of("log"), &o), 0);
    append("log", "a\n");
    assert_int_equal(read_all(&t, &g), 1);
    fh_tail_close(&t);
    append("log", "while stopped\n");
    assert_int_equal(fh_tail_open(&t, path_of("log"), &o), 0);
    assert_int_equal(read_all(&t, &g), 1);
    assert_string_equal(g.line[1], "while stopped");
    fh_tail_close(&t);
    /* rotated while stopped: the new file is read from its beginning */
    assert_int_equal(rename(path_of("log"), path_of("log.1")), 0);
    append("log", "new file\n");
    assert_int_equal(fh_tail_open(&t, path_of("log"), &o), 0);
    assert_int_equal(read_all(&t, &g), 1);
    assert_string_equal(g.line[2], "new file");
    fh_tail_close(&t);
    /* a state file that does not parse is as none: start at the end */
    FILE *f = fopen(pos, "w");
    fputs("garbage", f);
    fclose(f);
    assert_int_equal(fh_tail_open(&t, path_of("log"), &o), 0);
    assert_int_equal(read_all(&t, &g), 0);
    fh_tail_close(&t);
}

static void test_tail_refuses_a_fifo(void **state)
{
    (void)state;
    struct fh_tail t;
    struct got g = {0};
    assert_int_equal(mkfifo(path_of("fifo"), 0600), 0);
    assert_int_equal(fh_tail_open(&t, path_of("fifo"), NULL), 0);
    assert_int_equal(fh_tail_read(&t, 100, 100, on_line, &g), FH_EIO);
    fh_tail_close(&t);
}

static void test_tail_refuses_bad_options(void **state)
{
    (void)state;
    struct fh_tail t;
    char longp[FH_TAIL_PATH_MAX + 10];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    assert_int_equal(fh_tail_open(&t, longp, NULL), FH_ETOOBIG);
    fh_tail_close(&t);
    assert_int_equal(fh_tail_open(&t, "/x", &(struct fh_tail_opts){
                                                 .max_line = FH_TAIL_MAX_LINE_LIMIT + 1}),
                     FH_EINVAL);
    fh_tail_close(&t);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tmpdir_setup, tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        T(test_tail_starts_at_end_and_reads_only_appended_lines),
        T(test_tail_from_start_reads_what_is_there),
        T(test_tail_reads_a_file_that_appears_later_from_its_beginning),
        T(test_tail_holds_back_a_partial_last_line_until_complete),
        T(test_tail_skips_and_counts_a_line_over_the_bound),
        T(test_tail_follows_rotation_finishing_the_old_file_first),
        T(test_tail_starts_over_after_truncation),
        T(test_tail_stops_at_the_line_and_byte_budgets),
        T(test_tail_keeps_a_line_the_callback_refused),
        T(test_tail_resumes_from_its_state_file_after_a_restart),
        T(test_tail_refuses_a_fifo),
        T(test_tail_refuses_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
